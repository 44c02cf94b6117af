"""The decider (domain/decider.py) as given-events / when-command / then-events-or-denial: what
each write command records and when it is denied (README, "Commands" and "Write commands").

No database: the state is a fold of `evolve` over Event objects, built by hand or by deciding
commands and giving their NewEvents the place in the log the store would (seq, recorded_at,
hashes: fillers here, since the decider never reads them).
"""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from ledger_cli.domain.categories import UNCATEGORIZED
from ledger_cli.domain.commands import (
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    Transfer,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.decider import Decision, decide
from ledger_cli.domain.events import Event, EventType, NewEvent
from ledger_cli.domain.money import MAX_MINOR
from ledger_cli.domain.state import State, evolve, replay
from ledger_cli.errors import Denied, InvalidValue

D = date(2026, 3, 1)
RECORDED = "2026-03-01T12:00:00.000000Z"
MAX = "9999999999999.99"  # MAX_MINOR cents, as typed

OPENED = EventType.ACCOUNT_OPENED
CLOSED = EventType.ACCOUNT_CLOSED
DEPOSITED = EventType.FUNDS_DEPOSITED
CHECK = EventType.CHECK_WRITTEN
WITHDRAWN = EventType.CASH_WITHDRAWN
SENT = EventType.TRANSFER_SENT
RECEIVED = EventType.TRANSFER_RECEIVED
VOIDED = EventType.TRANSACTION_VOIDED
# What a money entry given no category, and matching no rule or earlier payee, records (SPEC 11);
# a void records that of what it voids.
UNCAT = {"category": UNCATEGORIZED, "category_source": "no rule or payee match"}
# What a void of such an entry carries: the category, not how it was chosen.
VOID_UNCAT = {"category": UNCATEGORIZED}


def day(n: int) -> date:
    return D + timedelta(days=n)


# --- helpers: given / when / then ---------------------------------------------------------


def stored(state: State, new_events: list[NewEvent]) -> list[Event]:
    """NewEvents as the store would append them after `state`'s last event."""
    events = []
    for offset, new in enumerate(new_events, start=1):
        events.append(
            Event(
                seq=state.seq + offset,
                ref=new.ref,
                type=str(new.type),
                account=new.account,
                amount=new.amount,
                balance=new.balance,
                date=new.date,
                recorded_at=RECORDED,
                details=dict(new.details),
            )
        )
    return events


def apply(state: State, decision: Decision) -> State:
    for event in stored(state, decision.events):
        evolve(state, event)
    return state


def given(*commands: Command) -> State:
    """The state after `commands`, each of which must be accepted."""
    state = State()
    for command in commands:
        apply(state, decide(state, command))
    return state


def event(
    seq: int,
    ref: str,
    kind: EventType,
    account: str,
    amount: int,
    balance: int,
    on: date = D,
    **details: str | int,
) -> Event:
    """A stored event built by hand."""
    return Event(seq, ref, str(kind), account, amount, balance, on, RECORDED, details)


def rows(decision: Decision) -> list[tuple[str, EventType, str, int, int, date, dict[str, object]]]:
    """The decided events, field for field."""
    return [
        (e.ref, e.type, e.account, e.amount, e.balance, e.date, dict(e.details))
        for e in decision.events
    ]


def denial(state: State, command: Command) -> str:
    """Decide `command`, expecting a denial that leaves `state` untouched; its message."""
    before = copy.deepcopy(state)
    with pytest.raises(Denied) as caught:
        decide(state, command)
    assert state == before
    return str(caught.value)


def balance(state: State, account: str) -> int:
    return state.accounts[account].balance


def with_savings(limit: str = "0", currency: str = "USD") -> State:
    """checking (T1: deposit 1000.00) and savings (T2)."""
    return given(
        Deposit("1000", D),
        OpenAccount("savings", D, currency=currency, overdraft_limit=limit),
    )


# --- replay of hand-built events ----------------------------------------------------------


def test_evolve_folds_hand_built_events_into_state() -> None:
    state = replay(
        [
            event(1, "T1", OPENED, "checking", 0, 0, currency="USD", overdraft_limit=0),
            event(2, "T1", DEPOSITED, "checking", 10_000, 10_000),
            event(3, "T2", OPENED, "yen", 0, 0, on=day(1), currency="JPY", overdraft_limit=500),
            event(4, "T3", CHECK, "checking", -2_500, 7_500, on=day(2), number=7, payee="Ann"),
            event(5, "T4", VOIDED, "checking", 2_500, 10_000, on=day(2), voids="T3"),
        ]
    )
    assert state.seq == 5
    assert sorted(state.accounts) == ["checking", "yen"]
    assert balance(state, "checking") == 10_000
    assert state.accounts["yen"].currency.code == "JPY"
    assert state.accounts["yen"].overdraft_limit == 500
    assert state.accounts["yen"].opened_on == day(1)
    assert state.accounts["checking"].last_check == 7
    assert state.checks == {("checking", 7): "T3"}
    assert state.transactions["T3"].voided_by == "T4"
    assert state.transactions["T4"].voids == "T3"
    assert state.transactions["T1"].entries == [("checking", 10_000)]
    # the next command gets the next reference
    assert decide(state, Deposit("1", day(3))).ref == "T5"
    # and the next check number follows the highest
    assert dict(decide(state, WriteCheck("1", day(3))).events[0].details) == {
        "number": 8, **UNCAT
    }


# --- checking opens itself ----------------------------------------------------------------


def test_first_deposit_opens_checking_under_one_ref() -> None:
    decision = decide(State(), Deposit("100", day(4), payee="Employer", memo="pay"))
    assert decision.ref == "T1"
    assert decision.warnings == []
    assert rows(decision) == [
        ("T1", OPENED, "checking", 0, 0, day(4), {"currency": "USD", "overdraft_limit": 0}),
        ("T1", DEPOSITED, "checking", 10_000, 10_000, day(4),
         {"payee": "Employer", "memo": "pay", **UNCAT}),
    ]


def test_checking_is_opened_once() -> None:
    state = given(Deposit("100", D))
    decision = decide(state, Deposit("50.25", day(1)))
    assert rows(decision) == [("T2", DEPOSITED, "checking", 5_025, 15_025, day(1), UNCAT)]


def test_opening_checking_is_part_of_a_denied_command_too() -> None:
    # a check or withdrawal from a ledger with nothing in it opens checking, then finds no funds
    assert "insufficient funds in checking" in denial(State(), WriteCheck("0.01", D))
    assert "insufficient funds in checking" in denial(State(), Withdraw("0.01", D))


def test_first_check_opens_checking_when_it_has_an_overdraft() -> None:
    state = given(OpenAccount("checking", D, overdraft_limit="100"))
    decision = decide(state, WriteCheck("60", day(1)))
    assert rows(decision) == [
        ("T2", CHECK, "checking", -6_000, -6_000, day(1), {"number": 1, **UNCAT})
    ]


def test_other_accounts_are_not_opened_by_use() -> None:
    assert denial(State(), Deposit("10", D, account="savings")) == (
        "no account 'savings'; open it with `ledger open savings`"
    )


@pytest.mark.parametrize(
    "command",
    [
        Deposit("10", D, account="chekcing"),
        WriteCheck("10", D, account="chekcing"),
        Withdraw("10", D, account="chekcing"),
        Transfer("10", D, source="chekcing", target="savings"),
        Transfer("10", D, source="savings", target="chekcing"),
        CloseAccount("chekcing", D),
    ],
    ids=["deposit", "check", "withdraw", "transfer-from", "transfer-to", "close"],
)
def test_unknown_account_is_denied_with_a_suggestion(command: Command) -> None:
    state = with_savings()
    assert denial(state, command) == "no account 'chekcing'; did you mean 'checking'?"


def test_unknown_account_without_a_close_name_says_how_to_open_it() -> None:
    assert denial(with_savings(), Deposit("10", D, account="brokerage")) == (
        "no account 'brokerage'; open it with `ledger open brokerage`"
    )
    assert denial(with_savings(), Deposit("10", D, account="savngs")) == (
        "no account 'savngs'; did you mean 'savings'?"
    )


@pytest.mark.parametrize("name", ["Savings", "my account", "", "a" * 65, "café"])
def test_bad_account_names_are_invalid(name: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        decide(State(), OpenAccount(name, D))
    assert repr(name) in str(caught.value)


def test_open_an_existing_account_is_denied() -> None:
    state = with_savings()
    assert denial(state, OpenAccount("savings", D)) == "account 'savings' already exists"
    assert denial(state, OpenAccount("checking", D)) == "account 'checking' already exists"


def test_open_records_currency_and_overdraft_limit() -> None:
    decision = decide(State(), OpenAccount("travel", day(2), currency="jpy", overdraft_limit="500"))
    assert rows(decision) == [
        ("T1", OPENED, "travel", 0, 0, day(2), {"currency": "JPY", "overdraft_limit": 500})
    ]


def test_amounts_follow_the_account_currency() -> None:
    state = given(OpenAccount("travel", D, currency="JPY"))
    decision = decide(state, Deposit("1,000", D, account="travel"))
    assert rows(decision) == [("T2", DEPOSITED, "travel", 1_000, 1_000, D, UNCAT)]
    with pytest.raises(InvalidValue, match=r"'10.5' has too many decimals \(1; JPY has none\)"):
        decide(state, Deposit("10.5", D, account="travel"))


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1e3", "NaN", ""])
def test_bad_amounts_are_invalid_and_open_nothing(amount: str) -> None:
    state = State()
    with pytest.raises(InvalidValue):
        decide(state, Deposit(amount, D))
    assert state == State()


# --- checks -------------------------------------------------------------------------------


def test_check_numbers_continue_after_the_highest() -> None:
    state = given(Deposit("1000", D))
    first = decide(state, WriteCheck("10", D, payee="Gas Co"))
    assert rows(first) == [
        ("T2", CHECK, "checking", -1_000, 99_000, D, {"number": 1, "payee": "Gas Co", **UNCAT})
    ]
    apply(state, first)
    apply(state, decide(state, WriteCheck("10", D, number=100)))
    after_100 = decide(state, WriteCheck("10", D))
    assert dict(after_100.events[0].details) == {"number": 101, **UNCAT}
    apply(state, decide(state, WriteCheck("10", D, number=50)))
    # a lower number does not move the sequence back
    assert dict(decide(state, WriteCheck("10", D)).events[0].details) == {"number": 101, **UNCAT}


def test_duplicate_check_number_is_denied() -> None:
    state = given(Deposit("1000", D), WriteCheck("10", D, number=100))
    message = denial(state, WriteCheck("5", day(1), number=100))
    assert message == "check number 100 is already used in checking (ref T2)"


def test_a_voided_checks_number_may_be_used_again_by_its_replacement() -> None:
    """SPEC 10: the number of a voided check may be used again; the next number is still
    the one after the highest ever written."""
    state = given(Deposit("1000", D), WriteCheck("10", D, number=7), Void("T2"))
    assert dict(decide(state, WriteCheck("5", D, number=7)).events[0].details) == {
        "number": 7, **UNCAT
    }
    assert dict(decide(state, WriteCheck("5", D)).events[0].details) == {"number": 8, **UNCAT}
    live = given(Deposit("1000", D), WriteCheck("10", D, number=7))
    assert "check number 7 is already used" in denial(live, WriteCheck("5", D, number=7))


def test_check_numbers_are_per_account() -> None:
    state = given(
        Deposit("1000", D),
        WriteCheck("10", D, number=1),
        OpenAccount("savings", D, overdraft_limit="100"),
    )
    decision = decide(state, WriteCheck("10", D, account="savings", number=1))
    assert rows(decision) == [
        ("T4", CHECK, "savings", -1_000, -1_000, D, {"number": 1, **UNCAT})
    ]
    assert dict(decide(state, WriteCheck("1", D, account="savings")).events[0].details) == {
        "number": 1, **UNCAT
    }


@pytest.mark.parametrize("number", [0, -3])
def test_check_number_must_be_positive(number: int) -> None:
    state = given(Deposit("1000", D))
    with pytest.raises(InvalidValue, match=f"check number {number} is not valid"):
        decide(state, WriteCheck("10", D, number=number))


# --- overdraft limit ----------------------------------------------------------------------


def test_debits_may_reach_but_not_pass_the_overdraft_limit() -> None:
    # savings: balance 100.00, overdraft limit 500.00, so 600.00 may go out
    state = with_savings(limit="500")
    apply(state, decide(state, Deposit("100", D, account="savings")))
    for command in (
        WriteCheck("600.01", D, account="savings"),
        Withdraw("600.01", D, account="savings"),
        Transfer("600.01", D, source="savings", target="checking"),
    ):
        message = denial(state, command)
        assert message.startswith("insufficient funds in savings for ")
        assert "600.01: balance 100.00, overdraft limit 500.00" in message
    decision = decide(state, Withdraw("600", D, account="savings"))
    assert rows(decision) == [("T4", WITHDRAWN, "savings", -60_000, -50_000, D, UNCAT)]
    apply(state, decision)
    for command in (
        WriteCheck("0.01", D, account="savings"),
        Withdraw("0.01", D, account="savings"),
        Transfer("0.01", D, source="savings", target="checking"),
    ):
        assert denial(state, command).startswith("insufficient funds in savings")


@pytest.mark.parametrize(
    "command",
    [
        WriteCheck("1000.01", D),
        Withdraw("1000.01", D),
        Transfer("1000.01", D, source="checking", target="savings"),
    ],
    ids=["check", "withdraw", "transfer"],
)
def test_default_overdraft_limit_is_zero(command: Command) -> None:
    state = with_savings()  # checking holds exactly 1000.00
    assert denial(state, command).startswith("insufficient funds in checking")


@pytest.mark.parametrize(
    ("command", "kind"),
    [(WriteCheck("1000", D), CHECK), (Withdraw("1000", D), WITHDRAWN)],
    ids=["check", "withdraw"],
)
def test_debit_of_the_whole_balance_is_allowed(command: Command, kind: EventType) -> None:
    decision = decide(with_savings(), command)
    assert [(e.type, e.amount, e.balance) for e in decision.events] == [(kind, -100_000, 0)]


def test_overdraft_counts_every_entry_even_post_dated_ones() -> None:
    # the deposit is effective on day 10; a check dated day 1 may still use it
    state = given(OpenAccount("checking", day(1)), Deposit("100", day(10)))
    decision = decide(state, WriteCheck("100", day(1)))
    assert [(e.amount, e.balance, e.date) for e in decision.events] == [(-10_000, 0, day(1))]
    apply(state, decision)
    assert denial(state, Withdraw("0.01", day(20))).startswith("insufficient funds in checking")


# --- transfers ----------------------------------------------------------------------------


def test_transfer_is_two_events_under_one_ref() -> None:
    state = with_savings()
    decision = decide(state, Transfer("250.50", day(3), source="checking", target="savings",
                                      memo="rainy day"))
    assert decision.ref == "T3"
    assert rows(decision) == [
        ("T3", SENT, "checking", -25_050, 74_950, day(3), {"to": "savings", "memo": "rainy day"}),
        ("T3", RECEIVED, "savings", 25_050, 25_050, day(3),
         {"from": "checking", "memo": "rainy day"}),
    ]


def test_transfer_to_the_same_account_is_denied() -> None:
    assert denial(with_savings(), Transfer("1", D, source="savings", target="savings")) == (
        "cannot transfer from 'savings' to itself"
    )
    assert "to itself" in denial(State(), Transfer("1", D, source="checking", target="checking"))


def test_transfer_between_currencies_is_denied() -> None:
    state = given(Deposit("1000", D), OpenAccount("euro", D, currency="EUR"))
    message = denial(state, Transfer("10", D, source="checking", target="euro"))
    assert message == (
        "cannot transfer between checking (USD) and euro (EUR): the currencies differ"
    )


def test_transfer_into_checking_opens_it() -> None:
    state = given(OpenAccount("savings", D), Deposit("100", D, account="savings"))
    decision = decide(state, Transfer("40", day(1), source="savings", target="checking"))
    assert rows(decision) == [
        ("T3", OPENED, "checking", 0, 0, day(1), {"currency": "USD", "overdraft_limit": 0}),
        ("T3", SENT, "savings", -4_000, 6_000, day(1), {"to": "checking"}),
        ("T3", RECEIVED, "checking", 4_000, 4_000, day(1), {"from": "savings"}),
    ]


# --- voids --------------------------------------------------------------------------------


def test_void_reverses_every_entry_on_the_original_date() -> None:
    state = with_savings()
    apply(state, decide(state, Transfer("250", day(3), source="checking", target="savings")))
    decision = decide(state, Void("T3", reason="wrong account"))
    assert decision.ref == "T4"
    assert rows(decision) == [
        ("T4", VOIDED, "checking", 25_000, 100_000, day(3),
         {"voids": "T3", "reason": "wrong account"}),
        ("T4", VOIDED, "savings", -25_000, 0, day(3), {"voids": "T3", "reason": "wrong account"}),
    ]
    apply(state, decision)
    assert (balance(state, "checking"), balance(state, "savings")) == (100_000, 0)


def test_void_takes_an_explicit_date() -> None:
    state = given(Deposit("1000", D), WriteCheck("75", day(2)))
    decision = decide(state, Void("T2", date=day(9)))
    assert rows(decision) == [
        ("T3", VOIDED, "checking", 7_500, 100_000, day(9), {"voids": "T2", **VOID_UNCAT})
    ]


def test_void_of_the_opening_deposit_reverses_the_deposit_only() -> None:
    state = given(Deposit("1000", day(1)))
    decision = decide(state, Void("T1"))
    assert rows(decision) == [
        ("T2", VOIDED, "checking", -100_000, 0, day(1), {"voids": "T1", **VOID_UNCAT})
    ]
    apply(state, decision)
    assert "checking" in state.accounts


def test_void_may_overdraw_with_a_warning() -> None:
    state = given(Deposit("100", D), Withdraw("80", D))
    decision = decide(state, Void("T1"))
    assert rows(decision) == [
        ("T3", VOIDED, "checking", -10_000, -8_000, D, {"voids": "T1", **VOID_UNCAT})
    ]
    assert decision.warnings == [
        "the void leaves checking at -80.00, below its overdraft limit of 0.00"
    ]


def test_void_denials() -> None:
    state = given(
        Deposit("1000", D),                 # T1
        WriteCheck("10", D),                # T2
        Void("T2"),                         # T3
        OpenAccount("savings", D),          # T4
    )
    assert denial(state, Void("T2")) == "T2 was already voided by T3"
    assert denial(state, Void("T3")) == (
        "T3 is itself a void (of T2); it cannot be voided (`ledger unvoid T3` reverses it)"
    )
    assert denial(state, Void("T4")) == "T4 moves no money; there is nothing to void"
    assert denial(state, Void("T99")) == "no transaction 'T99'"
    assert denial(state, Void("t1")) == "no transaction 't1'"


def test_void_touching_a_closed_account_is_denied() -> None:
    state = given(
        OpenAccount("savings", D),
        Deposit("10", D),
        Transfer("10", D, source="checking", target="savings"),
        Withdraw("10", D, account="savings", memo="out"),
        CloseAccount("savings", day(1)),
    )
    assert denial(state, Void("T3")) == "account 'savings' is closed"


# --- closing ------------------------------------------------------------------------------


def test_close_with_a_balance_is_denied() -> None:
    state = given(Deposit("0.01", D))
    assert denial(state, CloseAccount("checking", D)) == (
        "account 'checking' has a balance of 0.01; only an account at 0 can be closed"
    )
    state = given(OpenAccount("savings", D, overdraft_limit="10"), Withdraw("5", D, "savings"))
    assert "has a balance of -5.00" in denial(state, CloseAccount("savings", D))


def test_close_at_zero_and_then_every_write_is_denied() -> None:
    state = with_savings()
    decision = decide(state, CloseAccount("savings", day(5)))
    assert rows(decision) == [("T3", CLOSED, "savings", 0, 0, day(5), {})]
    apply(state, decision)
    assert state.accounts["savings"].closed
    closed = "account 'savings' is closed"
    for command in (
        Deposit("1", D, account="savings"),
        WriteCheck("1", D, account="savings"),
        Withdraw("1", D, account="savings"),
        Transfer("1", D, source="checking", target="savings"),
        Transfer("1", D, source="savings", target="checking"),
        CloseAccount("savings", D),
    ):
        assert denial(state, command) == closed
    assert denial(state, OpenAccount("savings", D)) == "account 'savings' already exists (closed)"
    # checking is untouched
    assert rows(decide(state, Deposit("1", D))) == [
        ("T4", DEPOSITED, "checking", 100, 100_100, D, UNCAT)
    ]


def test_closed_checking_is_not_reopened_by_use() -> None:
    state = given(Deposit("10", D), Withdraw("10", D), CloseAccount("checking", D))
    assert denial(state, Deposit("10", D)) == "account 'checking' is closed"


# --- the balance bound --------------------------------------------------------------------


def test_deposit_past_the_maximum_balance_is_denied() -> None:
    state = given(Deposit(MAX, D))
    assert balance(state, "checking") == MAX_MINOR
    message = denial(state, Deposit("0.01", D))
    assert message == (
        "this would take the balance of checking past the maximum of 9,999,999,999,999.99"
    )


def test_transfer_past_the_maximum_balance_is_denied() -> None:
    state = given(
        Deposit("0.01", D), OpenAccount("savings", D), Deposit(MAX, D, account="savings")
    )
    message = denial(state, Transfer("0.01", D, source="checking", target="savings"))
    assert "balance of savings past the maximum" in message


def test_void_past_the_maximum_balance_is_denied() -> None:
    state = given(Deposit("0.01", D), WriteCheck("0.01", D), Deposit(MAX, D))
    assert balance(state, "checking") == MAX_MINOR
    assert "past the maximum" in denial(state, Void("T2"))


def test_negative_balance_bound() -> None:
    state = given(
        OpenAccount("loan", D, overdraft_limit=MAX),  # T1
        Deposit("0.01", D, account="loan"),           # T2
        Withdraw(MAX, D, account="loan"),             # T3
    )
    assert balance(state, "loan") == 1 - MAX_MINOR
    apply(state, decide(state, Void("T2")))           # T4
    assert balance(state, "loan") == -MAX_MINOR
    apply(state, decide(state, Deposit("0.01", D, account="loan")))   # T5
    apply(state, decide(state, Withdraw("0.01", D, account="loan")))  # T6
    assert balance(state, "loan") == -MAX_MINOR
    assert "balance of loan past the maximum" in denial(state, Void("T5"))


# --- references ---------------------------------------------------------------------------


def test_refs_are_one_per_accepted_command_in_order() -> None:
    state = State()
    commands: list[Command] = [
        Deposit("100", D),                                        # T1 (opens checking too)
        OpenAccount("savings", D),                                # T2
        Withdraw("1000", D),                                      # denied: no ref
        Transfer("30", D, source="checking", target="savings"),   # T3 (two events)
        Deposit("5", D, account="nope"),                          # denied: no ref
        WriteCheck("5", D),                                       # T4
        Void("T3"),                                               # T5 (two events)
        Withdraw("1", D, account="savings"),                      # denied: no ref
        CloseAccount("savings", D),                               # T6
    ]
    refs = []
    for command in commands:
        try:
            decision = decide(state, command)
        except Denied:
            continue
        assert {e.ref for e in decision.events} == {decision.ref}
        refs.append((decision.ref, len(decision.events)))
        apply(state, decision)
    assert refs == [("T1", 2), ("T2", 1), ("T3", 2), ("T4", 1), ("T5", 2), ("T6", 1)]
    assert state.seq == 9


def test_decide_does_not_change_the_state() -> None:
    state = with_savings(limit="100")
    before = copy.deepcopy(state)
    decide(state, Transfer("50", D, source="checking", target="savings"))
    decide(state, WriteCheck("20", D))
    decide(state, Void("T1"))
    assert state == before
