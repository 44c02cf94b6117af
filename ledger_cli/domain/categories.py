"""Categories (SPEC 11): what a money entry was for. Names, splits, rules, and how an entry
without `-c` gets its category. No database, no terminal.

A category is a path of levels, `food:groceries`; a parent (`food`) covers its children. An
entry carries one category, or a split: parts in several categories that add up to its amount
exactly, stored as `food:groceries=3000;home=1250` (minor units). A void and the reversal of a
void carry the category of what they concern, so that a voided entry counts in no report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from ledger_cli.domain.money import Currency, format_amount, parse_amount
from ledger_cli.errors import Denied, InvalidValue

UNCATEGORIZED = "uncategorized"
MAX_LENGTH = 100
_NAME = re.compile(r"[a-z0-9_-]+(?::[a-z0-9_-]+)*")


def check_category(name: str) -> str:
    """A category name as typed: 1 to 100 lowercase letters, digits, `-` and `_`, levels
    separated by `:`; else InvalidValue naming it."""
    if not (0 < len(name) <= MAX_LENGTH and _NAME.fullmatch(name)):
        raise InvalidValue(
            f"category {name!r} is not valid; use 1 to {MAX_LENGTH} lowercase letters, digits, "
            "'-' and '_', with ':' between levels (food:groceries)"
        )
    return name


def levels(name: str) -> list[str]:
    """The category and its parents, outermost first: `a:b:c` -> a, a:b, a:b:c."""
    parts = name.split(":")
    return [":".join(parts[: i + 1]) for i in range(len(parts))]


def within(name: str, prefix: str) -> bool:
    """Whether `name` is `prefix` or one of its descendants."""
    return name == prefix or name.startswith(prefix + ":")


# -- splits --------------------------------------------------------------------------------------

Parts = tuple[tuple[str, int], ...]


def parse_split(given: Sequence[str], amount: int, cur: Currency, what: str) -> Parts:
    """The parts of `--split CATEGORY=AMOUNT ...` for an entry of `amount` (minor units, > 0):
    each positive, categories not repeated, adding up to `amount` exactly; else a denial that
    names the difference."""
    parts: dict[str, int] = {}
    for text in given:
        name, sep, typed = text.partition("=")
        if not sep:
            raise InvalidValue(f"split part {text!r} is not CATEGORY=AMOUNT (food:groceries=30)")
        check_category(name.strip())
        if name.strip() in parts:
            raise InvalidValue(f"split names {name.strip()} twice; give each category once")
        parts[name.strip()] = parse_amount(typed.strip(), cur, what=f"split part {name.strip()}")
    if len(parts) < 2:
        raise InvalidValue("a split needs at least two parts; for one category use -c")
    total = sum(parts.values())
    if total != amount:
        gap = abs(amount - total)
        side = "short of" if total < amount else "more than"
        raise Denied(
            f"the split adds up to {format_amount(total, cur, grouping=True)}, "
            f"{format_amount(gap, cur, grouping=True)} {side} {what}'s "
            f"{format_amount(amount, cur, grouping=True)}"
        )
    return tuple(parts.items())


def encode_split(parts: Parts) -> str:
    return ";".join(f"{name}={amount}" for name, amount in parts)


def decode_split(text: str) -> Parts:
    """The parts of a stored split; () for text that is not one (a damaged log)."""
    found = []
    for part in text.split(";"):
        name, _, amount = part.partition("=")
        if not amount.isdigit():
            return ()
        found.append((name, int(amount)))
    return tuple(found)


def allocation(details: Mapping[str, object], amount: int) -> list[tuple[str, int]]:
    """How a money event's signed `amount` divides among categories: its split's parts (with
    the event's sign), else all of it in its category (`uncategorized` for an entry from
    before categories)."""
    split = details.get("split")
    if isinstance(split, str) and (parts := decode_split(split)):
        sign = -1 if amount < 0 else 1
        return [(name, sign * part) for name, part in parts]
    category = details.get("category")
    return [(category if isinstance(category, str) else UNCATEGORIZED, amount)]


# -- rules ---------------------------------------------------------------------------------------


class Rule(NamedTuple):
    """`rule add`: an entry whose payee (or a statement row whose description) contains
    `pattern`, compared case-insensitively, gets `category` (and, from a statement, `payee`)."""

    id: int
    pattern: str
    category: str
    payee: str | None = None

    @classmethod
    def from_details(cls, details: Mapping[str, object]) -> Rule:
        """The rule a RuleAdded event's details describe."""
        payee = details.get("payee")
        return cls(
            int(str(details["rule"])),
            str(details["pattern"]),
            str(details["category"]),
            None if payee is None else str(payee),
        )


def budget_step(details: Mapping[str, object]) -> tuple[tuple[str, str], str, int]:
    """What a BudgetSet event's details set: ((category, currency), first month, amount)."""
    key = (str(details["category"]), str(details["currency"]))
    return key, str(details["month"]), int(str(details["budget"]))


def first_rule(rules: Iterable[Rule], text: str | None) -> Rule | None:
    """The first rule, in the order they were added, whose pattern `text` contains."""
    if not text:
        return None
    folded = text.casefold()
    return next((rule for rule in rules if rule.pattern.casefold() in folded), None)


def rule_source(rule: Rule) -> str:
    """How a result line says that `rule` chose a category."""
    return f"from rule {rule.id} {rule.pattern!r}"


def payee_key(payee: str) -> str:
    """The form under which a payee's last category is remembered: case does not matter."""
    return payee.strip().casefold()


def resolve(
    rules: Iterable[Rule], remembered: Mapping[str, str], payee: str | None
) -> tuple[str, str]:
    """The category of an entry given none, and where it came from (for the result line):
    the first matching rule, else the category last used with the same payee, else
    `uncategorized`."""
    rule = first_rule(rules, payee)
    if rule is not None:
        return rule.category, rule_source(rule)
    if payee:
        last = remembered.get(payee_key(payee))
        if last is not None:
            return last, f"as last time for {payee}"
    return UNCATEGORIZED, "no rule or payee match"


def check_pattern(pattern: str) -> str:
    if not pattern.strip() or not pattern.isprintable() or len(pattern) > 200:
        raise InvalidValue(
            f"rule pattern {pattern!r} is not valid; use 1 to 200 printable characters"
        )
    return pattern
