"""Schedules in the domain (SPEC 12, "what is coming"), as given-events / when-command /
then-events-or-denial: the calendar of a schedule's occurrences (month ends, leap days,
--count, --until, a stop), the periods `--every` takes, and what creating, stopping, posting
and skipping decide.

Why it matters: `due --post` records money on the days this calendar names. A rent check that
drifts from the 31st to the 28th for good after February, an occurrence posted twice, or one
that can be posted after its schedule was stopped is money in the register that never moved.

No database: the state is a fold of `evolve` over the events the decider returns, given the
place in the log the store would give them (seq; the recorded time is a filler, since the
decider never reads it). The calendar is checked against month-end arithmetic written here
with the `calendar` module, not against the product's.
"""

from __future__ import annotations

import calendar
import copy
from datetime import date, timedelta

import pytest
from hypothesis import given as hypothesis_given
from hypothesis import settings
from hypothesis import strategies as st

from ledger_cli.domain.accounts import LEDGER_WIDE
from ledger_cli.domain.commands import (
    ChargeFee,
    CloseAccount,
    Command,
    CreateSchedule,
    Deposit,
    OpenAccount,
    PostOccurrence,
    SkipOccurrence,
    StopSchedule,
    Withdraw,
)
from ledger_cli.domain.decider import Decision, decide
from ledger_cli.domain.events import Event, EventType
from ledger_cli.domain.schedules import Every, Schedule, parse_every
from ledger_cli.domain.state import State, evolve, replay
from ledger_cli.errors import Denied, InvalidValue

D = date(2026, 3, 31)  # the day the commands are recorded ("today")
RECORDED = "2026-03-31T12:00:00.000000Z"

CREATED = EventType.SCHEDULE_CREATED
STOPPED = EventType.SCHEDULE_STOPPED
SKIPPED = EventType.OCCURRENCE_SKIPPED
DEPOSITED = EventType.FUNDS_DEPOSITED
CHECK = EventType.CHECK_WRITTEN
FEE = EventType.FEE_CHARGED
SENT = EventType.TRANSFER_SENT
RECEIVED = EventType.TRANSFER_RECEIVED
OPENED = EventType.ACCOUNT_OPENED


# --- helpers: given / when / then ---------------------------------------------------------


def stored(state: State, decision: Decision) -> list[Event]:
    """The decided events as the store would append them after `state`'s last event."""
    return [
        Event(
            state.seq + offset, new.ref, str(new.type), new.account, new.amount, new.balance,
            new.date, RECORDED, dict(new.details),
        )
        for offset, new in enumerate(decision.events, start=1)
    ]


def apply(state: State, decision: Decision) -> State:
    for event in stored(state, decision):
        evolve(state, event)
    return state


def given(*commands: Command) -> State:
    """The state after `commands`, each of which must be accepted."""
    state = State()
    for command in commands:
        apply(state, decide(state, command))
    return state


def then(state: State, command: Command) -> Decision:
    """Decide `command` (it must be accepted) and fold its events into `state`."""
    decision = decide(state, command)
    apply(state, decision)
    return decision


def refused(state: State, command: Command, kind: type[Exception] = Denied) -> str:
    """Decide `command`, expecting a refusal of `kind` that leaves `state` untouched; its
    message."""
    before = copy.deepcopy(state)
    with pytest.raises((Denied, InvalidValue)) as caught:
        decide(state, command)
    assert type(caught.value) is kind, (type(caught.value), str(caught.value))
    assert state == before
    return str(caught.value)


def create(
    name: str = "rent",
    kind: str = "check",
    amount: str = "100",
    every: str = "month",
    start: date = date(2026, 1, 31),
    **options: object,
) -> CreateSchedule:
    return CreateSchedule(name, kind, amount, every, start, D, **options)  # type: ignore[arg-type]


def schedule_of(*commands: Command, name: str = "rent") -> Schedule:
    """Schedule `name` as the state after `commands` holds it (through its stored event)."""
    return given(*commands).schedules[name]


def days(schedule: Schedule, through: date, since: date | None = None) -> list[date]:
    return list(schedule.occurrences(through, since=since))


def funded(*commands: Command) -> State:
    """checking with 1000.00 (T1), then `commands`."""
    return given(Deposit("1000", date(2026, 1, 1)), *commands)


# --- an independent calendar --------------------------------------------------------------


def month_shift(start: date, months: int) -> date:
    """`months` months after `start`: the same day of the month, or the month's last."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def expected_days(
    start: date, n: int, unit: str, through: date, *, times: int | None = None,
    last: date | None = None,
) -> list[date]:
    """Occurrence k = k periods after the start, through `through`, within `times` and
    `last`, computed here by plain arithmetic."""
    found = []
    end = through if last is None else min(through, last)
    k = 0
    while times is None or k < times:
        if unit in ("day", "week"):
            day = start + timedelta(days=k * n * (7 if unit == "week" else 1))
        else:
            day = month_shift(start, k * n * (12 if unit == "year" else 1))
        if day > end:
            break
        found.append(day)
        k += 1
    return found


# --- the calendar: month ends and leap days -----------------------------------------------


def test_a_monthly_schedule_from_the_31st_falls_on_each_months_last_day_and_back() -> None:
    rent = schedule_of(create(start=date(2026, 1, 31)))
    assert days(rent, date(2027, 1, 31)) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
        date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31),
        date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31),
        date(2027, 1, 31),
    ]


def test_a_monthly_schedule_from_the_31st_falls_on_feb_29_in_a_leap_year() -> None:
    rent = schedule_of(create(start=date(2028, 1, 31)))
    assert days(rent, date(2028, 4, 30)) == [
        date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30)
    ]


def test_a_monthly_schedule_from_the_30th_and_the_29th() -> None:
    thirtieth = schedule_of(create(start=date(2026, 1, 30)))
    assert days(thirtieth, date(2026, 4, 30)) == [
        date(2026, 1, 30), date(2026, 2, 28), date(2026, 3, 30), date(2026, 4, 30)
    ]
    twenty_ninth = schedule_of(create(start=date(2027, 12, 29)))
    assert days(twenty_ninth, date(2028, 3, 29)) == [
        date(2027, 12, 29), date(2028, 1, 29), date(2028, 2, 29), date(2028, 3, 29)
    ]


def test_a_yearly_schedule_from_feb_29_falls_on_feb_28_except_in_leap_years() -> None:
    yearly = schedule_of(create(every="year", start=date(2024, 2, 29)))
    assert days(yearly, date(2032, 12, 31)) == [
        date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28),
        date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28),
        date(2032, 2, 29),
    ]
    # every 4 years from a leap day stays on leap days; 1 March never appears
    four = schedule_of(create(every="4 years", start=date(2024, 2, 29)))
    assert days(four, date(2036, 12, 31)) == [
        date(2024, 2, 29), date(2028, 2, 29), date(2032, 2, 29), date(2036, 2, 29)
    ]


def test_2100_is_not_a_leap_year() -> None:
    yearly = schedule_of(create(every="year", start=date(2096, 2, 29)))
    assert days(yearly, date(2104, 3, 1))[3:] == [
        date(2099, 2, 28), date(2100, 2, 28), date(2101, 2, 28), date(2102, 2, 28),
        date(2103, 2, 28), date(2104, 2, 29),
    ]


def test_a_quarterly_schedule_keeps_the_start_day_after_a_short_month() -> None:
    quarterly = schedule_of(create(every="quarter", start=date(2025, 11, 30)))
    assert days(quarterly, date(2026, 12, 31)) == [
        date(2025, 11, 30), date(2026, 2, 28), date(2026, 5, 30), date(2026, 8, 30),
        date(2026, 11, 30),
    ]
    from_31st = schedule_of(create(every="quarter", start=date(2026, 8, 31)))
    assert days(from_31st, date(2027, 8, 31)) == [
        date(2026, 8, 31), date(2026, 11, 30), date(2027, 2, 28), date(2027, 5, 31),
        date(2027, 8, 31),
    ]


def test_weeks_and_2weeks_count_days_across_month_and_year_ends() -> None:
    biweekly = schedule_of(create(every="2weeks", start=date(2025, 12, 19)))
    assert days(biweekly, date(2026, 2, 28)) == [
        date(2025, 12, 19), date(2026, 1, 2), date(2026, 1, 16), date(2026, 1, 30),
        date(2026, 2, 13), date(2026, 2, 27),
    ]
    weekly = schedule_of(create(every="week", start=date(2028, 2, 22)))
    assert days(weekly, date(2028, 3, 14)) == [
        date(2028, 2, 22), date(2028, 2, 29), date(2028, 3, 7), date(2028, 3, 14)
    ]


@pytest.mark.parametrize(
    ("every", "start", "through", "expected"),
    [
        ("day", date(2026, 2, 27), date(2026, 3, 2),
         [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)]),
        ("10 days", date(2026, 2, 25), date(2026, 3, 31),
         [date(2026, 2, 25), date(2026, 3, 7), date(2026, 3, 17), date(2026, 3, 27)]),
        ("3 weeks", date(2026, 12, 20), date(2027, 2, 1),
         [date(2026, 12, 20), date(2027, 1, 10), date(2027, 1, 31)]),
        ("2 months", date(2025, 12, 31), date(2026, 8, 31),
         [date(2025, 12, 31), date(2026, 2, 28), date(2026, 4, 30), date(2026, 6, 30),
          date(2026, 8, 31)]),
        ("5 months", date(2026, 9, 30), date(2027, 12, 31),
         [date(2026, 9, 30), date(2027, 2, 28), date(2027, 7, 30), date(2027, 12, 30)]),
        ("18 months", date(2026, 8, 31), date(2029, 3, 1),
         [date(2026, 8, 31), date(2028, 2, 29)]),
        ("2 years", date(2024, 2, 29), date(2030, 12, 31),
         [date(2024, 2, 29), date(2026, 2, 28), date(2028, 2, 29), date(2030, 2, 28)]),
    ],
)
def test_n_days_weeks_months_and_years(
    every: str, start: date, through: date, expected: list[date]
) -> None:
    found = schedule_of(create(every=every, start=start))
    assert days(found, through) == expected
    parsed = parse_every(every)
    assert expected == expected_days(start, parsed.n, parsed.unit, through)


def test_the_first_occurrence_is_the_start_day_itself() -> None:
    # hledger starts a periodic rule at a period boundary; here it starts on --start
    weekly = schedule_of(create(every="week", start=date(2026, 3, 4)))  # a Wednesday
    assert days(weekly, date(2026, 3, 4)) == [date(2026, 3, 4)]
    assert days(weekly, date(2026, 3, 3)) == []


# --- --every ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("day", Every(1, "day")),
        ("days", Every(1, "day")),
        ("DAY", Every(1, "day")),
        ("  week  ", Every(1, "week")),
        ("weeks", Every(1, "week")),
        ("2weeks", Every(2, "week")),
        ("2 weeks", Every(2, "week")),
        ("2 week", Every(2, "week")),
        ("month", Every(1, "month")),
        ("Months", Every(1, "month")),
        ("quarter", Every(3, "month")),
        ("3 months", Every(3, "month")),
        ("year", Every(1, "year")),
        ("1 day", Every(1, "day")),
        ("10days", Every(10, "day")),
        ("10  Days", Every(10, "day")),
        ("6 months", Every(6, "month")),
        ("5 years", Every(5, "year")),
        ("1000 days", Every(1000, "day")),
        ("007 weeks", Every(7, "week")),
    ],
)
def test_every_accepts(text: str, expected: Every) -> None:
    assert parse_every(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "0 days", "1001 days", "1000000 days", "-1 days", "1.5 months", "fortnight",
        "monthly", "weekly", "every month", "2 quarters", "quarters", "3 decades", "days 3",
        "1 000 days", "\u00b3 days", "\u0663 days", "2weekss", "month 1", "10 d",
    ],
)
def test_every_refuses_and_names_the_text(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_every(text)
    message = str(caught.value)
    assert message.startswith(f"--every {text!r} is not a period"), message
    assert "day, week, 2weeks, month, quarter, year" in message


def test_create_refuses_a_bad_period_naming_it() -> None:
    message = refused(State(), create(every="fortnight"), InvalidValue)
    assert "--every 'fortnight' is not a period" in message


@hypothesis_given(
    n=st.integers(1, 1000), unit=st.sampled_from(["day", "week", "month", "year"])
)
@settings(max_examples=60, deadline=None)
def test_a_period_prints_as_every_takes_it_back(n: int, unit: str) -> None:
    every = Every(n, unit)
    assert parse_every(str(every)) == every


def test_periods_print_by_their_names() -> None:
    assert [str(parse_every(text)) for text in ("2 weeks", "3 months", "1 year", "4 days")] == [
        "2weeks", "quarter", "year", "4 days"
    ]


# --- --count, --until ---------------------------------------------------------------------


def test_count_one_is_the_start_day_only() -> None:
    once = schedule_of(create(times=1, start=date(2026, 1, 31)))
    assert days(once, date(2030, 1, 1)) == [date(2026, 1, 31)]
    assert once.times == 1


def test_count_limits_the_occurrences() -> None:
    three = schedule_of(create(every="2weeks", times=3, start=date(2026, 1, 2)))
    assert days(three, date(2027, 1, 1)) == [date(2026, 1, 2), date(2026, 1, 16), date(2026, 1, 30)]
    assert days(three, date(2026, 1, 16)) == [date(2026, 1, 2), date(2026, 1, 16)]
    assert days(three, date(2027, 1, 1), since=date(2026, 1, 17)) == [date(2026, 1, 30)]
    assert days(three, date(2027, 1, 1), since=date(2026, 1, 31)) == []


def test_until_exactly_on_an_occurrence_includes_it() -> None:
    rent = schedule_of(create(until=date(2026, 4, 30), start=date(2026, 1, 31)))
    assert days(rent, date(2027, 1, 1)) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)
    ]


def test_until_the_day_before_an_occurrence_excludes_it() -> None:
    rent = schedule_of(create(until=date(2026, 4, 29), start=date(2026, 1, 31)))
    assert days(rent, date(2027, 1, 1)) == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]


def test_until_on_the_start_day_is_one_occurrence() -> None:
    once = schedule_of(create(until=date(2026, 1, 31), start=date(2026, 1, 31)))
    assert days(once, date(2027, 1, 1)) == [date(2026, 1, 31)]


# --- a stop -------------------------------------------------------------------------------


def test_a_stop_between_occurrences_ends_the_schedule_there() -> None:
    rent = schedule_of(
        create(start=date(2026, 1, 15)), StopSchedule("rent", date(2026, 3, 1), D)
    )
    assert rent.stopped == date(2026, 3, 1)
    assert days(rent, date(2027, 1, 1)) == [date(2026, 1, 15), date(2026, 2, 15)]


def test_a_stop_on_an_occurrence_day_keeps_that_occurrence() -> None:
    rent = schedule_of(
        create(start=date(2026, 1, 15)), StopSchedule("rent", date(2026, 3, 15), D)
    )
    assert days(rent, date(2027, 1, 1)) == [date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)]


def test_a_stop_before_the_start_leaves_no_occurrence() -> None:
    rent = schedule_of(
        create(start=date(2026, 5, 1)), StopSchedule("rent", date(2026, 4, 30), D)
    )
    assert days(rent, date(2027, 1, 1)) == []


def test_a_stop_and_until_the_earlier_wins() -> None:
    early_stop = schedule_of(
        create(start=date(2026, 1, 10), until=date(2026, 6, 10)),
        StopSchedule("rent", date(2026, 3, 9), D),
    )
    assert days(early_stop, date(2027, 1, 1)) == [date(2026, 1, 10), date(2026, 2, 10)]
    late_stop = schedule_of(
        create(start=date(2026, 1, 10), until=date(2026, 3, 10)),
        StopSchedule("rent", date(2026, 12, 31), D),
    )
    assert days(late_stop, date(2027, 1, 1)) == [
        date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)
    ]


def test_a_stop_and_count() -> None:
    rent = schedule_of(
        create(start=date(2026, 1, 10), times=5), StopSchedule("rent", date(2026, 3, 10), D)
    )
    assert days(rent, date(2027, 1, 1)) == [date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)]


# --- a start in the past ------------------------------------------------------------------


def test_a_schedule_that_starts_in_the_past_has_occurrences_from_its_start() -> None:
    # created on D (2026-03-31), started on 2025-12-31: every month end since then
    rent = schedule_of(create(start=date(2025, 12, 31)))
    assert days(rent, D) == [
        date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)
    ]
    state = given(create(start=date(2025, 12, 31)), Deposit("1000", date(2025, 12, 1)))
    # the oldest one is postable, dated on its own day
    decision = decide(state, PostOccurrence("rent", date(2025, 12, 31)))
    assert [(e.type, e.date) for e in decision.events] == [(CHECK, date(2025, 12, 31))]


def test_a_start_before_1970_is_refused() -> None:
    message = refused(State(), create(start=date(1969, 12, 31)), InvalidValue)
    assert "--start 1969-12-31 is before 1970-01-01" in message


# --- the calendar's edges -----------------------------------------------------------------


def test_the_calendar_ends_at_the_last_representable_day() -> None:
    monthly = schedule_of(create(start=date(9999, 11, 30)))
    assert days(monthly, date.max) == [date(9999, 11, 30), date(9999, 12, 30)]
    daily = schedule_of(create(every="day", start=date(9999, 12, 30)))
    assert days(daily, date.max) == [date(9999, 12, 30), date(9999, 12, 31)]
    assert days(daily, date.max, since=date(9999, 12, 31)) == [date(9999, 12, 31)]
    millennial = schedule_of(create(every="1000 years", start=date(8800, 2, 29)))
    assert days(millennial, date.max) == [date(8800, 2, 29), date(9800, 2, 28)]
    assert days(millennial, date.max, since=date(9800, 3, 1)) == []


# --- occurrences(through, since=...) is the tail of the whole list ------------------------

EVERY_TEXTS = st.one_of(
    st.sampled_from(["day", "week", "2weeks", "month", "quarter", "year"]),
    st.builds(
        lambda n, unit: f"{n} {unit}s",
        st.integers(1, 40),
        st.sampled_from(["day", "week", "month", "year"]),
    ),
)
# Days that end months (28-31) often, since that is where month arithmetic goes wrong.
START_DAYS = st.one_of(
    st.dates(date(1970, 1, 1), date(2100, 12, 31)),
    st.builds(
        lambda year, month, day: date(year, month, min(day, calendar.monthrange(year, month)[1])),
        st.integers(1990, 2060), st.integers(1, 12), st.integers(28, 31),
    ),
)


@hypothesis_given(
    start=START_DAYS,
    every=EVERY_TEXTS,
    since_offset=st.integers(-400, 5000),
    span=st.integers(0, 6000),
    bound=st.none()
    | st.tuples(st.just("count"), st.integers(1, 60))
    | st.tuples(st.just("until"), st.integers(0, 5000)),
    stop_offset=st.none() | st.integers(-30, 5000),
)
@settings(max_examples=60, deadline=None)
def test_occurrences_since_a_day_are_the_tail_of_all_of_them(
    start: date, every: str, since_offset: int, span: int, bound: tuple[str, int] | None,
    stop_offset: int | None,
) -> None:
    # --count or --until (never both), or neither
    times = bound[1] if bound is not None and bound[0] == "count" else None
    until = start + timedelta(days=bound[1]) if bound is not None and bound[0] == "until" else None
    commands: list[Command] = [create(every=every, start=start, until=until, times=times)]
    if stop_offset is not None:
        commands.append(StopSchedule("rent", start + timedelta(days=stop_offset), D))
    schedule = schedule_of(*commands)
    since = start + timedelta(days=since_offset)
    through = since + timedelta(days=span)

    everything = days(schedule, through)
    assert days(schedule, through, since=since) == [day for day in everything if day >= since]

    parsed = parse_every(every)
    last = schedule.last_day
    assert everything == expected_days(
        start, parsed.n, parsed.unit, through, times=times, last=last
    )
    # strictly increasing, the start first (when it is within the bounds)
    assert all(a < b for a, b in zip(everything, everything[1:], strict=False))
    assert everything[:1] in ([start], [])
    # falls_on agrees with the list, on its days and on the days next to them
    for day in everything[:5] + everything[-5:]:
        assert schedule.falls_on(day)
        for near in (day - timedelta(days=1), day + timedelta(days=1)):
            if near <= through:
                assert schedule.falls_on(near) == (near in everything)


# --- CreateSchedule -----------------------------------------------------------------------


def test_create_records_one_ledger_wide_event_that_moves_no_money() -> None:
    decision = decide(
        State(),
        create(amount="15.50", payee="Landlord", memo="flat", category="home:rent",
               until=date(2026, 12, 31)),
    )
    assert decision.ref == "T1"
    assert decision.warnings == []
    assert [(e.ref, e.type, e.account, e.amount, e.balance, e.date, dict(e.details))
            for e in decision.events] == [
        ("T1", CREATED, LEDGER_WIDE, 0, 0, D, {
            "schedule": "rent", "entry": "check", "scheduled_amount": 1550, "currency": "USD",
            "schedule_account": "checking", "every": "month", "start": "2026-01-31",
            "until": "2026-12-31", "payee": "Landlord", "memo": "flat", "category": "home:rent",
        }),
    ]
    state = apply(State(), decision)
    assert state.schedules["rent"] == Schedule(
        "rent", "check", 1550, "USD", "checking", Every(1, "month"), date(2026, 1, 31),
        until=date(2026, 12, 31), payee="Landlord", memo="flat", category="home:rent",
    )
    # a schedule opens no account: checking opens with its first posting
    assert state.accounts == {}


def test_create_a_duplicate_name_is_denied() -> None:
    state = given(create())
    assert refused(state, create(kind="deposit")) == (
        "schedule 'rent' already exists (`ledger schedule list` shows it)"
    )
    # a stopped schedule keeps its name
    apply(state, decide(state, StopSchedule("rent", D, D)))
    assert "schedule 'rent' already exists" in refused(state, create())


@pytest.mark.parametrize("name", ["Rent", "", "my rent", "rent!", "r" * 65, "ré"])
def test_create_a_bad_name_is_refused(name: str) -> None:
    message = refused(State(), create(name=name), InvalidValue)
    assert message.startswith(f"schedule name {name!r} is not valid")


@pytest.mark.parametrize("kind", ["interest", "void", "", "checks"])
def test_create_a_bad_kind_is_refused(kind: str) -> None:
    message = refused(State(), create(kind=kind), InvalidValue)
    assert message == (
        f"{kind!r} is not something a schedule repeats; use deposit, check, withdraw, fee, "
        "transfer"
    )


def test_create_a_transfer_without_to_is_refused() -> None:
    state = funded(OpenAccount("savings", D))
    assert "a scheduled transfer needs --to ACCOUNT" in refused(
        state, create(kind="transfer"), InvalidValue
    )


def test_create_a_transfer_to_itself_is_denied() -> None:
    state = funded()
    assert refused(state, create(kind="transfer", to="checking")) == (
        "cannot transfer from 'checking' to itself"
    )


def test_create_a_transfer_between_currencies_is_denied() -> None:
    state = funded(OpenAccount("euros", D, currency="EUR"))
    assert refused(state, create(kind="transfer", to="euros")) == (
        "cannot transfer between checking (USD) and euros (EUR): the currencies differ"
    )


def test_create_a_transfer_with_a_payee_or_category_is_refused() -> None:
    state = funded(OpenAccount("savings", D))
    assert refused(
        state, create(kind="transfer", to="savings", payee="Bank"), InvalidValue
    ) == "a transfer has no payee"
    assert refused(
        state, create(kind="transfer", to="savings", category="saving"), InvalidValue
    ) == "a transfer between your own accounts has no category"


def test_create_to_on_a_non_transfer_is_refused() -> None:
    state = funded(OpenAccount("savings", D))
    assert "--to is for a transfer" in refused(state, create(to="savings"), InvalidValue)


def test_create_on_an_unknown_account_is_denied_with_a_suggestion() -> None:
    state = funded(OpenAccount("savings", D))
    assert refused(state, create(account="saving")) == (
        "no account 'saving'; did you mean 'savings'?"
    )
    assert refused(state, create(kind="transfer", to="savngs")) == (
        "no account 'savngs'; did you mean 'savings'?"
    )
    assert refused(state, create(account="brokerage")) == (
        "no account 'brokerage'; open it with `ledger open brokerage`"
    )


def test_create_on_a_closed_account_is_denied() -> None:
    state = funded(OpenAccount("old", D), CloseAccount("old", D))
    assert refused(state, create(account="old")) == "account 'old' is closed"
    assert refused(state, create(kind="transfer", to="old")) == "account 'old' is closed"


def test_create_until_before_start_is_refused() -> None:
    command = create(start=date(2026, 4, 1), until=date(2026, 3, 31))
    message = refused(State(), command, InvalidValue)
    assert message == "--until 2026-03-31 is before --start 2026-04-01"


def test_create_count_and_until_together_are_refused() -> None:
    message = refused(State(), create(until=date(2026, 12, 31), times=3), InvalidValue)
    assert message == "give either --until or --count, not both"


@pytest.mark.parametrize("times", [0, -1, 100_001])
def test_create_a_count_out_of_range_is_refused(times: int) -> None:
    assert f"--count {times} is not valid" in refused(State(), create(times=times), InvalidValue)


def test_create_an_amount_the_currency_cannot_hold_is_refused() -> None:
    with pytest.raises((Denied, InvalidValue)):
        decide(State(), create(amount="1.005"))
    with pytest.raises((Denied, InvalidValue)):
        decide(State(), create(amount="0"))


# --- PostOccurrence -----------------------------------------------------------------------


def test_posting_a_day_that_is_not_an_occurrence_names_the_next_one() -> None:
    state = funded(create(start=date(2026, 1, 31)))
    assert refused(state, PostOccurrence("rent", date(2026, 3, 30))) == (
        "schedule 'rent' has no occurrence on 2026-03-30; the next is on 2026-03-31"
    )
    assert refused(state, PostOccurrence("rent", date(2026, 3, 1))) == (
        "schedule 'rent' has no occurrence on 2026-03-01; the next is on 2026-03-31"
    )
    # before the start: the next is the start
    assert refused(state, PostOccurrence("rent", date(2025, 12, 31))) == (
        "schedule 'rent' has no occurrence on 2025-12-31; the next is on 2026-01-31"
    )


def test_posting_after_the_last_occurrence_names_no_next() -> None:
    state = funded(create(start=date(2026, 1, 31), times=2))
    assert refused(state, PostOccurrence("rent", date(2026, 3, 31))) == (
        "schedule 'rent' has no occurrence on 2026-03-31"
    )


def test_posting_an_unknown_schedule_is_denied() -> None:
    state = funded(create())
    assert refused(state, PostOccurrence("rnet", date(2026, 1, 31))) == (
        "no schedule 'rnet' (`ledger schedule list` shows them)"
    )


def test_posting_links_the_money_event_to_the_occurrence() -> None:
    state = funded(create(payee="Landlord", memo="flat", category="home:rent"))
    decision = then(state, PostOccurrence("rent", date(2026, 2, 28)))
    assert decision.ref == "T3"
    assert [(e.ref, e.type, e.account, e.amount, e.balance, e.date) for e in decision.events] == [
        ("T3", CHECK, "checking", -10_000, 90_000, date(2026, 2, 28))
    ]
    details = dict(decision.events[0].details)
    assert details["schedule"] == "rent"
    assert details["occurrence"] == "2026-02-28"
    assert details["payee"] == "Landlord"
    assert details["memo"] == "flat"
    assert details["category"] == "home:rent"
    assert details["number"] == 1
    assert state.occurrences[("rent", "2026-02-28")] == ("T3", "posted")
    assert state.accounts["checking"].balance == 90_000


def test_posting_twice_is_denied_naming_the_ref() -> None:
    state = funded(create())
    then(state, PostOccurrence("rent", date(2026, 1, 31)))
    assert refused(state, PostOccurrence("rent", date(2026, 1, 31))) == (
        "the occurrence of rent on 2026-01-31 is already posted (ref T3)"
    )
    # the next one is still postable
    then(state, PostOccurrence("rent", date(2026, 2, 28)))
    assert state.accounts["checking"].balance == 80_000


def test_posting_after_a_skip_is_denied() -> None:
    state = funded(create())
    then(state, SkipOccurrence("rent", date(2026, 2, 28), D, reason="paid in cash"))
    assert refused(state, PostOccurrence("rent", date(2026, 2, 28))) == (
        "the occurrence of rent on 2026-02-28 is already skipped (ref T3)"
    )


def test_a_check_past_the_overdraft_limit_is_denied_and_stays_postable() -> None:
    state = given(
        OpenAccount("checking", date(2026, 1, 1), overdraft_limit="50"),
        Deposit("100", date(2026, 1, 1)),
        create(amount="150.01"),
    )
    message = refused(state, PostOccurrence("rent", date(2026, 1, 31)))
    assert message.startswith("insufficient funds in checking for check 1 of 150.01")
    assert ("rent", "2026-01-31") not in state.occurrences
    then(state, Deposit("0.01", date(2026, 1, 2)))
    decision = then(state, PostOccurrence("rent", date(2026, 1, 31)))
    assert decision.events[0].balance == -5_000


def test_a_withdrawal_past_the_limit_is_denied_too() -> None:
    state = funded(create(kind="withdraw", amount="1000.01"))
    assert "insufficient funds in checking for a withdrawal" in refused(
        state, PostOccurrence("rent", date(2026, 1, 31))
    )


def test_a_fee_posts_below_the_limit_with_a_warning() -> None:
    state = given(Deposit("10", date(2026, 1, 1)), create(name="upkeep", kind="fee", amount="25"))
    decision = then(state, PostOccurrence("upkeep", date(2026, 1, 31)))
    assert [(e.type, e.amount, e.balance) for e in decision.events] == [(FEE, -2_500, -1_500)]
    assert decision.events[0].details["occurrence"] == "2026-01-31"
    assert decision.warnings == [
        "the fee leaves checking at -15.00, below its overdraft limit of 0.00"
    ]


def test_a_transfer_posts_two_linked_events_under_one_ref() -> None:
    state = funded(OpenAccount("savings", D), create(name="saving", kind="transfer",
                                                       amount="200", to="savings"))
    decision = then(state, PostOccurrence("saving", date(2026, 2, 28)))
    assert [(e.ref, e.type, e.account, e.amount, e.balance, e.date) for e in decision.events] == [
        ("T4", SENT, "checking", -20_000, 80_000, date(2026, 2, 28)),
        ("T4", RECEIVED, "savings", 20_000, 20_000, date(2026, 2, 28)),
    ]
    for event in decision.events:
        assert event.details["schedule"] == "saving"
        assert event.details["occurrence"] == "2026-02-28"
    assert state.occurrences[("saving", "2026-02-28")] == ("T4", "posted")
    assert refused(state, PostOccurrence("saving", date(2026, 2, 28))) == (
        "the occurrence of saving on 2026-02-28 is already posted (ref T4)"
    )


def test_a_transfer_past_the_senders_limit_is_denied() -> None:
    state = funded(OpenAccount("savings", D), create(name="saving", kind="transfer",
                                                       amount="2000", to="savings"))
    assert "insufficient funds in checking for a transfer" in refused(
        state, PostOccurrence("saving", date(2026, 1, 31))
    )


def test_a_deposit_schedule_on_checking_opens_it_with_the_first_posting() -> None:
    state = given(create(name="salary", kind="deposit", amount="3200", every="2weeks",
                         start=date(2026, 1, 2)))
    decision = then(state, PostOccurrence("salary", date(2026, 1, 16)))
    assert [(e.type, e.account, e.amount, e.date) for e in decision.events] == [
        (OPENED, "checking", 0, date(2026, 1, 16)),
        (DEPOSITED, "checking", 320_000, date(2026, 1, 16)),
    ]
    # the opening is not linked; the deposit is
    assert "occurrence" not in decision.events[0].details
    assert decision.events[1].details["occurrence"] == "2026-01-16"


def test_posting_into_an_account_closed_since_is_denied() -> None:
    state = given(
        OpenAccount("old", date(2026, 1, 1)), create(account="old", kind="deposit"),
        CloseAccount("old", D),
    )
    assert refused(state, PostOccurrence("rent", date(2026, 1, 31))) == "account 'old' is closed"


def test_postings_replay_to_the_same_state() -> None:
    state = State()
    events: list[Event] = []
    for command in (
        Deposit("1000", date(2026, 1, 1)),
        create(),
        PostOccurrence("rent", date(2026, 1, 31)),
        SkipOccurrence("rent", date(2026, 2, 28), D),
        PostOccurrence("rent", date(2026, 3, 31)),
        StopSchedule("rent", date(2026, 4, 15), D),
    ):
        decision = decide(state, command)
        events.extend(stored(state, decision))
        apply(state, decision)
    assert replay(events) == state
    assert state.occurrences == {
        ("rent", "2026-01-31"): ("T3", "posted"),
        ("rent", "2026-02-28"): ("T4", "skipped"),
        ("rent", "2026-03-31"): ("T5", "posted"),
    }


# --- SkipOccurrence -----------------------------------------------------------------------


def test_a_skip_records_a_ledger_wide_event() -> None:
    state = funded(create())
    decision = then(state, SkipOccurrence("rent", date(2026, 4, 30), D, reason="away"))
    assert [(e.ref, e.type, e.account, e.amount, e.date, dict(e.details))
            for e in decision.events] == [
        ("T3", SKIPPED, LEDGER_WIDE, 0, D,
         {"schedule": "rent", "occurrence": "2026-04-30", "reason": "away"}),
    ]
    assert state.occurrences[("rent", "2026-04-30")] == ("T3", "skipped")
    assert state.accounts["checking"].balance == 100_000


def test_skipping_twice_is_denied() -> None:
    state = funded(create())
    then(state, SkipOccurrence("rent", date(2026, 1, 31), D))
    assert refused(state, SkipOccurrence("rent", date(2026, 1, 31), D)) == (
        "the occurrence of rent on 2026-01-31 is already skipped (ref T3)"
    )


def test_skipping_a_posted_occurrence_is_denied() -> None:
    state = funded(create())
    then(state, PostOccurrence("rent", date(2026, 1, 31)))
    assert refused(state, SkipOccurrence("rent", date(2026, 1, 31), D)) == (
        "the occurrence of rent on 2026-01-31 is already posted (ref T3)"
    )


def test_skipping_a_day_that_is_not_an_occurrence_is_denied() -> None:
    state = funded(create())
    assert refused(state, SkipOccurrence("rent", date(2026, 2, 27), D)) == (
        "schedule 'rent' has no occurrence on 2026-02-27; the next is on 2026-02-28"
    )
    assert refused(state, SkipOccurrence("nothing", date(2026, 2, 28), D)) == (
        "no schedule 'nothing' (`ledger schedule list` shows them)"
    )


# --- StopSchedule -------------------------------------------------------------------------


def test_a_stop_records_a_ledger_wide_event() -> None:
    state = funded(create())
    decision = then(state, StopSchedule("rent", date(2026, 6, 30), D))
    assert [(e.type, e.account, e.amount, e.date, dict(e.details)) for e in decision.events] == [
        (STOPPED, LEDGER_WIDE, 0, D, {"schedule": "rent", "stopped_after": "2026-06-30"}),
    ]


def test_stopping_twice_is_denied() -> None:
    state = funded(create())
    then(state, StopSchedule("rent", date(2026, 6, 30), D))
    assert refused(state, StopSchedule("rent", date(2026, 7, 31), D)) == (
        "schedule 'rent' is already stopped: nothing after 2026-06-30"
    )
    assert refused(state, StopSchedule("rnet", D, D)) == (
        "no schedule 'rnet' (`ledger schedule list` shows them)"
    )


def test_after_a_stop_later_occurrences_cannot_be_posted_or_skipped() -> None:
    state = funded(create(start=date(2026, 1, 31)))
    then(state, StopSchedule("rent", date(2026, 3, 31), D))
    # the occurrence on the stop day is kept
    then(state, PostOccurrence("rent", date(2026, 3, 31)))
    # those after it are gone, and no next one is offered
    assert refused(state, PostOccurrence("rent", date(2026, 4, 30))) == (
        "schedule 'rent' has no occurrence on 2026-04-30"
    )
    assert refused(state, SkipOccurrence("rent", date(2026, 5, 31), D)) == (
        "schedule 'rent' has no occurrence on 2026-05-31"
    )
    # those before it still can be
    then(state, PostOccurrence("rent", date(2026, 1, 31)))
    then(state, SkipOccurrence("rent", date(2026, 2, 28), D))


def test_a_stop_between_occurrences_leaves_the_earlier_ones_postable() -> None:
    state = funded(create(start=date(2026, 1, 15)))
    then(state, StopSchedule("rent", date(2026, 3, 14), D))
    then(state, PostOccurrence("rent", date(2026, 2, 15)))
    assert refused(state, PostOccurrence("rent", date(2026, 3, 15))) == (
        "schedule 'rent' has no occurrence on 2026-03-15"
    )


def test_postings_keep_money_events_unlinked_outside_schedules() -> None:
    # a plain command with the same content is no posting of the occurrence
    state = funded(create(kind="withdraw"))
    then(state, Withdraw("100", date(2026, 1, 31)))
    then(state, ChargeFee("1", date(2026, 1, 31)))
    assert state.occurrences == {}
    then(state, PostOccurrence("rent", date(2026, 1, 31)))
    assert state.occurrences == {("rent", "2026-01-31"): ("T5", "posted")}
