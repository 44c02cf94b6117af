"""The state a command is decided against, and how each stored event changes it.

`evolve(state, event)` folds one event in; `replay(events)` folds a whole log. No database, no
terminal, no clock. The same `State` serves two ways: filled by `replay` (tests, the model),
or loaded lazily from the read models of a ledger file (store/readmodels.py), so that a write
costs the same however long the log is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from ledger_cli.domain.events import MONEY_TYPES, Event, EventType, status_changes
from ledger_cli.domain.money import DEFAULT_CURRENCY, Currency, currency, format_amount

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class AccountState:
    name: str
    currency: Currency
    overdraft_limit: int
    opened_on: date
    balance: int = 0
    closed: bool = False
    last_entry_on: date | None = None
    last_check: int = 0  # the highest check number written in this account
    sealed_through: date | None = None  # the date of the last reconciled statement

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


class LazyMap(MutableMapping[K, V], Generic[K, V]):
    """A mapping that loads a missing key once, on first use, through `load` (which returns
    None for a key that does not exist). Iteration covers only what was loaded or set."""

    def __init__(self, load: Callable[[K], V | None]) -> None:
        self._load = load
        self._cache: dict[K, V | None] = {}

    def __getitem__(self, key: K) -> V:
        if key not in self._cache:
            self._cache[key] = self._load(key)
        value = self._cache[key]
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: K, value: V) -> None:
        self._cache[key] = value

    def __delitem__(self, key: K) -> None:
        self._cache[key] = None

    def forget(self) -> None:
        """Drop everything loaded or set: it is loaded again when asked for (once what was
        set is in the store, so that memory stays flat over a long batch of writes)."""
        self._cache.clear()

    def __iter__(self) -> Iterator[K]:
        return (key for key, value in self._cache.items() if value is not None)

    def __len__(self) -> int:
        return sum(1 for value in self._cache.values() if value is not None)


@dataclass
class State:
    """Everything `decide` needs, as of the last event folded in (`seq`).

    `checks` maps (account, check number) to the ref that wrote it; `transaction_count` numbers
    the next reference. `cleared` maps (ref, account) to the status of that entry: "" (not
    cleared), "c" (the bank has it) or "R" (reconciled with a statement); `statement_rows`
    maps (account, fingerprint) to the ref that cleared that bank statement row."""

    seq: int = 0
    accounts: dict[str, AccountState] = field(default_factory=dict)
    transactions: MutableMapping[str, Transaction] = field(default_factory=dict)
    checks: MutableMapping[tuple[str, int], str] = field(default_factory=dict)
    transaction_count: int = 0
    cleared: MutableMapping[tuple[str, str], str] = field(default_factory=dict)
    statement_rows: MutableMapping[tuple[str, str], str] = field(default_factory=dict)

    def status(self, ref: str, account: str) -> str:
        return self.cleared.get((ref, account)) or ""

    def forget_loaded(self) -> None:
        """Drop what was loaded lazily (see LazyMap.forget); a state that `replay` filled
        keeps everything."""
        for part in (self.transactions, self.checks, self.cleared, self.statement_rows):
            if isinstance(part, LazyMap):
                part.forget()


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
        state.transaction_count += 1
    if event.type in MONEY_TYPES:
        tx.entries.append((event.account, event.amount))
    if event.type == EventType.TRANSACTION_VOIDED:
        voided = str(event.details["voids"])
        tx.voids = voided
        target = state.transactions.get(voided)
        if target is not None:
            target.voided_by = event.ref
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
            number = int(event.details["number"])
            state.checks[(event.account, number)] = event.ref
            account.last_check = max(account.last_check, number)
    _evolve_status(state, event)
    return state


def _evolve_status(state: State, event: Event) -> None:
    for ref, status in status_changes(event.type, event.details):
        state.cleared[(ref, event.account)] = status
    if event.type == EventType.TRANSACTION_CLEARED and "fingerprint" in event.details:
        state.statement_rows[(event.account, str(event.details["fingerprint"]))] = event.ref
    if event.type == EventType.STATEMENT_RECONCILED:
        account = state.accounts.get(event.account)
        if account is not None and (
            account.sealed_through is None or event.date > account.sealed_through
        ):
            account.sealed_through = event.date


def replay(events: Iterable[Event]) -> State:
    """The state after `events`: a fold of `evolve`."""
    state = State()
    for event in events:
        evolve(state, event)
    return state
