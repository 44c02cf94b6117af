"""The application service: the one path that writes (load state, decide, append, in one
transaction), and the queries, which only read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ledger_cli import chain, projections
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
from ledger_cli.dates import format_recorded
from ledger_cli.domain import check_account_name, decide, unknown_account
from ledger_cli.errors import Denied, IntegrityFailure, InvalidValue
from ledger_cli.events import Event
from ledger_cli.money import Currency
from ledger_cli.state import State, evolve, replay
from ledger_cli.store import Store


@dataclass(frozen=True)
class Outcome:
    """What a command did: its reference, its events, and the balance of the account it names."""

    ref: str
    events: list[Event]
    account: str
    currency: Currency
    balance: int
    warnings: list[str]
    currencies: dict[str, Currency]


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
        with Store.open(self.path, write=True, create_folder=self.create_folder) as store:
            with store.transaction():
                state = _replay(store)
                decision = decide(state, command)
                events = store.append(decision.events)
        for event in events:
            evolve(state, event)
        named = _named_account(command, events)
        account = state.accounts[named]
        return Outcome(
            ref=decision.ref,
            events=events,
            account=named,
            currency=account.currency,
            balance=account.balance,
            warnings=decision.warnings,
            currencies={
                name: state.accounts[name].currency for name in {event.account for event in events}
            },
        )

    @contextmanager
    def query(self, *, damaged_ok: bool = False) -> Iterator[Queries]:
        """A read-only view of one moment of the ledger; a missing file is NoLedger, never
        created. `damaged_ok` lets `reconcile` look at a log whose table was rebuilt."""
        with (
            Store.open(self.path, write=False, damaged_ok=damaged_ok) as store,
            store.snapshot(),
        ):
            yield Queries(store)


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


@dataclass(frozen=True)
class Reconciliation:
    verifier: chain.Verifier
    findings: list[chain.Finding]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.findings


class Queries:
    """Questions asked of the log. Nothing here writes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.accounts = projections.accounts(store.account_rows())

    def account(self, name: str, known_at: datetime | None = None) -> projections.AccountInfo:
        """The account `name` as the ledger knew it at `known_at` (default: now)."""
        check_account_name(name)
        known = self._accounts_known(known_at)
        found = known.get(name)
        if found is None:
            when = f" at {format_recorded(known_at)}" if known_at and name in self.accounts else ""
            raise Denied(
                unknown_account(name, list(known))
                if not when
                else f"no account '{name}'{when}; it was opened later"
            )
        return found

    def _accounts_known(self, known_at: datetime | None) -> dict[str, projections.AccountInfo]:
        if known_at is None:
            return self.accounts
        known = format_recorded(known_at)
        return projections.accounts(
            row for row in self.store.account_rows() if row.recorded_at <= known
        )

    def balance(
        self, name: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> projections.Balance:
        info = self.account(name, known_at)
        known = format_recorded(known_at) if known_at else None
        total = self.store.sum_amounts(name, as_of, known)
        return projections.Balance(name, info.currency, total, as_of, known)

    def balances(
        self, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[projections.Balance]:
        names = sorted(self._accounts_known(known_at))
        return [self.balance(name, as_of, known_at) for name in names]

    def history(
        self,
        name: str,
        *,
        since: date | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[projections.RegisterLine]:
        self.account(name, known_at)
        rows = self.store.filtered_rows(
            account=name,
            as_of=as_of,
            known_at=format_recorded(known_at) if known_at else None,
            money_only=True,
            effective_order=True,
        )
        return projections.register(rows, since=since, limit=limit)

    def audit(
        self, *, as_of: date | None = None, known_at: datetime | None = None
    ) -> Iterator[chain.Row]:
        return self.store.filtered_rows(
            as_of=as_of, known_at=format_recorded(known_at) if known_at else None
        )

    def reconcile(self, digest: tuple[int, str] | None = None) -> Reconciliation:
        """Verify both chains of the whole log, and that it still holds the `digest` event."""
        verifier = chain.verify(self.store.rows())
        findings = list(verifier.findings)
        if not self.store.is_strict():
            findings.append(chain.Finding(0, "schema", "the events table is no longer STRICT"))
        warnings = [
            f"the guard trigger {name} is gone: the database no longer refuses edits"
            for name in self.store.missing_guards()
        ]
        if digest is not None:
            seq, expected = digest
            row = self.store.row_at(seq)
            if seq == 0 and expected == chain.GENESIS:
                pass  # the empty prefix: every log holds it
            elif row is None:
                findings.append(
                    chain.Finding(
                        seq,
                        "digest",
                        f"the log ends at seq {verifier.head_seq}; the digest names seq {seq} "
                        "(truncated or rewritten)",
                    )
                )
            elif row.hash != expected:
                findings.append(
                    chain.Finding(
                        seq, "digest", f"seq {seq} no longer has the hash of the digest (rewritten)"
                    )
                )
        findings.sort(key=lambda finding: finding.seq)
        return Reconciliation(verifier, findings, warnings)

    def head(self) -> tuple[int, str]:
        seq, hash_, _ = self.store.head()
        return seq, hash_
