"""`due --post` when some occurrences are denied or sealed, the forecast's entries and overdraft
warning, `--known-at` on due and forecast, and the scheduled spending of `report --budget`
(SPEC 12), through the CLI, on a ledger whose today is fixed (LEDGER_TODAY)."""

from __future__ import annotations

import json

import pytest
from conftest import cli, denied, ok, ok_json

TODAY = "2026-03-31"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TODAY", TODAY)


def test_a_denied_occurrence_is_named_stays_due_and_the_others_are_recorded() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("schedule", "add", "rent", "check", "1500", "--every", "month", "--start", "2026-03-01",
       "--payee", "Landlord")
    ok("schedule", "add", "pay", "deposit", "600", "--every", "month", "--start", "2026-03-15")
    code, out, err = cli("due", "--post")
    assert code == 1
    assert out == (
        "Deposited 600.00 to checking for schedule pay due 2026-03-15 (ref T4); category "
        "uncategorized (no rule or payee match); balance of checking: 1,600.00\n"
    )
    assert err.splitlines() == [
        "ledger: rent due 2026-03-01 was not posted: insufficient funds in checking for check 1 "
        "of 1,500.00: balance 1,000.00, overdraft limit 0.00; it stays due",
        "ledger: 1 occurrence was denied and stays due; the others were recorded",
    ]
    assert [(item["schedule"], item["date"]) for item in ok_json("due")] == [
        ("rent", "2026-03-01")
    ]
    # Posted in date order against the balance the ones before left: now it is covered.
    assert "for schedule rent due 2026-03-01" in ok("due", "--post")
    assert ok("balance") == "checking: 100.00 USD\n"
    assert ok("due") == f"Nothing is due through {TODAY}.\n"


def test_due_post_json_lists_what_was_posted_and_denied() -> None:
    ok("schedule", "add", "gym", "withdraw", "30", "--every", "month", "--start", "2026-03-31")
    code, out, _ = cli("due", "--post", "--json")
    assert code == 1
    found = json.loads(out)
    assert found["posted"] == []
    assert found["denied"] == [
        {"schedule": "gym", "date": "2026-03-31", "reason":
         "insufficient funds in checking for a withdrawal of 30.00: balance 0.00, overdraft "
         "limit 0.00"}
    ]
    ok("deposit", "100")
    posted = ok_json("due", "--post")
    assert [(p["schedule"], p["date"], p["events"][0]["amount"]) for p in posted["posted"]] == [
        ("gym", "2026-03-31", "-30.00")
    ]


def test_a_post_into_a_sealed_period_needs_force() -> None:
    ok("deposit", "500", "--date", "2026-03-01")
    ok("schedule", "add", "fee", "fee", "2", "--every", "month", "--start", "2026-03-10")
    ok("reconcile", "-a", "checking", "--statement-date", "2026-03-20",
       "--statement-balance", "0")  # nothing cleared yet: the statement shows 0.00
    code, _, err = cli("due", "--post")
    assert code == 1
    assert "is reconciled with a statement through 2026-03-20" in err
    assert ok_json("due")[0]["date"] == "2026-03-10"
    assert "for schedule fee due 2026-03-10" in ok("due", "--post", "--force")
    rows = ok_json("history")
    assert [(r["date"], r["schedule"], r["occurrence"]) for r in rows if r["schedule"]] == [
        ("2026-03-10", "fee", "2026-03-10")
    ]


def test_forecast_takes_in_post_dated_entries_and_warns_before_the_overdraft() -> None:
    ok("open", "spare", "--overdraft-limit", "100")
    ok("deposit", "1000", "-a", "spare", "--date", "2026-03-01")
    ok("check", "700", "-a", "spare", "--date", "2026-04-10", "--payee", "Roofer")
    ok("schedule", "add", "rent", "check", "350", "-a", "spare", "--every", "month",
       "--start", "2026-04-01")
    code, out, err = cli("forecast", "-a", "spare", "--through", "2026-05-01", "--json")
    assert code == 0
    found = json.loads(out)
    assert found["start_balance"] == "1000.00"
    assert [(i["date"], i["source"], i["ref"], i["schedule"], i["amount"], i["balance"])
            for i in found["items"]] == [
        ("2026-04-01", "schedule", None, "rent", "-350.00", "650.00"),
        ("2026-04-10", "entry", "T3", None, "-700.00", "-50.00"),
        ("2026-05-01", "schedule", None, "rent", "-350.00", "-400.00"),
    ]
    assert found["lowest"] == {"date": "2026-05-01", "balance": "-400.00"}
    # Below minus the limit of 100.00: not on 04-10 (-50.00), on 05-01.
    assert found["first_overdraft"] == {"date": "2026-05-01", "balance": "-400.00"}
    assert err == (
        "ledger: warning: spare would fall to -400.00 on 2026-05-01, below its overdraft limit "
        "of 100.00 (ledger forecast)\n"
    )


def test_an_overdue_occurrence_counts_as_today_in_the_forecast() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("schedule", "add", "gym", "withdraw", "30", "--every", "month", "--start", "2026-02-28")
    items = ok_json("forecast", "--through", "2026-04-30")["items"]
    assert [(i["date"], i["due"], i["balance"]) for i in items] == [
        (TODAY, "2026-02-28", "70.00"),
        (TODAY, "2026-03-28", "40.00"),
        ("2026-04-28", "2026-04-28", "10.00"),
    ]
    code, _, err = cli("forecast", "--through", "2026-04-30")
    assert code == 0 and err == ""


def test_known_at_reproduces_due_and_the_forecast_after_later_posts() -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("schedule", "add", "gym", "withdraw", "30", "--every", "month", "--start", "2026-03-01")
    before_due = ok_json("due")
    before = ok_json("forecast", "--through", "2026-04-30")
    ok("due", "--post")
    ok("due", "--skip", "gym", "--date", "2026-04-01")
    assert ok_json("due") == []
    known = before["known_at"]
    assert ok_json("due", "--known-at", known) == before_due
    assert ok_json("forecast", "--through", "2026-04-30", "--known-at", known) == before
    listed = ok_json("schedule", "list", "--known-at", known)
    assert listed[0]["next"] == "2026-03-01"
    assert ok_json("schedule", "list")[0]["next"] == "2026-05-01"


def test_report_budget_shows_the_scheduled_spending_still_to_come_this_month() -> None:
    ok("deposit", "5000", "--date", "2026-03-01", "-c", "income:salary")
    ok("check", "200", "--date", "2026-03-05", "-c", "food:groceries")
    ok("budget", "food", "400", "--from", "2026-03")
    ok("schedule", "add", "dinner", "check", "150", "--every", "week", "--start", "2026-03-24",
       "-c", "food:dining")  # 03-24 (overdue) and 03-31 still to come; 04-07 is next month
    ok("schedule", "add", "wage", "deposit", "100", "--every", "week", "--start", "2026-03-24",
       "-c", "food:refunds")  # money in is not spending to come
    report = ok_json("report", "--budget", "--since", "2026-03-01")
    food = next(row for row in report["rows"] if row["category"] == "food")
    assert food["amounts"] == {"2026-03": "200.00"}
    assert food["budget"] == {"2026-03": "400.00"}
    assert food["scheduled"] == {"2026-03": "300.00"}
    assert food["left"] == {"2026-03": "200.00"}
    text = ok("report", "--budget", "--since", "2026-03-01")
    assert text.splitlines()[-1].split() == [
        "food", "2026-03", "400.00", "200.00", "300.00", "200.00", "over", "with", "scheduled"
    ]
    ok("due", "--post", "dinner")
    again = ok_json("report", "--budget", "--since", "2026-03-01")
    food = next(row for row in again["rows"] if row["category"] == "food")
    assert food["amounts"] == {"2026-03": "500.00"} and food["scheduled"] == {"2026-03": "0.00"}
    assert food["over"] == ["2026-03"]


def test_schedule_add_refusals() -> None:
    assert denied("schedule", "add", "x", "check", "5", "--every", "fortnight") == (
        "ledger: --every 'fortnight' is not a period; use day, week, 2weeks, month, quarter, "
        "year, or N days, weeks, months or years (N from 1 to 1000)"
    )
    assert denied("schedule", "add", "x", "check", "5", "--every", "month", "-a", "chekcing"
                  ) == "ledger: no account 'chekcing'; did you mean 'checking'?"
    code, _, err = cli("schedule", "add", "x", "transfer", "5", "--every", "month", "--to",
                       "savings", "-c", "food")
    assert code == 2 and "has no category" in err
    code, _, err = cli("schedule", "add", "x", "check", "5", "--every", "month", "--until",
                       "2026-05-01", "--count", "3")
    assert code == 2 and "either --until or --count" in err
    ok("schedule", "add", "x", "check", "5", "--every", "month")
    assert denied("schedule", "add", "x", "deposit", "5", "--every", "month") == (
        "ledger: schedule 'x' already exists (`ledger schedule list` shows it)"
    )
    assert denied("due", "--skip", "x", "--date", "2026-04-01") == (
        "ledger: schedule 'x' has no occurrence on 2026-04-01; the next is on 2026-04-30"
    )


def test_the_days_deposits_are_posted_before_its_checks() -> None:
    ok("schedule", "add", "ch", "check", "50", "--every", "month", "--start", "2026-03-24")
    ok("schedule", "add", "pay", "deposit", "80", "--every", "month", "--start", "2026-03-24")
    out = ok("due", "--post")
    assert [line.split(" for schedule ")[1].split(" ")[0] for line in out.splitlines()] == [
        "pay", "ch"
    ]
    assert ok("balance") == "checking: 30.00 USD\n"


def test_a_dry_run_with_a_denial_says_nothing_was_recorded() -> None:
    ok("schedule", "add", "ch", "check", "50", "--every", "month", "--start", "2026-03-24")
    code, out, err = cli("due", "--post", "--dry-run")
    assert code == 1 and out == ""
    assert err.splitlines()[-1] == (
        "ledger: 1 occurrence was denied and stays due; the others would be recorded"
    )
