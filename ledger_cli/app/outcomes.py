"""What a write did: the outcome of a command (its ref, events and the balance it left), of a
bank statement row by row, of an import, of a restore. The view prints them."""

# No postponed annotations: typing.NamedTuple would compile each string annotation into a
# ForwardRef, doubling what defining a record costs at every start-up (see store/base.py).

from typing import NamedTuple

from ledger_cli.domain.categories import Rule
from ledger_cli.domain.events import Event
from ledger_cli.domain.money import Currency
from ledger_cli.domain.state import Transaction
from ledger_cli.domain.statements import Entry, StatementRow


class Outcome(NamedTuple):
    """What a command did: its reference, its events, and the balance of the account it names."""

    ref: str
    events: list[Event]
    account: str
    balance: int
    warnings: list[str]
    currencies: dict[str, Currency]  # of every account the events touch
    repeated: bool = False  # the original outcome of an earlier command under the same --id
    # The transaction a void, an unvoid, an amend or a categorize concerns, as it was.
    subject: Transaction | None = None
    dry_run: bool = False  # decided, and nothing written

    @property
    def currency(self) -> Currency:
        return self.currencies[self.account]

    @property
    def ledger_wide(self) -> bool:
        """A rule or a budget: it concerns no account, and leaves no balance."""
        return self.account not in self.currencies


class StatementDecision(NamedTuple):
    """What became of one statement row, and why."""

    row: StatementRow
    decision: str  # matched | added | duplicate | unmatched | denied
    entry: Entry | None  # the register entry it matched
    reason: str | None  # why it matched, what was added, which ref saw it, why denied
    outcome: Outcome | None = None  # the transaction added for it
    rule: Rule | None = None  # the rule that categorised the transaction added for it
    document: Outcome | None = None  # the document the row names, attached to its entry


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

    def __init__(self, *, dry_run: bool = False) -> None:
        self.dry_run = dry_run  # decided, and nothing written
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
    dry_run: bool = False  # verified and decided, and nothing written
