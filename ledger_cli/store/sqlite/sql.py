"""Pieces of SQL text the backend builds its queries from: lists of event types, and exact sums.

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

import sqlite3
from collections.abc import Iterable, Sequence

INT64 = 2**63 - 1  # the largest value an SQLite INTEGER holds
SPLIT = 10**9


def split_sums(column: str) -> str:
    """The two SQL sums whose join (`high * SPLIT + low`) is the exact sum of `column`."""
    return f"coalesce(sum({column} / {SPLIT}), 0), coalesce(sum({column} % {SPLIT}), 0)"


def exact_total(
    conn: sqlite3.Connection, column: str, source: str, params: Sequence[object]
) -> int:
    """The exact sum of `column` over `source`: a table and its WHERE clause."""
    high, low = conn.execute(f"SELECT {split_sums(column)} FROM {source}", params).fetchone()
    return int(high) * SPLIT + int(low)


def type_in(types: Iterable[str], column: str = "type") -> str:
    """`type IN ('A', 'B')`: event types as a literal list, in the order given. A query that
    is to use a partial index must spell its WHERE term as the index does, so both are made
    here from the same tuple."""
    return f"{column} IN ({', '.join(repr(str(kind)) for kind in types)})"
