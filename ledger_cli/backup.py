"""`ledger restore`: an NDJSON backup (`ledger export --format ndjson`) written back, event for
event, into an empty ledger.

The file is read twice. The first pass verifies it whole (both chains, with the same Verifier
as `reconcile`) and touches no ledger; only when every line verifies does the second pass,
inside one write transaction, insert exactly the same rows (same seq, recorded times, hashes)
and derive the read models, so the restored ledger's `digest` is the original's. The second
pass verifies again as it inserts, so a file that changed in between is rolled back.

A line that is not a row of a backup (not JSON, a missing or extra column, a value of the wrong
type) is an invalid value, exit 1; a row that is well formed but does not verify (a hash, a
running balance, a gap, an order) is an integrity failure, exit 3. Either way the message
names the line and nothing is written.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_cli.chain import COLUMNS, GENESIS, Row, Verifier
from ledger_cli.errors import Denied, IntegrityFailure, InvalidValue, NoLedger
from ledger_cli.export import BACKUP_FORMAT, BACKUP_VERSION
from ledger_cli.output import progress_bar
from ledger_cli.store import Store

_BATCH = 5_000

# Opens the backup again from its first line.
Reopen = Callable[[], AbstractContextManager[Iterable[bytes]]]
_INTEGERS = frozenset({"seq", "amount", "balance"})


@dataclass(frozen=True)
class Restored:
    path: Path
    events: int
    head_seq: int
    head_hash: str


def restore(path: Path, source: str, *, create_folder: bool = False) -> Restored:
    """Verify the backup `source` (a file, or `-` for standard input) and write its rows into
    the ledger at `path`, which must be missing or hold no event."""
    _must_be_empty(path)
    with _opened(source) as (name, reopen):
        with reopen() as stream:
            rows = _Reader(name, stream)
            total = rows.header_events
            with progress_bar("verifying", total if total >= 200_000 else None) as advance:
                for count, _ in enumerate(rows, start=1):
                    if advance is not None and count % 10_000 == 0:
                        advance(count)
        with (
            Store.open(path, write=True, create_folder=create_folder) as store,
            store.transaction(),
        ):
            seq = store.head()[0]
            if seq:
                raise Denied(_not_empty(path, seq))
            with reopen() as stream:
                reader = _Reader(name, stream)
                batch: list[Row] = []
                for row in reader:
                    batch.append(row)
                    if len(batch) >= _BATCH:
                        store.insert(batch)
                        batch = []
                store.insert(batch)
            store.rebuild_read_models()
            head_seq, head_hash, _ = store.head()
    return Restored(path, reader.count, head_seq, head_hash)


def _not_empty(path: Path, events: int) -> str:
    return (
        f"the ledger at {path} already holds {events} events; restore writes only into a new "
        "or empty ledger (give another --db)"
    )


def _must_be_empty(path: Path) -> None:
    """Fail early, before reading the backup, when the target already holds events."""
    try:
        with Store.open(path, write=False) as store:
            seq = store.head()[0]
    except NoLedger:
        return
    if seq:
        raise Denied(_not_empty(path, seq))


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
