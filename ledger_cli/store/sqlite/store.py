"""The SQLite backend of the storage interface (store/base.py): one ledger file.

A write opens the file (creating it, private, on the first write) and works in one
`BEGIN IMMEDIATE` transaction, so concurrent writers serialise and each reads the head it
appends to. A query opens it without creating anything and reads one snapshot. Every sqlite3
or OS error is translated into a StorageError where it happens, naming the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ledger_cli import interrupts
from ledger_cli.errors import IntegrityFailure, NoLedger, StorageError
from ledger_cli.store.base import (
    COLUMNS,
    EVERY_ROW,
    GENESIS,
    AccountRecord,
    Head,
    KeyRecord,
    Order,
    Progress,
    Row,
    RowFilter,
)
from ledger_cli.store.sqlite import schema
from ledger_cli.store.sqlite.connection import (
    busy_timeout_ms,
    connect,
    connect_for_query,
    create_file,
    looks_like_sqlite,
    retry_while_busy,
    translate_errors,
)
from ledger_cli.store.sqlite.sql import exact_total, type_in

if TYPE_CHECKING:
    # The write side's modules load only when a command writes: a query needs none of them.
    from ledger_cli.domain.categories import Rule
    from ledger_cli.domain.schedules import Schedule
    from ledger_cli.domain.state import AccountState, State, Transaction
    from ledger_cli.domain.statements import Entry
    from ledger_cli.store.readmodels import Changes

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM events"
_INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"

# PRAGMA values and the number of tables, read in one statement: one snapshot of a file that
# another process may be creating at this moment.
_IDENTITY = (
    "SELECT application_id, user_version, (SELECT count(*) FROM sqlite_schema) "
    "FROM pragma_application_id, pragma_user_version"
)


class SqliteStore:
    """An open ledger file. Use `SqliteStore.open` and close it (it is a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, write: bool) -> None:
        self.conn = conn
        self.path = path
        self._write = write  # opened for writing
        self._schema_pending = False
        self._version = 0  # the schema version of the file

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def writable(self) -> bool:
        return self._write

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
    def scratch(cls, path: Path) -> SqliteStore:
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

    # -- the log -----------------------------------------------------------------------------

    def head(self) -> Head:
        with translate_errors(self.path):
            found = self.conn.execute(
                "SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        return Head(*found) if found else Head(0, GENESIS, "")

    def row_at(self, seq: int) -> Row | None:
        return next(self._rows(f"{_SELECT} WHERE seq = ?", (seq,)), None)

    def rows(
        self, where: RowFilter = EVERY_ROW, *, order: Order = Order.LOG, limit: int | None = None
    ) -> Iterator[Row]:
        clauses, params = _clauses(where)
        sql = f"{_SELECT}{clauses} ORDER BY {_ORDER[order]}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._rows(sql, params)

    def total(self, where: RowFilter) -> int:
        clauses, params = _clauses(where)
        with translate_errors(self.path):
            return exact_total(self.conn, "amount", f"events{clauses}", params)

    def _rows(self, sql: str, params: Sequence[object] = ()) -> Iterator[Row]:
        with translate_errors(self.path):
            cursor = self.conn.execute(sql, params)
            while batch := cursor.fetchmany(1000):
                for values in batch:
                    yield Row(*values)

    def append(self, rows: Sequence[Row]) -> None:
        """Insert linked rows, all or none; the guard trigger refuses any that is not the
        next link."""
        with translate_errors(self.path):
            self.conn.execute("SAVEPOINT append")
            try:
                self.conn.executemany(_INSERT, rows)
            except BaseException:
                self.conn.execute("ROLLBACK TO append")
                raise
            finally:
                self.conn.execute("RELEASE append")

    # -- the read models -----------------------------------------------------------------------

    def read_models_current(self) -> bool:
        head = self.head()
        found = self._position()
        return found is not None and (found[0], found[1]) == (head.seq, head.hash)

    def read_model_position(self) -> tuple[int, int]:
        found = self._position()
        return (found[0], found[2]) if found else (0, 0)

    def _position(self) -> tuple[int, str, int] | None:
        """(seq, hash, number of refs) of the read models, or None when there are none."""
        if self._version < schema.READ_MODELS_VERSION:
            # A file from before some read models: their tables do not exist (yet; the next
            # write migrates it and derives them).
            return None
        with translate_errors(self.path):
            found = self.conn.execute("SELECT seq, hash, transactions FROM rm_position").fetchone()
        return (found[0], found[1], found[2]) if found else None

    def rebuild_read_models(self) -> None:
        from ledger_cli.store.sqlite.rebuild import rebuild

        with translate_errors(self.path):
            rebuild(self.conn)

    def save_read_models(self, state: State, changes: Changes) -> None:
        from ledger_cli.store.sqlite.readmodels import save

        with translate_errors(self.path):
            save(self.conn, state, changes)

    def accounts(self) -> list[AccountRecord]:
        with translate_errors(self.path):
            rows = self.conn.execute("SELECT name, currency, opened_on, closed FROM rm_accounts")
            return [AccountRecord(name, code, on, bool(closed)) for name, code, on, closed in rows]

    def account_states(self) -> dict[str, AccountState]:
        from ledger_cli.store.sqlite.readmodels import account_states

        with translate_errors(self.path):
            return account_states(self.conn)

    def find_transaction(self, ref: str) -> Transaction | None:
        from ledger_cli.store.sqlite.readmodels import find_transaction

        with translate_errors(self.path):
            return find_transaction(self.conn, ref)

    def check_ref(self, account: str, number: int) -> str | None:
        return self._one(_CHECK, (account, number))

    def entry_status(self, ref: str, account: str) -> str | None:
        return self._one(_STATUS, (ref, account))

    def statement_row(self, account: str, fingerprint: str) -> str | None:
        return self._one(_STATEMENT_ROW, (account, fingerprint))

    def _one(self, sql: str, key: Sequence[object]) -> str | None:
        with translate_errors(self.path):
            found = self.conn.execute(sql, key).fetchone()
        return str(found[0]) if found else None

    def balance(self, account: str) -> int:
        found = self._one("SELECT balance FROM rm_accounts WHERE name = ?", (account,))
        return int(found) if found is not None else 0

    def payee_category(self, key: str) -> str | None:
        from ledger_cli.store.sqlite.readmodels import payee_category

        with translate_errors(self.path):
            return payee_category(self.conn, key)

    def category_settings(
        self,
    ) -> tuple[dict[int, Rule], int, dict[tuple[str, str], list[tuple[str, int]]]]:
        from ledger_cli.store.sqlite.readmodels import category_settings

        with translate_errors(self.path):
            return category_settings(self.conn)

    def schedule(self, name: str) -> Schedule | None:
        import json

        from ledger_cli.domain.events import SCHEDULE_TYPES
        from ledger_cli.domain.schedules import fold_schedules

        rows = self.rows(RowFilter(types=SCHEDULE_TYPES))
        found = fold_schedules(
            (row.type, details) for row in rows
            if (details := json.loads(row.details)).get("schedule") == name
        )
        return found.get(name)

    def occurrence(self, schedule: str, day: str) -> tuple[str, str] | None:
        from ledger_cli.store.sqlite.readmodels import occurrence

        with translate_errors(self.path):
            return occurrence(self.conn, schedule, day)

    def handled(self, through: int) -> list[tuple[str, str, str, str]]:
        from ledger_cli.store.sqlite.readmodels import handled

        with translate_errors(self.path):
            return handled(self.conn, through)

    def category_nets(
        self, accounts: Sequence[str], since: date | None, through: date | None, by: str
    ) -> list[tuple[str, str, str, int | None, str, str]]:
        from ledger_cli.store.sqlite.readmodels import category_nets

        with translate_errors(self.path):
            return category_nets(self.conn, accounts, since, through, by)

    def balance_by_day(self, account: str, as_of: date) -> int | None:
        from ledger_cli.store.sqlite.readmodels import balance_by_day

        with translate_errors(self.path):
            return balance_by_day(self.conn, account, as_of)

    def entries(self, account: str, through: date | None = None) -> list[Entry]:
        from ledger_cli.store.sqlite.readmodels import entries

        with translate_errors(self.path):
            return entries(self.conn, account, through)

    def read_model_mismatches(self, balances: Mapping[str, int]) -> list[str]:
        from ledger_cli.store.sqlite.readmodels import mismatches

        with translate_errors(self.path):
            return mismatches(self.conn, balances)

    # -- idempotency keys ---------------------------------------------------------------------

    def key(self, key: str) -> KeyRecord | None:
        with translate_errors(self.path):
            found = self.conn.execute(
                "SELECT key, fingerprint, ref, code, message FROM command_keys WHERE key = ?",
                (key,),
            ).fetchone()
        return KeyRecord(*found) if found else None

    def remember_keys(self, records: Sequence[KeyRecord]) -> None:
        from ledger_cli.domain.dates import format_recorded, now_utc

        recorded_at = format_recorded(now_utc())
        with translate_errors(self.path):
            self.conn.executemany(
                "INSERT INTO command_keys VALUES (?, ?, ?, ?, ?, ?)",
                [(*record, recorded_at) for record in records],
            )

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


_ORDER = {
    Order.LOG: "seq",
    Order.LOG_NEWEST: "seq DESC",
    Order.REGISTER: "date, seq",
    Order.REGISTER_NEWEST: "date DESC, seq DESC",
}
_CHECK = "SELECT ref FROM rm_checks WHERE account = ? AND number = ?"
_STATUS = "SELECT status FROM rm_cleared WHERE ref = ? AND account = ?"
_STATEMENT_ROW = "SELECT ref FROM rm_statement_rows WHERE account = ? AND fingerprint = ?"


def _clauses(where: RowFilter) -> tuple[str, list[object]]:
    """The WHERE clause of a filtered read, and its parameters."""
    clauses: list[str] = []
    params: list[object] = []
    for clause, value in (
        ("account = ?", where.account),
        ("ref = ?", where.ref),
        ("date <= ?", where.as_of.isoformat() if where.as_of else None),
        ("date >= ?", where.since.isoformat() if where.since else None),
        ("recorded_at <= ?", where.known_at),
        ("recorded_at > ?", where.unknown_at),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if where.seqs is not None:
        clauses.append("seq BETWEEN ? AND ?")
        params.extend(where.seqs)
    if where.types is not None:
        # Literal types, so that SQLite uses a partial index whose WHERE reads the same.
        clauses.append(type_in(where.types))
    if where.forced:
        clauses.append("details LIKE '%\"forced\":1%'")
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params
