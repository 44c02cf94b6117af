"""A plan: the events of one command being built, with the balances they lead to. The rules
(decider.py, clearing.py) say what a command may do; a plan carries the checks every event
shares: the account must exist and be open, a balance stays within the bound of exact money,
a sealed period is written only with --force, a debit the user starts stays within the
overdraft limit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import NamedTuple

from ledger_cli.domain.accounts import (
    DEFAULT_ACCOUNT,
    LEDGER_WIDE,
    check_account_name,
    unknown_account,
)
from ledger_cli.domain.dates import check_too_early
from ledger_cli.domain.events import MONEY_TYPES, EventType, NewEvent
from ledger_cli.domain.money import DEFAULT_CURRENCY, MAX_MINOR, currency
from ledger_cli.domain.state import AccountState, State
from ledger_cli.errors import Denied, InvalidValue

# Events whose date the user may move out of a sealed period: a void (or its reversal) is
# dated on the entry it concerns unless --date says otherwise.
_DATED_BY_CHOICE = (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)


class Decision(NamedTuple):
    """The events to append, and warnings for the user that do not stop the command."""

    ref: str
    events: list[NewEvent]
    warnings: list[str]


class Plan:
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
        self.voided: set[str] = set()  # refs this command voids (their check numbers are free)
        # Whether the user may date this command's voids (not so for the void of an amend).
        self.void_dates_chosen = True

    def next_transaction(self) -> str:
        """Start the command's next transaction (an amend records two: the void and the
        replacement); its ref."""
        self.ref = f"T{int(self.ref[1:]) + 1}"
        return self.ref

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
        # The opening day does not bound the entries: a user who starts the ledger today
        # may enter last month's history afterwards (SPEC 4).
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
        check_too_early(on)
        clean = {key: value for key, value in details.items() if value is not None}
        if kind in MONEY_TYPES and account.sealed_through and on <= account.sealed_through:
            if not self.force:
                sealed = account.sealed_through.isoformat()
                if kind in _DATED_BY_CHOICE and self.void_dates_chosen:
                    later = (
                        f"date it after {sealed} with --date, or use --force to record it "
                        f"on {on.isoformat()} anyway (flagged)"
                    )
                elif kind in _DATED_BY_CHOICE:
                    later = (
                        "amend voids the original on its own date; use --force to record "
                        "it anyway (flagged), or void it with --date and enter it anew"
                    )
                else:
                    later = "use --force to record it anyway; it is flagged"
                raise Denied(
                    f"{account.name} is reconciled with a statement through {sealed}; an "
                    f"entry dated {on.isoformat()} would change that period ({later})"
                )
            clean["forced"] = 1
        self.events.append(NewEvent(self.ref, kind, account.name, amount, balance, on, clean))

    def add_ledger_wide(
        self, kind: EventType, on: date, details: Mapping[str, str | int | None]
    ) -> None:
        """An event of the whole ledger (a rule, a budget): on no account, moving no money."""
        check_too_early(on)
        clean = {key: value for key, value in details.items() if value is not None}
        self.events.append(NewEvent(self.ref, kind, LEDGER_WIDE, 0, 0, on, clean))

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

    def warn_below_limit(self, account: AccountState, what: str) -> None:
        """A warning when `what` (a fee, a void, ...) leaves `account` below its overdraft
        limit: recorded all the same, since it is not a debit the user starts."""
        after = self.balance(account)
        if after < -account.overdraft_limit:
            self.warnings.append(
                f"{what} leaves {account.name} at {account.money(after)}, below its overdraft "
                f"limit of {account.money(account.overdraft_limit)}"
            )

    def check_holder(self, account: str, number: int) -> str | None:
        """The ref of the live check with `number` in `account`: the number of a voided
        check is free again, for the check that replaces it."""
        used = self.state.checks.get((account, number))
        if used is None or used in self.voided:
            return None
        tx = self.state.transactions.get(used)
        return used if tx is None or tx.voided_by is None else None

    def balance(self, account: AccountState) -> int:
        for event in reversed(self.events):
            if event.account == account.name:
                return event.balance
        return account.balance

    def status(self, ref: str, account: str) -> str:
        return self.statuses.get((ref, account), self.state.status(ref, account))

    def decision(self) -> Decision:
        return Decision(self.ref, self.events, self.warnings)


def text(value: str | None, what: str) -> str | None:
    """User text is stored as given, but it must be valid Unicode to be stored at all."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(f"{what} is not valid UTF-8 text") from None
    return value
