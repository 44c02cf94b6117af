"""`ledger chart`'s question: an account's balance over time, and the money in and out of each
period.

Each period's balance is the balance as of its last day, exactly what `balance --as-of` gives
for that day; deposits are the money that came in during the period (credits: deposits,
transfers in, interest, voids of debits) and withdrawals the money that went out (debits), so
that each balance is the one before plus deposits minus withdrawals.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from ledger_cli.app.queries import Queries
from ledger_cli.app.results import AccountInfo
from ledger_cli.domain.periods import count, label, periods
from ledger_cli.errors import InvalidValue

MAX_PERIODS = 20_000


class Period(NamedTuple):
    """One period of a chart."""

    label: str  # 2026-03-01, 2026-W09, 2026-03
    start: date
    end: date
    balance: int  # as of `end`
    deposits: int  # money in during the period
    withdrawals: int  # money out during the period, as a positive number


class Series(NamedTuple):
    """An account's balance and its money in and out, period by period."""

    account: AccountInfo
    by: str
    periods: list[Period]


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
    how_many = count(first, last, by)
    if how_many > MAX_PERIODS:
        raise InvalidValue(
            f"that is {how_many} periods of a {by}; at most {MAX_PERIODS}: use a later --since "
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
        found.append(Period(label(start, by), start, end, balance, deposits, withdrawals))
    return Series(info, by, found)
