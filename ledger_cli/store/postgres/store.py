"""The PostgreSQL backend of the storage interface (store/base.py): a ledger shared by several
machines on one database server.

A write runs in one transaction that first locks the head row (`ledger_head`, schema.py), then
reads the head and appends, so writers on any number of machines serialise and the chain stays
gapless in commit order; a query reads one REPEATABLE READ snapshot. The reads, appends and
read models are the SQL both backends share (sql/store.py); what is PostgreSQL's own is here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import TYPE_CHECKING

from ledger_cli import interrupts
from ledger_cli.errors import IntegrityFailure, NoLedger, StorageError
from ledger_cli.store.base import EVERY_ROW, Order, Progress, Row
from ledger_cli.store.postgres import schema
from ledger_cli.store.postgres.connection import (
    LOCKED,
    TRANSIENT,
    ClosedConnection,
    PgConnection,
    connect,
    release,
    sqlstate,
    translate_errors,
)
from ledger_cli.store.sql.store import SELECT, SqlStore
from ledger_cli.store.timeout import busy_timeout_ms
from ledger_cli.store.url import DatabaseUrl

RETRIES = 3  # attempts at the head's lock after a deadlock or a serialisation failure
CHUNK = 1 << 20  # a document is read back in pieces of 1 MiB

_cursors = itertools.count(1)

if TYPE_CHECKING:
    from ledger_cli.domain.state import State
    from ledger_cli.store.readmodels import Changes


class PostgresStore(SqlStore):
    """An open ledger on a PostgreSQL server. Use `PostgresStore.open` and close it."""

    conn: PgConnection

    def __init__(self, conn: PgConnection, url: DatabaseUrl, *, write: bool) -> None:
        self.conn = conn
        self.url = url
        self._write = write
        self._schema_pending = False
        self._appender: str | None = None
        self._columns: dict[str, str] | None = None  # the log's column types, as opened

    @property
    def location(self) -> str:
        return str(self.url)  # never the password

    @property
    def writable(self) -> bool:
        return self._write

    @property
    def appender(self) -> str:
        """The database role the events are appended as."""
        if self._appender is None:
            with self._errors():
                found = self.conn.execute("SELECT current_user").fetchone()
            self._appender = str(found[0]) if found else "unknown"
        return self._appender

    def _errors(self) -> AbstractContextManager[None]:
        return translate_errors(self.url)

    @classmethod
    def open(cls, url: DatabaseUrl, *, write: bool, damaged_ok: bool = False) -> PostgresStore:
        """Connect to the ledger at `url`. A query on a database without a ledger is
        NoLedger; a write creates its schema (in its own transaction). A log whose table
        lost its column types is refused (IntegrityFailure) unless `damaged_ok`."""
        busy_timeout_ms()  # LEDGER_BUSY_TIMEOUT is checked by every command, never ignored
        conn = connect(url)
        store = cls(conn, url, write=write)
        try:
            store._prepare(damaged_ok)
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def exists(cls, url: DatabaseUrl) -> bool:
        conn = connect(url)
        try:
            with translate_errors(url):
                return schema.identify(conn).version is not None
        finally:
            release(conn)  # kept for the store the command opens next

    def _prepare(self, damaged_ok: bool) -> None:
        with self._errors():
            identity = schema.identify(self.conn)
        self._appender, self._columns = identity.role, identity.columns
        found = identity.version
        if found is None:
            if not self._write:
                raise NoLedger(f"no ledger at {self.url}")
            self._schema_pending = True
            return
        if found < 0:
            raise StorageError(
                f"{self.url} is a database, but not a ledger (it holds other tables)"
            )
        if found > schema.SCHEMA_VERSION:
            raise StorageError(
                f"{self.url} was written by a newer version of ledger (schema {found}; this "
                f"one knows {schema.SCHEMA_VERSION}); upgrade ledger"
            )
        if not damaged_ok and self.schema_problem() is not None:
            raise IntegrityFailure(
                f"{self.url}: the events table's column types were changed; run "
                "`ledger reconcile`"
            )

    def close(self) -> None:
        release(self.conn)
        self.conn = ClosedConnection(self.url)

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, dry_run: bool = False) -> Iterator[None]:
        """One transaction that holds the head row's lock: writers wait (up to the busy
        timeout, as lock_timeout) and serialise, so each reads the head it appends to. A
        `dry_run` is rolled back."""
        if not self._write:
            raise StorageError(f"{self.url} was opened for reading, not for a write")
        self._begin()
        try:
            yield
            if not dry_run:
                # From here on the command finishes whatever signal comes (interrupts.py).
                interrupts.hold()
        except BaseException:
            self._rollback()
            raise
        if dry_run:
            self._rollback()
            return
        try:
            with self._errors():
                self.conn.execute("COMMIT")
        except BaseException:
            interrupts.release()  # nothing was recorded: a signal may stop the command
            raise
        self._schema_pending = False

    def _begin(self) -> None:
        """BEGIN, create the schema when it is the first write, and lock the head row;
        a deadlock or serialisation failure on the way is retried a few times."""
        timeout = busy_timeout_ms()
        # A lock wait longer than the busy timeout is an error (55P03), never a hang (0 would
        # mean no limit to the server: LEDGER_BUSY_TIMEOUT=0 waits 1 ms).
        begin = f"BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = {max(timeout, 1)}"
        lock = "SELECT id FROM ledger_head WHERE id = 1 FOR UPDATE"
        for attempt in itertools.count(1):
            try:
                with self._errors():
                    if self._schema_pending:
                        self.conn.raw.execute(begin.encode())
                        self.conn.execute("SELECT pg_advisory_xact_lock(?)", (schema.CREATE_LOCK,))
                        if schema.version(self.conn) is None:
                            schema.create(self.conn)
                        self.conn.raw.execute(lock.encode())
                    else:
                        # One round trip: the statements go together, as one simple query.
                        self.conn.raw.execute(f"{begin}; {lock}".encode())
                return
            except StorageError as error:
                self._rollback()
                cause = error.__cause__
                state = sqlstate(cause) if cause is not None else ""
                if state in TRANSIENT and attempt < RETRIES:
                    continue
                if state == LOCKED:
                    raise StorageError(
                        f"{self.url} is locked by another writer (waited {timeout} ms)"
                    ) from cause
                raise

    def _rollback(self) -> None:
        # A connection the server dropped has nothing to roll back: the server did.
        with suppress(Exception):
            self.conn.execute("ROLLBACK")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read-only REPEATABLE READ transaction: every read sees the same log."""
        with self._errors():
            self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield
        finally:
            self._rollback()

    # -- the log (streamed through a server-side cursor) -----------------------------------

    def row_at(self, seq: int) -> Row | None:
        with self._errors():
            found = self.conn.execute(f"{SELECT} WHERE seq = ?", (seq,)).fetchone()
        return Row(*found) if found else None

    def _rows(self, sql: str, params: Sequence[object] = ()) -> Iterator[Row]:
        with self._errors():
            for values in self.conn.stream(sql, params, 5_000, f"rows{next(_cursors)}"):
                yield Row(*values)

    def append(self, rows: Sequence[Row]) -> None:
        """Insert linked rows through COPY (the guard trigger still checks they are the next
        links): an import of a million rows is one stream, not a million statements. A
        refused append leaves nothing of itself (a savepoint), whatever the caller does next."""
        columns = ", ".join(Row._fields)
        with self._errors():
            self.conn.raw.execute(b"SAVEPOINT append")
            try:
                with self.conn.raw.cursor() as cursor:
                    with cursor.copy(f"COPY events ({columns}) FROM STDIN".encode()) as copy:
                        for row in rows:
                            copy.write_row(row)
            except BaseException:
                self.conn.raw.execute(b"ROLLBACK TO SAVEPOINT append")
                raise
            finally:
                self.conn.raw.execute(b"RELEASE SAVEPOINT append")

    def save_read_models(self, state: State, changes: Changes) -> None:
        from ledger_cli.store.sql.readmodels import save

        # Pipelined: the statements go out together, and the server's answers come back
        # together, instead of a round trip each.
        with self._errors(), self.conn.raw.pipeline():
            save(self.conn, state, changes)

    # -- the read models ---------------------------------------------------------------------

    def rebuild_read_models(self) -> None:
        from ledger_cli.store.sql.readmodels import save
        from ledger_cli.store.sql.replay import replay

        with self._errors():
            replay(
                self.conn,
                schema.READ_MODEL_TABLES,
                self.rows(EVERY_ROW, order=Order.LOG),
                lambda state, changes: save(self.conn, state, changes),
            )

    # -- integrity ---------------------------------------------------------------------------

    def quick_check(self, head: int, progress: Progress | None) -> dict[str, int] | None:
        from ledger_cli.store.postgres.fastcheck import log_is_clean

        found = log_is_clean(self.conn, head)
        if found is not None and progress is not None:
            progress(head)
        return found

    def schema_problem(self) -> str | None:
        found = self._columns
        if found is None:
            with self._errors():
                found = schema.identify(self.conn).columns
        changed = [
            name for name, kind in schema.EVENT_COLUMNS.items() if found.get(name) != kind
        ]
        if not changed:
            return None
        return f"the events table's columns {', '.join(changed)} no longer have their types"

    def missing_guards(self) -> list[str]:
        """The guard triggers that are gone or disabled."""
        with self._errors():
            present = {
                name
                for (name,) in self.conn.execute(
                    "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE c.relname IN ('events', 'documents') AND NOT t.tgisinternal "
                    "AND t.tgenabled <> 'D' AND c.relnamespace = current_schema()::regnamespace"
                )
            }
        return [name for name in schema.GUARD_TRIGGERS if name not in present]

    # -- documents ---------------------------------------------------------------------------

    def may_hold_documents(self) -> bool:
        return True

    def put_document(self, sha256: str, content: memoryview) -> bool:
        with self._errors():
            cursor = self.conn.execute(
                "INSERT INTO documents VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                (sha256, len(content), content),
            )
            return bool(cursor.rowcount)

    def document_size(self, sha256: str) -> int | None:
        with self._errors():
            found = self.conn.execute(
                "SELECT length(content) FROM documents WHERE sha256 = ?", (sha256,)
            ).fetchone()
        return None if found is None else int(found[0])

    def document_chunks(self, sha256: str) -> Iterator[bytes]:
        size = self.document_size(sha256)
        if size is None:
            return
        for offset in range(0, size, CHUNK):
            with self._errors():
                found = self.conn.execute(
                    "SELECT substring(content FROM ? FOR ?) FROM documents WHERE sha256 = ?",
                    (offset + 1, CHUNK, sha256),
                ).fetchone()
            if found is None:
                return
            yield bytes(found[0])

    def stored_documents(self) -> list[tuple[str, int, int]]:
        with self._errors():
            return [
                (str(sha), int(size), int(length))
                for sha, size, length in self.conn.execute(
                    "SELECT sha256, size, length(content) FROM documents ORDER BY sha256"
                )
            ]

    def documents_matching(self, prefix: str) -> list[str]:
        with self._errors():
            return [
                str(sha)
                for (sha,) in self.conn.execute(
                    "SELECT sha256 FROM documents WHERE sha256 LIKE ? ORDER BY sha256 LIMIT 6",
                    (prefix + "%",),
                )
            ]

