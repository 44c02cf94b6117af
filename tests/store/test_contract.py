"""The storage contract: what every backend of the storage interface (store/base.py) must do,
as seen from outside, on real ledgers (no mocks).

Every test takes the `backend` fixture and, but for a few, speaks to the ledger only through
the `Store` interface; valid rows come from the backend-neutral modules (chain.Chain, the
writer, readmodels). The few tests that must damage a ledger behind the interface's back (to
show that the integrity checks notice) call the backend's raw tools.

To run this suite on a second backend, add two things to this module:

1. a `Backend` subclass (see `SqliteBackend`) with `location` (what `store.location` says);
   `_open(write=..., damaged_ok=...)`, a store on a fresh, private location for each test (a
   new database or schema, with nothing there until a write), opened the way the application
   opens it (`backends.open_store`, once that knows the backend); `exists()` (whether anything
   was created there); and the raw tools, with the backend's own client: `put_foreign_data()`,
   `edit_amount(seq, amount)` (guards left in place), `guard_names`, `drop_guard(name)` and
   `loosen_types()`;
2. its name in the params of the `backend` fixture, and a branch there that builds it (a
   server's fixture skips when its server is not available, and fails under CI).

PostgreSQL (`PostgresBackend`) runs here on the run's own throwaway server (conftest's
`pg_url`: a new database per test).

A backend must serve several connections on one location at once: the locking tests open two
stores there, one of them in a thread, and one test forks a process that dies inside the
ledger's first write.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, suppress
from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest

from ledger_cli.app.writer import Writer, writing
from ledger_cli.domain.commands import (
    Clear,
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    Transfer,
    Unclear,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.events import MONEY_TYPES, EventType, NewEvent
from ledger_cli.domain.state import Transaction, replay
from ledger_cli.domain.statements import Entry
from ledger_cli.errors import IntegrityFailure, LedgerError, NoLedger, StorageError
from ledger_cli.store import backends
from ledger_cli.store.base import (
    EVERY_ROW,
    GENESIS,
    AccountRecord,
    Head,
    KeyRecord,
    Order,
    Row,
    RowFilter,
    Store,
)
from ledger_cli.store.chain import Chain, link_hash, to_event, verify
from ledger_cli.store.postgres import schema as pg_schema
from ledger_cli.store.sqlite import schema
from ledger_cli.store.url import DatabaseUrl

# -- backends -----------------------------------------------------------------------------------


class Backend:
    """One backend, on one fresh location of its own: how to open stores there, and the raw
    tools the damage tests use. Stores it opened are closed when the test ends."""

    guard_names: tuple[str, ...] = ()  # the guards `missing_guards()` names, in its order

    def __init__(self) -> None:
        self._opened: list[Store] = []

    @property
    def location(self) -> str:
        """What `store.location` says for this location."""
        raise NotImplementedError

    def open(self, *, write: bool, damaged_ok: bool = False) -> Store:
        store = self._open(write=write, damaged_ok=damaged_ok)
        self._opened.append(store)
        return store

    def _open(self, *, write: bool, damaged_ok: bool) -> Store:
        raise NotImplementedError

    def exists(self) -> bool:
        """Whether anything at all was created at the location."""
        raise NotImplementedError

    def put_foreign_data(self) -> None:
        """Put something at the location that is not a ledger."""
        raise NotImplementedError

    def edit_amount(self, seq: int, amount: int) -> None:
        """Change one stored amount behind the store's back, leaving every guard in place."""
        raise NotImplementedError

    def drop_guard(self, name: str) -> None:
        """Remove one of the guards that make the store refuse edits of the log."""
        raise NotImplementedError

    def loosen_types(self) -> None:
        """Rebuild the log's table so that its column types are no longer enforced."""
        raise NotImplementedError

    def close_all(self) -> None:
        for store in self._opened:
            with suppress(Exception):  # a store a thread opened belongs to that thread
                store.close()


class SqliteBackend(Backend):
    """A ledger file in a folder of its own; raw tools through the sqlite3 module."""

    guard_names = schema.GUARD_TRIGGERS

    def __init__(self, folder: Path) -> None:
        super().__init__()
        folder.mkdir()
        self.folder = folder
        self.path = folder / "ledger.db"

    @property
    def location(self) -> str:
        return str(self.path)

    def _open(self, *, write: bool, damaged_ok: bool) -> Store:
        return backends.open_store(self.path, write=write, damaged_ok=damaged_ok)

    def exists(self) -> bool:
        return any(self.folder.iterdir())  # the file, or a journal or WAL beside it

    def put_foreign_data(self) -> None:
        self.path.write_bytes(b"date,amount\n2026-03-01,100\n")

    def _raw(self, *statements: str | tuple[str, tuple[object, ...]]) -> None:
        with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            for statement in statements:
                sql, params = statement if isinstance(statement, tuple) else (statement, ())
                conn.execute(sql, params)
            conn.execute("COMMIT")

    def _trigger_sql(self, name: str) -> str:
        with closing(sqlite3.connect(self.path)) as conn:
            found = conn.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (name,))
            (sql,) = found.fetchone()
        return str(sql)

    def edit_amount(self, seq: int, amount: int) -> None:
        guard = self._trigger_sql("events_no_update")
        self._raw(
            "DROP TRIGGER events_no_update",
            ("UPDATE events SET amount = ? WHERE seq = ?", (amount, seq)),
            guard,
        )

    def drop_guard(self, name: str) -> None:
        self._raw(f"DROP TRIGGER {name}")

    def loosen_types(self) -> None:
        self._raw(
            "CREATE TABLE loose AS SELECT * FROM events",
            "DROP TABLE events",
            "ALTER TABLE loose RENAME TO events",
        )


class PostgresBackend(Backend):
    """A database of its own on the run's PostgreSQL server (conftest's `pg_url`); raw tools
    as the superuser, through psycopg."""

    guard_names = pg_schema.GUARD_TRIGGERS

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = DatabaseUrl(url)

    @property
    def location(self) -> str:
        return str(self.url)

    def _open(self, *, write: bool, damaged_ok: bool) -> Store:
        return backends.open_store(self.url, write=write, damaged_ok=damaged_ok)

    def _raw(self, *statements: str | tuple[str, tuple[object, ...]]) -> list[tuple[object, ...]]:
        import psycopg

        found: list[tuple[object, ...]] = []
        with psycopg.connect(self.url.secret) as conn:  # one transaction, committed
            for statement in statements:
                sql, params = statement if isinstance(statement, tuple) else (statement, ())
                cursor = conn.execute(sql.encode(), params or None)
                if cursor.description is not None:
                    found = cursor.fetchall()
        return found

    def exists(self) -> bool:
        return bool(self._raw(
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public'"
        ))

    def put_foreign_data(self) -> None:
        self._raw("CREATE TABLE events (id serial PRIMARY KEY, what text)",
                  "INSERT INTO events (what) VALUES ('a meeting')")

    def edit_amount(self, seq: int, amount: int) -> None:
        self._raw(
            "ALTER TABLE events DISABLE TRIGGER events_no_update",
            ("UPDATE events SET amount = %s WHERE seq = %s", (amount, seq)),
            "ALTER TABLE events ENABLE TRIGGER events_no_update",
        )

    def drop_guard(self, name: str) -> None:
        table = "documents" if name.startswith("documents") else "events"
        self._raw(f"DROP TRIGGER {name} ON {table}")

    def loosen_types(self) -> None:
        self._raw("ALTER TABLE events ALTER COLUMN amount TYPE text")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each backend in turn, on a fresh location of its own."""
    if request.param == "sqlite":
        made: Backend = SqliteBackend(tmp_path / "sqlite")
    elif request.param == "postgresql":
        made = PostgresBackend(request.getfixturevalue("pg_url"))
    else:  # pragma: no cover - a new param without its branch
        raise AssertionError(f"no branch for backend {request.param!r}")
    yield made
    made.close_all()


class Boom(Exception):
    """Raised inside a transaction, to see it rolled back."""


# -- a hand-linked sample log ---------------------------------------------------------------------
#
# Nine rows in three transactions, recorded at R1 < R2 < R3; effective dates out of seq order,
# so that register order differs from log order; two accounts; one forced row; text that is
# not ASCII. It passes chain.verify. Its rows are appended with `store.append` alone, so no read
# model describes it until a rebuild.

R1 = "2026-03-05T09:00:00.000000Z"
R2 = "2026-03-10T09:00:00.000000Z"
R3 = "2026-03-12T09:00:00.000000Z"

def _day(day: int) -> date:
    return date(2026, 3, day)


OPENED: dict[str, str | int] = {"currency": "USD", "overdraft_limit": 0}


def new(
    ref: str, kind: EventType, account: str, amount: int, balance: int, day: int,
    **details: str | int,
) -> NewEvent:
    """An event of the sample, dated 2026-03-`day`."""
    return NewEvent(ref, kind, account, amount, balance, _day(day), details)


FROM_CHECKING: dict[str, str | int] = {"from": "checking"}  # `from` is a keyword

SAMPLE: list[tuple[str, list[NewEvent]]] = [
    (
        R1,
        [
            new("T1", EventType.ACCOUNT_OPENED, "checking", 0, 0, 1, **OPENED),
            new("T2", EventType.ACCOUNT_OPENED, "savings", 0, 0, 1, **OPENED),
            new("T3", EventType.FUNDS_DEPOSITED, "checking", 10000, 10000, 5, payee="Café Zoë"),
        ],
    ),
    (
        R2,
        [
            new("T4", EventType.CHECK_WRITTEN, "checking", -2500, 7500, 3, number=1, payee="Gro"),
            new("T5", EventType.TRANSFER_SENT, "checking", -1000, 6500, 10, to="savings"),
            new("T5", EventType.TRANSFER_RECEIVED, "savings", 1000, 1000, 10, **FROM_CHECKING),
        ],
    ),
    (
        R3,
        [
            new("T6", EventType.CASH_WITHDRAWN, "checking", -500, 6000, 2, forced=1, memo="late"),
            new("T7", EventType.TRANSACTION_CLEARED, "checking", 0, 6000, 12, clears="T3"),
            new("T8", EventType.TRANSACTION_VOIDED, "checking", 2500, 8500, 12, voids="T4"),
        ],
    ),
]
SAMPLE_BALANCES = {"checking": 8500, "savings": 1000}


def linked(store: Store, recorded_at: str, events: list[NewEvent]) -> list[Row]:
    """`events` as the rows that follow the store's head."""
    return Chain(store.head(), recorded_at).link(events)


def append_batch(store: Store, recorded_at: str, events: list[NewEvent]) -> list[Row]:
    """Append `events` in one transaction of their own; the rows appended."""
    with store.transaction():
        rows = linked(store, recorded_at, events)
        store.append(rows)
    return rows


def append_sample(store: Store) -> list[Row]:
    return [row for batch in SAMPLE for row in append_batch(store, *batch)]


def seqs(rows: Iterable[Row]) -> list[int]:
    return [row.seq for row in rows]


class Sample(NamedTuple):
    store: Store  # a query store, inside a snapshot
    rows: list[Row]  # the rows appended


@pytest.fixture
def sample(backend: Backend) -> Iterator[Sample]:
    """The sample log, appended by one store and read by a query store in a snapshot."""
    with backend.open(write=True) as writer:
        rows = append_sample(writer)
    reader = backend.open(write=False)
    with reader.snapshot():
        yield Sample(reader, rows)


# -- a book written through the application's writer -------------------------------------------

D1, D2, D3, D4, D5, D6 = (date(2026, 3, day) for day in range(1, 7))

FIRST: list[tuple[str, Command]] = [
    ("savings", OpenAccount("savings", D1)),
    ("deposit", Deposit("100", D1, payee="Employer")),  # opens checking too
    ("check", WriteCheck("25", D2, payee="Grocer")),  # check 1
    ("transfer", Transfer("10", D3, "checking", "savings")),
    ("old", OpenAccount("old", D1)),
    ("closed", CloseAccount("old", D2)),
]
SECOND: list[tuple[str, Command]] = [
    ("void", Void("T3", D4)),  # voids the check
    ("clear", Clear(("T2",), D5, fingerprints=("fp-1",))),  # the deposit
    ("check7", WriteCheck("5", D5, number=7)),
    ("clear7", Clear(("T9",), D5)),
    ("unclear7", Unclear(("T9",), D6)),
]


def write(store: Store, *commands: Command) -> list[str]:
    """Decide and append `commands` in one transaction through the writer; their refs."""
    with writing(store) as writer:
        return [writer.apply(command).ref for command in commands]


def write_named(store: Store, batch: list[tuple[str, Command]]) -> dict[str, str]:
    """Write the commands of `batch` in one transaction; the ref of each, by name."""
    refs = write(store, *[command for _, command in batch])
    return dict(zip([name for name, _ in batch], refs, strict=True))


def write_book(store: Store) -> dict[str, str]:
    """The book: FIRST, then SECOND, each in a transaction; the ref of each, by name."""
    return {**write_named(store, FIRST), **write_named(store, SECOND)}


class Book(NamedTuple):
    store: Store  # a query store, inside a snapshot
    refs: dict[str, str]


@pytest.fixture
def book(backend: Backend) -> Iterator[Book]:
    with backend.open(write=True) as writer:
        refs = write_book(writer)
    reader = backend.open(write=False)
    with reader.snapshot():
        yield Book(reader, refs)


def read_model_answers(store: Store, refs: dict[str, str]) -> dict[str, object]:
    """Everything the read models answer about the book, for comparisons."""
    accounts = ("checking", "savings", "old", "nosuch")
    days = (date(2026, 2, 28), D1, D2, D3, D4, D5, D6)
    return {
        "current": store.read_models_current(),
        "position": store.read_model_position(),
        "accounts": sorted(store.accounts()),
        "states": store.account_states(),
        "transactions": {ref: store.find_transaction(ref) for ref in [*refs.values(), "T99"]},
        "checks": {(a, n): store.check_ref(a, n) for a in accounts for n in (1, 2, 7)},
        "statuses": {(r, a): store.entry_status(r, a) for r in refs.values() for a in accounts},
        "statement_rows": {a: store.statement_row(a, "fp-1") for a in accounts},
        "balances": {a: store.balance(a) for a in accounts[:3]},
        "by_day": {(a, d): store.balance_by_day(a, d) for a in accounts[:3] for d in days},
        "entries": {(a, d): store.entries(a, d) for a in accounts[:3] for d in (None, D3)},
    }


# -- open ---------------------------------------------------------------------------------------


def test_a_query_on_a_missing_ledger_is_no_ledger_and_creates_nothing(backend: Backend) -> None:
    with pytest.raises(NoLedger):
        backend.open(write=False)
    assert not backend.exists()


def test_a_write_creates_the_ledger(backend: Backend) -> None:
    with backend.open(write=True) as store:
        refs = write(store, Deposit("12.34", D1))
    assert backend.exists()
    with backend.open(write=False) as reader, reader.snapshot():
        assert [(row.ref, row.type, row.amount) for row in reader.rows()] == [
            (refs[0], "AccountOpened", 0),
            (refs[0], "FundsDeposited", 1234),
        ]


def test_location_names_the_ledger(backend: Backend) -> None:
    with backend.open(write=True) as store:
        assert store.location == backend.location
        write(store, Deposit("1", D1))
    with backend.open(write=False) as reader:
        assert reader.location == backend.location


KILLED = 17  # the exit code of a child that died inside its first write


def _die_inside_first_write(backend: Backend) -> None:
    """In a child process: append rows in a ledger's first write, and die before it ends."""
    store = backend.open(write=True)
    with writing(store) as writer:
        writer.apply(Deposit("100", D1))
        writer.flush()
        os._exit(KILLED)


def _leave_first_write_unfinished(backend: Backend, how: str) -> None:
    if how == "opened, never written":
        backend.open(write=True).close()
    elif how == "rolled back":
        with backend.open(write=True) as store, pytest.raises(Boom), writing(store) as writer:
            writer.apply(Deposit("100", D1))
            writer.flush()
            raise Boom
    else:
        if "fork" not in multiprocessing.get_all_start_methods():
            pytest.skip("needs fork")
        child = multiprocessing.get_context("fork").Process(
            target=_die_inside_first_write, args=(backend,)
        )
        child.start()
        child.join(30)
        assert child.exitcode == KILLED


@pytest.mark.parametrize("how", ["opened, never written", "rolled back", "killed"])
def test_a_ledger_whose_first_write_did_not_commit_is_no_ledger(backend: Backend, how: str) -> None:
    """A query calls it "no ledger", and the next write starts an empty log."""
    _leave_first_write_unfinished(backend, how)
    with pytest.raises(NoLedger):
        backend.open(write=False)
    with backend.open(write=True) as store:
        with store.transaction():
            assert store.head() == Head(0, GENESIS, "")
            assert list(store.rows()) == []
        assert write(store, Deposit("1", D1)) == ["T1"]
        assert store.head().seq == 2


def test_a_ledger_with_only_an_empty_transaction_is_an_empty_log(backend: Backend) -> None:
    with backend.open(write=True) as store, store.transaction():
        pass
    with backend.open(write=False) as reader, reader.snapshot():
        assert reader.head() == Head(0, GENESIS, "")
        assert list(reader.rows()) == []
        assert reader.total(EVERY_ROW) == 0
        assert reader.row_at(1) is None


def test_something_that_is_not_a_ledger_is_a_storage_error_naming_it(backend: Backend) -> None:
    backend.put_foreign_data()
    for write_ in (False, True):
        with pytest.raises(StorageError) as raised:
            backend.open(write=write_)
        assert backend.location in str(raised.value)


def test_a_closed_store_answers_with_a_storage_error(backend: Backend) -> None:
    with backend.open(write=True) as store:
        write(store, Deposit("1", D1))
    with pytest.raises(StorageError):
        store.head()
    with pytest.raises(StorageError):
        list(store.rows())


# -- transactions -------------------------------------------------------------------------------


def test_an_exception_rolls_back_rows_read_models_and_keys(backend: Backend) -> None:
    """Everything inside a transaction is all or nothing, and the exception itself comes out."""
    with backend.open(write=True) as store:
        refs = write_book(store)
        before = read_model_answers(store, refs)
        head = store.head()
        with pytest.raises(Boom), store.transaction():
            writer = Writer(store)
            writer.apply(Deposit("999", D6))
            writer.apply(WriteCheck("1", D6, number=50))
            writer.flush()
            store.remember_keys([KeyRecord("k", "f", "T12")])
            assert store.head().seq == head.seq + 2  # appended, inside
            assert store.balance("checking") == 8500 + 99900 - 100
            raise Boom
    with backend.open(write=False) as reader, reader.snapshot():
        assert reader.head() == head
        assert reader.row_at(head.seq + 1) is None
        assert reader.key("k") is None
        assert read_model_answers(reader, refs) == before


def test_the_writer_rolls_back_when_its_block_raises(backend: Backend) -> None:
    with backend.open(write=True) as store:
        write(store, Deposit("1", D1))
        with pytest.raises(Boom), writing(store) as writer:
            writer.apply(Deposit("2", D2))
            raise Boom
        with store.snapshot():
            assert [row.amount for row in store.rows()] == [0, 100]
            assert store.balance("checking") == 100


def test_a_dry_run_rolls_back(backend: Backend) -> None:
    with backend.open(write=True) as store:
        write(store, Deposit("1", D1))
        head = store.head()
        with writing(store, dry_run=True) as writer:
            assert writer.apply(Deposit("2", D2)).ref == "T2"
        with store.transaction(dry_run=True):
            deposit = new("T2", EventType.FUNDS_DEPOSITED, "checking", 5, 105, 3)
            store.append(linked(store, R3, [deposit]))
            store.remember_keys([KeyRecord("k", "f", "T2")])
            assert store.head().seq == 3
        with store.snapshot():
            assert store.head() == head
            assert store.key("k") is None
            assert store.read_model_position() == (2, 1)
            assert store.balance("checking") == 100


def test_a_commit_is_seen_by_another_store(backend: Backend) -> None:
    with backend.open(write=True) as store:
        rows = append_batch(store, R1, SAMPLE[0][1])
        with backend.open(write=True) as other, other.transaction():
            assert other.head() == Head(3, rows[2].hash, R1)


def test_a_second_writer_waits_for_the_first(backend: Backend) -> None:
    """Writers serialise: the second reads the head the first committed, and links to it."""
    with backend.open(write=True) as store:
        append_batch(store, *SAMPLE[0])
    ready, go = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def second() -> None:
        try:
            with backend.open(write=True) as other:
                ready.set()
                go.wait(10)
                with other.transaction():
                    seen["head"] = other.head()
                    other.append(linked(other, R3, SAMPLE[2][1][:1]))
        except BaseException as error:  # handed to the test's thread
            seen["error"] = error

    thread = threading.Thread(target=second)
    thread.start()
    assert ready.wait(10)
    first = backend.open(write=True)
    with first.transaction():
        rows = linked(first, R2, SAMPLE[1][1])
        first.append(rows)
        go.set()
        time.sleep(0.4)
        assert seen == {}, "the second writer did not wait"
    thread.join(10)
    assert "error" not in seen, seen.get("error")
    assert seen["head"] == Head(6, rows[-1].hash, R2)
    with first.snapshot():
        assert seqs(first.rows()) == [1, 2, 3, 4, 5, 6, 7]
        assert verify(first.rows()).findings == []


def test_a_writer_past_the_busy_timeout_gets_locked(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LEDGER_BUSY_TIMEOUT (seconds) bounds the wait; then a StorageError that says "locked",
    and nothing of the second writer is kept."""
    monkeypatch.setenv("LEDGER_BUSY_TIMEOUT", "0.3")
    with backend.open(write=True) as store:
        append_batch(store, *SAMPLE[0])
    first, second = backend.open(write=True), backend.open(write=True)
    with first.transaction():
        started = time.monotonic()
        with pytest.raises(StorageError, match="locked"), second.transaction():
            second.append(linked(second, R2, SAMPLE[1][1]))
        waited = time.monotonic() - started
    assert 0.3 <= waited < 5
    with second.transaction():
        assert second.head().seq == 3
        second.append(linked(second, R2, SAMPLE[1][1]))
    assert second.head().seq == 6


def test_a_snapshot_sees_one_moment_while_another_store_commits(backend: Backend) -> None:
    with backend.open(write=True) as store:
        refs = write_named(store, FIRST)
        reader = backend.open(write=False)
        with reader.snapshot():
            head, rows = reader.head(), list(reader.rows())
            answers = read_model_answers(reader, refs)
            write(store, Deposit("50", D6), WriteCheck("7", D6))
            assert store.head().seq == head.seq + 2
            assert reader.head() == head
            assert list(reader.rows()) == rows
            assert reader.row_at(head.seq + 1) is None
            assert reader.total(EVERY_ROW) == 7500
            assert read_model_answers(reader, refs) == answers
        with reader.snapshot():
            assert reader.head() == store.head()
            assert reader.balance("checking") == 6500 + 5000 - 700


# -- head ---------------------------------------------------------------------------------------


def test_the_head_of_an_empty_log_is_genesis(backend: Backend) -> None:
    with backend.open(write=True) as store, store.transaction():
        assert store.head() == Head(0, GENESIS, "")


def test_the_head_is_the_last_row(backend: Backend) -> None:
    with backend.open(write=True) as store:
        for recorded_at, events in SAMPLE:
            last = append_batch(store, recorded_at, events)[-1]
            assert store.head() == Head(last.seq, last.hash, recorded_at)
    with backend.open(write=False) as reader:
        assert reader.head() == Head(9, last.hash, R3)


# -- append -------------------------------------------------------------------------------------


def test_linked_rows_land_and_row_at_returns_them_as_stored(sample: Sample) -> None:
    store, rows = sample
    assert [store.row_at(seq) for seq in range(1, 10)] == rows
    fields = (3, "T3", "FundsDeposited", "checking", 10000, 10000, "2026-03-05", R1,
              '{"payee":"Café Zoë"}')
    assert store.row_at(3) == Row(*fields, rows[1].hash, link_hash(rows[1].hash, fields))
    assert verify(store.rows()).findings == []


def test_row_at_outside_the_log_is_none(sample: Sample) -> None:
    assert [sample.store.row_at(seq) for seq in (0, -1, 10, 2**62)] == [None] * 4


def test_appends_in_one_transaction_link_at_the_new_head(backend: Backend) -> None:
    """Inside a transaction the head follows each append."""
    with backend.open(write=True) as store:
        with store.transaction():
            for recorded_at, events in SAMPLE:
                rows = linked(store, recorded_at, events)
                store.append(rows)
                assert store.head() == Head(rows[-1].seq, rows[-1].hash, recorded_at)
            store.append([])
        assert store.head().seq == 9


def _not_the_next_link(rows: list[Row], fault: str) -> Row:
    """A row after `rows` that is not the next link: by a gap, a wrong prev_hash, or a repeated
    seq (each otherwise well formed and correctly hashed)."""
    last = rows[-1]
    seq, prev = {
        "gap": (last.seq + 2, last.hash),
        "wrong prev_hash": (last.seq + 1, rows[-2].hash),
        "repeated seq": (last.seq, rows[-2].hash),  # a second link after seq 8
        "from genesis again": (1, GENESIS),
    }[fault]
    fields = (seq, "T9", "FundsDeposited", "checking", 100, 8600, "2026-03-13", R3, "{}")
    return Row(*fields, prev, link_hash(prev, fields))


@pytest.mark.parametrize("fault", ["gap", "wrong prev_hash", "repeated seq", "from genesis again"])
def test_a_row_that_is_not_the_next_link_is_refused(backend: Backend, fault: str) -> None:
    with backend.open(write=True) as store:
        rows = append_sample(store)
        bad = _not_the_next_link(rows, fault)
        with pytest.raises(StorageError), store.transaction():
            store.append([bad])
        assert store.head() == Head(9, rows[-1].hash, R3)
        with store.snapshot():
            assert list(store.rows()) == rows


def test_the_first_row_must_link_at_genesis(backend: Backend) -> None:
    with backend.open(write=True) as store:
        for seq, prev in ((2, GENESIS), (1, "f" * 64)):  # a gap; a wrong prev_hash
            fields = (seq, "T1", "AccountOpened", "x", 0, 0, "2026-03-01", R1, "{}")
            with pytest.raises(StorageError), store.transaction():
                store.append([Row(*fields, prev, link_hash(prev, fields))])
        with store.transaction():
            assert store.head() == Head(0, GENESIS, "")


def test_a_batch_with_one_bad_link_keeps_nothing(backend: Backend) -> None:
    with backend.open(write=True) as store:
        first = append_batch(store, *SAMPLE[0])
        good = linked(store, R2, SAMPLE[1][1])
        bad = good[2]._replace(seq=7)
        with pytest.raises(StorageError), store.transaction():
            store.append([*good[:2], bad])
        with store.snapshot():
            assert list(store.rows()) == first
            assert store.head() == Head(3, first[-1].hash, R1)


def test_a_refused_batch_is_refused_whole_even_when_the_caller_commits(backend: Backend) -> None:
    """append() is all or nothing by itself: the good rows before a bad one are not kept,
    even by a caller that catches the refusal and commits."""
    with backend.open(write=True) as store:
        first = append_batch(store, *SAMPLE[0])
        good = linked(store, R2, SAMPLE[1][1])
        with store.transaction():
            with pytest.raises(StorageError):
                store.append([*good[:2], good[2]._replace(seq=7)])
            assert store.head() == Head(3, first[-1].hash, R1)
        with store.snapshot():
            assert list(store.rows()) == first


def test_a_store_opened_for_reading_refuses_a_write(backend: Backend) -> None:
    with backend.open(write=True) as writer:
        rows = append_sample(writer)
    with backend.open(write=False) as reader:
        with pytest.raises(StorageError, match="opened for reading"), reader.transaction():
            reader.remember_keys([KeyRecord("k", "f" * 64, "T1")])
    with backend.open(write=False) as reader, reader.snapshot():
        assert reader.key("k") is None
        assert reader.head() == Head(9, rows[-1].hash, R3)


# -- rows() -------------------------------------------------------------------------------------


def test_every_row_in_log_order_as_stored(sample: Sample) -> None:
    store, rows = sample
    found = list(store.rows())
    assert found == rows
    assert list(store.rows(EVERY_ROW, order=Order.LOG)) == rows
    assert all(type(row) is Row for row in found)
    assert [(row.date, row.details) for row in found[2:5]] == [
        ("2026-03-05", '{"payee":"Café Zoë"}'),
        ("2026-03-03", '{"number":1,"payee":"Gro"}'),
        ("2026-03-10", '{"to":"savings"}'),
    ]
    assert [type(value) for value in found[3]] == [int, str, str, str, int, int, *[str] * 5]


ALONE = {
    "account checking": (RowFilter(account="checking"), [1, 3, 4, 5, 7, 8, 9]),
    "account savings": (RowFilter(account="savings"), [2, 6]),
    "account unknown": (RowFilter(account="nosuch"), []),
    "ref": (RowFilter(ref="T5"), [5, 6]),
    "one type": (RowFilter(types=("CheckWritten",)), [4]),
    "two types": (RowFilter(types=("CashWithdrawn", "CheckWritten")), [4, 7]),
    "since": (RowFilter(since=_day(10)), [5, 6, 8, 9]),
    "as_of": (RowFilter(as_of=_day(3)), [1, 2, 4, 7]),
    "known_at": (RowFilter(known_at=R2), [1, 2, 3, 4, 5, 6]),
    "known_at before R2": (RowFilter(known_at="2026-03-10T08:59:59.999999Z"), [1, 2, 3]),
    "unknown_at": (RowFilter(unknown_at=R2), [7, 8, 9]),
    "unknown_at R1": (RowFilter(unknown_at=R1), [4, 5, 6, 7, 8, 9]),
    "seqs": (RowFilter(seqs=(3, 5)), [3, 4, 5]),
    "one seq": (RowFilter(seqs=(9, 9)), [9]),
    "forced": (RowFilter(forced=True), [7]),
}

COMBINED = {
    "account, as_of, known_at": (
        RowFilter(account="checking", as_of=_day(10), known_at=R2),
        [1, 3, 4, 5],
    ),
    "account, types, since, unknown_at": (
        RowFilter(account="checking", types=MONEY_TYPES, since=_day(3), unknown_at=R1),
        [4, 5, 9],
    ),
    "since and as_of": (RowFilter(since=_day(2), as_of=_day(5)), [3, 4, 7]),
    "since = as_of": (RowFilter(since=_day(10), as_of=_day(10)), [5, 6]),
    "known_at and unknown_at": (RowFilter(known_at=R2, unknown_at=R1), [4, 5, 6]),
    "seqs and ref": (RowFilter(seqs=(1, 6), ref="T5"), [5, 6]),
    "seqs and types": (RowFilter(seqs=(2, 8), types=("AccountOpened",)), [2]),
    "forced and account": (RowFilter(forced=True, account="savings"), []),
    "every field": (
        RowFilter(
            account="checking", ref="T6", types=("CashWithdrawn",), since=_day(2),
            as_of=_day(2), known_at=R3, unknown_at=R2, seqs=(7, 7), forced=True,
        ),
        [7],
    ),
}


def test_each_filter_field_narrows_alone(sample: Sample) -> None:
    found = {name: seqs(sample.store.rows(where)) for name, (where, _) in ALONE.items()}
    assert found == {name: expected for name, (_, expected) in ALONE.items()}


def test_filter_fields_combine(sample: Sample) -> None:
    found = {name: list(sample.store.rows(where)) for name, (where, _) in COMBINED.items()}
    assert found == {
        name: [sample.rows[seq - 1] for seq in expected]
        for name, (_, expected) in COMBINED.items()
    }


ORDERS = {
    Order.LOG: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    Order.LOG_NEWEST: [9, 8, 7, 6, 5, 4, 3, 2, 1],
    Order.REGISTER: [1, 2, 7, 4, 3, 5, 6, 8, 9],
    Order.REGISTER_NEWEST: [9, 8, 6, 5, 3, 4, 7, 2, 1],
}


def test_each_order(sample: Sample) -> None:
    """Log order is seq; register order is effective date, then seq; each either way."""
    store, rows = sample
    assert {order: seqs(store.rows(order=order)) for order in Order} == ORDERS
    checking = RowFilter(account="checking")
    assert {order: seqs(store.rows(checking, order=order)) for order in Order} == {
        order: [seq for seq in expected if rows[seq - 1].account == "checking"]
        for order, expected in ORDERS.items()
    }


LIMITS = [
    (EVERY_ROW, Order.LOG, 3, [1, 2, 3]),
    (EVERY_ROW, Order.LOG_NEWEST, 3, [9, 8, 7]),
    (RowFilter(account="checking"), Order.REGISTER, 2, [1, 7]),
    (RowFilter(account="checking"), Order.REGISTER_NEWEST, 1, [9]),
    (EVERY_ROW, Order.LOG, 0, []),
    (EVERY_ROW, Order.LOG, 9, [1, 2, 3, 4, 5, 6, 7, 8, 9]),
    (RowFilter(ref="T5"), Order.LOG_NEWEST, 100, [6, 5]),
]


def test_limit_keeps_the_first_rows_of_the_order(sample: Sample) -> None:
    found = [seqs(sample.store.rows(where, order=order, limit=n)) for where, order, n, _ in LIMITS]
    assert found == [expected for *_, expected in LIMITS]


def test_rows_are_streamed_and_can_be_left_unfinished(sample: Sample) -> None:
    found = sample.store.rows(order=Order.LOG_NEWEST)
    assert next(found) == sample.rows[8]
    assert sample.store.head().seq == 9  # the store still answers while a read is open
    assert next(found) == sample.rows[7]


# -- total() ------------------------------------------------------------------------------------


TOTALS = {
    "every row": (EVERY_ROW, 9500),
    "checking": (RowFilter(account="checking"), 8500),
    "savings": (RowFilter(account="savings"), 1000),
    "as_of": (RowFilter(as_of=_day(3)), -3000),
    "known_at": (RowFilter(known_at=R2), 7500),
    "types": (RowFilter(types=("TransferSent", "TransferReceived")), 0),
    "seqs": (RowFilter(seqs=(3, 5)), 6500),
    "forced": (RowFilter(forced=True), -500),
    "combined": (RowFilter(account="checking", since=_day(10), unknown_at=R2), 2500),
    "no row": (RowFilter(ref="T99"), 0),
}


def test_total_is_the_exact_sum_of_the_amounts_selected(sample: Sample) -> None:
    """An int, 0 when nothing is selected; the sum of what rows() returns for the filter."""
    store = sample.store
    found = {name: store.total(where) for name, (where, _) in TOTALS.items()}
    assert found == {name: expected for name, (_, expected) in TOTALS.items()}
    assert {type(total) for total in found.values()} == {int}
    assert found == {
        name: sum(row.amount for row in store.rows(where)) for name, (where, _) in TOTALS.items()
    }


MAX_AMOUNT = "9999999999999.99"  # 999,999,999,999,999 minor units: the largest amount
MAX_MINOR = 999_999_999_999_999
BIG_N = 9_224  # BIG_N * MAX_MINOR > 2**63


def test_total_beyond_64_bits_is_exact(backend: Backend) -> None:
    """Every balance stays bounded, but a sum over a day's withdrawals passes 2**63."""
    day1, day2 = date(2026, 1, 1), date(2026, 1, 2)
    with backend.open(write=True) as store:
        with writing(store) as writer:
            writer.apply(OpenAccount("big", day1, overdraft_limit=MAX_AMOUNT))
            for _ in range(BIG_N):
                writer.apply(Withdraw(MAX_AMOUNT, day1, account="big"))
                writer.apply(Deposit(MAX_AMOUNT, day2, account="big"))
    expected = BIG_N * MAX_MINOR
    assert expected == 9_223_999_999_999_990_776 > 2**63
    with backend.open(write=False) as reader, reader.snapshot():
        assert reader.head().seq == 1 + 2 * BIG_N
        assert reader.total(RowFilter(account="big", as_of=day1)) == -expected
        assert reader.total(RowFilter(types=("CashWithdrawn",))) == -expected
        assert reader.total(RowFilter(since=day2)) == expected
        assert reader.total(EVERY_ROW) == 0
        assert reader.balance("big") == 0
        # None means "too large to keep: sum the log"; a backend that keeps it is exact.
        assert reader.balance_by_day("big", day1) in (None, -expected)
        assert reader.balance_by_day("big", day2) in (None, 0)
        assert reader.quick_check(reader.head().seq, None) == {"big": 0}


# -- read models --------------------------------------------------------------------------------


def test_writes_keep_the_read_models_current(book: Book) -> None:
    store = book.store
    assert store.read_models_current() is True
    head = store.head()
    refs = {row.ref for row in store.rows()}
    assert store.read_model_position() == (head.seq, len(refs)) == (13, 11)


def test_account_states_answer_what_the_writes_did(book: Book) -> None:
    store = book.store
    states = store.account_states()
    assert states == replay(to_event(row) for row in store.rows()).accounts
    assert sorted(states) == ["checking", "old", "savings"]
    checking = states["checking"]
    assert (checking.balance, checking.last_check, checking.last_entry_on) == (8500, 7, D5)
    assert (checking.opened_on, checking.closed, checking.currency.code) == (D1, False, "USD")
    assert (states["savings"].balance, states["savings"].last_entry_on) == (1000, D3)
    assert (states["old"].closed, states["old"].last_entry_on) == (True, None)


def test_accounts_lists_every_account(book: Book) -> None:
    assert sorted(book.store.accounts()) == [
        AccountRecord("checking", "USD", "2026-03-01", False),
        AccountRecord("old", "USD", "2026-03-01", True),
        AccountRecord("savings", "USD", "2026-03-01", False),
    ]


def test_find_transaction(book: Book) -> None:
    store, refs = book
    assert refs["check"] == "T3" and refs["void"] == "T7"
    # SPEC 11: an entry given no category, matching no rule or earlier payee, is
    # uncategorized; its void carries the category of what it voids; a transfer has none.
    none = "uncategorized"
    # How the category was chosen is recorded with the entry (not with its void).
    chosen = {"category": none, "category_source": "no rule or payee match"}
    check = {"number": 1, "payee": "Grocer", **chosen}
    assert store.find_transaction("T3") == Transaction(
        "T3", D2, [("checking", -2500)], None, "T7", "CheckWritten", check, none
    )
    assert store.find_transaction("T7") == Transaction(
        "T7", D4, [("checking", 2500)], "T3", None, "TransactionVoided",
        {"voids": "T3", "payee": "Grocer", "category": none}, none,
    )
    assert store.find_transaction(refs["transfer"]) == Transaction(
        refs["transfer"], D3, [("checking", -1000), ("savings", 1000)], None, None,
        "TransferSent", {"to": "savings"}, None, None,
    )
    assert store.find_transaction(refs["deposit"]) == Transaction(
        refs["deposit"], D1, [("checking", 10000)], None, None, "FundsDeposited",
        {"payee": "Employer", **chosen}, none,
    )
    assert store.find_transaction(refs["closed"]) == Transaction(refs["closed"], D2, [])
    assert store.find_transaction("T99") is None


def test_check_ref(book: Book) -> None:
    store, refs = book
    assert store.check_ref("checking", 1) == refs["check"]
    assert store.check_ref("checking", 7) == refs["check7"]
    assert store.check_ref("checking", 2) is None
    assert store.check_ref("savings", 1) is None


def test_entry_status(book: Book) -> None:
    """"c" cleared, "" cleared and taken back, None when no status was ever set."""
    store, refs = book
    assert store.entry_status(refs["deposit"], "checking") == "c"
    assert store.entry_status(refs["check7"], "checking") == ""
    assert store.entry_status(refs["check"], "checking") is None
    assert store.entry_status(refs["deposit"], "savings") is None


def test_statement_row(book: Book) -> None:
    store, refs = book
    assert store.statement_row("checking", "fp-1") == refs["clear"] == "T8"
    assert store.statement_row("savings", "fp-1") is None
    assert store.statement_row("checking", "fp-2") is None


def test_balance_and_balance_by_day(book: Book) -> None:
    store = book.store
    assert [store.balance(name) for name in ("checking", "savings", "old")] == [8500, 1000, 0]
    assert (store.balance("nosuch"), store.balance_by_day("nosuch", D6)) == (0, 0)  # no entries
    days = [date(2026, 2, 28), D1, D2, D3, D4, D5, D6]
    assert [store.balance_by_day("checking", day) for day in days] == [
        0, 10000, 7500, 6500, 9000, 8500, 8500,
    ]
    assert [store.balance_by_day("savings", day) for day in days] == [0, 0, 0, *[1000] * 4]


def test_entries(book: Book) -> None:
    """Money-moving entries in register order, with their status, and `void` when an entry
    and its void cancel out before the bank had them."""
    store, refs = book
    deposit = Entry(3, refs["deposit"], "FundsDeposited", D1, 10000, None, "Employer", "c")
    check = Entry(4, refs["check"], "CheckWritten", D2, -2500, 1, "Grocer", "", True)
    sent = Entry(5, refs["transfer"], "TransferSent", D3, -1000, None, None, "")
    void = Entry(9, refs["void"], "TransactionVoided", D4, 2500, None, "Grocer", "", True)
    check7 = Entry(11, refs["check7"], "CheckWritten", D5, -500, 7, None, "")
    assert store.entries("checking") == [deposit, check, sent, void, check7]
    assert store.entries("checking", through=D3) == [deposit, check, sent]
    assert store.entries("checking", through=date(2026, 2, 28)) == []
    received = Entry(6, refs["transfer"], "TransferReceived", D3, 1000, None, None, "")
    assert store.entries("savings") == [received]
    assert store.entries("old") == []


def test_rebuild_gives_the_same_answers(backend: Backend) -> None:
    with backend.open(write=True) as store:
        refs = write_book(store)
        before = read_model_answers(store, refs)
        with store.transaction():
            store.rebuild_read_models()
            assert read_model_answers(store, refs) == before
        assert read_model_answers(store, refs) == before
    assert before["current"] is True


def test_rebuild_derives_the_read_models_from_the_log_alone(backend: Backend) -> None:
    """The sample log was appended without read models; a rebuild makes them describe it."""
    with backend.open(write=True) as store:
        rows = append_sample(store)
        assert store.read_models_current() is False
        with store.transaction():
            store.rebuild_read_models()
        assert store.read_models_current() is True
        assert store.read_model_position() == (9, 8)
        assert store.account_states() == replay(map(to_event, rows)).accounts
        assert store.balance("checking") == 8500
        assert store.check_ref("checking", 1) == "T4"
        assert store.entry_status("T3", "checking") == "c"
        assert store.find_transaction("T4") == Transaction(
            "T4", _day(3), [("checking", -2500)], None, "T8", "CheckWritten",
            {"number": 1, "payee": "Gro"},
        )
        assert store.balance_by_day("checking", _day(3)) == -3000
        assert store.balance_by_day("checking", _day(12)) == 8500
        assert store.read_model_mismatches(SAMPLE_BALANCES) == []


def test_a_write_on_stale_read_models_brings_them_up_to_date(backend: Backend) -> None:
    with backend.open(write=True) as store:
        append_sample(store)
        assert write(store, Deposit("1", _day(13))) == ["T9"]
        assert store.read_models_current() is True
        assert store.read_model_position() == (10, 9)
        assert store.balance("checking") == 8600


def test_read_model_mismatches(book: Book) -> None:
    """Empty for the verified balances; names each account that disagrees."""
    store = book.store
    verified = verify(store.rows()).balances
    assert verified == {"savings": 1000, "checking": 8500, "old": 0}
    assert store.read_model_mismatches(verified) == []
    assert store.read_model_mismatches({**verified, "checking": 8501}) == ["checking"]
    assert store.read_model_mismatches({"checking": 8500, "old": 0}) == ["savings"]
    assert store.read_model_mismatches({**verified, "ghost": 5}) == ["ghost"]


# -- idempotency keys ---------------------------------------------------------------------------

KEYS = [
    KeyRecord("pay-rent-2026-03", "a" * 64, "T1"),
    KeyRecord("clé ✓", "b" * 64, None, 1, "account 'x' does not exist"),
]


def test_a_new_key_is_none(backend: Backend) -> None:
    with backend.open(write=True) as store:
        with store.transaction():
            assert store.key("pay-rent-2026-03") is None
        write(store, Deposit("1", D1))
        assert store.key("pay-rent-2026-03") is None


def test_remembered_keys_come_back_the_same(backend: Backend) -> None:
    with backend.open(write=True) as store, store.transaction():
        store.remember_keys(KEYS)
        assert [store.key(record.key) for record in KEYS] == KEYS
    with backend.open(write=False) as reader, reader.snapshot():
        assert [reader.key(record.key) for record in KEYS] == KEYS
        assert reader.key("PAY-RENT-2026-03") is None
        assert reader.key("pay-rent") is None


# -- integrity ----------------------------------------------------------------------------------


def test_quick_check_returns_each_accounts_last_balance(sample: Sample) -> None:
    assert sample.store.quick_check(9, None) == SAMPLE_BALANCES


def test_quick_check_with_progress_gives_the_same_answer(sample: Sample) -> None:
    reported: list[int] = []
    assert sample.store.quick_check(9, reported.append) == SAMPLE_BALANCES
    assert all(0 < seq <= 9 for seq in reported)


def test_quick_check_of_an_empty_log(backend: Backend) -> None:
    with backend.open(write=True) as store, store.transaction():
        pass
    with backend.open(write=False) as reader, reader.snapshot():
        assert reader.quick_check(0, None) == {}


def test_quick_check_of_a_written_book(book: Book) -> None:
    assert book.store.quick_check(13, None) == {"savings": 1000, "checking": 8500, "old": 0}


def test_quick_check_is_none_after_a_raw_edit_of_an_amount(backend: Backend) -> None:
    with backend.open(write=True) as store:
        rows = append_sample(store)
    backend.edit_amount(4, -2400)
    with backend.open(write=False) as reader, reader.snapshot():
        assert reader.row_at(4) == rows[3]._replace(amount=-2400)
        assert reader.quick_check(9, None) is None
        findings = verify(reader.rows()).findings
        assert {(found.seq, found.kind) for found in findings} == {(4, "hash"), (4, "balance")}
        assert reader.missing_guards() == []
        assert reader.schema_problem() is None


def test_schema_problem_is_none_for_an_intact_ledger(book: Book) -> None:
    assert book.store.schema_problem() is None


def test_missing_guards_names_each_dropped_guard(backend: Backend) -> None:
    with backend.open(write=True) as store:
        append_sample(store)
        assert store.missing_guards() == []
    assert len(backend.guard_names) >= 1
    for count, name in enumerate(backend.guard_names, start=1):
        backend.drop_guard(name)
        with backend.open(write=False) as reader:
            assert reader.missing_guards() == list(backend.guard_names[:count])


def test_a_log_whose_types_are_no_longer_enforced_is_refused_unless_damaged_ok(
    backend: Backend,
) -> None:
    with backend.open(write=True) as store:
        append_sample(store)
    backend.loosen_types()
    for write_ in (False, True):
        with pytest.raises(IntegrityFailure):
            backend.open(write=write_)
    with backend.open(write=False, damaged_ok=True) as reader:
        problem = reader.schema_problem()
        assert isinstance(problem, str) and problem
        assert seqs(reader.rows()) == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_errors_are_the_packages_own_classes(backend: Backend) -> None:
    """Every refusal above is a LedgerError; no driver error escapes the store."""
    with backend.open(write=True) as store:
        rows = append_sample(store)
        for fault in ("gap", "wrong prev_hash", "repeated seq"):
            with pytest.raises(LedgerError) as raised, store.transaction():
                store.append([_not_the_next_link(rows, fault)])
            assert type(raised.value) is StorageError
            assert not isinstance(raised.value, sqlite3.Error)
            assert raised.value.exit_code == 4


# -- documents ------------------------------------------------------------------------------------


def _document(text: bytes) -> tuple[str, memoryview]:
    import hashlib

    return hashlib.sha256(text).hexdigest(), memoryview(text)


def test_documents_are_stored_once_and_read_back_exactly(backend: Backend) -> None:
    big = os.urandom(3 * 1024 * 1024 + 17)  # several pieces of the store's reads
    small = b"%PDF-1.4 a receipt\n"
    with backend.open(write=True) as store:
        append_sample(store)
        with store.transaction():
            assert store.put_document(*_document(big)) is True
            assert store.put_document(*_document(small)) is True
            assert store.put_document(*_document(small)) is False  # the same bytes: once
    with backend.open(write=False) as reader, reader.snapshot():
        for data in (big, small):
            sha, _ = _document(data)
            assert reader.document_size(sha) == len(data)
            assert b"".join(reader.document_chunks(sha)) == data
        assert sorted(reader.stored_documents()) == sorted(
            (_document(data)[0], len(data), len(data)) for data in (big, small)
        )
        assert reader.document_size("0" * 64) is None
        assert list(reader.document_chunks("0" * 64)) == []
        hashes = [_document(data)[0] for data in (big, small)]
        for sha in hashes:
            assert reader.documents_matching(sha[:8]) == [sha]
            assert reader.documents_matching(sha) == [sha]
        unused = next(p for p in ("00000000", "ffffffff", "12345678")
                      if not any(sha.startswith(p) for sha in hashes))
        assert reader.documents_matching(unused) == []


def test_a_document_stored_in_a_rolled_back_transaction_is_not_kept(backend: Backend) -> None:
    data = os.urandom(1000)
    sha, view = _document(data)
    with backend.open(write=True) as store:
        append_sample(store)
        with suppress(RuntimeError), store.transaction():
            store.put_document(sha, view)
            raise RuntimeError("the command failed after storing the bytes")
        with store.transaction(dry_run=True):
            store.put_document(sha, view)
    with backend.open(write=False) as reader, reader.snapshot():
        assert reader.document_size(sha) is None
        assert reader.stored_documents() == []
