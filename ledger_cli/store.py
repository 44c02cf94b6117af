"""The SQLite event store: opening a ledger file safely, appending at the head, reading rows.

All SQL of the tool lives here and in schema.py. Every sqlite3 or OS error is translated into
a StorageError where it happens, naming the file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path

from ledger_cli import readmodel, schema
from ledger_cli.chain import COLUMNS, GENESIS, Row, encode_details, link_hash
from ledger_cli.connection import (
    connect,
    connect_for_query,
    create_file,
    looks_like_sqlite,
    retry_while_busy,
    translate_errors,
)
from ledger_cli.dates import format_recorded, now_utc
from ledger_cli.errors import IntegrityFailure, NoLedger, StorageError
from ledger_cli.events import MONEY_TYPES, Event, EventType, NewEvent
from ledger_cli.state import State

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM events"
_MONEY = f"type IN ({', '.join(repr(str(t)) for t in sorted(MONEY_TYPES))})"


def row_to_event(row: Row) -> Event:
    return Event(
        seq=row.seq,
        ref=row.ref,
        type=row.type,
        account=row.account,
        amount=row.amount,
        balance=row.balance,
        date=date.fromisoformat(row.date),
        recorded_at=row.recorded_at,
        details=json.loads(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class Store:
    """An open ledger file. Use `Store.open` and close it (it is a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._schema_pending = False

    @classmethod
    def open(
        cls, path: Path, *, write: bool, create_folder: bool = False, damaged_ok: bool = False
    ) -> Store:
        """Open the ledger at `path`. Only a write creates it (0600, folder 0700 when
        `create_folder`); a query on a missing file is NoLedger. A log whose table was
        rebuilt without its guards is refused (IntegrityFailure) unless `damaged_ok`."""
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
            store = cls(conn, path)
            try:
                store._prepare(write, damaged_ok)
            except BaseException:
                conn.close()
                raise
            return store

    def _prepare(self, write: bool, damaged_ok: bool) -> None:
        state = self._identify()
        if state == "newer":
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            raise StorageError(
                f"{self.path} was written by a newer version of ledger (schema {version}; "
                f"this one knows {schema.SCHEMA_VERSION}); upgrade ledger"
            )
        if state == "current" and not damaged_ok and not self.is_strict():
            raise IntegrityFailure(
                f"{self.path}: the events table was rebuilt without its STRICT types; "
                "run `ledger reconcile`"
            )
        if not write:
            if state == "empty":
                # A file whose first write has not committed (yet, or ever: it was killed).
                raise NoLedger(f"no ledger at {self.path} (the file is empty)")
            if state not in ("current", "older"):
                raise StorageError(f"{self.path} is not a ledger file")
            return
        self.conn.execute("PRAGMA synchronous = FULL")
        if state == "current":
            retry_while_busy(self.path, lambda: self.conn.execute("PRAGMA journal_mode = WAL"))
        else:
            # Created or upgraded inside the command's own transaction, so that a denied
            # command leaves even an empty file as it was.
            self._schema_pending = True

    def _identify(self) -> str:
        """'current', 'older', 'newer', 'empty' (a new file) or raise: not a ledger."""
        app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id == 0 and version == 0:
            tables = self.conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
            if tables == 0:
                return "empty"
        if app_id != schema.APPLICATION_ID:
            raise StorageError(f"{self.path} is an SQLite database but not a ledger file")
        if version > schema.SCHEMA_VERSION:
            return "newer"
        return "current" if version == schema.SCHEMA_VERSION else "older"

    def is_strict(self) -> bool:
        with translate_errors(self.path):
            found = self.conn.execute(
                "SELECT strict FROM pragma_table_list WHERE schema = 'main' AND name = 'events'"
            ).fetchone()
        return bool(found and found[0])

    def missing_guards(self) -> list[str]:
        """The append-only triggers that are no longer in the file."""
        with translate_errors(self.path):
            present = {
                name
                for (name,) in self.conn.execute(
                    "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'events'"
                )
            }
        return [name for name in schema.GUARD_TRIGGERS if name not in present]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One BEGIN IMMEDIATE transaction: concurrent writers wait (busy timeout) and
        serialise, so each reads the head it appends to."""
        retry_while_busy(self.path, lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            if self._schema_pending:
                with translate_errors(self.path):
                    if self._identify() != "current":
                        schema.migrate(self.conn)
            yield
        except BaseException:
            with translate_errors(self.path):
                self.conn.execute("ROLLBACK")
            raise
        retry_while_busy(self.path, lambda: self.conn.execute("COMMIT"))
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

    def head(self) -> tuple[int, str, str]:
        """(seq, hash, recorded_at) of the last event, or (0, GENESIS, '') on an empty log."""
        with translate_errors(self.path):
            found = self.conn.execute(
                "SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        return (found[0], found[1], found[2]) if found else (0, GENESIS, "")

    def append(self, new_events: Sequence[NewEvent]) -> list[Event]:
        """Append events at the head of the chain, inside the caller's transaction."""
        seq, prev_hash, last_recorded = self.head()
        recorded_at = max(format_recorded(now_utc()), last_recorded)
        rows = []
        for new in new_events:
            seq += 1
            row = Row(
                seq,
                new.ref,
                str(new.type),
                new.account,
                new.amount,
                new.balance,
                new.date.isoformat(),
                recorded_at,
                encode_details(new.details),
                prev_hash,
                "",
            )
            row = row._replace(hash=link_hash(prev_hash, row))
            rows.append(row)
            prev_hash = row.hash
        with translate_errors(self.path):
            self.conn.executemany(
                f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 11)})",
                rows,
            )
        return [row_to_event(row) for row in rows]

    # -- the write side's state, kept in the read models ------------------------------------

    def load_state(self) -> State:
        """The state to decide a command against, from the read models; inside a write
        transaction. Read models that do not describe the head (a file from an older version,
        or tables emptied by hand) are first rebuilt from the log. The head event's own hash
        is checked, since the new events chain from it."""
        seq, hash_, _ = self.head()
        with translate_errors(self.path):
            if seq:
                head = self.row_at(seq)
                if head is None or link_hash(head.prev_hash, head) != head.hash:
                    raise IntegrityFailure(
                        f"{self.path}: the last event (seq {seq}) does not match its hash; "
                        "run `ledger reconcile`"
                    )
            if not readmodel.is_current(self.conn, (seq, hash_)):
                readmodel.rebuild(self.conn)
            return readmodel.load_state(self.conn)

    def save_state(self, state: State, events: Sequence[Event]) -> None:
        """Bring the read models up to `events`, just appended and folded into `state`."""
        with translate_errors(self.path):
            readmodel.save(self.conn, state, events)

    def rebuild_read_models(self) -> None:
        with translate_errors(self.path):
            readmodel.rebuild(self.conn)

    def read_models_current(self) -> bool:
        seq, hash_, _ = self.head()
        with translate_errors(self.path):
            return readmodel.is_current(self.conn, (seq, hash_))

    def ref_events(self, ref: str) -> list[Event]:
        """The events of one transaction, in seq order."""
        rows = self._rows(f"{_SELECT} WHERE ref = ? ORDER BY seq", (ref,))
        return [row_to_event(row) for row in rows]

    # -- idempotency keys ------------------------------------------------------------------

    def command_key(self, key: str) -> tuple[str, str | None, int | None, str | None] | None:
        """(fingerprint, ref, exit code, message) of the first command under `key`."""
        with translate_errors(self.path):
            found = self.conn.execute(
                "SELECT fingerprint, ref, code, message FROM command_keys WHERE key = ?", (key,)
            ).fetchone()
        return (found[0], found[1], found[2], found[3]) if found else None

    def remember_key(
        self, key: str, fingerprint: str, *, ref: str | None = None,
        code: int | None = None, message: str | None = None,
    ) -> None:
        with translate_errors(self.path):
            self.conn.execute(
                "INSERT INTO command_keys VALUES (?, ?, ?, ?, ?, ?)",
                (key, fingerprint, ref, code, message, format_recorded(now_utc())),
            )

    def _rows(self, sql: str, params: Sequence[object] = ()) -> Iterator[Row]:
        with translate_errors(self.path):
            cursor = self.conn.execute(sql, params)
            while batch := cursor.fetchmany(1000):
                for values in batch:
                    yield Row(*values)

    def rows(self) -> Iterator[Row]:
        """Every row in append (seq) order, streamed."""
        return self._rows(f"{_SELECT} ORDER BY seq")

    def events(self) -> Iterator[Event]:
        return (row_to_event(row) for row in self.rows())

    def row_at(self, seq: int) -> Row | None:
        return next(self._rows(f"{_SELECT} WHERE seq = ?", (seq,)), None)

    def account_rows(self) -> Iterator[Row]:
        """The AccountOpened and AccountClosed rows, in seq order."""
        kinds = (str(EventType.ACCOUNT_OPENED), str(EventType.ACCOUNT_CLOSED))
        return self._rows(f"{_SELECT} WHERE type IN (?, ?) ORDER BY seq", kinds)

    def filtered_rows(
        self,
        *,
        account: str | None = None,
        as_of: date | None = None,
        known_at: str | None = None,
        money_only: bool = False,
        effective_order: bool = False,
    ) -> Iterator[Row]:
        """Rows of one account (or all), effective on or before `as_of`, recorded at or
        before `known_at`, in seq order or in register order (date, seq)."""
        clauses, params = _filters(account, as_of, known_at)
        if money_only:
            clauses.append(_MONEY)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "date, seq" if effective_order else "seq"
        return self._rows(f"{_SELECT}{where} ORDER BY {order}", params)

    def sum_amounts(self, account: str, as_of: date | None, known_at: str | None) -> int:
        """The sum of an account's amounts effective by `as_of` and recorded by `known_at`."""
        clauses, params = _filters(account, as_of, known_at)
        sql = f"SELECT coalesce(sum(amount), 0) FROM events WHERE {' AND '.join(clauses)}"
        with translate_errors(self.path):
            try:
                total: int = self.conn.execute(sql, params).fetchone()[0]
            except sqlite3.OperationalError as error:
                if "integer overflow" not in str(error):
                    raise
                # Each balance is bounded, but a sum over an as-of subset may pass 64 bits.
                total = sum(
                    amount
                    for (amount,) in self.conn.execute(
                        sql.replace("coalesce(sum(amount), 0)", "amount"), params
                    )
                )
        return total


def _filters(
    account: str | None, as_of: date | None, known_at: str | None
) -> tuple[list[str], list[object]]:
    """WHERE clauses and their parameters: one account, effective by `as_of`, recorded by
    `known_at` (stored text), each only when given."""
    clauses: list[str] = []
    params: list[object] = []
    if account is not None:
        clauses.append("account = ?")
        params.append(account)
    if as_of is not None:
        clauses.append("date <= ?")
        params.append(as_of.isoformat())
    if known_at is not None:
        clauses.append("recorded_at <= ?")
        params.append(known_at)
    return clauses, params
