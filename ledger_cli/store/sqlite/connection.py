"""Opening an SQLite file safely: creating it private, telling a ledger from other files,
connecting for writes or for read-only queries, waiting for another writer's lock, and
translating sqlite3 and OS errors into one-line StorageErrors that name the file.

Errors are told apart by SQLite's own result code (`sqlite3.Error.sqlite_errorname`, such as
SQLITE_BUSY or SQLITE_NOTADB), never by the wording of its message.

A query leaves no file of its own behind and changes no mode (README, "Files and
environment"). A ledger is a WAL database, and SQLite gives every connection to one a
write-ahead log (`-wal`) and its shared-memory index (`-shm`), creating them when they are
missing, with the mode of the database file. The last connection to close checkpoints the log
and deletes both, once an exclusive lock on the database file has proved that no other
connection is using them. So `connect_for_query` chooses by what the process may do:

- A file it may write: `mode=rw` (it cannot create the file), as any connection. Its -wal and
  -shm go with its close, or, when another process has the file open, stay for that process
  (a -wal may hold commits not yet copied into the file: only that rule may remove it).
- A file nobody may write (no write permission for anyone, or a read-only mount), where SQLite
  could make the two files but, being read-only, could not take the lock that lets it delete
  them (they would stay, with the file's mode: `-r--------` files that then refuse the next
  write once the file is writable again): when no -wal and no hot -journal is there, the file
  holds every commit, and it is opened `immutable=1`, which reads the file alone and makes
  nothing. For the length of the query the process holds a shared lock on the file, the one a
  reader of a rollback-journal database holds: a privileged process that writes it anyway
  cannot checkpoint into it on closing (its commits stay in its -wal) while the file is read.
- Otherwise (a -wal is there: another process's, or left by a killed writer, which may hold
  commits; or others may write a file this process may not), the ordinary read-only
  connection, which reads the -wal and leaves the files as they were.
- A read-only folder, where SQLite cannot make a -shm: `immutable=1` as above when no -wal is
  there; with one, the query cannot read it, and says so.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger_cli.errors import StorageError
from ledger_cli.store.timeout import busy_timeout_ms
from ledger_cli.store.url import Location

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


def retry_while_busy(path: Location, statement: Callable[[], object]) -> None:
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


_MESSAGES = {
    "SQLITE_BUSY": "{path} is locked by another process",
    "SQLITE_LOCKED": "{path} is locked by another process",
    "SQLITE_NOTADB": "{path} is not a ledger file (not an SQLite database)",
    "SQLITE_READONLY": "{path} cannot be written: the file or its folder is read-only",
    "SQLITE_CANTOPEN": "{path} cannot be opened: {message}",
}


@contextmanager
def translate_errors(path: Location) -> Iterator[None]:
    """Turn sqlite3 and OS errors into one-line StorageErrors that name the file."""
    try:
        yield
    except sqlite3.Error as error:
        kind = error_kind(error)
        template = _MESSAGES.get(kind, "{path}: {message}")
        message = (
            _read_only_sidecar(path)
            if kind == "SQLITE_READONLY" and isinstance(path, Path)
            else None
        )
        raise StorageError(message or template.format(path=path, message=error)) from error
    except OSError as error:
        raise StorageError(f"{path}: {error.strerror or error}") from error


def _read_only_sidecar(path: Path) -> str | None:
    """The message for a write refused because SQLite's -wal or -shm next to the ledger is
    read-only (an earlier version's query could leave them so), or None."""
    for suffix in ("-shm", "-wal"):
        sidecar = _sidecar(path, suffix)
        try:
            if sidecar.exists() and not _may_write(sidecar):
                return (
                    f"{path} cannot be written: {sidecar.name} next to it is read-only "
                    "(make it writable: chmod u+w)"
                )
        except OSError:
            return None
    return None


def _decode(raw: bytes) -> str:
    """Text columns as stored; bytes that are not UTF-8 (only an edit of the file makes
    them) survive as surrogates, so the hash check sees exactly what is on disk."""
    return raw.decode("utf-8", "surrogateescape")


def connect(
    target: str, *, uri: bool, factory: type[sqlite3.Connection] = sqlite3.Connection
) -> sqlite3.Connection:
    conn = sqlite3.connect(
        target, uri=uri, timeout=SQLITE_WAIT_MS / 1000, isolation_level=None, factory=factory
    )
    conn.text_factory = _decode
    return conn


def connect_for_query(path: Path) -> sqlite3.Connection:
    """A connection that reads the ledger, never creates it, and leaves no file of its own
    behind (the module's docstring says how)."""
    base = path.absolute().as_uri()
    if not _may_write(path) and _nobody_may_write(path):
        reader = _immutable_reader(path, base)
        if reader is not None:
            return reader
    # mode=rw: SQLite falls back to read-only for a file this process may not write.
    conn = connect(base + "?mode=rw", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        return conn
    except sqlite3.OperationalError as error:
        conn.close()
        if error_kind(error) not in ("SQLITE_CANTOPEN", "SQLITE_READONLY"):
            raise
    # A read-only folder: SQLite cannot make the -shm there.
    reader = _immutable_reader(path, base)
    if reader is None:
        raise StorageError(
            f"{path} cannot be read: its folder is read-only, and SQLite cannot read the "
            f"write-ahead log {_sidecar(path, '-wal').name} there without its index (-shm)"
        )
    return reader


class _ImmutableReader(sqlite3.Connection):
    """A connection opened `immutable=1`, with the descriptor that holds a shared lock on the
    file while it is open (closed with it)."""

    lock: int | None = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.lock is not None:
                fd, self.lock = self.lock, None
                os.close(fd)


# SQLite's locks on a database file (os_unix.c): readers hold a read lock on these bytes,
# and a writer that takes the file for itself (a checkpoint on close) a write lock.
_SHARED_FIRST = 0x40000000 + 2
_SHARED_SIZE = 510


def _immutable_reader(path: Path, base: str) -> sqlite3.Connection | None:
    """The file opened `immutable=1` under a shared lock, or None when a -wal or a hot
    -journal is there (the file alone may not hold every commit)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        _lock_shared(path, fd)
        wal, shm = _sidecar(path, "-wal"), _sidecar(path, "-shm")
        # An empty -wal without a -shm is a leftover no connection uses: it holds nothing.
        if _holds_data(_sidecar(path, "-journal")) or (
            wal.exists() and (_holds_data(wal) or shm.exists())
        ):
            os.close(fd)
            return None
        conn = connect(base + "?mode=ro&immutable=1", uri=True, factory=_ImmutableReader)
    except BaseException:
        os.close(fd)
        raise
    assert isinstance(conn, _ImmutableReader)
    conn.lock = fd
    return conn


def _lock_shared(path: Path, fd: int) -> None:
    """A shared lock on the file, waiting (up to the busy timeout) while a writer has it for
    itself."""
    import errno
    import fcntl

    deadline = time.monotonic() + busy_timeout_ms() / 1000
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, _SHARED_SIZE, _SHARED_FIRST)
            return
        except OSError as error:
            if error.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            if time.monotonic() >= deadline:
                raise StorageError(f"{path} is locked by another process") from error
        time.sleep(0.01)


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _holds_data(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def _may_write(path: Path) -> bool:
    """Whether this process may open the file for writing (its permissions and the mount)."""
    return os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def _nobody_may_write(path: Path) -> bool:
    """No write permission for anyone (only a privileged process could write the file), or
    a read-only mount."""
    if path.stat().st_mode & 0o222 == 0:
        return True
    statvfs = getattr(os, "statvfs", None)
    return statvfs is not None and bool(statvfs(path).f_flag & getattr(os, "ST_RDONLY", 1))


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
