"""Commands: requests to change the ledger, named as verbs. `decide` accepts or denies them.

Amounts are carried as the user typed them: only the account's currency says how many
decimals they may have, and that is known when the command is decided. Commands are named
tuples: immutable, cheap to define (a command's start-up pays for every class it loads), and
an import makes one per row.
"""

# No postponed annotations: typing.NamedTuple would compile each string annotation into a
# ForwardRef, doubling what defining a record costs at every start-up (see store/base.py).

import re
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from ledger_cli.domain.accounts import DEFAULT_ACCOUNT
from ledger_cli.errors import InvalidValue

Day = date  # for fields after one named `date`

if TYPE_CHECKING:
    from ledger_cli.domain.statements import Entry


class OpenAccount(NamedTuple):
    name: str
    date: date
    currency: str = "USD"
    overdraft_limit: str = "0"


class CloseAccount(NamedTuple):
    name: str
    date: date


class _PlainEntry(NamedTuple):
    """The fields of a deposit, a fee and interest: money in or out of one account."""

    amount: str
    date: date
    account: str = DEFAULT_ACCOUNT
    payee: str | None = None
    memo: str | None = None
    force: bool = False
    category: str | None = None  # None: a rule's, the payee's last, or uncategorized
    split: tuple[str, ...] = ()  # CATEGORY=AMOUNT parts, instead of a category
    category_source: str | None = None  # who chose `category`, when not the user (a rule)


class Deposit(_PlainEntry):
    """Money paid into the account."""

    __slots__ = ()


class ChargeFee(_PlainEntry):
    """A fee the bank took: recorded even when it overdraws (with a warning)."""

    __slots__ = ()


class PayInterest(_PlainEntry):
    """Interest the bank paid."""

    __slots__ = ()


class WriteCheck(NamedTuple):
    amount: str
    date: date
    account: str = DEFAULT_ACCOUNT
    number: int | None = None
    payee: str | None = None
    memo: str | None = None
    force: bool = False
    from_bank: bool = False  # a row of the bank's statement: it happened, whatever the limit
    category: str | None = None
    split: tuple[str, ...] = ()
    category_source: str | None = None


class Withdraw(NamedTuple):
    amount: str
    date: date
    account: str = DEFAULT_ACCOUNT
    memo: str | None = None
    force: bool = False
    from_bank: bool = False  # a row of the bank's statement: it happened, whatever the limit
    category: str | None = None
    split: tuple[str, ...] = ()
    payee: str | None = None  # from a statement row or an import; the CLI has no --payee
    category_source: str | None = None


class Transfer(NamedTuple):
    amount: str
    date: date
    source: str
    target: str
    memo: str | None = None
    force: bool = False


class Void(NamedTuple):
    ref: str
    date: "date | None" = None  # quoted: the field's default is bound before its annotation
    reason: str | None = None
    force: bool = False


class Unvoid(NamedTuple):
    """Reverse a void: `ref` names the voided transaction or the void itself."""

    ref: str
    date: "date | None" = None  # default: the void's date
    reason: str | None = None
    force: bool = False


class Amend(NamedTuple):
    """Replace transaction `ref` by a corrected one: its fields, but those given here. An
    empty payee or memo removes it."""

    ref: str
    amount: str | None = None
    payee: str | None = None
    memo: str | None = None
    date: "date | None" = None
    number: int | None = None
    force: bool = False
    category: str | None = None
    split: tuple[str, ...] = ()


class Categorize(NamedTuple):
    """Set the category (or split) of money transaction `ref` from now on (`date`: the day
    it is recorded)."""

    ref: str
    date: date
    category: str | None = None
    split: tuple[str, ...] = ()


class AddRule(NamedTuple):
    pattern: str
    category: str
    date: date
    payee: str | None = None


class RemoveRule(NamedTuple):
    id: int
    date: date


class SetBudget(NamedTuple):
    """The monthly budget of a spending category from `month` (YYYY-MM) on; "0" removes it.
    `currency`: None for that of the ledger's accounts."""

    category: str
    amount: str
    month: str
    date: date
    currency: str | None = None


class CreateSchedule(NamedTuple):
    """A recurring `kind` of entry (deposit, check, withdraw, fee, transfer) of `amount`,
    every `every` from `start`, within `until` or `times` (`date`: the day it is recorded)."""

    name: str
    kind: str
    amount: str
    every: str
    start: date
    date: date
    until: "Day | None" = None
    times: int | None = None  # --count
    account: str = DEFAULT_ACCOUNT
    to: str | None = None
    payee: str | None = None
    memo: str | None = None
    category: str | None = None


class StopSchedule(NamedTuple):
    """No occurrence of schedule `name` after `last_day`."""

    name: str
    last_day: date
    date: date


class PostOccurrence(NamedTuple):
    """Record the occurrence of schedule `schedule` due on `occurrence`, as the command it
    describes, dated that day and linked to it: at most once."""

    schedule: str
    occurrence: date
    force: bool = False


class SkipOccurrence(NamedTuple):
    """The occurrence of `schedule` due on `occurrence` will not be posted."""

    schedule: str
    occurrence: date
    date: date
    reason: str | None = None


class Clear(NamedTuple):
    """The bank has these transactions. `account` limits it to that account's entries (a
    transfer has two); `fingerprints` (one per ref) name the statement rows that cleared them."""

    refs: tuple[str, ...]
    date: date
    account: str | None = None
    fingerprints: tuple[str | None, ...] = ()


class Unclear(NamedTuple):
    refs: tuple[str, ...]
    date: date
    account: str | None = None
    force: bool = False


class ReconcileStatement(NamedTuple):
    """The bank's statement of `account` through `date` ends at `balance` (signed, as typed).
    `entries` are the account's entries effective by then, with their status, as the
    service read them (the decider itself reads no database)."""

    account: str
    date: date
    balance: str
    entries: "tuple[Entry, ...]" = ()


class AttachDocument(NamedTuple):
    """A document (a receipt, an invoice) for transaction `ref`: its bytes are hashed and
    stored beside the log before the command is decided (app/documents.py)."""

    ref: str
    sha256: str
    size: int
    name: str
    media_type: str
    date: date
    note: str | None = None


class DetachDocument(NamedTuple):
    """`sha256`: the document's hash, or a unique prefix of at least 8 hex digits among the
    documents of `ref`."""

    ref: str
    sha256: str
    date: date
    reason: str | None = None


Command = (
    OpenAccount
    | CloseAccount
    | Deposit
    | WriteCheck
    | Withdraw
    | Transfer
    | Void
    | Unvoid
    | Amend
    | ChargeFee
    | PayInterest
    | Clear
    | Unclear
    | ReconcileStatement
    | Categorize
    | AddRule
    | RemoveRule
    | SetBudget
    | CreateSchedule
    | StopSchedule
    | PostOccurrence
    | SkipOccurrence
    | AttachDocument
    | DetachDocument
)


def fingerprint(command: Command) -> str:
    """What makes two commands "the same content" for an idempotency key: the command and
    every field, amounts compared by value (`100` is `100.00` is `$100`). Stored with each
    key, so it must not change for a command that already exists."""
    import hashlib
    import json

    fields = {
        name: _normal_amount(value)
        if name in _AMOUNT_FIELDS
        else _normal_split(value)
        if name == "split"
        else value
        for name, value in command._asdict().items()
        # Fields added later, at their default, leave the fingerprint of older keys as it was.
        if not (_added_later(command, name) and value in (None, ()))
    }
    text = json.dumps([type(command).__name__, fields], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


_AMOUNT_FIELDS = frozenset({"amount", "overdraft_limit"})


def _added_later(command: Command, name: str) -> bool:
    """The fields commands gained after keys were first stored (categories, a withdrawal's
    payee)."""
    return name in ("category", "split", "category_source") or (
        name == "payee" and isinstance(command, Withdraw)
    )


def _normal_amount(text: str) -> str:
    """Plain amounts by value (`100`, `100.00`, `$1,00.0`); anything else (`1e2`, which the
    decider refuses) as typed."""
    from decimal import Decimal, InvalidOperation

    cleaned = text.strip().removeprefix("$").replace(",", "")
    if not re.fullmatch(_PLAIN_AMOUNT, cleaned, re.ASCII):
        return text
    try:
        return str(Decimal(cleaned).normalize())
    except InvalidOperation:
        return text


_PLAIN_AMOUNT = r"[0-9]*\.?[0-9]*"


def _normal_split(parts: tuple[str, ...]) -> list[str]:
    """A split's parts by value and in any order: `a=5` is `a=5.00`, `b=1 a=2` is `a=2 b=1`."""
    normal = []
    for part in parts:
        name, sep, amount = part.partition("=")
        normal.append(f"{name.strip()}={_normal_amount(amount.strip())}" if sep else part)
    return sorted(normal)


MAX_KEY_LENGTH = 200


def check_key(text: str, what: str = "--id") -> str:
    """An idempotency key: 1 to MAX_KEY_LENGTH printable characters."""
    if not text or len(text) > MAX_KEY_LENGTH or not text.isprintable():
        raise InvalidValue(
            f"{what} {text!r} is not a valid key; use 1 to {MAX_KEY_LENGTH} printable "
            "characters"
        )
    return text
