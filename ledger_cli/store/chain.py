"""The hash chain and the running-balance chain: how a row is encoded, hashed and verified.

The rules are those of docs/FORMAT.md, which a user can follow with the standard library alone:

    canonical = json.dumps([seq, ref, type, account, amount, balance, date, recorded_at, details],
                           ensure_ascii=False, separators=(",", ":"))
    hash      = sha256((prev_hash + canonical).encode("utf-8")).hexdigest()

where every value is the stored column value (`details` is the stored JSON text itself) and the
first event's `prev_hash` is GENESIS. Verification returns findings instead of raising, so the
caller decides what they mean.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from ledger_cli.domain.dates import format_recorded, parse_recorded
from ledger_cli.domain.events import ALL_TYPES, DETAIL_KEYS, MONEY_SIGNS, Event, NewEvent
from ledger_cli.store.base import COLUMNS, GENESIS, Head, Row

# The stored forms of a recorded time and of a hash (re caches them compiled, on first use).
_RECORDED = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"
_HASH = r"[0-9a-f]{64}"


class Finding(NamedTuple):
    """One thing wrong with the log: where (`seq`), what kind, and a sentence for the user."""

    seq: int
    kind: str  # gap | hash | balance | order | format | digest | document
    detail: str


# Built once: json.dumps with these options would build a new encoder on every call.
_DETAILS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_details(details: Mapping[str, str | int]) -> str:
    """The stored form of an event's details: canonical JSON, keys sorted, no spaces."""
    return _DETAILS.encode(dict(details))


def canonical(row: Sequence[object]) -> str:
    """The canonical encoding of every stored field but the two hashes."""
    return _CANONICAL.encode(list(row[:9]))


def _sha256() -> Callable[[bytes], Any]:
    """SHA-256 that is quick to load: CPython's own implementation (`_sha256` in 3.11,
    `_sha2` from 3.12), else hashlib's. A write hashes a few events, and hashlib starts by
    loading OpenSSL, which costs more than the hashing (bench/startup.py); reconcile's bulk
    pass uses hashlib itself (sqlite/fastcheck.py). Both are SHA-256: the digests are the
    same (tests/store/test_chain.py)."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - Python 3.12 and later, or another interpreter
        try:
            from _sha2 import sha256  # type: ignore[import-not-found]
        except ImportError:
            from hashlib import sha256
    return sha256  # type: ignore[no-any-return]


SHA256 = _sha256()


def link_hash(prev_hash: str, row: Sequence[object]) -> str:
    # surrogateescape: text that is not UTF-8 on disk is hashed as the bytes it is
    data = (prev_hash + canonical(row)).encode("utf-8", "surrogateescape")
    hexdigest: str = SHA256(data).hexdigest()
    return hexdigest


class Chain:
    """The head of the log, and how new events are linked after it: seq, recorded time (one
    for the whole transaction, after the head's) and hashes. `link` makes the rows;
    `advance` moves the head past rows once they are appended. Each new event's details
    carry `by`, who appends it (the store's `appender`), when it is given."""

    def __init__(self, head: Head, recorded_at: str, by: str | None = None) -> None:
        self.seq = head.seq
        self.hash = head.hash
        self.recorded_at = after(head.recorded_at, recorded_at)
        self.by = by

    def link(self, new_events: Iterable[NewEvent]) -> list[Row]:
        """The rows of `new_events`, linked one after another from the head."""
        rows: list[Row] = []
        seq, prev_hash = self.seq, self.hash
        for new in new_events:
            seq += 1
            details = new.details if self.by is None else {**new.details, "by": self.by}
            fields = (
                seq,
                new.ref,
                str(new.type),
                new.account,
                new.amount,
                new.balance,
                new.date.isoformat(),
                self.recorded_at,
                encode_details(details),
            )
            row_hash = link_hash(prev_hash, fields)
            rows.append(Row(*fields, prev_hash, row_hash))
            prev_hash = row_hash
        return rows

    def follows(self, row: Row) -> bool:
        """Whether `row` is the next link after the head (its hash is the verifier's job)."""
        return row.seq == self.seq + 1 and row.prev_hash == self.hash

    def advance(self, row: Row) -> None:
        self.seq, self.hash = row.seq, row.hash


def after(head: str, now: str) -> str:
    """The recorded time of a new transaction: `now`, or just after the head's when the clock
    reads no later (the same microsecond, or a clock set back). Times only ever increase
    from one write to the next, so a report's `known_at` (the head's time) never covers a
    write made after it."""
    if now > head or not head:
        return now
    try:
        return format_recorded(parse_recorded(head) + timedelta(microseconds=1))
    except ValueError:  # a head not in the stored form (an edited file): never before it
        return head


def to_event(row: Row) -> Event:
    """A stored row as the event the domain folds: its date and details read (but `by`, who
    appended it, which decides nothing)."""
    details = json.loads(row.details)
    details.pop("by", None)
    return Event(
        row.seq,
        row.ref,
        row.type,
        row.account,
        row.amount,
        row.balance,
        date.fromisoformat(row.date),
        row.recorded_at,
        details,
    )


class Verifier:
    """Checks rows fed in `seq` order, link by link; `findings` holds what failed."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.count = 0
        self.head_seq = 0
        self.head_hash = GENESIS
        self._recorded_at = ""
        self._balances: dict[str, int | None] = {}  # None: unknown (a wrongly typed row)

    @classmethod
    def passed(
        cls, count: int, head_seq: int, head_hash: str, balances: dict[str, int]
    ) -> Verifier:
        """The result of a verification that found nothing (a backend's quick check did it)."""
        verifier = cls()
        verifier.count, verifier.head_seq, verifier.head_hash = count, head_seq, head_hash
        verifier._balances = dict(balances)
        return verifier

    @property
    def balances(self) -> dict[str, int]:
        """Each account's last stored balance, as verified."""
        return {name: value for name, value in self._balances.items() if value is not None}

    def feed(self, row: Row) -> None:
        self.count += 1
        wrong = [
            name
            for name, value in zip(COLUMNS, row, strict=True)
            if type(value) is not _COLUMN_TYPES.get(name, str)
        ]
        if wrong:
            # Only a table rebuilt without STRICT can hold these; nothing else is checkable.
            detail = f"stored values of the wrong type: {', '.join(wrong)}"
            self.findings.append(Finding(self._seq_of(row), "format", detail))
            self.head_seq = self._seq_of(row)
            # Go on from what it stores, so that the next rows are not blamed for this one.
            if isinstance(row.hash, str):
                self.head_hash = row.hash
            if isinstance(row.account, str):
                self._balances[row.account] = row.balance if type(row.balance) is int else None
            return
        problems = list(self._check(row))
        self.findings.extend(Finding(row.seq, kind, detail) for kind, detail in problems)
        self.head_seq, self.head_hash = row.seq, row.hash
        self._recorded_at = max(self._recorded_at, row.recorded_at)
        self._balances[row.account] = row.balance

    def _check(self, row: Row) -> Iterator[tuple[str, str]]:
        expected_seq = self.head_seq + 1
        if row.seq != expected_seq:
            yield "gap", f"expected seq {expected_seq} after {self.head_seq}, found {row.seq}"
        if row.prev_hash != self.head_hash:
            yield "hash", f"prev_hash does not match the hash of seq {self.head_seq}"
        well_formed = re.fullmatch(_HASH, row.hash, re.ASCII)
        if not well_formed or link_hash(row.prev_hash, row) != row.hash:
            yield "hash", "hash does not match the event's contents"
        previous = self._balances.get(row.account, 0)
        if previous is not None and row.balance != previous + row.amount:
            yield (
                "balance",
                (
                    f"balance {row.balance} of {row.account} is not the previous balance "
                    f"{previous} plus the amount {row.amount}"
                ),
            )
        if row.recorded_at < self._recorded_at:
            yield (
                "order",
                (
                    f"recorded_at {row.recorded_at} is earlier than the previous event's "
                    f"{self._recorded_at}"
                ),
            )
        yield from _format_problems(row)

    def _seq_of(self, row: Row) -> int:
        return row.seq if type(row.seq) is int else self.head_seq + 1


_COLUMN_TYPES: Mapping[str, type] = {"seq": int, "amount": int, "balance": int}


def verify(rows: Iterable[Row]) -> Verifier:
    verifier = Verifier()
    for row in rows:
        verifier.feed(row)
    return verifier


def _format_problems(row: Row) -> Iterator[tuple[str, str]]:
    """Rules every well-formed row obeys, beyond what the STRICT column types enforce."""
    if row.type not in ALL_TYPES:
        yield "format", f"unknown event type {row.type!r}"
    sign = MONEY_SIGNS.get(row.type)
    if sign is None and row.amount != 0:
        yield "format", f"{row.type} must not move money (amount {row.amount})"
    if sign is not None and (row.amount == 0 or row.amount * sign < 0):
        yield "format", f"amount {row.amount} has the wrong sign for {row.type}"
    try:
        date.fromisoformat(row.date)
        valid_date = len(row.date) == 10
    except ValueError:
        valid_date = False
    if not valid_date:
        yield "format", f"date {row.date!r} is not a YYYY-MM-DD date"
    if not re.fullmatch(_RECORDED, row.recorded_at, re.ASCII):
        yield "format", f"recorded_at {row.recorded_at!r} is not in the stored UTC form"
    problem = details_problem(row.details)
    if problem is not None:
        yield "format", problem


def details_problem(text: str) -> str | None:
    """What is wrong with a stored details text, or None: it must be the canonical JSON of an
    object whose keys and value types are those of DETAIL_KEYS."""
    try:
        details = json.loads(text)
    except ValueError:
        details = None
    if not isinstance(details, dict) or text != encode_details(details):
        return "details are not a canonical JSON object"
    if any(
        key not in DETAIL_KEYS or type(value) is not DETAIL_KEYS[key]
        for key, value in details.items()
    ):
        return "details hold an unknown key or a value of the wrong type"
    return None
