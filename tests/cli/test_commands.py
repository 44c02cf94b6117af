"""The commands through typer's CliRunner (README, "Commands", "Files and environment" and "Exit
codes"): what each write prints and records, its denials in one line, JSON and CSV shapes,
balances as of a day, history and audit (every row with its account's currency), reconcile and
digest; close and void dates; files that are missing, empty, private, not SQLite or not a
ledger; usage errors, --debug and --version."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import cli, denied, ok, ok_json
from typer.testing import CliRunner

from ledger_cli.cli.app import app


def test_deposit_prints_what_happened_with_ref_and_balance() -> None:
    out = ok("deposit", "10,000.50", "--date", "2026-03-01", "--payee", "Salary")
    assert out == (
        "Opened checking; Deposited 10,000.50 to checking (ref T1); "
        "category uncategorized (no rule or payee match); balance of checking: 10,000.50\n"
    )


def test_deposit_json_shape() -> None:
    result = ok_json("deposit", "$10,000.50", "--date", "2026-03-01")
    assert result == {
        "ref": "T1",
        "events": [
            {"seq": 1, "type": "AccountOpened", "account": "checking", "amount": "0.00",
             "balance": "0.00"},
            {"seq": 2, "type": "FundsDeposited", "account": "checking", "amount": "10000.50",
             "balance": "10000.50"},
        ],
        "balance": "10000.50",
        "category": "uncategorized",
        "split": None,
        "category_source": "no rule or payee match",
    }


def test_check_numbers_itself_and_denies_a_reused_number() -> None:
    ok("deposit", "1000")
    assert "Check 1 " in ok("check", "10")
    assert "Check 7 " in ok("check", "10", "--number", "7")
    assert "Check 8 " in ok("check", "10")
    assert denied("check", "10", "--number", "7") == (
        "ledger: check number 7 is already used in checking (ref T3)"
    )
    assert denied("check", "10", "--number", "abc") == (
        "ledger: --number 'abc' is not valid; give a whole number, 1 or more"
    )


def test_insufficient_funds_names_the_figures() -> None:
    ok("deposit", "100")
    assert denied("withdraw", "100.01") == (
        "ledger: insufficient funds in checking for a withdrawal of 100.01: "
        "balance 100.00, overdraft limit 0.00"
    )
    assert ok_json("balance")["balance"] == "100.00"  # type: ignore[index]


def test_overdraft_limit_lets_debits_go_below_zero_up_to_it() -> None:
    ok("open", "business", "--overdraft-limit", "500")
    ok("withdraw", "500", "-a", "business")
    assert ok_json("balance", "-a", "business")["balance"] == "-500.00"  # type: ignore[index]
    denied("check", "0.01", "-a", "business")


@pytest.mark.parametrize(
    "amount",
    ["-5", "0", "0.00", "", "nan", "NaN", "inf", "Infinity", "1e5", "10.555", "ten", "10,00",
     "10000000000000", "€5"],
)
def test_bad_amounts_are_denied_naming_the_value(amount: str) -> None:
    message = denied("deposit", amount)
    assert message.startswith("ledger: amount")
    if amount:
        assert repr(amount) in message


def test_a_denied_first_command_creates_no_file(ledger_db: Path) -> None:
    denied("check", "5")
    assert not ledger_db.exists()


def test_unknown_account_suggests_the_close_one() -> None:
    ok("open", "savings")
    assert denied("deposit", "5", "-a", "savngs") == (
        "ledger: no account 'savngs'; did you mean 'savings'?"
    )
    assert denied("balance", "-a", "savngs") == (
        "ledger: no account 'savngs'; did you mean 'savings'?"
    )
    assert denied("balance", "-a", "house") == (
        "ledger: no account 'house'; open it with `ledger open house`"
    )
    assert "not valid" in denied("open", "Bad Name")


def test_transfer_and_void_restore_both_balances() -> None:
    ok("deposit", "1000")
    ok("open", "savings")
    moved = ok_json("transfer", "250", "--from", "checking", "--to", "savings")
    assert moved["balance"] == "750.00"  # type: ignore[index]
    ref = moved["ref"]  # type: ignore[index]
    assert {e["seq"] for e in moved["events"]} == {4, 5}  # type: ignore[index]
    voided = ok_json("void", ref, "--reason", "typo")
    assert [(e["account"], e["amount"]) for e in voided["events"]] == [  # type: ignore[index]
        ("checking", "250.00"), ("savings", "-250.00"),
    ]
    balances = {b["account"]: b["balance"] for b in ok_json("balance", "--all")}  # type: ignore[union-attr]
    assert balances == {"checking": "1000.00", "savings": "0.00"}
    assert denied("void", ref) == f"ledger: {ref} was already voided by {voided['ref']}"  # type: ignore[index]
    assert "itself a void" in denied("void", voided["ref"])  # type: ignore[index]
    assert denied("void", "T99") == "ledger: no transaction 'T99'"
    assert "moves no money" in denied("void", "T2")
    assert "to itself" in denied("transfer", "1", "--from", "savings", "--to", "savings")


def test_transfer_between_currencies_is_denied() -> None:
    ok("open", "euro", "--currency", "EUR")
    ok("deposit", "10", "-a", "euro")
    assert "currencies differ" in denied("transfer", "1", "--from", "euro", "--to", "checking")


def test_close_requires_a_zero_balance_and_then_denies_writes() -> None:
    ok("open", "savings")
    ok("deposit", "5", "-a", "savings")
    assert "has a balance of 5.00" in denied("close", "savings")
    ok("withdraw", "5", "-a", "savings")
    ok("close", "savings")
    assert denied("deposit", "1", "-a", "savings") == "ledger: account 'savings' is closed"


def test_an_entry_may_be_dated_before_its_accounts_opening_day() -> None:
    """Issue "the way back", trap 1: a user starts today with a deposit, then types last
    week's check; the opening day was a wall with no way out. It bounds nothing now."""
    ok("deposit", "100", "--date", "2026-03-10")
    assert ok("check", "40", "--date", "2026-03-02") == (
        "Check 1 for 40.00 written on checking (ref T2); "
        "category uncategorized (no rule or payee match); balance of checking: 60.00\n"
    )
    ok("open", "savings", "--date", "2026-03-10")
    ok("deposit", "5", "-a", "savings", "--date", "2026-01-15")
    assert ok_json("balance", "--as-of", "2026-03-01")["balance"] == "0.00"  # type: ignore[index]
    assert ok_json("balance", "--as-of", "2026-03-02")["balance"] == "-40.00"  # type: ignore[index]
    assert ok_json("balance", "-a", "savings", "--as-of", "2026-01-15")["balance"] == "5.00"  # type: ignore[index]
    assert "OK" in ok("reconcile")


def test_a_date_before_1970_is_denied_as_a_typo() -> None:
    """`deposit 100 --date 1900-01-01` was accepted, and charts then spanned 46,000 days."""
    assert denied("deposit", "100", "--date", "1900-01-01") == (
        "ledger: --date 1900-01-01 is before 1970-01-01: likely a typo; entries must be dated "
        "1970 or later"
    )
    assert denied("deposit", "100", "--date", "1969-12-31").startswith("ledger: --date 1969-12-31")
    ok("deposit", "100", "--date", "1970-01-01")


def test_balance_as_of_includes_the_whole_day() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("deposit", "50", "--date", "2026-03-02")
    assert ok_json("balance", "--as-of", "2026-02-28")["balance"] == "0.00"  # type: ignore[index]
    day = ok_json("balance", "--as-of", "2026-03-01")
    head = ok_json("audit")[-1]["recorded_at"]  # type: ignore[index]
    assert day == {"account": "checking", "currency": "USD", "balance": "100.00",
                   "as_of": "2026-03-01", "known_at": head}
    late = ok_json("balance", "--as-of", "2026-03-01T23:59:59")
    assert late["balance"] == "100.00"  # type: ignore[index]
    assert ok_json("balance")["balance"] == "150.00"  # type: ignore[index]


def test_history_since_limit_and_csv() -> None:
    for day, amount in [("01", "100"), ("02", "20"), ("03", "3"), ("04", "4")]:
        ok("deposit", amount, "--date", f"2026-03-{day}")
    rows = ok_json("history", "--since", "2026-03-02", "--as-of", "2026-03-03")
    assert [(r["date"], r["amount"], r["balance"]) for r in rows] == [  # type: ignore[union-attr,index]
        ("2026-03-02", "20.00", "120.00"), ("2026-03-03", "3.00", "123.00"),
    ]
    last = ok_json("history", "--limit", "1")
    assert [r["balance"] for r in last] == ["127.00"]  # type: ignore[union-attr,index]
    table = list(csv.DictReader(io.StringIO(ok("history", "--csv"))))
    assert [r["balance"] for r in table] == ["100.00", "120.00", "123.00", "127.00"]
    assert "--limit '0'" in denied("history", "--limit", "0")
    assert "cannot be used together" in denied("history", "--json", "--csv")


def test_history_orders_by_effective_date_then_seq() -> None:
    ok("open", "checking", "--date", "2026-02-01")
    ok("deposit", "100", "--date", "2026-03-05")
    ok("withdraw", "30", "--date", "2026-03-01")
    rows = ok_json("history")
    assert [(r["date"], r["balance"]) for r in rows] == [  # type: ignore[union-attr,index]
        ("2026-03-01", "-30.00"), ("2026-03-05", "70.00"),
    ]


def test_audit_json_and_csv_carry_every_field() -> None:
    ok("deposit", "10", "--payee", "Ann", "-m", "memo")
    rows = ok_json("audit")
    assert [r["type"] for r in rows] == ["AccountOpened", "FundsDeposited"]  # type: ignore[union-attr,index]
    second = rows[1]  # type: ignore[index]
    for key in ("seq", "ref", "type", "account", "amount", "balance", "date", "recorded_at",
                "prev_hash", "hash", "payee", "memo"):
        assert key in second
    assert second["prev_hash"] == rows[0]["hash"]  # type: ignore[index]
    assert (second["payee"], second["memo"], second["amount"]) == ("Ann", "memo", "10.00")
    header = ok("audit", "--csv").splitlines()[0].split(",")
    assert header[:3] == ["seq", "ref", "type"] and header[-2:] == ["prev_hash", "hash"]


def test_markup_and_control_characters_are_shown_literally() -> None:
    ok("deposit", "10", "--payee", "[red]Bob[/red]", "-m", "line\x1b[2J")
    out = ok("history")
    assert "[red]Bob[/red]" in out
    assert "line\\x1b[2J" in out and "\x1b" not in out
    rows = ok_json("history")
    assert rows[0]["memo"] == "line\x1b[2J"  # type: ignore[index]


def test_reconcile_and_digest_on_a_clean_ledger() -> None:
    ok("deposit", "10")
    seq, hash_ = ok("digest").strip().split(":")
    report = ok_json("reconcile", "--digest", f"{seq}:{hash_}")
    head = ok_json("audit")[-1]["recorded_at"]  # type: ignore[index]
    assert report == {"ok": True, "events": 2, "head": {"seq": 2, "hash": hash_},
                      "problems": [], "warnings": [], "documents": 0, "known_at": head}
    assert ok("reconcile").startswith("OK: 2 events verified")


def test_reconcile_digest_catches_a_truncated_log() -> None:
    ok("deposit", "10")
    ok("deposit", "20")
    code, out, err = cli("reconcile", "--digest", f"9:{'a' * 64}")
    assert code == 3
    assert err.strip() == (
        "ledger: the log is broken at seq 9 (digest): the log ends at seq 3; the digest "
        "names seq 9 (truncated or rewritten)"
    )
    assert "is not of the form" in denied("reconcile", "--digest", "nonsense")


def test_query_on_missing_file_is_exit_1_and_creates_nothing(ledger_db: Path) -> None:
    assert denied("balance") == f"ledger: no ledger at {ledger_db}"
    assert not ledger_db.exists()


def test_new_ledger_file_is_private(ledger_db: Path) -> None:
    ok("deposit", "1")
    assert stat.S_IMODE(ledger_db.stat().st_mode) == 0o600


def test_default_file_lives_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEDGER_DB")
    data = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    ok("deposit", "1")
    folder = data / "ledger"
    assert (folder / "ledger.db").exists()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_db_option_wins_over_the_environment(tmp_path: Path, ledger_db: Path) -> None:
    other = tmp_path / "other.db"
    ok("--db", str(other), "deposit", "3")
    assert other.exists() and not ledger_db.exists()
    assert "folder" in denied("--db", str(tmp_path / "missing" / "x.db"), "deposit", "1", code=4)


def test_a_file_that_is_not_sqlite_is_exit_4_and_untouched(ledger_db: Path) -> None:
    ledger_db.write_bytes(b"this is not a database" * 100)
    before = ledger_db.read_bytes()
    assert denied("deposit", "1", code=4) == (
        f"ledger: {ledger_db} is not a ledger file (not an SQLite database)"
    )
    assert denied("balance", code=4).endswith("(not an SQLite database)")
    assert ledger_db.read_bytes() == before


def test_an_sqlite_file_that_is_not_a_ledger_is_exit_4(ledger_db: Path) -> None:
    with sqlite3.connect(ledger_db) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
    before = ledger_db.read_bytes()
    assert "not a ledger file" in denied("deposit", "1", code=4)
    assert ledger_db.read_bytes() == before


def test_a_ledger_from_a_newer_version_is_refused(ledger_db: Path) -> None:
    ok("deposit", "1")
    with sqlite3.connect(ledger_db) as conn:
        conn.execute("PRAGMA user_version = 99")
    assert "newer version" in denied("deposit", "1", code=4)
    assert "newer version" in denied("balance", code=4)


def test_usage_errors_are_exit_2() -> None:
    assert cli("frobnicate")[0] == 2
    assert cli("deposit", "5", "--colour", "red")[0] == 2
    assert cli("balance", "--bogus")[0] == 2


def test_bad_dates_are_exit_1_naming_the_value() -> None:
    assert denied("deposit", "5", "--date", "2026-02-30") == (
        "ledger: --date '2026-02-30' is not a valid date (YYYY-MM-DD)"
    )
    assert "'yesterdayy'" in denied("balance", "--as-of", "yesterdayy")
    assert "'2026-03-01T10:00+25:00'" in denied("balance", "--known-at", "2026-03-01T10:00+25:00")


def test_debug_shows_the_traceback_and_plain_runs_do_not(ledger_db: Path) -> None:
    ledger_db.write_bytes(b"garbage" * 1000)
    # CliRunner itself: `cli` would fail the test on the traceback that --debug must show.
    plain = CliRunner().invoke(app, ["balance"])
    assert "Traceback" not in plain.stderr
    debug = CliRunner().invoke(app, ["--debug", "balance"])
    assert debug.exit_code == 4
    assert "Traceback" in debug.stderr


def test_version() -> None:
    from ledger_cli import __version__

    assert ok("--version") == f"ledger {__version__}\n"


# -- audit: every row carries its account's currency ----------------------------------------------


def test_audit_json_and_csv_carry_the_account_currency_on_every_row() -> None:
    ok("deposit", "100", "--date", "2026-01-02")  # T1: opens checking (USD)
    ok("open", "eur", "--currency", "EUR", "--date", "2026-01-02")  # T2
    ok("open", "eur2", "--currency", "EUR", "--date", "2026-01-02")  # T3
    ok("deposit", "50", "-a", "eur", "--date", "2026-01-03")  # T4
    ok("transfer", "20", "--from", "eur", "--to", "eur2", "--date", "2026-01-04")  # T5
    ok("check", "10", "--date", "2026-01-05")  # T6
    ok("void", "T5")  # T7: one TransactionVoided in each EUR account
    ok("close", "eur2", "--date", "2026-01-06")  # T8
    expected = [
        (1, "AccountOpened", "checking", "USD", "0.00"),
        (2, "FundsDeposited", "checking", "USD", "100.00"),
        (3, "AccountOpened", "eur", "EUR", "0.00"),
        (4, "AccountOpened", "eur2", "EUR", "0.00"),
        (5, "FundsDeposited", "eur", "EUR", "50.00"),
        (6, "TransferSent", "eur", "EUR", "-20.00"),
        (7, "TransferReceived", "eur2", "EUR", "20.00"),
        (8, "CheckWritten", "checking", "USD", "-10.00"),
        (9, "TransactionVoided", "eur", "EUR", "20.00"),
        (10, "TransactionVoided", "eur2", "EUR", "-20.00"),
        (11, "AccountClosed", "eur2", "EUR", "0.00"),
    ]

    rows = json.loads(ok("audit", "--json"))
    assert [(r["seq"], r["type"], r["account"], r["currency"], r["amount"]) for r in rows] == (
        expected
    )

    table = list(csv.reader(io.StringIO(ok("audit", "--csv"))))
    header, body = table[0], table[1:]
    currency_columns = [i for i, name in enumerate(header) if name == "currency"]
    assert currency_columns, header
    seq, kind, account, amount = (header.index(c) for c in ("seq", "type", "account", "amount"))
    found = [
        (int(r[seq]), r[kind], r[account], *{r[i] for i in currency_columns}, r[amount])
        for r in body
    ]
    assert found == expected


# -- close is not dated before the account's last entry; a void not before what it voids ----------


def test_close_is_denied_before_the_last_entry_and_allowed_on_or_after_it() -> None:
    ok("open", "savings", "--date", "2026-01-01")
    ok("deposit", "10", "-a", "savings", "--date", "2026-01-10")
    ok("withdraw", "10", "-a", "savings", "--date", "2026-01-05")  # balance 0, last entry 01-10
    before = len(json.loads(ok("audit", "--json")))
    assert denied("close", "savings", "--date", "2026-01-09") == (
        "ledger: savings has entries up to 2026-01-10; it cannot be closed on 2026-01-09, "
        "before them"
    )
    assert len(json.loads(ok("audit", "--json"))) == before
    assert ok("close", "savings", "--date", "2026-01-10") == (
        "Closed savings (ref T4); balance of savings: 0.00\n"
    )
    assert denied("deposit", "1", "-a", "savings", "--date", "2026-01-11") == (
        "ledger: account 'savings' is closed"
    )


def test_close_after_the_last_entry_is_allowed_and_needs_a_zero_balance() -> None:
    ok("open", "savings", "--date", "2026-01-01")
    ok("deposit", "10", "-a", "savings", "--date", "2026-01-10")
    assert denied("close", "savings", "--date", "2026-02-01") == (
        "ledger: account 'savings' has a balance of 10.00; only an account at 0 can be closed"
    )
    ok("withdraw", "10", "-a", "savings", "--date", "2026-01-12")
    assert denied("close", "savings", "--date", "2026-01-11").startswith(
        "ledger: savings has entries up to 2026-01-12"
    )
    ok("close", "savings", "--date", "2026-02-01")
    closed = json.loads(ok("audit", "--json"))[-1]
    assert (closed["type"], closed["account"], closed["date"]) == (
        "AccountClosed",
        "savings",
        "2026-02-01",
    )


def test_a_void_cannot_be_dated_before_what_it_voids() -> None:
    ok("deposit", "100", "--date", "2026-01-09")
    assert denied("void", "T1", "--date", "2026-01-02") == (
        "ledger: a void of T1 cannot be dated 2026-01-02, before the transaction itself "
        "(2026-01-09)"
    )
    assert "Voided T1" in ok("void", "T1", "--date", "2026-01-09")


# -- an empty (0-byte) file is no ledger to a query -----------------------------------------------


def test_an_empty_file_is_no_ledger_to_a_query(ledger_db: Path) -> None:
    ledger_db.touch()
    for args in (["balance"], ["reconcile"], ["digest"], ["history"], ["audit"]):
        assert denied(*args) == f"ledger: no ledger at {ledger_db} (the file is empty)"
    assert ledger_db.stat().st_size == 0
