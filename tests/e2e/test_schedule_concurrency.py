"""`ledger due --post` from many processes at once (SPEC 12: "an occurrence is posted at most
once, however often this runs"; SPEC 9: concurrent writers serialise).

A ledger holds a large deposit and a handful of schedules started months ago (a monthly rent
check from the 31st, a weekly cash withdrawal, a monthly transfer to savings, a fortnightly
salary, a gym check limited by --count), so that about thirty occurrences are due. Several
installed `ledger due --post` processes are released together (each waits on a gate file,
then execs `ledger`, so that they all start up and reach the write at the same moment), and
the test checks, against its own expansion of the schedules:

- every process exited 0 with nothing on stderr, and what each reports posting, taken
  together, is every due occurrence exactly once;
- the log holds exactly one transaction per (schedule, occurrence), dated on its day, with
  the schedule's amount, and check numbers stay unique;
- `ledger due` lists nothing, `ledger reconcile` exits 0, the read models match the log, and
  the balances are the deposit plus the sum of the expected occurrences.
"""

from __future__ import annotations

import calendar
import json
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    LedgerProcess,
    assert_read_models_current,
    copy_ledger,
    ledger_env,
    ledger_executable,
    ledger_process,
    minor,
    usd,
)

TODAY = date(2026, 3, 31)
OPENING = 10_000_000  # 100,000.00 deposited on checking before any schedule starts
BUSY = "60"  # seconds a process waits for the others' writes (LEDGER_BUSY_TIMEOUT)

# Waits for the gate file, then becomes `ledger ARGS` (its stdout, stderr and exit status are
# ledger's own). The ready file tells the test that this process is waiting.
GATE = r"""
import os
import sys
import time

ready, gate, exe, *args = sys.argv[1:]
open(ready, "w").close()
deadline = time.monotonic() + 120
while not os.path.exists(gate):
    if time.monotonic() > deadline:
        sys.exit("gate never opened")
    time.sleep(0.001)
os.execv(exe, [exe, *args])
"""


@dataclass(frozen=True)
class Plan:
    """A schedule as the test adds it, and as the test expands it on its own."""

    name: str
    kind: str  # deposit | check | withdraw | transfer
    amount: int  # minor units
    every: str  # month | week | 2weeks
    start: date
    options: tuple[str, ...] = ()
    count: int | None = None

    def add_args(self) -> list[str]:
        args = ["schedule", "add", self.name, self.kind, usd(self.amount), "--every", self.every,
                "--start", self.start.isoformat(), *self.options]
        if self.count is not None:
            args += ["--count", str(self.count)]
        return args

    def days(self, through: date) -> list[date]:
        """Its occurrences through `through`: a monthly one keeps its start's day of the
        month, or the last day of a shorter month."""
        found: list[date] = []
        k = 0
        while self.count is None or k < self.count:
            if self.every == "month":
                months = self.start.month - 1 + k
                year, month = self.start.year + months // 12, months % 12 + 1
                day = date(year, month, min(self.start.day, calendar.monthrange(year, month)[1]))
            else:
                step = {"week": 7, "2weeks": 14}[self.every]
                day = self.start + timedelta(days=step * k)
            if day > through:
                break
            found.append(day)
            k += 1
        return found

    def moves(self) -> dict[str, int]:
        """What one occurrence moves, by account (signed minor units)."""
        if self.kind == "transfer":
            return {"checking": -self.amount, "savings": self.amount}
        return {"checking": self.amount if self.kind == "deposit" else -self.amount}


PLANS = [
    Plan("rent", "check", 150_000, "month", date(2025, 10, 31), ("--payee", "Landlord")),
    Plan("cash", "withdraw", 6_000, "week", date(2026, 1, 3)),
    Plan("save", "transfer", 20_000, "month", date(2025, 11, 15), ("--to", "savings")),
    Plan("salary", "deposit", 250_000, "2weeks", date(2026, 2, 6), ("--payee", "Employer")),
    Plan("gym", "check", 4_550, "month", date(2025, 12, 31), ("--payee", "Gym"), count=3),
]
BY_NAME = {plan.name: plan for plan in PLANS}
EVENT_TYPES = {"deposit": {"FundsDeposited"}, "check": {"CheckWritten"},
               "withdraw": {"CashWithdrawn"}, "transfer": {"TransferSent", "TransferReceived"}}

Occurrence = tuple[str, str]  # (schedule, ISO day)


def expected(through: date, names: list[str] | None = None) -> set[Occurrence]:
    return {
        (plan.name, day.isoformat())
        for plan in PLANS
        if names is None or plan.name in names
        for day in plan.days(through)
    }


def expected_balances(done: set[Occurrence], through: date | None = None) -> dict[str, int]:
    """The balances after the opening deposit and the occurrences `done` (those on or
    before `through`, when given)."""
    totals = {"checking": OPENING, "savings": 0}
    for name, day in done:
        if through is None or date.fromisoformat(day) <= through:
            for account, amount in BY_NAME[name].moves().items():
                totals[account] += amount
    return totals


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TODAY", TODAY.isoformat())
    monkeypatch.setenv("LEDGER_BUSY_TIMEOUT", BUSY)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ledger with its opening deposit, a savings account and every schedule: made once,
    copied for each test."""
    db = tmp_path_factory.mktemp("template") / "books.db"
    setup = [
        ["deposit", usd(OPENING), "--date", "2025-10-01", "--payee", "Opening"],
        ["open", "savings"],
        *(plan.add_args() for plan in PLANS),
    ]
    for args in setup:
        done = ledger_process(*args, db=db, env={"LEDGER_TODAY": TODAY.isoformat()})
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return db


@pytest.fixture
def books(template: Path, run_ledger: LedgerProcess) -> LedgerProcess:
    """This test's copy of the template ledger, everything due."""
    copy_ledger(template, run_ledger.db)
    listed = run_ledger.ok_json("due")
    assert {(item["schedule"], item["date"]) for item in listed} == expected(TODAY)
    return run_ledger


@dataclass
class Run:
    args: list[str]
    code: int
    out: str
    err: str


def at_once(
    tmp_path: Path, db: Path, commands: list[list[str]], today: date = TODAY
) -> list[Run]:
    """Start one `ledger` process per command, release them together, wait for all."""
    script = tmp_path / "gate.py"
    script.write_text(GATE)
    gates = tmp_path / "gates"
    gates.mkdir(exist_ok=True)
    gate = gates / f"open-{time.monotonic_ns()}"
    env = ledger_env(db, LEDGER_TODAY=today.isoformat(), LEDGER_BUSY_TIMEOUT=BUSY)
    procs: list[tuple[list[str], Path, subprocess.Popen[str]]] = []
    try:
        for i, args in enumerate(commands):
            ready = gates / f"{gate.name}-ready-{i}"
            proc = subprocess.Popen(
                [sys.executable, str(script), str(ready), str(gate), ledger_executable(), *args],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, env=env,
            )
            procs.append((args, ready, proc))
        deadline = time.monotonic() + 60
        while not all(ready.exists() for _, ready, _ in procs):
            assert time.monotonic() < deadline, "the processes never became ready"
            assert all(proc.poll() is None for *_, proc in procs)
            time.sleep(0.005)
        gate.touch()
        runs = []
        for args, _, proc in procs:
            out, err = proc.communicate(timeout=120)
            runs.append(Run(args, proc.returncode, out, err))
        return runs
    finally:
        for *_, proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def posted_by(runs: list[Run]) -> list[list[Occurrence]]:
    """What each run of `due --post --json` reports posting; each run must have exited 0,
    said nothing on stderr and had nothing denied."""
    reported = []
    for run in runs:
        assert run.code == 0, run
        assert run.err == "", run
        result = json.loads(run.out)
        assert result["denied"] == [], run
        for item in result["posted"]:
            assert item["events"], item
        reported.append([(item["schedule"], item["date"]) for item in result["posted"]])
    return reported


def assert_each_once(reported: list[list[Occurrence]], wanted: set[Occurrence]) -> None:
    """Every occurrence in `wanted` reported posted by exactly one process, and nothing
    else."""
    counts = Counter(occ for one in reported for occ in one)
    assert set(counts) == wanted, (sorted(set(counts) ^ wanted), reported)
    assert [occ for occ, n in counts.items() if n != 1] == []


def logged(db: Path) -> dict[Occurrence, list[dict[str, Any]]]:
    """The events in the log linked to an occurrence, by (schedule, occurrence)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT seq, ref, type, account, amount, date, details FROM events ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
    found: dict[Occurrence, list[dict[str, Any]]] = defaultdict(list)
    for seq, ref, type_, account, amount, day, details in rows:
        data = json.loads(details) if details else {}
        if "occurrence" in data and type_ != "OccurrenceSkipped":
            found[(data["schedule"], data["occurrence"])].append(
                {"seq": seq, "ref": ref, "type": type_, "account": account, "amount": amount,
                 "date": day, "number": data.get("number")}
            )
    return dict(found)


def assert_log_holds(db: Path, wanted: set[Occurrence]) -> None:
    """One transaction per occurrence in `wanted` and none for any other: dated on its
    day, of the schedule's type and amount; check numbers unique in checking."""
    found = logged(db)
    assert set(found) == wanted, sorted(set(found) ^ wanted)
    for (name, day), events in found.items():
        plan = BY_NAME[name]
        assert len({event["ref"] for event in events}) == 1, (name, day, events)
        assert {event["type"] for event in events} == EVENT_TYPES[plan.kind], events
        assert len(events) == len(plan.moves()), events
        assert {event["account"]: event["amount"] for event in events} == plan.moves(), events
        assert {event["date"] for event in events} == {day}, events
    numbers = [event["number"] for events in found.values() for event in events
               if event["type"] == "CheckWritten"]
    assert len(numbers) == len(set(numbers)), numbers
    assert None not in numbers


def assert_settled(ledger: LedgerProcess, wanted: set[Occurrence], through: date) -> None:
    """After the runs: the log, `due`, the balances, reconcile and the read models."""
    assert_log_holds(ledger.db, wanted)
    assert ledger.ok_json("due", "--through", through.isoformat()) == []
    balances = {item["account"]: minor(item["balance"])
                for item in ledger.ok_json("balance", "--all")}
    assert balances == expected_balances(wanted)
    reconcile = ledger("reconcile", "--json")
    assert reconcile.returncode == 0, (reconcile.stdout, reconcile.stderr)
    assert json.loads(reconcile.stdout)["problems"] == []
    assert_read_models_current(ledger.db)


def test_eight_processes_post_every_due_occurrence_exactly_once(
    books: LedgerProcess, tmp_path: Path
) -> None:
    wanted = expected(TODAY)
    assert 20 <= len(wanted) <= 40, len(wanted)
    runs = at_once(tmp_path, books.db, [["due", "--post", "--json"]] * 8)
    assert_each_once(posted_by(runs), wanted)
    assert_settled(books, wanted, TODAY)
    assert books.ok("due").stdout == f"Nothing is due through {TODAY.isoformat()}.\n"
    # the rent checks took the numbers 1..n between them, in date order (one writer posted
    # each batch in date order, whichever it was)
    found = logged(books.db)
    checks = sorted(
        (day, event["number"]) for (name, day), events in found.items() if name in ("rent", "gym")
        for event in events
    )
    assert [number for _, number in checks] == list(range(1, len(checks) + 1)), checks

    # and again, all at once: nothing more is posted, by anyone
    again = at_once(tmp_path, books.db, [["due", "--post", "--json"]] * 6)
    assert posted_by(again) == [[]] * 6
    assert_settled(books, wanted, TODAY)


def test_rounds_on_later_days_each_post_only_what_became_due(
    books: LedgerProcess, tmp_path: Path
) -> None:
    """Six processes at once on each of three days: each round posts what fell due since
    the last one, once, and never a day after that round's today."""
    done: set[Occurrence] = set()
    for today in (date(2026, 1, 31), date(2026, 2, 28), TODAY):
        runs = at_once(tmp_path, books.db, [["due", "--post", "--json"]] * 6, today)
        reported = posted_by(runs)
        assert_each_once(reported, expected(today) - done)
        assert all(day <= today.isoformat() for one in reported for _, day in one)
        done = expected(today)
        assert_log_holds(books.db, done)
        assert books.ok_json("due", env={"LEDGER_TODAY": today.isoformat()}) == []
    assert_settled(books, expected(TODAY), TODAY)


def test_two_processes_posting_different_schedules_at_once_each_post_their_own(
    books: LedgerProcess, tmp_path: Path
) -> None:
    first, second = ["rent", "save"], ["cash", "salary", "gym"]
    runs = at_once(tmp_path, books.db, [["due", "--post", *first, "--json"],
                                        ["due", "--post", *second, "--json"]])
    mine, theirs = posted_by(runs)
    assert Counter(mine) == Counter(expected(TODAY, first))
    assert Counter(theirs) == Counter(expected(TODAY, second))
    assert_settled(books, expected(TODAY), TODAY)


def test_overlapping_name_filters_at_once_share_the_common_schedule_without_doubles(
    books: LedgerProcess, tmp_path: Path
) -> None:
    """Three processes post rent and cash, three cash and save, at once: cash is posted once
    between them; rent only by the first kind, save only by the second; salary and gym stay
    due."""
    left, right = ["rent", "cash"], ["cash", "save"]
    runs = at_once(tmp_path, books.db, [["due", "--post", *left, "--json"],
                                        ["due", "--post", *right, "--json"]] * 3)
    reported = posted_by(runs)
    assert_each_once(reported, expected(TODAY, ["rent", "cash", "save"]))
    for run, one in zip(runs, reported, strict=True):
        allowed = set(run.args[2:-1])
        assert {name for name, _ in one} <= allowed, (run.args, one)
    assert_log_holds(books.db, expected(TODAY, ["rent", "cash", "save"]))
    still = books.ok_json("due")
    assert [(item["schedule"], item["date"]) for item in still] == sorted(
        expected(TODAY, ["salary", "gym"]), key=lambda occ: (occ[1], occ[0])
    )
    # the rest, from several processes again
    posted_by(at_once(tmp_path, books.db, [["due", "--post", "--json"]] * 4))
    assert_settled(books, expected(TODAY), TODAY)


def test_posting_through_a_future_day_from_several_processes_at_once(
    books: LedgerProcess, tmp_path: Path
) -> None:
    """Four processes post through 2026-06-30 while three post through today, all at once:
    each occurrence through 2026-06-30 is posted once (post-dated after today), and a
    process without --through never posts one after today."""
    future = date(2026, 6, 30)
    wanted = expected(future)
    assert len(wanted) > len(expected(TODAY))
    ahead = ["due", "--post", "--through", future.isoformat(), "--json"]
    plain = ["due", "--post", "--json"]
    runs = at_once(tmp_path, books.db, [ahead, plain, ahead, plain, ahead, plain, ahead])
    reported = posted_by(runs)
    assert_each_once(reported, wanted)
    for run, one in zip(runs, reported, strict=True):
        if run.args == plain:
            assert all(day <= TODAY.isoformat() for _, day in one), one
        assert json.loads(run.out)["through"] == (
            future.isoformat() if run.args == ahead else TODAY.isoformat()
        )
    assert_settled(books, wanted, future)
    assert books.ok_json("due") == []
    # today's balance counts what is due by today; the rest is post-dated
    today_balance = books.ok_json("balance", "--as-of", TODAY.isoformat())
    assert minor(today_balance["balance"]) == expected_balances(wanted, TODAY)["checking"]
    projected = books.ok_json("forecast", "--through", future.isoformat())
    assert minor(projected["start_balance"]) == expected_balances(wanted, TODAY)["checking"]
    assert {item["source"] for item in projected["items"]} == {"entry"}
    assert minor(projected["items"][-1]["balance"]) == expected_balances(wanted)["checking"]
    after_today = [occ for occ in wanted if occ[1] > TODAY.isoformat()]
    assert len(projected["items"]) == len(after_today)
    # another run through the same future day, at once, posts nothing more
    again = at_once(tmp_path, books.db, [ahead] * 4)
    assert posted_by(again) == [[]] * 4
    assert_settled(books, wanted, future)
