"""Locks and snapshots on a real file (README, "Files and environment": LEDGER_BUSY_TIMEOUT).

Another process holding the write lock: a command waits for it (the busy timeout), then says
the file is locked (exit 4); Ctrl-C while it waits is exit 130; nothing is written. A query is
never blocked by a writer and reads one snapshot while another process writes; a first commit
that meets a reader of a new file waits for it. LEDGER_BUSY_TIMEOUT is seconds from 0 to 3600,
and any other value is an error, never ignored (more cases: tests/cli/test_environment.py)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import LedgerProcess, event_count, ledger_env, ledger_executable, ok

from ledger_cli.app.queries import Queries
from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit
from ledger_cli.store.sqlite.store import SqliteStore as Store


@pytest.fixture
def locked(ledger_db: Path, run_ledger: LedgerProcess) -> Iterator[Path]:
    assert run_ledger("deposit", "10", "--date", "2026-03-01").returncode == 0
    holder = sqlite3.connect(ledger_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield ledger_db
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_write_waits_then_reports_the_lock(locked: Path, run_ledger: LedgerProcess) -> None:
    started = time.monotonic()
    result = run_ledger("deposit", "5", env={"LEDGER_BUSY_TIMEOUT": "0.5"})
    waited = time.monotonic() - started
    assert result.returncode == 4
    assert result.stderr == f"ledger: {locked} is locked by another process (waited 0.5 s)\n"
    assert waited >= 0.5
    assert event_count(locked) == 2


def test_a_query_is_not_blocked_by_a_writer(locked: Path, run_ledger: LedgerProcess) -> None:
    result = run_ledger("balance", env={"LEDGER_BUSY_TIMEOUT": "0.5"})
    assert (result.returncode, result.stdout) == (0, "checking: 10.00 USD\n")


def test_ctrl_c_while_waiting_is_exit_130_and_writes_nothing(locked: Path) -> None:
    env = ledger_env(locked, LEDGER_BUSY_TIMEOUT="30")
    proc = subprocess.Popen(
        [ledger_executable(), "deposit", "5"], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    time.sleep(1.5)  # well inside the busy wait
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert out == ""
    assert "Traceback" not in err
    assert event_count(locked) == 2


# -- a query reads one snapshot; a commit on a new file waits for its reader ------------------


def test_a_query_reads_one_snapshot_while_another_process_writes(
    ledger_db: Path, run_ledger: LedgerProcess
) -> None:
    book = Ledger(ledger_db)
    book.execute(Deposit("100", date(2026, 1, 1)))
    with Store.open(ledger_db, write=False) as store, store.snapshot():
        q = Queries(store)
        assert store.conn.in_transaction
        assert q.balance("checking").balance == 10000
        written = run_ledger(
            "deposit", "5", "--date", "2026-01-02", env={"LEDGER_BUSY_TIMEOUT": "5"}
        )
        assert written.returncode == 0, written.stderr
        assert store.conn.in_transaction
        assert q.balance("checking").balance == 10000
        assert [line.balance for line in q.history("checking")] == [10000]
        assert q.head()[0] == 2
        assert [row.seq for row in q.audit()] == [1, 2]
    with book.query() as q:
        assert q.balance("checking").balance == 10500
        assert q.head()[0] == 3


def test_a_commit_that_meets_a_reader_of_a_new_file_waits_for_it(
    ledger_db: Path, run_ledger: LedgerProcess
) -> None:
    # Before the first commit the file is in rollback-journal mode, where a reader blocks the
    # commit; the commit waits (busy timeout) instead of failing at once.
    ledger_db.touch()
    reader = sqlite3.connect(ledger_db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledger_cli", "deposit", "3"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env=ledger_env(ledger_db, LEDGER_BUSY_TIMEOUT="20"),
    )
    time.sleep(1.0)
    reader.execute("ROLLBACK")
    reader.close()
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (0, "")
    assert run_ledger("balance").stdout == "checking: 3.00 USD\n"


# -- LEDGER_BUSY_TIMEOUT: seconds, or an error ------------------------------------------------


@pytest.mark.parametrize("value", ["0", "0.5", " 2 ", "3600"])
def test_a_busy_timeout_in_seconds_works(value: str) -> None:
    env = {"LEDGER_BUSY_TIMEOUT": value}
    ok("deposit", "10", "--date", "2026-01-01", env=env)
    assert ok("balance", env=env) == "checking: 10.00 USD\n"


def test_busy_timeout_values_that_are_not_seconds_in_a_subprocess(
    run_ledger: LedgerProcess,
) -> None:
    assert run_ledger("deposit", "10", "--date", "2026-01-01").returncode == 0
    for value in ("inf", "abc", "-1", "1e400", "nan", ""):
        for args in (("balance",), ("deposit", "5")):
            line = run_ledger.denied(*args, env={"LEDGER_BUSY_TIMEOUT": value})
            assert line.startswith(f"ledger: LEDGER_BUSY_TIMEOUT={value!r} is not valid: "), line
    assert run_ledger("balance").stdout == "checking: 10.00 USD\n"
