"""What the two relational backends share (SQLite, store/sqlite/, and PostgreSQL,
store/postgres/): the reads and appends of the log, the read models' lookups and saves, and
the idempotency keys, in the SQL both speak (fragments.py). Each backend subclasses `SqlStore`
with how it opens, locks and translates errors, its schema, its documents and its integrity
checks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING

from ledger_cli.store.base import (
    COLUMNS,
    EVERY_ROW,
    GENESIS,
    AccountRecord,
    Head,
    KeyRecord,
    Order,
    Row,
    RowFilter,
)
from ledger_cli.store.sql.fragments import Connection, exact_total, type_in

if TYPE_CHECKING:
    # The write side's modules load only when a command writes: a query needs none of them.
    from ledger_cli.domain.categories import Rule
    from ledger_cli.domain.schedules import Schedule
    from ledger_cli.domain.state import AccountState, State, Transaction
    from ledger_cli.domain.statements import Entry
    from ledger_cli.store.readmodels import Changes

SELECT = f"SELECT {', '.join(COLUMNS)} FROM events"
INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


class SqlStore:
    """The shared part of an open relational ledger; `conn` runs the shared SQL, and
    `_errors()` turns the backend's errors into StorageErrors that name the ledger."""

    conn: Connection

    def _errors(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    # -- the log -----------------------------------------------------------------------------

    def head(self) -> Head:
        with self._errors():
            found = self.conn.execute(
                "SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        return Head(*found) if found else Head(0, GENESIS, "")

    def row_at(self, seq: int) -> Row | None:
        return next(self._rows(f"{SELECT} WHERE seq = ?", (seq,)), None)

    def rows(
        self, where: RowFilter = EVERY_ROW, *, order: Order = Order.LOG, limit: int | None = None
    ) -> Iterator[Row]:
        clauses, params = _clauses(where)
        sql = f"{SELECT}{clauses} ORDER BY {_ORDER[order]}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._rows(sql, params)

    def total(self, where: RowFilter) -> int:
        clauses, params = _clauses(where)
        with self._errors():
            return exact_total(self.conn, "amount", f"events{clauses}", params)

    def _rows(self, sql: str, params: Sequence[object] = ()) -> Iterator[Row]:
        with self._errors():
            cursor = self.conn.execute(sql, params)
            while batch := cursor.fetchmany(1000):
                for values in batch:
                    yield Row(*values)

    def append(self, rows: Sequence[Row]) -> None:
        """Insert linked rows, all or none; the guard trigger refuses any that is not the
        next link."""
        with self._errors():
            self.conn.execute("SAVEPOINT append")
            try:
                self.conn.executemany(INSERT, rows)
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
        if not self._has_read_models():
            return None
        with self._errors():
            found = self.conn.execute("SELECT seq, hash, transactions FROM rm_position").fetchone()
        return (found[0], found[1], found[2]) if found else None

    def _has_read_models(self) -> bool:
        """Whether every read model's table exists (a file from an older version may lack
        some, until its next write migrates it)."""
        return True

    def save_read_models(self, state: State, changes: Changes) -> None:
        from ledger_cli.store.sql.readmodels import save

        with self._errors():
            save(self.conn, state, changes)

    def accounts(self) -> list[AccountRecord]:
        with self._errors():
            rows = self.conn.execute("SELECT name, currency, opened_on, closed FROM rm_accounts")
            return [AccountRecord(name, code, on, bool(closed)) for name, code, on, closed in rows]

    def account_states(self) -> dict[str, AccountState]:
        from ledger_cli.store.sql.readmodels import account_states

        with self._errors():
            return account_states(self.conn)

    def find_transaction(self, ref: str) -> Transaction | None:
        from ledger_cli.store.sql.readmodels import find_transaction

        with self._errors():
            return find_transaction(self.conn, ref)

    def check_ref(self, account: str, number: int) -> str | None:
        return self._one(_CHECK, (account, number))

    def entry_status(self, ref: str, account: str) -> str | None:
        return self._one(_STATUS, (ref, account))

    def statement_row(self, account: str, fingerprint: str) -> str | None:
        return self._one(_STATEMENT_ROW, (account, fingerprint))

    def _one(self, sql: str, key: Sequence[object]) -> str | None:
        with self._errors():
            found = self.conn.execute(sql, key).fetchone()
        return str(found[0]) if found else None

    def balance(self, account: str) -> int:
        found = self._one("SELECT balance FROM rm_accounts WHERE name = ?", (account,))
        return int(found) if found is not None else 0

    def payee_category(self, key: str) -> str | None:
        from ledger_cli.store.sql.readmodels import payee_category

        with self._errors():
            return payee_category(self.conn, key)

    def category_settings(
        self,
    ) -> tuple[dict[int, Rule], int, dict[tuple[str, str], list[tuple[str, int]]]]:
        from ledger_cli.store.sql.readmodels import category_settings

        with self._errors():
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
        from ledger_cli.store.sql.readmodels import occurrence

        with self._errors():
            return occurrence(self.conn, schedule, day)

    def handled(self, through: int) -> list[tuple[str, str, str, str]]:
        from ledger_cli.store.sql.readmodels import handled

        with self._errors():
            return handled(self.conn, through)

    def category_nets(
        self, accounts: Sequence[str], since: date | None, through: date | None, by: str
    ) -> list[tuple[str, str, str, int | None, str, str]]:
        from ledger_cli.store.sql.readmodels import category_nets

        with self._errors():
            return category_nets(self.conn, accounts, since, through, by)

    def balance_by_day(self, account: str, as_of: date) -> int | None:
        from ledger_cli.store.sql.readmodels import balance_by_day

        with self._errors():
            return balance_by_day(self.conn, account, as_of)

    def entries(self, account: str, through: date | None = None) -> list[Entry]:
        from ledger_cli.store.sql.readmodels import entries

        with self._errors():
            return entries(self.conn, account, through)

    def read_model_mismatches(self, balances: Mapping[str, int]) -> list[str]:
        from ledger_cli.store.sql.readmodels import mismatches

        with self._errors():
            return mismatches(self.conn, balances)

    # -- idempotency keys ---------------------------------------------------------------------

    def key(self, key: str) -> KeyRecord | None:
        with self._errors():
            found = self.conn.execute(
                "SELECT key, fingerprint, ref, code, message FROM command_keys WHERE key = ?",
                (key,),
            ).fetchone()
        return KeyRecord(*found) if found else None

    def remember_keys(self, records: Sequence[KeyRecord]) -> None:
        from ledger_cli.domain.dates import format_recorded, now_utc

        recorded_at = format_recorded(now_utc())
        with self._errors():
            self.conn.executemany(
                "INSERT INTO command_keys VALUES (?, ?, ?, ?, ?, ?)",
                [(*record, recorded_at) for record in records],
            )


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
