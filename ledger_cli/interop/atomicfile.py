"""Writing an export to standard output, or to a file written whole or not at all: a temporary
file in the same folder, renamed over the target once the export is complete."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ledger_cli.errors import InvalidValue, OutputError


@contextmanager
def destination(path: str | None, ledger: Path) -> Iterator[IO[str]]:
    """Standard output, or the file `path`, written whole or not at all: a temporary file in
    the same folder, renamed over `path` when the export is complete."""
    if path is None or path == "-":
        yield sys.stdout
        return
    target = Path(path).expanduser()
    try:
        same = target.exists() and ledger.exists() and target.samefile(ledger)
    except OSError:
        same = False
    if same:
        raise InvalidValue(f"-o {path} is the ledger itself; choose another file")
    if target.is_dir():
        raise InvalidValue(f"-o {path} is a folder")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except OSError as error:
        raise InvalidValue(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.replace(temporary, target)
    except OSError as error:
        os.unlink(temporary)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        os.unlink(temporary)
        raise
