"""Why a bank statement does not reconcile with the register: the figures, what is still
outstanding, and the likely causes of the difference. Pure: the decider raises it, the view
prints it."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ledger_cli.domain.statements import Entry
from ledger_cli.errors import Denied

if TYPE_CHECKING:
    from ledger_cli.domain.state import AccountState


class StatementMismatch(NamedTuple):
    """Why a statement does not reconcile: the figures, what is outstanding, likely causes."""

    cleared: int
    statement: int
    outstanding: list[Entry]
    causes: list[str]

    @property
    def difference(self) -> int:
        return self.statement - self.cleared


class StatementDoesNotMatch(Denied):
    """The statement balance differs from the cleared balance; nothing was recorded."""

    def __init__(self, account: AccountState, mismatch: StatementMismatch) -> None:
        super().__init__(
            f"the statement balance {account.money(mismatch.statement)} differs from the "
            f"cleared balance {account.money(mismatch.cleared)} of {account.name} by "
            f"{account.money(mismatch.difference)}; nothing was recorded"
        )
        self.account = account
        self.mismatch = mismatch


def likely_causes(account: AccountState, entries: list[Entry], difference: int) -> list[str]:
    """What usually explains a difference between the register and the bank."""
    money = account.money
    causes = []
    for entry in entries:
        if not entry.status and not entry.void and entry.amount == difference:
            causes.append(
                f"{entry.ref} ({_what(entry)}, {money(entry.amount)}) is not cleared and equals "
                f"the difference: if the bank has it, `ledger clear {entry.ref}`"
            )
        elif entry.status and entry.amount == -difference:
            causes.append(
                f"{entry.ref} ({_what(entry)}, {money(entry.amount)}) is cleared but the bank "
                "may not have it yet"
            )
        elif entry.status and 2 * entry.amount == -difference:
            causes.append(
                f"{entry.ref} ({_what(entry)}, {money(entry.amount)}) is half the difference: "
                "it may have been entered with the wrong sign"
            )
    causes.extend(_pairs(account, entries, difference))
    if difference % 9 == 0:
        causes.append(
            f"the difference {money(abs(difference))} is divisible by 9: two digits may be "
            "transposed in an amount (54.00 for 45.00)"
        )
    if not causes:
        causes.append(
            "no single entry or pair of entries explains it: look for a fee, interest or a "
            "deposit the register does not have"
        )
    return causes


MAX_PAIRS = 3  # the pairs of entries named, at most


def _pairs(account: AccountState, entries: list[Entry], difference: int) -> list[str]:
    """Two entries that explain the difference together, exactly (in minor units): two
    uncleared entries the bank has, two cleared ones it does not have yet, or an uncleared one
    it has while it lacks a cleared one. A pass with a dict of amounts for each: O(n)."""
    money = account.money
    uncleared = [e for e in entries if not e.status and not e.void]
    cleared = [e for e in entries if e.status == "c"]  # not those of an earlier statement
    found: list[str] = []

    def two_of(group: list[Entry], total: int) -> list[tuple[Entry, Entry]]:
        pairs: list[tuple[Entry, Entry]] = []
        first: dict[int, Entry] = {}  # the first entry of each amount seen so far
        for entry in group:
            other = first.get(total - entry.amount)
            if other is not None:
                pairs.append((other, entry))
                if len(pairs) == MAX_PAIRS:
                    break
            first.setdefault(entry.amount, entry)
        return pairs

    for one, two in two_of(uncleared, difference):
        found.append(
            f"{one.ref} ({_what(one)}, {money(one.amount)}) and {two.ref} ({_what(two)}, "
            f"{money(two.amount)}) are not cleared and together equal the difference: if the "
            f"bank has both, `ledger clear {one.ref} {two.ref}`"
        )
    for one, two in two_of(cleared, -difference):
        found.append(
            f"{one.ref} ({_what(one)}, {money(one.amount)}) and {two.ref} ({_what(two)}, "
            f"{money(two.amount)}) are cleared and together account for the difference: the "
            "bank may not have either yet"
        )
    by_amount: dict[int, Entry] = {}
    for entry in cleared:
        by_amount.setdefault(entry.amount, entry)
    for entry in uncleared:
        if len(found) >= MAX_PAIRS:
            break
        lacking = by_amount.get(entry.amount - difference)
        if lacking is not None:
            found.append(
                f"{entry.ref} ({_what(entry)}, {money(entry.amount)}) is not cleared and "
                f"{lacking.ref} ({_what(lacking)}, {money(lacking.amount)}) is: if the bank "
                f"has {entry.ref} and not {lacking.ref}, `ledger clear {entry.ref}` and "
                f"`ledger unclear {lacking.ref}`"
            )
    return found[:MAX_PAIRS]


def _what(entry: Entry) -> str:
    label = entry.type
    if entry.number is not None:
        label += f" {entry.number}"
    return f"{label} of {entry.date.isoformat()}"
