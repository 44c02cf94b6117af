"""Commands: requests to change the ledger, named as verbs. `decide` accepts or denies them.

Amounts are carried as the user typed them: only the account's currency says how many
decimals they may have, and that is known when the command is decided.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ledger_cli.accounts import DEFAULT_ACCOUNT
from ledger_cli.errors import InvalidValue


@dataclass(frozen=True)
class OpenAccount:
    name: str
    date: date
    currency: str = "USD"
    overdraft_limit: str = "0"


@dataclass(frozen=True)
class CloseAccount:
    name: str
    date: date


@dataclass(frozen=True)
class Deposit:
    amount: str
    date: date
    account: str = DEFAULT_ACCOUNT
    payee: str | None = None
    memo: str | None = None
    force: bool = False


@dataclass(frozen=True)
class WriteCheck:
    amount: str
    date: date
    account: str = DEFAULT_ACCOUNT
    number: int | None = None
    payee: str | None = None
    memo: str | None = None
    force: bool = False
    from_bank: bool = False  # a row of the bank's statement: it happened, whatever the limit


@dataclass(frozen=True)
class Withdraw:
    amount: str
    date: date
    account: str = DEFAULT_ACCOUNT
    memo: str | None = None
    force: bool = False
    from_bank: bool = False  # a row of the bank's statement: it happened, whatever the limit


@dataclass(frozen=True)
class Transfer:
    amount: str
    date: date
    source: str
    target: str
    memo: str | None = None
    force: bool = False


@dataclass(frozen=True)
class Void:
    ref: str
    date: date | None = None
    reason: str | None = None
    force: bool = False


@dataclass(frozen=True)
class ChargeFee:
    """A fee the bank took: recorded even when it overdraws (with a warning)."""

    amount: str
    date: date
    account: str = DEFAULT_ACCOUNT
    payee: str | None = None
    memo: str | None = None
    force: bool = False


@dataclass(frozen=True)
class PayInterest:
    amount: str
    date: date
    account: str = DEFAULT_ACCOUNT
    payee: str | None = None
    memo: str | None = None
    force: bool = False


@dataclass(frozen=True)
class Clear:
    """The bank has these transactions. `account` limits it to that account's entries (a
    transfer has two); `fingerprints` (one per ref) name the statement rows that cleared them."""

    refs: tuple[str, ...]
    date: date
    account: str | None = None
    fingerprints: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Unclear:
    refs: tuple[str, ...]
    date: date
    account: str | None = None
    force: bool = False


@dataclass(frozen=True)
class ReconcileStatement:
    """The bank's statement of `account` through `date` ends at `balance` (signed, as typed).
    `entries` are the account's entries effective by then, with their status, as the
    service read them (the decider itself reads no database)."""

    account: str
    date: date
    balance: str
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One money-moving entry of an account, as a statement sees it."""

    seq: int
    ref: str
    type: str
    date: date
    amount: int
    number: int | None
    payee: str | None
    status: str
    void: bool = False  # cancels out with its void before the bank had it: matches no row


Command = (
    OpenAccount
    | CloseAccount
    | Deposit
    | WriteCheck
    | Withdraw
    | Transfer
    | Void
    | ChargeFee
    | PayInterest
    | Clear
    | Unclear
    | ReconcileStatement
)


def fingerprint(command: Command) -> str:
    """What makes two commands "the same content" for an idempotency key: the command and
    every field, amounts compared by value (`100` is `100.00` is `$100`)."""
    fields = {
        name: _normal_amount(value) if name in _AMOUNT_FIELDS else value
        for name, value in asdict(command).items()
    }
    text = json.dumps([type(command).__name__, fields], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


_AMOUNT_FIELDS = frozenset({"amount", "overdraft_limit"})


def _normal_amount(text: str) -> str:
    """Plain amounts by value (`100`, `100.00`, `$1,00.0`); anything else (`1e2`, which the
    decider refuses) as typed."""
    cleaned = text.strip().removeprefix("$").replace(",", "")
    if not _PLAIN_AMOUNT.fullmatch(cleaned):
        return text
    try:
        return str(Decimal(cleaned).normalize())
    except InvalidOperation:
        return text


_PLAIN_AMOUNT = re.compile(r"[0-9]*\.?[0-9]*", re.ASCII)


MAX_KEY_LENGTH = 200


def check_key(text: str, what: str = "--id") -> str:
    """An idempotency key: 1 to MAX_KEY_LENGTH printable characters."""
    if not text or len(text) > MAX_KEY_LENGTH or not text.isprintable():
        raise InvalidValue(
            f"{what} {text!r} is not a valid key; use 1 to {MAX_KEY_LENGTH} printable characters"
        )
    return text
