"""Events: immutable facts, named in the past tense, as decided and as recorded in the log."""

# No postponed annotations: typing.NamedTuple would compile each string annotation into a
# ForwardRef, doubling what defining a record costs at every start-up (see store/base.py).

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import NamedTuple

Details = Mapping[str, str | int]


class EventType(StrEnum):
    ACCOUNT_OPENED = "AccountOpened"
    ACCOUNT_CLOSED = "AccountClosed"
    FUNDS_DEPOSITED = "FundsDeposited"
    CHECK_WRITTEN = "CheckWritten"
    CASH_WITHDRAWN = "CashWithdrawn"
    TRANSFER_SENT = "TransferSent"
    TRANSFER_RECEIVED = "TransferReceived"
    TRANSACTION_VOIDED = "TransactionVoided"
    VOID_REVERSED = "VoidReversed"
    FEE_CHARGED = "FeeCharged"
    INTEREST_PAID = "InterestPaid"
    TRANSACTION_CLEARED = "TransactionCleared"
    TRANSACTION_UNCLEARED = "TransactionUncleared"
    STATEMENT_RECONCILED = "StatementReconciled"
    TRANSACTION_CATEGORIZED = "TransactionCategorized"
    RULE_ADDED = "RuleAdded"
    RULE_REMOVED = "RuleRemoved"
    BUDGET_SET = "BudgetSet"
    SCHEDULE_CREATED = "ScheduleCreated"
    SCHEDULE_STOPPED = "ScheduleStopped"
    OCCURRENCE_SKIPPED = "OccurrenceSkipped"
    DOCUMENT_ATTACHED = "DocumentAttached"
    DOCUMENT_DETACHED = "DocumentDetached"


# Events that move money, and so appear in the register; the sign their amount must have
# (+1 credit, -1 debit, 0 either: a void reverses whatever it voids, and the reversal of a
# void restores it).
MONEY_SIGNS: Mapping[str, int] = {
    EventType.FUNDS_DEPOSITED: 1,
    EventType.CHECK_WRITTEN: -1,
    EventType.CASH_WITHDRAWN: -1,
    EventType.TRANSFER_SENT: -1,
    EventType.TRANSFER_RECEIVED: 1,
    EventType.TRANSACTION_VOIDED: 0,
    EventType.VOID_REVERSED: 0,
    EventType.FEE_CHARGED: -1,
    EventType.INTEREST_PAID: 1,
}
MONEY_TYPES = tuple(sorted(MONEY_SIGNS))
# What the register calls each money event.
ENTRY_LABELS: Mapping[str, str] = {
    EventType.FUNDS_DEPOSITED: "deposit",
    EventType.CHECK_WRITTEN: "check",
    EventType.CASH_WITHDRAWN: "withdrawal",
    EventType.TRANSFER_SENT: "transfer out",
    EventType.TRANSFER_RECEIVED: "transfer in",
    EventType.TRANSACTION_VOIDED: "void",
    EventType.VOID_REVERSED: "unvoid",
    EventType.FEE_CHARGED: "fee",
    EventType.INTEREST_PAID: "interest",
}  # a tuple: the store writes it into SQL as it is
ALL_TYPES = frozenset(EventType)

# The keys an event's details may carry, with the type of their values.
DETAIL_KEYS: Mapping[str, type] = {
    "payee": str,
    "memo": str,
    "number": int,
    "reason": str,
    "voids": str,  # TransactionVoided: the ref it voids
    "amended_by": str,  # TransactionVoided by `amend`: the ref of the replacement
    "amends": str,  # the replacement `amend` recorded: the ref it replaces
    "unvoids": str,  # VoidReversed: the void it reverses
    "restores": str,  # VoidReversed: the ref it restores
    "currency": str,
    "overdraft_limit": int,
    "from": str,
    "to": str,
    "clears": str,  # TransactionCleared: the ref the bank has
    "unclears": str,  # TransactionUncleared
    "fingerprint": str,  # TransactionCleared from a statement row: the row's fingerprint
    "statement_balance": int,  # StatementReconciled (its date is the statement date)
    "refs": str,  # StatementReconciled: the refs it marks reconciled, comma-separated
    "forced": int,  # 1: written with --force into a period sealed by a statement
    "category": str,  # a money entry's category (a void's: that of what it voids)
    "category_source": str,  # where a category not given came from (a rule, the payee's last)
    "split": str,  # a split entry's parts, "cat=minor;cat=minor" (categories.encode_split)
    "categorizes": str,  # TransactionCategorized: the ref whose category it sets
    "rule": int,  # RuleAdded, RuleRemoved: the rule's id; an entry: the rule that chose it
    "pattern": str,  # RuleAdded: the text a description or payee must contain
    "budget": int,  # BudgetSet: the monthly budget in minor units (0: none from then on)
    "month": str,  # BudgetSet: the first month it applies to, YYYY-MM
    "schedule": str,  # a schedule's events, and an entry posted from it: the schedule's name
    "occurrence": str,  # OccurrenceSkipped, a posted entry: the day the occurrence was due
    "entry": str,  # ScheduleCreated: what it repeats (deposit, check, withdraw, fee, transfer)
    "scheduled_amount": int,  # ScheduleCreated: each occurrence's amount in minor units
    "schedule_account": str,  # ScheduleCreated: its account (a transfer: the sending one)
    "every": str,  # ScheduleCreated: its period (day, 2weeks, month, 3 months, ...)
    "start": str,  # ScheduleCreated: the day of its first occurrence
    "until": str,  # ScheduleCreated: no occurrence after this day
    "count": int,  # ScheduleCreated: at most this many occurrences
    "stopped_after": str,  # ScheduleStopped: no occurrence after this day
    "attaches": str,  # DocumentAttached: the ref the document belongs to
    "detaches": str,  # DocumentDetached: the ref it no longer belongs to
    "sha256": str,  # DocumentAttached, DocumentDetached: the document's SHA-256, hex
    "size": int,  # DocumentAttached: its size in bytes
    "name": str,  # DocumentAttached: its file's base name
    "media_type": str,  # DocumentAttached: what it is (application/pdf, image/png, ...)
    "note": str,  # DocumentAttached: the user's note
    # Every event since shared books: who appended it (the database role on PostgreSQL, the
    # login name on a file). Set by the store's chain (store/chain.py), never by a command.
    "by": str,
}

# The events that open and close accounts, and those that change the cleared status of a
# transaction's entry in one account. (Event types are grouped in tuples of a fixed order: the
# store writes them into SQL as literal lists, which must read the same in a query as in the
# partial index it is meant to use.)
ACCOUNT_TYPES = (EventType.ACCOUNT_OPENED, EventType.ACCOUNT_CLOSED)
STATUS_TYPES = (
    EventType.STATEMENT_RECONCILED,
    EventType.TRANSACTION_CLEARED,
    EventType.TRANSACTION_UNCLEARED,
)
# The events of where the money went that move no money: a transaction's category set again,
# and the ledger-wide rules and budgets (recorded on no account: LEDGER_WIDE).
CATEGORY_TYPES = (
    EventType.BUDGET_SET,
    EventType.RULE_ADDED,
    EventType.RULE_REMOVED,
    EventType.TRANSACTION_CATEGORIZED,
)
# The events of schedules (recorded on no account: LEDGER_WIDE). An entry posted from a
# schedule is an ordinary money event whose details name the schedule and the occurrence.
SCHEDULE_TYPES = (
    EventType.OCCURRENCE_SKIPPED,
    EventType.SCHEDULE_CREATED,
    EventType.SCHEDULE_STOPPED,
)
# The events of documents (recorded on the account of the transaction they concern, moving no
# money): a document attached to a transaction, and detached from it.
DOCUMENT_TYPES = (EventType.DOCUMENT_ATTACHED, EventType.DOCUMENT_DETACHED)
# The money events that are not income or spending: transfers between own accounts.
TRANSFER_TYPES = (EventType.TRANSFER_RECEIVED, EventType.TRANSFER_SENT)


def status_changes(kind: str, details: Mapping[str, object]) -> list[tuple[str, str]]:
    """The (ref, status) pairs an event sets on its account's entries: "c" for the ref a
    TransactionCleared clears, "" for the one a TransactionUncleared unclears, "R" for each
    ref (comma-separated) a StatementReconciled covers; none for any other event."""
    if kind == EventType.TRANSACTION_CLEARED:
        return [(str(details.get("clears")), "c")]
    if kind == EventType.TRANSACTION_UNCLEARED:
        return [(str(details.get("unclears")), "")]
    if kind == EventType.STATEMENT_RECONCILED:
        return [(ref, "R") for ref in str(details.get("refs", "")).split(",") if ref]
    return []


class NewEvent(NamedTuple):
    """An event as `decide` returns it: complete but for its place in the log. (Events are
    tuples: an import makes millions, and a tuple is the cheapest immutable record.)"""

    ref: str
    type: EventType
    account: str
    amount: int
    balance: int
    date: date
    details: Details


class Event(NamedTuple):
    """An event as recorded: a decided event, its place in the log (`seq`) and when it was
    recorded, read from the stored row (store.base.Row, whose hashes cover these fields)."""

    seq: int
    ref: str
    type: str
    account: str
    amount: int
    balance: int
    date: date
    recorded_at: str
    details: Details
