"""The state a command is decided against, and how each stored event changes it.

`evolve(state, event)` folds one event in; `replay(events)` folds a whole log. No database, no
terminal, no clock. The same `State` serves two ways: filled by `replay` (tests, the model),
or loaded lazily from the read models of a ledger file (store/readmodels.py), so that a write
costs the same however long the log is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import date
from typing import TYPE_CHECKING, Generic, TypeVar

from ledger_cli.domain.categories import UNCATEGORIZED, Rule, budget_step, payee_key
from ledger_cli.domain.events import (
    CATEGORY_TYPES,
    DOCUMENT_TYPES,
    MONEY_TYPES,
    SCHEDULE_TYPES,
    Event,
    EventType,
    status_changes,
)
from ledger_cli.domain.money import DEFAULT_CURRENCY, Currency, format_amount, stored_currency

if TYPE_CHECKING:
    from ledger_cli.domain.documents import Attachment
    from ledger_cli.domain.schedules import Schedule

K = TypeVar("K")
V = TypeVar("V")


class _Fields:
    """Equality and a readable repr over `__slots__`. (The state's classes are written out
    rather than made by `dataclasses`: every write's start-up pays for defining them, and a
    generated dataclass costs several times a plain class.)"""

    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class AccountState(_Fields):
    __slots__ = (
        "name",
        "currency",
        "overdraft_limit",
        "opened_on",
        "balance",
        "closed",
        "last_entry_on",
        "last_check",
        "sealed_through",
    )

    def __init__(
        self,
        name: str,
        currency: Currency,
        overdraft_limit: int,
        opened_on: date,
        balance: int = 0,
        closed: bool = False,
        last_entry_on: date | None = None,
        last_check: int = 0,
        sealed_through: date | None = None,
    ) -> None:
        self.name = name
        self.currency = currency
        self.overdraft_limit = overdraft_limit
        self.opened_on = opened_on
        self.balance = balance
        self.closed = closed
        self.last_entry_on = last_entry_on
        self.last_check = last_check  # the highest check number written in this account
        self.sealed_through = sealed_through  # the date of the last reconciled statement

    def money(self, minor: int) -> str:
        return format_amount(minor, self.currency, grouping=True)


class Transaction(_Fields):
    """What one command did to the money: its entries (account, signed amount), the type and
    details of its first money-moving event (what `void` names and `amend` copies), and how
    it relates to voids: `voids` (this is a void of that ref), `voided_by` (the void that
    cancels this one now; None again once that void is reversed); and its category or split
    as it stands now."""

    __slots__ = (
        "ref", "date", "entries", "voids", "voided_by", "kind", "details", "category", "split"
    )

    def __init__(
        self,
        ref: str,
        date: date,
        entries: list[tuple[str, int]] | None = None,
        voids: str | None = None,
        voided_by: str | None = None,
        kind: str | None = None,
        details: Mapping[str, str | int] | None = None,
        category: str | None = None,
        split: str | None = None,
    ) -> None:
        self.ref = ref
        self.date = date
        self.entries: list[tuple[str, int]] = [] if entries is None else entries
        self.voids = voids
        self.voided_by = voided_by
        self.kind = kind
        self.details: Mapping[str, str | int] = {} if details is None else details
        # Its category or split now (a TransactionCategorized after it sets them again).
        self.category = category
        self.split = split


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


class State(_Fields):
    """Everything `decide` needs, as of the last event folded in (`seq`).

    `checks` maps (account, check number) to the ref that wrote it; `transaction_count` numbers
    the next reference. `cleared` maps (ref, account) to the status of that entry: "" (not
    cleared), "c" (the bank has it) or "R" (reconciled with a statement); `statement_rows`
    maps (account, fingerprint) to the ref that cleared that bank statement row.

    Where the money went: `rules` (id -> Rule, in the order added; `rule_count` numbers the
    next), `payee_categories` (a payee, case-folded -> the category last used with it) and
    `budgets` ((category, currency) -> [(first month, monthly amount)], by month).

    What is coming: `schedules` (name -> Schedule, stopped ones included: names are never
    reused) and `occurrences` ((schedule, day) -> (ref, "posted" or "skipped")) for each
    occurrence already posted or skipped.

    Receipts: `documents` (ref -> the documents attached to it now, in the order attached)."""

    __slots__ = (
        "seq",
        "accounts",
        "transactions",
        "checks",
        "transaction_count",
        "cleared",
        "statement_rows",
        "rules",
        "rule_count",
        "payee_categories",
        "budgets",
        "schedules",
        "occurrences",
        "documents",
    )

    def __init__(
        self,
        seq: int = 0,
        accounts: dict[str, AccountState] | None = None,
        transaction_count: int = 0,
    ) -> None:
        self.seq = seq
        self.accounts: dict[str, AccountState] = {} if accounts is None else accounts
        self.transactions: MutableMapping[str, Transaction] = {}
        self.checks: MutableMapping[tuple[str, int], str] = {}
        self.transaction_count = transaction_count
        self.cleared: MutableMapping[tuple[str, str], str] = {}
        self.statement_rows: MutableMapping[tuple[str, str], str] = {}
        self.rules: dict[int, Rule] = {}
        self.rule_count = 0
        self.payee_categories: MutableMapping[str, str] = {}
        self.budgets: dict[tuple[str, str], list[tuple[str, int]]] = {}
        self.schedules: MutableMapping[str, Schedule] = {}
        self.occurrences: MutableMapping[tuple[str, str], tuple[str, str]] = {}
        self.documents: MutableMapping[str, tuple[Attachment, ...]] = {}

    def status(self, ref: str, account: str) -> str:
        return self.cleared.get((ref, account)) or ""

    def forget_loaded(self) -> None:
        """Drop what was loaded lazily (see LazyMap.forget); a state that `replay` filled
        keeps everything."""
        parts = (
            self.transactions, self.checks, self.cleared, self.statement_rows,
            self.payee_categories, self.schedules, self.occurrences, self.documents,
        )
        for part in parts:
            if isinstance(part, LazyMap):
                part.forget()


def evolve(state: State, event: Event) -> State:
    """Fold one stored event into the state. The state is updated in place and returned,
    so that replaying a long log costs no copies."""
    state.seq = event.seq
    if event.type == EventType.ACCOUNT_OPENED:
        state.accounts[event.account] = AccountState(
            name=event.account,
            currency=stored_currency(event.details.get("currency", DEFAULT_CURRENCY)),
            overdraft_limit=int(event.details.get("overdraft_limit", 0)),
            opened_on=event.date,
        )
    tx = state.transactions.get(event.ref)
    if tx is None:
        tx = state.transactions[event.ref] = Transaction(ref=event.ref, date=event.date)
        state.transaction_count += 1
    if event.type in MONEY_TYPES:
        if not tx.entries:
            tx.kind, tx.details = event.type, event.details
            tx.category, tx.split = _category_of(event.details)
            _remember_payee(state, event.type, event.details, tx.category)
            if "occurrence" in event.details:
                key = (str(event.details["schedule"]), str(event.details["occurrence"]))
                state.occurrences.setdefault(key, (event.ref, "posted"))
        tx.entries.append((event.account, event.amount))
    elif event.type in CATEGORY_TYPES:
        _evolve_categories(state, event)
    elif event.type in SCHEDULE_TYPES:
        _evolve_schedules(state, event)
    elif event.type in DOCUMENT_TYPES:
        from ledger_cli.domain.documents import fold  # only a document's events load it

        fold(state.documents, event.seq, event.recorded_at, event.type, event.details)
    if event.type == EventType.TRANSACTION_VOIDED:
        voided = str(event.details["voids"])
        tx.voids = voided
        target = state.transactions.get(voided)
        if target is not None:
            target.voided_by = event.ref
    elif event.type == EventType.VOID_REVERSED:
        restored = str(event.details["restores"])
        target = state.transactions.get(restored)
        if target is not None:
            target.voided_by = None
        if "number" in event.details:
            # The restored check holds its number again.
            state.checks[(event.account, int(event.details["number"]))] = restored
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


def _category_of(details: Mapping[str, str | int]) -> tuple[str | None, str | None]:
    category, split = details.get("category"), details.get("split")
    return (
        None if category is None else str(category),
        None if split is None else str(split),
    )


def _remember_payee(
    state: State, kind: str, details: Mapping[str, str | int], category: str | None
) -> None:
    """The category last used with a payee: an entry's own (not a void's, which repeats it,
    and not `uncategorized`, which is no choice at all)."""
    payee = details.get("payee")
    if (
        payee
        and category
        and category != UNCATEGORIZED
        and kind not in (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)
    ):
        state.payee_categories[payee_key(str(payee))] = category


def _evolve_categories(state: State, event: Event) -> None:
    details = event.details
    if event.type == EventType.TRANSACTION_CATEGORIZED:
        target = state.transactions.get(str(details["categorizes"]))
        if target is not None:
            target.category, target.split = _category_of(details)
            _remember_payee(state, str(target.kind), target.details, target.category)
    elif event.type == EventType.RULE_ADDED:
        rule = Rule.from_details(details)
        state.rules[rule.id] = rule
        state.rule_count = max(state.rule_count, rule.id)
    elif event.type == EventType.RULE_REMOVED:
        state.rules.pop(int(details["rule"]), None)
    elif event.type == EventType.BUDGET_SET:
        key, month, amount = budget_step(details)
        kept = [step for step in state.budgets.get(key, []) if step[0] != month]
        state.budgets[key] = sorted([*kept, (month, amount)])


def _evolve_schedules(state: State, event: Event) -> None:
    details = event.details
    if event.type == EventType.OCCURRENCE_SKIPPED:
        key = (str(details["schedule"]), str(details["occurrence"]))
        state.occurrences.setdefault(key, (event.ref, "skipped"))
        return
    from ledger_cli.domain.schedules import evolve_schedule  # only a schedule's events load it

    evolve_schedule(state.schedules, event.type, details)


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
