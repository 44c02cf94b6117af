"""The books as double-entry transactions, for the journal formats (hledger.py, beancount.py).

Each transaction of the register becomes one entry with a posting to `assets:<account>` per
account it touches, and, when they do not sum to zero, a posting to a counter account per
category (a split has one per part): `income:<category>` or `expenses:<category>`, by the
section of the category's first level over the whole ledger, as `ledger report` totals it,
so that hledger's income statement agrees with the report. A void reverses what it voids,
counter accounts included: it carries the category of what it voids. The writers end with
an assertion per account of the balance that `ledger balance` gives, as of the same day and
knowledge time, so that those tools check our arithmetic. An entry knows its documents: the
hledger journal tags it with their short hashes, the beancount file can point at them.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from ledger_cli.app.queries import Queries
from ledger_cli.app.results import Balance, RegisterLine
from ledger_cli.domain.categories import allocation
from ledger_cli.domain.dates import format_recorded
from ledger_cli.domain.documents import Attachment
from ledger_cli.domain.events import EventType
from ledger_cli.domain.money import Currency
from ledger_cli.view.output import clean
from ledger_cli.view.register import LABELS

ASSETS = "assets"

# Status marks of the register that mean "the bank has it": cleared and reconciled.
CLEARED = frozenset({"c", "R"})


class Posting(NamedTuple):
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
    documents: tuple[Attachment, ...] = ()  # attached to it, as known at the export's time
    # Where the rest of the money went or came from: (counter account, amount), the amounts
    # balancing the postings.
    counters: list[tuple[str, int]] = field(default_factory=list)

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
        if self.type == EventType.VOID_REVERSED:
            return f"unvoid of {d.get('unvoids', '?')}, restoring {d.get('restores', '?')}"
        if self.type in (EventType.TRANSFER_SENT, EventType.TRANSFER_RECEIVED):
            source = next((p.account for p in self.postings if p.amount < 0), "?")
            target = next((p.account for p in self.postings if p.amount > 0), "?")
            return f"transfer from {source} to {target}"
        label = str(LABELS.get(EventType(self.type), self.type))
        return f"{label} {d['number']}" if d.get("number") is not None else label

    def note(self) -> str:
        """The memo, or for a void its reason."""
        key = "reason" if self.type in _CORRECTIONS else "memo"
        return str(self.details.get(key) or "")

    def narration(self) -> str:
        """The memo, else what the entry is; a void (or its reversal) says what it voids and
        why."""
        if self.type in _CORRECTIONS:
            return f"{self.what()}: {self.note()}" if self.note() else self.what()
        return self.note() or self.what()


# The entries that cancel or restore another one: their note is their reason.
_CORRECTIONS = (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)


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
        self.last_day = max(self.opened.values(), default="")
        self.first_day = min(self.opened.values(), default="")
        self.counters: set[str] = set()
        self._sections: dict[tuple[str, str], str] | None = None
        from ledger_cli.app.documents import known_attachments

        self.documents = known_attachments(q, q.known_text(known_at))

    def _section(self, code: str, category: str) -> str:
        """The section of `category`'s first level (report.sections)."""
        if self._sections is None:
            from ledger_cli.app.report import sections

            self._sections = sections(self.q, self.as_of, self.known_at)
        return self._sections.get((code, category.split(":")[0]), "spending")

    def _counter(self, code: str, category: str) -> str:
        """`income:salary` for a category under an income first level, `expenses:food:groceries`
        for spending; a category that already starts with its root keeps its name."""
        root = "income" if self._section(code, category) == "income" else "expenses"
        return category if category.split(":")[0] == root else f"{root}:{category}"

    def _opened(self, name: str) -> str:
        """The day the account opens in the journal: its opening day, or its first entry's
        when that is earlier (an entry may predate the opening: SPEC 4), since hledger and
        beancount want an account open before it is used."""
        opened = self.q.account(name, self.known_at).opened_on
        first = self.q.first_entry(name, self.known_at)
        return min(opened, first) if first else opened

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
        entry.documents = self.documents.get(ref, ())
        for line in lines:
            cur = self.currencies[line.row.account]
            cleared = line.status in CLEARED
            entry.postings.append(Posting(line.row.account, line.row.amount, cur, cleared))
        # Every line but a transfer's has a category (register.py), so the counter postings
        # balance the entry; a transfer balances itself.
        counters: dict[str, int] = {}
        for line in lines:
            if line.category is None and line.split is None:
                continue
            code = self.currencies[line.row.account].code
            named = {"split": line.split} if line.split is not None else {"category": line.category}
            for category, part in allocation(named, line.row.amount):
                name = self._counter(code, category)
                counters[name] = counters.get(name, 0) - part
        entry.counters = [(name, amount) for name, amount in counters.items() if amount]
        self.counters.update(name for name, _ in entry.counters)
        self.last_day = max(self.last_day, entry.date)
        self.first_day = min(self.first_day, entry.date) if self.first_day else entry.date
        return entry

    def preamble(self, comment: str) -> Iterator[str]:
        seq, hash_ = self.q.head()
        yield f"{comment} Exported by `ledger export`: the register of every account as"
        yield f"{comment} double-entry transactions, then the balance of each account, asserted."
        yield f"{comment} as of: {self.as_of.isoformat() if self.as_of else 'every entry'}"
        known = format_recorded(self.known_at) if self.known_at else "now"
        yield f"{comment} known at: {known}; head of the log: {seq}:{hash_}"


def posting_line(indent: str, account: str, amount: str) -> str:
    """A posting line: the account, then the amount right-aligned (two spaces at least)."""
    return f"{indent}{account.ljust(36)}  {amount.rjust(20)}"


def one_line(text: str) -> str:
    """Free text on one line: control characters (newlines too) shown escaped."""
    return clean(text).strip()
