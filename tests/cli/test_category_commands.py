"""Where the money went (SPEC 11), through the command line: the category each entry gets and
what its result line says, splits, `categorize`, rules, budgets, the filters of `history`, the
category and split columns of `import`, and rules applied by `statement`.

Every refusal is checked to leave the log as it was (`event_count`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, cli, denied, event_count, ok, ok_json, ref

from ledger_cli.domain.commands import Deposit, WriteCheck, _normal_amount, fingerprint


def _category(result: dict[str, object]) -> object:
    return result["category"]


# -- the category an entry gets, and what the result line says -------------------------------


def test_a_given_category_is_named_in_the_result_line() -> None:
    out = ok("deposit", "2500", "--payee", "Acme", "-c", "income:salary", "--date", "2026-03-01")
    assert out == (
        "Opened checking; Deposited 2,500.00 to checking (ref T1); category income:salary; "
        "balance of checking: 2,500.00\n"
    )


def test_without_a_category_an_entry_is_uncategorized_and_says_why() -> None:
    ok("deposit", "100", "-c", "income", "--date", "2026-03-01")
    out = ok("check", "5", "--payee", "Nobody", "--date", "2026-03-02")
    assert "; category uncategorized (no rule or payee match); " in out
    result = ok_json("check", "5", "--payee", "Nobody", "--date", "2026-03-02")
    assert result["category"] == "uncategorized"
    assert result["category_source"] == "no rule or payee match"
    assert result["split"] is None


def test_the_payees_last_category_is_used_again_in_any_case_and_any_account() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("open", "savings", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Corner Grocer", "-c", "food:groceries", "--date", "2026-03-02")
    again = ok_json(
        "deposit", "5", "-a", "savings", "--payee", "CORNER grocer", "--date", "2026-03-03"
    )
    assert again["category"] == "food:groceries"
    assert again["category_source"] == "as last time for CORNER grocer"


def test_uncategorized_is_not_remembered_as_a_payees_category() -> None:
    ok("deposit", "1000", "--payee", "Acme", "-c", "income:salary", "--date", "2026-03-01")
    ok("deposit", "1000", "--payee", "Acme", "-c", "uncategorized", "--date", "2026-03-02")
    assert ok_json("deposit", "1", "--payee", "acme", "--date", "2026-03-03")["category"] == (
        "income:salary"
    )


def test_a_rule_comes_before_the_payees_last_category() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "40", "--payee", "Corner Grocer", "-c", "food", "--date", "2026-03-02")
    assert ok("rule", "add", "GROCER", "-c", "food:groceries") == (
        "Added rule 1: 'GROCER' gives category food:groceries (ref T3)\n"
    )
    result = ok_json("check", "41", "--payee", "Corner Grocer", "--date", "2026-03-03")
    assert (result["category"], result["category_source"]) == (
        "food:groceries",
        "from rule 1 'GROCER'",
    )
    # A category given wins over both.
    assert (
        _category(ok_json("check", "1", "--payee", "Grocer", "-c", "fun", "--date", "2026-03-04"))
        == "fun"
    )


@pytest.mark.parametrize("name", ["Food", "food::x", ":food", "food:", "a b", "x" * 101, "é"])
def test_a_bad_category_name_is_denied_naming_it(name: str, ledger_db: Path) -> None:
    message = denied("deposit", "5", "-c", name)
    assert message.startswith(f"ledger: category {name!r} is not valid; use 1 to 100 lowercase")
    assert not ledger_db.exists() or event_count(ledger_db) == 0


def test_a_transfer_has_no_category_option() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("open", "savings", "--date", "2026-03-01")
    code, out, err = cli("transfer", "5", "--from", "checking", "--to", "savings", "-c", "food")
    assert code == 2 and out == "" and "No such option: -c" in err


def test_category_and_split_together_are_a_usage_error(ledger_db: Path) -> None:
    code, out, err = cli("check", "10", "-c", "food", "--split", "a=5", "--split", "b=5")
    assert code == 2 and out == ""
    assert "use either -c/--category or --split, not both" in err
    assert not ledger_db.exists()


# -- splits ----------------------------------------------------------------------------------


def test_a_split_is_recorded_with_its_parts() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    out = ok("check", "62.50", "--split", "food=50", "--split", "home:supplies=12.50")
    assert "; split food 50.00, home:supplies 12.50; " in out
    rows = ok_json("history")
    assert rows[-1]["category"] is None
    assert rows[-1]["split"] == [
        {"category": "food", "amount": "50.00"},
        {"category": "home:supplies", "amount": "12.50"},
    ]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["a=50", "b=12"], "the split adds up to 62.00, 0.50 short of the check's 62.50"),
        (["a=50", "b=13"], "the split adds up to 63.00, 0.50 more than the check's 62.50"),
        (["a=62.50"], "a split needs at least two parts; for one category use -c"),
        (["a=50", "a=12.50"], "split names a twice; give each category once"),
        (["a=50", "b"], "split part 'b' is not CATEGORY=AMOUNT (food:groceries=30)"),
        (["a=62.50", "b=0"], "split part b"),
    ],
)
def test_a_split_that_does_not_add_up_is_denied_with_the_difference(
    parts: list[str], message: str, ledger_db: Path
) -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    before = event_count(ledger_db)
    args = [arg for part in parts for arg in ("--split", part)]
    assert denied("check", "62.50", *args).startswith(f"ledger: {message}")
    assert event_count(ledger_db) == before


# -- categorize ------------------------------------------------------------------------------


def test_categorize_sets_the_category_from_now_on_without_moving_money(ledger_db: Path) -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    check = ref("check", "84.20", "--payee", "Corner Grocer", "-c", "food:groceries")
    balance = ok("balance")
    out = ok("categorize", check, "-c", "food:dining")
    assert out.startswith(f"Categorized {check} (check 1 to Corner Grocer, 84.20, ")
    assert " as food:dining (ref T3); balance of checking: 915.80\n" in out
    assert ok("balance") == balance
    assert ok_json("history")[-1]["category"] == "food:dining"
    # The payee's last category is the one set again.
    assert _category(ok_json("check", "1", "--payee", "corner grocer")) == "food:dining"


def test_categorize_into_a_split() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    check = ref("check", "60", "-c", "food")
    ok("categorize", check, "--split", "food=40", "--split", "home=20")
    assert ok_json("history")[-1]["split"] == [
        {"category": "food", "amount": "40.00"},
        {"category": "home", "amount": "20.00"},
    ]
    assert denied("categorize", check, "--split", "food=40", "--split", "home=10") == (
        "ledger: the split adds up to 50.00, 10.00 short of the entry's 60.00"
    )


def test_categorize_denials_leave_the_log_as_it_was(ledger_db: Path) -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("open", "savings", "--date", "2026-03-01")
    opened = "T2"  # open savings
    moved = ref("transfer", "5", "--from", "checking", "--to", "savings")
    voided = ref("check", "10", "-c", "food")
    void = ref("void", voided)
    live = ref("check", "11", "-c", "food")
    before = event_count(ledger_db)
    cases = {
        moved: f"ledger: {moved} is a transfer between your own accounts; it has no category",
        voided: f"ledger: {voided} is voided (by {void}); it counts in no report",
        void: f"ledger: {void} is a void (of {voided}); it takes the category of what it voids",
        opened: f"ledger: {opened} moves no money "
        "(it opens, closes, clears, reconciles, categorizes, or sets a rule or budget); "
        "it has no category",
        "T99": "ledger: no transaction 'T99'",
        live: f"ledger: {live} is already food; there is nothing to change",
    }
    for target, message in cases.items():
        assert denied("categorize", target, "-c", "food") == message
    assert denied("categorize", live) == (
        "ledger: say which category: -c/--category NAME or --split CATEGORY=AMOUNT"
    )
    assert event_count(ledger_db) == before


def test_categorize_is_not_bounded_by_a_sealed_period() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    check = ref("check", "40", "--date", "2026-03-02")
    ok("clear", "T1", check)
    ok("reconcile", "-a", "checking", "--statement-date", "2026-03-31", "--statement-balance", "60")
    assert "is reconciled with a statement" in denied("deposit", "1", "--date", "2026-03-05")
    ok("categorize", check, "-c", "home:rent")
    assert ok_json("history")[1]["category"] == "home:rent"


def test_a_void_and_an_unvoid_carry_the_category_of_what_they_concern() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    check = ref("check", "30", "-c", "food:groceries", "--date", "2026-03-02")
    void = ref("void", check)
    ref("unvoid", check)
    rows = ok_json("history")
    assert [(row["ref"], row["category"]) for row in rows[1:]] == [
        (check, "food:groceries"),
        (void, "food:groceries"),
        ("T4", "food:groceries"),
    ]


def test_amend_can_change_the_category_and_a_split_needs_its_parts_with_a_new_amount() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    check = ref("check", "30", "-c", "food")
    replacement = ok_json("amend", check, "-c", "home")
    assert replacement["category"] == "home"
    split = ref("check", "60", "--split", "food=40", "--split", "home=20")
    assert denied("amend", split, "--amount", "70") == (
        f"ledger: {split} is split; with a new amount give the parts again with --split, or "
        "one category with -c"
    )
    payee_only = ok_json("amend", split, "--payee", "Shop")
    assert payee_only["split"] == [
        {"category": "food", "amount": "40.00"},
        {"category": "home", "amount": "20.00"},
    ]


# -- rules -----------------------------------------------------------------------------------


def test_rules_are_listed_removed_and_never_reuse_an_id(ledger_db: Path) -> None:
    ok("rule", "add", "GROCER", "-c", "food:groceries", "--payee", "Corner Grocer")
    ok("rule", "add", "ATM", "-c", "cash")
    assert ok_json("rule", "list") == [
        {"id": 1, "pattern": "GROCER", "category": "food:groceries", "payee": "Corner Grocer"},
        {"id": 2, "pattern": "ATM", "category": "cash", "payee": None},
    ]
    assert ok("rule", "remove", "1") == "Removed rule 1 (ref T3)\n"
    assert (
        denied("rule", "remove", "1")
        == "ledger: no rule 1 (rules: 2; `ledger rule list` shows them)"
    )
    assert denied("rule", "add", "atm", "-c", "x") == (
        "ledger: rule 2 already matches 'ATM' (category cash); remove it first with "
        "`ledger rule remove 2`"
    )
    ok("rule", "add", "GROCER", "-c", "food")
    assert [rule["id"] for rule in ok_json("rule", "list")] == [2, 3]
    # The rules as known before the removal.
    recorded = [row["recorded_at"] for row in ok_json("audit")]
    assert [r["id"] for r in ok_json("rule", "list", "--known-at", recorded[1])] == [1, 2]


def test_the_first_rule_that_matches_wins() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("rule", "add", "grocer", "-c", "food:groceries")
    ok("rule", "add", "corner", "-c", "food:corner")
    assert _category(ok_json("check", "5", "--payee", "Corner Grocer")) == "food:groceries"
    ok("rule", "remove", "1")
    assert _category(ok_json("check", "5", "--payee", "Corner Grocer")) == "food:corner"


def test_statement_applies_rules_and_says_which_rule_categorised_each_row(tmp_path: Path) -> None:
    ok("deposit", "5000", "--date", "2026-03-01", "-c", "income:salary")
    ok("rule", "add", "ATM WITHDRAWAL", "-c", "cash", "--payee", "Cash machine")
    ok("rule", "add", "SERVICE FEE", "-c", "bank:fees")
    result = ok_json("statement", str(FIXTURES / "march-statement.csv"), "-a", "checking")
    added = {row["description"]: row for row in result["rows"] if row["decision"] == "added"}
    atm = added["ATM WITHDRAWAL 0342 ELM AVE SPRINGFIELD IL"]
    assert (atm["category"], atm["rule"]) == ("cash", 1)
    assert atm["reason"] == "CashWithdrawn, category cash (from rule 1 'ATM WITHDRAWAL')"
    fee = added["MONTHLY SERVICE FEE"]
    assert (fee["category"], fee["rule"]) == ("bank:fees", 2)
    interest = added["INTEREST PAYMENT"]
    assert (interest["category"], interest["rule"]) == ("uncategorized", None)
    cash = ok_json("history", "--category", "cash")
    assert cash and all(row["payee"] == "Cash machine" for row in cash)
    assert all(row["memo"].startswith("ATM WITHDRAWAL") for row in cash)


# -- budgets ---------------------------------------------------------------------------------


def test_budgets_are_set_listed_and_removed() -> None:
    assert ok("budget", "food", "400", "--from", "2026-03") == (
        "Budget of food: 400.00 USD a month from 2026-03 (ref T1)\n"
    )
    ok("budget", "food", "450", "--from", "2026-05")
    ok("budget", "food", "0", "--from", "2026-07")
    assert ok_json("budget") == [
        {"category": "food", "currency": "USD", "from": "2026-03", "amount": "400.00"},
        {"category": "food", "currency": "USD", "from": "2026-05", "amount": "450.00"},
        {"category": "food", "currency": "USD", "from": "2026-07", "amount": "0.00"},
    ]
    assert denied("budget", "food", "0", "--from", "2026-08") == (
        "ledger: food has no budget in 2026-08; there is nothing to remove"
    )
    assert denied("budget", "food", "450", "--from", "2026-06") == (
        "ledger: food already has a budget of 450.00 a month in 2026-06"
    )
    assert denied("budget", "food", "10", "--from", "2026-13") == (
        "ledger: --from '2026-13' is not a month; use YYYY-MM (2026-03)"
    )


def test_a_budget_needs_a_currency_when_the_accounts_hold_several() -> None:
    ok("open", "euro", "--currency", "EUR")
    ok("deposit", "1", "--date", "2026-03-01")
    assert denied("budget", "food", "10") == (
        "ledger: the accounts hold EUR and USD; say which with --currency"
    )
    assert "EUR a month" in ok("budget", "food", "10", "--currency", "EUR")


# -- history filters -------------------------------------------------------------------------


def _household() -> dict[str, str]:
    refs = {
        "salary": ref(
            "deposit", "3000", "--payee", "Acme", "-c", "income:salary", "--date", "2026-03-01"
        ),
        "grocer": ref(
            "check",
            "40",
            "--payee",
            "Corner Grocer",
            "-c",
            "food:groceries",
            "--date",
            "2026-03-02",
        ),
        "dinner": ref(
            "withdraw", "25", "-m", "dinner out", "-c", "food:dining", "--date", "2026-03-03"
        ),
        "split": ref(
            "check",
            "62.50",
            "--payee",
            "Mart",
            "--split",
            "food:groceries=50",
            "--split",
            "home=12.50",
            "--date",
            "2026-03-04",
        ),
        "rent": ref(
            "check", "1200", "--payee", "Landlord", "-c", "home:rent", "--date", "2026-03-05"
        ),
    }
    refs["void"] = ref("void", refs["grocer"])
    return refs


def test_history_filters_keep_lines_and_the_running_balance_counts_every_entry() -> None:
    refs = _household()
    every = {row["ref"]: row for row in ok_json("history")}
    food = ok_json("history", "--category", "food")
    assert [row["ref"] for row in food] == [
        refs["grocer"],
        refs["void"],
        refs["dinner"],
        refs["split"],
    ]
    # Each kept line has the balance of the full register.
    assert all(row["balance"] == every[row["ref"]]["balance"] for row in food)
    assert [row["ref"] for row in ok_json("history", "-c", "home")] == [refs["split"], refs["rent"]]
    assert [row["ref"] for row in ok_json("history", "--payee", "GROCER")] == [
        refs["grocer"],
        refs["void"],
    ]
    assert [row["ref"] for row in ok_json("history", "--search", "dinner")] == [refs["dinner"]]
    assert [row["ref"] for row in ok_json("history", "--min", "40", "--max", "62.50")] == [
        refs["grocer"],
        refs["void"],
        refs["split"],
    ]
    assert [row["ref"] for row in ok_json("history", "-c", "food", "--limit", "2")] == [
        refs["dinner"],
        refs["split"],
    ]
    assert ok("history", "-c", "travel") == "No entries in checking match the filters.\n"
    assert denied("history", "-c", "Food").startswith("ledger: category 'Food' is not valid")
    assert denied("history", "--min", "x").startswith("ledger: ")


def test_history_with_a_limit_and_a_filter_agrees_with_the_filtered_register() -> None:
    ok("deposit", "10000", "--date", "2026-01-01", "-c", "income")
    for day in range(1, 29):
        category = "food" if day % 3 else "home"
        ok("check", f"{day}.25", "-c", category, "--date", f"2026-02-{day:02d}")
    full = ok_json("history", "-c", "food")
    assert ok_json("history", "-c", "food", "--limit", "5") == full[-5:]
    assert (
        ok_json("history", "-c", "food", "--limit", "5", "--as-of", "2026-02-14")
        == [row for row in full if row["date"] <= "2026-02-14"][-5:]
    )


def test_history_all_filters_every_account() -> None:
    ok("deposit", "100", "-c", "food", "--date", "2026-03-01")
    ok("open", "savings", "--date", "2026-03-01")
    ok("deposit", "7", "-a", "savings", "-c", "food:refunds", "--date", "2026-03-02")
    ok("deposit", "9", "-a", "savings", "-c", "gifts", "--date", "2026-03-03")
    rows = ok_json("history", "--all", "-c", "food")
    assert [(row["account"], row["amount"]) for row in rows] == [
        ("checking", "100.00"),
        ("savings", "7.00"),
    ]


def test_history_csv_has_the_category_and_split_columns() -> None:
    ok("deposit", "100", "-c", "food", "--date", "2026-03-01")
    ok("check", "10", "--split", "a=4", "--split", "b=6", "--date", "2026-03-02")
    lines = ok("history", "--csv").splitlines()
    header = lines[0].split(",")
    assert header[8:12] == ["category", "split", "amount", "balance"]
    assert lines[1].split(",")[8:10] == ["food", ""]
    assert lines[2].split(",")[8:10] == ["", "a=4.00;b=6.00"]


# -- import ----------------------------------------------------------------------------------


def test_import_rows_take_a_category_or_a_split(tmp_path: Path, ledger_db: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "date,type,amount,payee,category,split\n"
        "2026-03-01,deposit,1000,Acme,income:salary,\n"
        "2026-03-02,check,30,Mart,,food=20;home=10\n"
        "2026-03-03,withdraw,5,,cash,\n"
        "2026-03-04,deposit,2,acme,,\n",
        encoding="utf-8",
    )
    ok("import", str(rows))
    history = ok_json("history")
    assert [(row["category"], row["split"]) for row in history] == [
        ("income:salary", None),
        (None, [{"category": "food", "amount": "20.00"}, {"category": "home", "amount": "10.00"}]),
        ("cash", None),
        ("income:salary", None),  # the payee's last category
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,type,amount,to,category\n2026-03-05,transfer,5,savings,food\n", encoding="utf-8"
    )
    before = event_count(ledger_db)
    assert denied("import", str(bad)) == (
        "ledger: line 2: a transfer has no 'category'; nothing was imported"
    )
    split = tmp_path / "split.ndjson"
    split.write_text(
        json.dumps({"date": "2026-03-05", "type": "check", "amount": "30", "split": "a=20;b=9"})
        + "\n",
        encoding="utf-8",
    )
    assert denied("import", str(split)) == (
        "ledger: line 1: the split adds up to 29.00, 1.00 short of the check's 30.00; "
        "nothing was imported"
    )
    assert event_count(ledger_db) == before


# -- idempotency keys stored before categories -----------------------------------------------


def test_the_fingerprint_of_a_command_without_a_category_is_what_it_was_before() -> None:
    """A key stored before categories existed holds the fingerprint of the command's fields
    then: a retry of the same command must still be the same content."""
    import hashlib
    from datetime import date

    def old(kind: str, fields: dict[str, object]) -> str:
        # As the fingerprint was computed before: amounts by value, every field then.
        fields = {**fields, "amount": _normal_amount(str(fields["amount"]))}
        text = json.dumps([kind, fields], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    day = date(2026, 3, 1)
    assert fingerprint(Deposit("100", day, payee="Acme")) == old(
        "Deposit",
        {
            "amount": "100",
            "date": day,
            "account": "checking",
            "payee": "Acme",
            "memo": None,
            "force": False,
        },
    )
    assert fingerprint(WriteCheck("5.00", day, number=3)) == old(
        "WriteCheck",
        {
            "amount": "5",
            "date": day,
            "account": "checking",
            "number": 3,
            "payee": None,
            "memo": None,
            "force": False,
            "from_bank": False,
        },
    )
    assert fingerprint(Deposit("100", day, category="food")) != fingerprint(Deposit("100", day))


# -- found by review ---------------------------------------------------------------------------


def test_amend_with_a_category_records_it_as_given_not_kept() -> None:
    ok("deposit", "100", "-c", "income", "--date", "2026-03-01")
    check = ref("check", "40", "-c", "food:dining", "--date", "2026-03-02")
    given = ok_json("amend", check, "-c", "food:coffee")
    assert (given["category"], given["category_source"]) == ("food:coffee", "given")
    audit = ok_json("audit")
    assert "category_source" not in {key for key, value in audit[-1].items() if value is not None}
    kept = ok_json("amend", given["ref"], "--amount", "41")
    assert kept["category_source"] == f"kept from {given['ref']}"


def test_the_same_split_typed_another_way_is_the_same_command_under_an_id() -> None:
    first = ok_json("deposit", "10", "--split", "a=5", "--split", "b=5", "--id", "k")
    again = cli("deposit", "10.00", "--split", "b=5.00", "--split", "a=5", "--id", "k")
    assert again[0] == 0 and "already recorded as T1 under this --id" in again[2]
    assert first["ref"] == "T1"
    assert denied("deposit", "10", "--split", "a=4", "--split", "b=6", "--id", "k") == (
        "ledger: --id 'k' was already used for a different command (recorded as T1); use a "
        "new key for a new command"
    )


def test_budget_and_rule_inputs_that_would_do_nothing_are_refused() -> None:
    ok("deposit", "1", "--date", "2026-03-01")
    assert denied("budget", "food", "10", "--currency", "GBP") == (
        "ledger: no account holds GBP (the accounts hold USD); a budget in GBP would compare "
        "with nothing"
    )
    assert denied("rule", "add", "x", "-c", "food", "--payee", "") == (
        "ledger: --payee is empty; leave it out for a rule that sets no payee"
    )
    assert denied("budget", "food", "10", "--from", "1960-01") == (
        "ledger: --from 1960-01 is before 1970, a likely typo"
    )
    assert denied("history", "--min", "200", "--max", "100") == (
        "ledger: --min 200 is more than --max 100: nothing could match"
    )


def test_refs_that_move_no_money_are_named_so() -> None:
    ok("deposit", "100", "-c", "income", "--date", "2026-03-01")
    budget = ref("budget", "food", "10", "--from", "2026-03")
    assert denied("categorize", budget, "-c", "x") == (
        f"ledger: {budget} moves no money (it opens, closes, clears, reconciles, categorizes, "
        "or sets a rule or budget); it has no category"
    )


def test_rules_and_budgets_take_an_idempotency_key(ledger_db: Path) -> None:
    first = ok_json("rule", "add", "GROCER", "-c", "food", "--id", "r1")
    code, out, err = cli("rule", "add", "GROCER", "-c", "food", "--id", "r1", "--json")
    assert code == 0 and json.loads(out)["ref"] == first["ref"]
    assert "already recorded" in err
    before = event_count(ledger_db)
    ok("budget", "food", "100", "--from", "2026-03", "--id", "b1")
    ok("budget", "food", "100", "--from", "2026-03", "--id", "b1")
    assert event_count(ledger_db) == before + 1
    assert denied("budget", "food", "200", "--from", "2026-03", "--id", "b1").startswith(
        "ledger: --id 'b1' was already used for a different command"
    )
    assert denied("budget", "--id", "x") == (
        "ledger: --from, --currency, --id and --dry-run set a budget: give CATEGORY AMOUNT"
    )
