"""The read models (rm_* tables) through the service: a cache of the log and nothing more
(README, "Files and environment": read models).

A Hypothesis property, in-process, one fresh file per example: after every write of any
sequence, the tables hold exactly what `rebuild` derives from the log alone; and every query
answers the same from current read models (the fast path) as from the log itself (read models
made stale in a copy of the file). (`ledger rebuild`, emptied read models and the upgrade of a
schema-1 file through the installed script: e2e/test_rebuild.py.)
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from conftest import (
    assert_read_models_current,
    backup_copy,
    edit_file,
    read_model_tables,
    recorded_times,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger_cli.app.queries import Queries
from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import (
    ChargeFee,
    Clear,
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    PayInterest,
    Transfer,
    Unclear,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.dates import parse_recorded
from ledger_cli.domain.money import CURRENCIES, format_amount
from ledger_cli.errors import Denied, InvalidValue
from ledger_cli.store.sqlite.schema import READ_MODEL_TABLES

USD = CURRENCIES["USD"]
START = date(2026, 3, 1)
WINDOW = 14  # days in which entries are dated: few, so that days collide
DAYS = [START + timedelta(days=n) for n in range(WINDOW)]
# Every day of the window, plus one before anything and one after everything.
QUERY_DAYS = [START - timedelta(days=1), *DAYS, START + timedelta(days=WINDOW)]
ACCOUNTS = ("checking", "savings", "spare", "euro")

PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# -- the property: incremental read models equal a rebuild; fast answers equal the log's ------


@dataclass(frozen=True)
class Step:
    kind: str
    account: str = "checking"
    other: str = "savings"
    amount: int = 0
    day: date | None = None
    number: int | None = None
    ref: str = ""
    refs: tuple[str, ...] = ()
    limit: int = 0

    def command(self) -> Command:
        on = self.day or START
        text = format_amount(self.amount, USD)
        match self.kind:
            case "deposit":
                return Deposit(text, on, account=self.account)
            case "check":
                return WriteCheck(text, on, account=self.account, number=self.number)
            case "withdraw":
                return Withdraw(text, on, account=self.account)
            case "transfer":
                return Transfer(text, on, source=self.account, target=self.other)
            case "open":
                code = "EUR" if self.account == "euro" else "USD"
                return OpenAccount(self.account, on, code, format_amount(self.limit, USD))
            case "close":
                return CloseAccount(self.account, on)
            case "fee":
                return ChargeFee(text, on, account=self.account)
            case "interest":
                return PayInterest(text, on, account=self.account)
            case "clear":
                return Clear(self.refs, on)
            case "unclear":
                return Unclear(self.refs, on)
        return Void(self.ref, date=self.day)


days = st.sampled_from(DAYS)
credits = st.integers(min_value=1, max_value=100_000)  # up to 1,000.00
debits = st.integers(min_value=1, max_value=30_000)  # smaller: most of them pass
MOSTLY = ["checking", "checking", "savings", "savings", "spare", "euro"]
KINDS = ["deposit", "deposit", "check", "check", "withdraw", "transfer", "void", "void",
         "open", "close", "fee", "interest", "clear", "clear", "unclear", "unclear"]


def draw_step(
    data: st.DataObject, refs: list[str], movers: Sequence[str] = (), cleared: Sequence[str] = ()
) -> Step:
    """One random command; `refs` are every accepted command's, `movers` those that moved
    money (newest last), `cleared` those cleared since."""
    kind = data.draw(st.sampled_from(KINDS))
    if kind == "void":
        # earlier refs (opens, voids and voided ones included) and one that does not exist
        recent = refs[-3:] * 2  # recent refs more often: more of the voids are accepted
        ref = data.draw(st.sampled_from([*refs, *recent, "T999"]))
        return Step("void", ref=ref, day=data.draw(st.none() | days))
    if kind in ("clear", "unclear"):
        # newest first: Hypothesis favours the start of the list
        pool = [*(cleared[::-1] if kind == "unclear" else ()), *movers[::-1], *refs, "T999"]
        chosen = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2))
        return Step(kind, refs=tuple(chosen), day=data.draw(days))
    account = data.draw(st.sampled_from(ACCOUNTS if kind in ("open", "close") else MOSTLY))
    if kind == "open":
        limit = data.draw(st.sampled_from([0, 10_000, 50_050]))
        return Step("open", account=account, day=data.draw(days), limit=limit)
    if kind == "close":
        return Step("close", account=account, day=data.draw(days))
    other = data.draw(st.sampled_from([name for name in MOSTLY if name != account]))
    number = data.draw(st.none() | st.integers(1, 4)) if kind == "check" else None
    return Step(
        kind, account=account, other=other, day=data.draw(days),
        amount=data.draw(credits if kind == "deposit" else debits),
        number=number,
    )


def opening_steps(data: st.DataObject) -> list[Step]:
    steps = []
    checking = data.draw(st.none() | st.sampled_from(DAYS[:3]), label="checking opened")
    if checking is not None:
        steps.append(Step("open", account="checking", day=checking))
    savings = data.draw(st.sampled_from([*DAYS[:5], None]), label="savings opened")
    if savings is not None:
        limit = data.draw(st.sampled_from([0, 10_000, 50_050]), label="savings limit")
        steps.append(Step("open", account="savings", day=savings, limit=limit))
    return steps


Answer = tuple[str, Any]


def attempt(question: Callable[[], Any]) -> Answer:
    """An answer, or the denial it gives (an account not known yet, say)."""
    try:
        return ("ok", question())
    except (Denied, InvalidValue) as error:
        return ("denied", str(error))


HistoryParams = tuple[date | None, date | None, int | None]  # since, as_of, limit


def balance_of(queries: Queries, account: str, day: date | None, known: datetime | None) -> int:
    return queries.balance(account, as_of=day, known_at=known).balance


def all_balances(queries: Queries, known: datetime | None) -> list[tuple[str, int]]:
    return [(found.account, found.balance) for found in queries.balances(known_at=known)]


def register_of(
    queries: Queries, account: str, params: HistoryParams, known: datetime | None
) -> list[tuple[int, int, str]]:
    """The register as (seq, running balance, cleared status) triples."""
    since, as_of, limit = params
    lines = queries.history(account, since=since, as_of=as_of, known_at=known, limit=limit)
    return [(line.row.seq, line.balance, line.status) for line in lines]


def answers(
    queries: Queries, knowns: list[datetime | None], history_params: list[HistoryParams]
) -> dict[tuple[Any, ...], Answer]:
    """Balances (every account, every day, every knowledge time) and registers."""
    found: dict[tuple[Any, ...], Answer] = {}
    for known in knowns:
        found[("all", known)] = attempt(partial(all_balances, queries, known))
        for account in (*ACCOUNTS, "nosuch"):
            for day in (None, *QUERY_DAYS):
                found[("balance", account, day, known)] = attempt(
                    partial(balance_of, queries, account, day, known)
                )
            for params in history_params:
                found[("history", account, params, known)] = attempt(
                    partial(register_of, queries, account, params, known)
                )
    return found


STALE = {
    "no position": ["DELETE FROM rm_position"],
    "all emptied": [f"DELETE FROM {table}" for table in READ_MODEL_TABLES],
    "older position": ["UPDATE rm_position SET seq = seq - 1"],
    "other hash": [
        "UPDATE rm_position SET hash = "
        "iif(substr(hash, 1, 1) = '0', '1', '0') || substr(hash, 2)"
    ],
}


@PROPERTY_SETTINGS
@given(data=st.data())
def test_read_models_equal_a_rebuild_and_give_the_logs_answers(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 40), label="steps")
    history_params: list[HistoryParams] = [
        (None, None, None), (None, None, 3), (DAYS[5], None, None), (DAYS[5], None, 2)
    ]
    history_params += data.draw(
        st.lists(
            st.tuples(
                st.none() | st.sampled_from(QUERY_DAYS),
                st.none() | st.sampled_from(QUERY_DAYS),
                st.none() | st.integers(1, 5),
            ),
            min_size=1,
            max_size=4,
        ),
        label="history (since, as_of, limit)",
    )
    stale = data.draw(st.sampled_from(sorted(STALE)), label="how the copy is made stale")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        ledger = Ledger(path)
        refs: list[str] = []
        movers: list[str] = []
        cleared: list[str] = []
        # Most entries must land after their account's opening to be accepted; checking is
        # opened explicitly or by its first entry, savings early in the window.
        for step in opening_steps(data):
            refs.append(ledger.execute(step.command()).ref)
        for _ in range(count):
            step = draw_step(data, refs, movers, cleared)
            try:
                outcome = ledger.execute(step.command())
            except (Denied, InvalidValue):
                event(f"{step.kind} denied")
                continue
            event(f"{step.kind} accepted")
            refs.append(outcome.ref)
            if step.kind == "clear":
                cleared.extend(step.refs)
            elif step.kind not in ("open", "close", "unclear"):
                movers.append(outcome.ref)
            # after every accepted write, not just the last: a later write could hide a
            # divergence by overwriting a row
            assert_read_models_current(path)
        if not refs:
            assert not path.exists()
            return

        stale_path = Path(folder) / "stale.db"
        backup_copy(path, stale_path)
        edit_file(stale_path, *STALE[stale])
        times = [parse_recorded(text) for text in recorded_times(path)]
        knowns: list[datetime | None] = [None, times[0] - timedelta(microseconds=1), *times]

        stale_tables = read_model_tables(stale_path)

        with Ledger(path).query() as fast:
            assert fast.uses_read_models
            fast_answers = answers(fast, knowns, history_params)
        with Ledger(stale_path).query() as slow:
            assert not slow.uses_read_models
            slow_answers = answers(slow, knowns, history_params)
        assert fast_answers.keys() == slow_answers.keys()
        for key, answer in fast_answers.items():
            assert answer == slow_answers[key], key
        # a query never writes: the stale copy is still stale
        assert read_model_tables(stale_path) == stale_tables
