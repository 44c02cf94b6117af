"""Periods of the calendar: days, ISO weeks (from Monday), months, quarters and years,
labelled as reports and charts print them (`2026-03-01`, `2026-W09`, `2026-03`, `2026-Q1`,
`2026`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from ledger_cli.errors import InvalidValue

PERIODS = ("day", "week", "month")  # what `chart --by` takes
REPORT_PERIODS = ("month", "quarter", "year", "week")  # what `report --by` takes


def check_period(text: str, allowed: tuple[str, ...] = PERIODS) -> str:
    by = text.strip().lower()
    if by not in allowed:
        raise InvalidValue(f"--by {text!r} is not one of {', '.join(allowed)}")
    return by


def period_start(day: date, by: str) -> date:
    """The first day of the period of `by` that holds `day`."""
    if by == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if by == "month":
        return day.replace(day=1)
    if by == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if by == "year":
        return day.replace(month=1, day=1)
    return day


def _next_start(start: date, by: str) -> date:
    if by == "day":
        return start + timedelta(days=1)
    if by == "week":
        return start + timedelta(days=7)
    if by == "quarter":
        month = start.month + 3
        return date(start.year + (month > 12), (month - 1) % 12 + 1, 1)
    if by == "year":
        return date(start.year + 1, 1, 1)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_end(day: date, by: str) -> date:
    """The last day of the period of `by` that holds `day`."""
    return _next_start(period_start(day, by), by) - timedelta(days=1)


def label(start: date, by: str) -> str:
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return start.strftime("%Y-%m")
    if by == "quarter":
        return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
    if by == "year":
        return f"{start.year:04d}"
    return start.isoformat()


def label_of(day: date, by: str) -> str:
    """The label of the period of `by` that holds `day`."""
    return label(period_start(day, by), by)


def count(first: date, last: date, by: str) -> int:
    """How many periods of `by` run from `first` to `last`, both included."""
    if by == "day":
        return (last - first).days + 1
    if by == "week":
        return (period_start(last, by) - period_start(first, by)).days // 7 + 1
    if by == "quarter":
        return (last.year - first.year) * 4 + (last.month - 1) // 3 - (first.month - 1) // 3 + 1
    if by == "year":
        return last.year - first.year + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1


def periods(first: date, last: date, by: str) -> Iterator[tuple[date, date]]:
    """(start, end) of each period from `first` to `last`, both included; the first and the
    last period are cut at those days."""
    start = first
    while start <= last:
        try:
            following: date | None = _next_start(period_start(start, by), by)
        except (OverflowError, ValueError):
            following = None  # the last period before date.max
        end = min(following - timedelta(days=1), last) if following else last
        yield start, end
        if end >= last:
            return
        start = end + timedelta(days=1)
