"""Pieces of SQL text both relational backends build their queries from: the connection they
are run on, lists of event types, a detail read from the stored JSON, and exact sums.

The SQL is written once, in the dialect the two share (`?` placeholders, `INSERT ... ON
CONFLICT`, `IS DISTINCT FROM`); a PostgreSQL connection (store/postgres/connection.py) takes
it as it is, and says how it reads a JSON detail (`json_field`).

Event types are written into SQL as literal lists (`type_in`): a query that is to use a
partial index must spell its WHERE term as the index does, so both are made from the same
tuple of domain/events.py.

Sums are exact at any size. SQLite's sum() stops with an error past 64 bits and total() is a
float, while a sum over any subset of the log (an as-of day, a range of seqs) may pass 64 bits
even though every balance is bounded. So each value is split into a high and a low part,
`value / 10**9` and `value % 10**9` (SQLite divides as C does: value == (value / d) * d +
value % d), each part sums far inside 64 bits, and Python joins the two exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

INT64 = 2**63 - 1  # the largest value an SQLite INTEGER holds
SPLIT = 10**9


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ..., /) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the shared SQL is run on: an sqlite3 connection, or the PostgreSQL one."""

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


def json_field(conn: Connection, expr: str, key: str, *, integer: bool = False) -> str:
    """The SQL that reads detail `key` from the JSON text `expr` (NULL when absent): SQLite's
    json_extract, or what the connection says (PostgreSQL reads it as text, cast to bigint
    when `integer`)."""
    own = getattr(conn, "json_field", None)
    if own is not None:
        return str(own(expr, key, integer))
    return f"json_extract({expr}, '$.{key}')"


def split_sums(column: str) -> str:
    """The two SQL sums whose join (`high * SPLIT + low`) is the exact sum of `column`."""
    return f"coalesce(sum({column} / {SPLIT}), 0), coalesce(sum({column} % {SPLIT}), 0)"


def exact_total(
    conn: Connection, column: str, source: str, params: Sequence[object]
) -> int:
    """The exact sum of `column` over `source`: a table and its WHERE clause."""
    high, low = conn.execute(f"SELECT {split_sums(column)} FROM {source}", params).fetchone()
    return int(high) * SPLIT + int(low)


def type_in(types: Iterable[str], column: str = "type") -> str:
    """`type IN ('A', 'B')`: event types as a literal list, in the order given. A query that
    is to use a partial index must spell its WHERE term as the index does, so both are made
    here from the same tuple."""
    return f"{column} IN ({', '.join(repr(str(kind)) for kind in types)})"
