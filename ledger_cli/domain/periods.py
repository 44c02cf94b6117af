"""Periods of the calendar: days, ISO weeks (from Monday) and months, labelled as reports and
charts print them (`2026-03-01`, `2026-W09`, `2026-03`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from ledger_cli.errors import InvalidValue

PERIODS = ("day", "week", "month")


def check_period(text: str) -> str:
    by = text.strip().lower()
    if by not in PERIODS:
        raise InvalidValue(f"--by {text!r} is not one of {', '.join(PERIODS)}")
    return by


def period_start(day: date, by: str) -> date:
    """The first day of the period of `by` that holds `day`."""
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


def label(start: date, by: str) -> str:
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return start.strftime("%Y-%m")
    return start.isoformat()


def count(first: date, last: date, by: str) -> int:
    """How many periods of `by` run from `first` to `last`, both included."""
    if by == "day":
        return (last - first).days + 1
    if by == "week":
        return (period_start(last, by) - period_start(first, by)).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1


def periods(first: date, last: date, by: str) -> Iterator[tuple[date, date]]:
    """(start, end) of each period from `first` to `last`, both included; the first and the
    last period are cut at those days."""
    start = first
    while start <= last:
        try:
            following: date | None = _next_start(period_start(start, by), by)
        except OverflowError:
            following = None  # the last period before date.max
        end = min(following - timedelta(days=1), last) if following else last
        yield start, end
        if end >= last:
            return
        start = end + timedelta(days=1)
