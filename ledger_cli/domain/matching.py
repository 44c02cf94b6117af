"""Matching a bank statement's rows to the register: which uncleared entry a row is, and
which command a row that matches nothing becomes. Pure: no database, no terminal."""

from __future__ import annotations

import re

from ledger_cli.domain.categories import Rule, rule_source
from ledger_cli.domain.commands import (
    ChargeFee,
    Command,
    Deposit,
    PayInterest,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.events import EventType
from ledger_cli.domain.money import Currency
from ledger_cli.domain.statements import Entry, StatementRow
from ledger_cli.errors import InvalidValue

_FEE = re.compile(r"\b(fee|fees|charge|service charge)\b", re.IGNORECASE)
_INTEREST = re.compile(r"\binterest\b", re.IGNORECASE)


def best_match(
    row: StatementRow, candidates: list[Entry], window: int
) -> tuple[Entry, str] | None:
    """The uncleared entry `row` is, and why: the same amount, and the same check number when
    both have one (then any date), else a date within `window` days; the nearest date wins,
    then the earliest entry."""
    day = row.date
    if day is None or row.amount is None or row.problem is not None:
        return None  # a row that cannot be read is nothing in the register
    best: tuple[int, int, Entry, str] | None = None
    for entry in candidates:
        if entry.amount != row.amount:
            continue
        gap = abs((entry.date - day).days)
        if row.number is not None and entry.number is not None:
            if row.number != entry.number:
                continue
            reason = f"same amount and check number {row.number}"
            if gap:
                reason += f" (dates {gap} day{'s' if gap != 1 else ''} apart)"
            rank = (0, gap)
        elif gap <= window:
            reason = "same amount, " + (
                "same date" if gap == 0 else f"dates {gap} day{'s' if gap != 1 else ''} apart"
            )
            rank = (1, gap)
        else:
            continue
        if best is None or (rank[0], rank[1], entry.seq) < (best[0], best[1], best[2].seq):
            best = (rank[0], rank[1], entry, reason)
    return (best[2], best[3]) if best else None


def command_for(
    row: StatementRow, account: str, cur: Currency, rule: Rule | None = None
) -> Command:
    """The transaction a statement row that matches nothing in the register stands for; the
    `rule` its description matched gives its category, and its payee when the rule has one
    (without a rule the decider chooses, from the payee's last category)."""
    day, signed = row.date, row.amount
    if day is None or signed is None or row.problem is not None:
        raise InvalidValue(row.problem or "the row cannot be read")
    amount = _amount(abs(signed), cur)
    described = row.description or None
    payee = (rule.payee if rule is not None else None) or described
    category = rule.category if rule is not None else None
    source = rule_source(rule) if rule is not None else None
    if signed > 0:
        if _INTEREST.search(row.description):
            return PayInterest(
                amount, day, account, payee, category=category, category_source=source
            )
        return Deposit(amount, day, account, payee, category=category, category_source=source)
    if row.number is not None:
        return WriteCheck(
            amount, day, account, row.number, payee, from_bank=True, category=category,
            category_source=source,
        )
    if _FEE.search(row.description):
        return ChargeFee(amount, day, account, payee, category=category, category_source=source)
    return Withdraw(
        amount, day, account, described, from_bank=True, category=category,
        payee=rule.payee if rule is not None else None, category_source=source,
    )


def _amount(minor: int, cur: Currency) -> str:
    """Minor units back to the text a command takes (the decider parses it again)."""
    digits = cur.decimals
    if digits == 0:
        return str(minor)
    return f"{minor // 10**digits}.{minor % 10**digits:0{digits}d}"


def kind_of(command: Command) -> str:
    match command:
        case PayInterest():
            return str(EventType.INTEREST_PAID)
        case Deposit():
            return str(EventType.FUNDS_DEPOSITED)
        case WriteCheck():
            return str(EventType.CHECK_WRITTEN)
        case ChargeFee():
            return str(EventType.FEE_CHARGED)
    return str(EventType.CASH_WITHDRAWN)
