"""The decider: `decide(state, command)` returns the events a command causes, or raises a
denial. The state comes from state.py (`evolve`, `replay`). Nothing here touches a database,
a terminal or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ledger_cli.accounts import DEFAULT_ACCOUNT, check_account_name, unknown_account
from ledger_cli.commands import (
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    Transfer,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.errors import Denied, InvalidValue
from ledger_cli.events import EventType, NewEvent
from ledger_cli.money import (
    DEFAULT_CURRENCY,
    MAX_MINOR,
    currency,
    parse_amount,
)
from ledger_cli.state import AccountState, State


@dataclass(frozen=True)
class Decision:
    """The events to append, and warnings for the user that do not stop the command."""

    ref: str
    events: list[NewEvent]
    warnings: list[str] = field(default_factory=list)


def decide(state: State, command: Command) -> Decision:
    """Validate `command` against `state`: the events it causes, or Denied/InvalidValue."""
    plan = _Plan(state)
    match command:
        case OpenAccount():
            return _open(plan, command)
        case CloseAccount():
            return _close(plan, command)
        case Deposit():
            return _deposit(plan, command)
        case WriteCheck():
            return _check(plan, command)
        case Withdraw():
            return _withdraw(plan, command)
        case Transfer():
            return _transfer(plan, command)
        case Void():
            return _void(plan, command)


class _Plan:
    """Builds the events of one command, tracking the balances they lead to."""

    def __init__(self, state: State) -> None:
        self.state = state
        # One reference per command, numbered in the order the commands were accepted.
        self.ref = f"T{state.transaction_count + 1}"
        self.events: list[NewEvent] = []
        self.warnings: list[str] = []
        self.opened: dict[str, AccountState] = {}

    def account(self, name: str, *, on: date, auto_open: bool = False) -> AccountState:
        """The open account `name`; `checking` is opened on first use when `auto_open`."""
        check_account_name(name)
        found = self.state.accounts.get(name) or self.opened.get(name)
        if found is None and auto_open and name == DEFAULT_ACCOUNT:
            found = AccountState(
                name=name, currency=currency(DEFAULT_CURRENCY), overdraft_limit=0, opened_on=on
            )
            self.opened[name] = found
            self.add(
                EventType.ACCOUNT_OPENED,
                found,
                0,
                on,
                {"currency": found.currency.code, "overdraft_limit": 0},
            )
        if found is None:
            candidates = [*self.state.accounts, *([DEFAULT_ACCOUNT] if auto_open else [])]
            raise Denied(unknown_account(name, candidates))
        if found.closed:
            raise Denied(f"account '{name}' is closed")
        if on < found.opened_on:
            raise Denied(
                f"{name} was opened on {found.opened_on.isoformat()}; an entry dated "
                f"{on.isoformat()} would come before it"
            )
        return found

    def add(
        self,
        kind: EventType,
        account: AccountState,
        amount: int,
        on: date,
        details: Mapping[str, str | int | None],
    ) -> None:
        balance = self.balance(account) + amount
        if abs(balance) > MAX_MINOR:
            raise Denied(
                f"this would take the balance of {account.name} past the maximum of "
                f"{account.money(MAX_MINOR)}"
            )
        clean = {key: value for key, value in details.items() if value is not None}
        self.events.append(NewEvent(self.ref, kind, account.name, amount, balance, on, clean))

    def debit_allowed(self, account: AccountState, amount: int, what: str) -> None:
        available = self.balance(account) + account.overdraft_limit
        if amount > available:
            raise Denied(
                f"insufficient funds in {account.name} for {what} of {account.money(amount)}: "
                f"balance {account.money(self.balance(account))}, overdraft limit "
                f"{account.money(account.overdraft_limit)}"
            )

    def balance(self, account: AccountState) -> int:
        for event in reversed(self.events):
            if event.account == account.name:
                return event.balance
        return account.balance

    def decision(self) -> Decision:
        return Decision(self.ref, self.events, self.warnings)


def _text(value: str | None, what: str) -> str | None:
    """User text is stored as given, but it must be valid Unicode to be stored at all."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(f"{what} is not valid UTF-8 text") from None
    return value


def _open(plan: _Plan, cmd: OpenAccount) -> Decision:
    check_account_name(cmd.name)
    existing = plan.state.accounts.get(cmd.name)
    if existing is not None:
        state = " (closed)" if existing.closed else ""
        raise Denied(f"account '{cmd.name}' already exists{state}")
    cur = currency(cmd.currency)
    limit = parse_amount(cmd.overdraft_limit, cur, what="overdraft limit", allow_zero=True)
    account = AccountState(cmd.name, cur, limit, cmd.date)
    plan.add(
        EventType.ACCOUNT_OPENED,
        account,
        0,
        cmd.date,
        {"currency": cur.code, "overdraft_limit": limit},
    )
    return plan.decision()


def _close(plan: _Plan, cmd: CloseAccount) -> Decision:
    account = plan.account(cmd.name, on=cmd.date)
    if account.balance != 0:
        raise Denied(
            f"account '{cmd.name}' has a balance of {account.money(account.balance)}; "
            "only an account at 0 can be closed"
        )
    if account.last_entry_on is not None and cmd.date < account.last_entry_on:
        raise Denied(
            f"{cmd.name} has entries up to {account.last_entry_on.isoformat()}; it cannot be "
            f"closed on {cmd.date.isoformat()}, before them"
        )
    plan.add(EventType.ACCOUNT_CLOSED, account, 0, cmd.date, {})
    return plan.decision()


def _deposit(plan: _Plan, cmd: Deposit) -> Decision:
    account = plan.account(cmd.account, on=cmd.date, auto_open=True)
    amount = parse_amount(cmd.amount, account.currency)
    plan.add(
        EventType.FUNDS_DEPOSITED,
        account,
        amount,
        cmd.date,
        {"payee": _text(cmd.payee, "payee"), "memo": _text(cmd.memo, "memo")},
    )
    return plan.decision()


def _check(plan: _Plan, cmd: WriteCheck) -> Decision:
    account = plan.account(cmd.account, on=cmd.date, auto_open=True)
    amount = parse_amount(cmd.amount, account.currency)
    number = cmd.number
    if number is None:
        number = account.last_check + 1
    elif number <= 0:
        raise InvalidValue(f"check number {number} is not valid; it must be 1 or more")
    elif number <= account.last_check and (
        used := plan.state.checks.get((account.name, number))
    ):
        raise Denied(f"check number {number} is already used in {account.name} (ref {used})")
    plan.debit_allowed(account, amount, f"check {number}")
    plan.add(
        EventType.CHECK_WRITTEN,
        account,
        -amount,
        cmd.date,
        {"number": number, "payee": _text(cmd.payee, "payee"), "memo": _text(cmd.memo, "memo")},
    )
    return plan.decision()


def _withdraw(plan: _Plan, cmd: Withdraw) -> Decision:
    account = plan.account(cmd.account, on=cmd.date, auto_open=True)
    amount = parse_amount(cmd.amount, account.currency)
    plan.debit_allowed(account, amount, "a withdrawal")
    plan.add(
        EventType.CASH_WITHDRAWN, account, -amount, cmd.date, {"memo": _text(cmd.memo, "memo")}
    )
    return plan.decision()


def _transfer(plan: _Plan, cmd: Transfer) -> Decision:
    check_account_name(cmd.source)
    check_account_name(cmd.target)
    if cmd.source == cmd.target:
        raise Denied(f"cannot transfer from '{cmd.source}' to itself")
    source = plan.account(cmd.source, on=cmd.date, auto_open=True)
    target = plan.account(cmd.target, on=cmd.date, auto_open=True)
    if source.currency != target.currency:
        raise Denied(
            f"cannot transfer between {source.name} ({source.currency.code}) and "
            f"{target.name} ({target.currency.code}): the currencies differ"
        )
    amount = parse_amount(cmd.amount, source.currency)
    plan.debit_allowed(source, amount, "a transfer")
    memo = _text(cmd.memo, "memo")
    plan.add(EventType.TRANSFER_SENT, source, -amount, cmd.date, {"to": target.name, "memo": memo})
    plan.add(
        EventType.TRANSFER_RECEIVED, target, amount, cmd.date, {"from": source.name, "memo": memo}
    )
    return plan.decision()


def _void(plan: _Plan, cmd: Void) -> Decision:
    tx = plan.state.transactions.get(cmd.ref)
    if tx is None:
        raise Denied(f"no transaction '{cmd.ref}'")
    if tx.voids is not None:
        raise Denied(f"{cmd.ref} is itself a void (of {tx.voids}); it cannot be voided")
    if tx.voided_by is not None:
        raise Denied(f"{cmd.ref} was already voided by {tx.voided_by}")
    if not tx.entries:
        raise Denied(f"{cmd.ref} moves no money; there is nothing to void")
    on = cmd.date or tx.date
    if on < tx.date:
        raise Denied(
            f"a void of {cmd.ref} cannot be dated {on.isoformat()}, before the transaction "
            f"itself ({tx.date.isoformat()})"
        )
    reason = _text(cmd.reason, "reason")
    for name, amount in tx.entries:
        account = plan.account(name, on=on)
        plan.add(
            EventType.TRANSACTION_VOIDED, account, -amount, on, {"voids": cmd.ref, "reason": reason}
        )
        after = plan.balance(account)
        if after < -account.overdraft_limit:
            plan.warnings.append(
                f"the void leaves {name} at {account.money(after)}, below its overdraft limit "
                f"of {account.money(account.overdraft_limit)}"
            )
    return plan.decision()
