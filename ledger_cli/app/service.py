"""The application service: a ledger seen through commands and queries.

Every write opens the store, makes one transaction and goes through the one write path
(writer.py: decide, link, append): a single command, an import, a bank statement and its
reconciliation, a restore. Queries read one snapshot (queries.py, built on snapshot.py and
register.py); verification is verify.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ledger_cli.app.outcomes import Imported, Outcome, Restored
from ledger_cli.app.writer import Applied, Writer, outcome, transaction, writing
from ledger_cli.domain.commands import Command, ReconcileStatement, fingerprint
from ledger_cli.domain.decider import decide
from ledger_cli.domain.events import Event
from ledger_cli.domain.state import State
from ledger_cli.errors import Denied, InvalidValue, LedgerError, NoLedger, StorageError
from ledger_cli.store.backends import ledger_exists, open_scratch, open_store
from ledger_cli.store.base import KeyRecord, Row, RowFilter, Store
from ledger_cli.store.chain import to_event
from ledger_cli.store.url import Location

if TYPE_CHECKING:
    # The parts of one command each: a single write loads none of them.
    from ledger_cli.app.outcomes import Statement
    from ledger_cli.app.queries import Queries
    from ledger_cli.app.schedules import PostedDue
    from ledger_cli.app.verify import Reconciliation
    from ledger_cli.domain.money import Currency
    from ledger_cli.domain.statements import Entry, StatementRow


class Document(NamedTuple):
    """A document's bytes, read and hashed (to `sha256`) by the caller, for the event that
    attaches it: the writer stores them in the transaction that appends that event."""

    sha256: str
    data: memoryview


class CommandRow(NamedTuple):
    """One row of an import file: its line number, and the command it asks for (or why it
    cannot be read), with its idempotency key."""

    line: int
    command: Command | None
    key: str | None
    problem: str | None = None


class Ledger:
    """A ledger, seen through commands and queries."""

    def __init__(self, path: Location, *, create_folder: bool = False) -> None:
        self.path = path
        self.create_folder = create_folder

    @contextmanager
    def _writing(
        self, *, dry_run: bool = False, existing: bool = False
    ) -> Iterator[Writer]:
        """A writer inside one transaction; `existing`: only on a ledger that exists (never
        creates one)."""
        if existing:
            self._require_file()
        with self._store(dry_run=dry_run, existing=existing) as store:
            with writing(store, dry_run=dry_run) as writer:
                yield writer

    def _store(self, *, dry_run: bool, existing: bool) -> Store:
        """The store a write works on. A dry run opens the file for reading only, or, when
        there is no ledger yet, an empty one in memory: it never creates or changes a file."""
        if not dry_run:
            create_folder = self.create_folder and not existing
            return open_store(self.path, write=True, create_folder=create_folder)
        try:
            return open_store(self.path, write=False)
        except NoLedger:
            if existing:
                raise
        if (
            isinstance(self.path, Path)
            and not self.create_folder
            and not self.path.parent.is_dir()
        ):
            raise StorageError(
                f"cannot create {self.path}: the folder {self.path.parent} does not exist"
            )
        return open_scratch(self.path)

    def execute(
        self,
        command: Command,
        *,
        key: str | None = None,
        dry_run: bool = False,
        document: Document | None = None,
    ) -> Outcome:
        """Decide `command` against the current state and append its events, all in one
        transaction; a denial raises and writes nothing.

        With an idempotency `key`, a command already made under that key is not made again:
        the same content gets the original outcome (`Outcome.repeated`), other content is
        denied, and a denial is remembered (the one thing a denied command writes) so that a
        retry is denied the same way (keys.py). A `dry_run` decides the same way and
        writes nothing at all. `document`: the bytes an AttachDocument names."""
        if key is None and not dry_run and not self._exists():
            # A command denied on an empty ledger must not leave a new file behind.
            decide(State(), command)
        # A first write killed before it commits leaves an empty file; queries take that for
        # no ledger, and the next write makes it one. (Removing it here could race with
        # another process's first write into the same file.)
        denial: LedgerError | None = None
        with self._writing(dry_run=dry_run) as writer:
            if document is not None:
                writer.offer(document.sha256, document.data)
            sameness = fingerprint(command) if key is not None else ""
            earlier = writer.keys.earlier(key, sameness, "--id") if key is not None else None
            if earlier is not None:
                applied = Applied(earlier, _transaction_events(writer, earlier), [])
                return outcome(command, applied, writer.state, repeated=True, dry_run=dry_run)
            try:
                applied = writer.apply(command)
            except (Denied, InvalidValue) as error:
                if key is None:
                    raise
                writer.keys.remember(
                    KeyRecord(key, sameness, None, int(error.exit_code), str(error))
                )
                denial = error
            else:
                if key is not None:
                    writer.keys.remember(KeyRecord(key, sameness, applied.ref))
                result = outcome(command, applied, writer.state, dry_run=dry_run)
        if denial is not None:
            raise denial
        return result

    def import_rows(
        self, rows: Iterable[CommandRow], *, skip_denied: bool, dry_run: bool = False
    ) -> Imported:
        """Decide and append every row of an import file, in order, in one transaction: each
        row as the single command it names would be, chained after the one before. A row
        that is denied (or cannot be read) stops the import and nothing is appended, unless
        `skip_denied`, when it is reported and the rest go on. A row whose `id` was already
        used for the same command is not made again; for another command it is denied."""
        result = Imported(dry_run=dry_run)
        with self._writing(dry_run=dry_run) as writer:
            for row in rows:
                sameness = ""
                try:
                    if row.command is None:
                        raise InvalidValue(row.problem or "the row cannot be read")
                    if row.key is not None:
                        sameness = fingerprint(row.command)
                        if writer.keys.earlier(row.key, sameness, "id") is not None:
                            result.repeated += 1
                            continue
                    applied = writer.apply(row.command)
                except (Denied, InvalidValue) as error:
                    if not skip_denied:
                        raise Denied(f"line {row.line}: {error}; nothing was imported") from None
                    result.skipped.append((row.line, str(error)))
                    if row.key is not None and sameness and writer.keys.unused(row.key):
                        writer.keys.remember(KeyRecord(row.key, sameness, None, 1, str(error)))
                    continue
                result.count(applied.ref, applied.events)
                if row.key is not None:
                    writer.keys.remember(KeyRecord(row.key, sameness, applied.ref))
            accounts = writer.state.accounts
            result.balances = {
                name: (accounts[name].balance, accounts[name].currency)
                for name in sorted(result.accounts)
            }
        return result

    def statement(
        self,
        account: str,
        read_rows: Callable[[Currency], list[StatementRow]],
        *,
        window: int,
        add: bool,
        dry_run: bool,
        today: date,
        folder: Path | None = None,
    ) -> Statement:
        """Match a bank statement to the register and clear the matches, adding what only the
        bank has (monthend.py); all in one transaction, rolled back when `dry_run`. The
        files rows name (receipts) are found in `folder`."""
        from ledger_cli.app import monthend

        with self._writing(dry_run=dry_run, existing=True) as writer:
            return monthend.statement(
                writer, account, read_rows, window=window, add=add, dry_run=dry_run,
                today=today, folder=folder,
            )

    def reconcile_statement(
        self, account: str, day: date, balance: str, *, dry_run: bool = False
    ) -> tuple[Reconciliation, Outcome | None, list[Entry]]:
        """Verify the log, then compare the cleared balance of `account` as of `day` with the
        statement's `balance`: equal, a StatementReconciled event marks the cleared entries
        reconciled and seals the period; different, StatementDoesNotMatch (nothing written).
        Also the entries still outstanding."""
        from ledger_cli.app.verify import reconcile

        self._require_file()
        with self._store(dry_run=dry_run, existing=True) as store, transaction(
            store, dry_run=dry_run
        ):
            check = reconcile(store)
            if not check.ok:
                return check, None, []
            writer = Writer(store, dry_run=dry_run)
            known = account in writer.state.accounts
            entries = tuple(store.entries(account, day)) if known else ()
            command = ReconcileStatement(account, day, balance, entries)
            applied = writer.apply(command)
            reconciled = outcome(command, applied, writer.state, dry_run=dry_run)
            writer.flush()
        # A voided entry and its void cancel out, and no statement will ever show them.
        outstanding = [entry for entry in entries if not entry.status and not entry.void]
        return check, reconciled, outstanding

    def post_due(
        self, through: date, names: Sequence[str] = (), *, force: bool = False,
        dry_run: bool = False,
    ) -> PostedDue:
        """Record every occurrence due on or before `through` (of the schedules `names`, or
        all) as the command it describes, in date order, in one transaction: each as a
        single PostOccurrence would be, so that an occurrence is posted at most once however
        many runs there are, at once or not. Within a day, deposits come first. One that is
        denied (a check past the overdraft limit) is reported and stays due; the others are
        recorded."""
        from ledger_cli.app.schedules import PostedDue, chosen, from_rows, pending
        from ledger_cli.domain.commands import PostOccurrence
        from ledger_cli.domain.events import SCHEDULE_TYPES

        with self._writing(dry_run=dry_run, existing=True) as writer:
            every = from_rows(writer.store.rows(RowFilter(types=SCHEDULE_TYPES)))
            result = PostedDue(through, [], [], dry_run)
            # Decided against the state, which holds what this run posts as it goes.
            for item in pending(
                chosen(every, names), writer.state.occurrences, through, money_in_first=True
            ):
                command = PostOccurrence(item.schedule.name, item.date, force)
                try:
                    applied = writer.apply(command)
                except (Denied, InvalidValue) as error:
                    result.denied.append((item, str(error)))
                    continue
                done = outcome(command, applied, writer.state, dry_run=dry_run)
                result.posted.append((item, done))
        return result

    def restore(
        self, items: Callable[[], Iterable[Row | Document]], *, dry_run: bool = False
    ) -> Restored:
        """Append the rows of a backup into a ledger that holds no event: the very same rows
        (seq, recorded times, hashes), through the one write path, so that the state and the
        read models follow them, and each document's bytes with the event that attaches
        it. `items` reads them, verifying each as it goes."""
        with self._writing(dry_run=dry_run) as writer:
            if writer.chain.seq:
                raise Denied(not_empty(self.path, writer.chain.seq))
            count = 0
            transaction: list[Row] = []
            # A transaction's rows together: the writer writes its batches between them.
            for item in items():
                if isinstance(item, Document):
                    writer.offer(item.sha256, item.data)
                    continue
                if transaction and transaction[-1].ref != item.ref:
                    count += len(writer.append(transaction))
                    transaction = []
                transaction.append(item)
            if transaction:
                count += len(writer.append(transaction))
        return Restored(str(self.path), count, writer.chain.seq, writer.chain.hash, dry_run)

    def require_empty(self) -> None:
        """Denied when the ledger already holds events: checked before a restore reads its
        backup. A missing ledger is empty."""
        try:
            with open_store(self.path, write=False) as store:
                seq = store.head().seq
        except NoLedger:
            return
        if seq:
            raise Denied(not_empty(self.path, seq))

    def rebuild(self) -> Reconciliation:
        """Verify the log, and when it is intact derive every read model again from it, in
        one write transaction. A broken log is left as it is (the findings say why)."""
        from ledger_cli.app.verify import reconcile

        self._require_file()
        with open_store(self.path, write=True) as store, store.transaction():
            result = reconcile(store)
            if result.ok:
                store.rebuild_read_models()
        return result

    def _exists(self) -> bool:
        return ledger_exists(self.path)

    def _require_file(self) -> None:
        """What works on an existing ledger only (never creates one): NoLedger otherwise."""
        if not self._exists():
            raise NoLedger(f"no ledger at {self.path}")

    def query(self, *, damaged_ok: bool = False) -> AbstractContextManager[Queries]:
        """A read-only view of one moment of the ledger (see queries.read)."""
        from ledger_cli.app.queries import read

        return read(self.path, damaged_ok=damaged_ok)


def _transaction_events(writer: Writer, ref: str) -> list[Event]:
    """The events a command recorded as `ref`: an amend's replacement is preceded by the
    void that `amend` recorded with it."""
    events = [to_event(row) for row in writer.store.rows(RowFilter(ref=ref))]
    if events and "amends" in events[0].details and ref[1:].isdigit():
        void = [to_event(row) for row in writer.store.rows(RowFilter(ref=f"T{int(ref[1:]) - 1}"))]
        events = void + events
    return events


def not_empty(path: Location, events: int) -> str:
    return (
        f"the ledger at {path} already holds {events} events; restore writes only into a new "
        "or empty ledger (give another --db)"
    )
