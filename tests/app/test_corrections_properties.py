"""Properties of the way back from a mistake (SPEC section 10), on a real SQLite file: random
sequences of writes, voids, unvoids and amends on random references (live, voided, voids,
unvoids, opens, unknown) go through `Ledger.execute`.

An independent model, written here and sharing nothing with the domain's state or decider,
keeps the transactions and which of them are live: a voided entry is gone, an unvoided one is
back, an amended one is replaced by its correction. It decides which commands must be denied
and which accepted, the refs and the money each accepted command moves, and every balance on
every day. Of the original and the corrections of one entry (a "family", linked by `amend`), at
most one is live: restoring another one would count the same payment twice.

After each step: the balance of every account on every day of the window, and over all entries
(which must also be the sum of the live transactions). At the end: both chains intact, the read
models current, and `rebuild` changes none of their rows.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import assert_read_models_current, read_model_tables
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import (
    Amend,
    ChargeFee,
    Command,
    Deposit,
    OpenAccount,
    Transfer,
    Unvoid,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.errors import Denied, InvalidValue

START = date(2026, 3, 1)
WINDOW = 8  # entries are dated START .. START + 7
DAYS = [START + timedelta(days=n) for n in range(-1, WINDOW + 1)]
ACCOUNTS = ("checking", "savings")
LIMITS = {"checking": 5_000, "savings": 0}  # overdraft limits, in cents
MONEY_KINDS = ("deposit", "check", "withdraw", "transfer", "fee")
PAYEE_KINDS = ("deposit", "check", "fee")


def cents(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


# -- the model -------------------------------------------------------------------------------


@dataclass
class Tx:
    """One accepted transaction, as the model knows it."""

    kind: str  # open | deposit | check | withdraw | transfer | fee | void | unvoid
    date: date
    entries: list[tuple[str, int]] = field(default_factory=list)  # (account, signed cents)
    payee: str | None = None
    memo: str | None = None
    number: int | None = None
    family: int = 0  # the original entry and its corrections share one
    voided_by: str | None = None  # a money entry: the void that cancels it now
    voids: str | None = None  # a void: the entry it cancels
    reversed: bool = False  # a void: undone by an unvoid


@dataclass
class Model:
    txs: dict[str, Tx] = field(default_factory=dict)
    entries: list[tuple[str, int, date]] = field(default_factory=list)
    highest_check: dict[str, int] = field(default_factory=dict)

    def next_ref(self, offset: int = 1) -> str:
        return f"T{len(self.txs) + offset}"

    def add(self, tx: Tx) -> str:
        ref = self.next_ref()
        self.txs[ref] = tx
        if tx.kind == "check" and tx.number is not None:
            account = tx.entries[0][0]
            self.highest_check[account] = max(self.highest_check.get(account, 0), tx.number)
        return ref

    def post(self, entries: list[tuple[str, int]], on: date) -> None:
        self.entries.extend((account, amount, on) for account, amount in entries)

    def balance(self, account: str, as_of: date | None = None) -> int:
        return sum(
            amount
            for name, amount, on in self.entries
            if name == account and (as_of is None or on <= as_of)
        )

    def live(self, ref: str) -> bool:
        tx = self.txs[ref]
        return tx.kind in MONEY_KINDS and tx.voided_by is None

    def live_total(self, account: str) -> int:
        return sum(
            amount
            for ref, tx in self.txs.items()
            if self.live(ref)
            for name, amount in tx.entries
            if name == account
        )

    def number_taken(self, account: str, number: int, *, but: str | None = None) -> bool:
        """Whether a live check other than `but` in `account` has `number`."""
        return any(
            tx.kind == "check" and tx.number == number and tx.entries[0][0] == account
            and ref != but and self.live(ref)
            for ref, tx in self.txs.items()
        )

    def can_debit(self, account: str, amount: int, balance: int | None = None) -> bool:
        held = self.balance(account) if balance is None else balance
        return amount <= held + LIMITS[account]


@dataclass(frozen=True)
class Step:
    kind: str  # deposit | check | withdraw | transfer | fee | void | unvoid | amend
    ref: str = ""
    account: str = "checking"
    other: str = "savings"
    amount: int = 0
    day: date | None = None
    payee: str | None = None
    memo: str | None = None
    number: int | None = None
    amend_amount: int | None = None

    def command(self) -> Command:
        on = self.day or START
        amount = cents(self.amount)
        match self.kind:
            case "deposit":
                return Deposit(amount, on, self.account, self.payee, self.memo)
            case "fee":
                return ChargeFee(amount, on, self.account, self.payee, self.memo)
            case "check":
                return WriteCheck(amount, on, self.account, self.number, self.payee, self.memo)
            case "withdraw":
                return Withdraw(amount, on, self.account, self.memo)
            case "transfer":
                return Transfer(amount, on, self.account, self.other, self.memo)
            case "void":
                return Void(self.ref, self.day)
            case "unvoid":
                return Unvoid(self.ref, self.day)
        typed = None if self.amend_amount is None else cents(self.amend_amount)
        return Amend(self.ref, typed, self.payee, self.memo, self.day, self.number)


class Prediction:
    """What an accepted step does: the model's changes, applied once the real command was
    accepted; its ref and the money its events move, in order."""

    def __init__(
        self, ref: str, money: list[tuple[str, int]], apply: Callable[[], None]
    ) -> None:
        self.ref = ref
        self.money = money
        self.apply = apply


def predict(model: Model, step: Step) -> Prediction | None:
    """The outcome of `step` if it must be accepted; None if it must be denied."""
    if step.kind in MONEY_KINDS:
        return _entry(model, step)
    tx = model.txs.get(step.ref)
    if tx is None:
        return None
    if step.kind == "void":
        return _void(model, step, tx)
    if step.kind == "unvoid":
        return _unvoid(model, step, tx)
    return _amend(model, step, tx)


def _entry(model: Model, step: Step) -> Prediction | None:
    on = step.day or START
    account, amount = step.account, step.amount
    number = None
    if step.kind == "deposit":
        entries = [(account, amount)]
    elif step.kind == "fee":
        entries = [(account, -amount)]  # the bank took it: recorded whatever the limit
    elif step.kind == "transfer":
        if not model.can_debit(account, amount):
            return None
        entries = [(account, -amount), (step.other, amount)]
    else:
        if not model.can_debit(account, amount):
            return None
        if step.kind == "check":
            number = step.number
            if number is None:
                number = model.highest_check.get(account, 0) + 1
            elif model.number_taken(account, number):
                return None
        entries = [(account, -amount)]
    tx = Tx(step.kind, on, entries, step.payee, step.memo, number)
    tx.family = len(model.txs) + 1

    def apply() -> None:
        model.add(tx)
        model.post(entries, on)

    return Prediction(model.next_ref(), entries, apply)


def _void(model: Model, step: Step, tx: Tx) -> Prediction | None:
    if tx.kind not in MONEY_KINDS or tx.voided_by is not None:
        return None  # an open, a void, an unvoid, or voided already
    on = step.day or tx.date
    if on < tx.date:
        return None
    entries = [(account, -amount) for account, amount in tx.entries]
    ref = model.next_ref()

    def apply() -> None:
        model.add(Tx("void", on, entries, voids=step.ref))
        tx.voided_by = ref
        model.post(entries, on)

    return Prediction(ref, entries, apply)


def _unvoid(model: Model, step: Step, tx: Tx) -> Prediction | None:
    if tx.kind == "void":
        void_ref, original_ref = step.ref, str(tx.voids)
        original = model.txs[original_ref]
        if tx.reversed or original.voided_by != void_ref:
            return None
    elif tx.kind in MONEY_KINDS and tx.voided_by is not None:
        original_ref, original, void_ref = step.ref, tx, tx.voided_by
    else:
        return None  # an open, an unvoid, or an entry that is not voided
    void = model.txs[void_ref]
    # at most one live member of a family: the original or one of its corrections
    if any(
        other.family == original.family and ref != original_ref and model.live(ref)
        for ref, other in model.txs.items()
    ):
        event("unvoid: another of the family is live")
        return None
    if original.kind == "check" and original.number is not None:
        if model.number_taken(original.entries[0][0], original.number, but=original_ref):
            return None
    # restoring a debit the user started is bounded by the overdraft limit, as the debit was
    if original.kind in ("check", "withdraw", "transfer"):
        account, amount = original.entries[0]
        if not model.can_debit(account, -amount):
            event("unvoid: the restored debit would overdraw")
            return None
    on = step.day or void.date
    if on < void.date:
        return None
    entries = list(original.entries)
    ref = model.next_ref()

    def apply() -> None:
        model.add(Tx("unvoid", on, entries))
        original.voided_by = None
        void.reversed = True
        model.post(entries, on)

    return Prediction(ref, entries, apply)


def _amend(model: Model, step: Step, tx: Tx) -> Prediction | None:
    if tx.kind not in MONEY_KINDS or tx.voided_by is not None:
        return None
    given = {
        "amount": step.amend_amount,
        "payee": step.payee,
        "memo": step.memo,
        "date": step.day,
        "number": step.number,
    }
    changes = {name for name, value in given.items() if value is not None}
    if not changes:
        return None
    allowed = {"amount", "memo", "date"}
    if tx.kind in PAYEE_KINDS:
        allowed.add("payee")
    if tx.kind == "check":
        allowed.add("number")
    if not changes <= allowed:
        return None
    old_amount = abs(tx.entries[0][1])
    amount = old_amount if step.amend_amount is None else step.amend_amount
    payee = tx.payee if step.payee is None else step.payee or None
    memo = tx.memo if step.memo is None else step.memo or None
    on = step.day or tx.date
    number = tx.number if step.number is None else step.number
    if (amount, payee, memo, on, number) == (old_amount, tx.payee, tx.memo, tx.date, tx.number):
        return None
    voiding = [(account, -signed) for account, signed in tx.entries]
    source = tx.entries[0][0]
    after_void = model.balance(source) - tx.entries[0][1]
    if tx.kind == "transfer":
        target = tx.entries[1][0]
        replacing = [(source, -amount), (target, amount)]
    else:
        replacing = [(source, amount if tx.kind == "deposit" else -amount)]
    if tx.kind in ("check", "withdraw", "transfer") and not model.can_debit(
        source, amount, after_void
    ):
        return None
    if tx.kind == "check" and number is not None and model.number_taken(
        source, number, but=step.ref
    ):
        return None
    void_ref, replacement_ref = model.next_ref(), model.next_ref(2)

    def apply() -> None:
        model.add(Tx("void", tx.date, voiding, voids=step.ref))
        tx.voided_by = void_ref
        model.post(voiding, tx.date)
        replacement = Tx(tx.kind, on, replacing, payee, memo, number, family=tx.family)
        assert model.add(replacement) == replacement_ref
        model.post(replacing, on)

    return Prediction(replacement_ref, voiding + replacing, apply)


# -- the steps -----------------------------------------------------------------------------

days = st.integers(0, WINDOW - 1).map(lambda n: START + timedelta(days=n))
amounts = st.integers(min_value=1, max_value=40_000)  # up to 400.00
# An entry's payee and memo; an amend may also give '' (remove it).
payees = st.sampled_from(["Landlord", "Grocer"])
memos = st.sampled_from(["rent", "food"])


def draw_ref(data: st.DataObject, model: Model, kind: str) -> str:
    """A ref the command can work on (a live entry; for unvoid, a voided entry or its void):
    the newest such, or any; or else any earlier ref (opens, voids, unvoids, voided ones ...)
    or one that does not exist."""
    if kind == "unvoid":
        fitting = [
            ref for ref, tx in model.txs.items()
            if tx.voided_by is not None or (tx.kind == "void" and not tx.reversed)
        ]
    else:
        fitting = [ref for ref in model.txs if model.live(ref)]
    choice = data.draw(st.sampled_from(["newest", "fitting", "any"]))
    if fitting and choice == "newest":  # chains: the correction of a correction ...
        return fitting[-1]
    if fitting and choice == "fitting":
        return data.draw(st.sampled_from(fitting))
    return data.draw(st.sampled_from([*model.txs, "T99"]))


def draw_step(data: st.DataObject, model: Model) -> Step:
    kind = data.draw(
        st.sampled_from(
            ["deposit", "deposit", "check", "check", "withdraw", "transfer", "fee",
             "void", "void", "unvoid", "unvoid", "amend", "amend", "amend"]
        )
    )
    if kind in MONEY_KINDS:
        account, other = data.draw(st.permutations(ACCOUNTS))
        payee = data.draw(st.none() | payees) if kind in PAYEE_KINDS else None
        return Step(
            kind, account=account, other=other, amount=data.draw(amounts), day=data.draw(days),
            payee=payee, memo=data.draw(st.none() | memos),
            number=data.draw(st.none() | st.integers(1, 4)) if kind == "check" else None,
        )
    ref = draw_ref(data, model, kind)
    if kind in ("void", "unvoid"):
        return Step(kind, ref=ref, day=data.draw(st.none() | days))
    return Step(
        "amend", ref=ref,
        amend_amount=data.draw(st.none() | amounts),
        payee=data.draw(st.none() | st.none() | payees | st.just("")),
        memo=data.draw(st.none() | st.none() | memos | st.just("")),
        day=data.draw(st.none() | st.none() | days),
        number=data.draw(st.none() | st.none() | st.integers(1, 4)),
    )


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger with both accounts open (T1 checking, T2 savings), copied for each example:
    creating a file costs more than a dozen commands."""
    path = tmp_path_factory.mktemp("opened") / "ledger.db"
    ledger = Ledger(path)
    for number, account in enumerate(ACCOUNTS, start=1):
        done = ledger.execute(OpenAccount(account, START, overdraft_limit=cents(LIMITS[account])))
        assert done.ref == f"T{number}"
    assert [found.name for found in path.parent.iterdir()] == ["ledger.db"]
    return path


def head(ledger: Ledger) -> tuple[int, str]:
    with ledger.query() as queries:
        return queries.head()


def assert_balances(ledger: Ledger, model: Model, after: object) -> None:
    with ledger.query() as queries:
        for account in ACCOUNTS:
            total = queries.balance(account).balance
            assert total == model.balance(account), (after, account)
            assert total == model.live_total(account), (after, account, "live entries")
            for day in DAYS:
                found = queries.balance(account, as_of=day).balance
                assert found == model.balance(account, day), (after, account, day)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_voids_unvoids_and_amends_match_an_independent_model(
    opened: Path, data: st.DataObject
) -> None:
    model = Model()
    for _ in ACCOUNTS:
        model.add(Tx("open", START))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        shutil.copy(opened, path)
        ledger = Ledger(path)

        for _ in range(data.draw(st.integers(1, 18), label="steps")):
            step = draw_step(data, model)
            expected = predict(model, step)
            before = head(ledger)
            try:
                outcome = ledger.execute(step.command())
            except (Denied, InvalidValue) as error:
                assert head(ledger) == before, step  # a denial writes nothing
                assert expected is None, f"{step} was denied: {error}"
                event(f"{step.kind}: denied")
                continue
            assert expected is not None, f"{step} was accepted as {outcome.ref}"
            event(f"{step.kind}: accepted")
            assert outcome.ref == expected.ref, step
            money = [(e.account, e.amount) for e in outcome.events if e.amount != 0]
            assert money == expected.money, step
            assert [e.seq for e in outcome.events] == list(
                range(before[0] + 1, before[0] + 1 + len(outcome.events))
            )
            expected.apply()
            assert outcome.balance == model.balance(outcome.account), step
            assert_balances(ledger, model, step)

        with ledger.query() as queries:
            reconciliation = queries.reconcile()
            assert reconciliation.findings == []
            assert reconciliation.ok
        assert_read_models_current(path)
        tables = read_model_tables(path)
        assert ledger.rebuild().ok
        assert read_model_tables(path) == tables
        assert_balances(ledger, model, "rebuild")


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_of_an_entry_and_its_corrections_at_most_one_counts(
    opened: Path, data: st.DataObject
) -> None:
    """One deposit, amended, its corrections amended again, voided and unvoided in any order:
    the balance is always the amount of the one live member of the family, or 0."""
    model = Model()
    for _ in ACCOUNTS:
        model.add(Tx("open", START))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        shutil.copy(opened, path)
        ledger = Ledger(path)
        first = Step("deposit", amount=10_000, day=START)
        expected = predict(model, first)
        assert expected is not None
        assert ledger.execute(first.command()).ref == expected.ref
        expected.apply()

        for _ in range(data.draw(st.integers(1, 8), label="steps")):
            kind = data.draw(st.sampled_from(["amend", "void", "unvoid"]))
            ref = data.draw(st.sampled_from(list(model.txs)[2:]))  # the deposit, voids, ...
            if kind == "amend":
                step = Step("amend", ref=ref, amend_amount=data.draw(st.sampled_from(
                    [10_000, 11_000, 12_000, 13_000])))
            else:
                step = Step(kind, ref=ref)
            expected = predict(model, step)
            try:
                outcome = ledger.execute(step.command())
            except (Denied, InvalidValue) as error:
                assert expected is None, f"{step} was denied: {error}"
                continue
            assert expected is not None, f"{step} was accepted as {outcome.ref}"
            assert outcome.ref == expected.ref
            expected.apply()
            live = [abs(tx.entries[0][1]) for ref, tx in model.txs.items() if model.live(ref)]
            assert len(live) <= 1
            with ledger.query() as queries:
                assert queries.balance("checking").balance == sum(live), step
