"""The small typed records the storage interface (base.py) speaks in: a row of the log as
stored, the head of the chain, an account and an idempotency key as a backend holds them, and
which rows a read returns, in which order."""

# No postponed annotations here: typing.NamedTuple compiles every annotation that is a string
# into a ForwardRef, which doubles what defining a record costs, and every command's start-up
# pays for the records it loads (bench/startup.py).

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import NamedTuple

# The `prev_hash` of the first event, and the hash of an empty log.
GENESIS = "0" * 64


class Row(NamedTuple):
    """One event of the log, column for column, as stored: the date and the details are the
    stored text, since the hash covers exactly what is stored."""

    seq: int
    ref: str
    type: str
    account: str
    amount: int
    balance: int
    date: str
    recorded_at: str
    details: str
    prev_hash: str
    hash: str


COLUMNS = Row._fields


class Head(NamedTuple):
    """The last event of the log: where the next one is linked."""

    seq: int  # 0 for an empty log
    hash: str  # GENESIS for an empty log
    recorded_at: str  # "" for an empty log


class AccountRecord(NamedTuple):
    """An account as the read models hold it, for queries."""

    name: str
    currency: str  # its ISO 4217 code, as stored
    opened_on: str
    closed: bool


class KeyRecord(NamedTuple):
    """The first command made under an idempotency key: its fingerprint, and its ref when it
    was recorded, or the exit code and message of its denial."""

    key: str
    fingerprint: str
    ref: str | None
    code: int | None = None
    message: str | None = None


class RowFilter(NamedTuple):
    """Which rows of the log a read returns; each field that is given narrows them."""

    account: str | None = None
    ref: str | None = None
    types: tuple[str, ...] | None = None  # event types, in a fixed order (see events.py)
    since: date | None = None  # effective on or after
    as_of: date | None = None  # effective on or before
    known_at: str | None = None  # recorded at or before (the stored text)
    unknown_at: str | None = None  # recorded after
    seqs: tuple[int, int] | None = None  # seq from, to (both included)
    forced: bool = False  # only events written with --force into a sealed period


EVERY_ROW = RowFilter()


class Order(Enum):
    """The order of a read: append order (seq) or register order (effective date, then seq),
    oldest first or newest first."""

    LOG = "log"
    LOG_NEWEST = "log, newest first"
    REGISTER = "register"
    REGISTER_NEWEST = "register, newest first"


Progress = Callable[[int], None]
