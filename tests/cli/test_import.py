"""`ledger import FILE|-`: CSV and NDJSON rows through the same decider and chain as the single
commands, all or nothing (or --skip-denied), `id` as an idempotency key, bad files refused in one
line (README, "Write commands": import). Many imports run through the installed `ledger` in a
subprocess (`run_ledger`); setting up and reading back, and most refusals, in-process (typer's
CliRunner), where many cases make that cheaper."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import LedgerProcess, cli, copy_ledger, ok, one_line_error

Snapshot = tuple[str, list[tuple[Any, ...]]]


# -- helpers -------------------------------------------------------------------------------------


def audit(db: Path | None = None) -> list[dict[str, Any]]:
    return list(json.loads(ok("audit", "--json", db=db)))


def stable(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """An audit without what depends on when it was recorded (the time, the hashes, and the
    knowledge time the answer came from)."""
    return [
        {
            k: v
            for k, v in event.items()
            if k not in ("recorded_at", "prev_hash", "hash", "known_at")
        }
        for event in events
    ]


def unknowing(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Audit rows as stored: without `known_at`, the knowledge time of the answer."""
    return [{k: v for k, v in event.items() if k != "known_at"} for event in events]


def snapshot(db: Path) -> Snapshot:
    """Everything an import could change: the whole audit, and the remembered --id keys."""
    text = ok("audit", "--json", db=db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        keys = conn.execute("SELECT * FROM command_keys ORDER BY key").fetchall()
    finally:
        conn.close()
    return text, keys


def balances(db: Path | None = None) -> dict[str, str]:
    listed = json.loads(ok("balance", "--all", "--json", db=db))
    return {item["account"]: item["balance"] for item in listed}


def assert_no_ledger(db: Path) -> None:
    """A query still says there is no ledger (the file is missing or empty)."""
    assert not db.exists() or db.stat().st_size == 0
    code, out, err = cli("balance", db=db)
    assert code == 1, (out, err)
    assert "no ledger" in one_line_error(err)


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def today_utc() -> date:
    return datetime.now(UTC).date()


# -- the rows used for equivalence ---------------------------------------------------------------

# Every kind of row, optional columns filled or not; savings is opened before (2026-01-01).
# Row 8 is back-dated; rows 3 and 9 are checks without a number (102, then 251).
ROWS: list[dict[str, str]] = [
    {"date": "2026-01-05", "type": "deposit", "amount": "10,000.00",
     "payee": "Employer, Inc.", "memo": "salary\nJanuary"},
    {"date": "2026-01-06", "type": "check", "amount": "4000", "number": "101",
     "payee": "Landlord", "memo": 'rent "Jan", flat 2'},
    {"date": "2026-01-07", "type": "check", "amount": "12.5", "payee": "Grocer"},
    {"date": "2026-01-07", "type": "withdraw", "amount": "$60", "memo": "ATM"},
    {"date": "2026-01-08", "type": "transfer", "amount": "500", "to": "savings", "memo": "save"},
    {"date": "2026-01-09", "type": "deposit", "amount": "25.10", "account": "savings",
     "payee": "Bank"},
    {"date": "2026-01-10", "type": "transfer", "amount": "100.00", "account": "savings",
     "to": "checking"},
    {"date": "2026-01-06", "type": "check", "amount": "1", "number": "250",
     "payee": "Back, dated"},
    {"date": "2026-01-11", "type": "check", "amount": "26.50"},
]
ROW_EVENTS = 12  # 9 rows, + checking's AccountOpened, + one more per transfer
CSV_COLUMNS = ["memo", "to", "amount", "id", "type", "account", "date", "number", "payee"]


def single_command(row: dict[str, str]) -> list[str]:
    """The single command a row names, as arguments."""
    args = [row["type"], row["amount"], "--date", row["date"]]
    if row["type"] == "transfer":
        args += ["--from", row.get("account", "checking"), "--to", row["to"]]
    elif "account" in row:
        args += ["-a", row["account"]]
    for key, option in (("number", "--number"), ("payee", "--payee"), ("memo", "--memo")):
        if key in row:
            args += [option, row[key]]
    return args


def csv_text(
    rows: Sequence[dict[str, str]], *, newline: str = "\n", bom: bool = False,
    blank_lines: bool = False,
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in CSV_COLUMNS])
        if blank_lines:
            out.write(newline)
    return ("\ufeff" if bom else "") + out.getvalue()


_PLAIN_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


def ndjson_text(
    rows: Sequence[dict[str, str]], *, numbers: bool = False, newline: str = "\n",
    bom: bool = False, blank_lines: bool = False,
) -> str:
    """One object per line, keys in reverse order; with `numbers`, amounts and check numbers
    that are plain digits are written as JSON numbers, and absent keys as null."""
    lines = []
    for row in rows:
        parts = []
        for key in reversed([*row, *(["payee"] if numbers and "payee" not in row else [])]):
            value = row.get(key)
            if value is None:
                parts.append(f'"{key}": null')
            elif numbers and key in ("amount", "number") and _PLAIN_NUMBER.fullmatch(value):
                parts.append(f'"{key}": {value}')
            else:
                parts.append(f"{json.dumps(key)}: {json.dumps(value)}")
        lines.append("{" + ", ".join(parts) + "}" + newline + (newline if blank_lines else ""))
    return ("\ufeff" if bom else "") + "".join(lines)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The audit of ROWS made one by one with the single commands."""
    db = tmp_path_factory.mktemp("reference") / "reference.db"
    ok("open", "savings", "--date", "2026-01-01", db=db)
    for row in ROWS:
        ok(*single_command(row), db=db)
    return audit(db)


# -- equivalence: every row makes exactly the events of its single command ------------------------


# (file name, its content, extra import arguments); None as the name: standard input.
_VARIANTS: dict[str, tuple[str | None, str, tuple[str, ...]]] = {
    "csv": ("march.csv", csv_text(ROWS), ()),
    "csv-bom-crlf-blank-lines": (
        "march.csv", csv_text(ROWS, newline="\r\n", bom=True, blank_lines=True), ()
    ),
    "ndjson-strings": ("march.ndjson", ndjson_text(ROWS), ()),
    "jsonl-numbers-crlf-blank-lines": (
        "march.jsonl", ndjson_text(ROWS, numbers=True, newline="\r\n", blank_lines=True), ()
    ),
    "csv-detected-by-first-line": ("march.txt", csv_text(ROWS, bom=True), ()),
    "ndjson-detected-by-first-line": ("march.txt", ndjson_text(ROWS, bom=True), ()),
    "csv-stdin": (None, csv_text(ROWS, newline="\r\n", bom=True), ()),
    "ndjson-stdin": (None, ndjson_text(ROWS, numbers=True), ()),
    "format-ndjson-beats-csv-name": ("march.csv", ndjson_text(ROWS), ("--format", "ndjson")),
    "format-csv-beats-ndjson-name": ("march.ndjson", csv_text(ROWS), ("--format", "CSV")),
}


@pytest.mark.parametrize("variant", list(_VARIANTS))
def test_import_makes_exactly_the_events_of_the_single_commands(
    run_ledger: LedgerProcess, variant: str, reference: list[dict[str, Any]], tmp_path: Path
) -> None:
    name, content, extra = _VARIANTS[variant]
    expected = reference
    ok("open", "savings", "--date", "2026-01-01")
    before = audit()
    if name is None:
        code, out, err = run_ledger.run("import", "-", "--json", *extra,
                                        stdin=content.encode("utf-8"))
    else:
        source = write(tmp_path / name, content)
        code, out, err = run_ledger.run("import", str(source), "--json", *extra)
    assert (code, err) == (0, "")
    after = audit()
    assert stable(after) == stable(expected)
    assert unknowing(after[: len(before)]) == unknowing(before)  # the import only appended
    assert json.loads(out) == {
        "imported": len(ROWS), "events": ROW_EVENTS, "first_ref": "T2", "last_ref": "T10",
        "repeated": 0, "skipped": [], "balances": {"checking": "5500.00", "savings": "425.10"},
    }
    # One ref per row, in file order; all rows of one import share one recorded time.
    new = after[len(before):]
    assert sorted({event["ref"] for event in new}, key=lambda r: int(r[1:])) == [
        f"T{n}" for n in range(2, 2 + len(ROWS))
    ]
    assert len({event["recorded_at"] for event in new}) == 1
    assert new[0]["recorded_at"] >= before[-1]["recorded_at"]
    assert json.loads(ok("reconcile", "--json"))["ok"] is True


def test_import_text_output_names_refs_events_and_balances(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    ok("open", "savings", "--date", "2026-01-01")
    code, out, err = run_ledger.run("import", str(write(tmp_path / "march.csv", csv_text(ROWS))))
    assert (code, err) == (0, "")
    assert out == (
        "Imported 9 transactions (T2 to T10), 12 events.\n"
        "  balance of checking: 5,500.00\n"
        "  balance of savings: 425.10\n"
    )


def test_balances_and_history_after_import(run_ledger: LedgerProcess, tmp_path: Path) -> None:
    ok("open", "savings", "--date", "2026-01-01")
    code, _, err = run_ledger.run("import", str(write(tmp_path / "march.csv", csv_text(ROWS))))
    assert code == 0, err
    assert balances() == {"checking": "5500.00", "savings": "425.10"}
    as_of = {
        day: json.loads(ok("balance", "--as-of", day, "--json"))["balance"]
        for day in ("2026-01-04", "2026-01-05", "2026-01-06", "2026-01-07", "2026-01-10")
    }
    assert as_of == {
        "2026-01-04": "0.00", "2026-01-05": "10000.00", "2026-01-06": "5999.00",
        "2026-01-07": "5926.50", "2026-01-10": "5526.50",
    }
    rows = json.loads(ok("history", "--json"))
    assert [
        (r["date"], r["type"], r["number"], r["amount"], r["balance"], r["counterparty"])
        for r in rows
    ] == [
        ("2026-01-05", "FundsDeposited", None, "10000.00", "10000.00", None),
        ("2026-01-06", "CheckWritten", 101, "-4000.00", "6000.00", None),
        ("2026-01-06", "CheckWritten", 250, "-1.00", "5999.00", None),
        ("2026-01-07", "CheckWritten", 102, "-12.50", "5986.50", None),
        ("2026-01-07", "CashWithdrawn", None, "-60.00", "5926.50", None),
        ("2026-01-08", "TransferSent", None, "-500.00", "5426.50", "savings"),
        ("2026-01-10", "TransferReceived", None, "100.00", "5526.50", "savings"),
        ("2026-01-11", "CheckWritten", 251, "-26.50", "5500.00", None),
    ]
    assert (rows[0]["payee"], rows[0]["memo"]) == ("Employer, Inc.", "salary\nJanuary")
    assert (rows[1]["payee"], rows[1]["memo"]) == ("Landlord", 'rent "Jan", flat 2')
    savings = json.loads(ok("history", "-a", "savings", "--json"))
    assert [(r["date"], r["amount"], r["balance"]) for r in savings] == [
        ("2026-01-08", "500.00", "500.00"),
        ("2026-01-09", "25.10", "525.10"),
        ("2026-01-10", "-100.00", "425.10"),
    ]


# -- all or nothing ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger with checking at 95.00 and check 101, savings open, `old` closed, and one
    --id key remembered; made once, copied into each test that uses it (`copy_ledger`)."""
    db = tmp_path_factory.mktemp("seeded") / "ledger.db"
    ok("deposit", "100", "--date", "2026-01-05", db=db)
    ok("check", "10", "--number", "101", "--date", "2026-01-06", db=db)
    ok("deposit", "5", "--date", "2026-01-06", "--id", "seed-key", db=db)
    ok("open", "savings", "--date", "2026-01-01", db=db)
    ok("open", "old", "--date", "2026-01-01", db=db)
    ok("close", "old", "--date", "2026-01-02", db=db)
    return db


HEADER = "date,type,amount,account,number,to,memo"
GOOD = "2026-01-07,deposit,1,,,,fine"
_FAR = (today_utc() + timedelta(days=400)).isoformat()

# (the row on line 4, the row on line 2, words the reason must contain); line 3 is blank.
_DENIED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "overdraft": ("2026-01-07,withdraw,1000,,,,", GOOD, ("insufficient funds",)),
    "unknown-account": (
        "2026-01-07,deposit,5,chekcing,,,", GOOD, ("no account 'chekcing'", "checking")
    ),
    "closed-account": ("2026-01-07,deposit,5,old,,,", GOOD, ("closed",)),
    "before-1970": ("1969-12-31,deposit,5,savings,,,", GOOD, ("1969-12-31", "before 1970")),
    "check-number-used-in-ledger": ("2026-01-07,check,5,,101,,", GOOD, ("101", "already used")),
    "exponent-amount": ("2026-01-07,deposit,1e3,,,,", GOOD, ("'1e3'",)),
    "negative-amount": ("2026-01-07,deposit,-5,,,,", GOOD, ("'-5'",)),
    "zero-amount": ("2026-01-07,deposit,0.00,,,,", GOOD, ("'0.00'",)),
    "too-many-decimals": ("2026-01-07,deposit,1.005,,,,", GOOD, ("'1.005'", "decimals")),
    "empty-amount": ("2026-01-07,deposit,,,,,", GOOD, ("amount",)),
    "not-a-number": ("2026-01-07,deposit,ten,,,,", GOOD, ("'ten'",)),
    "impossible-date": ("2026-02-30,deposit,5,,,,", GOOD, ("2026-02-30",)),
    "not-a-date": ("03/01/2026,deposit,5,,,,", GOOD, ("03/01/2026",)),
    "date-too-far-ahead": (f"{_FAR},deposit,5,,,,", GOOD, (_FAR, "too far ahead")),
    "transfer-without-to": ("2026-01-07,transfer,5,,,,", GOOD, ("'to'",)),
    "transfer-to-unknown": ("2026-01-07,transfer,5,,,savngs,", GOOD, ("savngs", "savings")),
    "transfer-to-itself": ("2026-01-07,transfer,5,,,checking,", GOOD, ("itself",)),
    "number-on-a-deposit": ("2026-01-07,deposit,5,,7,,", GOOD, ("number",)),
    "to-on-a-check": ("2026-01-07,check,5,,,savings,", GOOD, ("'to'",)),
    "check-number-zero": ("2026-01-07,check,5,,0,,", GOOD, ("0",)),
    "check-number-not-whole": ("2026-01-07,check,5,,12a,,", GOOD, ("12a",)),
    "unknown-type": ("2026-01-07,refund,5,,,,", GOOD, ("'refund'",)),
    "empty-type": ("2026-01-07,,5,,,,", GOOD, ("type",)),
    "too-few-fields": ("2026-01-07,deposit,5", GOOD, ("3 fields", "7")),
    "too-many-fields": ("2026-01-07,deposit,5,,,,,x", GOOD, ("8 fields", "7")),
    # Denied only because of the row on line 2 of the same file:
    "two-checks-overdraw-together": (
        "2026-01-08,check,60,,,,", "2026-01-07,check,60,,,,", ("insufficient funds",)
    ),
    "check-number-used-earlier-in-file": (
        "2026-01-08,check,1,,300,,", "2026-01-07,check,1,,300,,", ("300", "already used")
    ),
    "drained-by-earlier-transfer": (
        "2026-01-08,withdraw,10,,,,", "2026-01-07,transfer,90,,,savings,", ("insufficient",)
    ),
}


def _denied_file(tmp_path: Path, bad: str, before: str) -> Path:
    text = f"{HEADER}\n{before}\n\n{bad}\n{GOOD}\n"
    return write(tmp_path / "rows.csv", text)


@pytest.mark.parametrize("case", list(_DENIED))
def test_a_denied_row_stops_the_import_and_nothing_changes(
    case: str, seeded: Path, tmp_path: Path, ledger_db: Path
) -> None:
    bad, before, words = _DENIED[case]
    copy_ledger(seeded, ledger_db)
    snap = snapshot(ledger_db)
    code, out, err = cli("import", str(_denied_file(tmp_path, bad, before)))
    assert (code, out) == (1, "")
    message = one_line_error(err)
    assert "line 4: " in message and "nothing was imported" in message, message
    for word in words:
        assert word in message, message
    assert snapshot(ledger_db) == snap
    assert balances() == {"checking": "95.00", "old": "0.00", "savings": "0.00"}


@pytest.mark.parametrize("case", ["overdraft", "exponent-amount", "too-few-fields"])
def test_a_denied_import_into_a_missing_ledger_leaves_no_ledger(
    run_ledger: LedgerProcess, case: str, tmp_path: Path, ledger_db: Path
) -> None:
    bad, _, words = _DENIED[case]
    source = _denied_file(tmp_path, bad, "2026-01-07,deposit,100,,,,")
    code, out, err = run_ledger.run("import", str(source))
    assert (code, out) == (1, "")
    assert "line 4: " in one_line_error(err) and words[0] in err
    assert not ledger_db.exists() or ledger_db.stat().st_size == 0
    for query in (("balance",), ("history",), ("audit",), ("reconcile",), ("digest",)):
        code, out, err = cli(*query)
        assert code == 1 and out == "", (query, out, err)
        assert "no ledger" in one_line_error(err)
    # The next good import makes it a ledger.
    code, _, err = cli("import", str(write(tmp_path / "good.csv", f"{HEADER}\n{GOOD}\n")))
    assert code == 0, err
    assert balances() == {"checking": "1.00"}


def test_a_denied_import_through_the_installed_cli(
    run_ledger: LedgerProcess, seeded: Path, tmp_path: Path, ledger_db: Path
) -> None:
    copy_ledger(seeded, ledger_db)
    snap = snapshot(ledger_db)
    source = _denied_file(tmp_path, "2026-01-08,check,60,,,,", "2026-01-07,check,60,,,,")
    code, out, err = run_ledger.run("import", str(source), "--json")
    assert (code, out) == (1, "")
    message = one_line_error(err)
    assert message.startswith("ledger: line 4: insufficient funds"), message
    assert snapshot(ledger_db) == snap


def test_a_row_in_a_period_sealed_by_a_statement_is_denied(tmp_path: Path, ledger_db: Path) -> None:
    ok("deposit", "100", "--date", "2026-01-05")
    ok("clear", "T1")
    ok("reconcile", "-a", "checking", "--statement-date", "2026-01-05",
       "--statement-balance", "100")
    snap = snapshot(ledger_db)
    text = f"{HEADER}\n2026-01-06,deposit,1,,,,\n2026-01-05,deposit,2,,,,\n"
    code, out, err = cli("import", str(write(tmp_path / "late.csv", text)))
    assert (code, out) == (1, "")
    message = one_line_error(err)
    assert "line 3: " in message and "2026-01-05" in message, message
    assert snapshot(ledger_db) == snap


def test_date_up_to_366_days_ahead_is_accepted_and_one_more_is_denied(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    last = today_utc() + timedelta(days=366)
    ok("deposit", "100", "--date", "2026-01-01")
    before = audit()
    beyond = f"{HEADER}\n{last.isoformat()},check,1,,,,\n{last + timedelta(days=1)},check,1,,,,\n"
    code, _, err = run_ledger.run("import", str(write(tmp_path / "a.csv", beyond)))
    assert code == 1 and "line 3: " in one_line_error(err) and "too far ahead" in err
    assert audit() == before
    code, _, err = run_ledger.run(
             "import", str(write(tmp_path / "b.csv", f"{HEADER}\n{last},check,1,,,,\n"))
         )
    assert code == 0, err
    assert audit()[-1]["date"] == last.isoformat()


# (a line of NDJSON on line 3, after a good line and a blank one; words the reason must contain)
_NDJSON_DENIED: dict[str, tuple[str, tuple[str, ...]]] = {
    "array": ("[1, 2]", ("not a JSON object",)),
    "string": ('"deposit"', ("not a JSON object",)),
    "null": ("null", ("not a JSON object",)),
    "invalid-json": ('{"date": "2026-01-07", "type": "deposit"', ("not valid JSON",)),
    "unknown-key": ('{"date": "2026-01-07", "type": "deposit", "amount": 1, "colour": "red"}',
                    ("'colour'",)),
    "exponent": ('{"date": "2026-01-07", "type": "deposit", "amount": 1e3}', ("1e3",)),
    "exponent-upper": ('{"date": "2026-01-07", "type": "deposit", "amount": 1E3}', ("1E3",)),
    "nan": ('{"date": "2026-01-07", "type": "deposit", "amount": NaN}', ("NaN",)),
    "infinity": ('{"date": "2026-01-07", "type": "deposit", "amount": Infinity}', ("Infinity",)),
    "negative-infinity": (
        '{"date": "2026-01-07", "type": "deposit", "amount": -Infinity}', ("Infinity",)
    ),
    "negative-number": ('{"date": "2026-01-07", "type": "deposit", "amount": -5}', ("-5",)),
    "boolean-amount": ('{"date": "2026-01-07", "type": "deposit", "amount": true}', ("amount",)),
    "object-amount": ('{"date": "2026-01-07", "type": "deposit", "amount": {"a": 1}}',
                      ("amount",)),
    # As a float these would round to an acceptable 12.50 / 1.00; as digits they are not.
    "digits-beyond-float": (
        '{"date": "2026-01-07", "type": "deposit", "amount": 12.50000000000000000001}',
        ("12.50000000000000000001", "decimals"),
    ),
    "tiny-fraction": (
        '{"date": "2026-01-07", "type": "deposit", "amount": 1.0000000000000001}',
        ("1.0000000000000001",),
    ),
    "missing-amount": ('{"date": "2026-01-07", "type": "deposit"}', ("amount",)),
    "overdraft": ('{"date": "2026-01-07", "type": "withdraw", "amount": 1000}',
                  ("insufficient funds",)),
    "check-number-as-float": (
        '{"date": "2026-01-07", "type": "check", "amount": 1, "number": 102.0}', ("102.0",)
    ),
}


@pytest.mark.parametrize("case", list(_NDJSON_DENIED))
def test_a_denied_ndjson_line_stops_the_import(
    case: str, seeded: Path, tmp_path: Path, ledger_db: Path
) -> None:
    bad, words = _NDJSON_DENIED[case]
    copy_ledger(seeded, ledger_db)
    snap = snapshot(ledger_db)
    good = '{"date": "2026-01-07", "type": "deposit", "amount": 1}'
    source = write(tmp_path / "rows.ndjson", f"{good}\n\n{bad}\n{good}\n")
    code, out, err = cli("import", str(source))
    assert (code, out) == (1, "")
    message = one_line_error(err)
    assert "line 3: " in message and "nothing was imported" in message, message
    for word in words:
        assert word in message, message
    assert snapshot(ledger_db) == snap


def test_ndjson_nan_is_one_line_and_no_traceback_through_the_installed_cli(
    run_ledger: LedgerProcess, tmp_path: Path, ledger_db: Path
) -> None:
    line = '{"date": "2026-01-07", "type": "deposit", "amount": NaN}\n'
    code, out, err = run_ledger.run("import", str(write(tmp_path / "nan.ndjson", line)))
    assert (code, out) == (1, "")
    assert "line 1: " in one_line_error(err) and "NaN" in err
    assert_no_ledger(ledger_db)


def test_ndjson_float_amounts_are_read_as_their_digits(tmp_path: Path) -> None:
    lines = [
        '{"date": "2026-01-07", "type": "deposit", "amount": 12.5}',
        '{"date": "2026-01-07", "type": "deposit", "amount": 0.1}',
        '{"date": "2026-01-07", "type": "deposit", "amount": 0.2}',
        '{"date": "2026-01-07", "type": "deposit", "amount": 9999999999999.99, "account": "big"}',
        '{"date": "2026-01-07", "type": "check", "amount": 2.50, "number": 7}',
    ]
    ok("open", "big", "--date", "2026-01-01")
    code, out, err = cli("import", str(write(tmp_path / "f.ndjson", "\n".join(lines))), "--json")
    assert code == 0, err
    amounts = [(e["amount"], e["number"]) for e in audit() if e["type"] != "AccountOpened"]
    assert amounts == [
        ("12.50", None), ("0.10", None), ("0.20", None), ("9999999999999.99", None),
        ("-2.50", 7),
    ]
    assert json.loads(out)["balances"] == {"big": "9999999999999.99", "checking": "10.30"}


# -- --skip-denied ---------------------------------------------------------------------------------


def test_skip_denied_reports_each_denied_row_and_imports_the_others(
    run_ledger: LedgerProcess, seeded: Path, tmp_path: Path, ledger_db: Path
) -> None:
    copy_ledger(seeded, ledger_db)
    before = audit()
    text = "\n".join([
        HEADER,
        "2026-01-07,deposit,50,,,,ok",          # 2: 145.00
        "2026-01-07,withdraw,1000,,,,",         # 3: insufficient funds
        "2026-01-07,check,100,,300,,",          # 4: 45.00
        "2026-01-07,check,5,,300,,",            # 5: number used on line 4
        "2026-01-07,deposit,1e3,,,,",           # 6: exponent
        "2026-01-07,deposit",                   # 7: 2 fields
        "2026-01-08,withdraw,40,,,,",           # 8: 5.00
        "2026-01-08,check,10,,,,",              # 9: only 5.00 left
        "",
    ])
    code, out, err = run_ledger.run("import", str(write(tmp_path / "rows.csv", text)),
                                    "--skip-denied", "--json")
    assert code == 0, err
    assert "Traceback" not in err
    reported = err.strip().splitlines()
    expected = [
        (3, "insufficient funds"), (5, "300"), (6, "1e3"), (7, "2 fields"),
        (9, "insufficient funds"),
    ]
    assert len(reported) == len(expected), err
    for message, (line, word) in zip(reported, expected, strict=True):
        assert f"line {line} skipped: " in message and word in message, message
    result = json.loads(out)
    assert [item["line"] for item in result["skipped"]] == [line for line, _ in expected]
    for item, (_, word) in zip(result["skipped"], expected, strict=True):
        assert word in item["reason"], item
    assert (result["imported"], result["events"], result["repeated"]) == (3, 3, 0)
    assert result["balances"] == {"checking": "5.00"}
    new = audit()[len(before):]
    assert [(e["type"], e["amount"], e["number"]) for e in new] == [
        ("FundsDeposited", "50.00", None), ("CheckWritten", "-100.00", 300),
        ("CashWithdrawn", "-40.00", None),
    ]
    assert balances()["checking"] == "5.00"


def test_skip_denied_with_every_row_denied_appends_nothing(
    seeded: Path, tmp_path: Path, ledger_db: Path
) -> None:
    copy_ledger(seeded, ledger_db)
    snap = snapshot(ledger_db)
    text = f"{HEADER}\n2026-01-07,withdraw,1000,,,,\n2026-01-07,refund,1,,,,\n"
    code, out, err = cli("import", str(write(tmp_path / "r.csv", text)), "--skip-denied",
                         "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["imported"], result["events"]) == (0, 0)
    assert [item["line"] for item in result["skipped"]] == [2, 3]
    assert snapshot(ledger_db) == snap


def test_skip_denied_goes_on_after_a_row_that_is_not_valid_csv(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    text = "\n".join([
        "date,type,amount,memo",
        "2026-01-05,deposit,1,a",
        '2026-01-05,deposit,2,"x"y',  # csv: ',' expected after '"'
        "2026-01-05,deposit,4,b",
        "2026-01-05,deposit,8,c",
        "",
    ])
    code, out, err = run_ledger.run("import", str(write(tmp_path / "q.csv", text)), "--skip-denied",
                                    "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [item["line"] for item in result["skipped"]] == [3]
    assert result["balances"] == {"checking": "13.00"}


def test_a_row_that_is_not_valid_csv_denies_the_whole_import(
    seeded: Path, tmp_path: Path, ledger_db: Path
) -> None:
    copy_ledger(seeded, ledger_db)
    snap = snapshot(ledger_db)
    text = 'date,type,amount,memo\n2026-01-05,deposit,1,a\n2026-01-05,deposit,2,"x"y\n'
    code, out, err = cli("import", str(write(tmp_path / "q.csv", text)))
    assert (code, out) == (1, "")
    assert "line 3: " in one_line_error(err) and "CSV" in err
    assert snapshot(ledger_db) == snap


# -- id: idempotency keys ------------------------------------------------------------------------

_KEYED = [
    {"date": "2026-01-05", "type": "deposit", "amount": "1,000", "payee": "Employer",
     "id": "bank-1"},
    {"date": "2026-01-06", "type": "check", "amount": "40", "number": "101", "id": "bank-2"},
    {"date": "2026-01-06", "type": "check", "amount": "5", "id": "bank-3"},
    {"date": "2026-01-07", "type": "withdraw", "amount": "20", "memo": "ATM", "id": "bank-4"},
    {"date": "2026-01-08", "type": "transfer", "amount": "100", "to": "savings",
     "id": "bank-5"},
]


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_importing_the_same_file_again_appends_nothing(
    run_ledger: LedgerProcess, fmt: str, tmp_path: Path
) -> None:
    ok("open", "savings", "--date", "2026-01-01")
    content = csv_text(_KEYED) if fmt == "csv" else ndjson_text(_KEYED, numbers=True)
    source = write(tmp_path / f"march.{fmt}", content)
    code, out, err = run_ledger.run("import", str(source), "--json")
    assert code == 0, err
    assert (json.loads(out)["imported"], json.loads(out)["repeated"]) == (5, 0)
    after_first = audit()
    code, out, err = run_ledger.run("import", str(source), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "imported": 0, "events": 0, "first_ref": None, "last_ref": None, "repeated": 5,
        "skipped": [], "balances": {},
    }
    assert audit() == after_first
    code, out, _ = cli("import", str(source))
    assert code == 0 and "5 already imported" in out
    assert audit() == after_first
    assert balances() == {"checking": "835.00", "savings": "100.00"}


def test_an_id_reused_for_a_different_row_is_denied(tmp_path: Path, ledger_db: Path) -> None:
    ok("open", "savings", "--date", "2026-01-01")
    code, _, err = cli("import", str(write(tmp_path / "a.csv", csv_text(_KEYED))))
    assert code == 0, err
    snap = snapshot(ledger_db)
    changed = [
        {"date": "2026-01-09", "type": "deposit", "amount": "7", "id": "bank-6"},
        {**_KEYED[3], "amount": "21"},  # bank-4 again, another amount
        {"date": "2026-01-09", "type": "deposit", "amount": "9", "id": "bank-7"},
    ]
    source = write(tmp_path / "b.csv", csv_text(changed))
    code, out, err = cli("import", str(source))
    assert (code, out) == (1, "")
    message = one_line_error(err)
    assert "line 3: " in message and "'bank-4'" in message and "different" in message, message
    assert snapshot(ledger_db) == snap


def test_skip_denied_skips_a_row_whose_id_an_earlier_import_used_differently(
    tmp_path: Path,
) -> None:
    ok("open", "savings", "--date", "2026-01-01")
    code, _, err = cli("import", str(write(tmp_path / "a.csv", csv_text(_KEYED))))
    assert code == 0, err
    changed = [
        {"date": "2026-01-09", "type": "deposit", "amount": "7", "id": "bank-6"},
        {**_KEYED[3], "amount": "21"},  # bank-4 again, another amount
        {"date": "2026-01-09", "type": "deposit", "amount": "9", "id": "bank-7"},
    ]
    source = write(tmp_path / "b.csv", csv_text(changed))
    code, out, err = cli("import", str(source), "--skip-denied", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [item["line"] for item in result["skipped"]] == [3]
    assert "bank-4" in result["skipped"][0]["reason"]
    assert "line 3 skipped: " in err
    assert (result["imported"], result["repeated"]) == (2, 0)
    assert balances()["checking"] == "851.00"


@pytest.mark.parametrize("second", ["100.00", "$100"])
def test_the_same_id_twice_in_one_file_with_the_same_content_imports_once(
    second: str, tmp_path: Path
) -> None:
    rows = [
        {"date": "2026-01-05", "type": "deposit", "amount": "100", "id": "k"},
        {"date": "2026-01-05", "type": "deposit", "amount": "3", "id": "j"},
        {"date": "2026-01-05", "type": "deposit", "amount": second, "id": "k"},
    ]
    code, out, err = cli("import", str(write(tmp_path / "a.csv", csv_text(rows))), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["imported"], result["repeated"]) == (2, 1)
    assert balances() == {"checking": "103.00"}


def test_the_same_id_twice_in_one_file_with_other_content_is_denied(
    tmp_path: Path, ledger_db: Path
) -> None:
    rows = [
        {"date": "2026-01-05", "type": "deposit", "amount": "100", "id": "k"},
        {"date": "2026-01-05", "type": "deposit", "amount": "100", "payee": "X", "id": "k"},
    ]
    code, out, err = cli("import", str(write(tmp_path / "a.csv", csv_text(rows))))
    assert (code, out) == (1, "")
    assert "line 3: " in one_line_error(err) and "'k'" in err
    assert_no_ledger(ledger_db)


# A single command and the import row that is the same command (key "k1").
_SAME_COMMAND: dict[str, tuple[list[str], dict[str, str]]] = {
    "deposit": (
        ["deposit", "100.00", "--date", "2026-01-05", "--payee", "Employer", "-m", "pay"],
        {"date": "2026-01-05", "type": "deposit", "amount": "100", "payee": "Employer",
         "memo": "pay"},
    ),
    "check-numbered": (
        ["check", "$40", "--date", "2026-01-06", "--number", "101", "--payee", "Landlord"],
        {"date": "2026-01-06", "type": "check", "amount": "40.00", "number": "101",
         "payee": "Landlord"},
    ),
    "check-unnumbered": (
        ["check", "4", "--date", "2026-01-06"],
        {"date": "2026-01-06", "type": "check", "amount": "4"},
    ),
    "withdraw": (
        ["withdraw", "20", "--date", "2026-01-07", "-m", "ATM"],
        {"date": "2026-01-07", "type": "withdraw", "amount": "20", "memo": "ATM"},
    ),
    "transfer": (
        ["transfer", "50", "--from", "checking", "--to", "savings", "--date", "2026-01-08"],
        {"date": "2026-01-08", "type": "transfer", "amount": "50", "to": "savings"},
    ),
}


def _keyed_setup() -> None:
    ok("open", "savings", "--date", "2026-01-01")
    ok("deposit", "500", "--date", "2026-01-02")


@pytest.mark.parametrize("case", list(_SAME_COMMAND))
def test_an_id_from_a_single_command_is_recognised_by_import(
    case: str, tmp_path: Path, ledger_db: Path
) -> None:
    args, row = _SAME_COMMAND[case]
    _keyed_setup()
    ok(*args, "--id", "k1")
    snap = snapshot(ledger_db)
    same = write(tmp_path / "same.csv", csv_text([{**row, "id": "k1"}]))
    code, out, err = cli("import", str(same), "--json")
    assert code == 0, err
    assert (json.loads(out)["imported"], json.loads(out)["repeated"]) == (0, 1)
    assert snapshot(ledger_db) == snap
    other = write(tmp_path / "other.csv", csv_text([{**row, "date": "2026-01-09", "id": "k1"}]))
    code, out, err = cli("import", str(other))
    assert (code, out) == (1, "")
    assert "line 2: " in one_line_error(err) and "'k1'" in err
    assert snapshot(ledger_db) == snap


@pytest.mark.parametrize("case", list(_SAME_COMMAND))
def test_an_id_from_an_import_is_recognised_by_the_single_command(
    case: str, tmp_path: Path, ledger_db: Path
) -> None:
    args, row = _SAME_COMMAND[case]
    _keyed_setup()
    code, out, err = cli(
        "import", str(write(tmp_path / "a.csv", csv_text([{**row, "id": "k1"}]))), "--json"
    )
    assert code == 0, err
    ref = json.loads(out)["first_ref"]
    snap = snapshot(ledger_db)
    code, out, err = cli(*args, "--id", "k1", "--json")
    assert code == 0, err
    assert json.loads(out)["ref"] == ref
    assert "already recorded" in err
    assert snapshot(ledger_db) == snap
    code, out, err = cli(*args, "--memo", "another", "--id", "k1")
    assert (code, out) == (1, "")
    assert "'k1'" in one_line_error(err)
    assert snapshot(ledger_db) == snap


def test_a_single_command_id_is_recognised_by_an_import_from_stdin(
    run_ledger: LedgerProcess
) -> None:
    code, _, err = run_ledger.run("deposit", "100", "--date", "2026-01-05", "--id", "pay-1")
    assert code == 0, err
    before = audit()
    rows = [
        {"date": "2026-01-05", "type": "deposit", "amount": "100.00", "id": "pay-1"},
        {"date": "2026-01-06", "type": "deposit", "amount": "1", "id": "pay-2"},
    ]
    code, out, err = run_ledger.run("import", "-", "--json", stdin=ndjson_text(rows).encode())
    assert (code, err) == (0, "")
    assert (json.loads(out)["imported"], json.loads(out)["repeated"]) == (1, 1)
    assert len(audit()) == len(before) + 1


def test_skip_denied_skips_a_row_whose_id_a_single_command_used_differently(
    run_ledger: LedgerProcess, tmp_path: Path,
) -> None:
    ok("deposit", "100", "--date", "2026-01-05", "--id", "k1")
    rows = [
        {"date": "2026-01-05", "type": "deposit", "amount": "200", "id": "k1"},
        {"date": "2026-01-06", "type": "deposit", "amount": "5", "id": "k2"},
    ]
    code, out, err = run_ledger.run("import", str(write(tmp_path / "a.csv", csv_text(rows))),
                                    "--skip-denied", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [item["line"] for item in result["skipped"]] == [2]
    assert balances() == {"checking": "105.00"}
    # The key still names the first command.
    code, out, err = cli("deposit", "100", "--date", "2026-01-05", "--id", "k1", "--json")
    assert code == 0 and json.loads(out)["ref"] == "T1", err


def test_skip_denied_skips_a_row_whose_id_was_denied_before(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    code, _, _ = cli("check", "100", "--date", "2026-01-05", "--id", "k9")
    assert code == 1
    rows = [
        {"date": "2026-01-05", "type": "check", "amount": "100", "id": "k9"},
        {"date": "2026-01-06", "type": "deposit", "amount": "5", "id": "k2"},
    ]
    code, out, err = run_ledger.run("import", str(write(tmp_path / "a.csv", csv_text(rows))),
                                    "--skip-denied", "--json")
    assert code == 0, err
    assert [item["line"] for item in json.loads(out)["skipped"]] == [2]
    assert balances() == {"checking": "5.00"}


def test_a_row_whose_id_was_denied_before_is_denied_again(tmp_path: Path) -> None:
    code, _, denial = cli("check", "100", "--date", "2026-01-05", "--id", "k9")
    assert code == 1
    ok("deposit", "1000", "--date", "2026-01-05")  # the check would now pass
    before = audit()
    rows = [{"date": "2026-01-05", "type": "check", "amount": "100", "id": "k9"}]
    code, out, err = cli("import", str(write(tmp_path / "a.csv", csv_text(rows))))
    assert (code, out) == (1, "")
    assert "line 2: " in one_line_error(err) and "insufficient funds" in err
    assert "insufficient funds" in denial
    assert audit() == before


@pytest.mark.parametrize(
    "key", ["x" * 201, "tab\there", "new\nline"], ids=["201-chars", "tab", "newline"]
)
def test_an_id_that_the_option_refuses_is_refused_in_a_file_too(
    key: str, tmp_path: Path, ledger_db: Path
) -> None:
    code, _, err = cli("deposit", "1", "--date", "2026-01-05", "--id", key)
    assert code == 1 and "--id" in err
    rows = [{"date": "2026-01-05", "type": "deposit", "amount": "1", "id": key}]
    code, out, err = cli("import", str(write(tmp_path / "a.ndjson", ndjson_text(rows))))
    assert (code, out) == (1, "")
    assert "line 1: " in one_line_error(err)
    assert_no_ledger(ledger_db)


# -- bad files -----------------------------------------------------------------------------------

_BAD_HEADERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "unknown-column": ("date,type,amount,colour", ("line 1", "'colour'")),
    "no-amount": ("date,type,payee", ("line 1", "'amount'")),
    "no-date": ("type,amount", ("line 1", "'date'")),
    "column-twice": ("date,type,amount,memo,memo", ("line 1", "twice")),
}


@pytest.mark.parametrize("case", list(_BAD_HEADERS))
def test_a_bad_header_is_refused(
    case: str, seeded: Path, tmp_path: Path, ledger_db: Path
) -> None:
    header, words = _BAD_HEADERS[case]
    copy_ledger(seeded, ledger_db)
    snap = snapshot(ledger_db)
    row = ",".join("2026-01-07" if n == "date" else "deposit" if n == "type" else "1"
                   for n in header.split(","))
    code, out, err = cli("import", str(write(tmp_path / "h.csv", f"{header}\n{row}\n")))
    assert (code, out) == (1, "")
    message = one_line_error(err)
    for word in words:
        assert word in message, message
    assert snapshot(ledger_db) == snap


def test_header_names_are_matched_without_case_or_spaces(tmp_path: Path) -> None:
    text = " Date ,TYPE, Amount\n2026-01-05,Deposit,7\n"
    code, _, err = cli("import", str(write(tmp_path / "h.csv", text)))
    assert code == 0, err
    assert balances() == {"checking": "7.00"}


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_a_missing_file_or_a_folder_is_refused_in_one_line(
    run_ledger: LedgerProcess, what: str, tmp_path: Path, ledger_db: Path
) -> None:
    target = tmp_path / ("nowhere.csv" if what == "missing" else "a-folder.csv")
    if what == "folder":
        target.mkdir()
    code, out, err = run_ledger.run("import", str(target))
    assert (code, out) == (1, "")
    message = one_line_error(err)
    assert str(target) in message
    assert ("folder" if what == "folder" else "No such file") in message
    assert_no_ledger(ledger_db)


def test_an_unknown_format_is_refused(tmp_path: Path, ledger_db: Path) -> None:
    source = write(tmp_path / "a.csv", f"{HEADER}\n{GOOD}\n")
    code, out, err = cli("import", str(source), "--format", "xml")
    assert (code, out) == (1, "")
    assert "'xml'" in one_line_error(err)
    assert_no_ledger(ledger_db)


def _latin1_file(tmp_path: Path, bad_line: int) -> Path:
    lines = [b"date,type,amount,memo"]
    lines += [b"2026-01-05,deposit,1,ok"] * (bad_line - 2)
    lines += [b"2026-01-05,deposit,1,caf\xe9", b"2026-01-05,deposit,1,ok"]
    return write(tmp_path / "latin1.csv", b"\n".join(lines) + b"\n")


@pytest.mark.parametrize("existing", [True, False], ids=["existing-ledger", "no-ledger"])
def test_a_file_that_is_not_utf8_is_refused_in_one_line(
    run_ledger: LedgerProcess, existing: bool, seeded: Path, tmp_path: Path, ledger_db: Path
) -> None:
    if existing:
        copy_ledger(seeded, ledger_db)
        snap = snapshot(ledger_db)
    code, out, err = run_ledger.run("import", str(_latin1_file(tmp_path, 5)))
    assert (code, out) == (1, "")
    assert "UTF-8" in one_line_error(err)
    if existing:
        assert snapshot(ledger_db) == snap
    else:
        assert_no_ledger(ledger_db)
    code, out, err = run_ledger.run("import", "-", stdin=_latin1_file(tmp_path, 5).read_bytes())
    assert (code, out) == (1, "")
    assert "UTF-8" in one_line_error(err)


@pytest.mark.parametrize("bad_line", [42, 1002])
def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte(
    bad_line: int, tmp_path: Path
) -> None:
    code, _, err = cli("import", str(_latin1_file(tmp_path, bad_line)))
    assert code == 1
    assert f"line {bad_line} " in one_line_error(err), err


def test_a_denied_multiline_row_is_named_by_the_line_it_starts_on(tmp_path: Path) -> None:
    text = 'date,type,amount,memo\n2026-01-05,deposit,1,ok\n2026-01-05,withdraw,50,"two\nlines"\n'
    code, _, err = cli("import", str(write(tmp_path / "m.csv", text)))
    assert code == 1
    assert "line 3: " in one_line_error(err), err


def test_line_numbers_count_lines_of_multiline_fields_and_blank_lines(
    tmp_path: Path, ledger_db: Path
) -> None:
    text = (
        'date,type,amount,memo\r\n2026-01-05,deposit,5,"a, b\r\nc"\r\n\r\n'
        '2026-01-05,withdraw,1,"q ""x"""\r\n2026-01-05,withdraw,9,\r\n'
    )
    code, _, err = cli("import", str(write(tmp_path / "m.csv", text)))
    assert code == 1
    assert "line 6: " in one_line_error(err) and "insufficient funds" in err
    assert_no_ledger(ledger_db)
    code, out, err = cli("import", str(tmp_path / "m.csv"), "--skip-denied", "--json")
    assert code == 0, err
    assert [item["line"] for item in json.loads(out)["skipped"]] == [6]
    memos = [e["memo"] for e in audit() if e["type"] != "AccountOpened"]
    assert memos == ["a, b\r\nc", 'q "x"']


def test_an_empty_file_and_a_header_alone_import_nothing(
    seeded: Path, tmp_path: Path, ledger_db: Path
) -> None:
    copy_ledger(seeded, ledger_db)
    before = audit()
    for name, text in (("empty.csv", ""), ("header.csv", f"{HEADER}\r\n\r\n")):
        code, out, err = cli("import", str(write(tmp_path / name, text)), "--json")
        assert code == 0, err
        assert (json.loads(out)["imported"], json.loads(out)["events"]) == (0, 0)
    assert audit() == before


# -- a long file -----------------------------------------------------------------------------------


def test_a_5000_row_import_is_exact_and_quiet(run_ledger: LedgerProcess, tmp_path: Path) -> None:
    rng = random.Random(5000)
    start = date(2025, 1, 1)
    rows: list[tuple[date, str, int, str]] = [(start, "deposit", 10**10, "opening")]
    for n in range(4999):
        day = start + timedelta(days=rng.randrange(365))
        kind = rng.choice(["deposit", "check", "withdraw"])
        rows.append((day, kind, rng.randrange(1, 2_000_00), f"row {n} " + "x" * 200))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "type", "amount", "memo"])
    for day, kind, cents, memo in rows:
        writer.writerow([day.isoformat(), kind, f"{Decimal(cents).scaleb(-2):.2f}", memo])
    source = write(tmp_path / "year.csv", out.getvalue())
    assert source.stat().st_size > 1_000_000  # long enough for a progress bar on a terminal

    code, stdout, stderr = run_ledger.run("import", str(source), "--json")
    assert (code, stderr) == (0, "")  # no progress bar when stderr is not a terminal
    result = json.loads(stdout)
    assert (result["imported"], result["events"]) == (5000, 5001)

    def signed(kind: str, cents: int) -> int:
        return cents if kind == "deposit" else -cents

    def money(cents: int) -> str:
        return f"{Decimal(cents).scaleb(-2):.2f}"

    total = sum(signed(kind, cents) for _, kind, cents, _ in rows)
    assert result["balances"] == {"checking": money(total)}
    code, _, err = run_ledger.run("reconcile")
    assert code == 0, err
    for day in (date(2024, 12, 31), start, date(2025, 3, 15), date(2025, 7, 1),
                date(2025, 12, 31)):
        expected = sum(signed(kind, cents) for on, kind, cents, _ in rows if on <= day)
        code, out, err = run_ledger.run("balance", "--as-of", day.isoformat(), "--json")
        assert code == 0, err
        assert json.loads(out)["balance"] == money(expected), day
    # The register: effective date, then file order; a running balance on each row.
    ordered = sorted(range(len(rows)), key=lambda i: (rows[i][0], i))
    running = 0
    register = []
    for i in ordered:
        day, kind, cents, memo = rows[i]
        running += signed(kind, cents)
        register.append((day.isoformat(), memo, money(signed(kind, cents)), money(running)))
    code, out, err = run_ledger.run("history", "--limit", "5", "--json")
    assert code == 0, err
    last = [(r["date"], r["memo"], r["amount"], r["balance"]) for r in json.loads(out)]
    assert last == register[-5:]


def test_a_row_with_check_number_0_is_denied_and_its_id_remembered(tmp_path: Path) -> None:
    """Number 0 is the decider's to refuse, like `check --number 0`: under --skip-denied the
    denial is kept under the row's id, so the same id with another number stays denied."""
    first = write(tmp_path / "a.csv", "date,type,amount,number,id\n2026-03-07,check,5,0,r7\n")
    code, _, err = cli("import", str(first), "--skip-denied")
    assert code == 0 and "check number 0 is not valid" in err, err
    again = write(tmp_path / "b.csv", "date,type,amount,number,id\n2026-03-07,check,5,7,r7\n")
    code, out, err = cli("import", str(again), "--skip-denied")
    assert code == 0, err
    assert "id 'r7' was already used for a different command (denied)" in err
    assert out.startswith("Imported 0 transactions")
