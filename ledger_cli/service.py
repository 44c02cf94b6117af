"""The application service: the one path that writes (load state, decide, append, in one
transaction), and the queries, which only read."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from ledger_cli import commands
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
from ledger_cli.errors import Denied, InvalidValue, LedgerError, NoLedger
from ledger_cli.events import Event
from ledger_cli.money import Currency
from ledger_cli.queries import Queries, Reconciliation, read
from ledger_cli.state import State, evolve
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
    repeated: bool = False  # the original outcome of an earlier command under the same --id

    @property
    def currency(self) -> Currency:
        return self.currencies[self.account]


class Ledger:
    """A ledger file, seen through commands and queries."""

    def __init__(self, path: Path, *, create_folder: bool = False) -> None:
        self.path = path
        self.create_folder = create_folder

    def execute(self, command: Command, *, key: str | None = None) -> Outcome:
        """Decide `command` against the current state and append its events, all in one
        BEGIN IMMEDIATE transaction; a denial raises and writes nothing.

        With an idempotency `key`, a command already made under that key is not made again:
        the same content gets the original outcome (`Outcome.repeated`), other content is
        denied, and a denial is remembered (the one thing a denied command writes) so that a
        retry is denied the same way."""
        with translate_errors(self.path):
            missing = not self.path.exists()
        if missing and key is None:
            # A command denied on an empty ledger must not leave a new file behind.
            decide(State(), command)
        # A first write killed before it commits leaves an empty file; queries take that for
        # no ledger, and the next write makes it one. (Removing it here could race with
        # another process's first write into the same file.)
        denial: LedgerError | None = None
        with Store.open(self.path, write=True, create_folder=self.create_folder) as store:
            with store.transaction():
                fingerprint = commands.fingerprint(command) if key is not None else ""
                if key is not None:
                    earlier = _earlier(store, key, fingerprint, command)
                    if earlier is not None:
                        return earlier
                state = store.load_state()
                try:
                    decision = decide(state, command)
                except (Denied, InvalidValue) as error:
                    if key is None:
                        raise
                    store.remember_key(
                        key, fingerprint, code=int(error.exit_code), message=str(error)
                    )
                    denial = error
                else:
                    events = store.append(decision.events)
                    for event in events:
                        evolve(state, event)
                    store.save_state(state, events)
                    if key is not None:
                        store.remember_key(key, fingerprint, ref=decision.ref)
        if denial is not None:
            raise denial
        return _outcome(command, decision.ref, events, state, decision.warnings)

    def rebuild(self) -> Reconciliation:
        """Verify the log, and when it is intact derive every read model again from it, in
        one write transaction. A broken log is left as it is (the findings say why)."""
        with translate_errors(self.path):
            if not self.path.exists():
                raise NoLedger(f"no ledger at {self.path}")
        with Store.open(self.path, write=True) as store, store.transaction():
            result = Queries(store).reconcile()
            if result.ok:
                store.rebuild_read_models()
        return result

    def query(self, *, damaged_ok: bool = False) -> AbstractContextManager[Queries]:
        """A read-only view of one moment of the ledger (see queries.read)."""
        return read(self.path, damaged_ok=damaged_ok)


def _earlier(store: Store, key: str, fingerprint: str, command: Command) -> Outcome | None:
    """The outcome of the first command under `key`, when there was one: the same content
    gets it again, a denial is repeated, other content is denied."""
    found = store.command_key(key)
    if found is None:
        return None
    earlier_fingerprint, ref, code, message = found
    if earlier_fingerprint != fingerprint:
        what = f"recorded as {ref}" if ref else "denied"
        raise Denied(
            f"--id {key!r} was already used for a different command ({what}); "
            "use a new key for a new command"
        )
    if ref is None:
        raise Denied(message or f"the command under --id {key!r} was denied")
    events = store.ref_events(ref)
    state = store.load_state()
    return _outcome(command, ref, events, state, [], repeated=True)


def _outcome(
    command: Command,
    ref: str,
    events: list[Event],
    state: State,
    warnings: list[str],
    *,
    repeated: bool = False,
) -> Outcome:
    named = _named_account(command, events)
    # The balance the command left: that of its own last event on the named account.
    balance = next(
        (event.balance for event in reversed(events) if event.account == named),
        state.accounts[named].balance,
    )
    return Outcome(
        ref=ref,
        events=events,
        account=named,
        balance=balance,
        warnings=warnings,
        currencies={
            name: state.accounts[name].currency for name in {event.account for event in events}
        },
        repeated=repeated,
    )


def _named_account(command: Command, events: list[Event]) -> str:
    match command:
        case OpenAccount(name=name) | CloseAccount(name=name):
            return name
        case Transfer(source=source):
            return source
        case Deposit(account=account) | WriteCheck(account=account) | Withdraw(account=account):
            return account
    return events[0].account
