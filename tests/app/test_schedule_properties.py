"""Properties of schedules through the real service, on a real SQLite file (SPEC 12).

Random schedules (deposits, checks, withdrawals, fees and transfers, with month-end starts,
--count, --until and stops) go through `Ledger.execute`; random runs of `Ledger.post_due` on
increasing days, random skips and stops follow. A small independent model (its own calendar,
written here with the `calendar` module, never `Schedule.occurrences`) predicts what every run
posts, which occurrence is denied (a check or withdrawal past the overdraft limit stays due),
the refs, what `due` lists now and as known after every earlier step (--known-at), and every
item of the forecast.

Each Hypothesis example gets its own ledger file: function-scoped fixtures are not reset
between examples, and LEDGER_TODAY is set and restored inside the example.
"""

from __future__ import annotations

import calendar
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import copy_ledger, empty_read_models
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger_cli.app.queries import read
from ledger_cli.app.schedules import due, forecast, handled
from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import (
    CreateSchedule,
    Deposit,
    OpenAccount,
    SkipOccurrence,
    StopSchedule,
)
from ledger_cli.domain.dates import parse_recorded
from ledger_cli.domain.money import CURRENCIES, format_amount
from ledger_cli.errors import Denied, InvalidValue

USD = CURRENCIES["USD"]
OPENED = date(2025, 10, 1)  # both accounts open, with their first deposits
FIRST_START = date(2025, 11, 1)
FIRST_RUN = date(2025, 12, 1)

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@contextmanager
def ledger_today(day: date) -> Iterator[None]:
    """LEDGER_TODAY=day for the block, restored afterwards (a Hypothesis example cannot use
    the function-scoped monkeypatch)."""
    before = os.environ.get("LEDGER_TODAY")
    os.environ["LEDGER_TODAY"] = day.isoformat()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("LEDGER_TODAY", None)
        else:
            os.environ["LEDGER_TODAY"] = before


# --- the model's calendar -----------------------------------------------------------------

PERIODS = {
    "day": (1, "day"), "3 days": (3, "day"), "10 days": (10, "day"), "week": (1, "week"),
    "2weeks": (2, "week"), "5 weeks": (5, "week"), "month": (1, "month"),
    "2 months": (2, "month"), "quarter": (3, "month"), "year": (1, "year"),
}


def months_after(start: date, months: int) -> date:
    """The start's day of the month `months` months later, or that month's last day."""
    year, month0 = divmod(start.year * 12 + start.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last))


@dataclass
class Sched:
    """What the model knows of a schedule."""

    name: str
    kind: str  # deposit | check | withdraw | fee | transfer
    amount: int
    account: str
    to: str | None
    every: str
    start: date
    times: int | None = None
    until: date | None = None
    stopped: date | None = None

    def nth(self, k: int) -> date:
        """Occurrence k, ignoring every bound."""
        n, unit = PERIODS[self.every]
        if unit == "day":
            return self.start + timedelta(days=n * k)
        if unit == "week":
            return self.start + timedelta(days=7 * n * k)
        return months_after(self.start, n * k * (12 if unit == "year" else 1))

    def expand(self, through: date) -> list[date]:
        """Every occurrence through `through`, within --count, --until and the stop."""
        ends = [day for day in (through, self.until, self.stopped) if day is not None]
        end = min(ends)
        found: list[date] = []
        k = 0
        while self.times is None or k < self.times:
            day = self.nth(k)
            if day > end:
                break
            found.append(day)
            k += 1
        return found

    def signed(self, account: str) -> int:
        """What one occurrence moves in `account`."""
        if self.kind == "transfer":
            return -self.amount if account == self.account else (
                self.amount if account == self.to else 0
            )
        if account != self.account:
            return 0
        return self.amount if self.kind == "deposit" else -self.amount

    def command(self) -> CreateSchedule:
        return CreateSchedule(
            self.name, self.kind, format_amount(self.amount, USD), self.every, self.start,
            OPENED, self.until, self.times, self.account, self.to,
        )


@dataclass
class Model:
    limit: int  # checking's overdraft limit; savings has none
    schedules: dict[str, Sched] = field(default_factory=dict)
    balances: dict[str, int] = field(default_factory=dict)  # after every entry, whatever its date
    entries: list[tuple[str, int, date]] = field(default_factory=list)  # in log order
    handled: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    refs: int = 0  # the number of the last ref given

    def next_ref(self) -> str:
        self.refs += 1
        return f"T{self.refs}"

    def pending(self, through: date, names: tuple[str, ...] = ()) -> list[tuple[date, str]]:
        return sorted(
            (day, s.name)
            for s in self.schedules.values()
            if not names or s.name in names
            for day in s.expand(through)
            if (s.name, day.isoformat()) not in self.handled
        )

    def allowed(self, s: Sched) -> bool:
        """Whether posting one occurrence of `s` now is accepted: a fee and a deposit always
        are; a debit the user starts stays within balance + limit."""
        if s.kind in ("deposit", "fee"):
            return True
        limit = self.limit if s.account == "checking" else 0
        return s.amount <= self.balances[s.account] + limit

    def post(self, s: Sched, day: date) -> str:
        ref = self.next_ref()
        for account in (s.account, s.to):
            if account is not None:
                amount = s.signed(account)
                self.balances[account] += amount
                self.entries.append((account, amount, day))
        self.handled[(s.name, day.isoformat())] = (ref, "posted")
        return ref

    def balance_as_of(self, account: str, day: date) -> int:
        return sum(amount for name, amount, on in self.entries if name == account and on <= day)


# --- strategies ---------------------------------------------------------------------------

def day_of_month(months: int, day: int) -> date:
    """Day `day` (or the last day) of the month `months` after November 2025."""
    year, month0 = divmod(2025 * 12 + 10 + months, 12)
    return date(year, month0 + 1, min(day, calendar.monthrange(year, month0 + 1)[1]))


# Starts from 2025-11-01 to 2026-03-31, month ends (the 28th to the 31st) often.
start_days = st.one_of(
    st.integers(0, 150).map(lambda n: FIRST_START + timedelta(days=n)),
    st.builds(day_of_month, st.integers(0, 4), st.integers(28, 31)),
)
kinds = st.sampled_from(
    ["deposit", "check", "check", "withdraw", "fee", "transfer-out", "transfer-in"]
)


@st.composite
def schedules(draw: st.DrawFn, name: str) -> Sched:
    kind = draw(kinds)
    every = draw(st.sampled_from(sorted(PERIODS)))
    start = draw(start_days)
    bound = draw(st.sampled_from(["none", "none", "count", "until"]))
    times = draw(st.integers(1, 8)) if bound == "count" else None
    until = start + timedelta(days=draw(st.integers(0, 150))) if bound == "until" else None
    account, to = "checking", None
    if kind == "transfer-out":
        kind, to = "transfer", "savings"
    elif kind == "transfer-in":
        kind, account, to = "transfer", "savings", "checking"
    # up to 600.00; Hypothesis favours tiny integers, so typical amounts are listed too
    amount = draw(st.sampled_from([1, 999, 5_000, 25_000, 60_000]) | st.integers(1, 60_000))
    return Sched(name, kind, amount, account, to, every, start, times, until)


# --- reading the log ----------------------------------------------------------------------


def log_links(path: Path) -> tuple[dict[tuple[str, str], list[tuple[str, str]]], dict]:
    """From the events table itself: (schedule, occurrence) -> [(ref, type)] of the money
    events linked to it, and (schedule, occurrence) -> ref of each skip."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT ref, type, details FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()
    posted: dict[tuple[str, str], list[tuple[str, str]]] = {}
    skipped: dict[tuple[str, str], str] = {}
    for ref, kind, text in rows:
        details = json.loads(text) if text else {}
        if "occurrence" not in details:
            continue
        key = (details["schedule"], details["occurrence"])
        if kind == "OccurrenceSkipped":
            assert key not in skipped, key
            skipped[key] = ref
        else:
            posted.setdefault(key, []).append((ref, kind))
    return posted, skipped


def head_recorded(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT max(recorded_at) FROM events").fetchone()[0])
    finally:
        conn.close()


# --- the property -------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(data=st.data())
def test_postings_skips_due_and_forecast_match_an_independent_model(
    data: st.DataObject,
) -> None:
    funds = data.draw(st.sampled_from([100, 50_000, 300_000, 100_000_000]), label="funds")
    limit = data.draw(st.sampled_from([0, 0, 20_000]), label="overdraft limit")
    count = data.draw(st.integers(1, 4), label="schedules")
    model = Model(limit=limit, balances={"checking": 0, "savings": 0})
    found = [data.draw(schedules(f"s{i}"), label=f"s{i}") for i in range(count)]

    with tempfile.TemporaryDirectory() as folder, ledger_today(FIRST_RUN):
        path = Path(folder) / "ledger.db"
        ledger = Ledger(path)
        setup = [
            OpenAccount("checking", OPENED, overdraft_limit=format_amount(limit, USD)),
            Deposit(format_amount(funds, USD), OPENED),
            OpenAccount("savings", OPENED),
            Deposit("100000", OPENED, account="savings"),
        ]
        for command in setup:
            assert ledger.execute(command).ref == model.next_ref()
        model.balances = {"checking": funds, "savings": 10_000_000}
        model.entries = [("checking", funds, OPENED), ("savings", 10_000_000, OPENED)]
        for s in found:
            assert ledger.execute(s.command()).ref == model.next_ref()
            model.schedules[s.name] = replace(s)

        # after each step: the knowledge time, what the model then knew
        moments: list[tuple[str, Model]] = [(head_recorded(path), _copy(model))]
        run_day = FIRST_RUN + timedelta(days=data.draw(st.integers(0, 60), label="first run"))
        steps = data.draw(st.integers(1, 10), label="steps")
        for _ in range(steps):
            action = data.draw(st.sampled_from(["run", "run", "skip", "stop"]))
            if action == "run":
                names = tuple(
                    data.draw(st.sets(st.sampled_from(sorted(model.schedules))), label="names")
                )
                _run(ledger, model, run_day, tuple(sorted(names)))
                run_day += timedelta(days=data.draw(st.integers(0, 45), label="next run"))
            elif action == "skip":
                _skip(data, ledger, model, path)
            else:
                _stop(data, ledger, model, path)
            moments.append((head_recorded(path), _copy(model)))

        # a last run of every schedule: everything through it is handled
        last_run = run_day
        _run(ledger, model, last_run, ())
        moments.append((head_recorded(path), _copy(model)))

        _check_log(path, model, last_run)
        # The same answers from the log alone, when the read models do not describe it.
        stale = Path(folder) / "stale.db"
        copy_ledger(path, stale)
        empty_read_models(stale)
        for where in (path, stale):
            _check_due(where, model, moments, data)
            today = last_run + timedelta(days=data.draw(st.integers(-30, 40), label="today"))
            through = today + timedelta(days=data.draw(st.integers(0, 120), label="horizon"))
            recorded_at, then = data.draw(st.sampled_from(moments), label="forecast known at")
            with ledger_today(today):
                for account in ("checking", "savings"):
                    _check_forecast(where, model, account, today, through)
                    _check_forecast(where, then, account, today, through, recorded_at)


def _copy(model: Model) -> Model:
    return Model(
        model.limit,
        {name: replace(s) for name, s in model.schedules.items()},
        dict(model.balances),
        list(model.entries),
        dict(model.handled),
        model.refs,
    )


def _run(ledger: Ledger, model: Model, day: date, names: tuple[str, ...]) -> None:
    """`due --post --through day [names]`: every occurrence due is posted in date order,
    then by name, each decided against the balance the ones before it left; a denied one
    stays due."""
    expected_posted, expected_denied = [], []
    # `due --post` decides a day's deposits first, then the rest by name.
    in_order = sorted(
        model.pending(day, names),
        key=lambda item: (item[0], model.schedules[item[1]].kind != "deposit", item[1]),
    )
    for occurrence, name in in_order:
        s = model.schedules[name]
        if model.allowed(s):
            expected_posted.append((name, occurrence, model.post(s, occurrence)))
        else:
            expected_denied.append((name, occurrence))
    result = ledger.post_due(day, names, force=False, dry_run=False)
    assert result.through == day
    assert [(item.schedule.name, item.date, done.ref) for item, done in result.posted] == (
        expected_posted
    )
    assert [(item.schedule.name, item.date) for item, _ in result.denied] == expected_denied
    for _, reason in result.denied:
        assert reason.startswith("insufficient funds in "), reason
    event("run posted " + ("none" if not expected_posted else "some"))
    event("run denied " + ("none" if not expected_denied else "some"))


def _skip(data: st.DataObject, ledger: Ledger, model: Model, path: Path) -> None:
    """Skip the k-th occurrence of a schedule (ignoring its bounds, so that some are past
    them), or the day after it (often no occurrence)."""
    s = model.schedules[data.draw(st.sampled_from(sorted(model.schedules)), label="skip")]
    day = s.nth(data.draw(st.sampled_from(range(13)), label="k"))
    if data.draw(st.sampled_from([False, False, False, True]), label="off by a day"):
        day += timedelta(days=1)
    expected = day in s.expand(day) and (s.name, day.isoformat()) not in model.handled
    before = head_recorded(path)
    try:
        outcome = ledger.execute(SkipOccurrence(s.name, day, day))
    except (Denied, InvalidValue) as error:
        assert not expected, f"skip {s.name} {day} was denied: {error}"
        assert head_recorded(path) == before
        message = str(error)
        key = (s.name, day.isoformat())
        # (an occurrence a stop removed is no occurrence, even one posted before the stop)
        if key in model.handled and day in s.expand(day):
            ref, how = model.handled[key]
            assert message == (
                f"the occurrence of {s.name} on {day.isoformat()} is already {how} (ref {ref})"
            )
        else:
            assert message.startswith(f"schedule '{s.name}' has no occurrence on {day}")
            # the next is within a period (a year at most) of any day, if there is one
            later = [other for other in s.expand(day + timedelta(days=400)) if other >= day]
            if later:
                assert message.endswith(f"; the next is on {later[0].isoformat()}"), message
            else:
                assert "the next" not in message, message
        event("skip denied")
        return
    assert expected, f"skip {s.name} {day} was accepted"
    ref = model.next_ref()
    assert outcome.ref == ref
    model.handled[(s.name, day.isoformat())] = (ref, "skipped")
    event("skip accepted")


def _stop(data: st.DataObject, ledger: Ledger, model: Model, path: Path) -> None:
    s = model.schedules[data.draw(st.sampled_from(sorted(model.schedules)), label="stop")]
    last_day = s.start + timedelta(days=data.draw(st.integers(-5, 200), label="stop after"))
    before = head_recorded(path)
    try:
        outcome = ledger.execute(StopSchedule(s.name, last_day, last_day))
    except (Denied, InvalidValue) as error:
        assert s.stopped is not None, f"stop {s.name} was denied: {error}"
        assert str(error) == (
            f"schedule '{s.name}' is already stopped: nothing after {s.stopped.isoformat()}"
        )
        assert head_recorded(path) == before
        event("stop denied")
        return
    assert s.stopped is None, f"stop {s.name} was accepted twice"
    assert outcome.ref == model.next_ref()
    s.stopped = last_day
    event("stop accepted")


def _check_log(path: Path, model: Model, last_run: date) -> None:
    """What the log holds: each occurrence posted at most once (one ref, one money event,
    two for a transfer), exactly those the model posted and skipped; and every occurrence
    through the last run is posted or skipped, or still due (denied: short of funds when its
    turn came)."""
    posted, skipped = log_links(path)
    for key, events in posted.items():
        refs = {ref for ref, _ in events}
        assert len(refs) == 1, (key, events)
        kinds = sorted(kind for _, kind in events)
        if model.schedules[key[0]].kind == "transfer":
            assert kinds == ["TransferReceived", "TransferSent"], (key, kinds)
        else:
            assert len(kinds) == 1, (key, kinds)
    assert {key: events[0][0] for key, events in posted.items()} == {
        key: ref for key, (ref, how) in model.handled.items() if how == "posted"
    }
    assert skipped == {key: ref for key, (ref, how) in model.handled.items() if how == "skipped"}
    # every occurrence through the last run: posted or skipped, or (denied) still due
    still_due = model.pending(last_run)
    for s in model.schedules.values():
        for day in s.expand(last_run):
            key = (s.name, day.isoformat())
            assert (key in posted) + (key in skipped) + ((day, s.name) in still_due) == 1, key
    with read(path) as q:
        assert handled(q, None) == model.handled
        for account in ("checking", "savings"):
            assert q.balance(account).balance == model.balances[account]


def _check_due(
    path: Path, model: Model, moments: list[tuple[str, Model]], data: st.DataObject
) -> None:
    """`due` now, and as known at an earlier step's recorded time (--known-at)."""
    through = data.draw(st.dates(FIRST_START, date(2026, 12, 31)), label="due through")
    with read(path) as q:
        now = [(item.date, item.schedule.name) for item in due(q, through)]
        assert now == model.pending(through)
        chosen = data.draw(st.sampled_from(sorted(model.schedules)), label="due name")
        named = [(item.date, item.schedule.name) for item in due(q, through, names=[chosen])]
        assert named == model.pending(through, (chosen,))
        recorded_at, then = data.draw(st.sampled_from(moments), label="known at")
        known = parse_recorded(recorded_at)
        earlier = [(item.date, item.schedule.name) for item in due(q, through, known)]
        assert earlier == then.pending(through)
        assert handled(q, known) == then.handled


def _check_forecast(
    path: Path, model: Model, account: str, today: date, through: date,
    recorded_at: str | None = None,
) -> None:
    """The forecast of `account` (as known at `recorded_at`, when given, which `model`
    describes): today's balance, the entries dated after today, then the
    occurrences neither posted nor skipped (an overdue one on today), each with the running
    balance; the lowest point and the first day below the limit."""
    with read(path) as q:
        known = None if recorded_at is None else parse_recorded(recorded_at)
        result = forecast(q, account, today, through, known)
    assert (result.start, result.through) == (today, through)
    start_balance = model.balance_as_of(account, today)
    limit = model.limit if account == "checking" else 0
    assert result.start_balance == start_balance

    expected_schedule_items = sorted(
        (max(day, today), 0 if s.signed(account) < 0 else 1, s.name, day, s.signed(account))
        for s in model.schedules.values()
        if s.signed(account) != 0
        for day in s.expand(through)
        if (s.name, day.isoformat()) not in model.handled
    )
    found_schedule_items = [item for item in result.items if item.source == "schedule"]
    assert [
        (item.day, item.schedule, item.due, item.amount) for item in found_schedule_items
    ] == [(day, name, due_day, amount) for day, _, name, due_day, amount in expected_schedule_items]
    overdue = [item for item in found_schedule_items if item.due is not None and item.due < today]
    assert all(item.day == today for item in overdue)

    expected_entries = sorted(
        ((on, amount) for name, amount, on in model.entries
         if name == account and today < on <= through),
        key=lambda entry: entry[0],
    )
    found_entries = [(item.day, item.amount) for item in result.items if item.source == "entry"]
    assert found_entries == expected_entries

    # in date order, a day's entries before its scheduled items; a running balance
    order = [(item.day, 0 if item.source == "entry" else 1) for item in result.items]
    assert order == sorted(order)
    balance = start_balance
    lowest = (today, start_balance)
    first_overdraft = (today, start_balance) if start_balance < -limit else None
    for item in result.items:
        balance += item.amount
        assert item.balance == balance
        if balance < lowest[1]:
            lowest = (item.day, balance)
        if first_overdraft is None and balance < -limit:
            first_overdraft = (item.day, balance)
    final = result.items[-1].balance if result.items else result.start_balance
    assert final == start_balance + sum(item.amount for item in result.items)
    assert result.lowest == lowest
    assert result.first_overdraft == first_overdraft
    assert result.overdraft_limit == limit
    event("forecast with overdue items" if overdue else "forecast, none overdue")
    event("forecast with post-dated entries" if found_entries else "forecast, no entries")
    event("forecast overdraws" if first_overdraft else "forecast, no overdraft")


# --- examples -----------------------------------------------------------------------------


def _rent_ledger(path: Path) -> Ledger:
    """checking with 1000.00, and rent: a check of 100.00 every month from 2026-01-31."""
    ledger = Ledger(path)
    ledger.execute(Deposit("1000", date(2026, 1, 1)))
    ledger.execute(CreateSchedule("rent", "check", "100", "month", date(2026, 1, 31), OPENED))
    return ledger


def test_a_dry_run_posts_nothing_and_says_what_a_run_would(ledger_db: Path) -> None:
    ledger = _rent_ledger(ledger_db)
    before = head_recorded(ledger_db), log_links(ledger_db)
    dry = ledger.post_due(date(2026, 3, 31), dry_run=True)
    assert (head_recorded(ledger_db), log_links(ledger_db)) == before
    real = ledger.post_due(date(2026, 3, 31))
    assert [(item.date, done.ref) for item, done in dry.posted] == [
        (item.date, done.ref) for item, done in real.posted
    ] == [(date(2026, 1, 31), "T3"), (date(2026, 2, 28), "T4"), (date(2026, 3, 31), "T5")]
    assert dry.dry_run and not real.dry_run
    # a second run finds nothing left
    again = ledger.post_due(date(2026, 3, 31))
    assert (again.posted, again.denied) == ([], [])
    with read(ledger_db) as q:
        assert q.balance("checking").balance == 70_000


def test_due_and_post_due_name_an_unknown_schedule(ledger_db: Path) -> None:
    ledger = _rent_ledger(ledger_db)
    with pytest.raises(Denied) as caught:
        ledger.post_due(date(2026, 3, 31), ("rnet",))
    assert str(caught.value) == "no schedule 'rnet' (schedules: rent)"
    with read(ledger_db) as q, pytest.raises(Denied) as caught:
        due(q, date(2026, 3, 31), names=["rnet"])
    assert str(caught.value) == "no schedule 'rnet' (schedules: rent)"


def test_a_forecast_through_a_day_before_today_is_denied(ledger_db: Path) -> None:
    _rent_ledger(ledger_db)
    with read(ledger_db) as q, pytest.raises(Denied) as caught:
        forecast(q, "checking", date(2026, 3, 31), date(2026, 3, 30))
    assert str(caught.value) == "--through 2026-03-30 is before today (2026-03-31)"


def test_due_as_known_before_the_schedule_was_created_is_empty(ledger_db: Path) -> None:
    ledger = Ledger(ledger_db)
    ledger.execute(Deposit("1000", date(2026, 1, 1)))
    before = head_recorded(ledger_db)
    ledger.execute(CreateSchedule("rent", "check", "100", "month", date(2026, 1, 31), OPENED))
    ledger.post_due(date(2026, 1, 31))
    posted = head_recorded(ledger_db)
    ledger.execute(SkipOccurrence("rent", date(2026, 2, 28), OPENED))
    with read(ledger_db) as q:
        assert due(q, date(2026, 3, 31), parse_recorded(before)) == []
        assert [item.date for item in due(q, date(2026, 3, 31), parse_recorded(posted))] == [
            date(2026, 2, 28), date(2026, 3, 31)
        ]
        assert [item.date for item in due(q, date(2026, 3, 31))] == [date(2026, 3, 31)]
        # the forecast as known then had February's rent still to come, overdue on today
        then = forecast(q, "checking", date(2026, 3, 31), date(2026, 4, 30),
                        parse_recorded(posted))
        assert [(item.day, item.due, item.amount, item.balance) for item in then.items] == [
            (date(2026, 3, 31), date(2026, 2, 28), -10_000, 80_000),
            (date(2026, 3, 31), date(2026, 3, 31), -10_000, 70_000),
            (date(2026, 4, 30), date(2026, 4, 30), -10_000, 60_000),
        ]
