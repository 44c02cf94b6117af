"""A ledger written before categories existed keeps working, through the installed `ledger`
(SPEC 11; README, "Files and environment"): a file of schema version 2 whose events carry no
category (nor do the voids of its transfers) answers every query without being changed, its
money as `uncategorized`, a legacy void of a transfer in no report and a legacy void of a
deposit cancelling it; the first write migrates it to version 3 (reconcile OK, read models equal
to a rebuild, `ledger rebuild` changes no answer, a report as known before the write is the one
printed before it); and `--id` keys recorded by the old version still repeat: the same command
under the same key appends nothing and answers with the original ref.

The old file is made by hand as the version before categories wrote it: the current tool
creates a ledger file, its log is emptied, the old events are appended with the chain rules of
docs/FORMAT.md (details as that version recorded them), the keys with that version's
fingerprints, the read models are derived (as the old tool kept them, current), and what
migration 0003 added is dropped, down to `PRAGMA user_version = 2`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    DROP_TRIGGERS,
    GENESIS,
    LedgerProcess,
    assert_read_models_current,
    edit_file,
    event_count,
)

from ledger_cli.store.sqlite import schema

HLEDGER = shutil.which("hledger")
BEAN_CHECK = shutil.which("bean-check", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")

# What version 2 had (`sqlite_schema` names, SQLite's own autoindexes left out), and what
# migrations 0003 to 0005 add to it (categories, their months, the schedules' occurrences).
VERSION_2_OBJECTS = {
    "_sqlite_migrations", "idx__sqlite_migrations_migration_set_name",
    "events", "events_account_date", "events_ref", "events_accounts", "events_status",
    "events_no_update", "events_no_delete", "events_append_at_head",
    "command_keys",
    "rm_accounts", "rm_transactions", "rm_checks", "rm_days", "rm_cleared",
    "rm_statement_rows", "rm_position",
}
VERSION_3_TABLES = [
    "rm_recategorized",
    "rm_category_days",
    "rm_category_months",
    "rm_payees",
    "rm_rules",
    "rm_budgets",
    "rm_occurrences",
    "documents",
]
VERSION_3_INDEXES = ["events_categories", "events_schedules", "events_documents"]

OPENED = {"currency": "USD", "overdraft_limit": 0}

# The old log: (ref, recorded_at, [(type, account, amount in cents, date, details)]), as the
# version before categories recorded it: no "category" anywhere, a void of a deposit with the
# payee of what it voids, a void of a transfer with its reason and ref only.
LEGACY: list[tuple[str, str, list[tuple[str, str, int, str, dict[str, Any]]]]] = [
    ("T1", "2026-01-01T09:00:00.000000Z",
     [("AccountOpened", "checking", 0, "2026-01-01", OPENED)]),
    ("T2", "2026-01-01T09:00:01.000000Z",
     [("AccountOpened", "savings", 0, "2026-01-01", OPENED)]),
    ("T3", "2026-01-02T18:30:00.000000Z",
     [("FundsDeposited", "checking", 300_000, "2026-01-02", {"payee": "Acme Corp"})]),
    ("T4", "2026-01-03T18:30:00.000000Z",
     [("CheckWritten", "checking", -120_000, "2026-01-03",
       {"number": 101, "payee": "Landlord"})]),
    ("T5", "2026-01-05T12:00:00.000000Z",
     [("CashWithdrawn", "checking", -6_000, "2026-01-05", {"memo": "cash"})]),
    ("T6", "2026-01-15T08:00:00.000000Z",
     [("TransferSent", "checking", -50_000, "2026-01-15", {"to": "savings"}),
      ("TransferReceived", "savings", 50_000, "2026-01-15", {"from": "checking"})]),
    ("T7", "2026-01-15T08:05:00.000000Z",
     [("TransactionVoided", "checking", 50_000, "2026-01-15", {"reason": "typo", "voids": "T6"}),
      ("TransactionVoided", "savings", -50_000, "2026-01-15",
       {"reason": "typo", "voids": "T6"})]),
    ("T8", "2026-01-20T10:00:00.000000Z",
     [("FundsDeposited", "checking", 9_900, "2026-01-20", {"payee": "Bonus"})]),
    ("T9", "2026-01-21T10:00:00.000000Z",
     [("TransactionVoided", "checking", -9_900, "2026-01-20",
       {"payee": "Bonus", "voids": "T8"})]),
    ("T10", "2026-02-01T07:00:00.000000Z",
     [("FeeCharged", "checking", -500, "2026-01-31", {"memo": "service charge"})]),
    ("T11", "2026-02-01T07:00:01.000000Z",
     [("InterestPaid", "savings", 125, "2026-01-31", {})]),
    ("T12", "2026-02-02T18:30:00.000000Z",
     [("FundsDeposited", "checking", 300_000, "2026-02-02", {"payee": "Acme Corp"})]),
    ("T13", "2026-02-03T18:30:00.000000Z",
     [("CheckWritten", "checking", -120_000, "2026-02-03",
       {"number": 102, "payee": "Landlord"})]),
]

# The commands the old version recorded under a key, as typed then, and their fields as that
# version's fingerprint saw them (every field of the command; amounts by value).
KEYED: list[tuple[str, list[str], str, dict[str, Any]]] = [
    ("pay-jan", ["deposit", "3000", "--date", "2026-01-02", "--payee", "Acme Corp"],
     "Deposit", {"amount": "3000", "date": date(2026, 1, 2), "account": "checking",
                 "payee": "Acme Corp", "memo": None, "force": False}),
    ("rent-jan", ["check", "1,200.00", "--number", "101", "--date", "2026-01-03",
                  "--payee", "Landlord"],
     "WriteCheck", {"amount": "1,200.00", "date": date(2026, 1, 3), "account": "checking",
                    "number": 101, "payee": "Landlord", "memo": None, "force": False,
                    "from_bank": False}),
    ("cash-jan", ["withdraw", "60", "-m", "cash", "--date", "2026-01-05"],
     "Withdraw", {"amount": "60", "date": date(2026, 1, 5), "account": "checking",
                  "memo": "cash", "force": False, "from_bank": False}),
    ("move-jan", ["transfer", "500", "--from", "checking", "--to", "savings",
                  "--date", "2026-01-15"],
     "Transfer", {"amount": "500", "date": date(2026, 1, 15), "source": "checking",
                  "target": "savings", "memo": None, "force": False}),
]
KEY_REFS = {"pay-jan": "T3", "rent-jan": "T4", "cash-jan": "T5", "move-jan": "T6"}


def old_fingerprint(kind: str, fields: dict[str, Any]) -> str:
    """The fingerprint the version before categories stored with a key: SHA-256 of the JSON
    of [command name, every field] (keys sorted, dates as text), the amount normalised by
    value ("1,200.00" and "1200" are both "1.2E+3")."""
    amount = Decimal(str(fields["amount"]).replace(",", "")).normalize()
    text = json.dumps([kind, {**fields, "amount": str(amount)}], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_details(details: dict[str, Any]) -> str:
    return json.dumps(details, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def append_legacy_log(path: Path) -> None:
    """Empty the log of `path` and append LEGACY with both chains, and KEYED's keys."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        triggers = [row[0] for row in conn.execute(
            "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'events'"
        )]
        assert len(triggers) == 3, triggers
        conn.execute("BEGIN")
        for statement in DROP_TRIGGERS.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("DELETE FROM events")
        conn.execute("DELETE FROM command_keys")
        for statement in triggers:
            conn.execute(statement)
        prev_hash, balances, seq = GENESIS, {"checking": 0, "savings": 0}, 0
        for ref, recorded_at, events in LEGACY:
            for kind, account, amount, day, details in events:
                seq += 1
                balances[account] += amount
                row = [seq, ref, kind, account, amount, balances[account], day, recorded_at,
                       canonical_details(details)]
                canonical = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
                digest = hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
                conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                             [*row, prev_hash, digest])
                prev_hash = digest
        recorded = {ref: at for ref, at, _ in LEGACY}
        for key, _, kind, fields in KEYED:
            ref = KEY_REFS[key]
            conn.execute("INSERT INTO command_keys VALUES (?, ?, ?, NULL, NULL, ?)",
                         [key, old_fingerprint(kind, fields), ref, recorded[ref]])
        conn.execute("COMMIT")
    finally:
        conn.close()


def schema_objects(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")
                if not row[0].startswith("sqlite_")}
    finally:
        conn.close()


def pragma(path: Path, name: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"PRAGMA {name}").fetchone()[0])
    finally:
        conn.close()


def migrations_of(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture
def old_ledger(ledger_db: Path, run_ledger: LedgerProcess) -> Path:
    """The test's ledger file, as the version before categories left it (module docstring)."""
    run_ledger.ok("open", "spare", "--date", "2026-01-01")  # a file of the current schema
    append_legacy_log(ledger_db)
    run_ledger.ok("rebuild")  # the read models, current, as the old tool kept them
    edit_file(
        ledger_db,
        *(f"DROP TABLE {name}" for name in VERSION_3_TABLES),
        *(f"DROP INDEX {name}" for name in VERSION_3_INDEXES),
        "DELETE FROM _sqlite_migrations WHERE name IN "
        "('0003_categories', '0004_category_months', '0005_schedules', '0006_documents')",
        "PRAGMA user_version = 2",
    )
    assert schema_objects(ledger_db) == VERSION_2_OBJECTS
    assert migrations_of(ledger_db) == ["0001_events", "0002_read_models"]
    assert pragma(ledger_db, "user_version") == 2
    assert event_count(ledger_db) == 15
    return ledger_db


def without_known_at(value: Any) -> Any:
    """A JSON answer without its `known_at` (the head's time, or now): the rest must agree."""
    if isinstance(value, dict):
        return {k: without_known_at(v) for k, v in value.items() if k != "known_at"}
    if isinstance(value, list):
        return [without_known_at(v) for v in value]
    return value


QUERIES = [
    ("report",),
    ("report", "--by", "year"),
    ("report", "-a", "savings"),
    ("report", "--payee"),
    ("history", "--all"),
    ("balance", "--all"),
    ("export", "--format", "hledger"),
]


def answers(run_ledger: LedgerProcess, *when: str) -> dict[tuple[str, ...], Any]:
    found: dict[tuple[str, ...], Any] = {}
    for query in QUERIES:
        if query[0] == "export":
            text = run_ledger.ok(*query, *when).stdout
            found[query] = [line for line in text.splitlines()
                            if not line.startswith("; known at")]
        else:
            found[query] = without_known_at(run_ledger.ok_json(*query, *when))
    return found


def test_queries_read_the_old_entries_as_uncategorized_and_change_nothing(
    old_ledger: Path, run_ledger: LedgerProcess
) -> None:
    before = old_ledger.read_bytes()
    report = run_ledger.ok_json("report")
    # Every old money entry is uncategorized: January 3000 - 1200 - 60 - 5 + 1.25, the
    # transfer and its void in no report, the bonus and its void cancelling; February
    # 3000 - 1200. Net over the report: income.
    assert report["periods"] == ["2026-01", "2026-02"]
    assert [(r["category"], r["section"], r["amounts"], r["total"]) for r in report["rows"]] == [
        ("uncategorized", "income", {"2026-01": "1736.25", "2026-02": "1800.00"}, "3536.25"),
    ]
    assert report["totals"] == {
        "income": {"2026-01": "1736.25", "2026-02": "1800.00"},
        "spending": {"2026-01": "0.00", "2026-02": "0.00"},
        "net": {"2026-01": "1736.25", "2026-02": "1800.00"},
    }

    # savings: the transfer in (500) and the legacy void of it (-500) are in no report; the
    # interest is its only money.
    savings = run_ledger.ok_json("report", "-a", "savings")
    assert [(r["category"], r["total"]) for r in savings["rows"]] == [("uncategorized", "1.25")]
    assert savings["totals"]["spending"] == {"2026-01": "0.00"}

    # the bonus and its legacy void: no payee row for it, nothing on its day
    by_payee = run_ledger.ok_json("report", "--payee")
    assert "Bonus" not in {row["payee"] for row in by_payee["rows"]}
    day = run_ledger.ok_json("report", "--since", "2026-01-20", "--as-of", "2026-01-20")
    assert day["rows"] == [] and day["totals"]["income"] == {"2026-01": "0.00"}

    rows = {(r["ref"], r["account"]): r for r in run_ledger.ok_json("history", "--all")}
    assert rows[("T3", "checking")]["category"] == "uncategorized"
    assert rows[("T4", "checking")]["category"] == "uncategorized"
    assert rows[("T6", "savings")]["category"] is None  # a transfer has none
    assert rows[("T7", "savings")]["category"] is None  # nor does the void of one
    assert rows[("T8", "checking")]["voided_by"] == "T9"

    balances = {b["account"]: b["balance"] for b in run_ledger.ok_json("balance", "--all")}
    assert balances == {"checking": "3535.00", "savings": "1.25"}
    assert run_ledger.ok_json("reconcile")["ok"] is True

    # queries never write: still version 2, byte for byte
    assert pragma(old_ledger, "user_version") == 2
    assert schema_objects(old_ledger) == VERSION_2_OBJECTS
    assert old_ledger.read_bytes() == before


def test_the_first_write_migrates_to_version_3_and_changes_no_answer(
    old_ledger: Path, run_ledger: LedgerProcess
) -> None:
    old_answers = answers(run_ledger)
    head_then = run_ledger.ok_json("audit")[-1]["recorded_at"]

    result = run_ledger.ok_json("check", "45", "--date", "2026-02-10", "--payee", "Bookshop",
                                "-c", "leisure:books")
    assert result["ref"] == "T14" and result["balance"] == "3490.00", result
    assert pragma(old_ledger, "user_version") == schema.SCHEMA_VERSION == 6
    assert migrations_of(old_ledger) == [
        "0001_events", "0002_read_models", "0003_categories", "0004_category_months",
        "0005_schedules", "0006_documents",
    ]
    assert schema_objects(old_ledger) >= VERSION_2_OBJECTS | {*VERSION_3_TABLES,
                                                              *VERSION_3_INDEXES}
    check = run_ledger.ok_json("reconcile")
    assert check["ok"] is True and check["events"] == 16, check
    assert_read_models_current(old_ledger)

    # what the ledger knew before the write is what it printed then
    assert answers(run_ledger, "--known-at", head_then) == old_answers
    report = run_ledger.ok_json("report")
    assert {(r["category"], r["section"]): r["total"] for r in report["rows"]} == {
        ("uncategorized", "income"): "3536.25",
        ("leisure", "spending"): "45.00",
        ("leisure:books", "spending"): "45.00",
    }

    # rebuild derives the same read models and changes no answer
    now = answers(run_ledger)
    rebuilt = run_ledger.ok("rebuild")
    assert "16 events" in rebuilt.stdout, rebuilt.stdout
    assert answers(run_ledger) == now
    assert_read_models_current(old_ledger)


def test_old_entries_are_categorised_voided_and_restored_like_new_ones(
    old_ledger: Path, run_ledger: LedgerProcess
) -> None:
    categorized = run_ledger.ok_json("categorize", "T3", "-c", "income:salary")
    assert categorized["category"] == "income:salary", categorized
    assert pragma(old_ledger, "user_version") == schema.SCHEMA_VERSION == 6
    # a legacy void, a legacy transfer and a legacy voided entry cannot be categorised
    for ref in ("T9", "T6", "T8"):
        assert run_ledger.denied("categorize", ref, "-c", "misc").startswith("ledger: "), ref
    # restoring the legacy void of a transfer brings back money that is in no report;
    # restoring the legacy void of the bonus makes it count again, uncategorized
    run_ledger.ok("unvoid", "T7")
    run_ledger.ok("unvoid", "T9")
    report = run_ledger.ok_json("report")
    assert {(r["category"], r["section"]): r["amounts"] for r in report["rows"]} == {
        ("income", "income"): {"2026-01": "3000.00", "2026-02": "0.00"},
        ("income:salary", "income"): {"2026-01": "3000.00", "2026-02": "0.00"},
        # January: -1200 - 60 + 99 - 5 + 1.25; February: 3000 - 1200
        ("uncategorized", "income"): {"2026-01": "-1164.75", "2026-02": "1800.00"},
    }
    balances = {b["account"]: b["balance"] for b in run_ledger.ok_json("balance", "--all")}
    assert balances == {"checking": "3134.00", "savings": "501.25"}
    assert run_ledger.ok_json("reconcile")["ok"] is True
    assert_read_models_current(old_ledger)


@pytest.mark.parametrize("first", ["as the first write", "after an upgrade"])
def test_keys_recorded_before_categories_still_repeat(
    old_ledger: Path, run_ledger: LedgerProcess, first: str
) -> None:
    if first == "after an upgrade":
        run_ledger.ok("deposit", "10", "--date", "2026-02-05", "-c", "gifts")
        assert pragma(old_ledger, "user_version") == schema.SCHEMA_VERSION == 6
    count = event_count(old_ledger)
    for key, typed, _, _ in KEYED:
        again = run_ledger.ok(*typed, "--id", key, "--json")
        assert json.loads(again.stdout)["ref"] == KEY_REFS[key], (key, again.stdout)
        assert f"already recorded as {KEY_REFS[key]}" in again.stderr, (key, again.stderr)
        assert event_count(old_ledger) == count, key
    # the same key with another content is denied, naming what it was recorded as
    message = run_ledger.denied("deposit", "3001", "--date", "2026-01-02", "--payee",
                                "Acme Corp", "--id", "pay-jan")
    assert "different command" in message and "T3" in message, message
    assert event_count(old_ledger) == count
    # a new key is a new entry, categorised as entries are now
    fresh = run_ledger.ok_json("deposit", "3000", "--date", "2026-01-02", "--payee",
                               "Acme Corp", "--id", "pay-jan-2")
    assert fresh["category"] == "uncategorized" and event_count(old_ledger) == count + 1
    assert run_ledger.ok_json("reconcile")["ok"] is True


def test_the_old_ledgers_exports_pass_the_journal_tools_and_agree_with_its_report(
    old_ledger: Path, run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    """Exports are queries: on the version 2 file, the old money is the account
    `income:uncategorized` of hledger's income statement, month by month as in the report,
    and hledger and bean-check accept both journals. (Skipped where a tool is missing,
    except in CI.)"""
    tools = {"hledger": HLEDGER, "bean-check": BEAN_CHECK}
    missing = [name for name, tool in tools.items() if tool is None]
    if missing:
        if os.environ.get("CI"):
            raise RuntimeError(f"{missing} missing in CI (.ci/run installs them)")
        pytest.skip(f"not installed: {missing}")
    assert HLEDGER is not None and BEAN_CHECK is not None
    journal, beancount = tmp_path / "old.journal", tmp_path / "old.beancount"
    run_ledger.ok("export", "--format", "hledger", "-o", str(journal))
    run_ledger.ok("export", "--format", "beancount", "-o", str(beancount))
    for command in ([HLEDGER, "-f", str(journal), "check", "--strict"],
                    [BEAN_CHECK, str(beancount)]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    statement = subprocess.run(
        [HLEDGER, "-f", str(journal), "incomestatement", "-M", "-O", "csv", "--flat"],
        capture_output=True, text=True, timeout=120,
    )
    assert statement.returncode == 0, statement.stderr
    lines = statement.stdout.splitlines()
    assert '"income:uncategorized","1736.25 USD","1800.00 USD"' in lines, lines
    assert not any(line.startswith('"expenses:') for line in lines), lines
    assert pragma(old_ledger, "user_version") == 2
