"""Documents (SPEC 13): the receipts and invoices behind entries, hashed into the log. What a
document is (its hash, size, name, media type) and which transaction it belongs to. The
commands that attach and detach one are decided in attaching.py; the bytes themselves are the
store's, and reading a file is the application's (app/documents.py). Nothing here touches a
file or a database."""

# No postponed annotations: typing.NamedTuple would compile each string annotation into a
# ForwardRef, doubling what defining a record costs at every start-up (see store/base.py).

import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import NamedTuple

from ledger_cli.domain.events import EventType
from ledger_cli.errors import InvalidValue

MAX_SIZE = 25 * 1024 * 1024  # bytes: a scanned receipt is far smaller
SHORT = 12  # the hex digits of a hash that listings and journals show
MIN_PREFIX = 8  # the fewest hex digits that may name a document
MAX_NAME = 255  # characters of a file's base name that are kept

_HEX = re.compile(r"[0-9a-f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# The first bytes of the kinds of file a receipt usually is, for a file whose name says
# nothing (a scan saved without an extension).
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"PK\x03\x04", "application/zip"),
)
OCTET_STREAM = "application/octet-stream"

# The entries that need a voucher (`docs missing`): money that comes from or goes to someone
# else. A transfer between the ledger's own accounts, a void and its reversal need none.
VOUCHER_TYPES = (
    EventType.CASH_WITHDRAWN,
    EventType.CHECK_WRITTEN,
    EventType.FEE_CHARGED,
    EventType.FUNDS_DEPOSITED,
    EventType.INTEREST_PAID,
)


class Attachment(NamedTuple):
    """A document as it belongs to a transaction: the DocumentAttached event that attached
    it (`seq`, `recorded_at`) and what that event says of it."""

    ref: str  # the transaction it belongs to
    sha256: str
    size: int
    name: str
    media_type: str
    note: str | None
    seq: int
    recorded_at: str


def sniffed(head: bytes) -> str | None:
    """The media type a document's first bytes show, when they are those of a known kind."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def clean_name(name: str) -> str:
    """A file's base name as the log keeps it: valid UTF-8 (bytes that are not become "?"),
    no control characters, at most MAX_NAME characters."""
    valid = name.encode("utf-8", "replace").decode("utf-8").replace("\ufffd", "?")
    valid = _CONTROL.sub("?", valid)
    return valid[:MAX_NAME] or "document"


def check_prefix(value: str) -> str:
    """A document's SHA-256 or a prefix of it: lowercase hex, at least MIN_PREFIX digits."""
    given = value.strip().lower()
    if not _HEX.fullmatch(given) or len(given) > 64:
        raise InvalidValue(f"{value!r} is not a SHA-256 (64 hex digits) or a prefix of one")
    if len(given) < MIN_PREFIX:
        raise InvalidValue(
            f"{value!r} is too short to name a document; give at least {MIN_PREFIX} hex digits"
        )
    return given


def pick(prefix: str, hashes: Iterable[str], where: str) -> str:
    """The one hash of `hashes` that starts with `prefix`; InvalidValue when none or several
    do (`where`: what was searched, for the message)."""
    found = sorted({sha for sha in hashes if sha.startswith(prefix)})
    if not found:
        raise InvalidValue(f"no document {prefix} {where}")
    if len(found) > 1:
        shown = ", ".join(sha[:SHORT] for sha in found[:5])
        raise InvalidValue(
            f"{prefix} names {len(found)} documents {where} ({shown}); give more digits"
        )
    return found[0]


def size_text(size: int) -> str:
    """A size for people: "812 bytes", "48.2 KiB", "10.0 MiB" (tenths rounded down)."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    unit, name = (1024 * 1024, "MiB") if size >= 1024 * 1024 else (1024, "KiB")
    tenths = size * 10 // unit
    return f"{tenths // 10}.{tenths % 10} {name}"


def short(sha256: str) -> str:
    return sha256[:SHORT]


def fold(
    attached: MutableMapping[str, tuple[Attachment, ...]],
    seq: int,
    recorded_at: str,
    kind: str,
    details: Mapping[str, str | int],
) -> None:
    """Fold one document event into `attached` (ref -> its documents, in the order they
    were attached)."""
    if kind == EventType.DOCUMENT_ATTACHED:
        ref = str(details["attaches"])
        note = details.get("note")
        new = Attachment(
            ref, str(details["sha256"]), int(details["size"]), str(details["name"]),
            str(details["media_type"]), None if note is None else str(note), seq, recorded_at,
        )
        attached[ref] = (*attached.get(ref, ()), new)
    elif kind == EventType.DOCUMENT_DETACHED:
        ref = str(details["detaches"])
        sha = str(details["sha256"])
        attached[ref] = tuple(doc for doc in attached.get(ref, ()) if doc.sha256 != sha)


def is_sha256(value: str) -> bool:
    """Whether `value` is a SHA-256 as the log writes it: 64 lowercase hex digits."""
    return len(value) == 64 and _HEX.fullmatch(value) is not None
