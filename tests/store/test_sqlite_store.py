"""The SQLite store on real files: the schema, the guards, durability settings, concurrency."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit
from ledger_cli.domain.dates import parse_date
from ledger_cli.domain.events import ACCOUNT_TYPES, STATUS_TYPES
from ledger_cli.store.base import GENESIS, RowFilter
from ledger_cli.store.sqlite import schema
from ledger_cli.store.sqlite.connection import SQLITE_WAIT_MS
from ledger_cli.store.sqlite.store import SqliteStore as Store


def sample(path: Path) -> None:
    ledger = Ledger(path)
    for amount in ("10", "20", "30"):
        ledger.execute(Deposit(amount, parse_date("2026-03-01")))


def test_schema_is_strict_versioned_and_migrated_by_sqlite_utils(ledger_db: Path) -> None:
    sample(ledger_db)
    with sqlite3.connect(ledger_db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        (ddl,) = conn.execute("SELECT sql FROM sqlite_schema WHERE name='events'").fetchone()
        assert ddl.rstrip().endswith("STRICT")
        applied = conn.execute("SELECT migration_set, name FROM _sqlite_migrations").fetchall()
        assert applied == [
            ("ledger", "0001_events"),
            ("ledger", "0002_read_models"),
            ("ledger", "0003_categories"),
            ("ledger", "0004_category_months"),
            ("ledger", "0005_schedules"),
            ("ledger", "0006_documents"),
        ]
        with pytest.raises(sqlite3.IntegrityError, match="cannot store TEXT value in INTEGER"):
            conn.execute("INSERT INTO events VALUES (5,'T9','x','a','ten',0,'d','r','{}','p','h')")


@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET amount = 1 WHERE seq = 2", "DELETE FROM events WHERE seq = 4",
     "DELETE FROM events"],
)
def test_the_database_refuses_edits(ledger_db: Path, statement: str) -> None:
    sample(ledger_db)
    with sqlite3.connect(ledger_db) as conn, pytest.raises(
        sqlite3.IntegrityError, match="append-only"
    ):
        conn.execute(statement)


def test_the_database_refuses_an_append_that_is_not_the_next_link(ledger_db: Path) -> None:
    sample(ledger_db)
    with sqlite3.connect(ledger_db) as conn:
        head = conn.execute("SELECT hash FROM events WHERE seq = 4").fetchone()[0]
        for seq, prev in [(6, head), (5, GENESIS), (4, head)]:
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(
                    "INSERT INTO events VALUES (?,'T9','FundsDeposited','checking',1,1,"
                    "'2026-03-01','2026-03-01T00:00:00.000000Z','{}',?,?)",
                    (seq, prev, "f" * 64),
                )


def test_store_sets_full_sync_and_a_busy_timeout(ledger_db: Path) -> None:
    sample(ledger_db)
    with Store.open(ledger_db, write=True) as store:
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        # SQLite waits briefly per statement; the long wait for the write lock is a loop in
        # Python (see test_locking.py), so Ctrl-C works while a command waits.
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == SQLITE_WAIT_MS


WRITER = """
import sys
from pathlib import Path
from ledger_cli.domain.commands import Deposit
from ledger_cli.domain.dates import parse_date
from ledger_cli.app.service import Ledger
ledger = Ledger(Path(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    ledger.execute(Deposit("1.01", parse_date("2026-03-01")))
"""


def test_processes_writing_at_once_keep_the_chain_gapless(ledger_db: Path) -> None:
    Ledger(ledger_db).execute(Deposit("1", parse_date("2026-03-01")))
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(ledger_db), "25"],
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with Ledger(ledger_db).query() as q:
        assert q.reconcile().ok
        assert q.head()[0] == 2 + 100
        assert q.balance("checking").balance == 100 + 100 * 101


@pytest.mark.parametrize(
    ("where", "index"),
    [
        (RowFilter(types=ACCOUNT_TYPES), "events_accounts"),
        (RowFilter(account="checking", types=STATUS_TYPES), "events_status"),
    ],
    ids=["accounts", "statuses"],
)
def test_the_reads_of_few_rows_use_their_partial_index(
    ledger_db: Path, where: RowFilter, index: str
) -> None:
    """The account rows (every query reads them) and an account's status rows are found
    without a scan of the log: the query spells its `type IN (...)` as the index does."""
    sample(ledger_db)
    with Store.open(ledger_db, write=False) as store:
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        list(store.rows(where))
        store.conn.set_trace_callback(None)
        plan = store.conn.execute(f"EXPLAIN QUERY PLAN {statements[-1]}").fetchall()
    assert any(f"USING INDEX {index}" in detail for *_, detail in plan), plan
