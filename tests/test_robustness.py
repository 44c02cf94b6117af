"""Regression tests for robustness fixes: audit currencies, narrow terminals, query snapshots,
--known-at and accounts, empty files, empty ledgers, tampering that bypasses the types (invalid
UTF-8, a table rebuilt without STRICT, dropped triggers), hostile environment and option values,
closing dates, closed pipes, a clock that goes backwards, and sums beyond 64 bits.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger_cli.app import writer as store_module
from ledger_cli.app.queries import Queries
from ledger_cli.app.service import Ledger
from ledger_cli.app.writer import writing
from ledger_cli.cli.app import app
from ledger_cli.domain.commands import Command, Deposit, OpenAccount, Transfer, Withdraw, WriteCheck
from ledger_cli.domain.dates import parse_recorded
from ledger_cli.store.base import GENESIS, RowFilter
from ledger_cli.store.sqlite.store import SqliteStore as Store
from ledger_cli.view import register as listings
from ledger_cli.view.output import Output

Run = Callable[..., subprocess.CompletedProcess[str]]

runner = CliRunner()


def ledger(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    code, out, err = ledger(*args, env=env)
    assert code == 0, (out, err)
    return out


def one_line_error(err: str) -> str:
    """stderr of a failed command: exactly one line, no traceback."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def denied(*args: str, code: int = 1) -> str:
    exit_code, out, err = ledger(*args)
    assert exit_code == code, (out, err)
    return one_line_error(err)


def ledger_script() -> str:
    candidate = Path(sys.executable).parent / "ledger"
    found = str(candidate) if candidate.exists() else shutil.which("ledger")
    assert found, "the `ledger` console script is not installed"
    return found


def run_bytes(db: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the installed script; decode its output as it is, bytes that are not UTF-8 included
    (a tampered log can hold them, and `run_ledger`'s strict text decoding would choke)."""
    environ = dict(os.environ, LEDGER_DB=str(db), **(env or {}))
    result = subprocess.run(
        [ledger_script(), *args], capture_output=True, env=environ, timeout=60, check=False
    )
    out, err = (data.decode("utf-8", "surrogateescape") for data in (result.stdout, result.stderr))
    return result.returncode, out, err


def execute_many(path: Path, commands: Iterable[Command]) -> None:
    """What `Ledger.execute` does for each command (decide, link, append), but in one
    transaction: a log of thousands of events in about a second."""
    with Store.open(path, write=True) as store, writing(store) as writer:
        for command in commands:
            writer.apply(command)


# -- sqlite3 shell ------------------------------------------------------------------------------

_SHELL = shutil.which("sqlite3")
_SHELL_VERSION = (
    subprocess.run([_SHELL, "-version"], capture_output=True, text=True, timeout=30).stdout.split()
    if _SHELL
    else []
)
needs_shell = pytest.mark.skipif(
    not _SHELL_VERSION or tuple(map(int, _SHELL_VERSION[0].split(".")[:2])) < (3, 37),
    reason="needs the sqlite3 command-line shell, 3.37 or later (STRICT tables)",
)

DROP_TRIGGERS = (
    "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; "
    "DROP TRIGGER events_append_at_head;"
)
GUARDS = ["events_no_update", "events_no_delete", "events_append_at_head"]
TEXT_COLUMNS = ["ref", "type", "account", "date", "recorded_at", "details", "prev_hash", "hash"]


def shell(path: Path, script: str) -> str:
    assert _SHELL is not None
    result = subprocess.run(
        [_SHELL, "-bail", str(path)], input=script, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def small_ledger() -> None:
    """seq 1 AccountOpened, 2 deposit 100, 3 deposit 50, 4 check 30 (all checking)."""
    ok("deposit", "100", "--date", "2026-01-01")
    ok("deposit", "50", "--date", "2026-01-02")
    ok("check", "30", "--date", "2026-01-03")


def guard_warning(name: str) -> str:
    return f"the guard trigger {name} is gone: the database no longer refuses edits"


# -- 1. audit carries the account's currency on every row ---------------------------------------


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


# -- 2. a narrow terminal never truncates money, dates or refs ----------------------------------


def test_a_narrow_terminal_shows_amounts_balances_dates_and_refs_whole(
    ledger_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    book = Ledger(ledger_db)
    payee = "The Extraordinarily Long Payee Name Corporation International Holdings"
    book.execute(Deposit("1,234,567.89", date(2026, 3, 1), payee=payee, memo="a long memo " * 4))
    book.execute(WriteCheck("1000000", date(2026, 3, 2), number=123456, payee=payee))
    buffer = io.StringIO()
    with book.query() as q:
        listings.history(
            Output(out=buffer, terminal=True),
            q.history("checking"),
            q.account("checking"),
            fmt="text",
        )
    text = buffer.getvalue()
    assert "┃" in text  # a rich table, not the plain one
    first = next(line for line in text.splitlines() if "2026-03-01" in line)
    second = next(line for line in text.splitlines() if "2026-03-02" in line)
    assert " T1 " in first
    assert first.count(" 1,234,567.89 ") == 2  # amount and balance
    assert " T2 " in second
    assert " 123456 " in second
    assert " -1,000,000.00 " in second
    assert " 234,567.89 " in second


# -- 3. a query reads one snapshot ---------------------------------------------------------------


def test_a_query_reads_one_snapshot_while_another_process_writes(
    ledger_db: Path, run_ledger: Run
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


# -- 4. --known-at hides accounts opened later --------------------------------------------------


def test_known_at_hides_accounts_opened_later() -> None:
    ok("deposit", "100", "--date", "2026-01-01")
    recorded_at = json.loads(ok("audit", "--json"))[-1]["recorded_at"]
    ok("open", "savings", "--date", "2026-01-01")
    assert json.loads(ok("balance", "--all", "--known-at", recorded_at, "--json")) == [
        {
            "account": "checking",
            "currency": "USD",
            "balance": "100.00",
            "as_of": None,
            "known_at": recorded_at,
        }
    ]
    message = f"ledger: no account 'savings' at {recorded_at}; it was opened later"
    assert denied("balance", "-a", "savings", "--known-at", recorded_at) == message
    assert denied("history", "-a", "savings", "--known-at", recorded_at) == message
    # Known now, it is there.
    assert [b["account"] for b in json.loads(ok("balance", "--all", "--json"))] == [
        "checking",
        "savings",
    ]
    assert ok("balance", "-a", "savings") == "savings: 0.00 USD\n"


# -- 5. an empty (0-byte) file ------------------------------------------------------------------


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
    tmp_path: Path, run_ledger: Run, args: tuple[str, ...], message: str | None
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
    tmp_path: Path, run_ledger: Run
) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = run_ledger("deposit", "5", "--date", "2026-01-01", db=path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Opened checking; Deposited 5.00 to checking (ref T1); balance of checking: 5.00\n"
    )
    assert path.stat().st_size > 0
    checked = run_ledger("reconcile", "--json", db=path)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert (report["ok"], report["events"], report["head"]["seq"]) == (True, 2, 2)
    assert report["problems"] == [] and report["warnings"] == []
    assert run_ledger("balance", db=path).stdout == "checking: 5.00 USD\n"


# -- 6. an empty ledger: schema, no events ------------------------------------------------------


def test_an_empty_ledger_has_the_genesis_digest_and_reconciles_with_it(
    ledger_db: Path, run_ledger: Run
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
    }
    # A digest naming an event the empty log never had: truncated or rewritten.
    truncated = run_ledger("reconcile", "--digest", "1:" + "a" * 64)
    assert truncated.returncode == 3
    assert one_line_error(truncated.stderr).startswith(
        "ledger: the log is broken at seq 1 (digest): "
    )


# -- 7. invalid UTF-8 written into a text column ------------------------------------------------


@needs_shell
@pytest.mark.parametrize("column", TEXT_COLUMNS)
def test_invalid_utf8_in_a_text_column_is_an_integrity_failure(
    ledger_db: Path, column: str
) -> None:
    small_ledger()
    shell(
        ledger_db,
        f"{DROP_TRIGGERS} UPDATE events SET {column} = CAST(X'54FF' AS TEXT) WHERE seq = 3;",
    )
    code, out, err = run_bytes(ledger_db, "reconcile", "--json")
    assert code == 3, (out, err)
    assert one_line_error(err).startswith("ledger: the log is broken at seq 3 (hash): ")
    report = json.loads(out)
    assert report["ok"] is False
    assert report["problems"][0]["seq"] == 3
    assert report["problems"][0]["kind"] == "hash"
    assert all(problem["seq"] >= 3 for problem in report["problems"])
    assert report["warnings"] == [guard_warning(name) for name in GUARDS]

    code, out, err = run_bytes(ledger_db, "reconcile")
    assert code == 3, (out, err)
    assert out.startswith("BROKEN: ")
    assert one_line_error(err).startswith("ledger: the log is broken at seq 3 (hash): ")

    code, out, err = run_bytes(ledger_db, "audit")
    assert code == 3, (out, err)
    assert one_line_error(err).startswith("ledger: the log is broken at seq 3 (hash): ")


@needs_shell
@pytest.mark.parametrize(
    ("column", "args"),
    [
        ("type", ("reconcile", "--json")),
        ("account", ("reconcile",)),
        ("ref", ("audit",)),
        ("ref", ("audit", "--json")),
    ],
)
def test_invalid_utf8_tamper_is_exit_3_with_a_strict_utf8_stdout(
    ledger_db: Path, column: str, args: tuple[str, ...]
) -> None:
    small_ledger()
    shell(
        ledger_db,
        f"{DROP_TRIGGERS} UPDATE events SET {column} = CAST(X'54FF' AS TEXT) WHERE seq = 3;",
    )
    code, out, err = run_bytes(ledger_db, *args, env={"PYTHONIOENCODING": "utf-8"})
    assert code == 3, (out, err)
    assert one_line_error(err).startswith("ledger: the log is broken at seq 3 (hash): ")


# -- 8. the events table rebuilt without STRICT -------------------------------------------------


@needs_shell
@pytest.mark.parametrize(
    ("columns", "value"),
    [
        # no declared types: '3000' stays TEXT
        ("seq INTEGER PRIMARY KEY, ref, type, account, amount, balance, date, recorded_at, "
         "details, prev_hash, hash", "'3000'"),
        # the same declared types, without STRICT: text that is not a number stays TEXT
        ("seq INTEGER PRIMARY KEY, ref TEXT NOT NULL, type TEXT NOT NULL, account TEXT NOT NULL, "
         "amount INTEGER NOT NULL, balance INTEGER NOT NULL, date TEXT NOT NULL, "
         "recorded_at TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, "
         "hash TEXT NOT NULL", "'3,000'"),
    ],
    ids=["untyped", "typed"],
)
def test_a_table_rebuilt_without_strict_is_an_integrity_failure(
    ledger_db: Path, columns: str, value: str
) -> None:
    small_ledger()
    shell(
        ledger_db,
        f"CREATE TABLE events2 ({columns}); INSERT INTO events2 SELECT * FROM events; "
        "DROP TABLE events; ALTER TABLE events2 RENAME TO events; "
        f"UPDATE events SET amount = {value} WHERE seq = 2;",
    )
    assert shell(ledger_db, "SELECT typeof(amount) FROM events WHERE seq = 2;").strip() == "text"

    code, out, err = run_bytes(ledger_db, "reconcile", "--json")
    assert code == 3, (out, err)
    assert one_line_error(err) == (
        "ledger: the log is broken at seq 0 (schema): the events table is no longer STRICT"
    )
    problems = json.loads(out)["problems"]
    assert problems[0] == {
        "seq": 0,
        "kind": "schema",
        "detail": "the events table is no longer STRICT",
    }
    assert problems[1] == {
        "seq": 2,
        "kind": "format",
        "detail": "stored values of the wrong type: amount",
    }

    refusal = (
        f"ledger: {ledger_db}: the events table was rebuilt without its STRICT types; "
        "run `ledger reconcile`"
    )
    for args in (
        ("balance",),
        ("balance", "--all", "--json"),
        ("history",),
        ("history", "--csv"),
        ("digest",),
        ("deposit", "1"),
    ):
        code, out, err = run_bytes(ledger_db, *args)
        assert code == 3, (args, out, err)
        assert one_line_error(err) == refusal, args
        assert out == "", args
    code, out, err = run_bytes(ledger_db, "audit")
    assert code == 3, (out, err)
    assert "Traceback" not in err


# -- 9. dropped triggers alone ------------------------------------------------------------------


@needs_shell
def test_dropped_triggers_alone_reconcile_with_warnings(ledger_db: Path, run_ledger: Run) -> None:
    small_ledger()
    shell(ledger_db, DROP_TRIGGERS)
    result = run_ledger("reconcile", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["events"] == 4
    assert report["problems"] == []
    assert report["warnings"] == [guard_warning(name) for name in GUARDS]
    for name in GUARDS:
        assert name in " ".join(report["warnings"])

    text = run_ledger("reconcile")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("OK: 4 events verified")
    assert lines[1:] == [f"warning: {guard_warning(name)}" for name in GUARDS]
    assert run_ledger("balance").stdout == "checking: 120.00 USD\n"


# -- 10. environment and options ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "abc", "-1", "1e400", "nan", "", " 2 "])
def test_any_busy_timeout_value_still_works(value: str) -> None:
    env = {"LEDGER_BUSY_TIMEOUT": value}
    ok("deposit", "10", "--date", "2026-01-01", env=env)
    assert ok("balance", env=env) == "checking: 10.00 USD\n"


def test_busy_timeout_values_in_a_subprocess(run_ledger: Run) -> None:
    assert run_ledger("deposit", "10", "--date", "2026-01-01").returncode == 0
    for value in ("inf", "abc", "-1", "1e400"):
        result = run_ledger("balance", env={"LEDGER_BUSY_TIMEOUT": value})
        assert (result.returncode, result.stdout, result.stderr) == (
            0,
            "checking: 10.00 USD\n",
            "",
        ), value


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
    code, out, err = ledger("deposit", "100", "--bogus")
    assert code == 2, (out, err)
    assert "No such option: --bogus" in err
    code, _, err = ledger("deposit", "--bogus", "100")
    assert code == 2
    assert "No such option: --bogus" in err
    assert not ledger_db.exists()  # nothing was written


def test_a_memo_starting_with_a_dash_is_stored() -> None:
    assert ok("deposit", "5", "-m", "-dash memo", "--date", "2026-01-01") == (
        "Opened checking; Deposited 5.00 to checking (ref T1); balance of checking: 5.00\n"
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


# -- 11. close is not dated before the account's last entry --------------------------------------


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


# -- 12. a reader that goes away ----------------------------------------------------------------


@pytest.fixture(scope="module")
def long_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few hundred events with long memos: every listing is far larger than a pipe buffer."""
    path = tmp_path_factory.mktemp("long") / "ledger.db"
    book = Ledger(path)
    for i in range(300):
        book.execute(
            Deposit(
                "1,234.56",
                date(2026, 1, 1) + timedelta(days=i % 200),
                payee=f"payee {i}",
                memo=f"memo {i} " + "x" * 400,
            )
        )
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("audit",),
        ("audit", "--json"),
        ("audit", "--csv"),
        ("history",),
        ("history", "--json"),
        ("history", "--csv"),
    ],
)
def test_a_reader_that_closes_the_pipe_is_not_an_error(
    long_ledger: Path, args: tuple[str, ...]
) -> None:
    environ = dict(os.environ, LEDGER_DB=str(long_ledger))
    process = subprocess.Popen(
        [ledger_script(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    err = process.stderr.read()
    process.stderr.close()
    assert first.strip() != b""
    assert code == 0, err
    assert err == b""


# -- 13. recorded time never goes backwards -----------------------------------------------------


def test_recorded_time_is_clamped_when_the_clock_goes_backwards(
    ledger_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = Ledger(ledger_db)
    book.execute(OpenAccount("savings", date(2026, 1, 1)))
    first = book.execute(Deposit("10", date(2026, 1, 1)))
    previous = first.events[-1].recorded_at
    earlier = parse_recorded(previous) - timedelta(hours=1)
    monkeypatch.setattr(store_module, "now_utc", lambda: earlier)

    second = book.execute(Deposit("20", date(2026, 1, 2)))
    assert [event.recorded_at for event in second.events] == [previous]
    third = book.execute(Transfer("5", date(2026, 1, 3), "checking", "savings"))
    assert [event.recorded_at for event in third.events] == [previous, previous]

    with book.query() as q:
        stored = [row.recorded_at for row in q.audit()]
        assert stored == sorted(stored)
        assert stored[-4:] == [previous] * 4
        assert q.reconcile().ok


# -- 14. an as-of sum beyond 64 bits ------------------------------------------------------------

MAX_AMOUNT = "9999999999999.99"  # 999,999,999,999,999 minor units, the documented maximum
PAIRS = 9_300  # 9,300 x 999,999,999,999,999 > 2**63 - 1: SQLite's sum() overflows


@pytest.fixture(scope="module")
def overflow_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Account `big` (overdraft limit = the maximum) alternates a withdrawal of the maximum
    dated 2026-01-01 and a deposit of the maximum dated 2026-12-31: every running balance is
    -max or 0, but the sum of the 9,300 withdrawals (as of 2026-01-01) is below -2**63."""
    path = tmp_path_factory.mktemp("overflow") / "ledger.db"
    Ledger(path).execute(OpenAccount("big", date(2026, 1, 1), overdraft_limit=MAX_AMOUNT))
    early, late = date(2026, 1, 1), date(2026, 12, 31)
    commands: list[Command] = []
    for _ in range(PAIRS):
        commands += [Withdraw(MAX_AMOUNT, early, "big"), Deposit(MAX_AMOUNT, late, "big")]
    execute_many(path, commands)
    return path


def test_an_as_of_sum_beyond_64_bits_is_exact(overflow_ledger: Path, run_ledger: Run) -> None:
    total = -PAIRS * 999_999_999_999_999
    assert total == -9_299_999_999_999_990_700
    assert total < -(2**63)
    # The plain SQL sum does overflow, so this exercises the exact fallback.
    with sqlite3.connect(overflow_ledger) as conn, pytest.raises(
        sqlite3.OperationalError, match="integer overflow"
    ):
        conn.execute(
            "SELECT sum(amount) FROM events WHERE account = 'big' AND date <= '2026-01-01'"
        ).fetchone()

    with Store.open(overflow_ledger, write=False) as store:
        assert store.total(RowFilter(account="big", as_of=date(2026, 1, 1))) == total
        assert store.total(RowFilter(account="big", as_of=date(2026, 12, 31))) == 0
        assert store.total(RowFilter(account="big")) == 0

    result = run_ledger("balance", "-a", "big", "--as-of", "2026-01-01", db=overflow_ledger)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "big: -92,999,999,999,999,907.00 USD (as of 2026-01-01)\n"
    result = run_ledger(
        "balance", "--all", "--as-of", "2026-01-01", "--json", db=overflow_ledger
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "account": "big",
            "currency": "USD",
            "balance": "-92999999999999907.00",
            "as_of": "2026-01-01",
            "known_at": None,
        }
    ]
    result = run_ledger("balance", "-a", "big", "--json", db=overflow_ledger)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["balance"] == "0.00"
    result = run_ledger(
        "history", "-a", "big", "--as-of", "2026-01-01", "--limit", "1", "--json",
        db=overflow_ledger,
    )
    assert result.returncode == 0, result.stderr
    assert [row["balance"] for row in json.loads(result.stdout)] == ["-92999999999999907.00"]


# -- second review ------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["0999-06-01", "0001-01-01", "0999-06-01T12:00:00Z"])
def test_known_at_before_the_year_1000_knows_nothing(when: str) -> None:
    ok("deposit", "10", "--date", "2026-01-01")
    assert denied("balance", "--known-at", when).endswith("; it was opened later")
    with Store.open(Path(os.environ["LEDGER_DB"]), write=False) as store:
        known = "0999-12-31T23:59:59.999999Z"
        assert store.total(RowFilter(account="checking", known_at=known)) == 0


def test_recorded_times_before_1000_are_zero_padded() -> None:
    from datetime import UTC, datetime

    from ledger_cli.domain.dates import format_recorded

    assert format_recorded(datetime(999, 6, 1, tzinfo=UTC)) == "0999-06-01T00:00:00.000000Z"


def test_output_that_cannot_be_written_is_exit_74_and_says_the_write_was_recorded(
    run_ledger: Run, ledger_db: Path
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this machine")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ledger_cli", "deposit", "100"], stdout=full,
            stderr=subprocess.PIPE, text=True, env=dict(os.environ, LEDGER_DB=str(ledger_db)),
        )
        assert result.returncode == 74
        assert result.stderr == (
            "ledger: recorded as T1, but the output could not be written: "
            "No space left on device\n"
        )
        query = subprocess.run(
            [sys.executable, "-m", "ledger_cli", "balance"], stdout=full,
            stderr=subprocess.PIPE, text=True, env=dict(os.environ, LEDGER_DB=str(ledger_db)),
        )
        assert query.returncode == 74
        assert query.stderr == "ledger: cannot write the output: No space left on device\n"
    assert run_ledger("balance").stdout == "checking: 100.00 USD\n"


def test_a_closed_stdout_still_records_the_command(ledger_db: Path, run_ledger: Run) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ledger_cli", "deposit", "7"], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, env=dict(os.environ, LEDGER_DB=str(ledger_db)),
        pass_fds=(), close_fds=True,
        preexec_fn=lambda: os.close(1),
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert run_ledger("balance").stdout == "checking: 7.00 USD\n"


def test_an_empty_file_is_no_ledger_to_a_query(ledger_db: Path) -> None:
    ledger_db.touch()
    for args in (["balance"], ["reconcile"], ["digest"], ["history"], ["audit"]):
        assert denied(*args) == f"ledger: no ledger at {ledger_db} (the file is empty)"
    assert ledger_db.stat().st_size == 0


def test_a_void_cannot_be_dated_before_what_it_voids() -> None:
    ok("deposit", "100", "--date", "2026-01-09")
    assert denied("void", "T1", "--date", "2026-01-02") == (
        "ledger: a void of T1 cannot be dated 2026-01-02, before the transaction itself "
        "(2026-01-09)"
    )
    assert "Voided T1" in ok("void", "T1", "--date", "2026-01-09")


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


def test_a_commit_that_meets_a_reader_of_a_new_file_waits_for_it(
    ledger_db: Path, run_ledger: Run
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
        env=dict(os.environ, LEDGER_DB=str(ledger_db), LEDGER_BUSY_TIMEOUT="20"),
    )
    import time

    time.sleep(1.0)
    reader.execute("ROLLBACK")
    reader.close()
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (0, "")
    assert run_ledger("balance").stdout == "checking: 3.00 USD\n"
