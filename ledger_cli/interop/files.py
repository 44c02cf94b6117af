"""Opening what `import` and `statement` read: a file or standard input, as UTF-8 text,
streamed, with a progress bar on a terminal for a long import. The rows themselves are read by
importer.py and bankcsv.py."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from ledger_cli.app.service import CommandRow
from ledger_cli.errors import InvalidValue
from ledger_cli.interop import importer
from ledger_cli.view.progress import progress_bar

FORMATS = ("csv", "ndjson")
_PROGRESS_EVERY = 2_000  # lines between two updates of the progress bar


@contextmanager
def open_rows(source: str, fmt: str | None) -> Iterator[Iterator[CommandRow]]:
    """The rows of `source` (`-`: standard input), in `fmt` (None: detected)."""
    if fmt is not None and fmt.lower() not in FORMATS:
        raise InvalidValue(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    with _opened(source) as (stream, name):
        lines = _decoded(stream, name)
        first = next(lines, "")
        chosen = fmt.lower() if fmt else importer.detect_format(source, first)
        everything = itertools.chain([first] if first else [], lines)
        total = _size(stream) if source != "-" else None
        with progress_bar("importing", total if total and total >= 1_000_000 else None) as advance:
            yield importer.read_rows(_counted(everything, advance), chosen, source)


@contextmanager
def open_lines(source: str) -> Iterator[Iterator[str]]:
    """The lines of `source` (`-`: standard input) as UTF-8 text, for the csv module."""
    with _opened(source) as (stream, name):
        yield _decoded(stream, name)


@contextmanager
def _opened(source: str) -> Iterator[tuple[IO[bytes], str]]:
    """`source` opened for reading, with the name messages give it; closed after (but not
    standard input)."""
    name = "standard input" if source == "-" else source
    stream = _open(source, name)
    try:
        yield stream, name
    finally:
        if source != "-":
            stream.close()


def _open(source: str, name: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    try:
        if os.path.isdir(source):
            raise InvalidValue(f"cannot import {name}: it is a folder")
        return open(source, "rb")  # noqa: SIM115
    except OSError as error:
        raise InvalidValue(f"cannot read {name}: {error.strerror or error}") from None


def _decoded(stream: IO[bytes], name: str) -> Iterator[str]:
    """The lines of `stream` as text, decoded one by one so that a byte that is not UTF-8 is
    reported on its own line. A UTF-8 byte order mark at the start is dropped."""
    number = 0
    try:
        for number, raw in enumerate(stream, start=1):  # noqa: B007
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            yield raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidValue(f"{name}: line {number} is not UTF-8 text") from None
    except OSError as error:
        raise InvalidValue(f"cannot read {name}: {error.strerror or error}") from None


def _size(stream: IO[bytes]) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, ValueError):
        return None


def _counted(lines: Iterator[str], advance: Callable[[int], None] | None) -> Iterator[str]:
    if advance is None:
        yield from lines
        return
    done = 0
    for number, line in enumerate(lines, start=1):
        done += len(line)
        if number % _PROGRESS_EVERY == 0:
            advance(done)
        yield line
