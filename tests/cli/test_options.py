"""Options and the environment through typer's CliRunner: odd LEDGER_DEBUG values, --db naming
a folder or a name too long, unknown options, values that start with a dash (memos, negative
amounts), empty date options, short options with their value attached (README, "Files and
environment" and "Exit codes")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli, denied, ok


def test_an_odd_debug_value_does_not_break_commands() -> None:
    env = {"LEDGER_DEBUG": "maybe"}
    ok("deposit", "10", "--date", "2026-01-01", env=env)
    assert ok("balance", env=env) == "checking: 10.00 USD\n"


@pytest.mark.parametrize("args", [("balance",), ("deposit", "1"), ("audit",)])
def test_db_naming_a_folder_is_a_storage_error(tmp_path: Path, args: tuple[str, ...]) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    assert denied("--db", str(folder), *args, code=4) == (
        f"ledger: {folder} is a folder, not a ledger file"
    )


@pytest.mark.parametrize("args", [("balance",), ("deposit", "1")])
def test_db_with_a_too_long_file_name_is_a_storage_error(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    path = tmp_path / ("a" * 300)
    line = denied("--db", str(path), *args, code=4)
    assert line.startswith(f"ledger: {path}")
    assert "internal error" not in line


def test_an_unknown_option_on_an_amount_command_is_a_usage_error(ledger_db: Path) -> None:
    code, out, err = cli("deposit", "100", "--bogus")
    assert code == 2, (out, err)
    assert "No such option: --bogus" in err
    code, _, err = cli("deposit", "--bogus", "100")
    assert code == 2
    assert "No such option: --bogus" in err
    assert not ledger_db.exists()  # nothing was written


def test_a_memo_starting_with_a_dash_is_stored() -> None:
    assert ok("deposit", "5", "-m", "-dash memo", "--date", "2026-01-01") == (
        "Opened checking; Deposited 5.00 to checking (ref T1); "
        "category uncategorized (no rule or payee match); balance of checking: 5.00\n"
    )
    ok("deposit", "6", "--memo", "--double dash", "--payee", "-payee", "--date", "2026-01-01")
    rows = json.loads(ok("history", "--json"))
    assert [(r["memo"], r["payee"], r["amount"]) for r in rows] == [
        ("-dash memo", None, "5.00"),
        ("--double dash", "-payee", "6.00"),
    ]


@pytest.mark.parametrize("command", ["deposit", "check", "withdraw"])
def test_a_negative_amount_is_denied_naming_it(command: str) -> None:
    assert denied(command, "-5") == "ledger: amount '-5' is negative; amounts are always positive"
    assert denied(command, "-5.00", "--date", "2026-01-01") == (
        "ledger: amount '-5.00' is negative; amounts are always positive"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("balance", "--as-of", ""),
            "ledger: --as-of '' is not a date or time; use YYYY-MM-DD, an ISO 8601 date-time, "
            "'today' or 'yesterday'",
        ),
        (
            ("balance", "--known-at", ""),
            "ledger: --known-at '' is not a date or time; use YYYY-MM-DD, an ISO 8601 "
            "date-time, 'today' or 'yesterday'",
        ),
        (
            ("history", "--since", ""),
            "ledger: --since '' is not a date; use YYYY-MM-DD, 'today' or 'yesterday'",
        ),
        (("history", "--as-of", ""), None),
        (("audit", "--known-at", ""), None),
        (("deposit", "5", "--date", ""), None),
    ],
)
def test_an_empty_date_option_is_denied(args: tuple[str, ...], message: str | None) -> None:
    ok("deposit", "10", "--date", "2026-01-01")
    line = denied(*args)
    if message is not None:
        assert line == message
    assert ok("balance") == "checking: 10.00 USD\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["deposit", "5", "-asav"], "Deposited 5.00 to sav"),
        (["check", "1", "-n3", "-asav"], "Check 3 for 1.00 written on sav"),
        (["deposit", "5", "-mnote", "-asav"], "Deposited 5.00 to sav"),
    ],
)
def test_short_options_with_their_value_attached(args: list[str], expected: str) -> None:
    ok("open", "sav")
    ok("deposit", "10", "-a", "sav")
    assert expected in ok(*args)
