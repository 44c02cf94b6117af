"""The SQLite event store: opening a ledger file safely, appending at the head, reading rows.

All SQL of the tool lives here and in schema.py. Every sqlite3 or OS error is translated into
a StorageError where it happens, naming the file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ledger_cli import schema
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
from ledger_cli.events import MONEY_TYPES

if TYPE_CHECKING:
    # The write side's modules load only when a command writes: a query needs none of them.
    from ledger_cli import readmodel
    from ledger_cli.commands import Entry
    from ledger_cli.events import Event, NewEvent
    from ledger_cli.state import State

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM events"
_MONEY = f"type IN ({', '.join(repr(str(t)) for t in sorted(MONEY_TYPES))})"


_INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


class Chain:
    """Links new events, one command after another, to the head of the log: seq, recorded
    time (one for the whole transaction, never before the head's) and hashes."""

    def __init__(self, seq: int, prev_hash: str, recorded_at: str) -> None:
        self.seq = seq
        self.prev_hash = prev_hash
        self.recorded_at = recorded_at

    def link(self, new_events: Iterable[NewEvent]) -> tuple[list[Row], list[Event]]:
        from ledger_cli.events import Event

        rows: list[Row] = []
        events: list[Event] = []
        for new in new_events:
            self.seq += 1
            fields = (
                self.seq,
                new.ref,
                str(new.type),
                new.account,
                new.amount,
                new.balance,
                new.date.isoformat(),
                self.recorded_at,
                encode_details(new.details),
            )
            row = Row(*fields, self.prev_hash, link_hash(self.prev_hash, fields))
            self.prev_hash = row.hash
            rows.append(row)
            events.append(
                Event(
                    row.seq, new.ref, row.type, new.account, new.amount, new.balance,
                    new.date, self.recorded_at, dict(new.details), row.prev_hash, row.hash,
                )
            )
        return rows, events


def row_to_event(row: Row) -> Event:
    from ledger_cli.events import Event

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
    def transaction(self, *, dry_run: bool = False) -> Iterator[None]:
        """One BEGIN IMMEDIATE transaction: concurrent writers wait (busy timeout) and
        serialise, so each reads the head it appends to. A `dry_run` is rolled back."""
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
        if dry_run:
            with translate_errors(self.path):
                self.conn.execute("ROLLBACK")
            return
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
        chain = self.chain()
        rows, events = chain.link(new_events)
        self.insert(rows)
        return events

    def chain(self) -> Chain:
        """A Chain that links new events after the current head (inside a transaction)."""
        seq, prev_hash, last_recorded = self.head()
        return Chain(seq, prev_hash, max(format_recorded(now_utc()), last_recorded))

    def insert(self, rows: Sequence[Row]) -> None:
        """Insert linked rows; the guard trigger refuses any that is not the next link."""
        with translate_errors(self.path):
            self.conn.executemany(_INSERT, rows)

    # -- the write side's state, kept in the read models ------------------------------------

    def load_state(self) -> State:
        """The state to decide a command against, from the read models; inside a write
        transaction. Read models that do not describe the head (a file from an older version,
        or tables emptied by hand) are first rebuilt from the log. The head event's own hash
        is checked, since the new events chain from it."""
        from ledger_cli import readmodel

        seq, _, _ = self.head()
        with translate_errors(self.path):
            if seq:
                head = self.row_at(seq)
                if head is None or link_hash(head.prev_hash, head) != head.hash:
                    raise IntegrityFailure(
                        f"{self.path}: the last event (seq {seq}) does not match its hash; "
                        "run `ledger reconcile`"
                    )
            if not self.read_models_current():
                readmodel.rebuild(self.conn)
            return readmodel.load_state(self.conn)

    def save_state(self, state: State, changes: readmodel.Changes) -> None:
        """Bring the read models up to the events in `changes`, folded into `state`."""
        from ledger_cli import readmodel

        with translate_errors(self.path):
            readmodel.save(self.conn, state, changes)

    def rebuild_read_models(self) -> None:
        from ledger_cli import readmodel

        with translate_errors(self.path):
            readmodel.rebuild(self.conn)

    def read_models_current(self) -> bool:
        """Whether the read models describe exactly this log (see readmodel.py)."""
        seq, hash_, _ = self.head()
        with translate_errors(self.path):
            try:
                found = self.conn.execute("SELECT seq, hash FROM rm_position").fetchone()
            except sqlite3.OperationalError:
                return False  # a file from before read models
        return found is not None and (found[0], found[1]) == (seq, hash_)

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
        self,
        key: str,
        fingerprint: str,
        *,
        ref: str | None = None,
        code: int | None = None,
        message: str | None = None,
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
        # Literal types, so that SQLite uses the partial index schema.ACCOUNT_EVENTS_INDEX.
        return self._rows(f"{_SELECT} WHERE {schema.ACCOUNT_EVENTS} ORDER BY seq")

    def filtered_rows(
        self,
        *,
        account: str | None = None,
        as_of: date | None = None,
        known_at: str | None = None,
        money_only: bool = False,
        effective_order: bool = False,
        since: date | None = None,
        seqs: tuple[int, int] | None = None,
        unknown_at: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        status_only: bool = False,
    ) -> Iterator[Row]:
        """Rows of one account (or all), effective from `since` to `as_of`, recorded at or
        before `known_at` and after `unknown_at`, with seq in the range `seqs`, in seq order or
        in register order (date, seq), oldest or `newest_first`, at most `limit`."""
        where = Where(account, as_of, known_at, since=since, seqs=seqs, unknown_at=unknown_at)
        clauses, params = where.clauses()
        if money_only:
            clauses.append(_MONEY)
        if status_only:
            # Literal types, so that SQLite uses the partial index schema.STATUS_EVENTS_INDEX.
            clauses.append(schema.STATUS_EVENTS)
        direction = " DESC" if newest_first else ""
        order = f"date{direction}, seq{direction}" if effective_order else f"seq{direction}"
        sql = f"{_SELECT}{_where(clauses)} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._rows(sql, params)

    def sum_amounts(
        self,
        account: str,
        as_of: date | None,
        known_at: str | None,
        *,
        seqs: tuple[int, int] | None = None,
    ) -> int:
        """The sum of an account's amounts effective by `as_of`, recorded by `known_at`, with
        seq in the range `seqs`."""
        clauses, params = Where(account, as_of, known_at, seqs=seqs).clauses()
        return self._exact_sum(
            f"SELECT coalesce(sum(amount), 0) FROM events{_where(clauses)}", params
        )

    def _exact_sum(self, sql: str, params: Sequence[object]) -> int:
        """An SQL sum, summed again in Python when it passes 64 bits: every balance is bounded,
        but a sum over an as-of subset may not be."""
        with translate_errors(self.path):
            try:
                total: int = self.conn.execute(sql, params).fetchone()[0]
            except sqlite3.OperationalError as error:
                if "integer overflow" not in str(error):
                    raise
                column = sql.split("sum(", 1)[1].split(")", 1)[0]
                plain = sql.replace(f"coalesce(sum({column}), 0)", column)
                total = sum(value for (value,) in self.conn.execute(plain, params))
        return total

    # -- the read models, for queries (only when read_models_current) ----------------------

    def current_balance(self, account: str) -> int:
        with translate_errors(self.path):
            found = self.conn.execute(
                "SELECT balance FROM rm_accounts WHERE name = ?", (account,)
            ).fetchone()
        return int(found[0]) if found else 0

    def day_sum(self, account: str, as_of: date) -> int | None:
        """The account's balance as of the end of `as_of`, from its daily nets; None when a
        day's net was too large to store (then the log must be summed)."""
        with translate_errors(self.path):
            missing = self.conn.execute(
                "SELECT count(*) FROM rm_days WHERE account = ? AND date <= ? AND net IS NULL",
                (account, as_of.isoformat()),
            ).fetchone()[0]
        if missing:
            return None
        return self._exact_sum(
            "SELECT coalesce(sum(net), 0) FROM rm_days WHERE account = ? AND date <= ?",
            (account, as_of.isoformat()),
        )

    def entries(self, account: str, through: date | None = None) -> list[Entry]:
        """The account's money-moving entries effective by `through`, in register order, with
        their cleared status, and `void` when the entry and its void (or the entry it voids)
        cancel out before the bank ever had them: a voided entry never cleared, or the void of
        one (from the read models, which must be current). The void of a cleared entry is a
        reversal the bank shows, and is not `void`."""
        from ledger_cli.commands import Entry

        clauses = ["e.account = ?", f"e.{_MONEY}"]
        params: list[object] = [account]
        if through is not None:
            clauses.append("e.date <= ?")
            params.append(through.isoformat())
        sql = f"""
            SELECT e.seq, e.ref, e.type, e.date, e.amount,
                   json_extract(e.details, '$.number'), json_extract(e.details, '$.payee'),
                   coalesce(c.status, ''),
                   (t.voided_by IS NOT NULL AND coalesce(c.status, '') = '')
                   OR (t.voids IS NOT NULL AND coalesce(o.status, '') = '')
              FROM events e
              LEFT JOIN rm_cleared c ON c.ref = e.ref AND c.account = e.account
              LEFT JOIN rm_transactions t ON t.ref = e.ref
              LEFT JOIN rm_cleared o ON o.ref = t.voids AND o.account = e.account
             WHERE {' AND '.join(clauses)}
             ORDER BY e.date, e.seq"""
        with translate_errors(self.path):
            return [
                Entry(seq, ref, kind, date.fromisoformat(day), amount, number, payee, status,
                      bool(void))
                for seq, ref, kind, day, amount, number, payee, status, void in self.conn.execute(
                    sql, params
                )
            ]

    def status(self, ref: str, account: str) -> str:
        """The cleared status of one entry, from the read models."""
        with translate_errors(self.path):
            row = self.conn.execute(
                "SELECT status FROM rm_cleared WHERE ref = ? AND account = ?", (ref, account)
            ).fetchone()
        return str(row[0]) if row else ""

    def forced_rows(self) -> Iterator[Row]:
        """Events written with --force into a sealed period."""
        return self._rows(f"{_SELECT} WHERE details LIKE '%\"forced\":1%' ORDER BY seq")

    def read_model_mismatches(self, balances: dict[str, int]) -> list[str]:
        """The accounts whose read-model balance, or sum of day totals, is not their last
        balance in the log (`balances`, as verified)."""
        with translate_errors(self.path):
            stored = dict(self.conn.execute("SELECT name, balance FROM rm_accounts"))
            days: dict[str, int | None] = {}
            for account, net in self.conn.execute("SELECT account, net FROM rm_days"):
                before = days.get(account, 0)
                # A day too large to store (NULL) leaves the account's total unknown.
                days[account] = None if net is None or before is None else before + net
        names = sorted(set(stored) | set(balances))
        return [
            name
            for name in names
            if stored.get(name) != balances.get(name)
            or days.get(name, 0) not in (None, balances.get(name, 0))
        ]

    def recorded_at(self, seq: int) -> str:
        with translate_errors(self.path):
            found = self.conn.execute(
                "SELECT recorded_at FROM events WHERE seq = ?", (seq,)
            ).fetchone()
        return str(found[0]) if found else ""


@dataclass(frozen=True)
class Where:
    """The WHERE clauses of a filtered read: one account, effective from `since` to `as_of`,
    recorded at or before `known_at` and after `unknown_at` (stored text), seq within `seqs`;
    each only when given."""

    account: str | None = None
    as_of: date | None = None
    known_at: str | None = None
    since: date | None = None
    seqs: tuple[int, int] | None = None
    unknown_at: str | None = None

    def clauses(self) -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        for clause, value in (
            ("account = ?", self.account),
            ("date <= ?", self.as_of.isoformat() if self.as_of else None),
            ("date >= ?", self.since.isoformat() if self.since else None),
            ("recorded_at <= ?", self.known_at),
            ("recorded_at > ?", self.unknown_at),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        if self.seqs is not None:
            clauses.append("seq BETWEEN ? AND ?")
            params.extend(self.seqs)
        return clauses, params


def _where(clauses: list[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""
