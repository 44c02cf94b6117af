"""The way back from a mistake (SPEC section 10), as a user lives it: `void` says what it voids,
`unvoid` restores a voided entry as it was, `amend` replaces an entry by a corrected one in one
command; every refusal in one line, exit 1; `audit` and `history` show the links (VoidReversed,
`amends`, `amended_by`).

Every command carries an explicit date, so that the refs, balances and lines are the same on any
day the suite runs.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import cli, denied, ok, ok_json


def rows(*args: str) -> list[dict[str, Any]]:
    found = ok_json(*args)
    assert isinstance(found, list)
    return found


def history_row(ref: str, account: str = "checking") -> dict[str, Any]:
    [row] = [row for row in rows("history", "-a", account) if row["ref"] == ref]
    return row


def audit_rows(ref: str) -> list[dict[str, Any]]:
    return [row for row in rows("audit") if row["ref"] == ref]


def balance(*args: str) -> str:
    return str(ok_json("balance", *args)["balance"])


def cleared_balance(account: str = "checking") -> str:
    return str(ok_json("balance", "-a", account, "--cleared")["balance"])


# -- the story of the issue: the wrong check voided -------------------------------------------


def march() -> None:
    """A month of checking: T8 is the plumber's real check (104); T10 the same check entered
    twice by mistake (105)."""
    ok("deposit", "3000", "--payee", "Acme payroll", "--date", "2026-03-01")  # T1
    ok("check", "1250", "--number", "101", "--payee", "Landlord", "--date", "2026-03-02")
    ok("withdraw", "60", "--date", "2026-03-03")
    ok("check", "84.37", "--payee", "Grocer", "--date", "2026-03-04")  # 102
    ok("deposit", "150", "--date", "2026-03-05")
    ok("withdraw", "40", "--date", "2026-03-08")
    ok("check", "96.12", "--payee", "Power Co", "--date", "2026-03-10")  # 103
    assert ok("check", "450", "--payee", "Plumber", "--date", "2026-03-16") == (
        "Check 104 to Plumber for 450.00 written on checking (ref T8); category uncategorized "
        "(no rule or payee match); balance of checking: 1,169.51\n"
    )
    ok("deposit", "250", "--date", "2026-03-13")  # T9
    assert ok("check", "450", "--payee", "Plumber", "--date", "2026-03-16") == (
        "Check 105 to Plumber for 450.00 written on checking (ref T10); category uncategorized "
        "(no rule or payee match); balance of checking: 969.51\n"
    )


@pytest.mark.parametrize("target", ["T8", "T11"], ids=["the voided check", "its void"])
def test_the_wrong_check_voided_is_restored_and_the_right_one_voided(target: str) -> None:
    march()
    # The user meant T10, the duplicate, and typed T8.
    assert ok("void", "T8", "--reason", "entered twice") == (
        "Voided T8 (check 104 to Plumber, 450.00, 2026-03-16): 450.00 on checking (ref T11); "
        "balance of checking: 1,419.51\n"
    )
    assert ok("unvoid", target) == (
        "Unvoided T11, restoring T8 (check 104 to Plumber, 450.00, 2026-03-16): -450.00 on "
        "checking (ref T12); balance of checking: 969.51\n"
    )
    # the same balance, on every day, as before the mistake
    assert balance("--as-of", "2026-03-15") == "1869.51"
    assert balance("--as-of", "2026-03-16") == "969.51"
    # the check has its number again: check 104 is taken, the next one is 106
    assert denied("check", "1", "--number", "104", "--date", "2026-03-20") == (
        "ledger: check number 104 is already used in checking (ref T8)"
    )
    assert ok("void", "T10", "--reason", "entered twice") == (
        "Voided T10 (check 105 to Plumber, 450.00, 2026-03-16): 450.00 on checking (ref T13); "
        "balance of checking: 1,419.51\n"
    )
    assert balance() == "1419.51"
    # The bank clears the real check.
    assert ok("clear", "T8", "--date", "2026-03-20") == (
        "Cleared T8 in checking (ref T14); balance of checking: 1,419.51\n"
    )
    assert cleared_balance() == "-450.00"
    t8 = history_row("T8")
    assert (t8["number"], t8["amount"], t8["cleared"], t8["voided_by"]) == (
        104, "-450.00", "c", None
    )
    restore = history_row("T12")
    assert (restore["type"], restore["unvoids"], restore["restores"], restore["number"]) == (
        "VoidReversed", "T11", "T8", 104
    )
    assert history_row("T10")["voided_by"] == "T13"
    assert ok("check", "10", "--payee", "Shop", "--date", "2026-03-21") == (
        "Check 106 to Shop for 10.00 written on checking (ref T15); category uncategorized "
        "(no rule or payee match); balance of checking: 1,409.51\n"
    )


def test_void_unvoid_void_again() -> None:
    ok("deposit", "100", "--date", "2026-11-01")
    ok("check", "40", "--payee", "Landlord", "--date", "2026-11-20")  # T2
    voided = (
        "Voided T2 (check 1 to Landlord, 40.00, 2026-11-20): 40.00 on checking (ref {ref}); "
        "balance of checking: 100.00\n"
    )
    assert ok("void", "T2") == voided.format(ref="T3")
    assert ok("unvoid", "T2") == (
        "Unvoided T3, restoring T2 (check 1 to Landlord, 40.00, 2026-11-20): -40.00 on "
        "checking (ref T4); balance of checking: 60.00\n"
    )
    assert ok("void", "T2") == voided.format(ref="T5")
    assert ok("unvoid", "T5") == (
        "Unvoided T5, restoring T2 (check 1 to Landlord, 40.00, 2026-11-20): -40.00 on "
        "checking (ref T6); balance of checking: 60.00\n"
    )
    assert ok("void", "T2") == voided.format(ref="T7")
    assert balance() == "100.00"
    assert [row["type"] for row in audit_rows("T7")] == ["TransactionVoided"]
    assert history_row("T2")["voided_by"] == "T7"


def test_a_void_prints_what_it_voids_and_carries_the_payee() -> None:
    ok("deposit", "500", "--payee", "Employer", "--date", "2026-03-01")
    assert ok("void", "T1") == (
        "Voided T1 (deposit from Employer, 500.00, 2026-03-01): -500.00 on checking (ref T2); "
        "balance of checking: 0.00\n"
    )
    [event] = audit_rows("T2")
    assert (event["type"], event["voids"], event["payee"]) == (
        "TransactionVoided", "T1", "Employer"
    )


def test_unvoid_of_a_transfer_restores_both_accounts() -> None:
    ok("deposit", "500", "--date", "2026-03-01")
    ok("open", "savings", "--date", "2026-03-01")
    ok("transfer", "120", "--from", "checking", "--to", "savings", "--date", "2026-03-03")  # T3
    ok("void", "T3")  # T4
    result = ok_json("unvoid", "T3")
    assert result == {
        "ref": "T5",
        "events": [
            {"seq": 8, "type": "VoidReversed", "account": "checking", "amount": "-120.00",
             "balance": "380.00"},
            {"seq": 9, "type": "VoidReversed", "account": "savings", "amount": "120.00",
             "balance": "120.00"},
        ],
        "balance": "380.00",
    }
    assert (balance("-a", "checking"), balance("-a", "savings")) == ("380.00", "120.00")
    assert [
        (row["account"], row["unvoids"], row["restores"], row["date"]) for row in audit_rows("T5")
    ] == [("checking", "T4", "T3", "2026-03-03"), ("savings", "T4", "T3", "2026-03-03")]


def test_unvoid_is_effective_on_the_void_s_date_unless_told() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("deposit", "50", "--date", "2026-03-05")  # T2
    ok("void", "T2", "--date", "2026-03-10")  # T3
    ok("unvoid", "T2")  # T4: on 2026-03-10
    assert [row["date"] for row in audit_rows("T4")] == ["2026-03-10"]
    assert [balance("--as-of", day) for day in ("2026-03-05", "2026-03-09", "2026-03-10")] == [
        "150.00", "150.00", "150.00"
    ]
    ok("void", "T2", "--date", "2026-03-12")  # T5
    ok("unvoid", "T5", "--date", "2026-03-20", "--reason", "it did arrive")  # T6
    [event] = audit_rows("T6")
    assert (event["date"], event["reason"]) == ("2026-03-20", "it did arrive")
    assert [balance("--as-of", day) for day in ("2026-03-11", "2026-03-12", "2026-03-20")] == [
        "150.00", "100.00", "150.00"
    ]


def test_unvoid_keeps_a_cleared_entry_cleared() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("check", "40", "--payee", "A", "--date", "2026-03-02")  # T2
    ok("clear", "T2", "--date", "2026-03-03")  # T3
    ok("void", "T2")  # T4
    ok("unvoid", "T2")  # T5
    assert history_row("T2")["cleared"] == "c"
    assert cleared_balance() == "-40.00"
    assert balance() == "60.00"


def test_an_entry_may_be_dated_before_its_account_was_opened() -> None:
    ok("open", "savings", "--date", "2026-03-10")
    assert ok("deposit", "75", "-a", "savings", "--date", "2026-02-20") == (
        "Deposited 75.00 to savings (ref T2); category uncategorized (no rule or payee "
        "match); balance of savings: 75.00\n"
    )
    assert balance("-a", "savings", "--as-of", "2026-02-19") == "0.00"
    assert balance("-a", "savings", "--as-of", "2026-02-20") == "75.00"
    assert denied("deposit", "5", "-a", "savings", "--date", "1969-12-31") == (
        "ledger: --date 1969-12-31 is before 1970-01-01: likely a typo; entries must be dated "
        "1970 or later"
    )


def test_a_voided_check_s_number_may_be_used_again() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("check", "10", "--number", "7", "--date", "2026-03-02")  # T2
    ok("void", "T2")
    assert ok("check", "12", "--number", "7", "--date", "2026-03-03") == (
        "Check 7 for 12.00 written on checking (ref T4); category uncategorized (no rule or "
        "payee match); balance of checking: 88.00\n"
    )


# -- amend ---------------------------------------------------------------------------------


def test_a_payee_typo_is_fixed_by_amend() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "84.37", "--payee", "Grocre", "--date", "2026-03-04")  # T2
    assert ok("amend", "T2", "--payee", "Grocer") == (
        "Amended T2 (check 1 to Grocre, 84.37, 2026-03-04) as T4: check 1 to Grocer, 84.37, "
        "2026-03-04; T2 voided by T3 (ref T4); category uncategorized (no rule or payee match); "
        "balance of checking: 915.63\n"
    )
    assert balance() == "915.63"
    t4 = history_row("T4")
    assert (t4["payee"], t4["number"], t4["amount"], t4["amends"]) == (
        "Grocer", 1, "-84.37", "T2"
    )
    assert history_row("T2")["voided_by"] == "T3"
    # The number stays taken by the replacement.
    assert denied("check", "1", "--number", "1", "--date", "2026-03-05") == (
        "ledger: check number 1 is already used in checking (ref T4)"
    )


def test_amend_removes_a_payee_given_as_empty() -> None:
    ok("deposit", "1000", "--payee", "Acme", "-m", "salary", "--date", "2026-03-01")
    ok("amend", "T1", "--payee", "")  # T2 void, T3
    t3 = history_row("T3")
    assert (t3["payee"], t3["memo"], t3["amount"]) == (None, "salary", "1000.00")


def test_amend_amount_of_a_check_keeps_its_number_and_moves_the_balance() -> None:
    ok("deposit", "2000", "--date", "2026-03-01")
    ok("check", "1250", "--number", "101", "--payee", "Landlord", "--date", "2026-03-02")  # T2
    ok("withdraw", "60", "--date", "2026-03-03")
    before = balance()
    assert before == "690.00"
    result = ok_json("amend", "T2", "--amount", "1,205")
    result.pop("category_source")  # how the replacement's category was chosen: not asserted here
    assert result == {
        "ref": "T5",
        "events": [
            {"seq": 5, "type": "TransactionVoided", "account": "checking", "amount": "1250.00",
             "balance": "1940.00"},
            {"seq": 6, "type": "CheckWritten", "account": "checking", "amount": "-1205.00",
             "balance": "735.00"},
        ],
        "balance": "735.00",
        # the replacement keeps the original's category (SPEC 10, 11)
        "category": "uncategorized",
        "split": None,
    }
    assert balance() == "735.00"  # 690.00 + (1,250.00 - 1,205.00)
    t5 = history_row("T5")
    assert (t5["number"], t5["payee"], t5["date"]) == (101, "Landlord", "2026-03-02")
    # a balance on the check's day sees the corrected amount
    assert balance("--as-of", "2026-03-02") == "795.00"


def test_amend_number_and_date_of_a_check() -> None:
    ok("deposit", "500", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Plumber", "--date", "2026-03-05")  # T2, check 1
    assert ok("amend", "T2", "--number", "1001", "--date", "2026-03-07") == (
        "Amended T2 (check 1 to Plumber, 40.00, 2026-03-05) as T4: check 1001 to Plumber, "
        "40.00, 2026-03-07; T2 voided by T3 (ref T4); category uncategorized (no rule or "
        "payee match); balance of checking: 460.00\n"
    )
    assert [balance("--as-of", day) for day in ("2026-03-05", "2026-03-06", "2026-03-07")] == [
        "500.00", "500.00", "460.00"
    ]
    # number 1 is free again; the next automatic number follows 1001
    assert "Check 1 " in ok("check", "1", "--number", "1", "--date", "2026-03-08")
    assert "Check 1002 " in ok("check", "1", "--date", "2026-03-08")


def test_amend_of_a_transfer() -> None:
    ok("deposit", "500", "--date", "2026-03-01")
    ok("open", "savings", "--date", "2026-03-01")
    ok("transfer", "100", "--from", "checking", "--to", "savings", "-m", "rainy day",
       "--date", "2026-03-03")  # T3
    assert ok("amend", "T3", "--amount", "150") == (
        "Amended T3 (transfer to savings, 100.00, 2026-03-03) as T5: transfer to savings, "
        "150.00, 2026-03-03; T3 voided by T4 (ref T5); balance of checking: 350.00\n"
    )
    assert (balance("-a", "checking"), balance("-a", "savings")) == ("350.00", "150.00")
    replacement = audit_rows("T5")
    assert [(row["type"], row["account"], row["amount"], row["amends"], row["memo"])
            for row in replacement] == [
        ("TransferSent", "checking", "-150.00", "T3", "rainy day"),
        ("TransferReceived", "savings", "150.00", "T3", "rainy day"),
    ]
    # more than the sending account can cover
    assert denied("amend", "T5", "--amount", "700") == (
        "ledger: insufficient funds in checking for a transfer of 700.00: balance 500.00, "
        "overdraft limit 0.00"
    )


def test_amend_of_the_replacement_again() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("amend", "T1", "--amount", "110")  # T2, T3
    assert ok("amend", "T3", "--amount", "120") == (
        "Amended T3 (deposit, 110.00, 2026-03-01) as T5: deposit, 120.00, 2026-03-01; T3 "
        "voided by T4 (ref T5); category uncategorized (no rule or payee match); balance of "
        "checking: 120.00\n"
    )
    assert balance() == "120.00"
    assert history_row("T5")["amends"] == "T3"


def test_amend_of_a_cleared_entry_keeps_the_replacement_cleared() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Landlrod", "--date", "2026-03-02")  # T2
    ok("clear", "T1", "T2", "--date", "2026-03-05")  # T3
    assert cleared_balance() == "960.00"
    result = ok_json("amend", "T2", "--payee", "Landlord")
    assert [(event["type"], event["amount"]) for event in result["events"]] == [
        ("TransactionVoided", "40.00"),
        ("CheckWritten", "-40.00"),
        ("TransactionCleared", "0.00"),
        ("TransactionCleared", "0.00"),
    ]
    assert result["ref"] == "T5"
    assert [history_row(ref)["cleared"] for ref in ("T2", "T4", "T5")] == ["c", "c", "c"]
    assert cleared_balance() == "960.00"
    assert balance() == "960.00"
    text = ok("history")
    [line] = [line for line in text.splitlines() if " T5 " in line]
    assert line.split()[3] == "c"  # the clr column


def test_amend_of_the_amount_of_a_cleared_entry_leaves_the_replacement_to_clear() -> None:
    """The bank has the original's amount: the cleared balance stays what the bank has (a
    review found the amend's void marked cleared, which took the cleared balance off the
    bank's by the whole entry, and undoing the amend did not bring it back)."""
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Landlord", "--date", "2026-03-02")  # T2
    ok("clear", "T2", "--date", "2026-03-05")  # T3
    ok("amend", "T2", "--amount", "45")  # T4 void, T5
    assert [history_row(ref)["cleared"] for ref in ("T2", "T4", "T5")] == ["c", "", ""]
    assert cleared_balance() == "-40.00"
    assert balance() == "955.00"
    ok("clear", "T4", "T5", "--date", "2026-03-06")  # the bank corrects it
    assert cleared_balance() == "-45.00"


def test_undoing_an_amend_of_a_cleared_amount_brings_the_cleared_balance_back() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "100", "--payee", "A", "--date", "2026-03-02")  # T2
    ok("clear", "T1", "T2")  # T3
    assert cleared_balance() == "900.00"
    ok("amend", "T2", "--amount", "90")  # T4, T5
    assert cleared_balance() == "900.00"
    ok("void", "T5")  # T6
    ok("unvoid", "T2")  # T7
    assert (cleared_balance(), balance()) == ("900.00", "900.00")
    ok("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
       "--statement-balance", "900", "--dry-run")


def test_unvoid_of_a_check_is_bounded_by_the_overdraft_limit() -> None:
    """Restoring a check is a debit the user starts (SPEC 5): a review found it only warned."""
    ok("deposit", "100", "--date", "2026-03-01")
    ok("check", "100", "--date", "2026-03-02")  # T2
    ok("void", "T2")  # T3
    ok("withdraw", "100", "--date", "2026-03-03")  # T4
    assert denied("unvoid", "T2") == (
        "ledger: insufficient funds in checking for restoring T2 of 100.00: balance 0.00, "
        "overdraft limit 0.00"
    )
    assert balance() == "0.00"


def test_an_unvoid_is_not_something_the_bank_clears() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("void", "T1")  # T2
    ok("unvoid", "T1")  # T3
    assert denied("clear", "T3") == (
        "ledger: T3 reverses a void; the bank has the entry it restores (T1), not this"
    )


def test_audit_shows_the_void_reversed_and_the_amend_links() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Landlord", "--date", "2026-03-02")  # T2
    ok("void", "T2", "--reason", "wrong one")  # T3
    ok("unvoid", "T3", "--reason", "it was the right one")  # T4
    ok("amend", "T2", "--amount", "45", "-m", "with the late fee")  # T5 void, T6
    by_ref = {ref: audit_rows(ref) for ref in ("T4", "T5", "T6")}
    [unvoid] = by_ref["T4"]
    assert {key: unvoid[key] for key in (
        "type", "amount", "date", "unvoids", "restores", "payee", "number", "reason")} == {
        "type": "VoidReversed", "amount": "-40.00", "date": "2026-03-02", "unvoids": "T3",
        "restores": "T2", "payee": "Landlord", "number": 1, "reason": "it was the right one",
    }
    [void] = by_ref["T5"]
    assert (void["type"], void["voids"], void["amended_by"], void["amount"]) == (
        "TransactionVoided", "T2", "T6", "40.00"
    )
    [replacement] = by_ref["T6"]
    assert {key: replacement[key] for key in (
        "type", "amount", "amends", "payee", "memo", "number", "date")} == {
        "type": "CheckWritten", "amount": "-45.00", "amends": "T2", "payee": "Landlord",
        "memo": "with the late fee", "number": 1, "date": "2026-03-02",
    }


def test_history_rows_of_an_amend_link_both_ways() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Landlord", "--date", "2026-03-02")  # T2
    ok("amend", "T2", "--amount", "45")  # T3 void, T4
    original, void, replacement = (history_row(ref) for ref in ("T2", "T3", "T4"))
    assert (original["voided_by"], original["amends"]) == ("T3", None)
    assert (void["type"], void["voids"], void["amount"]) == ("TransactionVoided", "T2", "40.00")
    assert (replacement["type"], replacement["amends"], replacement["number"],
            replacement["amount"], replacement["balance"]) == (
        "CheckWritten", "T2", 1, "-45.00", "955.00"
    )


def test_history_text_shows_what_an_amend_replaced() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Landlord", "--date", "2026-03-02")  # T2
    ok("amend", "T2", "--amount", "45")  # T3 void, T4
    [line] = [line for line in ok("history").splitlines() if " T4 " in line]
    assert "amends T2" in line, line  # SPEC 10: `amends` REF, shown by history


# -- refusals ------------------------------------------------------------------------------


def corrections_ledger() -> None:
    """T1 deposit 1,000; T2 check 1 (Landlord, 40), voided by T4, restored by T5, voided
    again by T6; T3 withdrawal 20, amended (T8 void) as T9 (25); T7 check 1 again (10);
    T10 deposit 50 voided on 03-06 by T11; T12 savings; T13 transfer 100; T14 EUR; T15 a
    EUR deposit; T16 a clearing; T17 and T18 open and close `spare`."""
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Landlord", "--date", "2026-03-02")
    ok("withdraw", "20", "--date", "2026-03-03")
    ok("void", "T2")
    ok("unvoid", "T4")
    ok("void", "T2")
    ok("check", "10", "--number", "1", "--date", "2026-03-04")
    ok("amend", "T3", "--amount", "25")
    ok("deposit", "50", "--date", "2026-03-05")
    ok("void", "T10", "--date", "2026-03-06")
    ok("open", "savings", "--date", "2026-03-01")
    ok("transfer", "100", "--from", "checking", "--to", "savings", "--date", "2026-03-06")
    ok("open", "euro", "--currency", "EUR", "--date", "2026-03-01")
    ok("deposit", "10", "-a", "euro", "--date", "2026-03-02")
    assert ok("clear", "T1", "--date", "2026-03-07") == (
        "Cleared T1 in checking (ref T16); balance of checking: 865.00\n"
    )
    ok("open", "spare", "--date", "2026-03-01")  # T17
    assert ok_json("close", "spare", "--date", "2026-03-08")["ref"] == "T18"


UNVOID_DENIALS = {
    "unknown": (["T99"], "no transaction 'T99'"),
    "not voided": (["T1"], "T1 is not voided; there is nothing to unvoid"),
    "a void already reversed": (["T4"], "T4 was already reversed; T2 is voided by T6"),
    "itself an unvoid": (["T5"], "T5 is itself an unvoid (of T4)"),
    "an open": (["T12"], "T12 is not voided; there is nothing to unvoid"),
    "a replacement still live": (
        ["T3"], "T3 was amended by T9; void T9 first to go back to T3 (or amend T9 again)"
    ),
    "the void of an amend": (
        ["T8"], "T3 was amended by T9; void T9 first to go back to T3 (or amend T9 again)"
    ),
    "the number used again": (
        ["T2"], "check number 1 is used again by T7 in checking; void T7 before unvoiding T2"
    ),
    "the number used again, by the void": (
        ["T6"], "check number 1 is used again by T7 in checking; void T7 before unvoiding T2"
    ),
    "dated before the void": (
        ["T10", "--date", "2026-03-05"],
        "the reversal of T11 cannot be dated 2026-03-05, before the void itself (2026-03-06)",
    ),
    "dated before 1970": (["T10", "--date", "1969-12-31"],
                        "--date 1969-12-31 is before 1970-01-01: likely a typo; entries must "
                        "be dated 1970 or later"),
}


@pytest.mark.parametrize("name", list(UNVOID_DENIALS))
def test_unvoid_denials(name: str) -> None:
    corrections_ledger()
    args, message = UNVOID_DENIALS[name]
    before = rows("audit")
    assert denied("unvoid", *args) == f"ledger: {message}"
    assert rows("audit") == before


AMEND_DENIALS = {
    "unknown": (["T99", "--amount", "1"], "no transaction 'T99'"),
    "a void": (["T4", "--amount", "1"], "T4 is a void (of T2); a void cannot be amended"),
    "an unvoid": (["T5", "--amount", "1"], "T5 reverses a void; amend T2 instead"),
    "an open": (
        ["T12", "--amount", "1"],
        "T12 moves no money "
        "(it opens, closes, clears, reconciles, categorizes, or sets a rule or budget); "
        "it cannot be amended",
    ),
    "a close": (
        ["T18", "--amount", "1"],
        "T18 moves no money "
        "(it opens, closes, clears, reconciles, categorizes, or sets a rule or budget); "
        "it cannot be amended",
    ),
    "a clearing": (
        ["T16", "--amount", "1"],
        "T16 moves no money "
        "(it opens, closes, clears, reconciles, categorizes, or sets a rule or budget); "
        "it cannot be amended",
    ),
    "a voided entry": (
        ["T2", "--amount", "1"], "T2 is voided (by T6); unvoid it first, or record a new entry"
    ),
    "an amended entry": (
        ["T3", "--amount", "1"], "T3 is voided (by T8); unvoid it first, or record a new entry"
    ),
    "nothing changed": (
        ["T9", "--amount", "25.00"], "T9 already has these values; there is nothing to amend"
    ),
    "the same number": (
        ["T7", "--number", "1"], "T7 already has these values; there is nothing to amend"
    ),
    "the same payee, absent": (
        ["T1", "--payee", ""], "T1 already has these values; there is nothing to amend"
    ),
    "no option": (
        ["T9"], "say what to change: --amount, --payee, --memo, --date, --number or -c/--category"
    ),
    "a withdrawal's payee": (
        ["T9", "--payee", "ATM"], "T9 is a withdrawal, which has no payee: --payee does not apply"
    ),
    "a transfer's payee": (
        ["T13", "--payee", "Me"], "T13 is a transfer, which has no payee: --payee does not apply"
    ),
    "a deposit's number": (
        ["T1", "--number", "3"], "T1 is a deposit, which has no number: --number does not apply"
    ),
    "a transfer's number": (
        ["T13", "--number", "3"], "T13 is a transfer, which has no number: --number does not apply"
    ),
    "an overdraft": (
        ["T7", "--amount", "5000"],
        "insufficient funds in checking for check 1 of 5,000.00: balance 875.00, overdraft "
        "limit 0.00",
    ),
    "a transfer beyond its sending account": (
        ["T13", "--amount", "5000"],
        "insufficient funds in checking for a transfer of 5,000.00: balance 965.00, overdraft "
        "limit 0.00",
    ),
    "dated before 1970": (
        ["T9", "--amount", "1", "--date", "1969-12-31"],
        "--date 1969-12-31 is before 1970-01-01: likely a typo; entries must be dated 1970 or "
        "later",
    ),
    "too many decimals": (
        ["T15", "--amount", "2.500"],
        "amount '2.500' has too many decimals (3; EUR has 2): if '.' groups thousands, type "
        "2500; if it means 2.5, type 2.50",
    ),
}


@pytest.mark.parametrize("name", list(AMEND_DENIALS))
def test_amend_denials(name: str) -> None:
    corrections_ledger()
    args, message = AMEND_DENIALS[name]
    before = rows("audit")
    assert denied("amend", *args) == f"ledger: {message}"
    assert rows("audit") == before


def test_amend_to_a_check_number_in_use_is_denied() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("check", "10", "--date", "2026-03-02")  # T2, check 1
    ok("check", "10", "--date", "2026-03-02")  # T3, check 2
    assert denied("amend", "T3", "--number", "1") == (
        "ledger: check number 1 is already used in checking (ref T2)"
    )


def sealed_ledger() -> None:
    """checking sealed through 2026-03-05 (T5); T2 a check voided (T3) inside the period."""
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Landlord", "--date", "2026-03-02")  # T2
    ok("void", "T2")  # T3, on 2026-03-02
    ok("clear", "T1", "--date", "2026-03-05")  # T4
    ok("reconcile", "-a", "checking", "--statement-date", "2026-03-05",
       "--statement-balance", "1000")  # T5


def test_unvoid_into_a_sealed_period_is_denied_without_force() -> None:
    sealed_ledger()
    assert denied("unvoid", "T2") == (
        "ledger: checking is reconciled with a statement through 2026-03-05; an entry dated "
        "2026-03-02 would change that period (date it after 2026-03-05 with --date, or use "
        "--force to record it on 2026-03-02 anyway (flagged))"
    )
    assert ok("unvoid", "T2", "--date", "2026-03-06") == (
        "Unvoided T3, restoring T2 (check 1 to Landlord, 40.00, 2026-03-02): -40.00 on "
        "checking (ref T6); balance of checking: 960.00\n"
    )
    assert balance("--as-of", "2026-03-05") == "1000.00"  # the statement's period is intact


def test_unvoid_with_force_writes_into_a_sealed_period_flagged() -> None:
    sealed_ledger()
    ok("unvoid", "T2", "--force")  # T6
    [event] = audit_rows("T6")
    assert (event["date"], event["forced"]) == ("2026-03-02", 1)
    assert balance("--as-of", "2026-03-05") == "960.00"


def test_amend_in_a_sealed_period_is_denied_without_force() -> None:
    sealed_ledger()
    message = denied("amend", "T1", "-m", "salary")
    assert message == (
        "ledger: checking is reconciled with a statement through 2026-03-05; an entry dated "
        "2026-03-01 would change that period (amend voids the original on its own date; use "
        "--force to record it anyway (flagged), or void it with --date and enter it anew)"
    )
    # moving the replacement out of the period is not enough: the void is on the original's day
    assert denied("amend", "T1", "-m", "salary", "--date", "2026-03-06") == message
    ok("amend", "T1", "-m", "salary", "--force")  # T6 void, T7
    assert [row["forced"] for row in audit_rows("T6") + audit_rows("T7")
            if row["type"] != "TransactionCleared"] == [1, 1]
    assert balance() == "1000.00"
    # the reconciled deposit's replacement is cleared (its amount is the bank's)
    assert cleared_balance() == "1000.00"


# -- what the lead is to fix (see the report) --------------------------------------------------


def test_unvoid_of_an_original_whose_replacement_was_amended_again_is_denied() -> None:
    """T1 amended as T3, T3 amended as T5: T5 is the live correction of T1. Restoring T1
    would count the deposit twice (100 + 120)."""
    ok("deposit", "100", "--date", "2026-03-01")
    ok("amend", "T1", "--amount", "110")  # T2 void, T3
    ok("amend", "T3", "--amount", "120")  # T4 void, T5
    code, out, err = cli("unvoid", "T1")
    assert balance() == "120.00", (code, out, err)
    assert code == 1, (out, err)
    assert "T5" in err, err


def test_unvoid_of_a_replacement_while_its_original_is_live_again_is_denied() -> None:
    """T3 replaced T1; the user voided T3 and restored T1. Restoring T3 as well would count
    both the original and its correction (100 + 110)."""
    ok("deposit", "100", "--date", "2026-03-01")
    ok("amend", "T1", "--amount", "110")  # T2 void, T3
    ok("void", "T3")  # T4
    ok("unvoid", "T1")  # T5
    assert balance() == "100.00"
    code, out, err = cli("unvoid", "T3")
    assert balance() == "100.00", (code, out, err)
    assert code == 1, (out, err)
    assert "T1" in err, err


def test_amend_warns_of_no_overdraft_that_it_does_not_leave() -> None:
    """The void inside an amend is not the end state: the replacement follows it in the same
    command. Amending the memo of a deposit leaves the balance where it was."""
    ok("deposit", "100", "--date", "2026-03-01")
    ok("check", "60", "--date", "2026-03-02")
    code, out, err = cli("amend", "T1", "-m", "salary")
    assert code == 0
    assert out.endswith("balance of checking: 40.00\n")
    assert err == ""


def test_amend_warns_of_the_overdraft_it_does_leave() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("check", "60", "--date", "2026-03-02")
    code, out, err = cli("amend", "T1", "--amount", "50")
    assert code == 0
    assert out.endswith("balance of checking: -10.00\n")
    assert "-10.00" in err, err  # the balance the amend leaves, not the void's step (-60.00)
