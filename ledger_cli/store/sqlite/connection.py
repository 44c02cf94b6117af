"""Opening an SQLite file safely: creating it private, telling a ledger from other files,
connecting for writes or for read-only queries, waiting for another writer's lock, and
translating sqlite3 and OS errors into one-line StorageErrors that name the file.

Errors are told apart by SQLite's own result code (`sqlite3.Error.sqlite_errorname`, such as
SQLITE_BUSY or SQLITE_NOTADB), never by the wording of its message.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger_cli.errors import StorageError

DEFAULT_BUSY_TIMEOUT_MS = 10_000
MAX_BUSY_TIMEOUT_MS = 3_600_000


# SQLite's own busy handler waits this long per statement; longer waits for the write lock are
# a loop in Python (`retry_while_busy`), so that Ctrl-C is noticed while a command waits.
SQLITE_WAIT_MS = 100


def error_kind(error: sqlite3.Error) -> str:
    """SQLite's primary result code of `error` (`SQLITE_BUSY` for SQLITE_BUSY_SNAPSHOT, ...),
    or "" when the error carries none."""
    name = getattr(error, "sqlite_errorname", None) or ""
    parts = name.split("_")
    return "_".join(parts[:2])


def is_busy(error: sqlite3.Error) -> bool:
    """Another connection holds the lock this statement needs."""
    return error_kind(error) in ("SQLITE_BUSY", "SQLITE_LOCKED")


def retry_while_busy(path: Path, statement: Callable[[], object]) -> None:
    """Run `statement` until no other process holds the lock, for up to the busy timeout."""
    timeout = busy_timeout_ms() / 1000
    deadline = time.monotonic() + timeout
    with translate_errors(path):
        while True:
            try:
                statement()
                return
            except sqlite3.OperationalError as error:
                if not is_busy(error):
                    raise
                if time.monotonic() >= deadline:
                    raise StorageError(
                        f"{path} is locked by another process (waited {timeout:g} s)"
                    ) from error
            time.sleep(0.01)


def busy_timeout_ms() -> int:
    """How long a command waits for another process's write (LEDGER_BUSY_TIMEOUT, seconds)."""
    raw = os.environ.get("LEDGER_BUSY_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_BUSY_TIMEOUT_MS
    from decimal import Decimal, InvalidOperation

    try:
        seconds = Decimal(raw)
    except InvalidOperation:
        seconds = None
    if seconds is None or not seconds.is_finite() or seconds < 0:
        return DEFAULT_BUSY_TIMEOUT_MS
    return min(int(seconds * 1000), MAX_BUSY_TIMEOUT_MS)


_MESSAGES = {
    "SQLITE_BUSY": "{path} is locked by another process",
    "SQLITE_LOCKED": "{path} is locked by another process",
    "SQLITE_NOTADB": "{path} is not a ledger file (not an SQLite database)",
    "SQLITE_READONLY": "{path} cannot be written: the file or its folder is read-only",
    "SQLITE_CANTOPEN": "{path} cannot be opened: {message}",
}


@contextmanager
def translate_errors(path: Path) -> Iterator[None]:
    """Turn sqlite3 and OS errors into one-line StorageErrors that name the file."""
    try:
        yield
    except sqlite3.Error as error:
        template = _MESSAGES.get(error_kind(error), "{path}: {message}")
        raise StorageError(template.format(path=path, message=error)) from error
    except OSError as error:
        raise StorageError(f"{path}: {error.strerror or error}") from error


def _decode(raw: bytes) -> str:
    """Text columns as stored; bytes that are not UTF-8 (only an edit of the file makes
    them) survive as surrogates, so the hash check sees exactly what is on disk."""
    return raw.decode("utf-8", "surrogateescape")


def connect(target: str, *, uri: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(target, uri=uri, timeout=SQLITE_WAIT_MS / 1000, isolation_level=None)
    conn.text_factory = _decode
    return conn


def connect_for_query(path: Path) -> sqlite3.Connection:
    """A connection that cannot create the file (`mode=rw`; SQLite falls back to read-only
    for a write-protected file). In a read-only folder, where SQLite cannot make the WAL
    index, it opens the file as immutable: no process can be writing to it there."""
    base = path.absolute().as_uri()
    conn = connect(base + "?mode=rw", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        return conn
    except sqlite3.OperationalError as error:
        conn.close()
        if error_kind(error) not in ("SQLITE_CANTOPEN", "SQLITE_READONLY"):
            raise
    return connect(base + "?mode=ro&immutable=1", uri=True)


def looks_like_sqlite(path: Path) -> bool:
    """An empty file (a new ledger) or one with SQLite's header. SQLite itself takes a
    one-byte file for an empty database, and a write would overwrite it."""
    with path.open("rb") as file:
        header = file.read(16)
    return header in (b"", b"SQLite format 3\x00")


def create_file(path: Path, create_folder: bool) -> None:
    """Create an empty ledger file readable by its owner only (0600), in a 0700 folder."""
    folder = path.parent
    if not folder.exists():
        if not create_folder:
            raise StorageError(f"cannot create {path}: the folder {folder} does not exist")
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
