"""The queries of categories' settings (SPEC 11): the rules and the budgets as the ledger knew
them at any moment, folded from their events (few: they are found through their own index)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from ledger_cli.app.projections import parse_details
from ledger_cli.domain.categories import Rule, budget_step
from ledger_cli.domain.events import CATEGORY_TYPES, EventType

if TYPE_CHECKING:
    from ledger_cli.app.snapshot import Snapshot

Budgets = dict[tuple[str, str], list[tuple[str, int]]]


def rules(queries: Snapshot, known_at: datetime | None) -> list[Rule]:
    """The rules in force at `known_at`, in the order they apply."""
    found: dict[int, Rule] = {}
    known = queries.known_text(known_at)
    for row in queries.store.rows(queries.known_filter(known, types=CATEGORY_TYPES)):
        if row.type == EventType.RULE_ADDED:
            rule = Rule.from_details(parse_details(row.details))
            found[rule.id] = rule
        elif row.type == EventType.RULE_REMOVED:
            found.pop(int(parse_details(row.details)["rule"]), None)
    return [found[number] for number in sorted(found)]


def budgets(queries: Snapshot, known_at: datetime | None) -> Budgets:
    """The budget steps as known at `known_at`: (category, currency) -> [(first month,
    monthly amount)], by month."""
    known = queries.known_text(known_at)
    steps: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in queries.store.rows(queries.known_filter(known, types=CATEGORY_TYPES)):
        if row.type == EventType.BUDGET_SET:
            key, month, amount = budget_step(parse_details(row.details))
            steps[key][month] = amount
    return {key: sorted(months.items()) for key, months in sorted(steps.items())}
