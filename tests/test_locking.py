"""Another process holding the write lock: a command waits for it (the busy timeout), then
says the file is locked (exit 4); Ctrl-C while it waits is exit 130. Nothing is written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ledger_executable


@pytest.fixture
def locked(ledger_db: Path, run_ledger) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    assert run_ledger("deposit", "10", "--date", "2026-03-01").returncode == 0
    holder = sqlite3.connect(ledger_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield ledger_db
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def events(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_a_write_waits_then_reports_the_lock(locked: Path, run_ledger) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = run_ledger("deposit", "5", env={"LEDGER_BUSY_TIMEOUT": "0.5"})
    waited = time.monotonic() - started
    assert result.returncode == 4
    assert result.stderr == f"ledger: {locked} is locked by another process (waited 0.5 s)\n"
    assert waited >= 0.5
    assert events(locked) == 2


def test_a_query_is_not_blocked_by_a_writer(locked: Path, run_ledger) -> None:  # type: ignore[no-untyped-def]
    result = run_ledger("balance", env={"LEDGER_BUSY_TIMEOUT": "0.5"})
    assert (result.returncode, result.stdout) == (0, "checking: 10.00 USD\n")


def test_ctrl_c_while_waiting_is_exit_130_and_writes_nothing(locked: Path) -> None:
    env = dict(os.environ, LEDGER_DB=str(locked), LEDGER_BUSY_TIMEOUT="30")
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
    assert events(locked) == 2
