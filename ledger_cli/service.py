"""The application service: the one path that writes (load state, decide, append, in one
transaction), and the queries, which only read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ledger_cli import commands, readmodel, statements
from ledger_cli.accounts import check_account_name, unknown_account
from ledger_cli.chain import Row
from ledger_cli.commands import (
    ChargeFee,
    CloseAccount,
    Command,
    Deposit,
    Entry,
    OpenAccount,
    PayInterest,
    ReconcileStatement,
    Transfer,
    Withdraw,
    WriteCheck,
)
from ledger_cli.connection import translate_errors
from ledger_cli.domain import decide
from ledger_cli.errors import Denied, InvalidValue, LedgerError, NoLedger
from ledger_cli.events import Event
from ledger_cli.money import Currency
from ledger_cli.queries import Queries, Reconciliation, read
from ledger_cli.state import LazyMap, State, evolve
from ledger_cli.store import Store

if TYPE_CHECKING:
    from ledger_cli import bankcsv, importer


@dataclass(frozen=True)
class Outcome:
    """What a command did: its reference, its events, and the balance of the account it names."""

    ref: str
    events: list[Event]
    account: str
    balance: int
    warnings: list[str]
    currencies: dict[str, Currency]  # of every account the events touch
    repeated: bool = False  # the original outcome of an earlier command under the same --id

    @property
    def currency(self) -> Currency:
        return self.currencies[self.account]


class Ledger:
    """A ledger file, seen through commands and queries."""

    def __init__(self, path: Path, *, create_folder: bool = False) -> None:
        self.path = path
        self.create_folder = create_folder

    def execute(self, command: Command, *, key: str | None = None) -> Outcome:
        """Decide `command` against the current state and append its events, all in one
        BEGIN IMMEDIATE transaction; a denial raises and writes nothing.

        With an idempotency `key`, a command already made under that key is not made again:
        the same content gets the original outcome (`Outcome.repeated`), other content is
        denied, and a denial is remembered (the one thing a denied command writes) so that a
        retry is denied the same way."""
        with translate_errors(self.path):
            missing = not self.path.exists()
        if missing and key is None:
            # A command denied on an empty ledger must not leave a new file behind.
            decide(State(), command)
        # A first write killed before it commits leaves an empty file; queries take that for
        # no ledger, and the next write makes it one. (Removing it here could race with
        # another process's first write into the same file.)
        denial: LedgerError | None = None
        with Store.open(self.path, write=True, create_folder=self.create_folder) as store:
            with store.transaction():
                fingerprint = commands.fingerprint(command) if key is not None else ""
                if key is not None:
                    earlier = _earlier(store, key, fingerprint, command)
                    if earlier is not None:
                        return earlier
                state = store.load_state()
                try:
                    outcome = _apply(store, state, command)
                except (Denied, InvalidValue) as error:
                    if key is None:
                        raise
                    store.remember_key(
                        key, fingerprint, code=int(error.exit_code), message=str(error)
                    )
                    denial = error
                else:
                    if key is not None:
                        store.remember_key(key, fingerprint, ref=outcome.ref)
        if denial is not None:
            raise denial
        return outcome

    def import_rows(self, rows: Iterable[importer.Row], *, skip_denied: bool) -> Imported:
        """Decide and append every row of an import file, in order, in one transaction: each
        row as the single command it names would be, chained after the one before. A row
        that is denied (or cannot be read) stops the import and nothing is appended, unless
        `skip_denied`, when it is reported and the rest go on. A row whose `id` was already
        used for the same command is not made again; for another command it is denied."""
        result = Imported()
        with (
            Store.open(self.path, write=True, create_folder=self.create_folder) as store,
            store.transaction(),
        ):
            state = store.load_state()
            chain = store.chain()
            batch = _Batch(store, state)
            keys: dict[str, tuple[str, str | None, str | None]] = {}
            for row in rows:
                fingerprint = ""
                try:
                    if row.command is None:
                        raise InvalidValue(row.problem or "the row cannot be read")
                    if row.key is not None:
                        fingerprint = commands.fingerprint(row.command)
                        if _seen_key(store, keys, row.key, fingerprint):
                            result.repeated += 1
                            continue
                    decision = decide(state, row.command)
                except (Denied, InvalidValue) as error:
                    if not skip_denied:
                        raise Denied(f"line {row.line}: {error}; nothing was imported") from None
                    result.skipped.append((row.line, str(error)))
                    if (
                        row.key is not None
                        and fingerprint
                        and row.key not in keys
                        and store.command_key(row.key) is None
                    ):
                        keys[row.key] = (fingerprint, None, str(error))
                        batch.keys.append((row.key, fingerprint, None, 1, str(error)))
                    continue
                linked, events = chain.link(decision.events)
                batch.add(linked, events)
                result.count(decision.ref, events)
                if row.key is not None:
                    keys[row.key] = (fingerprint, decision.ref, None)
                    batch.keys.append((row.key, fingerprint, decision.ref, None, None))
                if isinstance(state.transactions, LazyMap):
                    state.transactions.forget(decision.ref)  # no row of an import voids it
                if len(batch.rows) >= _BATCH:
                    batch.flush()
            batch.flush()
            result.balances = {
                name: (state.accounts[name].balance, state.accounts[name].currency)
                for name in sorted(result.accounts)
            }
        return result

    def reconcile_statement(
        self, account: str, day: date, balance: str
    ) -> tuple[Reconciliation, Outcome | None, list[Entry]]:
        """Verify the log, then compare the cleared balance of `account` as of `day` with the
        statement's `balance`: equal, a StatementReconciled event marks the cleared entries
        reconciled and seals the period; different, StatementDoesNotMatch (nothing written)."""
        self._require_file()
        with Store.open(self.path, write=True) as store, store.transaction():
            check = Queries(store).reconcile()
            if not check.ok:
                return check, None, []
            state = store.load_state()
            entries = tuple(store.entries(account, day)) if account in state.accounts else ()
            command = commands.ReconcileStatement(account, day, balance, entries)
            outcome = _apply(store, state, command)
        # A voided entry and its void cancel out, and no statement will ever show them.
        return check, outcome, [entry for entry in entries if not entry.status and not entry.void]

    def statement(
        self,
        account: str,
        read: Callable[[Currency], list[bankcsv.StatementRow]],
        *,
        window: int,
        add: bool,
        dry_run: bool,
        today: date,
    ) -> Statement:
        """Match each row of a bank statement to an uncleared entry of `account` and clear
        the matches; add the rows that match nothing as new transactions (unless not `add`),
        cleared too; skip rows imported before (by fingerprint). All in one transaction,
        rolled back when `dry_run`."""
        self._require_file()
        with Store.open(self.path, write=True) as store, store.transaction(dry_run=dry_run):
            state = store.load_state()
            found = state.accounts.get(account)
            if found is None:
                check_account_name(account)
                raise Denied(unknown_account(account, list(state.accounts)))
            rows = read(found.currency)
            candidates = [e for e in store.entries(account) if not e.status and not e.void]
            result = Statement(account, found.currency, dry_run)
            to_clear: list[tuple[str, str]] = []
            for row in rows:
                earlier = state.statement_rows.get((account, row.fingerprint))
                if earlier is not None:
                    result.rows.append(StatementDecision(row, "duplicate", None, earlier))
                    continue
                match = statements.best_match(row, candidates, window)
                if match is not None:
                    entry, reason = match
                    candidates.remove(entry)
                    to_clear.append((entry.ref, row.fingerprint))
                    result.rows.append(StatementDecision(row, "matched", entry, reason))
                    continue
                if not add:
                    result.rows.append(StatementDecision(row, "unmatched", None, None))
                    continue
                command = statements.command_for(row, account, found.currency)
                try:
                    outcome = _apply(store, state, command)
                except (Denied, InvalidValue) as error:
                    result.rows.append(StatementDecision(row, "denied", None, str(error)))
                    continue
                to_clear.append((outcome.ref, row.fingerprint))
                result.rows.append(
                    StatementDecision(row, "added", None, statements.kind_of(command), outcome)
                )
            if to_clear:
                refs, fingerprints = zip(*to_clear, strict=True)
                clear = commands.Clear(tuple(refs), today, account, tuple(fingerprints))
                result.cleared = _apply(store, state, clear)
            result.balance = state.accounts[account].balance
        return result

    def rebuild(self) -> Reconciliation:
        """Verify the log, and when it is intact derive every read model again from it, in
        one write transaction. A broken log is left as it is (the findings say why)."""
        self._require_file()
        with Store.open(self.path, write=True) as store, store.transaction():
            result = Queries(store).reconcile()
            if result.ok:
                store.rebuild_read_models()
        return result

    def _require_file(self) -> None:
        """What works on an existing ledger only (never creates one): NoLedger otherwise."""
        with translate_errors(self.path):
            if not self.path.exists():
                raise NoLedger(f"no ledger at {self.path}")

    def query(self, *, damaged_ok: bool = False) -> AbstractContextManager[Queries]:
        """A read-only view of one moment of the ledger (see queries.read)."""
        return read(self.path, damaged_ok=damaged_ok)


_BATCH = 5_000


def _apply(store: Store, state: State, command: Command) -> Outcome:
    """Decide one command and append its events, inside the caller's transaction; `state`
    follows (and the read models with it)."""
    decision = decide(state, command)
    events = store.append(decision.events)
    changes = readmodel.Changes()
    for event in events:
        evolve(state, event)
        changes.add(event)
    store.save_state(state, changes)
    return _outcome(command, decision.ref, events, state, decision.warnings)


@dataclass
class StatementDecision:
    """What became of one statement row, and why."""

    row: bankcsv.StatementRow
    decision: str  # matched | added | duplicate | unmatched | denied
    entry: Entry | None  # the register entry it matched
    reason: str | None  # why it matched, what was added, which ref saw it, why denied
    outcome: Outcome | None = None  # the transaction added for it


@dataclass
class Statement:
    account: str
    currency: Currency
    dry_run: bool
    rows: list[StatementDecision] = field(default_factory=list)
    cleared: Outcome | None = None
    balance: int = 0


@dataclass
class Imported:
    """What an import did: the transactions it appended, and the rows it did not."""

    transactions: int = 0
    events: int = 0
    first_ref: str | None = None
    last_ref: str | None = None
    repeated: int = 0  # rows whose `id` was already imported with the same content
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why), --skip-denied
    accounts: set[str] = field(default_factory=set)
    balances: dict[str, tuple[int, Currency]] = field(default_factory=dict)

    def count(self, ref: str, events: list[Event]) -> None:
        self.transactions += 1
        self.events += len(events)
        self.first_ref = self.first_ref or ref
        self.last_ref = ref
        self.accounts.update(event.account for event in events)


class _Batch:
    """Linked rows waiting to be inserted, with what they change in the read models."""

    def __init__(self, store: Store, state: State) -> None:
        self.store = store
        self.state = state
        self.rows: list[Row] = []
        self.keys: list[tuple[str, str, str | None, int | None, str | None]] = []
        self.changes = readmodel.Changes()

    def add(self, rows: list[Row], events: list[Event]) -> None:
        self.rows.extend(rows)
        for event in events:
            evolve(self.state, event)
            self.changes.add(event)

    def flush(self) -> None:
        self.store.insert(self.rows)
        self.store.save_state(self.state, self.changes)
        for key in self.keys:
            self.store.remember_key(key[0], key[1], ref=key[2], code=key[3], message=key[4])
        self.rows, self.keys, self.changes = [], [], readmodel.Changes()


def _seen_key(
    store: Store, keys: dict[str, tuple[str, str | None, str | None]], key: str, fingerprint: str
) -> bool:
    """True when an import row's `key` was already used for this command, in this file
    (`keys`) or before (skip the row); Denied as `_prior_ref` says."""
    return _prior_ref(keys.get(key) or _stored_key(store, key), key, fingerprint, "id") is not None


def _earlier(store: Store, key: str, fingerprint: str, command: Command) -> Outcome | None:
    """The outcome of the first command under `key`, when it was this same command."""
    ref = _prior_ref(_stored_key(store, key), key, fingerprint, "--id")
    if ref is None:
        return None
    events = store.ref_events(ref)
    state = store.load_state()
    return _outcome(command, ref, events, state, [], repeated=True)


def _stored_key(store: Store, key: str) -> tuple[str, str | None, str | None] | None:
    found = store.command_key(key)
    return None if found is None else (found[0], found[1], found[3])


def _prior_ref(
    earlier: tuple[str, str | None, str | None] | None, key: str, fingerprint: str, option: str
) -> str | None:
    """Given what was first done under `key` (fingerprint, ref, denial message): its ref when
    it was this same command and was recorded, None when the key is new. Denied when it was
    another command, and again when this command was denied, so a retry never changes the
    outcome."""
    if earlier is None:
        return None
    earlier_fingerprint, ref, message = earlier
    if earlier_fingerprint != fingerprint:
        what = f"recorded as {ref}" if ref else "denied"
        hint = "; use a new key for a new command" if option == "--id" else ""
        raise Denied(f"{option} {key!r} was already used for a different command ({what}){hint}")
    if ref is None:
        raise Denied(message or f"the command under {option} {key!r} was denied")
    return ref


def _outcome(
    command: Command,
    ref: str,
    events: list[Event],
    state: State,
    warnings: list[str],
    *,
    repeated: bool = False,
) -> Outcome:
    named = _named_account(command, events)
    # The balance the command left: that of its own last event on the named account.
    balance = next(
        (event.balance for event in reversed(events) if event.account == named),
        state.accounts[named].balance,
    )
    return Outcome(
        ref=ref,
        events=events,
        account=named,
        balance=balance,
        warnings=warnings,
        currencies={
            name: state.accounts[name].currency for name in {event.account for event in events}
        },
        repeated=repeated,
    )


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
