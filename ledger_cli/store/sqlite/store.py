"""The SQLite backend of the storage interface (store/base.py): one ledger file.

A write opens the file (creating it, private, on the first write) and works in one
`BEGIN IMMEDIATE` transaction, so concurrent writers serialise and each reads the head it
appends to. A query opens it without creating anything and reads one snapshot. Every sqlite3
or OS error is translated into a StorageError where it happens, naming the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

from ledger_cli import interrupts
from ledger_cli.errors import IntegrityFailure, NoLedger, StorageError
from ledger_cli.store.base import Progress
from ledger_cli.store.sql.store import SqlStore
from ledger_cli.store.sqlite import schema
from ledger_cli.store.sqlite.connection import (
    connect,
    connect_for_query,
    create_file,
    looks_like_sqlite,
    retry_while_busy,
    translate_errors,
)
from ledger_cli.store.timeout import busy_timeout_ms
from ledger_cli.store.url import Location

# PRAGMA values and the number of tables, read in one statement: one snapshot of a file that
# another process may be creating at this moment.
_IDENTITY = (
    "SELECT application_id, user_version, (SELECT count(*) FROM sqlite_schema) "
    "FROM pragma_application_id, pragma_user_version"
)


class SqliteStore(SqlStore):
    """An open ledger file. Use `SqliteStore.open` and close it (it is a context manager)."""

    conn: sqlite3.Connection

    def __init__(self, conn: sqlite3.Connection, path: Location, *, write: bool) -> None:
        self.conn = conn
        self.path = path
        self._write = write  # opened for writing
        self._schema_pending = False
        self._version = 0  # the schema version of the file
        self._appender: str | None = None

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def writable(self) -> bool:
        return self._write

    @property
    def appender(self) -> str:
        """The login name of the user running the command (the user ID when it has none)."""
        if self._appender is None:
            self._appender = login_name()
        return self._appender

    def _errors(self) -> AbstractContextManager[None]:
        return translate_errors(self.path)

    @classmethod
    def open(
        cls, path: Path, *, write: bool, create_folder: bool = False, damaged_ok: bool = False
    ) -> SqliteStore:
        """Open the ledger at `path`. Only a write creates it (0600, folder 0700 when
        `create_folder`); a query on a missing file is NoLedger. A log whose table was
        rebuilt without its guards is refused (IntegrityFailure) unless `damaged_ok`."""
        busy_timeout_ms()  # LEDGER_BUSY_TIMEOUT is checked by every command, never ignored
        with translate_errors(path):
            exists = path.exists()
            if not exists and not write:
                raise NoLedger(f"no ledger at {path}")
            if not exists:
                create_file(path, create_folder)
            elif path.is_dir():
                raise StorageError(f"{path} is a folder, not a ledger file")
            elif not looks_like_sqlite(path):
                raise StorageError(f"{path} is not a ledger file (not an SQLite database)")
            conn = connect(str(path), uri=False) if write else connect_for_query(path)
            store = cls(conn, path, write=write)
            try:
                store._prepare(damaged_ok)
            except BaseException:
                conn.close()
                raise
            return store

    @classmethod
    def scratch(cls, path: Location) -> SqliteStore:
        """An empty ledger in memory, standing for the missing file at `path`: what a dry
        run decides against when there is no ledger yet (nothing is created on disk)."""
        with translate_errors(path):
            store = cls(connect(":memory:", uri=False), path, write=True)
        store._schema_pending = True
        return store

    def _prepare(self, damaged_ok: bool) -> None:
        state, version = self._identify()
        self._version = version
        if state == "newer":
            raise StorageError(
                f"{self.path} was written by a newer version of ledger (schema {version}; "
                f"this one knows {schema.SCHEMA_VERSION}); upgrade ledger"
            )
        if state == "current" and not damaged_ok and self.schema_problem() is not None:
            raise IntegrityFailure(
                f"{self.path}: the events table was rebuilt without its STRICT types; "
                "run `ledger reconcile`"
            )
        if not self._write:
            if state == "empty":
                # A file whose first write has not committed (yet, or ever: it was killed).
                raise NoLedger(f"no ledger at {self.path} (the file is empty)")
            return
        self.conn.execute("PRAGMA synchronous = FULL")
        if state == "current":
            retry_while_busy(self.path, lambda: self.conn.execute("PRAGMA journal_mode = WAL"))
        else:
            # Created or upgraded inside the command's own transaction, so that a denied
            # command leaves even an empty file as it was.
            self._schema_pending = True

    def _identify(self) -> tuple[str, int]:
        """('current' | 'older' | 'newer' | 'empty', schema version), or raise: not a
        ledger."""
        app_id, version, tables = self.conn.execute(_IDENTITY).fetchone()
        if app_id == 0 and version == 0 and tables == 0:
            return "empty", 0
        if app_id != schema.APPLICATION_ID:
            raise StorageError(f"{self.path} is an SQLite database but not a ledger file")
        if version > schema.SCHEMA_VERSION:
            return "newer", version
        return ("current" if version == schema.SCHEMA_VERSION else "older"), version

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, dry_run: bool = False) -> Iterator[None]:
        """One BEGIN IMMEDIATE transaction: concurrent writers wait (busy timeout) and
        serialise, so each reads the head it appends to. A `dry_run` is rolled back."""
        if not self._write:
            raise StorageError(f"{self.path} was opened for reading, not for a write")
        retry_while_busy(self.path, lambda: self.conn.execute("BEGIN IMMEDIATE"))
        version = self._version
        try:
            if self._schema_pending:
                with translate_errors(self.path):
                    if self._identify()[0] != "current":
                        schema.migrate(self.conn)
                self._version = schema.SCHEMA_VERSION
            yield
            if not dry_run:
                # From here on the command finishes whatever signal comes: a write that
                # committed exits 0 with its result (interrupts.py). One that came before
                # stops it here, rolled back.
                interrupts.hold()
        except BaseException:
            self._version = version
            with translate_errors(self.path):
                self.conn.execute("ROLLBACK")
            raise
        if dry_run:
            self._version = version
            with translate_errors(self.path):
                self.conn.execute("ROLLBACK")
            return
        try:
            retry_while_busy(self.path, lambda: self.conn.execute("COMMIT"))
        except BaseException:
            interrupts.release()  # nothing was recorded: a signal may stop the command
            raise
        if self._schema_pending:
            self._schema_pending = False
            # Best effort: the events are committed whatever happens here, and the next
            # write switches to WAL when this one could not.
            with suppress(sqlite3.Error):
                self.conn.execute("PRAGMA journal_mode = WAL")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same state of the log."""
        with translate_errors(self.path):
            self.conn.execute("BEGIN")
        try:
            yield
        finally:
            with translate_errors(self.path):
                self.conn.execute("ROLLBACK")

    # -- the read models (the rest is shared: sql/store.py) ------------------------------------

    def _has_read_models(self) -> bool:
        # A file from before some read models: their tables do not exist (yet; the next
        # write migrates it and derives them).
        return self._version >= schema.READ_MODELS_VERSION

    def rebuild_read_models(self) -> None:
        from ledger_cli.store.sqlite.rebuild import rebuild

        with translate_errors(self.path):
            rebuild(self.conn)

    # -- integrity ----------------------------------------------------------------------------

    def quick_check(self, head: int, progress: Progress | None) -> dict[str, int] | None:
        from ledger_cli.store.sqlite.fastcheck import log_is_clean

        return log_is_clean(self.conn, head, progress, str(self.path))

    def schema_problem(self) -> str | None:
        with translate_errors(self.path):
            found = self.conn.execute(
                "SELECT strict FROM pragma_table_list WHERE schema = 'main' AND name = 'events'"
            ).fetchone()
        return None if found and found[0] else "the events table is no longer STRICT"

    def missing_guards(self) -> list[str]:
        from ledger_cli.store.sqlite import documents

        with translate_errors(self.path):
            present = {
                name
                for (name,) in self.conn.execute(
                    "SELECT name FROM sqlite_schema WHERE type = 'trigger' "
                    "AND tbl_name IN ('events', 'documents')"
                )
            }
            # A file from before migration 6 has no documents to guard.
            expected = (
                schema.GUARD_TRIGGERS
                if documents.has_table(self.conn)
                else tuple(name for name in schema.GUARD_TRIGGERS if name.startswith("events"))
            )
        return [name for name in expected if name not in present]

    # -- documents ------------------------------------------------------------------------------

    def may_hold_documents(self) -> bool:
        from ledger_cli.store.sqlite import documents

        with translate_errors(self.path):
            return documents.has_table(self.conn)

    def put_document(self, sha256: str, content: memoryview) -> bool:
        from ledger_cli.store.sqlite import documents

        with translate_errors(self.path):
            return documents.put(self.conn, sha256, content)

    def document_size(self, sha256: str) -> int | None:
        from ledger_cli.store.sqlite import documents

        with translate_errors(self.path):
            return documents.size(self.conn, sha256)

    def document_chunks(self, sha256: str) -> Iterator[bytes]:
        from ledger_cli.store.sqlite import documents

        with translate_errors(self.path):
            yield from documents.chunks(self.conn, sha256)

    def stored_documents(self) -> list[tuple[str, int, int]]:
        from ledger_cli.store.sqlite import documents

        with translate_errors(self.path):
            return documents.stored(self.conn)

    def documents_matching(self, prefix: str) -> list[str]:
        from ledger_cli.store.sqlite import documents

        with translate_errors(self.path):
            return documents.matching(self.conn, prefix)


def login_name() -> str:
    """Who runs this process, as the login name the system gives (getpass: LOGNAME, USER,
    then the password database), else "uid N"."""
    import getpass
    import os

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"
