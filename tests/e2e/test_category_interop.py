"""Categories across the journal tools, through the installed `ledger` (SPEC 11, "Export"):
on a household of four months in two accounts, `hledger incomestatement -M` on `ledger export
--format hledger` gives, month by month, the income and spending totals of `ledger report --by
month --json`, exactly; `hledger check --strict` and `bean-check` pass on the exports, and
beancount's Income and Expenses agree too. The same holds for the books as of a day in the
middle (where one category is still income, though over the whole ledger it is spending) and
as the ledger knew them before a `categorize` (report and export with the same --known-at).

The household has salary deposits (`-c income:salary`, then by the payee's last category),
checks and withdrawals in two-level spending categories, a split check, a refund (a deposit in
a spending category), transfers to and from savings (no category), a void dated in the next
month and its unvoid, a void that stands, an amend of an amount, statement rows categorised by
rules, and a `categorize` recorded last. The totals are also checked against sums worked out by
hand below, so that the report and the export cannot agree on a wrong answer.

.ci/run installs hledger (Debian's package); beancount comes with the `test` extra."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import LedgerProcess, ledger_process

HLEDGER = shutil.which("hledger")
BEAN_CHECK = shutil.which("bean-check", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")


def needs(tool: str | None, name: str) -> None:
    """Skip where `tool` is missing, except in CI, where it must be there."""
    if tool is None:
        if os.environ.get("CI"):
            raise RuntimeError(f"{name} is missing in CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")


STATEMENT = """\
Posting Date,Description,Check Number,Debit,Credit,Balance
03/02/2026,ACME CORP PAYROLL DIR DEP,,,"3,200.00",
03/15/2026,CORNER GROCER #12 SPRINGFIELD IL,,41.37,,
03/31/2026,MONTHLY SERVICE FEE,,12.00,,
"""


@dataclass(frozen=True)
class Household:
    db: Path
    before_categorize: str  # a recorded time: after every event but the categorize
    refs: dict[str, str]


def _ok(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `ledger ARGS` on `db`, which must succeed without a traceback."""
    result = ledger_process(*args, db=db, env={"HOME": str(db.parent / "home")})
    assert "Traceback" not in result.stderr, (args, result.stderr)
    assert result.returncode == 0, (args, result.returncode, result.stdout, result.stderr)
    return result


def _json(db: Path, *args: str) -> Any:
    return json.loads(_ok(db, *args, "--json").stdout)


@pytest.fixture(scope="module")
def household(tmp_path_factory: pytest.TempPathFactory) -> Household:
    folder = tmp_path_factory.mktemp("household")
    db = folder / "ledger.db"
    refs: dict[str, str] = {}

    def w(name: str, *args: str) -> dict[str, Any]:
        result: dict[str, Any] = _json(db, *args)
        refs[name] = str(result["ref"])
        return result

    w("open checking", "open", "checking", "--date", "2026-01-01")
    w("open savings", "open", "savings", "--date", "2026-01-01")
    # January
    w("salary jan", "deposit", "3200", "--date", "2026-01-02", "--payee", "Acme Corp",
      "-c", "income:salary")
    w("rent jan", "check", "1250", "--date", "2026-01-03", "--payee", "Landlord",
      "-c", "housing:rent")
    w("dining jan", "withdraw", "80", "--date", "2026-01-06", "-m", "dinner",
      "-c", "food:dining")
    split = w("grocer jan", "check", "96.50", "--date", "2026-01-09", "--payee", "Corner Grocer",
              "--split", "food:groceries=71.25", "--split", "household:supplies=25.25")
    assert split["balance"] == "1773.50", split
    w("to savings", "transfer", "500", "--from", "checking", "--to", "savings",
      "--date", "2026-01-15")
    w("power jan", "check", "64.10", "--date", "2026-01-20", "--payee", "City Power",
      "-c", "utilities:power")
    w("crafts sold", "deposit", "30", "--date", "2026-01-24", "--payee", "Craft Fair",
      "-c", "hobby:crafts")
    w("interest jan", "interest", "1.25", "-a", "savings", "--date", "2026-01-31",
      "-c", "income:interest")
    # February
    salary = w("salary feb", "deposit", "3200", "--date", "2026-02-02", "--payee", "acme corp")
    assert salary["category"] == "income:salary", salary  # the payee's last, in any case
    w("rent feb", "check", "1250", "--date", "2026-02-03", "--payee", "Landlord",
      "-c", "housing:rent")
    w("void power jan", "void", refs["power jan"], "--date", "2026-02-10", "--reason", "lost")
    w("unvoid power jan", "unvoid", refs["power jan"], "--reason", "it was cashed")
    w("grocer refund", "deposit", "20", "--date", "2026-02-12", "--payee", "Corner Grocer",
      "-c", "food:groceries")
    w("dining feb", "withdraw", "40", "--date", "2026-02-14", "-c", "food:dining")
    w("void dining feb", "void", refs["dining feb"], "--reason", "the machine gave nothing")
    w("power feb", "check", "58.40", "--date", "2026-02-18", "--payee", "City Power",
      "-c", "utilities:power")
    w("hotel", "withdraw", "200", "-a", "savings", "--date", "2026-02-20",
      "-c", "travel:lodging")
    # March
    w("salary mar", "deposit", "3200", "--date", "2026-03-02", "--payee", "Acme Corp",
      "-c", "income:salary")
    w("rent mar", "check", "1250", "--date", "2026-03-03", "--payee", "Landlord",
      "-c", "housing:rent")
    w("gift", "deposit", "80", "--date", "2026-03-07", "--payee", "Jordan Lee")
    w("books", "check", "45", "--date", "2026-03-10", "--payee", "Bookshop")
    w("craft supplies", "check", "100", "--date", "2026-03-12", "--payee", "Art Supply",
      "-c", "hobby:crafts")
    w("from savings", "transfer", "300", "--from", "savings", "--to", "checking",
      "--date", "2026-03-20")
    w("grocer rule", "rule", "add", "grocer", "-c", "food:groceries", "--payee", "Corner Grocer")
    w("fee rule", "rule", "add", "service fee", "-c", "bank:fees")
    bank = folder / "march.csv"
    bank.write_text(STATEMENT, encoding="utf-8")
    statement = _json(db, "statement", str(bank), "-a", "checking")
    decisions = {row["description"]: row for row in statement["rows"]}
    assert decisions["ACME CORP PAYROLL DIR DEP"]["ref"] == refs["salary mar"], statement
    grocer = decisions["CORNER GROCER #12 SPRINGFIELD IL"]
    assert grocer["decision"] == "added" and grocer["category"] == "food:groceries", grocer
    assert decisions["MONTHLY SERVICE FEE"]["category"] == "bank:fees", statement
    refs["grocer mar"] = str(grocer["ref"])
    # April
    w("salary apr", "deposit", "3200", "--date", "2026-04-01", "--payee", "Acme Corp")
    w("rent apr", "check", "1250", "--date", "2026-04-02", "--payee", "Landlord")
    amended = w("amend power feb", "amend", refs["power feb"], "--amount", "61.40")
    assert amended["category"] == "utilities:power", amended

    audit = _json(db, "audit")
    before = max(event["recorded_at"] for event in audit)
    w("categorize gift", "categorize", refs["gift"], "-c", "income:gifts")
    later = [e for e in _json(db, "audit") if e["ref"] == refs["categorize gift"]]
    assert later and all(e["recorded_at"] > before for e in later), (before, later)
    return Household(db, before, refs)


# What the household's months add up to, worked out by hand (cents), per view:
#   January: salary 3200 + interest 1.25; rent 1250 + dining 80 + the split 96.50 + power 64.10,
#            less the crafts sold (30: hobby:crafts is spending over the ledger, a refund there).
#   February: salary 3200; rent 1250 + power 61.40 (amended from 58.40) - the grocer's refund 20
#            + the hotel 200 (savings); the void of January's power check and its unvoid, both
#            on 02-10, cancel; the voided withdrawal counts nowhere.
#   March: salary 3200 + the gift 80 (categorised income:gifts); rent 1250 + books 45
#          (uncategorized) + the grocer 41.37 (by the rule) + the fee 12 + craft supplies 100.
#   April: salary 3200 (the payee's last category); rent 1250.
# As known before the categorize, the gift is uncategorized: uncategorized nets +35.00, income.
# As of 2026-02-15, hobby:crafts has only its +30: income.
EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    "now": {
        "income": {"2026-01": "3201.25", "2026-02": "3200.00", "2026-03": "3280.00",
                   "2026-04": "3200.00"},
        "spending": {"2026-01": "1460.60", "2026-02": "1491.40", "2026-03": "1448.37",
                     "2026-04": "1250.00"},
    },
    "as of the middle": {
        "income": {"2026-01": "3231.25", "2026-02": "3200.00"},
        "spending": {"2026-01": "1490.60", "2026-02": "1230.00"},
    },
    "known before categorize": {
        "income": {"2026-01": "3201.25", "2026-02": "3200.00", "2026-03": "3235.00",
                   "2026-04": "3200.00"},
        "spending": {"2026-01": "1460.60", "2026-02": "1491.40", "2026-03": "1403.37",
                     "2026-04": "1250.00"},
    },
}
VIEWS = list(EXPECTED)


def view_args(view: str, household: Household) -> tuple[str, ...]:
    if view == "as of the middle":
        return ("--as-of", "2026-02-15")
    if view == "known before categorize":
        return ("--known-at", household.before_categorize)
    return ()


Totals = dict[str, dict[str, Decimal]]  # section -> month label -> amount


def report_totals(run_ledger: LedgerProcess, household: Household, when: tuple[str, ...]) -> Totals:
    report = run_ledger.ok_json("report", "--by", "month", *when, db=household.db)
    assert isinstance(report, dict) and report["currency"] == "USD", report
    totals = report["totals"]
    assert set(totals["income"]) == set(report["periods"]), report
    return {
        section: {label: Decimal(amount) for label, amount in totals[section].items()}
        for section in ("income", "spending", "net")
    }


def _day(value: Any) -> str:
    """A date of hledger's JSON: a plain string, or (newer versions) {"contents": ...}."""
    return str(value if isinstance(value, str) else value["contents"])


def _usd(amounts: list[dict[str, Any]]) -> Decimal:
    """An hledger mixed amount of USD only, exactly (mantissa and decimal places)."""
    total = Decimal(0)
    for amount in amounts:
        assert amount["acommodity"] == "USD", amount
        quantity = amount["aquantity"]
        total += Decimal(quantity["decimalMantissa"]).scaleb(-int(quantity["decimalPlaces"]))
    return total


def hledger_totals(journal: Path) -> Totals:
    """The Revenues and Expenses totals of `hledger incomestatement -M` per month."""
    assert HLEDGER is not None
    result = subprocess.run(
        [HLEDGER, "-f", str(journal), "incomestatement", "-M", "-O", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    statement = json.loads(result.stdout)
    found: Totals = {}
    for subreport in statement["cbrSubreports"]:
        name, report = subreport[0], subreport[1]
        section = {"Revenues": "income", "Expenses": "spending"}[name]
        labels = [_day(span[0])[:7] for span in report["prDates"]]
        amounts = report["prTotals"]["prrAmounts"]
        assert len(labels) == len(amounts), report["prDates"]
        found[section] = {
            label: _usd(amount) for label, amount in zip(labels, amounts, strict=True)
        }
    return found


def same_months(ours: dict[str, Decimal], theirs: dict[str, Decimal]) -> None:
    """Month by month equal; a month one side leaves out is zero there."""
    for label in sorted(set(ours) | set(theirs)):
        assert ours.get(label, Decimal(0)) == theirs.get(label, Decimal(0)), (label, ours, theirs)


@pytest.mark.parametrize("view", VIEWS)
def test_hledger_income_statement_agrees_with_the_report_every_month(
    household: Household, run_ledger: LedgerProcess, tmp_path: Path, view: str
) -> None:
    needs(HLEDGER, "hledger")
    when = view_args(view, household)
    ours = report_totals(run_ledger, household, when)
    expected = {
        section: {label: Decimal(amount) for label, amount in months.items()}
        for section, months in EXPECTED[view].items()
    }
    assert {section: ours[section] for section in expected} == expected
    for label in ours["net"]:
        assert ours["net"][label] == ours["income"][label] - ours["spending"][label], label

    journal = tmp_path / "books.journal"
    run_ledger.ok("export", "--format", "hledger", "-o", str(journal), *when, db=household.db)
    theirs = hledger_totals(journal)
    assert set(theirs) == {"income", "spending"}, theirs
    same_months(ours["income"], theirs["income"])
    same_months(ours["spending"], theirs["spending"])


@pytest.mark.parametrize("view", VIEWS)
def test_hledger_check_strict_passes_on_the_export(
    household: Household, run_ledger: LedgerProcess, tmp_path: Path, view: str
) -> None:
    needs(HLEDGER, "hledger")
    assert HLEDGER is not None
    journal = tmp_path / "books.journal"
    run_ledger.ok("export", "--format", "hledger", "-o", str(journal),
                  *view_args(view, household), db=household.db)
    # --strict: every account and commodity declared; the balance assertions hold too.
    result = subprocess.run([HLEDGER, "-f", str(journal), "check", "--strict"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def beancount_totals(path: Path) -> Totals:
    """Income (sign turned) and Expenses per month, from beancount's own reading of `path`."""
    from beancount import loader
    from beancount.core import data

    entries, errors, _ = loader.load_file(str(path))
    assert not errors, errors
    found: Totals = {"income": {}, "spending": {}}
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        label = entry.date.isoformat()[:7]
        for posting in entry.postings:
            assert posting.units is not None and posting.units.number is not None
            assert posting.units.currency == "USD", posting
            number = Decimal(posting.units.number)
            if posting.account.startswith("Income:"):
                section, number = "income", -number
            elif posting.account.startswith("Expenses:"):
                section = "spending"
            else:
                continue
            found[section][label] = found[section].get(label, Decimal(0)) + number
    return found


@pytest.mark.parametrize("view", VIEWS)
def test_bean_check_passes_and_beancount_agrees_with_the_report(
    household: Household, run_ledger: LedgerProcess, tmp_path: Path, view: str
) -> None:
    needs(BEAN_CHECK, "bean-check")
    assert BEAN_CHECK is not None
    when = view_args(view, household)
    path = tmp_path / "books.beancount"
    run_ledger.ok("export", "--format", "beancount", "-o", str(path), *when, db=household.db)
    result = subprocess.run([BEAN_CHECK, str(path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    ours = report_totals(run_ledger, household, when)
    theirs = beancount_totals(path)
    same_months(ours["income"], theirs["income"])
    same_months(ours["spending"], theirs["spending"])


def _rows(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(row["section"], row["category"]): row["total"] for row in report["rows"]}


def test_known_at_before_the_categorize_gives_the_old_category_in_report_and_export(
    household: Household, run_ledger: LedgerProcess
) -> None:
    then = ("--known-at", household.before_categorize)
    old = _rows(run_ledger.ok_json("report", *then, db=household.db))
    new = _rows(run_ledger.ok_json("report", db=household.db))
    assert old[("income", "uncategorized")] == "35.00"
    assert ("income", "income:gifts") not in old
    assert new[("income", "income:gifts")] == "80.00"
    assert new[("spending", "uncategorized")] == "45.00"
    assert ("income", "uncategorized") not in new

    journal_then = run_ledger.ok("export", "--format", "hledger", *then, db=household.db).stdout
    journal_now = run_ledger.ok("export", "--format", "hledger", db=household.db).stdout
    assert "income:uncategorized" in journal_then and "income:gifts" not in journal_then
    assert "income:gifts" in journal_now and "expenses:uncategorized" in journal_now
    assert "income:uncategorized" not in journal_now


def test_the_section_of_a_category_follows_the_books_exported(
    household: Household, run_ledger: LedgerProcess
) -> None:
    """hobby:crafts is income as of 2026-02-15 (only the +30 sold) and spending over the whole
    ledger (-70): each export names its counter account as the report of the same books."""
    middle = ("--as-of", "2026-02-15")
    then = _rows(run_ledger.ok_json("report", *middle, db=household.db))
    now = _rows(run_ledger.ok_json("report", db=household.db))
    assert then[("income", "hobby:crafts")] == "30.00"
    assert now[("spending", "hobby:crafts")] == "70.00"
    journal_then = run_ledger.ok("export", "--format", "hledger", *middle, db=household.db).stdout
    journal_now = run_ledger.ok("export", "--format", "hledger", db=household.db).stdout
    assert "income:hobby:crafts" in journal_then and "expenses:hobby" not in journal_then
    assert "expenses:hobby:crafts" in journal_now and "income:hobby" not in journal_now


def test_the_households_two_accounts_balance_as_the_journals_assert(
    household: Household, run_ledger: LedgerProcess
) -> None:
    """The balances the exports assert (checked by hledger and bean-check above), by hand."""
    balances = {
        item["account"]: item["balance"]
        for item in run_ledger.ok_json("balance", "--all", db=household.db)
    }
    # checking: 4 salaries 12800 + crafts 30 + refund 20 + gift 80 + from savings 300
    #   - 4 rents 5000 - dining 80 - split 96.50 - power 64.10 - power 61.40 - books 45
    #   - supplies 100 - grocer 41.37 - fee 12 - to savings 500 = 7229.63
    # savings: 500 + interest 1.25 - hotel 200 - to checking 300 = 1.25
    assert balances == {"checking": "7229.63", "savings": "1.25"}
