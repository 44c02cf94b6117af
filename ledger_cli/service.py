"""The application service: the one path that writes (load state, decide, append, in one
transaction), and the queries, which only read."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from ledger_cli.commands import (
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    Transfer,
    Withdraw,
    WriteCheck,
)
from ledger_cli.connection import translate_errors
from ledger_cli.domain import decide
from ledger_cli.errors import IntegrityFailure, InvalidValue
from ledger_cli.events import Event
from ledger_cli.money import Currency
from ledger_cli.queries import Queries, read
from ledger_cli.state import State, evolve, replay
from ledger_cli.store import Store


@dataclass(frozen=True)
class Outcome:
    """What a command did: its reference, its events, and the balance of the account it names."""

    ref: str
    events: list[Event]
    account: str
    balance: int
    warnings: list[str]
    currencies: dict[str, Currency]  # of every account the events touch

    @property
    def currency(self) -> Currency:
        return self.currencies[self.account]


class Ledger:
    """A ledger file, seen through commands and queries."""

    def __init__(self, path: Path, *, create_folder: bool = False) -> None:
        self.path = path
        self.create_folder = create_folder

    def execute(self, command: Command) -> Outcome:
        """Decide `command` against the current state and append its events, all in one
        BEGIN IMMEDIATE transaction; a denial raises and writes nothing."""
        with translate_errors(self.path):
            missing = not self.path.exists()
        if missing:
            # A command denied on an empty ledger must not leave a new file behind.
            decide(State(), command)
        # A first write killed before it commits leaves an empty file; queries take that for
        # no ledger, and the next write makes it one. (Removing it here could race with
        # another process's first write into the same file.)
        with Store.open(self.path, write=True, create_folder=self.create_folder) as store:
            with store.transaction():
                state = _replay(store)
                decision = decide(state, command)
                events = store.append(decision.events)
        for event in events:
            evolve(state, event)
        named = _named_account(command, events)
        return Outcome(
            ref=decision.ref,
            events=events,
            account=named,
            balance=state.accounts[named].balance,
            warnings=decision.warnings,
            currencies={
                name: state.accounts[name].currency for name in {event.account for event in events}
            },
        )

    def query(self, *, damaged_ok: bool = False) -> AbstractContextManager[Queries]:
        """A read-only view of one moment of the ledger (see queries.read)."""
        return read(self.path, damaged_ok=damaged_ok)


def _replay(store: Store) -> State:
    """The current state, folded from the log. A row the domain cannot read means the log
    was edited: that is an integrity failure, not a bug."""
    try:
        return replay(store.events())
    except (ValueError, KeyError, TypeError, InvalidValue) as error:
        raise IntegrityFailure(
            f"{store.path}: the log holds an event this version cannot read ({error}); "
            "run `ledger reconcile`"
        ) from error


def _named_account(command: Command, events: list[Event]) -> str:
    match command:
        case OpenAccount(name=name) | CloseAccount(name=name):
            return name
        case Transfer(source=source):
            return source
        case Deposit(account=account) | WriteCheck(account=account) | Withdraw(account=account):
            return account
    return events[0].account
