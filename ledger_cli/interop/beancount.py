"""`export --format beancount`: the books as a beancount file. `bean-check` passes on it.

Accounts are `Assets:Checking` (beancount's spelling: each part capitalised, `_` becomes `-`;
the ledger's name is kept as `ledger_account` metadata on the `open` directive). Entries the
bank has not cleared are flagged `!`, cleared ones `*`; a `balance` directive per account is
dated the day after the last entry, since beancount checks a balance at the start of its day.

With a documents folder (`export --documents DIR`), each document of an exported entry is
written there once, as `<short hash>-<name>`, and a `document` directive on the entry's first
account points at it by its absolute path, linked to the entry (`^T4`), so that `bean-check`
finds the file and fava shows it with the transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import IO

from ledger_cli.app.documents import verified_chunks
from ledger_cli.domain.documents import short
from ledger_cli.domain.events import EventType
from ledger_cli.domain.money import format_amount
from ledger_cli.errors import IntegrityFailure
from ledger_cli.interop.atomicfile import replacing
from ledger_cli.interop.journal import ASSETS, Entry, Journal, one_line, posting_line


def write(journal: Journal, out: IO[str], documents: Path | None = None) -> None:
    """The journal as a beancount file: the accounts opened, the entries (with their
    documents, written into `documents` when it is given), the balances."""
    names = bean_accounts(list(journal.currencies))
    for line in journal.preamble(";"):
        out.write(line + "\n")
    out.write('\noption "title" "ledger export"\n')
    for b in journal.balances:
        out.write(f"\n{journal.opened[b.account]} open {names[b.account]} {b.currency.code}\n")
        out.write(f"  ledger_account: {_string(b.account)}\n")
    for entry in journal.entries():
        linked = documents is not None and bool(entry.documents)
        out.write("\n" + "\n".join(entry_lines(entry, names, linked=linked)) + "\n")
        if documents is not None:
            for doc in entry.documents:
                path = _document_file(journal, documents, doc.sha256, doc.name)
                account = names[entry.postings[0].account]
                out.write(f"{entry.date} document {account} {_string(str(path))} ^{entry.ref}\n")
    if not journal.balances:
        return
    # A beancount balance is checked at the start of its day: the day after the last entry.
    day = date.fromisoformat(journal.last_day) + timedelta(days=1)
    out.write("\n")
    for b in journal.balances:
        amount = f"{format_amount(b.balance, b.currency)} {b.currency.code}"
        out.write(posting_line(f"{day.isoformat()} balance ", names[b.account], amount) + "\n")
    if journal.counters:
        out.write("\n")
    for counter in sorted(journal.counters):
        out.write(f"{journal.first_day} open {bean_name(counter)}\n")


def _string(text: str) -> str:
    escaped = one_line(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _document_file(journal: Journal, folder: Path, sha256: str, name: str) -> Path:
    """The document's bytes as a file in `folder` (written once, whole or not at all), named
    by its short hash and its name made safe for a file system."""
    safe = _UNSAFE_NAME.sub("_", name).lstrip(".") or "document"
    target = folder.joinpath(f"{short(sha256)}-{safe}").absolute()
    if target.is_file() and _hash_of(target) == sha256:
        return target  # written by an earlier export, and still the same bytes
    size = journal.q.store.document_size(sha256)
    if size is None:
        raise IntegrityFailure(f"document {short(sha256)} is not stored; run `ledger reconcile`")
    with replacing(target, str(target), binary=True) as stream:
        for piece in verified_chunks(journal.q.store, sha256, size):
            stream.write(piece)
    return target


def _hash_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while piece := stream.read(1024 * 1024):
            digest.update(piece)
    return digest.hexdigest()


_UNSAFE_NAME = re.compile(r'[/\\\x00-\x1f"]')


def entry_lines(entry: Entry, names: Mapping[str, str], *, linked: bool = False) -> Iterator[str]:
    flag = "*" if entry.cleared else "!"
    payee = entry.details.get("payee")
    narration = entry.narration()
    strings = (
        f"{_string(str(payee))} {_string(narration)}"
        if payee
        else _string(narration)
    )
    link = f" ^{entry.ref}" if linked else ""
    yield f"{entry.date} {flag} {strings}{link}"
    yield f"  ref: {_string(entry.ref)}"
    if entry.details.get("number") is not None:
        yield f"  check: {_string(str(entry.details['number']))}"
    if entry.type == EventType.TRANSACTION_VOIDED and entry.details.get("voids"):
        yield f"  voids: {_string(str(entry.details['voids']))}"
    for p in entry.postings:
        status = "* " if entry.mixed and p.cleared else ""
        amount = f"{format_amount(p.amount, p.currency)} {p.currency.code}"
        yield posting_line("  ", status + names[p.account], amount)
    cur = entry.postings[0].currency
    for counter, minor in entry.counters:
        amount = f"{format_amount(minor, cur)} {cur.code}"
        yield posting_line("  ", bean_name(counter), amount)


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
