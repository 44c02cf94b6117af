"""Receipts (SPEC 13) on the application's side: a file read once into the hash and into the
one buffer the store writes from; the documents of a transaction as known at any moment; a
document's bytes, found by a prefix of its hash; and what reconcile checks of them. Nothing
here decides a command (domain/attaching.py) or writes one (the writer does)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ledger_cli.domain.documents import (
    MAX_SIZE,
    OCTET_STREAM,
    VOUCHER_TYPES,
    Attachment,
    check_prefix,
    clean_name,
    fold,
    pick,
    short,
    sniffed,
)
from ledger_cli.domain.events import DOCUMENT_TYPES, EventType
from ledger_cli.errors import IntegrityFailure, InvalidValue
from ledger_cli.store.base import Row, RowFilter, Store

if TYPE_CHECKING:
    from ledger_cli.app.results import RegisterLine
    from ledger_cli.app.snapshot import Snapshot
    from ledger_cli.store.chain import Finding

CHUNK = 1024 * 1024  # bytes read at a time
_MIB = 1024 * 1024


class Content(NamedTuple):
    """A file as read for `attach`: its hash, size, base name, media type, and its bytes
    (held once, in the buffer the store writes from)."""

    sha256: str
    size: int
    name: str
    media_type: str
    data: memoryview


def read_file(path: Path, shown: str | None = None) -> Content:
    """Read the regular file `path` once, each piece into the hash as it arrives; InvalidValue
    naming the file when it is missing, unreadable, empty, not a regular file, or larger than
    MAX_SIZE (checked before a byte is read, and again as it is read: a file that grows)."""
    label = shown or str(path)
    try:
        # Non-blocking: opening a named pipe must not wait for a writer (it is refused below).
        stream = os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb", buffering=0)
    except FileNotFoundError:
        raise InvalidValue(f"no file {label}") from None
    except IsADirectoryError:
        raise InvalidValue(f"{label} is a folder, not a file") from None
    except OSError as error:
        raise InvalidValue(f"cannot read {label}: {error.strerror or error}") from None
    with stream:
        try:
            info = os.fstat(stream.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise InvalidValue(f"{label} is a folder, not a file")
            if not stat.S_ISREG(info.st_mode):
                raise InvalidValue(f"{label} is not a regular file (a device, a pipe or a folder)")
            size = info.st_size
            if size == 0:
                raise InvalidValue(f"{label} is empty; there is nothing to keep")
            if size > MAX_SIZE:
                raise InvalidValue(_too_large(label, size))
            buffer = bytearray(size)
            view = memoryview(buffer)
            digest = hashlib.sha256()
            filled = 0
            while filled < size:
                count = stream.readinto(view[filled : filled + CHUNK])
                if not count:
                    break
                digest.update(view[filled : filled + count])
                filled += count
            if filled != size or stream.read(1):
                raise InvalidValue(f"{label} changed while it was read; try again")
        except OSError as error:
            raise InvalidValue(f"cannot read {label}: {error.strerror or error}") from None
    name = clean_name(path.name)
    return Content(digest.hexdigest(), size, name, media_type(bytes(view[:16]), name), view)


def media_type(head: bytes, name: str) -> str:
    """What a document is: from its first bytes when they are those of a known kind, else
    from its name, else application/octet-stream."""
    found = sniffed(head)
    if found is not None:
        return found
    import mimetypes  # only a file that shows nothing known: it reads the system's tables

    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or OCTET_STREAM


def _too_large(label: str, size: int) -> str:
    return (
        f"{label} is {size:,} bytes; a document may be at most {MAX_SIZE // _MIB} MiB "
        f"({MAX_SIZE:,} bytes)"
    )


def attached(store: Store, ref: str) -> tuple[Attachment, ...]:
    """The documents attached to `ref` now, from the log's document events."""
    return attachments(store.rows(RowFilter(types=DOCUMENT_TYPES))).get(ref, ())


def attachments(rows: Iterable[Row]) -> dict[str, tuple[Attachment, ...]]:
    """ref -> its documents, folded from the rows of document events."""
    import json

    found: dict[str, tuple[Attachment, ...]] = {}
    for row in rows:
        fold(found, row.seq, row.recorded_at, row.type, json.loads(row.details))
    return {ref: docs for ref, docs in found.items() if docs}


def known_attachments(snapshot: Snapshot, known: str | None) -> dict[str, tuple[Attachment, ...]]:
    """ref -> its documents, as the ledger knew them at `known` (the stored form)."""
    if not snapshot.store.may_hold_documents():
        return {}  # a file from before documents: no index to read, nothing to find
    return attachments(snapshot.store.rows(snapshot.known_filter(known, DOCUMENT_TYPES)))


def listing(snapshot: Snapshot, ref: str | None) -> list[Attachment]:
    """The documents attached now (to `ref`, or to any transaction), in the order attached;
    InvalidValue for a ref the ledger does not have."""
    every = known_attachments(snapshot, None)
    if ref is not None:
        if snapshot.store.find_transaction(ref) is None and not _in_log(snapshot.store, ref):
            raise InvalidValue(f"no transaction '{ref}'")
        return list(every.get(ref, ()))
    return sorted((doc for docs in every.values() for doc in docs), key=lambda doc: doc.seq)


def _in_log(store: Store, ref: str) -> bool:
    return next(store.rows(RowFilter(ref=ref), limit=1), None) is not None


class Stored(NamedTuple):
    """A stored document found for `docs get`: its hash, size, and a name for it."""

    sha256: str
    size: int
    name: str


def find(snapshot: Snapshot, given: str) -> Stored:
    """The stored document whose hash is `given` or starts with it (at least 8 hex digits,
    naming one document)."""
    prefix = check_prefix(given)
    store = snapshot.store
    sha = pick(prefix, store.documents_matching(prefix), "in this ledger")
    size = store.document_size(sha)
    assert size is not None
    names = [
        doc.name
        for docs in attachments(store.rows(RowFilter(types=DOCUMENT_TYPES))).values()
        for doc in docs
        if doc.sha256 == sha
    ]
    return Stored(sha, size, names[0] if names else short(sha))


def verified_chunks(store: Store, sha256: str, size: int) -> Iterator[bytes]:
    """The stored bytes of `sha256`, streamed; the last piece is given only once all of them
    hash to `sha256` and add up to `size`: IntegrityFailure (exit 3) instead when they do not,
    so that altered bytes are never handed out as the document the log names."""
    digest, count, held = hashlib.sha256(), 0, None
    for piece in store.document_chunks(sha256):
        if held is not None:
            yield held
        digest.update(piece)
        count += len(piece)
        held = piece
    if count != size or digest.hexdigest() != sha256:
        raise IntegrityFailure(
            f"the stored bytes of document {short(sha256)} no longer hash to it (altered); "
            "run `ledger reconcile`"
        )
    if held is not None:
        yield held


def chunks(snapshot: Snapshot, sha256: str, size: int) -> Iterator[bytes]:
    """A document's bytes for `docs get`, verified as they are read (verified_chunks)."""
    return verified_chunks(snapshot.store, sha256, size)


def check_stored(snapshot: Snapshot, sha256: str, size: int) -> None:
    """Read a document through once, to know it is intact before any of it is written
    where it cannot be taken back (standard output)."""
    for _ in verified_chunks(snapshot.store, sha256, size):
        pass


def problems(store: Store) -> tuple[list[Finding], list[str], int]:
    """What reconcile finds wrong with the documents: each DocumentAttached must name bytes
    that are stored with its size, and every stored document must still hash to its name
    (kind `document`, at the seq of the first event that names it). Also warnings: stored
    bytes that no event names; and how many documents were re-hashed. A ledger without
    documents costs two indexed reads."""
    from ledger_cli.store.chain import Finding

    stored = {sha: (size, length) for sha, size, length in store.stored_documents()}
    findings: list[Finding] = []
    named: dict[str, int] = {}  # sha256 -> the seq of the first event naming it
    import json

    for row in store.rows(RowFilter(types=(EventType.DOCUMENT_ATTACHED,))):
        try:
            details = json.loads(row.details)
            sha, size = str(details["sha256"]), int(details["size"])
        except (ValueError, KeyError, TypeError):
            continue  # a malformed event: the chain's format check names it
        named.setdefault(sha, row.seq)
        if sha not in stored:
            findings.append(Finding(
                row.seq, "document",
                f"{row.ref} attaches {details.get('name', '?')} (sha256 {short(sha)}) to "
                f"{details.get('attaches', '?')}, but no such document is stored (removed)",
            ))
        elif stored[sha][0] != size:
            findings.append(Finding(
                row.seq, "document",
                f"{row.ref} attaches sha256 {short(sha)} of {size} bytes, but the stored "
                f"document has {stored[sha][0]}",
            ))
    warnings: list[str] = []
    for sha, (size, length) in stored.items():
        digest = hashlib.sha256()
        for piece in store.document_chunks(sha):
            digest.update(piece)
        if length == size and digest.hexdigest() == sha:
            if sha not in named:
                warnings.append(f"the stored document {short(sha)} is named by no event")
            continue
        seq = named.get(sha, 0)
        if digest.hexdigest() == sha:
            detail = (
                f"the stored size of document {short(sha)} says {size} bytes, but its bytes "
                f"are {length} (altered)"
            )
        else:
            detail = (
                f"the stored bytes of document {short(sha)} no longer hash to it ({length} "
                f"bytes, sha256 {short(digest.hexdigest())}): altered"
            )
        findings.append(Finding(seq, "document", detail))
    return findings, warnings, len(stored)


def missing(
    lines: Iterable[RegisterLine], over: Callable[[RegisterLine], int]
) -> Iterator[RegisterLine]:
    """The lines of money entries that need a voucher and have none: deposits, checks,
    withdrawals, fees and interest that are not voided, whose amount is above `over` (in
    minor units of the line's currency; 0: any amount)."""
    for line in lines:
        if (
            line.row.type in VOUCHER_TYPES
            and line.voided_by is None
            and not line.documents
            and abs(line.row.amount) > over(line)
        ):
            yield line
