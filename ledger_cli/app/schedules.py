"""The queries of what is coming (SPEC 12): the schedules, the occurrences due, and the
forecast, as the ledger knew them at any moment.

Neither reads the log from its start: the schedules come from their own few events (through
their index), the occurrences already posted or skipped from the read models (each with the
seq that handled it, so that an earlier knowledge time keeps those handled by then), today's
balance from the day totals, and the post-dated entries from the index by account and date.
"""

# No postponed annotations: typing.NamedTuple would compile each string annotation into a
# ForwardRef (see domain/events.py).

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from ledger_cli.app.projections import parse_details
from ledger_cli.domain.events import ENTRY_LABELS, MONEY_TYPES, SCHEDULE_TYPES, EventType
from ledger_cli.domain.money import Currency
from ledger_cli.domain.schedules import (
    Schedule,
    check_schedule_name,
    fold_schedules,
    kind_label,
)
from ledger_cli.errors import Denied
from ledger_cli.store.base import Order, Row, RowFilter

if TYPE_CHECKING:
    from ledger_cli.app.outcomes import Outcome
    from ledger_cli.app.snapshot import Snapshot

# (schedule, ISO day) -> (ref, "posted" or "skipped")
Handled = dict[tuple[str, str], tuple[str, str]]
FORECAST_DAYS = 90  # how far `forecast` looks by default


class Due(NamedTuple):
    """An occurrence not yet posted or skipped."""

    schedule: Schedule
    date: date


class PostedDue(NamedTuple):
    """What `due --post` did: each occurrence posted, with its outcome, and each denied,
    with the reason."""

    through: date
    posted: "list[tuple[Due, Outcome]]"
    denied: list[tuple[Due, str]]
    dry_run: bool


class ForecastItem(NamedTuple):
    day: date
    source: str  # entry | schedule
    ref: str | None  # an entry's
    schedule: str | None  # a scheduled occurrence's
    due: date | None  # the day the occurrence is due (before `date` when overdue)
    kind: str  # as the register names it: deposit, check, withdrawal, transfer out, ...
    payee: str | None
    amount: int  # signed, in the account
    balance: int  # projected, after it


class Forecast(NamedTuple):
    account: str
    currency: Currency
    overdraft_limit: int
    start: date  # today
    through: date
    start_balance: int
    items: list[ForecastItem]
    lowest: tuple[date, int]
    first_overdraft: tuple[date, int] | None
    known_at: str | None


def schedules(queries: "Snapshot", known_at: datetime | None) -> dict[str, Schedule]:
    """Every schedule as known at `known_at`, stopped ones included, by name."""
    known = queries.known_text(known_at)
    return from_rows(queries.store.rows(queries.known_filter(known, types=SCHEDULE_TYPES)))


def from_rows(rows: Iterable[Row]) -> dict[str, Schedule]:
    """The schedules that the rows of their events, in log order, leave."""
    return fold_schedules((row.type, parse_details(row.details)) for row in rows)


def handled(queries: "Snapshot", known_at: datetime | None) -> Handled:
    """The occurrences posted or skipped as known at `known_at`: from the read models when
    they describe the log, else from the log itself."""
    known = queries.known_text(known_at)
    if queries.uses_read_models:
        cut = queries.cut(known)
        return {(name, day): (ref, how) for name, day, ref, how in queries.store.handled(cut)}
    found: Handled = {}
    types = tuple(sorted((*MONEY_TYPES, *SCHEDULE_TYPES)))
    for row in queries.store.rows(queries.known_filter(known, types=types)):
        if '"occurrence"' not in row.details:
            continue
        details = parse_details(row.details)
        how = "skipped" if row.type == EventType.OCCURRENCE_SKIPPED else "posted"
        key = (str(details["schedule"]), str(details["occurrence"]))
        found.setdefault(key, (row.ref, how))
    return found


def pending(
    found: Iterable[Schedule], done: Mapping[tuple[str, str], object], through: date,
    *, money_in_first: bool = False,
) -> list[Due]:
    """The occurrences of `found` through `through` that are neither posted nor skipped, in
    date order, then by schedule name; `money_in_first`: within a day, deposits first (a
    posting is decided against what the day's deposits bring)."""
    items = [
        Due(schedule, day)
        for schedule in found
        for day in schedule.occurrences(through)
        if (schedule.name, day.isoformat()) not in done
    ]
    if money_in_first:
        return sorted(
            items,
            key=lambda item: (item.date, item.schedule.kind != "deposit", item.schedule.name),
        )
    return sorted(items, key=lambda item: (item.date, item.schedule.name))


def due(
    queries: "Snapshot",
    through: date,
    known_at: datetime | None = None,
    names: Sequence[str] = (),
) -> list[Due]:
    """What is due on or before `through`, as known at `known_at`; only the schedules
    `names` when given (each must exist)."""
    every = schedules(queries, known_at)
    return pending(chosen(every, names), handled(queries, known_at), through)


def chosen(every: Mapping[str, Schedule], names: Sequence[str]) -> list[Schedule]:
    """The schedules named (each must exist), or all of them."""
    for name in names:
        check_schedule_name(name)
        if name not in every:
            known = ", ".join(sorted(every)) or "none"
            raise Denied(f"no schedule '{name}' (schedules: {known})")
    return [every[name] for name in (names or sorted(every))]


def next_due(schedule: Schedule, done: Mapping[tuple[str, str], object]) -> date | None:
    """The first occurrence of `schedule` neither posted nor skipped, None when none is
    left."""
    for day in schedule.occurrences(date.max):
        if (schedule.name, day.isoformat()) not in done:
            return day
    return None


def overdue(queries: "Snapshot", today: date) -> int:
    """How many occurrences are due on or before `today` (the reminder's count)."""
    return len(due(queries, today))


def forecast(
    queries: "Snapshot",
    name: str,
    today: date,
    through: date | None = None,
    known_at: datetime | None = None,
) -> Forecast:
    """Today's balance of `name`, then every post-dated entry and every occurrence not yet
    posted or skipped (an overdue one counts as today) through `through`, in date order,
    each with the projected balance after it; the lowest point, and the first day below the
    overdraft limit. Within a day: the entries recorded first, in register order, then the
    scheduled occurrences, money out before money in (the bank may take them in any
    order), then by schedule name."""
    info = queries.account(name, known_at)
    through = through or today + timedelta(days=FORECAST_DAYS)
    if through < today:
        raise Denied(f"--through {through.isoformat()} is before today ({today.isoformat()})")
    known = queries.known_text(known_at)
    start_balance = balance = queries.balance_at(name, today, known)
    rows = list(
        queries.store.rows(
            _entries_after(queries, name, today, through, known), order=Order.REGISTER
        )
    )
    entries = [
        (
            date.fromisoformat(row.date), 0, row.seq, "",
            ForecastItem(
                date.fromisoformat(row.date), "entry", row.ref, None, None,
                ENTRY_LABELS.get(row.type, row.type),
                _text(parse_details(row.details).get("payee")), row.amount, 0,
            ),
        )
        for row in _never_taken(rows)
    ]
    coming = []
    for occ in pending(
        (s for s in schedules(queries, known_at).values() if s.touches(name)),
        handled(queries, known_at),
        through,
    ):
        signed = occ.schedule.signed(name)
        day = max(occ.date, today)
        kind = kind_label(occ.schedule.kind)
        if occ.schedule.kind == "transfer":
            kind = "transfer out" if signed < 0 else "transfer in"
        coming.append(
            (
                day, 1, 0 if signed < 0 else 1, occ.schedule.name,
                ForecastItem(
                    day, "schedule", None, occ.schedule.name, occ.date, kind,
                    occ.schedule.payee, signed, 0,
                ),
            )
        )
    items: list[ForecastItem] = []
    lowest = (today, balance)
    limit = overdraft_limit(queries, name, known_at)
    first_overdraft = (today, balance) if balance < -limit else None
    for *_, item in sorted([*entries, *coming], key=lambda found: found[:4]):
        balance += item.amount
        items.append(item._replace(balance=balance))
        if balance < lowest[1]:
            lowest = (item.day, balance)
        if first_overdraft is None and balance < -limit:
            first_overdraft = (item.day, balance)
    return Forecast(
        name, info.currency, limit, today, through, start_balance,
        items, lowest, first_overdraft, queries.knowledge(known_at),
    )


def _never_taken(rows: list[Row]) -> list[Row]:
    """The post-dated entries less those voided before their day came, with their voids: a
    voided check that was never cashed is no money out, and no dip in the projection."""
    voided: set[str] = set()
    for row in rows:
        if row.type == EventType.TRANSACTION_VOIDED:
            voided.add(str(parse_details(row.details).get("voids")))
    pairs = voided & {row.ref for row in rows}
    return [
        row for row in rows
        if row.ref not in pairs
        and not (
            row.type == EventType.TRANSACTION_VOIDED
            and str(parse_details(row.details).get("voids")) in pairs
        )
    ]


def _entries_after(
    queries: "Snapshot", name: str, today: date, through: date, known: str | None
) -> RowFilter:
    """The account's money entries effective after today and by `through`, recorded by
    `known`."""
    where = queries.known_filter(known, types=MONEY_TYPES)
    return where._replace(account=name, since=today + timedelta(days=1), as_of=through)


def overdraft_limit(queries: "Snapshot", name: str, known_at: datetime | None) -> int:
    """The overdraft limit account `name` was opened with (a limit never changes)."""
    limit = 0
    known = queries.known_text(known_at)
    for row in queries.account_rows():
        if row.account == name and row.type == EventType.ACCOUNT_OPENED and (
            known is None or row.recorded_at <= known
        ):
            limit = int(parse_details(row.details).get("overdraft_limit", 0))
    return limit


def _text(value: object) -> str | None:
    return None if value is None else str(value)

