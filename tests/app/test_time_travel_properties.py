"""Time travel as a property of the service (README, "Time: effective dates and recorded
times"): random interleavings of writes (back-dated ones, voids) through `Ledger.execute`; every
balance as of every day D as known at every time T against the test's own replay of what it
wrote; what was known at T never changes afterwards; and `ledger diff` between two random times
explains every change. Each Hypothesis example gets its own ledger file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from conftest import (
    RECORDED_AT,
    cli,
    days_between,
    denied,
    just_before,
    minor,
    ok_json,
    recorded_instant,
    usd,
)
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import (
    Command,
    Deposit,
    OpenAccount,
    Transfer,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.events import Event
from ledger_cli.errors import Denied, InvalidValue

NON_MONEY = frozenset({"AccountOpened", "AccountClosed"})
ACCOUNTS = ("checking", "savings")


# -- random interleavings against an independent replay -------------------------------------------

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

    money: list[Event] = field(default_factory=list)  # the accepted money events, as recorded
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
    assert all(RECORDED_AT.fullmatch(r) for r in recorded), recorded
    assert recorded == sorted(recorded) and recorded[0] >= book.recorded[-1], recorded
    book.money += money
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
            moment = recorded_instant(known_at)
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
    assert cli("diff", "--help", db=Path("unused.db"))[0] == 0, "there is no `ledger diff`"
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
                denied(*args, db=path)
                continue
            answer = ok_json(*args, db=path)
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
