"""The NDJSON backup (`export --format ndjson`, read by `restore`): its writer beside its reader.

A backup is a header line naming the format, its version and the last row, then every row of
the log, each column exactly as stored: a lossless copy, which `restore` writes back event for
event, so that the restored ledger's `digest` is the original's. Since version 2 it also
carries the documents: the bytes of each, once, in pieces of at most 1 MiB (base64) just
before the first event that attaches it, so that both sides stream in flat memory. Version 1
backups (made before documents existed) still restore.

Restore reads the file twice. The first pass verifies it whole (both chains, with the same
Verifier as `reconcile`) and touches no ledger; only when every line verifies does the second
pass append exactly the same rows through the application's one write path, verifying them
again as it goes, so a file that changed in between is rolled back. A line that is not a row of
a backup (not JSON, a missing or extra column, a value of the wrong type) is an invalid value,
exit 1; a row that is well formed but does not verify (a hash, a running balance, a gap, an
order) is an integrity failure, exit 3. Either way the message names the line and nothing is
written. A document whose pieces do not add up to its size and hash, or an event that attaches
a document the backup did not carry before it, is an integrity failure too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ledger_cli.app.documents import check_stored, verified_chunks
from ledger_cli.app.outcomes import Restored
from ledger_cli.app.queries import Queries
from ledger_cli.app.service import Document, Ledger
from ledger_cli.domain.documents import MAX_SIZE
from ledger_cli.domain.events import EventType
from ledger_cli.errors import IntegrityFailure, InvalidValue
from ledger_cli.store.base import COLUMNS, GENESIS, Row
from ledger_cli.store.chain import Verifier
from ledger_cli.view.progress import progress_bar

# The first line of a backup names the format and its version (restore checks both).
BACKUP_FORMAT = "ledger-backup"
BACKUP_VERSION = 2
READABLE_VERSIONS = (1, 2)
PIECE = 1024 * 1024  # bytes of a document per line

# -- writing ------------------------------------------------------------------------------------


def header(head: Row | None) -> dict[str, Any]:
    """The first line: the format, and the last row, which restore checks the rows against
    (so that a truncated file is refused). Nothing in it is free text: every byte counts."""
    return {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "events": head.seq if head else 0,
        "head": {"seq": head.seq, "hash": head.hash} if head else None,
    }


def write(q: Queries, out: IO[str], known_at: datetime | None) -> None:
    """The header line, then one line per stored row in seq order, each column exactly as
    stored: a lossless copy of the log (or of its prefix recorded by `known_at`), each
    document's pieces before the first row that attaches it."""
    head, rows = q.log(known_at)
    out.write(_json_line(header(head)))
    carried: set[str] = set()
    for row in rows:
        if row.type == EventType.DOCUMENT_ATTACHED:
            details = json.loads(row.details)
            sha = str(details["sha256"])
            if sha not in carried:
                _write_document(q, out, sha, int(details["size"]), row.seq)
                carried.add(sha)
        out.write(_json_line(dict(zip(COLUMNS, row, strict=True))))


def _write_document(q: Queries, out: IO[str], sha: str, size: int, seq: int) -> None:
    """The lines of one document: `{"document", "size", "offset", "data"}`, `data` the
    base64 of at most PIECE bytes from `offset`."""
    if q.store.document_size(sha) is None:
        raise IntegrityFailure(
            f"seq {seq} attaches document {sha[:12]}, which is not stored; run `ledger reconcile`"
        )
    offset = 0
    try:
        check_stored(q, sha, size)  # read through once first: no altered piece is written
        for chunk in verified_chunks(q.store, sha, size):
            for start in range(0, len(chunk), PIECE):
                piece = chunk[start : start + PIECE]
                data = base64.b64encode(piece).decode("ascii")
                line = {"document": sha, "size": size, "offset": offset, "data": data}
                out.write(_json_line(line))
                offset += len(piece)
    except IntegrityFailure:
        raise IntegrityFailure(
            f"seq {seq} attaches document {sha[:12]}, whose stored bytes no longer hash to it; "
            "run `ledger reconcile`"
        ) from None


def _json_line(value: Mapping[str, Any]) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 (only an edit of the file makes them) travel as \udcNN,
        # which JSON reads back to the same surrogates, so the row still hashes the same.
        text = json.dumps(value, separators=(",", ":"))
    return text + "\n"


# -- reading ------------------------------------------------------------------------------------

# Opens the backup again from its first line.
Reopen = Callable[[], AbstractContextManager[Iterable[bytes]]]
_INTEGERS = frozenset({"seq", "amount", "balance"})


def restore(ledger: Ledger, source: str, *, dry_run: bool = False) -> Restored:
    """Verify the backup `source` (a file, or `-` for standard input), then append its rows
    to `ledger`, which must be missing or hold no event (a `dry_run` writes nothing)."""
    ledger.require_empty()
    with _opened(source) as (name, reopen):
        with reopen() as stream:
            reader = _Reader(name, stream)
            total = reader.header_events
            with progress_bar("verifying", total if total >= 200_000 else None) as advance:
                for count, _ in enumerate(reader, start=1):
                    if advance is not None and count % 10_000 == 0:
                        advance(count)

        def rows() -> Iterator[Row | Document]:
            with reopen() as stream:
                yield from _Reader(name, stream, assemble=True)

        return ledger.restore(rows, dry_run=dry_run)


@contextmanager
def _opened(source: str) -> Iterator[tuple[str, Reopen]]:
    """The backup's name and a way to read its lines from the start, as often as needed: a
    file is opened again; standard input is copied to a temporary file as it is first read."""
    if source != "-":
        file = Path(source)
        if file.is_dir():
            raise InvalidValue(f"cannot restore from {source}: it is a folder")

        def reopen_file() -> Iterator[Iterable[bytes]]:
            try:
                stream = file.open("rb")
            except OSError as error:
                raise InvalidValue(f"cannot read {source}: {error.strerror or error}") from None
            with stream:
                yield stream

        yield source, contextmanager(reopen_file)
        return
    with tempfile.TemporaryFile() as copy:
        first = True

        def tee() -> Iterator[bytes]:
            for line in sys.stdin.buffer:
                copy.write(line)
                yield line

        def reopen_stdin() -> Iterator[Iterable[bytes]]:
            nonlocal first
            if first:
                first = False
                yield tee()
            else:
                copy.seek(0)
                yield copy

        yield "standard input", contextmanager(reopen_stdin)


class _Reader:
    """The verified rows of a backup, line by line; the first problem raises, naming the
    line. Reading the header happens on construction."""

    def __init__(self, name: str, stream: Iterable[bytes], *, assemble: bool = False) -> None:
        self.name = name
        self.lines = enumerate(stream, start=1)
        self.verifier = Verifier()
        self.count = 0
        self.assemble = assemble  # yield each document's bytes (else only verify them)
        self.documents: dict[str, int] = {}  # the documents carried so far: sha256 -> size
        self._piece: _Partial | None = None  # the document being read
        header = self._header()
        self.header_events: int = header["events"]
        self.version: int = header["version"]
        head = header["head"]
        self.header_head: tuple[int, str] = (
            (head["seq"], head["hash"]) if head is not None else (0, GENESIS)
        )

    def _fail(self, number: int, problem: str) -> InvalidValue:
        return InvalidValue(f"{self.name}, line {number}: {problem}; nothing was restored")

    def _json(self, number: int, raw: bytes) -> Any:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self._fail(number, "not UTF-8 text") from None
        try:
            return json.loads(
                text, parse_float=_no_float, parse_constant=_no_float,
                object_pairs_hook=_unique_keys,
            )
        except ValueError as error:
            raise self._fail(number, f"not a JSON object ({error})") from None

    def _header(self) -> dict[str, Any]:
        number, raw = next(self.lines, (1, b""))
        header = self._json(number, raw) if raw.strip() else None
        if not isinstance(header, dict) or header.get("format") != BACKUP_FORMAT:
            raise self._fail(
                number,
                "not a ledger backup (its first line names no format 'ledger-backup'; make "
                "one with `ledger export --format ndjson`)",
            )
        if header.get("version") not in READABLE_VERSIONS:
            raise self._fail(
                number,
                f"a backup of version {header.get('version')!r}; this ledger reads versions "
                "1 and 2",
            )
        if sorted(header) != ["events", "format", "head", "version"]:
            raise self._fail(number, "the header's keys are not format, version, events, head")
        events, head = header.get("events"), header.get("head")
        head_ok = head is None or (
            isinstance(head, dict)
            and sorted(head) == ["hash", "seq"]
            and type(head["seq"]) is int
            and isinstance(head["hash"], str)
        )
        if (
            type(events) is not int
            or not head_ok
            or events != (head["seq"] if head is not None else 0)
        ):
            raise self._fail(number, "the header's events or head is not valid")
        return header

    def __iter__(self) -> Iterator[Row | Document]:
        last = 1
        blank: int | None = None
        for number, raw in self.lines:
            last = number
            if not raw.strip():
                blank = blank or number
                continue
            if blank is not None:
                raise self._fail(blank, "an empty line inside the backup")
            value = self._json(number, raw)
            if isinstance(value, dict) and "document" in value:
                if self.version < 2:
                    raise self._fail(
                        number, "a document in a backup of version 1 (documents came with "
                        "version 2)",
                    )
                document = self._document(number, value)
                if document is not None:
                    yield document
                continue
            if self._piece is not None:
                raise IntegrityFailure(
                    f"{self.name}, line {number}: document {self._piece.sha256[:12]} ends "
                    f"after {self._piece.received} of its {self._piece.size} bytes; nothing "
                    "was restored"
                )
            yield self._row(number, value)
        if self._piece is not None:
            raise IntegrityFailure(
                f"{self.name}, line {last}: the backup ends inside document "
                f"{self._piece.sha256[:12]}, after {self._piece.received} of its "
                f"{self._piece.size} bytes: truncated; nothing was restored"
            )
        if (self.verifier.head_seq, self.verifier.head_hash) != self.header_head:
            seq, hash_ = self.header_head
            raise IntegrityFailure(
                f"{self.name}, line 1: the header names {self.header_events} events ending at "
                f"seq {seq} ({hash_[:12]}...), but the rows end at seq "
                f"{self.verifier.head_seq} (line {last}): truncated or altered; nothing was "
                "restored"
            )

    def _document(self, number: int, value: dict[str, Any]) -> Document | None:
        """Verify one piece of a document; the whole document when this piece completes it
        and the reader assembles (else None)."""
        if sorted(value) != ["data", "document", "offset", "size"] or not (
            isinstance(value["document"], str)
            and type(value["size"]) is int
            and type(value["offset"]) is int
            and isinstance(value["data"], str)
        ):
            raise self._fail(number, "not a document line (document, size, offset, data)")
        sha, size, offset = value["document"], value["size"], value["offset"]
        try:
            data = base64.b64decode(value["data"], validate=True)
        except (binascii.Error, ValueError):
            raise self._fail(number, "the document's data is not base64") from None
        part = self._piece
        if part is None:
            if offset != 0 or sha in self.documents or not 0 < size <= MAX_SIZE:
                raise self._fail(number, f"document {sha[:12]} does not start here")
            part = self._piece = _Partial(
                sha, size, hashlib.sha256(), bytearray(size) if self.assemble else None
            )
        elif (sha, size, offset) != (part.sha256, part.size, part.received):
            raise IntegrityFailure(
                f"{self.name}, line {number}: document {part.sha256[:12]} is cut off after "
                f"{part.received} of its {part.size} bytes; nothing was restored"
            )
        if not data or part.received + len(data) > size:
            raise self._fail(number, f"document {sha[:12]} has more bytes than its size")
        part.digest.update(data)
        if part.buffer is not None:
            part.buffer[part.received : part.received + len(data)] = data
        part.received += len(data)
        if part.received < size:
            return None
        self._piece = None
        if part.digest.hexdigest() != sha:
            raise IntegrityFailure(
                f"{self.name}, line {number}: the bytes of document {sha[:12]} do not hash to "
                "it (altered); nothing was restored"
            )
        self.documents[sha] = size
        if part.buffer is None:
            return None
        return Document(sha, memoryview(part.buffer))

    def _row(self, number: int, value: Any) -> Row:
        if not isinstance(value, dict) or sorted(value) != sorted(COLUMNS):
            raise self._fail(number, f"not an event row (the columns are {', '.join(COLUMNS)})")
        for column in COLUMNS:
            wanted = int if column in _INTEGERS else str
            if type(value[column]) is not wanted:
                kind = "an integer" if wanted is int else "a string"
                raise self._fail(number, f"{column} is not {kind}")
        row = Row(*(value[column] for column in COLUMNS))
        if row.type == EventType.DOCUMENT_ATTACHED:
            self._carried(number, row)
        before = len(self.verifier.findings)
        self.verifier.feed(row)
        self.count += 1
        if len(self.verifier.findings) > before:
            finding = self.verifier.findings[before]
            raise IntegrityFailure(
                f"{self.name}, line {number} (seq {finding.seq}) does not verify: "
                f"{finding.kind}: {finding.detail}; nothing was restored"
            )
        return row


    def _carried(self, number: int, row: Row) -> None:
        """A DocumentAttached must name a document the backup carried before it."""
        try:
            details = json.loads(row.details)
            sha, size = details["sha256"], details["size"]
        except (ValueError, KeyError, TypeError):
            return  # not a valid event: the verifier names it
        if self.documents.get(sha) != size:
            raise IntegrityFailure(
                f"{self.name}, line {number} (seq {row.seq}) attaches document "
                f"{str(sha)[:12]}, which the backup does not carry before it; nothing was "
                "restored"
            )


class _Partial:
    """A document whose pieces are being read: its hash so far, and its bytes when they are
    kept."""

    __slots__ = ("sha256", "size", "digest", "buffer", "received")

    def __init__(self, sha256: str, size: int, digest: Any, buffer: bytearray | None) -> None:
        self.sha256 = sha256
        self.size = size
        self.digest = digest
        self.buffer = buffer
        self.received = 0


def _no_float(text: str) -> Any:
    raise ValueError(f"{text} is not an integer")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("a key appears twice")
    return value
