"""A query leaves no file of its own behind and changes no mode (README, "Files and
environment"): no `-wal` or `-shm` after a query that found none, on a writable ledger and on a
read-only one; a read-only ledger made writable again takes the next write; files another
process is using are left as they are, and a query alongside a writer still reads whole
commits.

A read-only file only stops a process without the capability to override file permissions:
as root, the commands of these tests run under `setpriv` without CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH, as an ordinary owner of the file would.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import LedgerProcess, event_count, ledger_env, ledger_executable

QUERIES = [
    ("balance",),
    ("balance", "--all", "--json"),
    ("history",),
    ("history", "--csv"),
    ("audit", "--json"),
    ("reconcile",),
    ("digest",),
    ("export", "--format", "ndjson"),
    ("export", "--format", "hledger"),
    ("chart", "--json"),
    ("diff", "--as-of", "2026-03-31", "--known-at", "2026-01-01"),
]


def as_owner() -> list[str]:
    """The prefix that runs a command as an ordinary user who owns the file: nothing for one,
    `setpriv` without the permission-override capabilities for root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only file does not stop root")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def run_as_owner(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*as_owner(), ledger_executable(), *args], capture_output=True, text=True,
        env=ledger_env(db), timeout=60, check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def sidecars(db: Path) -> list[str]:
    """The names of the files next to the ledger that SQLite makes for it."""
    return sorted(p.name for p in db.parent.iterdir() if p.name != db.name)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def books(run_ledger: LedgerProcess, ledger_db: Path) -> Path:
    run_ledger.ok("deposit", "10", "--date", "2026-03-01")
    run_ledger.ok("check", "3", "--payee", "Grocer", "--date", "2026-03-02")
    assert sidecars(ledger_db) == []  # the last writer's close removed its -wal and -shm
    return ledger_db


def test_the_reported_read_only_file(books: Path) -> None:
    # chmod 400 ro.db; ledger balance; chmod 600 ro.db; ledger deposit 5
    books.chmod(0o400)
    result = run_as_owner(books, "balance")
    assert (result.returncode, result.stdout, result.stderr) == (0, "checking: 7.00 USD\n", "")
    assert sidecars(books) == []
    assert mode(books) == 0o400
    books.chmod(0o600)
    deposit = run_as_owner(books, "deposit", "5", "--date", "2026-03-03")
    assert (deposit.returncode, deposit.stderr) == (0, "")
    assert run_as_owner(books, "balance").stdout == "checking: 12.00 USD\n"
    assert event_count(books) == 4


@pytest.mark.parametrize("args", QUERIES, ids=" ".join)
def test_a_query_on_a_read_only_file_leaves_nothing(books: Path, args: tuple[str, ...]) -> None:
    books.chmod(0o400)
    result = run_as_owner(books, *args)
    assert (result.returncode, result.stderr) == (0, ""), args
    assert result.stdout
    assert sidecars(books) == []
    assert mode(books) == 0o400


@pytest.mark.parametrize("args", QUERIES, ids=" ".join)
def test_a_query_on_a_writable_file_leaves_nothing(books: Path, args: tuple[str, ...]) -> None:
    before = books.read_bytes()
    result = run_as_owner(books, *args)
    assert (result.returncode, result.stderr) == (0, ""), args
    assert sidecars(books) == []
    assert mode(books) == 0o600
    assert books.read_bytes() == before


def test_a_read_only_file_with_another_process_s_log_is_read_whole_and_left_alone(
    books: Path,
) -> None:
    # Another connection (with write access) holds the file open with one commit still in its
    # write-ahead log: the query must read that commit and leave its files as they are.
    other = sqlite3.connect(books, isolation_level=None)
    try:
        other.execute("SELECT count(*) FROM events").fetchone()  # it has the log open
        holder = subprocess.run(
            [ledger_executable(), "deposit", "100", "--date", "2026-03-04"],
            capture_output=True, text=True, env=ledger_env(books), timeout=60, check=False,
        )
        assert holder.returncode == 0, holder.stderr
        assert sidecars(books) == ["ledger.db-shm", "ledger.db-wal"]
        wal = books.with_name("ledger.db-wal")
        assert wal.stat().st_size > 0
        logged = wal.read_bytes()
        books.chmod(0o400)
        result = run_as_owner(books, "balance")
        assert (result.returncode, result.stdout) == (0, "checking: 107.00 USD\n"), result.stderr
        assert sidecars(books) == ["ledger.db-shm", "ledger.db-wal"]
        assert wal.read_bytes() == logged
    finally:
        other.close()
    books.chmod(0o600)
    assert event_count(books) == 4


def test_a_query_next_to_a_connection_that_is_open_leaves_its_files(books: Path) -> None:
    other = sqlite3.connect(books, isolation_level=None)
    try:
        other.execute("SELECT count(*) FROM events").fetchone()
        assert sidecars(books) == ["ledger.db-shm", "ledger.db-wal"]
        result = run_as_owner(books, "balance")
        assert (result.returncode, result.stdout) == (0, "checking: 7.00 USD\n")
        assert sidecars(books) == ["ledger.db-shm", "ledger.db-wal"]
        assert other.execute("SELECT count(*) FROM events").fetchone() == (3,)
    finally:
        other.close()
    assert sidecars(books) == []


def test_a_writer_cannot_checkpoint_into_a_file_read_as_immutable(
    books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file nobody may write is read `immutable` (SQLite reads the file alone, no -wal),
    # under a shared lock. A process that writes it anyway (root) commits into its -wal but
    # cannot copy that into the file while it is read: the query reads one whole state.
    from ledger_cli.store.sqlite import connection
    from ledger_cli.store.sqlite.store import SqliteStore

    monkeypatch.setattr(connection, "_may_write", lambda path: False)
    monkeypatch.setattr(connection, "_nobody_may_write", lambda path: True)
    before = books.read_bytes()
    with SqliteStore.open(books, write=False) as store, store.snapshot():
        assert store.head().seq == 3
        writer = subprocess.run(
            [ledger_executable(), "deposit", "100", "--date", "2026-03-04"],
            capture_output=True, text=True, env=ledger_env(books), timeout=60, check=False,
        )
        assert writer.returncode == 0, writer.stderr
        assert books.read_bytes() == before  # its commit is in its -wal, not in the file
        assert store.head().seq == 3
        assert [row.seq for row in store.rows()] == [1, 2, 3]
    assert sidecars(books) == ["ledger.db-shm", "ledger.db-wal"]  # the writer's, kept
    assert event_count(books) == 4


def test_a_dry_run_on_a_read_only_file_works_and_leaves_nothing(
    books: Path, tmp_path: Path
) -> None:
    """Bug 1, second part: `statement --dry-run` on a read-only ledger was refused, though
    it writes nothing. Every dry run now reads the file only (run as its owner, for whom
    chmod 400 means read-only)."""
    (tmp_path / "bank").mkdir()
    statement = tmp_path / "bank" / "march.csv"
    statement.write_text("date,description,amount\n2026-03-01,Salary,10\n2026-03-05,FEE,-1\n")
    before = books.read_bytes()
    books.chmod(0o400)
    try:
        for args in (
            ("statement", str(statement), "-a", "checking", "--dry-run"),
            ("deposit", "5", "--dry-run"),
            ("void", "T2", "--dry-run"),
        ):
            done = run_as_owner(books, *args)
            assert done.returncode == 0, (args, done.stderr)
            assert "Dry run, nothing written: " in done.stdout, done.stdout
            assert sidecars(books) == ["bank"] and mode(books) == 0o400
        done = run_as_owner(books, "deposit", "5")
        assert done.returncode == 4 and "read-only" in done.stderr, done.stderr
    finally:
        books.chmod(0o600)
    assert books.read_bytes() == before
