"""Writing an export to standard output, or to a file written whole or not at all: a temporary
file in the same folder, renamed over the target once the export is complete."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ledger_cli.errors import InvalidValue, OutputError
from ledger_cli.store.url import Location


@contextmanager
def destination(path: str | None, ledger: Location) -> Iterator[IO[str]]:
    """Standard output, or the file `path`, written whole or not at all: a temporary file in
    the same folder, renamed over `path` when the export is complete."""
    if path is None or path == "-":
        yield sys.stdout
        return
    target = Path(path).expanduser()
    refuse_the_ledger(target, path, ledger)
    if target.is_dir():
        raise InvalidValue(f"-o {path} is a folder")
    with replacing(target, path) as stream:
        yield stream


def refuse_the_ledger(target: Path, path: str, ledger: Location) -> None:
    """InvalidValue when `target` (given as `path`) is the ledger file itself (a ledger on a
    server is no file here)."""
    if not isinstance(ledger, Path):
        return
    try:
        same = target.exists() and ledger.exists() and target.samefile(ledger)
    except OSError:
        same = False
    if same:
        raise InvalidValue(f"-o {path} is the ledger itself; choose another file")


@contextmanager
def replacing(target: Path, path: str, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A stream into a temporary file beside `target` (private to the user), renamed over it
    when the block ends, and removed when it fails: `target` is written whole or not at all.
    `path`: how messages name it."""
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except OSError as error:
        raise InvalidValue(f"cannot write {path}: {error.strerror or error}") from None
    try:
        if binary:
            with os.fdopen(fd, "wb") as stream:
                yield stream
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as text:
                yield text
        os.replace(temporary, target)
    except OSError as error:
        os.unlink(temporary)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        os.unlink(temporary)
        raise
