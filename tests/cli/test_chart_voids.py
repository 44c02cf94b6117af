"""`ledger chart` on voids and on windows a user did not spell out: a void nets out the entry it
voids in that entry's direction (the void of a check lowers the money out, never adds money in),
the reversal of a void restores it, a window ending at --as-of needs no --since, and the
legend never covers a bar."""

from __future__ import annotations

import json
import re

import pytest
from conftest import denied, ok, ref

from ledger_cli.app.series import flows


def chart(*args: str) -> list[dict[str, str]]:
    return list(json.loads(ok("chart", *args, "--json")))


def figures(series: list[dict[str, str]]) -> list[tuple[str, str, str, str]]:
    return [(p["period"], p["deposits"], p["withdrawals"], p["balance"]) for p in series]


@pytest.fixture
def march() -> dict[str, str]:
    """6,400.00 came in; a phone bill of 184.30 was written and voided; rent went out."""
    refs = {
        "salary": ref("deposit", "5000", "--date", "2026-03-01", "--payee", "Salary"),
        "phone": ref("check", "184.30", "--date", "2026-03-05", "--payee", "Phone Co"),
        "rent": ref("check", "1000", "--date", "2026-03-10", "--payee", "Landlord"),
        "refund": ref("deposit", "1400", "--date", "2026-03-15", "--payee", "Refund"),
    }
    refs["void"] = ref("void", refs["phone"])
    return refs


@pytest.mark.usefixtures("march")
def test_a_voided_check_is_not_money_in() -> None:
    """Reproduction: the chart showed 6,584.30 in when the real money in was 6,400.00 (the
    void of a check counted as a deposit)."""
    assert figures(chart("--by", "month")) == [("2026-03", "6400.00", "1000.00", "5400.00")]
    assert figures(chart("--by", "week")) == [
        ("2026-W09", "5000.00", "0.00", "5000.00"),
        ("2026-W10", "0.00", "0.00", "5000.00"),  # the bill and its void net out
        ("2026-W11", "1400.00", "1000.00", "5400.00"),
    ]
    assert ok("chart", "--by", "month").splitlines()[-1] == (
        "checking (USD) from 2026-03-01 to 2026-03-15 by month: balance 0.00 -> 5,400.00; "
        "deposits 6,400.00, withdrawals 1,000.00"
    )


def test_a_void_dated_later_lowers_the_money_out_of_its_own_period() -> None:
    ok("deposit", "500", "--date", "2026-03-02")
    phone = ref("check", "184.30", "--date", "2026-03-03")
    ok("void", phone, "--date", "2026-03-10")
    assert figures(chart("--by", "week")) == [
        ("2026-W10", "500.00", "184.30", "315.70"),
        ("2026-W11", "0.00", "-184.30", "500.00"),
    ]


def test_a_voided_deposit_lowers_the_money_in() -> None:
    bounced = ref("deposit", "250", "--date", "2026-03-02")
    ok("deposit", "100", "--date", "2026-03-03")
    ok("void", bounced)
    assert figures(chart("--by", "month")) == [("2026-03", "100.00", "0.00", "100.00")]


def test_a_voided_transfer_nets_out_in_both_accounts() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("open", "savings", "--date", "2026-03-01")
    move = ref("transfer", "300", "--from", "checking", "--to", "savings", "--date", "2026-03-02")
    ok("transfer", "50", "--from", "checking", "--to", "savings", "--date", "2026-03-02")
    ok("void", move)
    assert figures(chart("--by", "month")) == [("2026-03", "1000.00", "50.00", "950.00")]
    assert figures(chart("-a", "savings", "--by", "month")) == [
        ("2026-03", "50.00", "0.00", "50.00")
    ]


def test_an_unvoided_check_is_money_out_again() -> None:
    ok("deposit", "500", "--date", "2026-03-02")
    check = ref("check", "100", "--date", "2026-03-03")
    ok("void", check)
    assert figures(chart("--by", "month")) == [("2026-03", "500.00", "0.00", "500.00")]
    ok("unvoid", check)
    assert figures(chart("--by", "month")) == [("2026-03", "500.00", "100.00", "400.00")]


def test_an_amended_deposit_counts_once_at_its_new_amount() -> None:
    salary = ref("deposit", "1000", "--date", "2026-03-02")
    ok("amend", salary, "--amount", "1100")
    assert figures(chart("--by", "month")) == [("2026-03", "1100.00", "0.00", "1100.00")]


def test_flows_count_a_void_against_its_entry_and_a_reversal_with_it() -> None:
    """(money in, money out) of one register row, in minor units. A TransactionVoided counts
    against the direction of the entry it voids (its sign is the opposite of that entry's);
    a VoidReversed restores the entry, so it counts in the entry's direction, which its
    sign gives."""
    assert flows("FundsDeposited", 500) == (500, 0)
    assert flows("CheckWritten", -18_430) == (0, 18_430)
    assert flows("TransactionVoided", 18_430) == (0, -18_430)  # the void of a check
    assert flows("TransactionVoided", -500) == (-500, 0)  # the void of a deposit
    assert flows("VoidReversed", -18_430) == (0, 18_430)  # the check restored
    assert flows("VoidReversed", 500) == (500, 0)  # the deposit restored


# -- windows: never an option the user did not give -----------------------------------------


def test_as_of_before_the_account_was_opened_names_no_since() -> None:
    """Reproduction: `chart --as-of 2026-10-01` on an account opened 2026-11-01 said
    "--since 2026-11-01 is after the end", with no --since given. The chart starts at the
    first entry (entries may be dated before the opening day), else shows the one day."""
    ok("open", "savings", "--date", "2026-11-01")
    series = chart("-a", "savings", "--as-of", "2026-10-01")
    assert [(p["period"], p["start"], p["end"], p["balance"]) for p in series] == [
        ("2026-10-01", "2026-10-01", "2026-10-01", "0.00")
    ]
    assert ok("chart", "-a", "savings", "--as-of", "2026-10-01").splitlines()[-1] == (
        "savings (USD) from 2026-10-01 to 2026-10-01 by day: balance 0.00 -> 0.00; "
        "deposits 0.00, withdrawals 0.00"
    )


def test_the_default_window_starts_at_the_first_entry() -> None:
    ok("open", "savings", "--date", "2026-11-01")
    ok("deposit", "100", "-a", "savings", "--date", "2026-09-15")
    ok("deposit", "50", "-a", "savings", "--date", "2026-10-20")
    series = chart("-a", "savings", "--as-of", "2026-10-01")
    assert (series[0]["start"], series[-1]["end"], series[-1]["balance"]) == (
        "2026-09-15", "2026-10-01", "100.00"
    )
    assert len(series) == 17  # by day, 15 September to 1 October
    whole = chart("-a", "savings")
    assert (whole[0]["start"], whole[-1]["end"], whole[-1]["balance"]) == (
        "2026-09-15", "2026-10-20", "150.00"
    )


def test_since_after_as_of_names_both_options_given() -> None:
    ok("deposit", "10", "--date", "2026-03-01")
    assert denied("chart", "--since", "2026-03-02", "--as-of", "2026-03-01") == (
        "ledger: --since 2026-03-02 is after --as-of 2026-03-01"
    )


def test_since_after_the_last_entry_charts_from_since() -> None:
    ok("deposit", "10", "--date", "2026-03-01")
    assert figures(chart("--since", "2026-03-05")) == [
        ("2026-03-05", "0.00", "0.00", "10.00")
    ]


# -- the legend never covers a bar ------------------------------------------------------------

BAR = "\u2588"


def bar_plot(text: str) -> list[str]:
    """The rows inside the frame of the lower plot (deposits up, withdrawals down)."""
    lines = text.splitlines()
    title = next(i for i, line in enumerate(lines) if "deposits (up)" in line)
    top = next(i for i in range(title, len(lines)) if "\u250c" in lines[i])
    bottom = next(i for i in range(top, len(lines)) if "\u2514" in lines[i])
    return lines[top + 1:bottom]


def test_the_first_bar_is_drawn_whole() -> None:
    """The first period has the largest deposit: its bar reaches the top of the plot, where
    the legend used to be drawn over it."""
    ok("deposit", "6000", "--date", "2026-03-02")
    ok("check", "1000", "--date", "2026-03-10")
    ok("deposit", "2000", "--date", "2026-03-17")
    rows = bar_plot(ok("chart", "--by", "week"))
    inside = [re.split("[\u2524\u2502]", row, maxsplit=1)[1] for row in rows]
    # nothing but bars and blanks inside the frame: no legend text over them
    assert all(set(cells) <= {BAR, " ", "\u2502"} for cells in inside), inside
    zero = next(i for i, row in enumerate(rows) if row.lstrip().startswith("0.00"))
    base = inside[zero]  # the zero line: every bar that goes up ends on it
    start = base.index(BAR)
    end = start
    while base[end + 1] == BAR and end - start < 7:  # a bar is at most 8 cells wide
        end += 1
    heights = {c: sum(1 for row in inside[:zero + 1] if row[c] == BAR)
               for c, cell in enumerate(base) if cell == BAR}
    # the first bar: every one of its cells filled from its top down to the zero line, and
    # the tallest, as its deposit is the largest
    for column in range(start, end + 1):
        filled = [row[column] == BAR for row in inside[:zero + 1]]
        assert all(filled[filled.index(True):]), (column, inside)
        assert heights[column] == max(heights.values()) >= 5, (column, heights)
    assert max(heights) > end and heights[max(heights)] < heights[start]
