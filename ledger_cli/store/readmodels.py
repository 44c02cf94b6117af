"""The read models, backend-neutral: what appended events change in them.

Read models are tables derived from the log that keep writes and queries fast at any length.
They are a cache of the log, never a source of truth:

- every write updates them in its own transaction, from the events it appends (`Changes`,
  saved by the backend), so they always describe exactly the log up to their position (the seq
  and hash of the last event they include);
- a backend can drop their contents and derive them again from the log alone (rebuild);
- a query uses them only when their position is the head of the log, and otherwise reads the
  log itself, so a stale or missing read model costs speed, never a wrong answer.

They hold: each account (currency, limit, opening day, closed, balance, last entry day, highest
check number, the day it is sealed through), each transaction (its date and void links: a void
reversed by `unvoid` leaves its transaction voided by nothing), which ref holds each check
number (the last to write it, or the check an unvoid restored), each account's net movement per
effective day, the bank status of each (ref, account) entry ("" , "c" cleared or "R"
reconciled), the fingerprints of bank statement rows already cleared, and the position.

And what is coming: each occurrence of a schedule already posted or skipped (the schedules
themselves are read from their few events, through their own index).

And where the money went: the category of each transaction that `categorize` set again, each
account's net per category and effective day (transfers left out: `in_reports`), the category
last used with each payee, the rules and the budget steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ledger_cli.domain.categories import Rule, allocation, budget_step, payee_key
from ledger_cli.domain.events import (
    MONEY_TYPES,
    STATUS_TYPES,
    TRANSFER_TYPES,
    Event,
    EventType,
    status_changes,
)

if TYPE_CHECKING:
    from ledger_cli.domain.state import State

_VOID_TYPES = (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)


def in_reports(kind: str, details: Mapping[str, object], target_kind: str | None) -> bool:
    """Whether a money event counts as income or spending: every one but a transfer between
    own accounts, and a void (or its reversal) of one. A void names its category since
    categories exist; one recorded before says nothing, and `target_kind` (the type of the
    entry it concerns) tells."""
    if kind in TRANSFER_TYPES:
        return False
    if kind in _VOID_TYPES and "category" not in details and "split" not in details:
        return target_kind not in TRANSFER_TYPES
    return True


class Changes:
    """What appended events change in the read models, gathered event by event (`add`) and
    saved by the backend. Every appended event belongs to a new reference, and a command's
    events are contiguous, so a new reference starts where the ref changes."""

    def __init__(self) -> None:
        self.accounts: set[str] = set()
        self.transactions: list[tuple[str, str, str | None, None]] = []
        self.voided: list[tuple[str | None, str]] = []  # (voided_by or None, voided ref)
        self.checks: list[tuple[str, int, str]] = []
        self.days: dict[tuple[str, str], int | None] = {}
        self.statuses: dict[tuple[str, str], str] = {}  # (ref, account) -> status
        self.statement_rows: list[tuple[str, str, str]] = []
        # (account, category, day) -> net; None past 64 bits
        # (account, category, day) -> [net (None past 64 bits), number of entries]
        self.category_days: dict[tuple[str, str, str], list[int | None]] = {}
        self.recategorized: list[tuple[str, str | None, str | None]] = []  # in order
        self.payees: dict[str, str] = {}
        self.rules: list[tuple[int, str, str, str | None, int]] = []
        self.removed_rules: list[int] = []
        self.budgets: list[tuple[str, str, str, int]] = []
        # (schedule, day, ref, "posted" or "skipped", seq): occurrences handled
        self.occurrences: list[tuple[str, str, str, str, int]] = []
        self.head: tuple[int, str] | None = None  # (seq, hash) of the last event

    def add(self, event: Event, hash_: str, state: State) -> None:
        """Gather what `event`, stored with `hash_` and already folded into `state`,
        changes."""
        self.accounts.add(event.account)
        voids = event.details.get("voids") if event.type == EventType.TRANSACTION_VOIDED else None
        if not self.transactions or self.transactions[-1][0] != event.ref:
            voided = str(voids) if voids is not None else None
            self.transactions.append((event.ref, event.date.isoformat(), voided, None))
            if voided is not None:
                self.voided.append((event.ref, voided))
        if event.type == EventType.CHECK_WRITTEN and "number" in event.details:
            self.checks.append((event.account, int(event.details["number"]), event.ref))
        elif event.type == EventType.VOID_REVERSED:
            restored = str(event.details["restores"])
            self.voided.append((None, restored))
            if "number" in event.details:
                self.checks.append((event.account, int(event.details["number"]), restored))
        if "occurrence" in event.details:
            how = "skipped" if event.type == EventType.OCCURRENCE_SKIPPED else "posted"
            occurrence = (str(event.details["schedule"]), str(event.details["occurrence"]))
            self.occurrences.append((*occurrence, event.ref, how, event.seq))
        if event.type in MONEY_TYPES:
            key = (event.account, event.date.isoformat())
            before = self.days.get(key, 0)
            self.days[key] = None if before is None else before + event.amount
            self._categories(event, state)
        elif event.type in STATUS_TYPES:
            self._status(event)
        else:
            self._settings(event, state)
        self.head = (event.seq, hash_)

    def _categories(self, event: Event, state: State) -> None:
        details = event.details
        target = details.get("voids") or details.get("restores")
        target_tx = state.transactions.get(str(target)) if target is not None else None
        if not in_reports(event.type, details, target_tx.kind if target_tx else None):
            return
        day = event.date.isoformat()
        for category, amount in allocation(details, event.amount):
            key = (event.account, category, day)
            step = self.category_days.setdefault(key, [0, 0])
            step[0] = None if step[0] is None else step[0] + amount
            step[1] = int(step[1] or 0) + 1
        if target is None and "payee" in details:
            self._payee(str(details["payee"]), state)

    def _payee(self, payee: str, state: State) -> None:
        """The payee's last category as the state has it now, if it has one."""
        key = payee_key(payee)
        found = state.payee_categories.get(key)
        if found is not None:
            self.payees[key] = found

    def _settings(self, event: Event, state: State) -> None:
        details = event.details
        if event.type == EventType.TRANSACTION_CATEGORIZED:
            ref = str(details["categorizes"])
            category, split = details.get("category"), details.get("split")
            self.recategorized.append(
                (ref, None if category is None else str(category),
                 None if split is None else str(split))
            )
            target = state.transactions.get(ref)
            if target is not None and "payee" in target.details:
                self._payee(str(target.details["payee"]), state)
        elif event.type == EventType.RULE_ADDED:
            self.rules.append((*Rule.from_details(details), 0))
        elif event.type == EventType.RULE_REMOVED:
            self.removed_rules.append(int(details["rule"]))
        elif event.type == EventType.BUDGET_SET:
            key, month, amount = budget_step(details)
            self.budgets.append((*key, month, amount))

    def _status(self, event: Event) -> None:
        for ref, status in status_changes(event.type, event.details):
            self.statuses[(ref, event.account)] = status
        if event.type == EventType.TRANSACTION_CLEARED and "fingerprint" in event.details:
            row = (event.account, str(event.details["fingerprint"]), event.ref)
            self.statement_rows.append(row)
