"""The NDJSON backup (`export --format ndjson`, read by `restore`): its writer beside its reader.

A backup is a header line naming the format, its version and the last row, then every row of
the log, each column exactly as stored: a lossless copy, which `restore` writes back event for
event, so that the restored ledger's `digest` is the original's.

Restore reads the file twice. The first pass verifies it whole (both chains, with the same
Verifier as `reconcile`) and touches no ledger; only when every line verifies does the second
pass append exactly the same rows through the application's one write path, verifying them
again as it goes, so a file that changed in between is rolled back. A line that is not a row of
a backup (not JSON, a missing or extra column, a value of the wrong type) is an invalid value,
exit 1; a row that is well formed but does not verify (a hash, a running balance, a gap, an
order) is an integrity failure, exit 3. Either way the message names the line and nothing is
written.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ledger_cli.app.outcomes import Restored
from ledger_cli.app.queries import Queries
from ledger_cli.app.service import Ledger
from ledger_cli.errors import IntegrityFailure, InvalidValue
from ledger_cli.store.base import COLUMNS, GENESIS, Row
from ledger_cli.store.chain import Verifier
from ledger_cli.view.progress import progress_bar

# The first line of a backup names the format and its version (restore checks both).
BACKUP_FORMAT = "ledger-backup"
BACKUP_VERSION = 1

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
    stored: a lossless copy of the log (or of its prefix recorded by `known_at`)."""
    head, rows = q.log(known_at)
    out.write(_json_line(header(head)))
    for row in rows:
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

        def rows() -> Iterator[Row]:
            with reopen() as stream:
                yield from _Reader(name, stream)

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

    def __init__(self, name: str, stream: Iterable[bytes]) -> None:
        self.name = name
        self.lines = enumerate(stream, start=1)
        self.verifier = Verifier()
        self.count = 0
        header = self._header()
        self.header_events: int = header["events"]
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
        if header.get("version") != BACKUP_VERSION:
            raise self._fail(
                number,
                f"a backup of version {header.get('version')!r}; this ledger reads version "
                f"{BACKUP_VERSION}",
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

    def __iter__(self) -> Iterator[Row]:
        last = 1
        blank: int | None = None
        for number, raw in self.lines:
            last = number
            if not raw.strip():
                blank = blank or number
                continue
            if blank is not None:
                raise self._fail(blank, "an empty line inside the backup")
            yield self._row(number, raw)
        if (self.verifier.head_seq, self.verifier.head_hash) != self.header_head:
            seq, hash_ = self.header_head
            raise IntegrityFailure(
                f"{self.name}, line 1: the header names {self.header_events} events ending at "
                f"seq {seq} ({hash_[:12]}...), but the rows end at seq "
                f"{self.verifier.head_seq} (line {last}): truncated or altered; nothing was "
                "restored"
            )

    def _row(self, number: int, raw: bytes) -> Row:
        value = self._json(number, raw)
        if not isinstance(value, dict) or sorted(value) != sorted(COLUMNS):
            raise self._fail(number, f"not an event row (the columns are {', '.join(COLUMNS)})")
        for column in COLUMNS:
            wanted = int if column in _INTEGERS else str
            if type(value[column]) is not wanted:
                kind = "an integer" if wanted is int else "a string"
                raise self._fail(number, f"{column} is not {kind}")
        row = Row(*(value[column] for column in COLUMNS))
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


def _no_float(text: str) -> Any:
    raise ValueError(f"{text} is not an integer")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("a key appears twice")
    return value
