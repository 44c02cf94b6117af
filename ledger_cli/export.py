"""`ledger export`: the register as CSV, the event log as NDJSON (the lossless backup that
`restore` reads), and the books as an hledger journal or a beancount file, so that those tools
check our balances for themselves. Every format is written line by line as it is read.

The journal formats are double-entry: each transaction of the register becomes one entry with
a posting to `assets:<account>` per account it touches, and, when they do not sum to zero, a
posting to a counter account named for what the money was (COUNTERS). A void reverses what it
voids, counter account included. At the end, an assertion per account states the balance that
`ledger balance` gives, as of the same day and knowledge time.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from ledger_cli.chain import COLUMNS, Row
from ledger_cli.dates import format_recorded
from ledger_cli.errors import InvalidValue, OutputError
from ledger_cli.events import EventType
from ledger_cli.listings import HISTORY_COLUMNS, LABELS, _history_json
from ledger_cli.money import Currency, format_amount
from ledger_cli.output import Output, clean
from ledger_cli.projections import Balance, RegisterLine
from ledger_cli.queries import Queries

FORMATS = ("csv", "ndjson", "hledger", "beancount")

# The first line of an NDJSON backup names the format and its version (restore checks both).
BACKUP_FORMAT = "ledger-backup"
BACKUP_VERSION = 1

# The counter account of each kind of entry, as hledger names it (beancount capitalises).
COUNTERS: Mapping[str, str] = {
    "FundsDeposited": "income:deposits",
    "CheckWritten": "expenses:checks",
    "CashWithdrawn": "expenses:cash",
    "FeeCharged": "expenses:bank-fees",
    "InterestPaid": "income:interest",
}
ASSETS = "assets"

# Status marks of the register that mean "the bank has it": cleared and reconciled.
CLEARED = frozenset({"c", "R"})


def export(
    q: Queries,
    fmt: str,
    out: IO[str],
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> None:
    """Write the ledger that `q` reads to `out` in `fmt`, as of a day and as known at a time."""
    if fmt == "ndjson":
        if as_of is not None:
            raise InvalidValue(
                "--as-of cannot be used with --format ndjson: a backup is the whole log "
                "(--known-at gives the log as it was at a time)"
            )
        write_backup(q, out, known_at)
    elif fmt == "csv":
        write_csv(q, out, as_of, known_at)
    elif fmt == "hledger":
        Journal(q, as_of, known_at).write_hledger(out)
    else:
        Journal(q, as_of, known_at).write_beancount(out)


def check_format(text: str) -> str:
    fmt = text.strip().lower()
    if fmt not in FORMATS:
        raise InvalidValue(f"--format {text!r} is not one of {', '.join(FORMATS)}")
    return fmt


# -- NDJSON: the event log, every column as stored ----------------------------------------------


def backup_header(head: Row | None) -> dict[str, Any]:
    """The first line: the format, and the last row, which restore checks the rows against
    (so that a truncated file is refused). Nothing in it is free text: every byte counts."""
    return {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "events": head.seq if head else 0,
        "head": {"seq": head.seq, "hash": head.hash} if head else None,
    }


def write_backup(q: Queries, out: IO[str], known_at: datetime | None) -> None:
    """The header line, then one line per stored row in seq order, each column exactly as
    stored: a lossless copy of the log (or of its prefix recorded by `known_at`)."""
    known = format_recorded(known_at) if known_at else None
    head = next(q.store.filtered_rows(known_at=known, newest_first=True, limit=1), None)
    out.write(_json_line(backup_header(head)))
    for row in q.store.filtered_rows(known_at=known):
        out.write(_json_line(dict(zip(COLUMNS, row, strict=True))))


def _json_line(value: Mapping[str, Any]) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 (only an edit of the file makes them) travel as \udcNN,
        # which JSON reads back to the same surrogates, so the row still hashes the same.
        text = json.dumps(value, separators=(",", ":"))
    return text + "\n"


# -- CSV: the register of every account ---------------------------------------------------------

CSV_COLUMNS = ["account", "currency", *HISTORY_COLUMNS]


def write_csv(q: Queries, out: IO[str], as_of: date | None, known_at: datetime | None) -> None:
    """The rows of `history --csv` of every account, account by account, with the account
    and its currency in front."""

    def records() -> Iterator[dict[str, Any]]:
        for item in q.balances(as_of, known_at):
            cur = item.currency
            for line in q.history(item.account, as_of=as_of, known_at=known_at):
                record = _history_json(line, cur)
                yield {"account": item.account, "currency": cur.code, **record}

    Output(out=out, terminal=False).csv(CSV_COLUMNS, records())


# -- the journal formats -------------------------------------------------------------------------


@dataclass
class Posting:
    account: str  # a ledger account name
    amount: int
    currency: Currency
    cleared: bool


@dataclass
class Entry:
    """One transaction of the register, across the accounts it touches."""

    ref: str
    date: str
    type: str
    details: dict[str, Any]
    postings: list[Posting] = field(default_factory=list)
    counter: str | None = None  # where the rest of the money went or came from

    @property
    def cleared(self) -> bool:
        return all(p.cleared for p in self.postings)

    @property
    def mixed(self) -> bool:
        """Some postings are cleared and some are not (a transfer the bank has on one side)."""
        return any(p.cleared for p in self.postings) and not self.cleared

    def what(self) -> str:
        """What the entry is, in a few words: `check 101`, `transfer from a to b`, `void of T2`."""
        d = self.details
        if self.type == EventType.TRANSACTION_VOIDED:
            return f"void of {d.get('voids', '?')}"
        if self.type in (EventType.TRANSFER_SENT, EventType.TRANSFER_RECEIVED):
            source = next((p.account for p in self.postings if p.amount < 0), "?")
            target = next((p.account for p in self.postings if p.amount > 0), "?")
            return f"transfer from {source} to {target}"
        label = str(LABELS.get(EventType(self.type), self.type))
        return f"{label} {d['number']}" if d.get("number") is not None else label

    def note(self) -> str:
        """The memo, or for a void its reason."""
        key = "reason" if self.type == EventType.TRANSACTION_VOIDED else "memo"
        return str(self.details.get(key) or "")

    def narration(self) -> str:
        """The memo, else what the entry is; a void says what it voids and why."""
        if self.type == EventType.TRANSACTION_VOIDED:
            return f"{self.what()}: {self.note()}" if self.note() else self.what()
        return self.note() or self.what()


class Journal:
    """The register of every account as double-entry transactions, in effective order."""

    def __init__(self, q: Queries, as_of: date | None, known_at: datetime | None) -> None:
        self.q = q
        self.as_of = as_of
        self.known_at = known_at
        # Accounts opened after the day exported did not exist yet on that day.
        self.balances: list[Balance] = [
            b
            for b in q.balances(as_of, known_at)
            if as_of is None or self._opened(b.account) <= as_of.isoformat()
        ]
        self.currencies = {b.account: b.currency for b in self.balances}
        self.opened = {b.account: self._opened(b.account) for b in self.balances}
        self._voided: dict[str, str] = {}
        self.last_day = max(self.opened.values(), default="")
        self.first_day = min(self.opened.values(), default="")
        self.counters: set[str] = set()

    def _opened(self, name: str) -> str:
        return self.q.account(name, self.known_at).opened_on

    def entries(self) -> Iterator[Entry]:
        """The transactions in register order (date, seq): the registers of every account,
        merged; the rows of one transaction are adjacent (one date, consecutive seqs)."""
        registers = [
            self.q.history(b.account, as_of=self.as_of, known_at=self.known_at)
            for b in self.balances
        ]
        merged = heapq.merge(*registers, key=lambda line: (line.row.date, line.row.seq))
        for ref, group in itertools.groupby(merged, key=lambda line: line.row.ref):
            lines = list(group)
            yield self._entry(ref, lines)

    def _entry(self, ref: str, lines: list[RegisterLine]) -> Entry:
        first = lines[0]
        details: dict[str, Any] = {}
        for line in lines:
            details.update(line.details)
        entry = Entry(ref, first.row.date, first.row.type, details)
        for line in lines:
            cur = self.currencies[line.row.account]
            cleared = line.status in CLEARED
            entry.postings.append(Posting(line.row.account, line.row.amount, cur, cleared))
        total = sum(p.amount for p in entry.postings)
        if total:
            kind = entry.type
            if kind == EventType.TRANSACTION_VOIDED:
                kind = self._voided_type(str(details.get("voids", "")))
            entry.counter = COUNTERS.get(kind) or (
                "income:other" if total > 0 else "expenses:other"
            )
            self.counters.add(entry.counter)
        self.last_day = max(self.last_day, entry.date)
        self.first_day = min(self.first_day, entry.date) if self.first_day else entry.date
        return entry

    def _voided_type(self, ref: str) -> str:
        """The type of the transaction a void reverses, which names its counter account."""
        if ref not in self._voided:
            events = self.q.store.ref_events(ref)
            self._voided[ref] = next(
                (str(e.type) for e in events if e.type != EventType.ACCOUNT_OPENED), ""
            )
        return self._voided[ref]

    def _preamble(self, comment: str) -> Iterator[str]:
        seq, hash_ = self.q.head()
        yield f"{comment} Exported by `ledger export`: the register of every account as"
        yield f"{comment} double-entry transactions, then the balance of each account, asserted."
        yield f"{comment} as of: {self.as_of.isoformat() if self.as_of else 'every entry'}"
        known = format_recorded(self.known_at) if self.known_at else "now"
        yield f"{comment} known at: {known}; head of the log: {seq}:{hash_}"

    # -- hledger ----------------------------------------------------------------------------

    def write_hledger(self, out: IO[str]) -> None:
        for line in self._preamble(";"):
            out.write(line + "\n")
        out.write("\ndecimal-mark .\n")
        for cur in sorted({c.code: c for c in self.currencies.values()}.values(),
                          key=lambda c: c.code):
            # hledger wants a decimal mark in the directive, even with no decimals: `0. JPY`.
            style = format_amount(0, cur) if cur.decimals else "0."
            out.write(f"commodity {style} {cur.code}\n")
        for name in self.currencies:
            out.write(f"account {ASSETS}:{name}\n")
        for entry in self.entries():
            out.write("\n" + "\n".join(_hledger_entry(entry)) + "\n")
        if self.counters:
            out.write("\n")
        for counter in sorted(self.counters):
            out.write(f"account {counter}\n")
        if self.balances:
            out.write(f"\n{self.last_day} balance assertions (ledger balance --all)\n")
            for b in self.balances:
                zero = _hledger_amount(0, b.currency)
                assertion = _hledger_amount(b.balance, b.currency)
                line = _posting("    ", f"{ASSETS}:{b.account}", zero)
                out.write(f"{line} = {assertion}\n")

    # -- beancount --------------------------------------------------------------------------

    def write_beancount(self, out: IO[str]) -> None:
        names = bean_accounts(list(self.currencies))
        for line in self._preamble(";"):
            out.write(line + "\n")
        out.write('\noption "title" "ledger export"\n')
        for b in self.balances:
            out.write(f"\n{self.opened[b.account]} open {names[b.account]} {b.currency.code}\n")
            out.write(f"  ledger_account: {_bean_string(b.account)}\n")
        for entry in self.entries():
            out.write("\n" + "\n".join(_beancount_entry(entry, names)) + "\n")
        if not self.balances:
            return
        # A beancount balance is checked at the start of its day: the day after the last entry.
        day = date.fromisoformat(self.last_day) + timedelta(days=1)
        out.write("\n")
        for b in self.balances:
            amount = f"{format_amount(b.balance, b.currency)} {b.currency.code}"
            out.write(_posting(f"{day.isoformat()} balance ", names[b.account], amount) + "\n")
        if self.counters:
            out.write("\n")
        for counter in sorted(self.counters):
            out.write(f"{self.first_day} open {bean_name(counter)}\n")


def _posting(indent: str, account: str, amount: str) -> str:
    """A posting line: the account, then the amount right-aligned (two spaces at least)."""
    return f"{indent}{account.ljust(36)}  {amount.rjust(20)}"


def _hledger_amount(minor: int, cur: Currency) -> str:
    return f"{format_amount(minor, cur)} {cur.code}"


def _one_line(text: str) -> str:
    """Free text on one line: control characters (newlines too) shown escaped."""
    return clean(text).strip()


def _hledger_entry(entry: Entry) -> Iterator[str]:
    mark = " *" if entry.cleared else ""
    number = entry.details.get("number")
    code = f" ({number})" if number is not None else ""
    # `;` would start a comment in the description.
    description = _one_line(str(entry.details.get("payee") or entry.what())).replace(";", ",")
    note = _one_line(entry.note())
    yield f"{entry.date}{mark}{code} {description}" + (f"  ; {note}" if note else "")
    tags = f"ref:{entry.ref}"
    if entry.type == EventType.TRANSACTION_VOIDED and entry.details.get("voids"):
        tags += f", voids:{entry.details['voids']}"
    yield f"    ; {_one_line(tags)}"
    for p in entry.postings:
        status = "* " if entry.mixed and p.cleared else ""
        amount = _hledger_amount(p.amount, p.currency)
        yield _posting("    ", f"{status}{ASSETS}:{p.account}", amount)
    if entry.counter:
        total = sum(p.amount for p in entry.postings)
        cur = entry.postings[0].currency
        yield _posting("    ", entry.counter, _hledger_amount(-total, cur))


def _bean_string(text: str) -> str:
    escaped = _one_line(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _beancount_entry(entry: Entry, names: Mapping[str, str]) -> Iterator[str]:
    flag = "*" if entry.cleared else "!"
    payee = entry.details.get("payee")
    narration = entry.narration()
    strings = (
        f"{_bean_string(str(payee))} {_bean_string(narration)}"
        if payee
        else _bean_string(narration)
    )
    yield f"{entry.date} {flag} {strings}"
    yield f"  ref: {_bean_string(entry.ref)}"
    if entry.details.get("number") is not None:
        yield f"  check: {_bean_string(str(entry.details['number']))}"
    if entry.type == EventType.TRANSACTION_VOIDED and entry.details.get("voids"):
        yield f"  voids: {_bean_string(str(entry.details['voids']))}"
    for p in entry.postings:
        status = "* " if entry.mixed and p.cleared else ""
        amount = f"{format_amount(p.amount, p.currency)} {p.currency.code}"
        yield _posting("  ", status + names[p.account], amount)
    if entry.counter:
        total = sum(p.amount for p in entry.postings)
        cur = entry.postings[0].currency
        yield _posting("  ", bean_name(entry.counter), f"{format_amount(-total, cur)} {cur.code}")


_BEAN_BAD = re.compile(r"[^A-Za-z0-9-]")


def bean_name(account: str) -> str:
    """An account name in beancount's form: capitalised components of letters, digits and
    '-' (`income:deposits` -> `Income:Deposits`, `my_savings` -> `My-savings`)."""
    parts = []
    for part in account.split(":"):
        part = _BEAN_BAD.sub("-", part)
        if not part or not part[0].isalnum():
            part = "X" + part
        parts.append(part[0].upper() + part[1:])
    return ":".join(parts)


def bean_accounts(names: list[str]) -> dict[str, str]:
    """Each ledger account's beancount name under Assets, made unique when two names differ
    only in what beancount cannot spell (`a_b` and `a-b`)."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(names):
        base = bean_name(f"{ASSETS}:{name}")
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        found[name] = candidate
    return found


# -- where the export goes ----------------------------------------------------------------------


@contextmanager
def destination(path: str | None, ledger: Path) -> Iterator[IO[str]]:
    """Standard output, or the file `path`, written whole or not at all: a temporary file in
    the same folder, renamed over `path` when the export is complete."""
    if path is None or path == "-":
        yield sys.stdout
        return
    target = Path(path).expanduser()
    try:
        same = target.exists() and ledger.exists() and target.samefile(ledger)
    except OSError:
        same = False
    if same:
        raise InvalidValue(f"-o {path} is the ledger itself; choose another file")
    if target.is_dir():
        raise InvalidValue(f"-o {path} is a folder")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except OSError as error:
        raise InvalidValue(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.replace(temporary, target)
    except OSError as error:
        os.unlink(temporary)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        os.unlink(temporary)
        raise
