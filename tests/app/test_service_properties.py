"""Properties of the whole write and query path, on a real SQLite file.

Random sequences of commands go through `Ledger.execute`; a small independent model (a dict of
balances and a list of dated entries) predicts which are accepted and what every balance is,
on every day. Each Hypothesis example gets its own ledger file: function-scoped fixtures are
not reset between examples.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
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
from ledger_cli.domain.money import CURRENCIES, format_amount
from ledger_cli.errors import Denied, InvalidValue

USD = CURRENCIES["USD"]
MONTH = date(2026, 3, 1)
DAYS_IN_MONTH = 31
ACCOUNTS = ("checking", "savings")
# Every day from before the month to after it: before anything, and after everything.
QUERY_DAYS = [MONTH + timedelta(days=n) for n in range(-2, DAYS_IN_MONTH + 2)]

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@dataclass
class Tx:
    """What the model knows of one accepted command."""

    entries: list[tuple[str, int]]
    date: date
    is_void: bool = False
    voided: bool = False


@dataclass
class Model:
    """Balances as a plain dict; entries as (account, amount, effective date)."""

    limits: dict[str, int]
    opened: dict[str, date] = field(default_factory=dict)
    balances: dict[str, int] = field(default_factory=dict)
    entries: list[tuple[str, int, date]] = field(default_factory=list)
    txs: dict[str, Tx] = field(default_factory=dict)

    def can_debit(self, account: str, amount: int) -> bool:
        return amount <= self.balances.get(account, 0) + self.limits[account]

    def post(self, account: str, amount: int, on: date) -> None:
        self.balances[account] = self.balances.get(account, 0) + amount
        self.entries.append((account, amount, on))

    def balance_as_of(self, account: str, day: date) -> int:
        return sum(amount for name, amount, on in self.entries if name == account and on <= day)

    def predict(self, step: Step) -> list[tuple[str, int]] | None:
        """The entries `step` makes if accepted, or None if it must be denied."""
        entries = self._entries(step)
        if entries is None:
            return None
        tx = self.txs.get(step.ref)
        on = step.day or (tx.date if step.kind == "void" and tx else MONTH)
        # An entry may be dated before its account was opened (SPEC 4): no rule here.
        # a void is never dated before what it voids
        if step.kind == "void" and tx is not None and on < tx.date:
            return None
        return entries

    def _entries(self, step: Step) -> list[tuple[str, int]] | None:
        if step.kind == "deposit":
            return [(step.account, step.amount)]
        if step.kind in ("check", "withdraw"):
            if not self.can_debit(step.account, step.amount):
                return None
            return [(step.account, -step.amount)]
        if step.kind == "transfer":
            if not self.can_debit(step.account, step.amount):
                return None
            return [(step.account, -step.amount), (step.other, step.amount)]
        tx = self.txs.get(step.ref)
        if tx is None or tx.is_void or tx.voided or not tx.entries:
            return None
        return [(name, -amount) for name, amount in tx.entries]


@dataclass(frozen=True)
class Step:
    kind: str  # deposit | check | withdraw | transfer | void
    account: str = "checking"
    other: str = "savings"
    amount: int = 0
    text: str = ""
    day: date | None = None
    ref: str = ""

    def command(self) -> Command:
        on = self.day or MONTH
        match self.kind:
            case "deposit":
                return Deposit(self.text, on, account=self.account)
            case "check":
                return WriteCheck(self.text, on, account=self.account)
            case "withdraw":
                return Withdraw(self.text, on, account=self.account)
            case "transfer":
                return Transfer(self.text, on, source=self.account, target=self.other)
        return Void(self.ref, date=self.day)


days = st.integers(0, DAYS_IN_MONTH - 1).map(lambda n: MONTH + timedelta(days=n))
amounts = st.integers(min_value=1, max_value=200_000)  # up to 2,000.00


@st.composite
def amount_text(draw: st.DrawFn, amount: int) -> str:
    """An amount the way a user may type it: 1234.5, 1,234.50, $1,234.50, 1234.500."""
    text = format_amount(amount, USD, grouping=draw(st.booleans()))
    if draw(st.booleans()):
        text = text.rstrip("0").rstrip(".") if "." in text else text
    if draw(st.booleans()):
        text = "$" + text
    return text


def draw_step(data: st.DataObject, refs: list[str]) -> Step:
    kinds = ["deposit", "deposit", "check", "withdraw", "transfer", "void"]
    kind = data.draw(st.sampled_from(kinds))
    if kind == "void":
        # earlier refs (including opens, voids and voided ones) and one that does not exist
        ref = data.draw(st.sampled_from([*refs, "T999"]))
        return Step("void", ref=ref, day=data.draw(st.none() | days))
    account, other = data.draw(st.permutations(ACCOUNTS))
    amount = data.draw(amounts)
    return Step(
        kind, account=account, other=other, amount=amount,
        text=data.draw(amount_text(amount)), day=data.draw(days),
    )


def head(path: Path) -> tuple[int, str]:
    with Ledger(path).query() as queries:
        return queries.head()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_balances_match_an_independent_model(data: st.DataObject) -> None:
    savings_limit = data.draw(st.sampled_from([0, 10_000, 50_050]), label="savings limit")
    savings_opened = data.draw(days, label="savings opened")
    model = Model(limits={"checking": 0, "savings": savings_limit})
    count = data.draw(st.integers(1, 25), label="steps")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        ledger = Ledger(path)
        opened = ledger.execute(
            OpenAccount(
                "savings", savings_opened, overdraft_limit=format_amount(savings_limit, USD)
            )
        )
        model.opened["savings"] = savings_opened
        model.txs[opened.ref] = Tx(entries=[], date=savings_opened)
        refs = [opened.ref]

        for _ in range(count):
            step = draw_step(data, refs)
            expected = model.predict(step)
            before = head(path)
            try:
                outcome = ledger.execute(step.command())
            except (Denied, InvalidValue) as error:
                # (d) a denial changes nothing, and the model agrees it is a denial
                assert head(path) == before
                assert expected is None, f"{step} was denied: {error}"
                event(f"{step.kind} denied")
                continue
            assert expected is not None, f"{step} was accepted as {outcome.ref}"
            event(f"{step.kind} accepted")

            on = step.day or (model.txs[step.ref].date if step.kind == "void" else MONTH)
            for account, amount in expected:
                model.post(account, amount, on)
            if step.kind == "void":
                model.txs[step.ref].voided = True
            assert outcome.ref not in model.txs
            model.txs[outcome.ref] = Tx(entries=expected, date=on, is_void=step.kind == "void")
            refs.append(outcome.ref)
            for account, _ in expected:
                model.opened.setdefault(account, on)

            # the command's own events: one ref, gapless seqs after the old head
            assert {event.ref for event in outcome.events} == {outcome.ref}
            assert [event.seq for event in outcome.events] == list(
                range(before[0] + 1, before[0] + 1 + len(outcome.events))
            )
            money = [
                (event.account, event.amount) for event in outcome.events if event.amount != 0
            ]
            assert money == expected
            assert all(event.date == on for event in outcome.events)
            assert outcome.balance == model.balances[outcome.account]

        with ledger.query() as queries:
            for account in ACCOUNTS:
                if account not in model.opened:
                    with pytest.raises(Denied):
                        queries.balance(account)
                    continue
                # (a) the final balance, over every entry
                assert queries.balance(account).balance == model.balances.get(account, 0)
                # (b) every day's balance
                for day in QUERY_DAYS:
                    assert queries.balance(account, as_of=day).balance == model.balance_as_of(
                        account, day
                    ), (account, day)
            # (c) both chains intact
            reconciliation = queries.reconcile()
            assert reconciliation.findings == []
            assert reconciliation.ok
            assert reconciliation.verifier.count == queries.head()[0]
            assert (reconciliation.verifier.head_seq, reconciliation.verifier.head_hash) == (
                queries.head()
            )


@PROPERTY_SETTINGS
@given(data=st.data())
def test_replaying_history_gives_the_balance_on_every_day(data: st.DataObject) -> None:
    """The register's running balance on its last row up to D is the as-of balance on D."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        ledger = Ledger(path)
        refs: list[str] = []
        for _ in range(data.draw(st.integers(1, 15), label="steps")):
            step = draw_step(data, refs)
            if step.kind == "transfer" or step.account != "checking":
                continue
            try:
                refs.append(ledger.execute(step.command()).ref)
            except (Denied, InvalidValue):
                continue
        if not refs:
            # a command denied on a ledger that does not exist yet leaves no file behind
            assert not path.exists()
            return
        with ledger.query() as queries:
            for day in QUERY_DAYS:
                lines = list(queries.history("checking", as_of=day))
                running = lines[-1].balance if lines else 0
                assert running == queries.balance("checking", as_of=day).balance
                assert sum(line.row.amount for line in lines) == running
                assert all(line.row.date <= day.isoformat() for line in lines)


@PROPERTY_SETTINGS
@given(opened=st.integers(1, DAYS_IN_MONTH - 1), earlier=st.integers(0, DAYS_IN_MONTH - 1))
def test_entries_before_the_opening_day_count_from_their_own_date(
    opened: int, earlier: int
) -> None:
    """SPEC 4: the opening day does not bound the entries. A balance before an account's
    first entry is 0; from the entry's own day on, it counts, even before the opening."""
    open_day = MONTH + timedelta(days=opened)
    entry_day = MONTH + timedelta(days=min(earlier, opened - 1))
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(Path(folder) / "ledger.db")
        ledger.execute(OpenAccount("savings", open_day))
        ledger.execute(Deposit("100", open_day))  # opens checking on open_day
        for account in ACCOUNTS:
            ledger.execute(Deposit("25", entry_day, account=account))
        with ledger.query() as queries:
            for account in ACCOUNTS:
                for n in range((open_day - MONTH).days):
                    day = MONTH + timedelta(days=n)
                    expected = 2500 if day >= entry_day else 0
                    assert queries.balance(account, as_of=day).balance == expected, (account, day)
