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
        if not entry.status and entry.amount == difference:
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
    if difference % 9 == 0:
        causes.append(
            f"the difference {money(abs(difference))} is divisible by 9: two digits may be "
            "transposed in an amount (54.00 for 45.00)"
        )
    if not causes:
        causes.append(
            "no single entry explains it: look for a fee, interest or a deposit the register "
            "does not have"
        )
    return causes


def _what(entry: Entry) -> str:
    label = entry.type
    if entry.number is not None:
        label += f" {entry.number}"
    return f"{label} of {entry.date.isoformat()}"
