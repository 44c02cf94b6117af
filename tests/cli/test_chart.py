"""`ledger chart`: the series in --json is the replayed log (each period's balance is
`balance --as-of` its last day; deposits and withdrawals sum the period's entries, a void
counted against the entry it voids), and the picture is drawn without a terminal. (Voids and
windows in detail: test_chart_voids.py.)"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from conftest import denied, minor, ok, ref


@pytest.fixture
def books() -> None:
    ok("open", "checking", "--date", "2026-01-10")
    ok("open", "savings", "--date", "2026-01-10")
    ok("deposit", "10000", "--date", "2026-01-15", "--payee", "Salary")
    ok("check", "4000", "--date", "2026-01-20", "--payee", "Landlord")
    ok("withdraw", "300", "--date", "2026-02-02")
    transfer = ref("transfer", "500", "--from", "checking", "--to", "savings",
                   "--date", "2026-02-10")
    ok("deposit", "2500", "--date", "2026-03-01")
    ok("void", transfer, "--date", "2026-03-03")
    ok("check", "1250.55", "--date", "2026-03-31", "--payee", "Power")
    ok("deposit", "80", "--date", "2026-01-12", "--payee", "Back-dated")
    ok("deposit", "100", "-a", "savings", "--date", "2026-02-15")
    ok("transfer", "40", "--from", "savings", "--to", "checking", "--date", "2026-04-02")


def replay(account: str) -> list[tuple[date, int, bool]]:
    """(date, amount in cents, whether it is a void) of every money-moving event of
    `account`, from the raw log."""
    moves = []
    for event in json.loads(ok("audit", "--json")):
        if event["account"] == account and event["type"] not in (
            "AccountOpened", "AccountClosed"
        ) and Decimal(event["amount"]):
            moves.append((date.fromisoformat(event["date"]),
                          int(Decimal(event["amount"]) * 100),
                          event["type"] == "TransactionVoided"))
    return moves


def check_series(series: list[dict[str, Any]], account: str) -> None:
    """Money in: the credits, less the voids of credits (a void has the opposite sign of what
    it voids); money out: the debits, less the voids of debits."""
    moves = replay(account)
    for period in series:
        start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
        inside = [(amount, void) for day, amount, void in moves if start <= day <= end]
        money_in = sum(a for a, void in inside if a > 0 and not void) + sum(
            a for a, void in inside if a < 0 and void)
        money_out = -sum(a for a, void in inside if a < 0 and not void) - sum(
            a for a, void in inside if a > 0 and void)
        assert minor(period["deposits"]) == money_in, period
        assert minor(period["withdrawals"]) == money_out, period
        assert minor(period["balance"]) == sum(a for day, a, _ in moves if day <= end), period
        shown = json.loads(ok("balance", "-a", account, "--as-of", period["end"], "--json"))
        assert shown["balance"] == period["balance"]
    days = [(date.fromisoformat(p["start"]), date.fromisoformat(p["end"])) for p in series]
    assert all(b[0] == a[1] + timedelta(days=1) for a, b in zip(days, days[1:], strict=False))


@pytest.mark.usefixtures("books")
@pytest.mark.parametrize("by", ["day", "week", "month"])
@pytest.mark.parametrize("account", ["checking", "savings"])
def test_the_series_is_the_replayed_log(by: str, account: str) -> None:
    series = json.loads(ok("chart", "-a", account, "--by", by, "--json"))
    # the account's first entry (both were opened on 2026-01-10)
    assert series[0]["start"] == {"checking": "2026-01-12", "savings": "2026-02-10"}[account]
    assert series[-1]["end"] == "2026-04-02"  # its last entry
    assert set(series[0]) == {"period", "start", "end", "balance", "deposits", "withdrawals",
                              "known_at"}
    check_series(series, account)


@pytest.mark.usefixtures("books")
def test_since_and_as_of_cut_the_first_and_last_period() -> None:
    series = json.loads(ok("chart", "--since", "2026-01-17", "--as-of", "2026-03-15",
                           "--by", "month", "--json"))
    assert [(p["period"], p["start"], p["end"]) for p in series] == [
        ("2026-01", "2026-01-17", "2026-01-31"),
        ("2026-02", "2026-02-01", "2026-02-28"),
        ("2026-03", "2026-03-01", "2026-03-15"),
    ]
    check_series(series, "checking")
    weeks = json.loads(ok("chart", "--since", "2026-01-01", "--as-of", "2026-01-31",
                          "--by", "week", "--json"))
    assert weeks[0]["period"] == "2026-W01" and weeks[1]["start"] == "2026-01-05"  # Monday


@pytest.mark.usefixtures("books")
def test_known_at_charts_what_the_ledger_knew() -> None:
    first = json.loads(ok("audit", "--json"))[0]["recorded_at"]
    assert json.loads(ok("chart", "--known-at", first, "--json"))[-1]["balance"] == "0.00"


@pytest.mark.usefixtures("books")
def test_the_period_defaults_to_the_span() -> None:
    assert json.loads(ok("chart", "--json", "--as-of", "2026-02-28"))[0]["period"] == "2026-01-12"
    assert json.loads(ok("chart", "--json", "--as-of", "2026-04-30"))[0]["period"] == "2026-W03"
    assert json.loads(ok("chart", "--json", "--as-of", "2027-02-01"))[0]["period"] == "2026-01"
    assert json.loads(ok("chart", "--json", "--since", "2026-03-01"))[0]["period"] == "2026-03-01"


@pytest.mark.usefixtures("books")
def test_the_picture_has_both_plots_and_a_summary_and_no_colour_when_piped() -> None:
    out = ok("chart", "--by", "month")
    assert "balance of checking (USD) by month" in out
    assert "deposits (up) and withdrawals (down)" in out
    assert "\x1b[" not in out
    assert out.rstrip().splitlines()[-1] == (
        "checking (USD) from 2026-01-12 to 2026-04-02 by month: balance 0.00 -> 7,069.45; "
        "deposits 12,620.00, withdrawals 5,550.55"
    )


def test_a_new_account_charts_one_flat_day() -> None:
    ok("open", "savings", "--date", "2026-03-01")
    series = json.loads(ok("chart", "-a", "savings", "--json"))
    known = json.loads(ok("audit", "--json"))[-1]["recorded_at"]
    assert series == [{"period": "2026-03-01", "start": "2026-03-01", "end": "2026-03-01",
                       "balance": "0.00", "deposits": "0.00", "withdrawals": "0.00",
                       "known_at": known}]
    assert "balance 0.00 -> 0.00" in ok("chart", "-a", "savings")


def test_without_plotext_the_picture_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok("deposit", "10", "--date", "2026-03-01")
    monkeypatch.setitem(sys.modules, "plotext", None)  # import plotext raises ImportError
    assert "needs the plotext package" in denied("chart")
    assert json.loads(ok("chart", "--json"))[0]["balance"] == "10.00"


def test_refusals() -> None:
    assert "no ledger" in denied("chart")
    ok("deposit", "10", "--date", "2026-03-01")
    assert "--by 'year' is not one of" in denied("chart", "--by", "year")
    assert "no account 'savngs'" in denied("chart", "-a", "savngs")
    assert "is after --as-of" in denied("chart", "--since", "2026-03-02", "--as-of", "2026-03-01")
    assert "periods" in denied("chart", "--since", "1900-01-01", "--by", "day")
    assert "not a date" in denied("chart", "--since", "March")
