"""Time travel (SPEC section 3): the two time axes, effective dates and recorded times.

`--as-of D` keeps what is effective on or before day D; `--known-at T` keeps what was recorded at
or before instant T. Together they reproduce any report printed in the past, however many
back-dated entries and voids came later. Every expected figure here is computed by the test from
the commands it wrote (checked against `audit --json`), never taken from the product's answers.

- A fixed scenario written through the installed `ledger` (one command per day, then a back-dated
  deposit and a void "on day 12"), with every (D, T) pair checked through typer's CliRunner and a
  sample through the real console script; history in (date, seq) order; `ledger diff`.
- Hypothesis: random interleavings (back-dated writes, voids) through `Ledger.execute`; every
  (D, T) balance against an independent replay; what was known at T never changes afterwards.
- Date input errors and the limit on post-dated writes; back-dated entries are visible as such.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import ledger_executable
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ledger_cli.app.service import Ledger
from ledger_cli.cli.app import app
from ledger_cli.domain.commands import (
    Command,
    Deposit,
    OpenAccount,
    Transfer,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.errors import Denied, InvalidValue

Run = Callable[..., subprocess.CompletedProcess[str]]

RECORDED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
RECORDED_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
NON_MONEY = frozenset({"AccountOpened", "AccountClosed"})
MICROSECOND = timedelta(microseconds=1)
ACCOUNTS = ("checking", "savings")

runner = CliRunner()


# -- helpers ---------------------------------------------------------------------------------------


def minor(text: str) -> int:
    """A JSON amount ("-45.50") as integer minor units, exactly."""
    value = Decimal(text) * 100
    assert value == value.to_integral_value(), text
    return int(value)


def usd(amount: int) -> str:
    """Minor units as JSON prints them: "1034.50", "-20.00"."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def usd_grouped(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100:,}.{abs(amount) % 100:02d}"


def mentions_amount(text: str, amount: int) -> bool:
    return usd(amount) in text or usd_grouped(amount) in text


def mentions_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", text) is not None


def instant(text: str) -> datetime:
    """A stored recorded time as an aware UTC datetime."""
    return datetime.strptime(text, RECORDED_FORMAT).replace(tzinfo=UTC)


def stamp(moment: datetime) -> str:
    """An aware datetime in the stored recorded-time form."""
    return moment.astimezone(UTC).strftime(RECORDED_FORMAT)


def just_before(text: str) -> str:
    return stamp(instant(text) - MICROSECOND)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class Answer:
    code: int
    stdout: str
    stderr: str


def invoke(db: Path, *args: str) -> Answer:
    """The CLI in process (typer's CliRunner) on the ledger file `db`."""
    result = runner.invoke(app, ["--db", str(db), *args])
    # No crash: a clean exit, or a handled error with its exit code.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
        result.stderr,
    )
    assert "Traceback" not in result.stderr, (args, result.stderr)
    assert "internal error" not in result.stderr, (args, result.stderr)
    return Answer(result.exit_code, result.stdout, result.stderr)


def invoke_json(db: Path, *args: str) -> Any:
    answer = invoke(db, *args, "--json")
    assert answer.code == 0, (args, answer.code, answer.stderr)
    return json.loads(answer.stdout)


def assert_one_line_error(answer: Answer | subprocess.CompletedProcess[str], args: object) -> str:
    """Exit 1, nothing on stdout, exactly one line on stderr (`ledger: ...`), no traceback."""
    code = answer.code if isinstance(answer, Answer) else answer.returncode
    assert code == 1, (args, code, answer.stdout, answer.stderr)
    assert answer.stdout == "", (args, answer.stdout)
    assert "Traceback" not in answer.stderr, (args, answer.stderr)
    lines = answer.stderr.strip().splitlines()
    assert len(lines) == 1, (args, answer.stderr)
    assert lines[0].startswith("ledger: "), (args, lines)
    return lines[0]


def subprocess_env(db: Path, tz: str = "UTC") -> dict[str, str]:
    environ = dict(os.environ)
    environ.pop("LEDGER_DEBUG", None)
    environ.update({"LEDGER_DB": str(db), "TZ": tz, "NO_COLOR": "1"})
    return environ


def run_real(db: Path, *args: str, tz: str = "UTC") -> subprocess.CompletedProcess[str]:
    """The installed console script in a subprocess, on `db`."""
    result = subprocess.run(
        [ledger_executable(), *args], capture_output=True, text=True,
        env=subprocess_env(db, tz), timeout=60, check=False,
    )
    assert "Traceback" not in result.stderr, (args, result.stderr)
    assert "internal error" not in result.stderr, (args, result.stderr)
    return result


def run_real_json(db: Path, *args: str) -> Any:
    result = run_real(db, *args, "--json")
    assert result.returncode == 0, (args, result.returncode, result.stderr)
    return json.loads(result.stdout)


# -- 1. the scenario, through the installed console script ---------------------------------------

MARCH = date(2026, 3, 1)


def day(n: int) -> date:
    """Day n of the scenario: day 1 is 2026-03-01, day 0 the day before."""
    return MARCH + timedelta(days=n - 1)


# (arguments, the money it moves as (account, minor units)); all effective on their --date.
DAILY: list[tuple[list[str], list[tuple[str, int]]]] = [
    (["deposit", "1000", "--date", "2026-03-01", "--payee", "Salary"], [("checking", 100_000)]),
    (["open", "savings", "--date", "2026-03-02"], []),
    (
        ["check", "120", "--number", "101", "--payee", "Landlord", "--date", "2026-03-03"],
        [("checking", -12_000)],
    ),
    (["deposit", "250", "--date", "2026-03-04"], [("checking", 25_000)]),
    (
        ["check", "45.50", "--number", "102", "--payee", "Grocer", "--date", "2026-03-05"],
        [("checking", -4_550)],
    ),
    (["withdraw", "60", "-m", "ATM", "--date", "2026-03-06"], [("checking", -6_000)]),
    (
        ["transfer", "200", "--from", "checking", "--to", "savings", "--date", "2026-03-07"],
        [("checking", -20_000), ("savings", 20_000)],
    ),
    (["check", "80.25", "--number", "103", "--date", "2026-03-08"], [("checking", -8_025)]),
    (["deposit", "30", "-a", "savings", "--date", "2026-03-09"], [("savings", 3_000)]),
    (["check", "15", "--number", "104", "--date", "2026-03-10"], [("checking", -1_500)]),
]
BACKDATED_DAY = day(5)
VOIDED_INDEX = 2  # the check of day 3
QUERY_DAYS = days_between(day(0), day(12))  # 2026-02-28 .. 2026-03-12


@dataclass(frozen=True)
class Money:
    """One money-moving event, as audit shows it."""

    seq: int
    ref: str
    account: str
    amount: int
    date: date
    recorded_at: str


@dataclass
class Scenario:
    db: Path
    refs: list[str]  # one per command, in the order written
    audit: list[dict[str, Any]]
    money: list[Money]
    opened: dict[str, str]  # account -> recorded_at of its AccountOpened
    times: list[str]  # an instant before the first, then every distinct recorded time

    def known(self, account: str, known_at: str | None) -> bool:
        return known_at is None or self.opened[account] <= known_at

    def rows(self, account: str, as_of: date | None, known_at: str | None) -> list[Money]:
        """The register's rows, in effective order (date, seq)."""
        chosen = [
            m
            for m in self.money
            if m.account == account
            and (as_of is None or m.date <= as_of)
            and (known_at is None or m.recorded_at <= known_at)
        ]
        return sorted(chosen, key=lambda m: (m.date, m.seq))

    def balance(self, account: str, as_of: date | None, known_at: str | None) -> int:
        return sum(m.amount for m in self.rows(account, as_of, known_at))

    def recorded_at_of(self, ref: str) -> str:
        return next(row["recorded_at"] for row in self.audit if row["ref"] == ref)

    def by_seq(self, seq: int) -> dict[str, Any]:
        return next(row for row in self.audit if row["seq"] == seq)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Days 1..10 recorded in order, one command each; then, on "day 12", a deposit back-dated
    to day 5 and a void of the check of day 3 (effective on day 3, the voided check's date)."""
    db = tmp_path_factory.mktemp("scenario") / "ledger.db"
    refs: list[str] = []
    expected: list[tuple[str, int, date]] = []
    for args, moves in DAILY:
        refs.append(run_real_json(db, *args)["ref"])
        effective = date.fromisoformat(args[args.index("--date") + 1])
        expected += [(account, amount, effective) for account, amount in moves]
    refs.append(
        run_real_json(db, "deposit", "75", "--date", BACKDATED_DAY.isoformat(), "--payee",
                      "Refund")["ref"]
    )
    expected.append(("checking", 7_500, BACKDATED_DAY))
    refs.append(
        run_real_json(db, "void", refs[VOIDED_INDEX], "--reason", "lost in the mail")["ref"]
    )
    expected.append(("checking", 12_000, day(3)))
    assert len(set(refs)) == len(refs), refs

    audit: list[dict[str, Any]] = run_real_json(db, "audit")
    assert [row["seq"] for row in audit] == list(range(1, len(audit) + 1))
    recorded = [row["recorded_at"] for row in audit]
    assert all(RECORDED.fullmatch(text) for text in recorded), recorded
    assert recorded == sorted(recorded), "recorded times went backwards"
    # the refs appear in the order the commands were written
    assert list(dict.fromkeys(row["ref"] for row in audit)) == refs

    money = [
        Money(row["seq"], row["ref"], row["account"], minor(row["amount"]),
              date.fromisoformat(row["date"]), row["recorded_at"])
        for row in audit
        if row["type"] not in NON_MONEY
    ]
    # what the log holds is what the test wrote: the independent figures rest on this
    assert [(m.account, m.amount, m.date) for m in money] == expected
    opened = {row["account"]: row["recorded_at"] for row in audit
              if row["type"] == "AccountOpened"}
    assert set(opened) == set(ACCOUNTS)
    times = [just_before(recorded[0]), *sorted(set(recorded))]
    assert len(times) == len(refs) + 1  # each command has its own recorded time
    return Scenario(db, refs, audit, money, opened, times)


def test_every_balance_as_of_every_day_as_known_at_every_time(scenario: Scenario) -> None:
    """For every (D, T): `balance --as-of D --known-at T` is the sum of the amounts recorded
    at or before T and effective on or before D. An account the ledger did not know at T is
    denied as unknown then (what the ledger would have said at T)."""
    checked = 0
    for known_at in scenario.times:
        for as_of in QUERY_DAYS:
            for account in ACCOUNTS:
                args = ("balance", "-a", account, "--as-of", as_of.isoformat(),
                        "--known-at", known_at)
                if not scenario.known(account, known_at):
                    message = assert_one_line_error(invoke(scenario.db, *args), args)
                    assert f"'{account}'" in message, message
                    continue
                answer = invoke_json(scenario.db, *args)
                assert answer == {
                    "account": account,
                    "currency": "USD",
                    "balance": usd(scenario.balance(account, as_of, known_at)),
                    "as_of": as_of.isoformat(),
                    "known_at": known_at,
                }, (args, answer)
                checked += 1
    assert checked > len(QUERY_DAYS) * len(ACCOUNTS) * 10
    # And the answers differ where they must: day 5 as known after day 10 and as known now.
    after_day_10 = scenario.recorded_at_of(scenario.refs[len(DAILY) - 1])
    assert scenario.balance("checking", day(5), after_day_10) != scenario.balance(
        "checking", day(5), None
    )


def test_a_sample_of_balances_through_the_installed_script(scenario: Scenario) -> None:
    """The same figures from the real console script, `--all`, on a fixed sample of (D, T)."""
    rng = random.Random(20260312)
    pairs = [(day(5), scenario.times[-2]), (day(12), scenario.times[0]),
             (day(0), scenario.times[-1])]
    pairs += [(rng.choice(QUERY_DAYS), rng.choice(scenario.times)) for _ in range(5)]
    for as_of, known_at in pairs:
        answer = run_real_json(scenario.db, "balance", "--all", "--as-of", as_of.isoformat(),
                               "--known-at", known_at)
        assert answer == [
            {
                "account": account,
                "currency": "USD",
                "balance": usd(scenario.balance(account, as_of, known_at)),
                "as_of": as_of.isoformat(),
                "known_at": known_at,
            }
            for account in ACCOUNTS
            if scenario.known(account, known_at)
        ], (as_of, known_at)


def check_history_rows(
    scenario: Scenario, account: str, rows: list[dict[str, Any]], expected: list[Money],
    opening: int, context: object,
) -> None:
    """Rows are exactly `expected` (in (date, seq) order), each as audit shows it, with a
    running balance that starts from `opening`."""
    assert [row["seq"] for row in rows] == [m.seq for m in expected], context
    keys = [(row["date"], row["seq"]) for row in rows]
    assert keys == sorted(keys), context
    running = opening
    for row, money in zip(rows, expected, strict=True):
        audited = scenario.by_seq(money.seq)
        for key in ("ref", "date", "recorded_at", "type", "amount"):
            assert row[key] == audited[key], (context, key, row, audited)
        running += money.amount
        assert row["balance"] == usd(running), (context, row)
    assert all(m.account == account for m in expected), context


def test_history_at_every_day_and_time_ends_on_that_balance(scenario: Scenario) -> None:
    """`history --as-of D --known-at T`: the rows known at T up to D, in (date, seq) order; the
    last row's running balance is the balance for (D, T)."""
    for known_at in scenario.times:
        for as_of in QUERY_DAYS:
            for account in ACCOUNTS:
                args = ("history", "-a", account, "--as-of", as_of.isoformat(),
                        "--known-at", known_at)
                if not scenario.known(account, known_at):
                    assert_one_line_error(invoke(scenario.db, *args), args)
                    continue
                rows = invoke_json(scenario.db, *args)
                expected = scenario.rows(account, as_of, known_at)
                check_history_rows(scenario, account, rows, expected, 0, args)
                figure = scenario.balance(account, as_of, known_at)
                assert (rows[-1]["balance"] if rows else "0.00") == usd(figure), args
    # one of them through the installed script, too
    rows = run_real_json(scenario.db, "history", "--as-of", day(5).isoformat(), "--known-at",
                         scenario.times[-3])
    check_history_rows(scenario, "checking", rows,
                       scenario.rows("checking", day(5), scenario.times[-3]), 0, "subprocess")


@pytest.mark.parametrize("known", ["now", "after day 10"])
def test_history_since_keeps_the_running_balance_of_hidden_rows(
    scenario: Scenario, known: str
) -> None:
    """`history --since X --as-of D`: earlier rows are hidden but counted, so each date's last
    row shows `balance --as-of` that date, and every row the balance of the day before plus
    that day's rows so far."""
    known_at = None if known == "now" else scenario.recorded_at_of(scenario.refs[len(DAILY) - 1])
    extra = () if known_at is None else ("--known-at", known_at)
    cli_balance: dict[tuple[str, date], int] = {}
    for account in ACCOUNTS:
        for since in (day(1), day(3), day(4), day(6), day(11)):
            for as_of in QUERY_DAYS:
                args = ("history", "-a", account, "--since", since.isoformat(), "--as-of",
                        as_of.isoformat(), *extra)
                rows = invoke_json(scenario.db, *args)
                expected = [m for m in scenario.rows(account, as_of, known_at) if m.date >= since]
                opening = scenario.balance(account, since - timedelta(days=1), known_at)
                check_history_rows(scenario, account, rows, expected, opening, args)
                for index, row in enumerate(rows):
                    row_day = date.fromisoformat(row["date"])
                    following = rows[index + 1]["date"] if index + 1 < len(rows) else None
                    if following == row["date"]:  # not the last row of its day
                        continue
                    if (account, row_day) not in cli_balance:
                        answer = invoke_json(scenario.db, "balance", "-a", account, "--as-of",
                                             row["date"], *extra)
                        cli_balance[account, row_day] = minor(answer["balance"])
                    assert minor(row["balance"]) == cli_balance[account, row_day], (args, row)
    assert cli_balance


def test_audit_and_limited_history_at_every_day_and_time(scenario: Scenario) -> None:
    """`audit --as-of D --known-at T` lists exactly the events recorded by T and effective by D,
    in append order; `history --limit 3` keeps the last three rows with the same balances."""
    for known_at in scenario.times:
        for as_of in QUERY_DAYS:
            when = ("--as-of", as_of.isoformat(), "--known-at", known_at)
            rows = invoke_json(scenario.db, "audit", *when)
            assert rows == [
                row for row in scenario.audit
                if row["recorded_at"] <= known_at and row["date"] <= as_of.isoformat()
            ], when
            if not scenario.known("checking", known_at):
                continue
            limited = invoke_json(scenario.db, "history", "--limit", "3", *when)
            expected = scenario.rows("checking", as_of, known_at)
            hidden = expected[:-3]
            check_history_rows(scenario, "checking", limited, expected[-3:],
                               sum(m.amount for m in hidden), when)


def test_every_spelling_of_a_recorded_instant_knows_the_same(scenario: Scenario) -> None:
    """`--known-at` takes the recorded time verbatim, or the same instant with any offset;
    the answer, and the `known_at` it reports, do not depend on the spelling."""
    for known_at in scenario.times[1:]:
        moment = instant(known_at)
        spellings = [
            moment.isoformat(),
            moment.isoformat(sep=" "),
            moment.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat(),
            moment.astimezone(timezone(timedelta(hours=-7))).isoformat(),
        ]
        expected = invoke_json(scenario.db, "balance", "--all", "--as-of", day(5).isoformat(),
                               "--known-at", known_at)
        assert all(item["known_at"] == known_at for item in expected)
        for spelling in spellings:
            assert invoke_json(scenario.db, "balance", "--all", "--as-of",
                               day(5).isoformat(), "--known-at", spelling) == expected, spelling


def test_a_date_time_as_of_counts_its_local_date(scenario: Scenario) -> None:
    """23:30 at UTC-5 on day 5 is day 6 in UTC and day 5 in New York."""
    text = f"{day(5).isoformat()}T23:30:00-05:00"
    for zone, counted in [("UTC", day(6)), ("America/New_York", day(5))]:
        result = run_real(scenario.db, "balance", "--as-of", text, "--json", tz=zone)
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        assert answer["as_of"] == counted.isoformat(), (zone, answer)
        assert answer["balance"] == usd(scenario.balance("checking", counted, None)), zone
    assert scenario.balance("checking", day(5), None) != scenario.balance("checking", day(6), None)


def test_a_bare_known_at_date_is_the_end_of_that_day(scenario: Scenario) -> None:
    """Recorded today (UTC): known at the end of today is everything; at the end of yesterday,
    nothing (checking was not open yet, so it is unknown then), and diff from yesterday starts
    from 0.00."""
    today = datetime.now(UTC).date()
    if scenario.audit[-1]["recorded_at"][:10] != today.isoformat():
        pytest.skip("midnight passed since the scenario was written")
    answer = run_real_json(scenario.db, "balance", "--all", "--as-of", day(12).isoformat(),
                           "--known-at", today.isoformat())
    assert [item["balance"] for item in answer] == [
        usd(scenario.balance(account, day(12), None)) for account in ACCOUNTS
    ]
    assert answer[0]["known_at"] == f"{today.isoformat()}T23:59:59.999999Z"
    args = ("balance", "--known-at", "yesterday")
    assert "'checking'" in assert_one_line_error(run_real(scenario.db, *args), args)
    answer = diff_json(scenario.db, "-a", "checking", "--as-of", day(12).isoformat(),
                       "--known-at", "yesterday")
    check_diff(scenario, answer, "checking", day(12),
               f"{(today - timedelta(days=1)).isoformat()}T23:59:59.999999Z", None)


# -- 3. ledger diff, on the scenario ---------------------------------------------------------------


def diff_json(db: Path, *args: str) -> Any:
    return invoke_json(db, "diff", *args)


def expected_diff_events(
    scenario: Scenario, account: str, as_of: date | None, after: str, upto: str | None
) -> list[Money]:
    return [
        m
        for m in scenario.money
        if m.account == account
        and m.recorded_at > after
        and (upto is None or m.recorded_at <= upto)
        and (as_of is None or m.date <= as_of)
    ]


def check_diff(
    scenario: Scenario, answer: dict[str, Any], account: str, as_of: date | None,
    known_at: str, to_known_at: str | None,
) -> None:
    """One account's diff object against the independent figures. `to_known_at` None: now."""
    context = (account, as_of, known_at, to_known_at)
    before = scenario.balance(account, as_of, known_at) if scenario.known(account, known_at) else 0
    after = scenario.balance(account, as_of, to_known_at)
    assert answer["account"] == account, context
    assert answer["currency"] == "USD", context
    assert answer["as_of"] == (as_of.isoformat() if as_of else None), context
    assert answer["known_at"] == known_at, context
    if to_known_at is None:
        assert RECORDED.fullmatch(answer["to_known_at"]), answer
        assert answer["to_known_at"] >= scenario.audit[-1]["recorded_at"], answer
    else:
        assert answer["to_known_at"] == to_known_at, context
    assert answer["balance_before"] == usd(before), (context, answer)
    assert answer["balance_after"] == usd(after), (context, answer)
    assert answer["difference"] == usd(after - before), (context, answer)
    events = answer["events"]
    expected = expected_diff_events(scenario, account, as_of, known_at, to_known_at)
    assert [e["seq"] for e in events] == [m.seq for m in expected], (context, events)
    assert sum(minor(e["amount"]) for e in events) == after - before, context
    for found in events:
        audited = scenario.by_seq(found["seq"])
        for key in ("ref", "type", "account", "date", "recorded_at", "amount"):
            assert found[key] == audited[key], (context, key, found, audited)
        for key in ("payee", "memo", "number", "voids", "reason"):
            if audited.get(key) is not None:
                assert found.get(key) == audited[key], (context, key, found, audited)


def test_diff_names_the_back_dated_deposit_and_the_void(scenario: Scenario) -> None:
    """Between the day-10 entry and now, day 5's balance changed by the deposit back-dated to
    day 5 and the void of day 3's check (effective on day 3): exactly those, nothing else."""
    after_day_10 = scenario.recorded_at_of(scenario.refs[len(DAILY) - 1])
    deposit_ref, void_ref = scenario.refs[-2], scenario.refs[-1]
    answer = diff_json(scenario.db, "-a", "checking", "--as-of", day(5).isoformat(),
                       "--known-at", after_day_10)
    assert [e["ref"] for e in answer["events"]] == [deposit_ref, void_ref]
    assert answer["events"][0]["payee"] == "Refund"
    assert answer["events"][0]["date"] == day(5).isoformat()
    assert answer["events"][1]["voids"] == scenario.refs[VOIDED_INDEX]
    assert answer["events"][1]["date"] == day(3).isoformat()
    assert minor(answer["balance_after"]) - minor(answer["balance_before"]) == minor(
        answer["difference"]
    ) == 7_500 + 12_000
    check_diff(scenario, answer, "checking", day(5), after_day_10, None)
    # `--to-known-at now` is the default, spelled out
    spelled = diff_json(scenario.db, "-a", "checking", "--as-of", day(5).isoformat(),
                        "--known-at", after_day_10, "--to-known-at", "now")
    check_diff(scenario, spelled, "checking", day(5), after_day_10, None)
    # before day 3 nothing changed; on days 3 and 4 only the void; without --as-of both
    for as_of, refs in [(day(2), []), (day(3), [void_ref]), (day(4), [void_ref]),
                        (day(12), [deposit_ref, void_ref]), (None, [deposit_ref, void_ref])]:
        extra = ("--as-of", as_of.isoformat()) if as_of else ()
        answer = diff_json(scenario.db, "-a", "checking", *extra, "--known-at", after_day_10)
        assert [e["ref"] for e in answer["events"]] == refs, as_of
        check_diff(scenario, answer, "checking", as_of, after_day_10, None)
    # savings did not change at all
    answer = diff_json(scenario.db, "-a", "savings", "--as-of", day(5).isoformat(),
                       "--known-at", after_day_10)
    assert answer["events"] == [] and answer["difference"] == "0.00"
    check_diff(scenario, answer, "savings", day(5), after_day_10, None)


def test_diff_between_equal_times_is_empty(scenario: Scenario) -> None:
    for known_at in scenario.times[2:]:
        for as_of in (day(1), day(5), day(12)):
            for account in ACCOUNTS:
                answer = diff_json(scenario.db, "-a", account, "--as-of", as_of.isoformat(),
                                   "--known-at", known_at, "--to-known-at", known_at)
                assert answer["events"] == [], (account, as_of, known_at)
                assert answer["difference"] == "0.00", (account, as_of, known_at)
                assert answer["balance_before"] == answer["balance_after"]
                check_diff(scenario, answer, account, as_of, known_at, known_at)
    answer = diff_json(scenario.db, "--all", "--known-at", "now", "--to-known-at", "now")
    assert [a["account"] for a in answer] == list(ACCOUNTS)
    assert all(a["events"] == [] and a["difference"] == "0.00" for a in answer), answer


def test_diff_all_lists_every_account_known_at_the_later_time(scenario: Scenario) -> None:
    first = scenario.times[0]  # before anything: every account was opened after it
    answer = diff_json(scenario.db, "--all", "--as-of", day(12).isoformat(), "--known-at", first)
    assert [a["account"] for a in answer] == list(ACCOUNTS)
    for item, account in zip(answer, ACCOUNTS, strict=True):
        assert item["balance_before"] == "0.00"
        check_diff(scenario, item, account, day(12), first, None)
    # known at the first entry, savings did not exist yet; at the second, it did
    day_1, day_2 = scenario.times[1], scenario.times[2]
    answer = diff_json(scenario.db, "--all", "--known-at", day_1, "--to-known-at", day_1)
    assert [a["account"] for a in answer] == ["checking"]
    answer = diff_json(scenario.db, "--all", "--as-of", day(4).isoformat(), "--known-at", day_1,
                       "--to-known-at", day_2)
    assert [a["account"] for a in answer] == list(ACCOUNTS)
    check_diff(scenario, answer[0], "checking", day(4), day_1, day_2)
    check_diff(scenario, answer[1], "savings", day(4), day_1, day_2)


def test_diff_over_random_day_and_time_triples(scenario: Scenario) -> None:
    rng = random.Random(7)
    times = scenario.times[2:]  # both accounts known
    for _ in range(60):
        first, second = sorted(rng.sample([*times, *map(just_before, times)], 2))
        as_of = rng.choice([*QUERY_DAYS, None])
        account = rng.choice(ACCOUNTS)
        extra = ("--as-of", as_of.isoformat()) if as_of else ()
        answer = diff_json(scenario.db, "-a", account, *extra, "--known-at", first,
                           "--to-known-at", second)
        check_diff(scenario, answer, account, as_of, first, second)


def test_diff_refuses_times_in_the_wrong_order_and_unknown_accounts(scenario: Scenario) -> None:
    early, late = scenario.times[3], scenario.times[-1]
    args: tuple[str, ...] = ("diff", "--known-at", late, "--to-known-at", early)
    assert_one_line_error(invoke(scenario.db, *args), args)
    args = ("diff", "--all", "--known-at", late, "--to-known-at", early, "--json")
    assert_one_line_error(invoke(scenario.db, *args), args)
    args = ("diff", "-a", "nosuch", "--known-at", early)
    assert "nosuch" in assert_one_line_error(invoke(scenario.db, *args), args)
    args = ("diff", "--known-at", "yesterdayy")
    assert "yesterdayy" in assert_one_line_error(invoke(scenario.db, *args), args)


def test_diff_text_mentions_both_balances_and_every_ref(scenario: Scenario) -> None:
    after_day_10 = scenario.recorded_at_of(scenario.refs[len(DAILY) - 1])
    result = run_real(scenario.db, "diff", "-a", "checking", "--as-of", day(5).isoformat(),
                      "--known-at", after_day_10)
    assert result.returncode == 0, result.stderr
    before = scenario.balance("checking", day(5), after_day_10)
    after = scenario.balance("checking", day(5), None)
    assert mentions_amount(result.stdout, before), result.stdout
    assert mentions_amount(result.stdout, after), result.stdout
    for ref in scenario.refs[-2:]:
        assert mentions_word(result.stdout, ref), (ref, result.stdout)
    # no other entry is listed (the void may name the check it voids)
    for ref in scenario.refs[:-2]:
        if ref != scenario.refs[VOIDED_INDEX]:
            assert not mentions_word(result.stdout, ref), (ref, result.stdout)


# -- 5. back-dated writes are visible as such ------------------------------------------------------


def test_back_dated_rows_carry_both_times(scenario: Scenario) -> None:
    deposit_ref = scenario.refs[-2]
    rows = invoke_json(scenario.db, "history")
    assert all({"date", "recorded_at"} <= set(row) for row in rows)
    row = next(row for row in rows if row["ref"] == deposit_ref)
    assert row["date"] == BACKDATED_DAY.isoformat()
    # recorded after everything of days 1..10, yet listed among day 5's entries
    last_daily = scenario.recorded_at_of(scenario.refs[len(DAILY) - 1])
    assert row["recorded_at"] > last_daily
    position = [r["ref"] for r in rows].index(deposit_ref)
    assert rows[position - 1]["date"] <= row["date"] < rows[position + 1]["date"]
    assert rows[position + 1]["seq"] < row["seq"]


def test_a_back_dated_deposit_shows_its_date_before_its_recorded_day(run_ledger: Run) -> None:
    today = datetime.now(UTC).date()  # the subprocess runs with TZ=UTC
    earlier = today - timedelta(days=10)
    # an account holds nothing dated before it was opened: open it well before
    opened = run_ledger("open", "checking", "--date", (today - timedelta(days=30)).isoformat())
    assert opened.returncode == 0, opened.stderr
    first = run_ledger("deposit", "10", "--json")
    assert first.returncode == 0, first.stderr
    second = run_ledger("deposit", "20", "--date", earlier.isoformat(), "--json")
    assert second.returncode == 0, second.stderr
    if datetime.now(UTC).date() != today:
        pytest.skip("midnight passed during the test")
    back_ref = json.loads(second.stdout)["ref"]
    rows = json.loads(run_ledger("history", "--json", check=True).stdout)
    # effective order: the back-dated deposit first, though recorded last
    assert [row["amount"] for row in rows] == ["20.00", "10.00"]
    assert rows[0]["ref"] == back_ref and rows[0]["seq"] > rows[1]["seq"]
    assert rows[0]["date"] == earlier.isoformat()
    assert rows[0]["recorded_at"][:10] == today.isoformat()
    assert rows[1]["date"] == rows[1]["recorded_at"][:10] == today.isoformat()
    audit = json.loads(run_ledger("audit", "--json", check=True).stdout)
    back = [row for row in audit if row["ref"] == back_ref]
    assert back and all(
        date.fromisoformat(row["date"]) < date.fromisoformat(row["recorded_at"][:10])
        for row in back
    ), back
    assert all(RECORDED.fullmatch(row["recorded_at"]) for row in audit)


# -- 4. date input errors and the post-dating limit -----------------------------------------------


@pytest.mark.parametrize(
    ("args", "value"),
    [
        (("balance", "--as-of", "2026-02-30"), "2026-02-30"),
        (("balance", "--known-at", "yesterdayy"), "yesterdayy"),
        (("balance", "--as-of", "2026-03-01T10:00+25:00"), "2026-03-01T10:00+25:00"),
        (("history", "--known-at", "2026-13-01"), "2026-13-01"),
        (("deposit", "5", "--date", "2026-02-30"), "2026-02-30"),
    ],
)
def test_bad_dates_are_one_line_naming_the_value(
    run_ledger: Run, args: tuple[str, ...], value: str
) -> None:
    assert run_ledger("deposit", "1", "--date", "2026-03-01").returncode == 0
    before = run_ledger("audit", "--json", check=True).stdout
    result = run_ledger(*args)
    message = assert_one_line_error(result, args)
    assert value in message, message
    assert run_ledger("audit", "--json", check=True).stdout == before


def test_writes_dated_more_than_366_days_ahead_are_denied(run_ledger: Run) -> None:
    """Post-dated checks are common; a date more than 366 days after today (local time) is
    almost surely a typo, and is denied."""
    today = datetime.now(UTC).date()  # TZ=UTC in the subprocess
    far = today + timedelta(days=400)
    result = run_ledger("deposit", "5", "--date", far.isoformat())
    message = assert_one_line_error(result, "400 days")
    assert far.isoformat() in message, message
    accepted = run_ledger("deposit", "5", "--date", (today + timedelta(days=300)).isoformat())
    assert accepted.returncode == 0, accepted.stderr
    edge = run_ledger("check", "1", "--date", (today + timedelta(days=366)).isoformat())
    beyond = run_ledger("check", "1", "--date", (today + timedelta(days=367)).isoformat())
    if datetime.now(UTC).date() != today:
        pytest.skip("midnight passed during the test")
    assert edge.returncode == 0, edge.stderr
    assert_one_line_error(beyond, "367 days")
    rows = json.loads(run_ledger("audit", "--json", check=True).stdout)
    assert [row["date"] for row in rows if row["type"] not in NON_MONEY] == [
        (today + timedelta(days=300)).isoformat(), (today + timedelta(days=366)).isoformat(),
    ]


# -- 2. Hypothesis: random interleavings against an independent replay ---------------------------

WINDOW = date(2026, 3, 1)
WINDOW_DAYS = 5
OPEN_DAY = WINDOW - timedelta(days=1)
PROPERTY_DAYS = days_between(OPEN_DAY - timedelta(days=1), WINDOW + timedelta(days=WINDOW_DAYS))

PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@dataclass(frozen=True)
class Step:
    kind: str  # deposit | check | withdraw | transfer | void
    account: str = "checking"
    other: str = "savings"
    amount: int = 0
    on: date | None = None
    ref: str = ""

    def command(self) -> Command:
        text = usd(self.amount)
        on = self.on or WINDOW
        match self.kind:
            case "deposit":
                return Deposit(text, on, account=self.account)
            case "check":
                return WriteCheck(text, on, account=self.account)
            case "withdraw":
                return Withdraw(text, on, account=self.account)
            case "transfer":
                return Transfer(text, on, source=self.account, target=self.other)
        return Void(self.ref, date=self.on)


@dataclass
class Tx:
    entries: list[tuple[str, int]]
    on: date
    is_void: bool = False
    voided: bool = False


@dataclass
class Book:
    """The test's own record of an accepted history: every money entry with both its times."""

    money: list[Money] = field(default_factory=list)
    opened: dict[str, str] = field(default_factory=dict)
    txs: dict[str, Tx] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)  # first recorded time of each command

    def known(self, account: str, known_at: str) -> bool:
        return account in self.opened and self.opened[account] <= known_at

    def balance(self, account: str, as_of: date, known_at: str) -> int:
        return sum(
            m.amount for m in self.money
            if m.account == account and m.date <= as_of and m.recorded_at <= known_at
        )

    def instants(self) -> list[str]:
        """Every recorded time and the microsecond before each."""
        return sorted({t for r in self.recorded for t in (r, just_before(r))})


def draw_step(data: st.DataObject, refs: list[str]) -> Step:
    window = st.integers(0, WINDOW_DAYS - 1).map(lambda n: WINDOW + timedelta(days=n))
    kind = data.draw(st.sampled_from(["deposit", "deposit", "check", "withdraw", "transfer",
                                      "void", "void"]))
    if kind == "void":
        ref = data.draw(st.sampled_from([*refs, "T999"]))
        return Step("void", ref=ref, on=data.draw(st.none() | window))
    account, other = data.draw(st.permutations(ACCOUNTS))
    high = 100_000 if kind == "deposit" else 40_000
    return Step(kind, account=account, other=other, amount=data.draw(st.integers(1, high)),
                on=data.draw(window))


def predicted(book: Book, step: Step) -> tuple[list[tuple[str, int]], date]:
    """The money an accepted `step` must move, and its effective date."""
    on = step.on or WINDOW
    if step.kind == "deposit":
        return [(step.account, step.amount)], on
    if step.kind in ("check", "withdraw"):
        return [(step.account, -step.amount)], on
    if step.kind == "transfer":
        return [(step.account, -step.amount), (step.other, step.amount)], on
    tx = book.txs.get(step.ref)
    assert tx is not None, f"accepted a void of an unknown ref {step.ref}"
    assert tx.entries and not tx.is_void and not tx.voided, f"accepted {step} of {tx}"
    on = step.on or tx.on
    assert on >= tx.on, f"accepted a void dated before what it voids: {step}"
    return [(account, -amount) for account, amount in tx.entries], on


def start_book(ledger: Ledger) -> Book:
    book = Book()
    for account in ACCOUNTS:
        outcome = ledger.execute(OpenAccount(account, OPEN_DAY))
        book.opened[account] = outcome.events[0].recorded_at
        book.txs[outcome.ref] = Tx([], OPEN_DAY)
        book.refs.append(outcome.ref)
        book.recorded.append(outcome.events[0].recorded_at)
    for account in ACCOUNTS:  # enough money that most debits are accepted
        assert apply(ledger, book, Step("deposit", account=account, amount=150_000, on=OPEN_DAY))
    return book


def apply(ledger: Ledger, book: Book, step: Step) -> bool:
    """Execute `step`; on success check its events against the prediction and record them."""
    try:
        outcome = ledger.execute(step.command())
    except (Denied, InvalidValue):
        event(f"{step.kind} denied")
        return False
    event(f"{step.kind} accepted")
    entries, on = predicted(book, step)
    money = [e for e in outcome.events if e.type not in NON_MONEY]
    assert [(e.account, e.amount) for e in money] == entries, (step, outcome.events)
    assert all(e.date == on for e in money), (step, outcome.events)
    recorded = [e.recorded_at for e in outcome.events]
    assert all(RECORDED.fullmatch(r) for r in recorded), recorded
    assert recorded == sorted(recorded) and recorded[0] >= book.recorded[-1], recorded
    book.money += [
        Money(e.seq, e.ref, e.account, e.amount, e.date, e.recorded_at) for e in money
    ]
    if step.kind == "void":
        book.txs[step.ref].voided = True
    book.txs[outcome.ref] = Tx(entries, on, is_void=step.kind == "void")
    book.refs.append(outcome.ref)
    book.recorded.append(recorded[0])
    return True


Answers = dict[tuple[str, date, str], int | None]


def answers(path: Path, known_ats: list[str]) -> Iterator[tuple[tuple[str, date, str], int | None]]:
    """Every (account, D, T) balance; None where the account was unknown at T."""
    with Ledger(path).query() as q:
        for known_at in known_ats:
            moment = instant(known_at)
            for as_of in PROPERTY_DAYS:
                for account in ACCOUNTS:
                    try:
                        figure: int | None = q.balance(account, as_of=as_of,
                                                       known_at=moment).balance
                    except Denied:
                        figure = None
                    yield (account, as_of, known_at), figure


@PROPERTY_SETTINGS
@given(data=st.data())
def test_every_past_balance_is_the_replay_of_what_was_known(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 18), label="steps")
    snapshot_after = data.draw(st.integers(0, count - 1), label="snapshot after step")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        ledger = Ledger(path)
        book = start_book(ledger)
        snapshot: Answers = {}
        snapshot_commands = 0
        for index in range(count):
            apply(ledger, book, draw_step(data, book.refs))
            if index == snapshot_after:
                snapshot_commands = len(book.recorded)
                snapshot = dict(answers(path, book.instants()))

        final = dict(answers(path, book.instants()))
        # every (D, T): the independent replay, or unknown before the account was opened
        for (account, as_of, known_at), figure in final.items():
            if book.known(account, known_at):
                assert figure == book.balance(account, as_of, known_at), (
                    account, as_of, known_at, figure,
                )
            else:
                assert figure is None, (account, as_of, known_at, figure)

        # what was known before the next command was recorded never changes afterwards
        if snapshot_commands == len(book.recorded):
            event("no command after the snapshot")
            return
        event("monotonic knowledge checked")
        next_recorded = book.recorded[snapshot_commands]
        last_known = book.recorded[snapshot_commands - 1]
        compared = 0
        for (account, as_of, known_at), figure in snapshot.items():
            if known_at < next_recorded:
                assert final[account, as_of, known_at] == figure, (account, as_of, known_at)
                compared += 1
        assert compared
        # and nothing was recorded between the snapshot's last command and the next one
        just_before_next = just_before(next_recorded)
        if just_before_next >= last_known:
            for as_of in PROPERTY_DAYS:
                for account in ACCOUNTS:
                    assert final[account, as_of, just_before_next] == snapshot[
                        account, as_of, last_known
                    ], (account, as_of)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    # each example is slow to build: a failure reports its own arguments, unshrunk
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(data=st.data())
def test_diff_explains_every_change_between_two_times(data: st.DataObject) -> None:
    """`ledger diff` on random histories: the events recorded in (T1, T2] effective by D, and
    balances before and after that are the replay's."""
    # without the command every example fails at once (and shrinks at once)
    assert invoke(Path("unused.db"), "diff", "--help").code == 0, "there is no `ledger diff`"
    count = data.draw(st.integers(1, 12), label="steps")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        ledger = Ledger(path)
        book = start_book(ledger)
        for _ in range(count):
            apply(ledger, book, draw_step(data, book.refs))
        times = [t for t in book.instants() if t >= book.recorded[len(ACCOUNTS) - 1]]
        recorded = [m.recorded_at for m in book.money]  # the edges that matter most
        for _ in range(6):
            first = data.draw(st.sampled_from(times) | st.sampled_from(recorded), label="T1")
            second = data.draw(st.sampled_from([*times, "now"]), label="T2")
            as_of = data.draw(st.sampled_from([*PROPERTY_DAYS, None]), label="D")
            account = data.draw(st.sampled_from(ACCOUNTS), label="account")
            extra = ("--as-of", as_of.isoformat()) if as_of else ()
            args = ("diff", "-a", account, *extra, "--known-at", first, "--to-known-at", second)
            if second != "now" and second < first:
                assert_one_line_error(invoke(path, *args), args)
                continue
            answer = invoke_json(path, *args)
            upto = None if second == "now" else second
            last_day = as_of or date.max
            before = book.balance(account, last_day, first)
            after = book.balance(account, last_day, upto or "9999")
            expected = [
                m.seq for m in book.money
                if m.account == account and first < m.recorded_at
                and (upto is None or m.recorded_at <= upto) and m.date <= last_day
            ]
            assert [e["seq"] for e in answer["events"]] == expected, (args, answer)
            assert answer["balance_before"] == usd(before), (args, answer)
            assert answer["balance_after"] == usd(after), (args, answer)
            assert answer["difference"] == usd(after - before), (args, answer)
            assert sum(minor(e["amount"]) for e in answer["events"]) == after - before
            assert answer["known_at"] == first
            if upto is not None:
                assert answer["to_known_at"] == upto
