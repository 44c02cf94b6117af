"""Categories in the domain (SPEC 11, "where the money went"), as given-events / when-command /
then-events-or-denial: which category a money entry records (given, else the first matching
rule's, else the payee's last, else `uncategorized`), splits that must add up exactly, rules,
`categorize`, budgets, and the category that voids, unvoids and amends carry.

Why it matters: a report sums the category stored in each event. An entry in the wrong
category, a split that does not add up to its entry, or a void that does not cancel its entry
in the same category makes every later report wrong, silently.

No database: the state is a fold of `evolve` over the events the decider returns, given the
place in the log the store would give them (seq; the recorded time and hashes are fillers,
since the decider never reads them).
"""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from ledger_cli.domain.accounts import LEDGER_WIDE
from ledger_cli.domain.categories import UNCATEGORIZED, Rule
from ledger_cli.domain.categorizing import budget_in
from ledger_cli.domain.commands import (
    AddRule,
    Amend,
    Categorize,
    ChargeFee,
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    PayInterest,
    RemoveRule,
    SetBudget,
    Transfer,
    Unvoid,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.decider import Decision, decide
from ledger_cli.domain.events import Event, EventType
from ledger_cli.domain.state import State, evolve
from ledger_cli.errors import Denied, InvalidValue

D = date(2026, 3, 1)
RECORDED = "2026-03-01T12:00:00.000000Z"

CATEGORIZED = EventType.TRANSACTION_CATEGORIZED
RULE_ADDED = EventType.RULE_ADDED
RULE_REMOVED = EventType.RULE_REMOVED
BUDGET_SET = EventType.BUDGET_SET


def day(n: int) -> date:
    return D + timedelta(days=n)


# --- helpers: given / when / then ---------------------------------------------------------


def apply(state: State, decision: Decision) -> State:
    """Fold the decided events into `state`, numbered after its last event."""
    for offset, new in enumerate(decision.events, start=1):
        evolve(
            state,
            Event(
                state.seq + offset,
                new.ref,
                str(new.type),
                new.account,
                new.amount,
                new.balance,
                new.date,
                RECORDED,
                dict(new.details),
            ),
        )
    return state


def given(*commands: Command) -> State:
    """The state after `commands`, each of which must be accepted."""
    state = State()
    for command in commands:
        apply(state, decide(state, command))
    return state


def then(state: State, command: Command) -> State:
    """Decide `command` (it must be accepted) and fold its events into `state`."""
    return apply(state, decide(state, command))


def details(state: State, command: Command) -> dict[str, object]:
    """The details of the last event `command` would record."""
    return dict(decide(state, command).events[-1].details)


def category_of(state: State, command: Command) -> object:
    """The category the money entry of `command` would record (None: it records none)."""
    return details(state, command).get("category")


def denial(state: State, command: Command) -> str:
    """Decide `command`, expecting a denial (Denied) that leaves `state` untouched."""
    before = copy.deepcopy(state)
    with pytest.raises(Denied) as caught:
        decide(state, command)
    assert state == before
    return str(caught.value)


def invalid(state: State, command: Command) -> str:
    """Decide `command`, expecting an invalid value (exit 1 too) that leaves `state` alone."""
    before = copy.deepcopy(state)
    with pytest.raises(InvalidValue) as caught:
        decide(state, command)
    assert state == before
    return str(caught.value)


def funded(*commands: Command) -> State:
    """checking with 1,000.00 (T1, uncategorized, no payee), then `commands`."""
    return given(Deposit("1000", D), *commands)


# --- which category an entry records ------------------------------------------------------

ENTRIES = {
    "deposit": lambda **kw: Deposit("12.50", D, **kw),
    "check": lambda **kw: WriteCheck("12.50", D, **kw),
    "withdraw": lambda **kw: Withdraw("12.50", D, **kw),
    "fee": lambda **kw: ChargeFee("12.50", D, **kw),
    "interest": lambda **kw: PayInterest("12.50", D, **kw),
}


@pytest.mark.parametrize("kind", sorted(ENTRIES))
def test_every_money_entry_records_the_category_given(kind: str) -> None:
    # a rule and an earlier entry of the same payee would say otherwise: what is given wins
    state = funded(
        AddRule("grocer", "food", D),
        Deposit("1", D, payee="Grocer", category="refunds"),
    )
    command = ENTRIES[kind](category="home:repairs", payee="Grocer")
    decision = decide(state, command)
    [entry] = decision.events
    assert entry.details["category"] == "home:repairs"
    assert "split" not in entry.details
    assert "category_source" not in entry.details  # given: no other source to record


@pytest.mark.parametrize("kind", sorted(ENTRIES))
def test_an_entry_given_nothing_that_no_rule_or_payee_explains_is_uncategorized(
    kind: str,
) -> None:
    state = funded(AddRule("grocer", "food", D), Deposit("1", D, payee="Acme", category="pay"))
    assert category_of(state, ENTRIES[kind]()) == UNCATEGORIZED
    assert category_of(state, ENTRIES[kind](payee="Corner shop")) == UNCATEGORIZED


def test_the_first_entry_of_a_ledger_records_its_category_after_opening_checking() -> None:
    decision = decide(State(), Deposit("100", D, payee="Employer", category="salary"))
    assert [(e.type, e.amount, dict(e.details)) for e in decision.events] == [
        (EventType.ACCOUNT_OPENED, 0, {"currency": "USD", "overdraft_limit": 0}),
        (EventType.FUNDS_DEPOSITED, 10_000, {"payee": "Employer", "category": "salary"}),
    ]


def test_a_transfer_has_no_category() -> None:
    state = funded(OpenAccount("savings", D), AddRule("savings", "saving", D))
    decision = decide(state, Transfer("100", D, source="checking", target="savings"))
    assert [e.type for e in decision.events] == [
        EventType.TRANSFER_SENT,
        EventType.TRANSFER_RECEIVED,
    ]
    for event in decision.events:
        assert "category" not in event.details and "split" not in event.details
    apply(state, decision)
    assert (state.transactions["T4"].category, state.transactions["T4"].split) == (None, None)


def test_the_first_matching_rule_wins_over_the_payees_last_category() -> None:
    state = funded(
        WriteCheck("10", D, payee="Big Grocer", category="household"),  # T2: remembered
        AddRule("GROC", "food:groceries", D),  # rule 1
        AddRule("big", "misc", D),  # rule 2: matches too, but was added later
    )
    decision = decide(state, WriteCheck("20", D, payee="big grocer inc"))
    assert decision.events[0].details["category"] == "food:groceries"
    assert str(decision.events[0].details.get("category_source")).startswith("from rule 1")


def test_a_rule_matches_a_payee_that_contains_its_pattern_in_any_case() -> None:
    state = funded(AddRule("Shell", "car:fuel", D))
    for payee in ("SHELL", "shell station 12", "The Shell Co"):
        assert category_of(state, WriteCheck("5", D, payee=payee)) == "car:fuel"
    assert category_of(state, WriteCheck("5", D, payee="Shel")) == UNCATEGORIZED
    assert category_of(state, WriteCheck("5", D)) == UNCATEGORIZED  # no payee, no match


def test_a_withdrawal_with_a_payee_is_categorized_by_a_rule() -> None:
    """A withdrawal from a statement row or an import carries a payee; rules apply to it."""
    state = funded(AddRule("atm", "cash", D))
    assert category_of(state, Withdraw("40", D, payee="ATM 0042")) == "cash"


def test_the_payees_last_category_in_any_account_and_any_case() -> None:
    state = given(
        OpenAccount("savings", D),
        Deposit("100", D, payee="Acme Payroll", category="salary"),  # checking
    )
    decision = decide(state, Deposit("5", D, account="savings", payee="ACME PAYROLL"))
    assert decision.events[0].details["category"] == "salary"
    assert "ACME PAYROLL" in str(decision.events[0].details.get("category_source"))
    # the last category used wins, whichever account used it
    then(state, Deposit("5", D, account="savings", payee="acme payroll", category="bonus"))
    assert category_of(state, Deposit("5", D, payee="Acme Payroll")) == "bonus"
    # another payee that merely contains it is not the same payee
    assert category_of(state, Deposit("5", D, payee="Acme Payroll Refund")) == UNCATEGORIZED


def test_an_entry_given_nothing_takes_the_payees_last_category_and_keeps_it() -> None:
    state = funded(WriteCheck("10", D, payee="Grocer", category="food"))
    then(state, WriteCheck("10", D, payee="Grocer", number=50, memo="first of a batch"))
    # T3 got food (as last time), and the memory still gives food
    assert state.transactions["T3"].category == "food"
    assert category_of(state, WriteCheck("10", D, payee="grocer")) == "food"


def test_a_rule_category_is_remembered_for_the_payee_once_the_rule_is_gone() -> None:
    state = funded(AddRule("grocer", "food", D), WriteCheck("10", D, payee="Grocer"))
    then(state, RemoveRule(1, D))
    decision = decide(state, WriteCheck("10", D, payee="Grocer"))
    assert decision.events[0].details["category"] == "food"
    assert not str(decision.events[0].details.get("category_source")).startswith("from rule")


# --- voids, unvoids and amends carry the category ---------------------------------------


def test_a_void_carries_the_category_of_what_it_voids() -> None:
    state = funded(WriteCheck("25", D, payee="Grocer", category="food"))  # T2
    [void] = decide(state, Void("T2")).events
    assert (void.amount, void.details["category"]) == (2_500, "food")
    assert "split" not in void.details


def test_a_void_of_a_split_carries_the_split() -> None:
    state = funded(WriteCheck("50", D, split=("food=30", "home=20")))  # T2
    [void] = decide(state, Void("T2")).events
    assert void.amount == 5_000
    assert void.details["split"] == "food=3000;home=2000"
    assert "category" not in void.details


def test_a_void_carries_the_category_the_entry_has_now() -> None:
    state = funded(
        WriteCheck("25", D, payee="Grocer", category="food"),  # T2
        Categorize("T2", day(1), category="home"),  # T3
    )
    assert details(state, Void("T2"))["category"] == "home"


def test_a_void_of_an_entry_from_before_categories_is_uncategorized() -> None:
    """An entry recorded before categories existed has none in its details; it counts as
    uncategorized, and so does its void."""
    state = State()
    for seq, (kind, account, amount, balance, extra) in enumerate(
        [
            (EventType.ACCOUNT_OPENED, "checking", 0, 0, {"currency": "USD", "overdraft_limit": 0}),
            (EventType.FUNDS_DEPOSITED, "checking", 10_000, 10_000, {"payee": "Acme"}),
        ],
        start=1,
    ):
        evolve(state, Event(seq, "T1", str(kind), account, amount, balance, D, RECORDED, extra))
    assert state.transactions["T1"].category is None
    assert details(state, Void("T1"))["category"] == UNCATEGORIZED
    assert denial(state, Categorize("T1", D, category=UNCATEGORIZED)) == (
        "T1 is already uncategorized; there is nothing to change"
    )
    # and such an entry teaches no category to its payee
    assert category_of(state, Deposit("1", D, payee="Acme")) == UNCATEGORIZED


def test_the_void_of_a_transfer_has_no_category() -> None:
    state = funded(OpenAccount("savings", D), Transfer("100", D, "checking", "savings"))
    for event in decide(state, Void("T3")).events:
        assert "category" not in event.details and "split" not in event.details


def test_an_unvoid_restores_the_entry_in_its_category() -> None:
    state = funded(
        WriteCheck("25", D, payee="Grocer", split=("food=20", "home=5")),  # T2
        Void("T2"),  # T3
    )
    [restore] = decide(state, Unvoid("T2")).events
    assert (restore.type, restore.amount) == (EventType.VOID_REVERSED, -2_500)
    assert restore.details["split"] == "food=2000;home=500"
    assert "category" not in restore.details


def test_a_voided_unvoided_entry_may_be_categorized_and_voided_again_in_its_new_category() -> None:
    state = funded(
        Deposit("100", D, payee="Acme", category="salary"),  # T2
        Void("T2"),  # T3
        Unvoid("T2"),  # T4
        Categorize("T2", day(1), category="bonus"),  # T5
    )
    assert state.transactions["T2"].category == "bonus"
    [void] = decide(state, Void("T2")).events
    assert (void.amount, void.details["category"]) == (-10_000, "bonus")


def test_amend_keeps_the_category_unless_told() -> None:
    state = funded(WriteCheck("25", D, payee="Grocer", category="food"))  # T2
    void, replacement = decide(state, Amend("T2", amount="30")).events
    assert (void.amount, void.details["category"]) == (2_500, "food")
    assert (replacement.amount, replacement.details["category"]) == (-3_000, "food")
    _, changed = decide(state, Amend("T2", category="home")).events
    assert (changed.amount, changed.details["category"]) == (-2_500, "home")
    assert denial(state, Amend("T2", category="food")) == (
        "T2 already has these values; there is nothing to amend"
    )


def test_amend_of_a_split_keeps_the_split_and_a_new_amount_needs_new_parts() -> None:
    state = funded(WriteCheck("50", D, payee="Grocer", split=("food=30", "home=20")))  # T2
    _, renamed = decide(state, Amend("T2", payee="Grocer Ltd")).events
    assert renamed.details["split"] == "food=3000;home=2000"
    # the old parts no longer add up to 60.00: the amend must say what they are
    assert "split" in invalid(state, Amend("T2", amount="60"))
    _, resplit = decide(state, Amend("T2", amount="60", split=("food=40", "home=20"))).events
    assert (resplit.amount, resplit.details["split"]) == (-6_000, "food=4000;home=2000")


def test_amend_of_a_transfer_takes_no_category() -> None:
    state = funded(OpenAccount("savings", D), Transfer("100", D, "checking", "savings"))  # T3
    assert "category" in invalid(state, Amend("T3", category="saving"))


# --- splits -------------------------------------------------------------------------------


def test_a_split_records_its_parts_in_minor_units_and_no_category() -> None:
    state = funded()
    decision = decide(state, WriteCheck("62.50", D, split=("food:groceries=50", "home=12.50")))
    [check] = decision.events
    assert check.amount == -6_250
    assert check.details["split"] == "food:groceries=5000;home=1250"
    assert "category" not in check.details
    assert "category_source" not in check.details
    apply(state, decision)
    assert (state.transactions["T2"].category, state.transactions["T2"].split) == (
        None,
        "food:groceries=5000;home=1250",
    )


def test_a_split_follows_the_account_currency() -> None:
    state = given(OpenAccount("yen", D, currency="JPY"))
    [deposit] = decide(state, Deposit("1,000", D, account="yen", split=("a=600", "b=400"))).events
    assert deposit.details["split"] == "a=600;b=400"
    assert "too many decimals" in invalid(
        state, Deposit("1000", D, account="yen", split=("a=600.5", "b=399.5"))
    )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            WriteCheck("50", D, split=("food=30", "home=10")),
            "the split adds up to 40.00, 10.00 short of the check's 50.00",
        ),
        (
            WriteCheck("50", D, split=("food=30", "home=20.01")),
            "the split adds up to 50.01, 0.01 more than the check's 50.00",
        ),
        (
            Deposit("1,234.56", D, split=("pay=1000", "bonus=234.55")),
            "the split adds up to 1,234.55, 0.01 short of the deposit's 1,234.56",
        ),
        (
            Withdraw("20", D, split=("cash=10", "fees=5", "tips=4")),
            "the split adds up to 19.00, 1.00 short of the withdrawal's 20.00",
        ),
    ],
    ids=["short", "more", "a cent short", "three parts"],
)
def test_a_split_that_does_not_add_up_is_denied_naming_the_difference(
    command: Command, message: str
) -> None:
    assert denial(funded(), command) == message


def test_a_split_that_does_not_add_up_opens_nothing() -> None:
    # the first entry of a ledger would open checking; denied, it records nothing at all
    state = State()
    assert "short of" in denial(state, Deposit("10", D, split=("a=5", "b=4")))
    assert state.accounts == {}


@pytest.mark.parametrize(
    ("split", "named"),
    [
        (("food=50",), "at least two parts"),
        (("food=30", "food=20"), "food twice"),
        (("food=30", "Home=20"), "'Home'"),
        (("food=30", "home:=20"), "'home:'"),
        (("food=30", "=20"), "''"),
        (("food=30", "home20"), "'home20'"),
        (("food=50", "home=0"), "zero"),
        (("food=55", "home=-5"), "negative"),
        (("food=49.999", "home=0.001"), "too many decimals"),
        (("food=thirty", "home=20"), "thirty"),
    ],
    ids=[
        "one part",
        "repeated",
        "uppercase",
        "empty level",
        "no name",
        "no =",
        "zero part",
        "negative part",
        "too many decimals",
        "not a number",
    ],
)
def test_bad_splits_are_invalid(split: tuple[str, ...], named: str) -> None:
    assert named in invalid(funded(), WriteCheck("50", D, split=split))


def test_a_category_and_a_split_together_are_invalid() -> None:
    message = invalid(funded(), WriteCheck("50", D, category="food", split=("a=25", "b=25")))
    assert "-c/--category" in message and "--split" in message


@pytest.mark.parametrize(
    "name",
    ["Food", "food groceries", "food:", ":food", "food::x", "café", "a" * 101, ""],
)
def test_bad_category_names_are_invalid_and_named(name: str) -> None:
    message = invalid(funded(), Deposit("1", D, category=name))
    assert repr(name) in message


@pytest.mark.parametrize("name", ["a" * 100, "food:groceries", "x_1-2:y:z", "9"])
def test_good_category_names_are_recorded_as_typed(name: str) -> None:
    assert category_of(funded(), Deposit("1", D, category=name)) == name


# --- rules --------------------------------------------------------------------------------


def test_a_rule_is_a_ledger_wide_event() -> None:
    decision = decide(funded(), AddRule("Shell", "car:fuel", day(2), payee="Shell"))
    assert [
        (e.ref, e.type, e.account, e.amount, e.balance, e.date, dict(e.details))
        for e in decision.events
    ] == [
        (
            "T2",
            RULE_ADDED,
            LEDGER_WIDE,
            0,
            0,
            day(2),
            {"rule": 1, "pattern": "Shell", "category": "car:fuel", "payee": "Shell"},
        ),
    ]


def test_rules_apply_in_the_order_they_were_added_and_removed_ones_no_longer() -> None:
    state = funded(
        AddRule("station", "travel", D),  # 1
        AddRule("shell", "car:fuel", D),  # 2
        AddRule("shell station", "car:wash", D),  # 3
    )
    check = WriteCheck("5", D, payee="Shell Station 12")
    assert category_of(state, check) == "travel"
    then(state, RemoveRule(1, D))
    assert category_of(state, check) == "car:fuel"
    then(state, RemoveRule(2, D))
    assert category_of(state, check) == "car:wash"
    then(state, RemoveRule(3, D))
    assert category_of(state, check) == UNCATEGORIZED
    assert state.rules == {}


def test_rule_ids_are_never_reused() -> None:
    state = funded(AddRule("a", "x", D), AddRule("b", "y", D))
    then(state, RemoveRule(2, D))
    assert details(state, AddRule("c", "z", D))["rule"] == 3
    then(state, AddRule("c", "z", D))
    then(state, RemoveRule(1, D))
    then(state, RemoveRule(3, D))
    assert state.rules == {}
    assert details(state, AddRule("d", "w", D))["rule"] == 4
    # a pattern removed may be added again, under a new id
    then(state, AddRule("b", "y", D))
    assert state.rules == {4: Rule(4, "b", "y", None)}


def test_a_duplicate_pattern_is_denied_in_any_case() -> None:
    state = funded(AddRule("Grocer", "food", D))
    assert denial(state, AddRule("GROCER", "home", D)) == (
        "rule 1 already matches 'Grocer' (category food); remove it first with "
        "`ledger rule remove 1`"
    )
    # a longer pattern is another rule
    then(state, AddRule("grocer outlet", "home", D))
    assert sorted(state.rules) == [1, 2]


def test_removing_a_rule_that_is_not_there_is_denied() -> None:
    state = funded(AddRule("a", "x", D), AddRule("b", "y", D), RemoveRule(1, D))
    assert denial(state, RemoveRule(1, D)) == "no rule 1 (rules: 2; `ledger rule list` shows them)"
    assert denial(state, RemoveRule(9, D)).startswith("no rule 9")
    assert denial(State(), RemoveRule(1, D)).startswith("no rule 1 (rules: none;")


@pytest.mark.parametrize("pattern", ["", "   ", "tab\there", "x" * 201])
def test_a_bad_pattern_is_invalid(pattern: str) -> None:
    assert "rule pattern" in invalid(funded(), AddRule(pattern, "food", D))


def test_a_rule_needs_a_valid_category() -> None:
    assert "'Food'" in invalid(funded(), AddRule("grocer", "Food", D))


# --- categorize ---------------------------------------------------------------------------


def test_categorize_records_the_new_category_and_moves_no_money() -> None:
    state = funded(WriteCheck("25", D, payee="Grocer"))  # T2: uncategorized
    decision = decide(state, Categorize("T2", day(3), category="food"))
    assert [
        (e.ref, e.type, e.account, e.amount, e.balance, e.date, dict(e.details))
        for e in decision.events
    ] == [
        (
            "T3",
            CATEGORIZED,
            "checking",
            0,
            97_500,
            day(3),
            {"categorizes": "T2", "category": "food"},
        ),
    ]
    apply(state, decision)
    assert state.accounts["checking"].balance == 97_500
    assert (state.transactions["T2"].category, state.transactions["T2"].split) == ("food", None)


def test_categorize_into_a_split_and_back() -> None:
    state = funded(WriteCheck("25", D, payee="Grocer", category="food"))  # T2
    then(state, Categorize("T2", D, split=("food=20", "home=5")))
    assert (state.transactions["T2"].category, state.transactions["T2"].split) == (
        None,
        "food=2000;home=500",
    )
    assert denial(state, Categorize("T2", D, split=("food=20", "home=4"))) == (
        "the split adds up to 24.00, 1.00 short of the entry's 25.00"
    )
    then(state, Categorize("T2", D, category="food"))
    assert (state.transactions["T2"].category, state.transactions["T2"].split) == ("food", None)


def test_categorize_changes_what_the_payee_memory_gives() -> None:
    state = funded(Deposit("100", D, payee="Acme", category="salary"))  # T2
    then(state, Categorize("T2", D, category="consulting"))
    decision = decide(state, Deposit("1", D, payee="ACME"))
    assert decision.events[0].details["category"] == "consulting"
    assert not str(decision.events[0].details.get("category_source")).startswith("from rule")


def test_categorize_is_not_bounded_by_a_sealed_period() -> None:
    """No balance changes, so a statement reconciled through a day does not bound it."""
    state = funded(WriteCheck("25", D, payee="Grocer"))  # T2
    evolve(
        state,
        Event(
            state.seq + 1,
            "T3",
            str(EventType.STATEMENT_RECONCILED),
            "checking",
            0,
            97_500,
            day(5),
            RECORDED,
            {"statement_balance": 97_500, "refs": "T1,T2"},
        ),
    )
    assert state.accounts["checking"].sealed_through == day(5)
    assert "reconciled" in denial(state, Void("T2"))  # a money change is bounded
    [event] = decide(state, Categorize("T2", day(2), category="food")).events
    assert (event.type, event.amount, event.details.get("forced")) == (CATEGORIZED, 0, None)


def categorize_book() -> State:
    """T1 deposit 1,000.00 (uncategorized); T2 savings opened; T3 a transfer to it; T4 a
    check (food) voided by T5; T6 a check (home); T7 a check from savings (misc), which T8
    then closes; T9 a split check; T10 a deposit (gift) voided by T11 and restored by T12."""
    return funded(
        OpenAccount("savings", D),  # T2
        Transfer("10", D, "checking", "savings"),  # T3
        WriteCheck("5", D, payee="Grocer", category="food"),  # T4
        Void("T4"),  # T5
        WriteCheck("7", D, payee="Plumber", category="home"),  # T6
        WriteCheck("10", D, payee="Shop", category="misc", account="savings"),  # T7
        CloseAccount("savings", D),  # T8
        WriteCheck("9", D, split=("food=4", "home=5")),  # T9
        Deposit("3", D, category="gift"),  # T10
        Void("T10"),  # T11
        Unvoid("T10"),  # T12
    )


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("T3", "T3 is a transfer between your own accounts; it has no category"),
        ("T5", "T5 is a void (of T4); it takes the category of what it voids"),
        ("T4", "T4 is voided (by T5); it counts in no report"),
        (
            "T2",
            "T2 moves no money "
            "(it opens, closes, clears, reconciles, categorizes, or sets a rule or budget); "
            "it has no category",
        ),
        (
            "T8",
            "T8 moves no money "
            "(it opens, closes, clears, reconciles, categorizes, or sets a rule or budget); "
            "it has no category",
        ),
        ("T12", "T12 reverses a void; categorize T10 instead"),
        ("T99", "no transaction 'T99'"),
    ],
    ids=["transfer", "void", "voided entry", "open", "close", "unvoid", "unknown"],
)
def test_categorize_denials(ref: str, message: str) -> None:
    assert denial(categorize_book(), Categorize(ref, D, category="other")) == message


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (Categorize("T6", D, category="home"), "T6 is already home; there is nothing to change"),
        (
            Categorize("T1", D, category=UNCATEGORIZED),
            "T1 is already uncategorized; there is nothing to change",
        ),
        (
            Categorize("T9", D, split=("food=4", "home=5")),
            "T9 is already split so; there is nothing to change",
        ),
    ],
    ids=["same category", "uncategorized", "same split"],
)
def test_categorize_denied_when_nothing_would_change(command: Command, message: str) -> None:
    assert denial(categorize_book(), command) == message


def test_categorize_denied_for_the_same_split_in_another_order() -> None:
    """The same parts in another order are the same split (SPEC 11: denied "when nothing
    would change")."""
    state = categorize_book()
    assert "nothing to change" in denial(state, Categorize("T9", D, split=("home=5", "food=4")))


def test_categorize_needs_a_category_or_a_split() -> None:
    assert "-c/--category" in invalid(categorize_book(), Categorize("T6", D))


def test_categorize_of_a_restored_entry_is_allowed() -> None:
    state = categorize_book()
    then(state, Categorize("T10", D, category="refunds"))
    assert state.transactions["T10"].category == "refunds"


# --- budgets ------------------------------------------------------------------------------


def test_a_budget_is_a_ledger_wide_event_in_minor_units() -> None:
    state = funded()
    decision = decide(state, SetBudget("food", "400", "2026-03", day(1)))
    assert [
        (e.type, e.account, e.amount, e.balance, e.date, dict(e.details)) for e in decision.events
    ] == [
        (
            BUDGET_SET,
            LEDGER_WIDE,
            0,
            0,
            day(1),
            {"category": "food", "budget": 40_000, "month": "2026-03", "currency": "USD"},
        ),
    ]
    apply(state, decision)
    assert state.budgets == {("food", "USD"): [("2026-03", 40_000)]}
    assert state.accounts["checking"].balance == 100_000


def test_a_budget_holds_from_its_month_on_and_zero_removes_it() -> None:
    state = funded(
        SetBudget("food", "400", "2026-03", D),
        SetBudget("food", "450.50", "2026-06", D),
    )
    then(state, SetBudget("food", "0", "2026-09", D))
    steps = state.budgets[("food", "USD")]
    assert [budget_in(steps, month) for month in ("2026-02", "2026-03", "2026-05")] == [
        0,
        40_000,
        40_000,
    ]
    assert [budget_in(steps, month) for month in ("2026-06", "2026-08", "2026-09", "2027-01")] == [
        45_050,
        45_050,
        0,
        0,
    ]
    # removed from September: nothing more to remove then, or later
    assert denial(state, SetBudget("food", "0", "2026-10", D)) == (
        "food has no budget in 2026-10; there is nothing to remove"
    )
    # a budget set again for the same month replaces that step
    then(state, SetBudget("food", "300", "2026-06", D))
    assert budget_in(state.budgets[("food", "USD")], "2026-07") == 30_000


def test_removing_a_budget_that_is_not_there_is_denied() -> None:
    assert denial(funded(), SetBudget("food", "0", "2026-03", D)) == (
        "food has no budget in 2026-03; there is nothing to remove"
    )
    # before the month a budget starts, there is none to remove either
    state = funded(SetBudget("food", "100", "2026-05", D))
    assert denial(state, SetBudget("food", "0.00", "2026-04", D)) == (
        "food has no budget in 2026-04; there is nothing to remove"
    )


def test_the_same_budget_again_is_denied() -> None:
    state = funded(SetBudget("food", "100", "2026-03", D))
    assert denial(state, SetBudget("food", "100.00", "2026-03", D)) == (
        "food already has a budget of 100.00 a month in 2026-03"
    )


def test_budgets_with_mixed_currencies_need_a_currency() -> None:
    state = funded(OpenAccount("euro", D, currency="EUR"))
    message = invalid(state, SetBudget("food", "100", "2026-03", D))
    assert "EUR and USD" in message and "--currency" in message
    assert details(state, SetBudget("food", "100", "2026-03", D, currency="eur"))["currency"] == (
        "EUR"
    )
    then(state, SetBudget("food", "100", "2026-03", D, currency="EUR"))
    then(state, SetBudget("food", "90", "2026-03", D, currency="USD"))
    # one budget per currency: removing the euro one leaves the dollar one
    then(state, SetBudget("food", "0", "2026-04", D, currency="EUR"))
    assert budget_in(state.budgets[("food", "EUR")], "2026-04") == 0
    assert budget_in(state.budgets[("food", "USD")], "2026-04") == 9_000


def test_a_budget_follows_its_currency_decimals() -> None:
    state = given(OpenAccount("yen", D, currency="JPY"))
    assert details(state, SetBudget("food", "30,000", "2026-03", D))["budget"] == 30_000
    assert "too many decimals" in invalid(state, SetBudget("food", "100.5", "2026-03", D))


def test_a_budget_on_an_empty_ledger_is_in_the_default_currency() -> None:
    assert details(State(), SetBudget("food", "10", "2026-03", D))["currency"] == "USD"


@pytest.mark.parametrize(
    ("command", "named"),
    [
        (SetBudget("food", "10", "2026-13", D), "'2026-13'"),
        (SetBudget("food", "10", "March", D), "'March'"),
        (SetBudget("food", "10", "1969-12", D), "1969-12 is before 1970"),
        (SetBudget("Food", "10", "2026-03", D), "'Food'"),
        (SetBudget("food", "-10", "2026-03", D), "negative"),
        (SetBudget("food", "ten", "2026-03", D), "'ten'"),
        (SetBudget("food", "10", "2026-03", D, currency="XYZ"), "'XYZ'"),
    ],
    ids=[
        "month 13",
        "not a month",
        "before 1970",
        "bad category",
        "negative",
        "not a number",
        "unknown currency",
    ],
)
def test_bad_budgets_are_invalid(command: Command, named: str) -> None:
    assert named in invalid(funded(), command)
