"""The one path by which events reach the log: decide, link, append.

A `Writer` works inside one write transaction of a store. `apply` decides a command against
the state and links its events at the head of the chain; `append` takes rows linked
elsewhere (a restored backup's, verified before they get here). Both hand them to `_append`,
the one place where rows join the log, whatever brought them: a single command, the rows of
an import, the entries a bank statement adds and their clearing, a statement reconciliation,
or a backup. A DocumentAttached joins the log only with its document's bytes: stored before (the
same bytes attached elsewhere), or offered to the writer (`offer`) and stored in the same
transaction. Each appended
row is folded into the state and into the changes of the read models, so the next command of
the same transaction is decided against it; rows are written in batches, so that an import of
millions streams in flat memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, NamedTuple

from ledger_cli.app.keys import Keys
from ledger_cli.app.outcomes import Outcome
from ledger_cli.domain.commands import (
    ChargeFee,
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    PayInterest,
    ReconcileStatement,
    Transfer,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.dates import format_recorded, now_utc
from ledger_cli.domain.decider import decide
from ledger_cli.domain.events import Event, EventType
from ledger_cli.domain.state import LazyMap, State, Transaction, evolve, replay
from ledger_cli.errors import IntegrityFailure
from ledger_cli.store.base import EVERY_ROW, Row, Store
from ledger_cli.store.chain import Chain, link_hash, to_event
from ledger_cli.store.readmodels import Changes

if TYPE_CHECKING:
    from ledger_cli.domain.documents import Attachment

BATCH = 5_000  # rows held before they are written together


class Applied(NamedTuple):
    """A command as it was appended: its ref, its events, and warnings for the user."""

    ref: str
    events: list[Event]
    warnings: list[str]


class Writer:
    """Decides and appends, inside the caller's write transaction on `store`. A `dry_run`
    writer decides and links exactly the same way, inside a read snapshot, and writes
    nothing: its rows stay in memory, and so does the state they lead to."""

    def __init__(self, store: Store, *, dry_run: bool = False) -> None:
        self.store = store
        self.dry_run = dry_run
        head = store.head()
        if head.seq:
            # The new events chain from the head: its own hash must hold. (Only reconcile
            # verifies the whole log.)
            row = store.row_at(head.seq)
            if row is None or link_hash(row.prev_hash, row) != row.hash:
                raise IntegrityFailure(
                    f"{store.location}: the last event (seq {head.seq}) does not match its "
                    "hash; run `ledger reconcile`"
                )
        if store.read_models_current():
            self.state = load_state(store)
        elif dry_run:
            # Nothing may be written: decide against the log itself.
            self.state = replay(to_event(row) for row in store.rows(EVERY_ROW))
        else:
            # A file from an older version, or tables emptied by hand.
            store.rebuild_read_models()
            self.state = load_state(store)
        self.chain = Chain(head, format_recorded(now_utc()), store.appender)
        self.keys = Keys(store)
        self._rows: list[Row] = []
        self._changes = Changes()
        self._offered: dict[str, memoryview] = {}  # documents' bytes, by SHA-256
        self.stored_documents = 0  # documents whose bytes this writer stored anew
        self._pretended: set[str] = set()  # a dry run's documents, never stored

    def offer(self, sha256: str, content: memoryview) -> None:
        """The bytes of a document an event about to be appended names (hashed by the
        caller to `sha256`): stored when that event is appended, and only then."""
        self._offered[sha256] = content

    def apply(self, command: Command) -> Applied:
        """Decide `command` against the state and append its events; Denied or InvalidValue,
        and nothing appended, when it is refused."""
        decision = decide(self.state, command)
        rows = self.chain.link(decision.events)
        events = [
            Event(row.seq, new.ref, row.type, new.account, new.amount, new.balance, new.date,
                  row.recorded_at, new.details)
            for row, new in zip(rows, decision.events, strict=True)
        ]
        self._append(rows, events)
        return Applied(decision.ref, events, decision.warnings)

    def append(self, rows: Sequence[Row]) -> list[Event]:
        """Append the rows of one whole transaction that was linked elsewhere (a backup's),
        as they are stored; the events, as read from them, are returned."""
        events = [to_event(row) for row in rows]
        self._append(rows, events)
        return events

    def _append(self, rows: Sequence[Row], events: Sequence[Event]) -> None:
        """The one place where rows join the log: each must be the next link of the chain;
        the state and the read models follow each event. `rows` are whole transactions, and
        rows are written in batches between them (the read models count a transaction once,
        from the batch that holds its first row)."""
        for row, event in zip(rows, events, strict=True):
            if not self.chain.follows(row):
                raise IntegrityFailure(
                    f"seq {row.seq} is not the next link after seq {self.chain.seq}"
                )
            if event.type == EventType.DOCUMENT_ATTACHED:
                self._store_document(event)
            evolve(self.state, event)
            self._changes.add(event, row.hash, self.state)
            self.chain.advance(row)
        self._rows.extend(rows)
        if len(self._rows) >= BATCH:
            self.flush()

    def _store_document(self, event: Event) -> None:
        """Store the bytes a DocumentAttached names, offered or already stored; IntegrityFailure
        (and nothing appended) when they are neither."""
        sha = str(event.details["sha256"])
        content = self._offered.pop(sha, None)
        if content is not None and len(content) == event.details["size"]:
            if self.dry_run:
                self._pretended.add(sha)  # stored, as far as the rest of the run can tell
            elif self.store.put_document(sha, content):
                self.stored_documents += 1
            return
        if sha not in self._pretended and self.store.document_size(sha) != event.details["size"]:
            raise IntegrityFailure(
                f"seq {event.seq} attaches document {sha[:12]}, whose bytes are not stored"
            )

    def flush(self) -> None:
        """Write the rows held, the read models they change, and the keys set (a dry run
        keeps everything in memory, where the next command of the run finds it)."""
        if self.dry_run:
            self._rows.clear()
            return
        if self._rows:
            self.store.append(self._rows)
            self.store.save_read_models(self.state, self._changes)
            self._rows, self._changes = [], Changes()
            # What was loaded or set is in the store now: load it again when asked for.
            self.state.forget_loaded()
        keys = self.keys.take()
        if keys:
            self.store.remember_keys(keys)


def load_state(store: Store) -> State:
    """The state a command is decided against, read from the read models (which must be
    current): every account (there are few), and transactions, check numbers and statuses
    loaded one by one, only when the command asks about them."""
    seq, count = store.read_model_position()
    state = State(seq=seq, accounts=store.account_states(), transaction_count=count)

    def transaction(ref: str) -> Transaction | None:
        # Refs are numbered in order: one past the count is a new one, not in the store.
        if ref[:1] == "T" and ref[1:].isdigit() and int(ref[1:]) > state.transaction_count:
            return None
        return store.find_transaction(ref)

    state.transactions = LazyMap(transaction)
    state.checks = LazyMap(lambda key: store.check_ref(*key))
    state.cleared = LazyMap(lambda key: store.entry_status(*key))
    state.statement_rows = LazyMap(lambda key: store.statement_row(*key))
    state.payee_categories = LazyMap(store.payee_category)
    state.rules, state.rule_count, state.budgets = store.category_settings()
    state.schedules = LazyMap(store.schedule)
    state.occurrences = LazyMap(lambda key: store.occurrence(*key))
    state.documents = LazyMap(lambda ref: _attached(store, ref))
    return state


def _attached(store: Store, ref: str) -> tuple[Attachment, ...]:
    from ledger_cli.app.documents import attached  # only a document's commands ask

    return attached(store, ref)


@contextmanager
def writing(store: Store, *, dry_run: bool = False) -> Iterator[Writer]:
    """A Writer inside one transaction of `store`: everything it appended is written when the
    block ends, all or nothing (rolled back on an error). A `dry_run` reads one snapshot and
    writes nothing, so it works on a read-only file too."""
    with transaction(store, dry_run=dry_run):
        writer = Writer(store, dry_run=dry_run)
        yield writer
        writer.flush()


def transaction(store: Store, *, dry_run: bool = False) -> AbstractContextManager[None]:
    """The transaction a write works in: a write transaction (rolled back after a
    `dry_run`), or for a dry run on a store opened for reading, one read snapshot."""
    if dry_run and not store.writable:
        return store.snapshot()
    return store.transaction(dry_run=dry_run)


def outcome(
    command: Command,
    applied: Applied,
    state: State,
    *,
    repeated: bool = False,
    dry_run: bool = False,
) -> Outcome:
    """What `command` did, for the user: its ref, events and warnings, and the balance of the
    account it names (for a transfer, the account the money left)."""
    events = applied.events
    named = _named_account(command, events)
    # The balance the command left: that of its own last event on the named account (none
    # for a rule or a budget, which concern the whole ledger).
    balance = next(
        (event.balance for event in reversed(events) if event.account == named),
        state.accounts[named].balance if named in state.accounts else 0,
    )
    return Outcome(
        ref=applied.ref,
        events=events,
        account=named,
        balance=balance,
        warnings=applied.warnings,
        currencies={
            name: state.accounts[name].currency
            for name in {event.account for event in events}
            if name in state.accounts
        },
        repeated=repeated,
        subject=_subject(events, state),
        dry_run=dry_run,
    )


def _subject(events: list[Event], state: State) -> Transaction | None:
    """The transaction that a void, an unvoid, an amend, a categorize or a document
    concerns."""
    for event in events:
        ref = (
            event.details.get("voids")
            or event.details.get("restores")
            or event.details.get("categorizes")
            or event.details.get("attaches")
            or event.details.get("detaches")
        )
        if ref is not None:
            return state.transactions.get(str(ref))
    return None


def _named_account(command: Command, events: list[Event]) -> str:
    match command:
        case OpenAccount(name=name) | CloseAccount(name=name):
            return name
        case Transfer(source=source):
            return source
        case (
            Deposit(account=account)
            | WriteCheck(account=account)
            | Withdraw(account=account)
            | ChargeFee(account=account)
            | PayInterest(account=account)
            | ReconcileStatement(account=account)
        ):
            return account
    return events[0].account
