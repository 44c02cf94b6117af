"""`ledger chart`'s question: an account's balance over time, and the money in and out of each
period.

Each period's balance is the balance as of its last day, exactly what `balance --as-of` gives
for that day; deposits are the money that came in during the period (deposits, transfers in,
interest) and withdrawals the money that went out (checks, withdrawals, transfers out, fees),
so that each balance is the one before plus deposits minus withdrawals. A void nets out the
entry it voids in that entry's direction (the void of a check lowers the money out; of a
deposit, the money in), so a voided entry counts in neither, and a period holding only a later
void of an earlier entry can show negative money out (or in); the reversal of a void restores
the entry, in its direction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from ledger_cli.app.queries import Queries
from ledger_cli.app.results import AccountInfo
from ledger_cli.domain.events import EventType
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
    known_at: str | None = None  # the knowledge time it answers from (Queries.knowledge)


def flows(kind: str, amount: int) -> tuple[int, int]:
    """(money in, money out) of one register row of type `kind`, in minor units. A
    TransactionVoided counts against the direction of the entry it voids, whose sign is the
    opposite of its own: the void of a check (+) lowers the money out, the void of a deposit
    (-) the money in. Every other row, a VoidReversed included (it restores the entry, with
    the entry's sign), counts in the direction of its sign."""
    if kind == EventType.TRANSACTION_VOIDED:
        return (amount, 0) if amount < 0 else (0, -amount)
    return (amount, 0) if amount > 0 else (0, -amount)


def series(
    q: Queries,
    name: str,
    *,
    since: date | None,
    as_of: date | None,
    known_at: datetime | None,
    by: str | None,
) -> Series:
    """The balance, deposits and withdrawals of `name` per period, from `since` to `as_of`,
    as known at `known_at`. Without `since`, from the account's first entry (entries may be
    dated before the day it was opened), else that day; when that is after `as_of`, the
    chart is the one day `as_of`. Without `as_of`, to its last entry (post-dated ones
    included), or `since` when that is later. Periods are days, weeks or months (`by`;
    None: days up to 62 days, weeks up to 366, months beyond)."""
    info = q.account(name, known_at)
    if since is not None and as_of is not None and since > as_of:
        raise InvalidValue(f"--since {since.isoformat()} is after --as-of {as_of.isoformat()}")
    first = since
    if first is None:
        oldest = q.first_entry(name, known_at)
        first = date.fromisoformat(oldest if oldest is not None else info.opened_on)
    if as_of is not None:
        last = as_of
        first = min(first, as_of)
    else:
        newest = list(q.history(name, known_at=known_at, limit=1))
        last = max(date.fromisoformat(newest[0].row.date) if newest else first, first)
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
        last_day = end.isoformat()
        while line is not None and line.row.date <= last_day:
            money_in, money_out = flows(line.row.type, line.row.amount)
            deposits += money_in
            withdrawals += money_out
            line = next(lines, None)
        balance += deposits - withdrawals
        found.append(Period(label(start, by), start, end, balance, deposits, withdrawals))
    return Series(info, by, found, q.knowledge(known_at))
