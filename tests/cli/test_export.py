"""`ledger export`: the register as CSV, the event log as NDJSON, hledger and beancount text;
where it goes (-o, written whole) and what is refused."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

from conftest import denied, ok, ref

from ledger_cli.domain.money import CURRENCIES
from ledger_cli.interop.beancount import bean_accounts
from ledger_cli.interop.beancount import entry_lines as _beancount_entry
from ledger_cli.interop.hledger import entry_lines as _hledger_entry
from ledger_cli.interop.journal import Entry, Posting


def books() -> dict[str, str]:
    """Deposits, checks, cash, transfers both ways, voids of a check and of a transfer, a
    back-dated entry, and accounts in currencies of 0 and 3 decimals."""
    refs = {}
    ok("open", "checking", "--date", "2026-01-01")
    ok("open", "savings", "--date", "2026-03-01")
    refs["salary"] = ref("deposit", "10000", "--date", "2026-03-01", "--payee", "Salary")
    refs["rent"] = ref("check", "4000", "--date", "2026-03-03", "--payee", "Landlord",
                       "-m", "March rent", "--number", "101")
    refs["atm"] = ref("withdraw", "300", "--date", "2026-03-04", "-m", "ATM")
    refs["save"] = ref("transfer", "500", "--from", "checking", "--to", "savings",
                       "--date", "2026-03-05")
    refs["power"] = ref("check", "120.50", "--date", "2026-03-06", "--payee", "Power; Co")
    refs["void_power"] = ref("void", refs["power"], "--reason", "lost in the mail")
    refs["refund"] = ref("deposit", "75.25", "--date", "2026-02-15", "--payee", "Refund")
    refs["back"] = ref("transfer", "200", "--from", "savings", "--to", "checking",
                       "--date", "2026-03-10")
    refs["void_back"] = ref("void", refs["back"])
    ok("open", "yen", "--currency", "JPY", "--date", "2026-03-01")
    ok("deposit", "5000", "-a", "yen", "--date", "2026-03-02")
    ok("open", "dinar", "--currency", "KWD", "--date", "2026-03-01")
    ok("deposit", "1.5", "-a", "dinar", "--date", "2026-03-02")
    ok("withdraw", "0.125", "-a", "dinar", "--date", "2026-03-03")
    return refs


def stored_rows(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT * FROM events ORDER BY seq"))


# -- NDJSON -----------------------------------------------------------------------------------


def test_ndjson_is_a_header_and_every_stored_row_as_stored(ledger_db: Path) -> None:
    books()
    lines = ok("export", "--format", "ndjson").splitlines()
    header = json.loads(lines[0])
    rows = stored_rows(ledger_db)
    assert header == {
        "format": "ledger-backup",
        "version": 2,
        "events": len(rows),
        "head": {"seq": rows[-1][0], "hash": rows[-1][-1]},
    }
    columns = ["seq", "ref", "type", "account", "amount", "balance", "date", "recorded_at",
               "details", "prev_hash", "hash"]
    exported = [json.loads(line) for line in lines[1:]]
    assert [list(row) for row in exported] == [columns] * len(rows)
    assert [tuple(row.values()) for row in exported] == rows
    assert all(type(row["amount"]) is int and type(row["balance"]) is int for row in exported)


def test_ndjson_known_at_is_the_prefix_recorded_by_then(ledger_db: Path) -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    first = stored_rows(ledger_db)
    ok("deposit", "50", "--date", "2026-03-02")
    lines = ok("export", "--format", "ndjson", "--known-at", first[-1][7]).splitlines()
    assert json.loads(lines[0])["head"] == {"seq": first[-1][0], "hash": first[-1][-1]}
    assert [tuple(json.loads(line).values()) for line in lines[1:]] == first


def test_ndjson_refuses_as_of_since_a_backup_is_the_whole_log() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    assert "--as-of cannot be used" in denied("export", "-f", "ndjson", "--as-of", "2026-03-01")


# -- CSV ----------------------------------------------------------------------------------------


def test_csv_is_the_history_of_every_account_with_account_and_currency() -> None:
    books()
    rows = list(csv.DictReader(io.StringIO(ok("export", "--format", "csv"))))
    assert list(rows[0])[:2] == ["account", "currency"]
    for account in ("checking", "dinar", "savings", "yen"):
        history = list(csv.DictReader(io.StringIO(ok("history", "-a", account, "--csv"))))
        mine = [row for row in rows if row["account"] == account]
        assert [{k: v for k, v in row.items() if k not in ("account", "currency")}
                for row in mine] == history
        assert {row["currency"] for row in mine} == {
            {"yen": "JPY", "dinar": "KWD"}.get(account, "USD")
        }
    assert [row["account"] for row in rows] == sorted(row["account"] for row in rows)


def test_csv_as_of_and_known_at_cut_like_history() -> None:
    books()
    rows = list(csv.DictReader(io.StringIO(ok("export", "-f", "csv", "--as-of", "2026-03-04"))))
    assert max(row["date"] for row in rows) == "2026-03-04"
    checking = [row for row in rows if row["account"] == "checking"]
    assert checking[-1]["balance"] == json.loads(
        ok("balance", "--as-of", "2026-03-04", "--json"))["balance"]


# -- hledger and beancount text -----------------------------------------------------------------


def test_hledger_journal_has_codes_payees_memos_refs_and_assertions() -> None:
    refs = books()
    journal = ok("export", "--format", "hledger")
    assert "2026-03-03 (101) Landlord  ; March rent\n    ; ref:" + refs["rent"] in journal
    # The counter account is the category's; nothing here is categorised, and uncategorized
    # money is income over the whole ledger (SPEC 11), so even the rent check is booked there.
    rent = journal.split("2026-03-03 (101) Landlord  ; March rent\n", 1)[1].split("\n\n")[0]
    assert [line.split() for line in rent.splitlines()] == [
        [";", f"ref:{refs['rent']}"],
        ["assets:checking", "-4000.00", "USD"],
        ["income:uncategorized", "4000.00", "USD"],
    ]
    assert "\naccount income:uncategorized\n" in journal and "expenses:" not in journal
    assert "(102) Power, Co" in journal  # `;` would start a comment
    # The void carries the payee of what it voids, so that the payee's total nets out.
    assert f" Power, Co  ; void of {refs['power']}: lost in the mail" in journal
    assert "2026-02-15 Refund" in journal
    assert "5000 JPY" in journal and "1.500 KWD" in journal and "-0.125 KWD" in journal
    tail = journal.rsplit("balance assertions", 1)[1]
    assert "assets:checking" in tail and "= 5275.25 USD" in tail
    assert "= 5000 JPY" in tail and "= 1.375 KWD" in tail
    # Transactions come in register order: effective date, then seq.
    dates = [line[:10] for line in journal.splitlines() if line[:4].isdigit()]
    assert dates == sorted(dates)


def test_beancount_file_opens_accounts_and_checks_balances_the_day_after() -> None:
    books()
    text = ok("export", "--format", "beancount")
    assert "2026-01-01 open Assets:Checking USD" in text
    assert "2026-03-01 open Assets:Yen JPY" in text
    assert '2026-03-03 ! "Landlord" "March rent"' in text
    assert '  check: "101"' in text
    assert "2026-03-11 balance Assets:Checking" in text  # the last entry is on 2026-03-10
    rent = text.split('2026-03-03 ! "Landlord" "March rent"\n', 1)[1].split("\n\n")[0]
    assert [line.split() for line in rent.splitlines()][-2:] == [
        ["Assets:Checking", "-4000.00", "USD"], ["Income:Uncategorized", "4000.00", "USD"]
    ]
    assert "2026-01-01 open Income:Uncategorized" in text and "Expenses:" not in text


def posting(account: str, amount: int, cleared: bool) -> Posting:
    return Posting(account, amount, CURRENCIES["USD"], cleared)


def test_cleared_entries_are_marked_and_a_half_cleared_transfer_marks_its_postings() -> None:
    cleared = Entry("T2", "2026-03-03", "CheckWritten", {"number": 7, "payee": "Bob"},
                    [posting("checking", -100, True)], "expenses:checks")
    assert next(_hledger_entry(cleared)) == "2026-03-03 * (7) Bob"
    assert next(_beancount_entry(cleared, {"checking": "Assets:Checking"})).startswith(
        "2026-03-03 * ")
    half = Entry("T3", "2026-03-04", "TransferSent", {},
                 [posting("checking", -5, True), posting("savings", 5, False)])
    lines = list(_hledger_entry(half))
    assert lines[0] == "2026-03-04 transfer from checking to savings"
    assert lines[2].strip().startswith("* assets:checking")
    assert lines[3].strip().startswith("assets:savings")


def test_cleared_marks_follow_the_register() -> None:
    cleared = ref("deposit", "100", "--date", "2026-03-01")
    ok("deposit", "5", "--date", "2026-03-02")
    ok("clear", cleared)
    journal = ok("export", "-f", "hledger")
    assert "2026-03-01 * deposit" in journal and "2026-03-02 deposit" in journal
    bean = ok("export", "-f", "beancount")
    assert '2026-03-01 * "deposit"' in bean and '2026-03-02 ! "deposit"' in bean
    rows = list(csv.DictReader(io.StringIO(ok("export", "-f", "csv"))))
    assert [row["cleared"] for row in rows] == ["c", ""]


def test_beancount_names_are_valid_and_distinct() -> None:
    names = bean_accounts(["a_b", "a-b", "x:1y", "checking", "_odd"])
    assert names["checking"] == "Assets:Checking"
    assert names["x:1y"] == "Assets:X:1y"
    assert names["_odd"] == "Assets:X-odd"
    assert len(set(names.values())) == len(names)
    assert {names["a_b"], names["a-b"]} == {"Assets:A-b", "Assets:A-b-2"}


def test_free_text_cannot_break_a_line() -> None:
    ok("deposit", "5", "--date", "2026-03-01", "--payee", "two\nlines", "-m", 'say "hi"\\')
    journal = ok("export", "-f", "hledger")
    assert "2026-03-01 two\\x0alines  ; say \"hi\"\\" in journal
    bean = ok("export", "-f", "beancount")
    assert '"two\\\\x0alines" "say \\"hi\\"\\\\"' in bean


# -- where it goes, and what is refused ---------------------------------------------------------


def test_output_file_takes_its_format_from_the_name(tmp_path: Path) -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    for name, start in [("b.ndjson", '{"format":"ledger-backup"'), ("x.journal", "; Exported"),
                        ("x.beancount", "; Exported"), ("r.csv", "account,currency")]:
        assert ok("export", "-o", str(tmp_path / name)) == ""
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_output_file_is_replaced_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    assert "no ledger" in denied("export", "-f", "csv", "-o", str(target))
    assert target.read_text(encoding="utf-8") == "old"


def test_refusals(tmp_path: Path, ledger_db: Path) -> None:
    assert "no ledger" in denied("export", "-f", "csv")
    ok("deposit", "100", "--date", "2026-03-01")
    assert "give --format" in denied("export")
    assert "give --format" in denied("export", "-o", str(tmp_path / "x.txt"))
    assert "is not one of" in denied("export", "--format", "xml")
    assert "is the ledger itself" in denied("export", "-f", "csv", "-o", str(ledger_db))
    assert "cannot write" in denied("export", "-f", "csv", "-o", str(tmp_path / "no" / "x.csv"))
    assert "is not a valid date" in denied("export", "-f", "csv", "--as-of", "2026-13-01")
