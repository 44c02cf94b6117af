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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

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


def connect(url: DatabaseUrl) -> PgConnection:
    """An autocommit connection (the store says BEGIN and COMMIT itself), whose sums of
    integers come back as int."""
    psycopg = _psycopg()
    from psycopg.conninfo import conninfo_to_dict

    with translate_errors(url):
        try:
            given = conninfo_to_dict(url.secret)
        except psycopg.ProgrammingError as error:
            raise StorageError(f"{url} is not a valid PostgreSQL URL") from error
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
            raise StorageError(f"{url}: cannot connect: {detail}") from error
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

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        return self.raw.execute(placeholders(sql), tuple(parameters))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        rows = [tuple(row) for row in parameters]
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(placeholders(sql), rows)

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


def sqlstate(error: BaseException) -> str:
    return str(getattr(error, "sqlstate", None) or "")


@contextmanager
def translate_errors(url: DatabaseUrl) -> Iterator[None]:
    """Turn psycopg's errors into one-line StorageErrors naming the ledger (exit 4)."""
    psycopg = _psycopg()
    try:
        yield
    except psycopg.Error as error:
        raise StorageError(describe(url, error)) from error


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
