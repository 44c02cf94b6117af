"""The decider: `decide(state, command)` returns the events a command causes, or raises a
denial. The state comes from state.py (`evolve`, `replay`). Nothing here touches a database,
a terminal or the clock. The rules of the bank's side (clearing, statements) are in
clearing.py, those of the way back (void, unvoid, amend) in corrections.py; the checks every
event shares are the plan's (plan.py).
"""

from __future__ import annotations

from ledger_cli.domain import categorizing
from ledger_cli.domain.accounts import check_account_name
from ledger_cli.domain.categorizing import entry_category
from ledger_cli.domain.commands import (
    AddRule,
    Amend,
    AttachDocument,
    Categorize,
    ChargeFee,
    Clear,
    CloseAccount,
    Command,
    CreateSchedule,
    Deposit,
    DetachDocument,
    OpenAccount,
    PayInterest,
    PostOccurrence,
    ReconcileStatement,
    RemoveRule,
    SetBudget,
    SkipOccurrence,
    StopSchedule,
    Transfer,
    Unclear,
    Unvoid,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.events import EventType
from ledger_cli.domain.money import currency, parse_amount
from ledger_cli.domain.plan import Decision, Plan, text
from ledger_cli.domain.state import AccountState, State
from ledger_cli.errors import Denied, InvalidValue


def decide(state: State, command: Command) -> Decision:
    """Validate `command` against `state`: the events it causes, or Denied/InvalidValue."""
    return decide_in(Plan(state, force=getattr(command, "force", False)), command)


def decide_in(plan: Plan, command: Command) -> Decision:
    """Decide `command` into `plan`, after the events already in it."""
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
        case Void() | Unvoid() | Amend():
            from ledger_cli.domain import corrections  # the way back: only its commands load it

            return corrections.decide(plan, command, decide_in)
        case ChargeFee() | PayInterest():
            return _bank_entry(plan, command)
        case Categorize() | AddRule() | RemoveRule() | SetBudget():
            return categorizing.decide(plan, command)
        case CreateSchedule() | StopSchedule() | PostOccurrence() | SkipOccurrence():
            from ledger_cli.domain import scheduling  # what is coming: only its commands load it

            return scheduling.decide(plan, command, decide_in)
        case AttachDocument() | DetachDocument():
            from ledger_cli.domain import attaching  # receipts: only their commands load it

            return attaching.decide(plan, command)
        case Clear() | Unclear() | ReconcileStatement():
            from ledger_cli.domain import clearing  # the bank's side: only its commands load it

            return clearing.decide(plan, command)


def _open(plan: Plan, cmd: OpenAccount) -> Decision:
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


def _close(plan: Plan, cmd: CloseAccount) -> Decision:
    account = plan.account(cmd.name, on=cmd.date)
    if account.balance != 0:
        raise Denied(
            f"account '{cmd.name}' has a balance of {account.money(account.balance)}; "
            "only an account at 0 can be closed"
        )
    if cmd.date < account.opened_on:
        raise Denied(
            f"{cmd.name} was opened on {account.opened_on.isoformat()}; it cannot be closed "
            f"on {cmd.date.isoformat()}, before that"
        )
    if account.last_entry_on is not None and cmd.date < account.last_entry_on:
        raise Denied(
            f"{cmd.name} has entries up to {account.last_entry_on.isoformat()}; it cannot be "
            f"closed on {cmd.date.isoformat()}, before them"
        )
    plan.add(EventType.ACCOUNT_CLOSED, account, 0, cmd.date, {})
    return plan.decision()


def _deposit(plan: Plan, cmd: Deposit) -> Decision:
    account = plan.account(cmd.account, on=cmd.date, auto_open=True)
    amount = parse_amount(cmd.amount, account.currency)
    payee = text(cmd.payee, "payee")
    plan.add(
        EventType.FUNDS_DEPOSITED,
        account,
        amount,
        cmd.date,
        {
            "payee": payee,
            "memo": text(cmd.memo, "memo"),
            **entry_category(
                plan, account, amount, cmd.category, cmd.split, payee, "the deposit",
                cmd.category_source,
            ),
        },
    )
    return plan.decision()


def _check(plan: Plan, cmd: WriteCheck) -> Decision:
    account = plan.account(cmd.account, on=cmd.date, auto_open=True)
    amount = parse_amount(cmd.amount, account.currency)
    number = cmd.number
    if number is None:
        number = account.last_check + 1
    elif number <= 0:
        raise InvalidValue(f"check number {number} is not valid; it must be 1 or more")
    elif number <= account.last_check and (used := plan.check_holder(account.name, number)):
        raise Denied(f"check number {number} is already used in {account.name} (ref {used})")
    payee = text(cmd.payee, "payee")
    category = entry_category(
        plan, account, amount, cmd.category, cmd.split, payee, "the check", cmd.category_source
    )
    plan.debit_allowed(account, amount, f"check {number}", from_bank=cmd.from_bank)
    plan.add(
        EventType.CHECK_WRITTEN,
        account,
        -amount,
        cmd.date,
        {"number": number, "payee": payee, "memo": text(cmd.memo, "memo"), **category},
    )
    return plan.decision()


def _withdraw(plan: Plan, cmd: Withdraw) -> Decision:
    account = plan.account(cmd.account, on=cmd.date, auto_open=True)
    amount = parse_amount(cmd.amount, account.currency)
    payee = text(cmd.payee, "payee")
    category = entry_category(
        plan, account, amount, cmd.category, cmd.split, payee, "the withdrawal",
        cmd.category_source,
    )
    plan.debit_allowed(account, amount, "a withdrawal", from_bank=cmd.from_bank)
    plan.add(
        EventType.CASH_WITHDRAWN,
        account,
        -amount,
        cmd.date,
        {"payee": payee, "memo": text(cmd.memo, "memo"), **category},
    )
    return plan.decision()


def _transfer(plan: Plan, cmd: Transfer) -> Decision:
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
    memo = text(cmd.memo, "memo")
    plan.add(EventType.TRANSFER_SENT, source, -amount, cmd.date, {"to": target.name, "memo": memo})
    plan.add(
        EventType.TRANSFER_RECEIVED, target, amount, cmd.date, {"from": source.name, "memo": memo}
    )
    return plan.decision()


def _bank_entry(plan: Plan, cmd: ChargeFee | PayInterest) -> Decision:
    """A fee or interest: the bank already moved the money, so a fee is recorded even below
    the overdraft limit, with a warning."""
    account = plan.account(cmd.account, on=cmd.date, auto_open=True)
    amount = parse_amount(cmd.amount, account.currency)
    payee = text(cmd.payee, "payee")
    what = "the interest" if isinstance(cmd, PayInterest) else "the fee"
    details = {
        "payee": payee,
        "memo": text(cmd.memo, "memo"),
        **entry_category(
            plan, account, amount, cmd.category, cmd.split, payee, what, cmd.category_source
        ),
    }
    if isinstance(cmd, PayInterest):
        plan.add(EventType.INTEREST_PAID, account, amount, cmd.date, details)
        return plan.decision()
    plan.add(EventType.FEE_CHARGED, account, -amount, cmd.date, details)
    plan.warn_below_limit(account, "the fee")
    return plan.decision()
