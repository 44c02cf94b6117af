"""The state a command is decided against, and how each stored event changes it.

`evolve(state, event)` folds one event in; `replay(events)` folds a whole log. No database, no
terminal, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ledger_cli.events import MONEY_TYPES, Event, EventType
from ledger_cli.money import DEFAULT_CURRENCY, Currency, currency, format_amount


@dataclass
class AccountState:
    name: str
    currency: Currency
    overdraft_limit: int
    opened_on: date
    balance: int = 0
    closed: bool = False
    last_entry_on: date | None = None
    check_numbers: dict[int, str] = field(default_factory=dict)

    def money(self, minor: int) -> str:
        return format_amount(minor, self.currency, grouping=True)


@dataclass
class Transaction:
    """What one command did to the money: its entries, and how it relates to voids."""

    ref: str
    date: date
    entries: list[tuple[str, int]] = field(default_factory=list)
    voids: str | None = None
    voided_by: str | None = None


@dataclass
class State:
    """Everything `decide` needs, as of the last event folded in (`seq`)."""

    seq: int = 0
    accounts: dict[str, AccountState] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)


def evolve(state: State, event: Event) -> State:
    """Fold one stored event into the state. The state is updated in place and returned,
    so that replaying a long log costs no copies."""
    state.seq = event.seq
    if event.type == EventType.ACCOUNT_OPENED:
        state.accounts[event.account] = AccountState(
            name=event.account,
            currency=currency(str(event.details.get("currency", DEFAULT_CURRENCY))),
            overdraft_limit=int(event.details.get("overdraft_limit", 0)),
            opened_on=event.date,
        )
    tx = state.transactions.get(event.ref)
    if tx is None:
        tx = state.transactions[event.ref] = Transaction(ref=event.ref, date=event.date)
    if event.type in MONEY_TYPES:
        tx.entries.append((event.account, event.amount))
    if event.type == EventType.TRANSACTION_VOIDED:
        voided = str(event.details["voids"])
        tx.voids = voided
        if voided in state.transactions:
            state.transactions[voided].voided_by = event.ref
    account = state.accounts.get(event.account)
    if account is not None:
        account.balance = event.balance
        if event.type == EventType.ACCOUNT_CLOSED:
            account.closed = True
        if event.type in MONEY_TYPES and (
            account.last_entry_on is None or event.date > account.last_entry_on
        ):
            account.last_entry_on = event.date
        if event.type == EventType.CHECK_WRITTEN and "number" in event.details:
            account.check_numbers[int(event.details["number"])] = event.ref
    return state


def replay(events: Iterable[Event]) -> State:
    """The state after `events`: a fold of `evolve`."""
    state = State()
    for event in events:
        evolve(state, event)
    return state
