"""The records the application answers with: what a write did, and what a query found. The
view formats them as text, JSON or CSV; nothing here prints.

Named tuples where a record is made whole (they cost next to nothing to define, and every
command's start-up pays for the classes it loads); plain classes where one is filled in as a
batch goes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from ledger_cli.domain.events import Event
from ledger_cli.domain.money import Currency
from ledger_cli.domain.statements import Entry, StatementRow
from ledger_cli.store.base import Row

if TYPE_CHECKING:
    from ledger_cli.store.chain import Finding, Verifier

# -- queries ----------------------------------------------------------------------------------


class AccountInfo(NamedTuple):
    name: str
    currency: Currency
    opened_on: str
    closed: bool


class Balance(NamedTuple):
    account: str
    currency: Currency
    balance: int
    as_of: date | None
    known_at: str | None
    cleared: bool = False  # only the entries the bank has (cleared or reconciled)


class RegisterLine(NamedTuple):
    """One row of the register: a money-moving event and the running balance after it."""

    row: Row
    details: dict[str, Any]
    balance: int
    status: str = ""  # "" | "c" cleared | "R" reconciled with a statement


class Difference(NamedTuple):
    """The answer of `diff`: an account's balance as of a day at two knowledge times, and
    the events recorded in between that explain the change."""

    account: AccountInfo
    as_of: date | None
    known_at: datetime
    to_known_at: datetime
    before: int
    after: int
    rows: list[Row]


class Period(NamedTuple):
    """One period of a chart."""

    label: str  # 2026-03-01, 2026-W09, 2026-03
    start: date
    end: date
    balance: int  # as of `end`
    deposits: int  # money in during the period
    withdrawals: int  # money out during the period, as a positive number


class Series(NamedTuple):
    """An account's balance and its money in and out, period by period."""

    account: AccountInfo
    by: str
    periods: list[Period]


class Reconciliation(NamedTuple):
    """What `reconcile` found: the verification, the problems (exit 3), the warnings."""

    verifier: Verifier
    findings: list[Finding]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.findings


# -- writes -----------------------------------------------------------------------------------


class Outcome(NamedTuple):
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


class StatementDecision(NamedTuple):
    """What became of one statement row, and why."""

    row: StatementRow
    decision: str  # matched | added | duplicate | unmatched | denied
    entry: Entry | None  # the register entry it matched
    reason: str | None  # why it matched, what was added, which ref saw it, why denied
    outcome: Outcome | None = None  # the transaction added for it


class Statement:
    """What `statement` did with a bank's file, row by row."""

    def __init__(self, account: str, currency: Currency, dry_run: bool) -> None:
        self.account = account
        self.currency = currency
        self.dry_run = dry_run
        self.rows: list[StatementDecision] = []
        self.cleared: Outcome | None = None  # the clearing of every matched and added row
        self.balance = 0


class Imported:
    """What an import did: the transactions it appended, and the rows it did not."""

    def __init__(self) -> None:
        self.transactions = 0
        self.events = 0
        self.first_ref: str | None = None
        self.last_ref: str | None = None
        self.repeated = 0  # rows whose `id` was already imported with the same content
        self.skipped: list[tuple[int, str]] = []  # (line, why), with --skip-denied
        self.accounts: set[str] = set()
        self.balances: dict[str, tuple[int, Currency]] = {}

    def count(self, ref: str, events: list[Event]) -> None:
        self.transactions += 1
        self.events += len(events)
        self.first_ref = self.first_ref or ref
        self.last_ref = ref
        self.accounts.update(event.account for event in events)


class Restored(NamedTuple):
    location: str
    events: int
    head_seq: int
    head_hash: str
