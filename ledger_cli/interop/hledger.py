"""`export --format hledger`: the books as an hledger journal. `hledger check --strict` passes
on it: accounts and commodities are declared, and each account's balance is asserted. An entry
with documents carries a `document:` tag per document, its short hash (`ledger docs get` takes
it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from ledger_cli.domain.documents import short
from ledger_cli.domain.events import EventType
from ledger_cli.domain.money import Currency, format_amount
from ledger_cli.interop.journal import ASSETS, Entry, Journal, one_line, posting_line


def write(journal: Journal, out: IO[str]) -> None:
    """The journal as an hledger journal: declarations, the entries, the assertions."""
    for line in journal.preamble(";"):
        out.write(line + "\n")
    out.write("\ndecimal-mark .\n")
    for cur in sorted({c.code: c for c in journal.currencies.values()}.values(),
                      key=lambda c: c.code):
        # hledger wants a decimal mark in the directive, even with no decimals: `0. JPY`.
        style = format_amount(0, cur) if cur.decimals else "0."
        out.write(f"commodity {style} {cur.code}\n")
    for name in journal.currencies:
        out.write(f"account {ASSETS}:{name}\n")
    for entry in journal.entries():
        out.write("\n" + "\n".join(entry_lines(entry)) + "\n")
    if journal.counters:
        out.write("\n")
    for counter in sorted(journal.counters):
        out.write(f"account {counter}\n")
    if journal.balances:
        out.write(f"\n{journal.last_day} balance assertions (ledger balance --all)\n")
        for b in journal.balances:
            zero = _amount(0, b.currency)
            assertion = _amount(b.balance, b.currency)
            line = posting_line("    ", f"{ASSETS}:{b.account}", zero)
            out.write(f"{line} = {assertion}\n")


def _amount(minor: int, cur: Currency) -> str:
    return f"{format_amount(minor, cur)} {cur.code}"


def entry_lines(entry: Entry) -> Iterator[str]:
    mark = " *" if entry.cleared else ""
    number = entry.details.get("number")
    code = f" ({number})" if number is not None else ""
    # `;` would start a comment in the description.
    description = one_line(str(entry.details.get("payee") or entry.what())).replace(";", ",")
    # A void carries the payee of what it voids (so that a payee's total nets out); its
    # note says what it voids and why.
    corrects = entry.type in (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)
    note = one_line(entry.narration() if corrects and "payee" in entry.details else entry.note())
    yield f"{entry.date}{mark}{code} {description}" + (f"  ; {note}" if note else "")
    tags = f"ref:{entry.ref}"
    if entry.type == EventType.TRANSACTION_VOIDED and entry.details.get("voids"):
        tags += f", voids:{entry.details['voids']}"
    for doc in entry.documents:
        tags += f", document:{short(doc.sha256)}"
    yield f"    ; {one_line(tags)}"
    for p in entry.postings:
        status = "* " if entry.mixed and p.cleared else ""
        amount = _amount(p.amount, p.currency)
        yield posting_line("    ", f"{status}{ASSETS}:{p.account}", amount)
    cur = entry.postings[0].currency
    for counter, minor in entry.counters:
        yield posting_line("    ", counter, _amount(minor, cur))
