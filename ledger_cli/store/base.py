"""The storage interface: what the application asks of a backend. The small records it speaks
in are in records.py, and handed on from here: the application imports this module and
store/backends.py, never a backend's own modules.

A backend owns its SQL, and translates its errors where they happen into errors.StorageError
(exit 4), NoLedger or IntegrityFailure. Backend-neutral rules live beside this file: the hash
chain (chain.py) and what events change in the read models (readmodels.py).

One backend exists, SQLite (store/sqlite/). tests/store/test_contract.py holds what every
backend must do; a second backend runs the same tests by adding itself to that module's
`backend` fixture.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, Protocol

from ledger_cli.store.records import (
    COLUMNS,
    EVERY_ROW,
    GENESIS,
    AccountRecord,
    Head,
    KeyRecord,
    Order,
    Progress,
    Row,
    RowFilter,
)

if TYPE_CHECKING:
    from ledger_cli.domain.categories import Rule
    from ledger_cli.domain.schedules import Schedule
    from ledger_cli.domain.state import AccountState, State, Transaction
    from ledger_cli.domain.statements import Entry
    from ledger_cli.store.readmodels import Changes

__all__ = [
    "COLUMNS",
    "EVERY_ROW",
    "GENESIS",
    "AccountRecord",
    "Head",
    "KeyRecord",
    "Order",
    "Progress",
    "Row",
    "RowFilter",
    "Store",
]


class Store(Protocol):
    """An open ledger. A write opens it with `write=True` and works inside `transaction()`; a
    query works inside `snapshot()`, which sees one moment of the log."""

    @property
    def location(self) -> str:
        """What messages call the ledger (a file's path)."""
        ...

    @property
    def writable(self) -> bool:
        """Opened for writing (else only for queries)."""
        ...

    @property
    def appender(self) -> str:
        """Who appends the events of this connection, as each event records it (`by`): the
        login name on a file, the database role on a server."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...

    def transaction(self, *, dry_run: bool = False) -> AbstractContextManager[None]:
        """One write transaction that serialises with every other writer and reads the head
        it appends to; all or nothing. A `dry_run` is rolled back."""
        ...

    def snapshot(self) -> AbstractContextManager[None]:
        """One read transaction: every read inside sees the same log."""
        ...

    # -- the log -----------------------------------------------------------------------------

    def head(self) -> Head: ...

    def row_at(self, seq: int) -> Row | None: ...

    def rows(
        self, where: RowFilter = EVERY_ROW, *, order: Order = Order.LOG, limit: int | None = None
    ) -> Iterator[Row]:
        """The rows `where` selects, in `order`, at most `limit`, streamed."""
        ...

    def total(self, where: RowFilter) -> int:
        """The exact sum of the amounts of the rows `where` selects."""
        ...

    def append(self, rows: Sequence[Row]) -> None:
        """Append rows linked at the head, inside the transaction; the store refuses a row
        that is not the next link (gapless seq, prev_hash the head's hash)."""
        ...

    # -- the read models (see readmodels.py) ---------------------------------------------------

    def read_models_current(self) -> bool:
        """Whether the read models describe exactly this log: their position is the head."""
        ...

    def read_model_position(self) -> tuple[int, int]:
        """(seq of the last event the read models include, number of refs), (0, 0) if none."""
        ...

    def rebuild_read_models(self) -> None:
        """Derive every read model again from the log alone, inside the transaction."""
        ...

    def save_read_models(self, state: State, changes: Changes) -> None:
        """Bring the read models up to the events in `changes`, folded into `state`."""
        ...

    def accounts(self) -> list[AccountRecord]:
        """Every account, from the read models."""
        ...

    def account_states(self) -> dict[str, AccountState]:
        """Every account as a command is decided against it, from the read models."""
        ...

    def find_transaction(self, ref: str) -> Transaction | None: ...

    def check_ref(self, account: str, number: int) -> str | None:
        """The ref that wrote check `number` in `account`."""
        ...

    def entry_status(self, ref: str, account: str) -> str | None:
        """The bank status of one entry ("", "c", "R"); None when none was ever set."""
        ...

    def statement_row(self, account: str, fingerprint: str) -> str | None:
        """The ref that cleared the bank statement row with `fingerprint`."""
        ...

    def balance(self, account: str) -> int:
        """The account's balance over every entry, from the read models."""
        ...

    def payee_category(self, key: str) -> str | None:
        """The category last used with a payee (case-folded: categories.payee_key)."""
        ...

    def category_settings(
        self,
    ) -> tuple[dict[int, Rule], int, dict[tuple[str, str], list[tuple[str, int]]]]:
        """The live rules by id, the highest rule id ever given, and the budget steps
        ((category, currency) -> [(first month, amount)]), from the read models."""
        ...

    def schedule(self, name: str) -> Schedule | None:
        """The schedule `name` as its events leave it (stops included), from the log."""
        ...

    def occurrence(self, schedule: str, day: str) -> tuple[str, str] | None:
        """(ref, "posted" or "skipped") of the occurrence of `schedule` due on `day` (ISO),
        when one was, from the read models."""
        ...

    def handled(self, through: int) -> list[tuple[str, str, str, str]]:
        """(schedule, day, ref, "posted" or "skipped") of every occurrence handled by an
        event up to seq `through`, from the read models."""
        ...

    def category_nets(
        self, accounts: Sequence[str], since: date | None, through: date | None, by: str
    ) -> list[tuple[str, str, str, int | None, str, str]]:
        """(account, category, period label, net, first day, last day) of the money in
        reports, by period (`by`: day, month, quarter, year), from the read models; a net of
        None was too large to keep (then sum the log)."""
        ...

    def balance_by_day(self, account: str, as_of: date) -> int | None:
        """The balance as of the end of `as_of`, from the day totals; None when a day's
        total was too large to keep (then the log must be summed)."""
        ...

    def entries(self, account: str, through: date | None = None) -> list[Entry]:
        """The account's money-moving entries effective by `through`, as a bank statement
        sees them (status, and whether an entry and its void cancel out)."""
        ...

    def read_model_mismatches(self, balances: Mapping[str, int]) -> list[str]:
        """The accounts whose read models disagree with their verified last `balances`."""
        ...

    # -- idempotency keys ---------------------------------------------------------------------

    def key(self, key: str) -> KeyRecord | None: ...

    def remember_keys(self, records: Sequence[KeyRecord]) -> None: ...

    # -- documents (their bytes, stored once per SHA-256, append-only) -------------------------

    def may_hold_documents(self) -> bool:
        """False when the ledger cannot hold a document event (a file from before documents,
        not yet migrated): its queries skip looking for them."""
        ...

    def put_document(self, sha256: str, content: memoryview) -> bool:
        """Store `content` (hashed by the caller) as `sha256`, inside the transaction, unless
        it is stored already; whether it was stored now."""
        ...

    def document_size(self, sha256: str) -> int | None:
        """The size of the stored document `sha256`; None when it is not stored."""
        ...

    def document_chunks(self, sha256: str) -> Iterator[bytes]:
        """The stored bytes of `sha256`, streamed in pieces; nothing when it is not stored."""
        ...

    def stored_documents(self) -> list[tuple[str, int, int]]:
        """(sha256, size as recorded, length of the stored bytes) of every stored document."""
        ...

    def documents_matching(self, prefix: str) -> list[str]:
        """The stored hashes that start with `prefix` (at most a few)."""
        ...

    # -- integrity ----------------------------------------------------------------------------

    def quick_check(self, head: int, progress: Progress | None) -> dict[str, int] | None:
        """Each account's last balance when the log (seq 1 to `head`) passes every check of
        chain.Verifier; None when something fails or this pass cannot tell (the caller then
        runs the Verifier, which names the first failing seq)."""
        ...

    def schema_problem(self) -> str | None:
        """What is wrong with the log's table itself (its column types are no longer
        enforced), or None."""
        ...

    def missing_guards(self) -> list[str]:
        """The guards that made the store refuse edits of the log and are gone."""
        ...
