"""The decider: `decide(state, command)` returns the events a command causes, or raises a
denial. The state comes from state.py (`evolve`, `replay`). Nothing here touches a database,
a terminal or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import NamedTuple

from ledger_cli.domain.accounts import DEFAULT_ACCOUNT, check_account_name, unknown_account
from ledger_cli.domain.commands import (
    ChargeFee,
    Clear,
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    PayInterest,
    ReconcileStatement,
    Transfer,
    Unclear,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.events import MONEY_TYPES, EventType, NewEvent
from ledger_cli.domain.mismatch import StatementDoesNotMatch, StatementMismatch, likely_causes
from ledger_cli.domain.money import (
    DEFAULT_CURRENCY,
    MAX_MINOR,
    currency,
    parse_amount,
    parse_signed,
)
from ledger_cli.domain.state import AccountState, State
from ledger_cli.errors import Denied, InvalidValue


class Decision(NamedTuple):
    """The events to append, and warnings for the user that do not stop the command."""

    ref: str
    events: list[NewEvent]
    warnings: list[str]


def decide(state: State, command: Command) -> Decision:
    """Validate `command` against `state`: the events it causes, or Denied/InvalidValue."""
    plan = _Plan(state, force=getattr(command, "force", False))
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
        case ChargeFee() | PayInterest():
            return _bank_entry(plan, command)
        case Clear():
            return _clear(plan, command)
        case Unclear():
            return _unclear(plan, command)
        case ReconcileStatement():
            return _reconcile_statement(plan, command)


class _Plan:
    """Builds the events of one command, tracking the balances they lead to."""

    def __init__(self, state: State, force: bool = False) -> None:
        self.state = state
        self.force = force  # --force: write into a period sealed by a reconciled statement
        self.statuses: dict[tuple[str, str], str] = {}  # set by this command's events
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
        if kind in MONEY_TYPES and account.sealed_through and on <= account.sealed_through:
            if not self.force:
                raise Denied(
                    f"{account.name} is reconciled with a statement through "
                    f"{account.sealed_through.isoformat()}; an entry dated {on.isoformat()} "
                    "would change that period (use --force to record it anyway; it is flagged)"
                )
            clean["forced"] = 1
        self.events.append(NewEvent(self.ref, kind, account.name, amount, balance, on, clean))

    def debit_allowed(
        self, account: AccountState, amount: int, what: str, *, from_bank: bool = False
    ) -> None:
        """Deny a debit the user starts beyond balance + overdraft limit. One the bank's
        statement already shows (`from_bank`) happened: it is recorded, with a warning."""
        available = self.balance(account) + account.overdraft_limit
        if amount > available and from_bank:
            self.warnings.append(
                f"{what} of {account.money(amount)} from the bank's statement takes "
                f"{account.name} below its overdraft limit of "
                f"{account.money(account.overdraft_limit)}"
            )
        elif amount > available:
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

    def status(self, ref: str, account: str) -> str:
        return self.statuses.get((ref, account), self.state.status(ref, account))

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
    plan.debit_allowed(account, amount, f"check {number}", from_bank=cmd.from_bank)
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
    plan.debit_allowed(account, amount, "a withdrawal", from_bank=cmd.from_bank)
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
    _text(cmd.ref, "the reference")
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


def _bank_entry(plan: _Plan, cmd: ChargeFee | PayInterest) -> Decision:
    """A fee or interest: the bank already moved the money, so a fee is recorded even below
    the overdraft limit, with a warning."""
    account = plan.account(cmd.account, on=cmd.date, auto_open=True)
    amount = parse_amount(cmd.amount, account.currency)
    details = {"payee": _text(cmd.payee, "payee"), "memo": _text(cmd.memo, "memo")}
    if isinstance(cmd, PayInterest):
        plan.add(EventType.INTEREST_PAID, account, amount, cmd.date, details)
        return plan.decision()
    plan.add(EventType.FEE_CHARGED, account, -amount, cmd.date, details)
    after = plan.balance(account)
    if after < -account.overdraft_limit:
        plan.warnings.append(
            f"the fee leaves {account.name} at {account.money(after)}, below its overdraft "
            f"limit of {account.money(account.overdraft_limit)}"
        )
    return plan.decision()


def _entry_accounts(plan: _Plan, ref: str, only: str | None) -> tuple[date, list[str]]:
    """The date of `ref`, and the accounts whose entries of it a clear or unclear concerns."""
    _text(ref, "the reference")
    tx = plan.state.transactions.get(ref)
    if tx is None:
        raise Denied(f"no transaction '{ref}'")
    if not tx.entries:
        raise Denied(f"{ref} moves no money; there is nothing the bank could have")
    names = list(dict.fromkeys(name for name, _ in tx.entries))
    if only is not None:
        check_account_name(only)
        if only not in names:
            raise Denied(f"{ref} has no entry in {only} (it has: {', '.join(names)})")
        return tx.date, [only]
    return tx.date, names


def _clear(plan: _Plan, cmd: Clear) -> Decision:
    if not cmd.refs:
        raise InvalidValue("give at least one reference to clear")
    fingerprints = cmd.fingerprints or (None,) * len(cmd.refs)
    for ref, fingerprint in zip(cmd.refs, fingerprints, strict=True):
        tx_date, names = _entry_accounts(plan, ref, cmd.account)
        if cmd.date < tx_date:
            raise Denied(
                f"{ref} is dated {tx_date.isoformat()}; the bank cannot have had it on "
                f"{cmd.date.isoformat()}"
            )
        for name in names:
            status = plan.status(ref, name)
            if status:
                what = "reconciled" if status == "R" else "cleared"
                raise Denied(f"{ref} is already {what} in {name}")
            account = plan.account(name, on=cmd.date)  # on or after the entry, so the opening
            plan.add(
                EventType.TRANSACTION_CLEARED,
                account,
                0,
                cmd.date,
                {"clears": ref, "fingerprint": fingerprint},
            )
            plan.statuses[(ref, name)] = "c"
    return plan.decision()


def _unclear(plan: _Plan, cmd: Unclear) -> Decision:
    if not cmd.refs:
        raise InvalidValue("give at least one reference to unclear")
    for ref in cmd.refs:
        for name in _entry_accounts(plan, ref, cmd.account)[1]:
            status = plan.status(ref, name)
            if not status:
                raise Denied(f"{ref} is not cleared in {name}")
            account = plan.account(name, on=max(cmd.date, plan.state.accounts[name].opened_on))
            details: dict[str, str | int | None] = {"unclears": ref}
            if status == "R":
                if not plan.force:
                    raise Denied(
                        f"{ref} is reconciled with a statement in {name}; unclearing it "
                        "changes a sealed period (use --force to do it anyway; it is flagged)"
                    )
                details["forced"] = 1
            plan.add(EventType.TRANSACTION_UNCLEARED, account, 0, cmd.date, details)
            plan.statuses[(ref, name)] = ""
    return plan.decision()


def _reconcile_statement(plan: _Plan, cmd: ReconcileStatement) -> Decision:
    account = plan.account(cmd.account, on=cmd.date)
    statement = parse_signed(cmd.balance, account.currency, "--statement-balance")
    if account.sealed_through is not None and cmd.date <= account.sealed_through:
        raise Denied(
            f"{account.name} is already reconciled through "
            f"{account.sealed_through.isoformat()}; a statement must end after that"
        )
    entries = [entry for entry in cmd.entries if entry.date <= cmd.date]
    cleared = sum(entry.amount for entry in entries if entry.status)
    if cleared != statement:
        outstanding = [entry for entry in entries if not entry.status and not entry.void]
        mismatch = StatementMismatch(
            cleared, statement, outstanding, likely_causes(account, entries, statement - cleared)
        )
        raise StatementDoesNotMatch(account, mismatch)
    refs = [entry.ref for entry in entries if entry.status == "c"]
    plan.add(
        EventType.STATEMENT_RECONCILED,
        account,
        0,
        cmd.date,
        {"statement_balance": statement, "refs": ",".join(dict.fromkeys(refs))},
    )
    return plan.decision()
