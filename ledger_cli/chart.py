"""`ledger chart`: an account's balance over time, and the money in and out of each period, as a
series (what `--json` prints) and as a picture in the terminal drawn by plotext.

Each period's balance is the balance as of its last day, exactly what `balance --as-of` gives
for that day; deposits are the money that came in during the period (credits: deposits,
transfers in, interest, voids of debits) and withdrawals the money that went out (debits), so
that each balance is the one before plus deposits minus withdrawals. Amounts stay integers of
minor units: plotext draws integers, and the axis labels are printed by money.format_amount.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ledger_cli.errors import Denied, InvalidValue
from ledger_cli.money import Currency, format_amount
from ledger_cli.projections import AccountInfo
from ledger_cli.queries import Queries

PERIODS = ("day", "week", "month")
MAX_PERIODS = 20_000


@dataclass(frozen=True)
class Period:
    label: str  # 2026-03-01, 2026-W09, 2026-03
    start: date
    end: date
    balance: int  # as of `end`
    deposits: int  # money in during the period
    withdrawals: int  # money out during the period, as a positive number


@dataclass(frozen=True)
class Series:
    account: AccountInfo
    by: str
    periods: list[Period]

    def json(self) -> list[dict[str, Any]]:
        cur = self.account.currency
        return [
            {
                "period": p.label,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "balance": format_amount(p.balance, cur),
                "deposits": format_amount(p.deposits, cur),
                "withdrawals": format_amount(p.withdrawals, cur),
            }
            for p in self.periods
        ]


def check_period(text: str) -> str:
    by = text.strip().lower()
    if by not in PERIODS:
        raise InvalidValue(f"--by {text!r} is not one of {', '.join(PERIODS)}")
    return by


def _period_start(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if by == "month":
        return day.replace(day=1)
    return day


def _next_start(start: date, by: str) -> date:
    if by == "day":
        return start + timedelta(days=1)
    if by == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _label(start: date, by: str) -> str:
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return start.strftime("%Y-%m")
    return start.isoformat()


def _count(first: date, last: date, by: str) -> int:
    if by == "day":
        return (last - first).days + 1
    if by == "week":
        return (_period_start(last, by) - _period_start(first, by)).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1


def periods(first: date, last: date, by: str) -> Iterator[tuple[date, date]]:
    """(start, end) of each period from `first` to `last`, both included; the first and the
    last period are cut at those days."""
    start = first
    while start <= last:
        try:
            following: date | None = _next_start(_period_start(start, by), by)
        except OverflowError:
            following = None  # the last period before date.max
        end = min(following - timedelta(days=1), last) if following else last
        yield start, end
        if end >= last:
            return
        start = end + timedelta(days=1)


def series(
    q: Queries,
    name: str,
    *,
    since: date | None,
    as_of: date | None,
    known_at: datetime | None,
    by: str | None,
) -> Series:
    """The balance, deposits and withdrawals of `name` per period, from `since` (default: the
    day the account was opened) to `as_of` (default: its last entry, post-dated ones
    included), as known at `known_at`. Periods are days, weeks or months (`by`; None: days
    up to 62 days, weeks up to 366, months beyond)."""
    info = q.account(name, known_at)
    first = since or date.fromisoformat(info.opened_on)
    if as_of is not None:
        last = as_of
    else:
        newest = list(q.history(name, known_at=known_at, limit=1))
        last = max(date.fromisoformat(newest[0].row.date) if newest else first, first)
    if last < first:
        raise InvalidValue(f"--since {first.isoformat()} is after the end {last.isoformat()}")
    if by is None:
        days = (last - first).days + 1
        by = "day" if days <= 62 else "week" if days <= 366 else "month"
    count = _count(first, last, by)
    if count > MAX_PERIODS:
        raise InvalidValue(
            f"that is {count} periods of a {by}; at most {MAX_PERIODS}: use a later --since "
            "or a longer --by"
        )
    before = first - timedelta(days=1) if first > date.min else None
    balance = q.balance(name, before, known_at).balance if before is not None else 0
    lines = q.history(name, since=first, as_of=last, known_at=known_at)
    line = next(lines, None)
    found: list[Period] = []
    for start, end in periods(first, last, by):
        deposits = withdrawals = 0
        while line is not None and date.fromisoformat(line.row.date) <= end:
            if line.row.amount > 0:
                deposits += line.row.amount
            else:
                withdrawals -= line.row.amount
            line = next(lines, None)
        balance += deposits - withdrawals
        found.append(Period(_label(start, by), start, end, balance, deposits, withdrawals))
    return Series(info, by, found)


# -- the picture --------------------------------------------------------------------------------


def _ticks(
    low: int, high: int, cur: Currency, *, zero: bool, count: int = 5
) -> tuple[list[int], list[str]]:
    """Axis ticks at round amounts (1, 2 or 5 times a power of ten, in minor units) from
    below `low` to above `high` (and through 0 when `zero`), with their labels."""
    if zero:
        low, high = min(low, 0), max(high, 0)
    if high == low:
        low, high = low - 100, high + 100
    wanted = -(-(high - low) // count)
    step = 10 ** (len(str(wanted)) - 1)
    step *= next(m for m in (1, 2, 5, 10) if step * m >= wanted)
    first = (low // step) * step
    ticks = list(range(first, high + step, step))
    return ticks, [format_amount(t, cur, grouping=True) for t in ticks]


def _x_ticks(labels: Sequence[str], width: int) -> tuple[list[int], list[str]]:
    room = max(width // (max(len(label) for label in labels) + 2), 1)
    every = max(-(-len(labels) // room), 1)
    xs = list(range(1, len(labels) + 1, every))
    return xs, [labels[x - 1] for x in xs]


def _axes(
    plt: Any, yticks: tuple[list[int], list[str]], labels: Sequence[str], width: int
) -> None:
    """The same frame for both plots: periods 1..n on x, round amounts on y."""
    plt.xlim(0, len(labels) + 1)
    plt.ylim(yticks[0][0], yticks[0][-1])
    plt.yticks(*yticks)
    plt.xticks(*_x_ticks(labels, width - 12))


def picture(data: Series, *, width: int, height: int, color: bool) -> str:
    """The balance as a line and the money in (up) and out (down) as bars, one above the
    other, as text for a terminal of `width` columns."""
    try:
        import plotext as plt
    except ImportError:
        raise Denied(
            "the chart needs the plotext package, which is not installed "
            "(pip install plotext; `ledger chart --json` works without it)"
        ) from None

    cur = data.account.currency
    labels = [p.label for p in data.periods]
    xs = list(range(1, len(labels) + 1))
    balance_height = max(height * 3 // 5, 8)
    parts = []

    plt.clear_figure()
    plt.plot_size(width, balance_height)
    if not color:
        plt.theme("clear")
    plt.plot(xs, [p.balance for p in data.periods], marker="braille", color="cyan")
    plt.title(f"balance of {data.account.name} ({cur.code}) by {data.by}")
    balances = [p.balance for p in data.periods]
    _axes(plt, _ticks(min(balances), max(balances), cur, zero=False), labels, width)
    parts.append(plt.build())

    plt.clear_figure()
    plt.plot_size(width, max(height - balance_height, 8))
    if not color:
        plt.theme("clear")
    ins = [p.deposits for p in data.periods]
    outs = [-p.withdrawals for p in data.periods]
    plt.multiple_bar(xs, [ins, outs], labels=["deposits", "withdrawals"],
                     color=["green", "red"])
    plt.title("deposits (up) and withdrawals (down)")
    _axes(plt, _ticks(min(outs), max(ins), cur, zero=True), labels, width)
    parts.append(plt.build())
    text = "\n".join(parts)
    return text if color else str(plt.uncolorize(text))


def summary(data: Series) -> str:
    cur = data.account.currency
    first, last = data.periods[0], data.periods[-1]
    opening = first.balance - first.deposits + first.withdrawals

    def money(minor: int) -> str:
        return format_amount(minor, cur, grouping=True)

    return (
        f"{data.account.name} ({cur.code}) from {first.start.isoformat()} to "
        f"{last.end.isoformat()} by {data.by}: balance {money(opening)} -> "
        f"{money(last.balance)}; deposits {money(sum(p.deposits for p in data.periods))}, "
        f"withdrawals {money(sum(p.withdrawals for p in data.periods))}"
    )


def terminal_size(out_is_terminal: bool) -> tuple[int, int]:
    """The size to draw at: the terminal's, else a fixed 100 x 30 (for a file or a pipe)."""
    if out_is_terminal:
        size = os.get_terminal_size()
        return max(size.columns, 40), max(size.lines - 2, 16)
    return 100, 30
