"""An empty file and an empty ledger, through the installed `ledger`: a denied command leaves a
0-byte file as it was (no schema, no -wal, -shm or -journal), an accepted one makes it a
ledger; a ledger with its schema and no events has the genesis digest and reconciles with it
(README, "Files and environment")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GENESIS, LedgerProcess, one_line_error

from ledger_cli.store.sqlite.store import SqliteStore as Store


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("check", "5"),
            "ledger: insufficient funds in checking for check 1 of 5.00: balance 0.00, "
            "overdraft limit 0.00",
        ),
        (("withdraw", "5"), None),
        (("close", "savings"), None),
        (("deposit", "0"), "ledger: amount '0' is zero; it must be greater than 0"),
        (("void", "T1"), "ledger: no transaction 'T1'"),
    ],
)
def test_a_denied_command_leaves_an_empty_file_empty(
    tmp_path: Path, run_ledger: LedgerProcess, args: tuple[str, ...], message: str | None
) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = run_ledger(*args, db=path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    line = one_line_error(result.stderr)
    if message is not None:
        assert line == message
    assert result.stdout == ""
    assert path.stat().st_size == 0
    for suffix in ("-wal", "-shm", "-journal"):
        assert not Path(f"{path}{suffix}").exists(), suffix


def test_an_accepted_command_on_an_empty_file_creates_the_schema(
    tmp_path: Path, run_ledger: LedgerProcess
) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = run_ledger("deposit", "5", "--date", "2026-01-01", db=path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Opened checking; Deposited 5.00 to checking (ref T1); "
        "category uncategorized (no rule or payee match); balance of checking: 5.00\n"
    )
    assert path.stat().st_size > 0
    checked = run_ledger("reconcile", "--json", db=path)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert (report["ok"], report["events"], report["head"]["seq"]) == (True, 2, 2)
    assert report["problems"] == [] and report["warnings"] == []
    assert run_ledger("balance", db=path).stdout == "checking: 5.00 USD\n"


def test_an_empty_ledger_has_the_genesis_digest_and_reconciles_with_it(
    ledger_db: Path, run_ledger: LedgerProcess
) -> None:
    with Store.open(ledger_db, write=True) as store, store.transaction():
        pass
    digest = run_ledger("digest")
    assert digest.returncode == 0, digest.stderr
    assert digest.stdout == "0:" + "0" * 64 + "\n"
    assert digest.stdout.strip() == f"0:{GENESIS}"

    checked = run_ledger("reconcile", "--digest", digest.stdout.strip())
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK: 0 events verified")
    report = json.loads(run_ledger("reconcile", "--json", "--digest", f"0:{GENESIS}").stdout)
    assert report == {
        "ok": True,
        "events": 0,
        "head": {"seq": 0, "hash": GENESIS},
        "problems": [],
        "warnings": [],
        "documents": 0,
        "known_at": None,  # nothing recorded, nothing known
    }
    # A digest naming an event the empty log never had: truncated or rewritten.
    truncated = run_ledger("reconcile", "--digest", "1:" + "a" * 64)
    assert truncated.returncode == 3
    assert one_line_error(truncated.stderr).startswith(
        "ledger: the log is broken at seq 1 (digest): "
    )
