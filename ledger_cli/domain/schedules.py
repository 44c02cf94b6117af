"""Schedules (SPEC 12): recurring transactions, and the calendar of their occurrences.

A schedule repeats one command (a deposit, a check, a withdrawal, a fee or a transfer) every
PERIOD from its start day: every N days, weeks, months or years. Occurrence k falls k periods
after the start, counted from the start itself, never from the occurrence before: a monthly
schedule that starts on the 31st falls on the last day of shorter months and on the 31st again
after them, and a yearly one that starts on Feb 29 falls on Feb 28 in other years. The first
occurrence is the start day, whatever day the schedule was created (hledger's periodic rules
start from a period boundary, which its users trip over).

No database, no clock: the decisions are scheduling.py's, the state's fold is state.py's.
"""

# No postponed annotations: typing.NamedTuple would compile each string annotation into a
# ForwardRef (see events.py).

import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import date, timedelta
from typing import NamedTuple

from ledger_cli.domain.events import EventType
from ledger_cli.errors import InvalidValue

# The commands a schedule may repeat, as `schedule add` takes them.
KINDS = ("deposit", "check", "withdraw", "fee", "transfer")
# Schedule names: like account names.
SCHEDULE_NAME = re.compile(r"[a-z0-9_:-]{1,64}", re.ASCII)
MAX_EVERY = 1000  # at most every 1000 units: beyond that, a typo
MAX_COUNT = 100_000

_UNITS = {"day": "day", "week": "week", "month": "month", "year": "year"}
_NAMED = {"day": (1, "day"), "week": (1, "week"), "2weeks": (2, "week"),
          "month": (1, "month"), "quarter": (3, "month"), "year": (1, "year")}
_EVERY = re.compile(r"([0-9]{1,6})\s*(day|week|month|year)s?", re.ASCII)


class Every(NamedTuple):
    """A period: `n` units of day, week, month or year."""

    n: int
    unit: str

    def __str__(self) -> str:
        """As `schedule list` prints it, and as `--every` takes it back."""
        if self.n == 1:
            return self.unit
        if (self.n, self.unit) == (2, "week"):
            return "2weeks"
        if (self.n, self.unit) == (3, "month"):
            return "quarter"
        return f"{self.n} {self.unit}s"


def parse_every(text: str) -> Every:
    """`day`, `week`, `2weeks`, `month`, `quarter`, `year`, or `N days|weeks|months|years`
    (singular or plural, with or without the space)."""
    word = " ".join(text.strip().lower().split())
    if word in _NAMED:
        return Every(*_NAMED[word])
    unit = word[:-1] if word.endswith("s") else word
    if unit in _UNITS:
        return Every(1, _UNITS[unit])
    found = _EVERY.fullmatch(word)
    if found is None or not 1 <= int(found[1]) <= MAX_EVERY:
        raise InvalidValue(
            f"--every {text!r} is not a period; use day, week, 2weeks, month, quarter, year, "
            f"or N days, weeks, months or years (N from 1 to {MAX_EVERY})"
        )
    return Every(int(found[1]), found[2])


def check_schedule_name(name: str) -> str:
    if not SCHEDULE_NAME.fullmatch(name):
        raise InvalidValue(
            f"schedule name {name!r} is not valid; use 1 to 64 lowercase letters, digits, "
            "'-', '_' or ':'"
        )
    return name


def kind_label(kind: str) -> str:
    """What the register calls the entries a schedule of `kind` posts (`withdraw`:
    withdrawal)."""
    return "withdrawal" if kind == "withdraw" else kind


def check_kind(text: str) -> str:
    kind = text.strip().lower()
    if kind not in KINDS:
        raise InvalidValue(f"{text!r} is not something a schedule repeats; use {', '.join(KINDS)}")
    return kind


def shifted(start: date, every: Every, k: int) -> date:
    """The day `k` periods after `start`. Months and years keep the start's day of the month,
    or the month's last day when it is shorter."""
    if every.unit == "day":
        return start + timedelta(days=k * every.n)
    if every.unit == "week":
        return start + timedelta(weeks=k * every.n)
    months = k * every.n * (12 if every.unit == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    if year > date.max.year:
        raise OverflowError("past the last representable year")
    return date(year, month + 1, min(start.day, _days_in(year, month + 1)))


def _days_in(year: int, month: int) -> int:
    """The number of days of a month (without the calendar module, which a write's
    start-up would pay for)."""
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


class Schedule(NamedTuple):
    """A schedule as its events leave it. `amount` in minor units of `currency`; `to` only for
    a transfer; `stopped`: no occurrence after that day (`schedule stop`)."""

    name: str
    kind: str
    amount: int
    currency: str
    account: str
    every: Every
    start: date
    until: date | None = None
    times: int | None = None  # at most this many occurrences (--count)
    to: str | None = None
    payee: str | None = None
    memo: str | None = None
    category: str | None = None
    stopped: date | None = None

    @classmethod
    def from_details(cls, details: Mapping[str, object]) -> "Schedule":
        """The schedule a ScheduleCreated event's details describe."""
        def text(key: str) -> str | None:
            value = details.get(key)
            return None if value is None else str(value)

        until, count = text("until"), details.get("count")
        return cls(
            name=str(details["schedule"]),
            kind=str(details["entry"]),
            amount=int(str(details["scheduled_amount"])),
            currency=str(details.get("currency", "USD")),
            account=str(details["schedule_account"]),
            every=parse_every(str(details["every"])),
            start=date.fromisoformat(str(details["start"])),
            until=None if until is None else date.fromisoformat(until),
            times=None if count is None else int(str(count)),
            to=text("to"),
            payee=text("payee"),
            memo=text("memo"),
            category=text("category"),
        )

    def details(self) -> dict[str, str | int | None]:
        """The details of the ScheduleCreated event that records it."""
        return {
            "schedule": self.name,
            "entry": self.kind,
            "scheduled_amount": self.amount,
            "currency": self.currency,
            "schedule_account": self.account,
            "to": self.to,
            "every": str(self.every),
            "start": self.start.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "count": self.times,
            "payee": self.payee,
            "memo": self.memo,
            "category": self.category,
        }

    @property
    def last_day(self) -> date | None:
        """The last day an occurrence may fall on (--until, or the stop), None for none."""
        ends = [day for day in (self.until, self.stopped) if day is not None]
        return min(ends) if ends else None

    def occurrences(self, through: date, since: date | None = None) -> Iterator[date]:
        """The days of its occurrences from `since` (default: the start) through `through`,
        in order: within --count (`times`), --until and the stop."""
        last = self.last_day
        end = through if last is None else min(through, last)
        k = _first_index(self, since) if since is not None else 0
        while self.times is None or k < self.times:
            try:
                day = shifted(self.start, self.every, k)
            except (OverflowError, ValueError):
                return
            if day > end:
                return
            yield day
            k += 1

    def falls_on(self, day: date) -> bool:
        """Whether one of its occurrences falls on `day`."""
        return next(self.occurrences(day, since=day), None) == day

    def signed(self, account: str) -> int:
        """What one occurrence moves in `account`: + into it, - out of it, 0 elsewhere."""
        if account == self.account:
            return self.amount if self.kind == "deposit" else -self.amount
        return self.amount if self.kind == "transfer" and account == self.to else 0

    def touches(self, account: str) -> bool:
        return account in (self.account, self.to)


def _first_index(schedule: Schedule, since: date) -> int:
    """The index of the first occurrence on or after `since` (0 when `since` is before the
    start): computed, not counted, so that a long-running schedule is not walked from its
    start."""
    start, every = schedule.start, schedule.every
    if since <= start:
        return 0
    if every.unit in ("day", "week"):
        step = every.n * (7 if every.unit == "week" else 1)
        return -(-(since - start).days // step)
    months = every.n * (12 if every.unit == "year" else 1)
    k = max(0, ((since.year - start.year) * 12 + since.month - start.month) // months - 1)
    while True:
        try:
            if shifted(start, every, k) >= since:
                return k
        except (OverflowError, ValueError):
            return k
        k += 1


def evolve_schedule(
    schedules: MutableMapping[str, Schedule], kind: str, details: Mapping[str, object]
) -> None:
    """Fold one event of a schedule into `schedules` (name -> Schedule): created, or stopped.
    (Skips and postings are occurrences, not the schedule's.)"""
    name = str(details.get("schedule"))
    if kind == EventType.SCHEDULE_CREATED:
        schedules[name] = Schedule.from_details(details)
    elif kind == EventType.SCHEDULE_STOPPED:
        found = schedules.get(name)
        if found is not None:
            stopped = date.fromisoformat(str(details["stopped_after"]))
            schedules[name] = found._replace(stopped=stopped)


def fold_schedules(events: Iterable[tuple[str, Mapping[str, object]]]) -> dict[str, Schedule]:
    """The schedules that (type, details) of their events, in log order, leave."""
    found: dict[str, Schedule] = {}
    for kind, details in events:
        evolve_schedule(found, kind, details)
    return found
