"""Time travel on a fixed scenario (README, "Time: effective dates and recorded times"): the
two time axes, effective dates and recorded times.

`--as-of D` keeps what is effective on or before day D; `--known-at T` keeps what was recorded at
or before instant T. Together they reproduce any report printed in the past, however many
back-dated entries and voids came later. Every expected figure here is computed by the test from
the commands it wrote (checked against `audit --json`), never taken from the product's answers.

The scenario is written through the installed `ledger` (one command per day, then a back-dated
deposit and a void "on day 12"); every (D, T) pair is checked through typer's CliRunner and a
sample through the real console script; history in (date, seq) order; `ledger diff`; and an
account opened after T is unknown as known at T. (The same promises as Hypothesis properties of
the service: app/test_time_travel_properties.py; dates through the installed script:
e2e/test_effective_dates.py.)
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    RECORDED_AT,
    LedgerProcess,
    days_between,
    denied,
    just_before,
    minor,
    ok,
    ok_json,
    recorded_instant,
    usd,
)

NON_MONEY = frozenset({"AccountOpened", "AccountClosed"})
ACCOUNTS = ("checking", "savings")


# -- helpers ---------------------------------------------------------------------------------------


def usd_grouped(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100:,}.{abs(amount) % 100:02d}"


def mentions_amount(text: str, amount: int) -> bool:
    return usd(amount) in text or usd_grouped(amount) in text


def mentions_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", text) is not None


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
    real = LedgerProcess(db)  # the installed script on the scenario's file
    for args, moves in DAILY:
        refs.append(real.ok_json(*args)["ref"])
        effective = date.fromisoformat(args[args.index("--date") + 1])
        expected += [(account, amount, effective) for account, amount in moves]
    refs.append(
        real.ok_json("deposit", "75", "--date", BACKDATED_DAY.isoformat(), "--payee",
                     "Refund")["ref"]
    )
    expected.append(("checking", 7_500, BACKDATED_DAY))
    refs.append(
        real.ok_json("void", refs[VOIDED_INDEX], "--reason", "lost in the mail")["ref"]
    )
    expected.append(("checking", 12_000, day(3)))
    assert len(set(refs)) == len(refs), refs

    audit: list[dict[str, Any]] = real.ok_json("audit")
    assert [row["seq"] for row in audit] == list(range(1, len(audit) + 1))
    recorded = [row["recorded_at"] for row in audit]
    assert all(RECORDED_AT.fullmatch(text) for text in recorded), recorded
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
                    message = denied(*args, db=scenario.db)
                    assert f"'{account}'" in message, message
                    continue
                answer = ok_json(*args, db=scenario.db)
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
        answer = LedgerProcess(scenario.db).ok_json(
            "balance", "--all", "--as-of", as_of.isoformat(), "--known-at", known_at
        )
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
                    denied(*args, db=scenario.db)
                    continue
                rows = ok_json(*args, db=scenario.db)
                expected = scenario.rows(account, as_of, known_at)
                check_history_rows(scenario, account, rows, expected, 0, args)
                figure = scenario.balance(account, as_of, known_at)
                assert (rows[-1]["balance"] if rows else "0.00") == usd(figure), args
    # one of them through the installed script, too
    rows = LedgerProcess(scenario.db).ok_json(
        "history", "--as-of", day(5).isoformat(), "--known-at", scenario.times[-3]
    )
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
                rows = ok_json(*args, db=scenario.db)
                expected = [m for m in scenario.rows(account, as_of, known_at) if m.date >= since]
                opening = scenario.balance(account, since - timedelta(days=1), known_at)
                check_history_rows(scenario, account, rows, expected, opening, args)
                for index, row in enumerate(rows):
                    row_day = date.fromisoformat(row["date"])
                    following = rows[index + 1]["date"] if index + 1 < len(rows) else None
                    if following == row["date"]:  # not the last row of its day
                        continue
                    if (account, row_day) not in cli_balance:
                        answer = ok_json("balance", "-a", account, "--as-of", row["date"],
                                         *extra, db=scenario.db)
                        cli_balance[account, row_day] = minor(answer["balance"])
                    assert minor(row["balance"]) == cli_balance[account, row_day], (args, row)
    assert cli_balance


def test_audit_and_limited_history_at_every_day_and_time(scenario: Scenario) -> None:
    """`audit --as-of D --known-at T` lists exactly the events recorded by T and effective by D,
    in append order; `history --limit 3` keeps the last three rows with the same balances."""
    for known_at in scenario.times:
        for as_of in QUERY_DAYS:
            when = ("--as-of", as_of.isoformat(), "--known-at", known_at)
            rows = ok_json("audit", *when, db=scenario.db)
            # known_at, the knowledge time of the listing, is no field of the events
            assert {row.pop("known_at") for row in rows} <= {known_at}, when
            assert rows == [
                {key: value for key, value in row.items() if key != "known_at"}
                for row in scenario.audit
                if row["recorded_at"] <= known_at and row["date"] <= as_of.isoformat()
            ], when
            if not scenario.known("checking", known_at):
                continue
            limited = ok_json("history", "--limit", "3", *when, db=scenario.db)
            expected = scenario.rows("checking", as_of, known_at)
            hidden = expected[:-3]
            check_history_rows(scenario, "checking", limited, expected[-3:],
                               sum(m.amount for m in hidden), when)


def test_every_spelling_of_a_recorded_instant_knows_the_same(scenario: Scenario) -> None:
    """`--known-at` takes the recorded time verbatim, or the same instant with any offset;
    the answer, and the `known_at` it reports, do not depend on the spelling."""
    for known_at in scenario.times[1:]:
        moment = recorded_instant(known_at)
        spellings = [
            moment.isoformat(),
            moment.isoformat(sep=" "),
            moment.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat(),
            moment.astimezone(timezone(timedelta(hours=-7))).isoformat(),
        ]
        expected = ok_json("balance", "--all", "--as-of", day(5).isoformat(),
                           "--known-at", known_at, db=scenario.db)
        assert all(item["known_at"] == known_at for item in expected)
        for spelling in spellings:
            assert ok_json("balance", "--all", "--as-of", day(5).isoformat(), "--known-at",
                           spelling, db=scenario.db) == expected, spelling


def test_a_date_time_as_of_counts_its_local_date(scenario: Scenario) -> None:
    """23:30 at UTC-5 on day 5 is day 6 in UTC and day 5 in New York."""
    text = f"{day(5).isoformat()}T23:30:00-05:00"
    for zone, counted in [("UTC", day(6)), ("America/New_York", day(5))]:
        result = LedgerProcess(scenario.db)("balance", "--as-of", text, "--json", env={"TZ": zone})
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        assert answer["as_of"] == counted.isoformat(), (zone, answer)
        assert answer["balance"] == usd(scenario.balance("checking", counted, None)), zone
    assert scenario.balance("checking", day(5), None) != scenario.balance("checking", day(6), None)


def test_a_bare_known_at_date_is_the_end_of_that_day(scenario: Scenario) -> None:
    """Recorded today (UTC): known at the end of today is everything (and the answer says it
    answered from the last recorded time, which reproduces it later, while the end of today
    would take in what is recorded after); at the end of yesterday, nothing (checking was not
    open yet, so it is unknown then), and diff from yesterday starts from 0.00."""
    today = datetime.now(UTC).date()
    if scenario.audit[-1]["recorded_at"][:10] != today.isoformat():
        pytest.skip("midnight passed since the scenario was written")
    answer = LedgerProcess(scenario.db).ok_json(
        "balance", "--all", "--as-of", day(12).isoformat(), "--known-at", today.isoformat()
    )
    assert [item["balance"] for item in answer] == [
        usd(scenario.balance(account, day(12), None)) for account in ACCOUNTS
    ]
    assert answer[0]["known_at"] == scenario.audit[-1]["recorded_at"]
    args = ("balance", "--known-at", "yesterday")
    assert "'checking'" in LedgerProcess(scenario.db).denied(*args)
    answer = diff_json(scenario.db, "-a", "checking", "--as-of", day(12).isoformat(),
                       "--known-at", "yesterday")
    check_diff(scenario, answer, "checking", day(12),
               f"{(today - timedelta(days=1)).isoformat()}T23:59:59.999999Z", None)


# -- 2. ledger diff, on the scenario ---------------------------------------------------------------


def diff_json(db: Path, *args: str) -> Any:
    return ok_json("diff", *args, db=db)


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
        assert RECORDED_AT.fullmatch(answer["to_known_at"]), answer
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
    denied(*args, db=scenario.db)
    args = ("diff", "--all", "--known-at", late, "--to-known-at", early, "--json")
    denied(*args, db=scenario.db)
    args = ("diff", "-a", "nosuch", "--known-at", early)
    assert "nosuch" in denied(*args, db=scenario.db)
    args = ("diff", "--known-at", "yesterdayy")
    assert "yesterdayy" in denied(*args, db=scenario.db)


def test_diff_text_mentions_both_balances_and_every_ref(scenario: Scenario) -> None:
    after_day_10 = scenario.recorded_at_of(scenario.refs[len(DAILY) - 1])
    result = LedgerProcess(scenario.db)(
        "diff", "-a", "checking", "--as-of", day(5).isoformat(), "--known-at", after_day_10
    )
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


# -- 3. back-dated writes are visible as such ------------------------------------------------------


def test_back_dated_rows_carry_both_times(scenario: Scenario) -> None:
    deposit_ref = scenario.refs[-2]
    rows = ok_json("history", db=scenario.db)
    assert all({"date", "recorded_at"} <= set(row) for row in rows)
    row = next(row for row in rows if row["ref"] == deposit_ref)
    assert row["date"] == BACKDATED_DAY.isoformat()
    # recorded after everything of days 1..10, yet listed among day 5's entries
    last_daily = scenario.recorded_at_of(scenario.refs[len(DAILY) - 1])
    assert row["recorded_at"] > last_daily
    position = [r["ref"] for r in rows].index(deposit_ref)
    assert rows[position - 1]["date"] <= row["date"] < rows[position + 1]["date"]
    assert rows[position + 1]["seq"] < row["seq"]


# -- 4. --known-at and accounts opened later ------------------------------------------------------


def test_known_at_hides_accounts_opened_later() -> None:
    ok("deposit", "100", "--date", "2026-01-01")
    recorded_at = json.loads(ok("audit", "--json"))[-1]["recorded_at"]
    ok("open", "savings", "--date", "2026-01-01")
    assert json.loads(ok("balance", "--all", "--known-at", recorded_at, "--json")) == [
        {
            "account": "checking",
            "currency": "USD",
            "balance": "100.00",
            "as_of": None,
            "known_at": recorded_at,
        }
    ]
    message = f"ledger: no account 'savings' at {recorded_at}; it was opened later"
    assert denied("balance", "-a", "savings", "--known-at", recorded_at) == message
    assert denied("history", "-a", "savings", "--known-at", recorded_at) == message
    # Known now, it is there.
    assert [b["account"] for b in json.loads(ok("balance", "--all", "--json"))] == [
        "checking",
        "savings",
    ]
    assert ok("balance", "-a", "savings") == "savings: 0.00 USD\n"
