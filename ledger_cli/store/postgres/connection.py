"""Connecting to a ledger on PostgreSQL with psycopg 3, running the SQL both backends share on
it, and translating the server's errors into one-line StorageErrors that name the ledger by its
URL without the password.

psycopg is imported here, by the first command that names a PostgreSQL URL, and by nothing a
file's commands load. libpq reads what psql reads: PGPASSWORD, ~/.pgpass, PGSERVICE and the
other PG* variables apply to whatever the URL leaves out.

Errors are told apart by SQLSTATE, never by wording: 42501 (no privilege) and 25006 (a
read-only transaction, a standby's) are "read-only"; 55P03 (lock_timeout) is "locked"; 40001
and 40P01 are transient, and retried where a statement can be run again; a connection that
breaks is "the server went away". A message is the server's first line, with the password
taken out should it ever be there.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, cast

from ledger_cli.errors import StorageError
from ledger_cli.store.url import DatabaseUrl

if TYPE_CHECKING:
    import psycopg

READ_ONLY = ("42501", "25006")  # insufficient_privilege, read_only_sql_transaction
LOCKED = "55P03"  # lock_not_available: lock_timeout passed
TRANSIENT = ("40001", "40P01")  # serialization_failure, deadlock_detected
CONNECT_TIMEOUT_S = 10


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as error:
        raise StorageError(
            "PostgreSQL support is not installed: pip install 'ledger-cli[postgres]'"
        ) from error
    return psycopg


# URL -> (pid, when, a connection released idle)
_idle: dict[str, tuple[int, float, PgConnection]] = {}


def connect_new(url: DatabaseUrl) -> PgConnection:
    """A connection of its own, never one kept for reuse (a worker beside the store's)."""
    return _connect(url)


def connect(url: DatabaseUrl) -> PgConnection:
    """An autocommit connection (the store says BEGIN and COMMIT itself), whose sums of
    integers come back as int: the one this process released last for this URL, else a new
    one (a command that checks the ledger exists, writes, then reminds, logs in once)."""
    kept = _idle.pop(url.secret, None)
    if kept is not None:
        pid, _, conn = kept
        # Asked first whether it still works: a restarted server has ended it.
        if pid == os.getpid() and conn.idle() and conn.alive():
            return conn
        if pid == os.getpid():
            conn.close()
    return _connect(url)


def _connect(url: DatabaseUrl) -> PgConnection:
    psycopg = _psycopg()
    # psycopg reports some errors it ignores (a pipeline ended by a lost server) as log
    # warnings: the one-line error the command prints is the whole of it.
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    from psycopg.conninfo import conninfo_to_dict

    with translate_errors(url):
        try:
            given = conninfo_to_dict(url.secret)
        except psycopg.ProgrammingError as error:
            raise StorageError(f"{url} is not a valid PostgreSQL URL") from _safe(url, error)
        options: dict[str, object] = {"autocommit": True}
        if "connect_timeout" not in given:
            options["connect_timeout"] = CONNECT_TIMEOUT_S
        if "application_name" not in given:
            options["application_name"] = "ledger"
        try:
            raw = psycopg.connect(url.secret, **options)
        except psycopg.OperationalError as error:
            # Unreachable, a refused login, a missing database: libpq's reason says which.
            detail = _first_line(url, error).removeprefix("connection failed: ")
            raise StorageError(f"{url}: cannot connect: {detail}") from _safe(url, error)
    raw.adapters.register_loader("numeric", _integer_loader(psycopg))
    return PgConnection(raw, url)


@functools.cache
def _integer_loader(psycopg: Any) -> type:
    """numeric loaded as int: the only numerics the ledger reads are sums of bigints."""

    class IntegerLoader(psycopg.adapt.Loader):  # type: ignore[misc]
        def load(self, data: bytes) -> int:
            return int(bytes(data))

    return IntegerLoader


@functools.lru_cache(maxsize=512)
def placeholders(sql: str) -> str:
    """The shared SQL (`?` placeholders) in psycopg's form (`%s`, a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """The psycopg connection, speaking the shared SQL of sql/fragments.py."""

    def __init__(self, raw: psycopg.Connection[Any], url: DatabaseUrl) -> None:
        self.raw = raw
        self.url = url
        self._tables: dict[str, dict[str, str]] = {}

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        return self.raw.execute(placeholders(sql), tuple(parameters))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        """Run `sql` for each row. An INSERT of one VALUES row is sent as one INSERT of every
        row, its columns as arrays (`unnest`): one round trip and one statement for a batch
        of thousands, where a statement per row costs the network's latency each. An upsert's
        rows are first reduced to the last one of each key, as one statement per row would
        leave them (PostgreSQL refuses to update a row twice in one statement)."""
        rows = [tuple(row) for row in parameters]
        if not rows:
            return
        shape = _insert_shape(sql)
        if shape is None:
            with self.raw.cursor() as cursor:
                cursor.executemany(placeholders(sql), rows)
            return
        table, columns, after, key = shape
        if key is not None:
            rows = list({tuple(row[i] for i in key): row for row in rows}.values())
        names = columns or tuple(self._columns(table))
        self._insert_arrays(table, names, after, rows)

    def add_totals(
        self, table: str, keys: Sequence[str], values: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """Add each row's values (after its key) to the stored row with that key, or insert
        it: `net` as an exact sum that becomes NULL past 64 bits (and stays NULL), `entries`
        as a count. The server does the sums, so nothing is read first. Returns the keys
        whose `entries` is now 0 or less (the caller removes those rows)."""
        if not rows:
            return []
        sets = [
            "net = CASE WHEN t.net IS NULL OR excluded.net IS NULL THEN NULL "
            f"WHEN abs(t.net::numeric + excluded.net) > {INT64} THEN NULL "
            "ELSE t.net + excluded.net END"
        ]
        if "entries" in values:
            sets.append("entries = t.entries + excluded.entries")
        returning = f" RETURNING {', '.join(keys)}, entries" if "entries" in values else ""
        after = f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(sets)}{returning}"
        found = self._insert_arrays(table, (*keys, *values), after, rows)
        return [tuple(row[:-1]) for row in found if row[-1] <= 0] if returning else []

    def _insert_arrays(
        self, table: str, columns: Sequence[str], after: str, rows: list[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        types = self._columns(table)
        arrays = ", ".join(f"%s::{types[name]}[]" for name in columns)
        sql = (
            f"INSERT INTO {table} AS t ({', '.join(columns)}) "
            f"SELECT * FROM unnest({arrays}){after}"
        )
        arrays_of = [list(column) for column in zip(*rows, strict=True)]
        cursor = self.raw.execute(sql.encode(), arrays_of)
        return cursor.fetchall() if cursor.description is not None else []

    def _columns(self, table: str) -> dict[str, str]:
        """The columns of `table`, in order, with their types (every table of the schema
        asked at once, once per connection)."""
        if table not in self._tables:
            for name, column, kind in self.raw.execute(
                b"SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
                b"FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                b"WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
                b"AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
            ):
                self._tables.setdefault(str(name), {})[str(column)] = str(kind)
        return self._tables[table]

    @staticmethod
    def json_field(expr: str, key: str, integer: bool) -> str:
        # The details are stored as text (the hash covers that text); read as jsonb here.
        text = f"(({expr})::jsonb ->> '{key}')"
        return f"({text})::bigint" if integer else text

    def stream(
        self, sql: str, parameters: Sequence[Any], size: int, name: str
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, fetched `size` at a time through a server-side cursor inside
        the open transaction (flat memory at any length), else all at once."""
        from psycopg import pq

        if self.raw.info.transaction_status != pq.TransactionStatus.INTRANS:
            yield from self.execute(sql, parameters)
            return
        with self.raw.cursor(name=name) as cursor:
            cursor.itersize = size
            cursor.execute(placeholders(sql), tuple(parameters))
            yield from cursor

    def close(self) -> None:
        self.raw.close()

    def alive(self) -> bool:
        """Whether the server still answers on this connection (a restart ends it)."""
        try:
            self.raw.execute(b"SELECT 1")
            return True
        except Exception:
            return False

    def idle(self) -> bool:
        """Open, and in no transaction: ready for the next store."""
        from psycopg import pq

        return not self.raw.closed and self.raw.info.transaction_status == pq.TransactionStatus.IDLE


class _Gone:
    """A closed store's driver: every use is a StorageError."""

    def __init__(self, url: DatabaseUrl) -> None:
        self._url = url

    def __getattr__(self, name: str) -> Any:
        raise StorageError(f"{self._url}: the ledger was closed")


class ClosedConnection(PgConnection):
    """What a closed store holds in place of its connection (which may serve another
    store now)."""

    def __init__(self, url: DatabaseUrl) -> None:
        super().__init__(cast(Any, _Gone(url)), url)

    def idle(self) -> bool:
        return False

    def close(self) -> None:
        pass


def release(conn: PgConnection) -> None:
    """Keep `conn` for the next store this process opens on its URL (closing the one kept
    before), or close it when it is not idle."""
    with suppress(Exception):
        if conn.idle():
            previous = _idle.pop(conn.url.secret, None)
            _idle[conn.url.secret] = (os.getpid(), time.monotonic(), conn)
            if previous is not None and previous[2] is not conn and previous[0] == os.getpid():
                previous[2].close()
            return
        conn.close()


INT64 = 2**63 - 1

_INSERT = re.compile(
    r"(?P<before>INSERT INTO (?P<table>\w+)(?: \((?P<columns>[\w, ]+)\))? VALUES )"
    r"(?P<group>\((?:\?, )*\?\))"
    r"(?P<after>(?: ON CONFLICT(?: \((?P<key>[\w, ]+)\))? DO (?P<action>UPDATE|NOTHING).*)?)$",
    re.DOTALL,
)


@functools.lru_cache(maxsize=128)
def _insert_shape(sql: str) -> tuple[str, tuple[str, ...], str, tuple[int, ...] | None] | None:
    """(table, columns named (none: all, in order), the SQL after the VALUES row, the
    positions of the conflict key of an upsert that updates) of an INSERT of one row of
    placeholders; None for any other statement."""
    found = _INSERT.match(sql.strip())
    if found is None:
        return None
    columns = tuple(name.strip() for name in (found["columns"] or "").split(",") if name.strip())
    key = None
    if found["action"] == "UPDATE":
        if not columns or not found["key"]:
            return None
        key = tuple(columns.index(name.strip()) for name in found["key"].split(","))
    return found["table"], columns, found["after"], key


def sqlstate(error: BaseException) -> str:
    return str(getattr(error, "sqlstate", None) or "")


@contextmanager
def translate_errors(url: DatabaseUrl) -> Iterator[None]:
    """Turn psycopg's errors into one-line StorageErrors naming the ledger (exit 4)."""
    psycopg = _psycopg()
    try:
        yield
    except psycopg.Error as error:
        raise StorageError(describe(url, error)) from _safe(url, error)


def describe(url: DatabaseUrl, error: BaseException) -> str:
    """One line for the user: what the server said, and what it means for the ledger."""
    import psycopg

    state = sqlstate(error)
    first = _first_line(url, error)
    if state in READ_ONLY:
        return f"{url} is read-only for this login ({first})"
    if state == LOCKED:
        return f"{url} is locked by another writer: {first}"
    if state in TRANSIENT:
        return f"{url}: the write conflicted with another one; run it again: {first}"
    if isinstance(error, psycopg.OperationalError) and (state.startswith("08") or not state):
        return f"{url}: the connection to the server was lost: {first}"
    return f"{url}: {first}"


def _first_line(url: DatabaseUrl, error: BaseException) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    return _scrub(url, line)


def _safe(url: DatabaseUrl, error: BaseException) -> BaseException | None:
    """`error`, as the cause that `--debug` prints, unless its text holds the password (then
    none: the one-line message, scrubbed, is all there is to show)."""
    return None if _scrub(url, str(error)) != str(error) else error


def _scrub(url: DatabaseUrl, text: str) -> str:
    """`text` with the URL's password (should a message ever echo it) taken out."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url.secret).password
    except ValueError:
        password = None
    for secret in (password, unquote(password) if password else None):
        if secret:
            text = text.replace(secret, "***")
    return text
