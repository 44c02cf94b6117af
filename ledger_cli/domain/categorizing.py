"""The rules of where the money went (SPEC 11): the category a money entry gets, and the
commands that change categories, rules and budgets. The names, splits and rule matching are
categories.py; this decides commands into a plan. None of these events moves money, so a
period sealed by a statement does not bound them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ledger_cli.domain.categories import (
    UNCATEGORIZED,
    Rule,
    check_category,
    check_pattern,
    decode_split,
    encode_split,
    parse_split,
    resolve,
)
from ledger_cli.domain.commands import AddRule, Categorize, RemoveRule, SetBudget
from ledger_cli.domain.events import TRANSFER_TYPES, EventType
from ledger_cli.domain.money import DEFAULT_CURRENCY, currency, format_amount, parse_amount
from ledger_cli.domain.plan import Decision, Plan, text
from ledger_cli.domain.state import AccountState, Transaction
from ledger_cli.errors import Denied, InvalidValue

# What a transaction that moves no money is.
NO_MONEY = "it opens, closes, clears, reconciles, categorizes, or sets a rule or budget"

# The kinds of entry that carry a category: every money entry but a transfer.
CATEGORIZED_KINDS = (
    EventType.CASH_WITHDRAWN,
    EventType.CHECK_WRITTEN,
    EventType.FEE_CHARGED,
    EventType.FUNDS_DEPOSITED,
    EventType.INTEREST_PAID,
)


def entry_category(
    plan: Plan,
    account: AccountState,
    amount: int,
    category: str | None,
    split: Sequence[str],
    payee: str | None,
    what: str,
    source: str | None = None,
) -> dict[str, str]:
    """The details that record the category of a new entry of `amount` (minor units): the
    one given, the split given (its parts adding up to `amount`), else the first matching
    rule's, else the payee's last, else `uncategorized`. A category the user did not give
    records where it came from (`category_source`, as the result line says it), so that the
    log answers "why this category", and a repeat under --id prints the same line."""
    if category is not None and split:
        raise InvalidValue("give either -c/--category or --split, not both")
    if split:
        parts = parse_split(split, amount, account.currency, what)
        return {"split": encode_split(parts)}
    if category is not None:
        given = {"category": check_category(category)}
        return given if source is None else {**given, "category_source": source}
    chosen, found = resolve(plan.state.rules.values(), plan.state.payee_categories, payee)
    return {"category": chosen, "category_source": found}


def current_category(tx: Transaction) -> dict[str, str]:
    """The category details a void or an unvoid of `tx` carries: those of `tx` now (none for
    a transfer, which has no category)."""
    if tx.kind in TRANSFER_TYPES:
        return {}
    if tx.split is not None:
        return {"split": tx.split}
    return {"category": tx.category or UNCATEGORIZED}


def decide(plan: Plan, command: Categorize | AddRule | RemoveRule | SetBudget) -> Decision:
    match command:
        case Categorize():
            return _categorize(plan, command)
        case AddRule():
            return _add_rule(plan, command)
        case RemoveRule():
            return _remove_rule(plan, command)
    return _budget(plan, command)


def _categorize(plan: Plan, cmd: Categorize) -> Decision:
    if cmd.category is None and not cmd.split:
        raise InvalidValue("say which category: -c/--category NAME or --split CATEGORY=AMOUNT")
    text(cmd.ref, "the reference")
    tx = plan.state.transactions.get(cmd.ref)
    if tx is None:
        raise Denied(f"no transaction '{cmd.ref}'")
    if tx.voids is not None:
        raise Denied(
            f"{cmd.ref} is a void (of {tx.voids}); it takes the category of what it voids"
        )
    if tx.kind == EventType.VOID_REVERSED:
        raise Denied(
            f"{cmd.ref} reverses a void; categorize {tx.details.get('restores')} instead"
        )
    if tx.kind in TRANSFER_TYPES:
        raise Denied(
            f"{cmd.ref} is a transfer between your own accounts; it has no category"
        )
    if tx.kind not in CATEGORIZED_KINDS:
        raise Denied(f"{cmd.ref} moves no money ({NO_MONEY}); it has no category")
    if tx.voided_by is not None:
        raise Denied(f"{cmd.ref} is voided (by {tx.voided_by}); it counts in no report")
    name, signed = tx.entries[0]
    # A closed account's history may still be categorised: no money moves.
    account = plan.state.accounts[name]
    details = entry_category(
        plan, account, abs(signed), cmd.category, cmd.split, None, "the entry"
    )
    if _same(details, current_category(tx)):
        now = details.get("category") or "split so"
        raise Denied(f"{cmd.ref} is already {now}; there is nothing to change")
    plan.add(
        EventType.TRANSACTION_CATEGORIZED, account, 0, cmd.date, {"categorizes": tx.ref, **details}
    )
    return plan.decision()


def _same(one: dict[str, str], other: dict[str, str]) -> bool:
    """The same category, or the same split parts in any order."""
    if "split" in one and "split" in other:
        return sorted(decode_split(one["split"])) == sorted(decode_split(other["split"]))
    return one == other


def _add_rule(plan: Plan, cmd: AddRule) -> Decision:
    pattern = check_pattern(cmd.pattern)
    category = check_category(cmd.category)
    payee = text(cmd.payee, "payee")
    if payee is not None and not payee.strip():
        raise InvalidValue("--payee is empty; leave it out for a rule that sets no payee")
    for rule in plan.state.rules.values():
        if rule.pattern.casefold() == pattern.casefold():
            raise Denied(
                f"rule {rule.id} already matches {rule.pattern!r} (category {rule.category}); "
                f"remove it first with `ledger rule remove {rule.id}`"
            )
    rule = Rule(plan.state.rule_count + 1, pattern, category, payee or None)
    details: dict[str, str | int | None] = {
        "rule": rule.id, "pattern": rule.pattern, "category": rule.category, "payee": rule.payee,
    }
    plan.add_ledger_wide(EventType.RULE_ADDED, cmd.date, details)
    return plan.decision()


def _remove_rule(plan: Plan, cmd: RemoveRule) -> Decision:
    if cmd.id not in plan.state.rules:
        known = ", ".join(str(number) for number in plan.state.rules) or "none"
        raise Denied(f"no rule {cmd.id} (rules: {known}; `ledger rule list` shows them)")
    plan.add_ledger_wide(EventType.RULE_REMOVED, cmd.date, {"rule": cmd.id})
    return plan.decision()


_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def check_month(value: str, what: str = "--from") -> str:
    """A month as YYYY-MM."""
    found = _MONTH.fullmatch(value.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise InvalidValue(f"{what} {value!r} is not a month; use YYYY-MM (2026-03)")
    if int(found[1]) < 1970:
        raise InvalidValue(f"{what} {value} is before 1970, a likely typo")
    return value.strip()


def budget_in(steps: Sequence[tuple[str, int]], month: str) -> int:
    """The monthly budget in force in `month` (YYYY-MM), from its steps by first month; 0
    for none."""
    amount = 0
    for first, value in steps:
        if first <= month:
            amount = value
    return amount


def _budget(plan: Plan, cmd: SetBudget) -> Decision:
    category = check_category(cmd.category)
    month = check_month(cmd.month)
    code = _budget_currency(plan, cmd.currency)
    cur = currency(code)
    amount = parse_amount(cmd.amount, cur, what="budget", allow_zero=True)
    steps = plan.state.budgets.get((category, code), [])
    before = budget_in(steps, month)
    if amount == before:
        if amount == 0:
            raise Denied(f"{category} has no budget in {month}; there is nothing to remove")
        raise Denied(
            f"{category} already has a budget of {format_amount(amount, cur, grouping=True)} "
            f"a month in {month}"
        )
    details: dict[str, str | int | None] = {
        "category": category, "budget": amount, "month": month, "currency": code,
    }
    plan.add_ledger_wide(EventType.BUDGET_SET, cmd.date, details)
    return plan.decision()


def _budget_currency(plan: Plan, given: str | None) -> str:
    """The currency a budget is in: the one given, else that of the ledger's accounts (the
    default currency when there are none yet); with several, it must be given."""
    codes = sorted({account.currency.code for account in plan.state.accounts.values()})
    if given is not None:
        code = currency(given).code
        if codes and code not in codes:
            raise Denied(
                f"no account holds {code} (the accounts hold {', '.join(codes)}); a budget in "
                f"{code} would compare with nothing"
            )
        return code
    codes = sorted({account.currency.code for account in plan.state.accounts.values()})
    if len(codes) > 1:
        raise InvalidValue(
            f"the accounts hold {' and '.join(codes)}; say which with --currency"
        )
    return codes[0] if codes else DEFAULT_CURRENCY

