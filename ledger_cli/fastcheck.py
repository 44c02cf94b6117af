"""A fast first pass over the whole log, inside SQLite: does any row fail any check?

The checks are those of chain.Verifier (seq gapless, prev_hash = the previous hash, hash = the
SHA-256 of the canonical encoding, each balance = the account's previous balance + amount,
recorded times never going back, and every format rule), written as one SQL query per chunk of
seqs: SQLite's `json_array` writes exactly the canonical encoding of chain.canonical (the same
escapes as Python's json.dumps with ensure_ascii=False), and the hash and the few rules that
need Python are small cached functions. It only answers "clean or not": when it finds anything,
or cannot run (text that is not UTF-8, a table without STRICT types), `reconcile` runs the
Python verifier, which names the first failing seq and why. On an intact log, the common
case, this pass is the whole verification, at a fraction of the cost.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from ledger_cli.chain import GENESIS, encode_details
from ledger_cli.events import ALL_TYPES, DETAIL_KEYS, MONEY_SIGNS

CHUNK = 50_000  # seqs per query: the unit of the progress bar

_DIGIT = "[0-9]"
_RECORDED_GLOB = (
    f"{_DIGIT * 4}-{_DIGIT * 2}-{_DIGIT * 2}T{_DIGIT * 2}:{_DIGIT * 2}:{_DIGIT * 2}.{_DIGIT * 6}Z"
)


def _quoted(values: object) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))  # type: ignore[call-overload]


_SIGN_RULE = " ".join(
    f"WHEN '{kind}' THEN amount {'> 0' if sign > 0 else '< 0' if sign < 0 else '!= 0'}"
    for kind, sign in sorted(MONEY_SIGNS.items())
)

# Per chunk of seqs [lo, hi]: the checks SQLite can make on each row alone, the links between
# consecutive rows (a join on seq - 1: prev_hash and recorded time), and then one pass in
# Python over narrow rows for what needs Python: the hash (SQLite's json_array builds the
# canonical text), each account's balance chain, the date and the details.
_ROWS = f"""
SELECT seq FROM events
WHERE seq BETWEEN :lo AND :hi AND (
       type NOT IN ({_quoted(ALL_TYPES)})
    OR NOT (CASE type {_SIGN_RULE} ELSE amount = 0 END)
    OR recorded_at NOT GLOB '{_RECORDED_GLOB}'
)
LIMIT 1
"""

_LINKS = f"""
SELECT e.seq FROM events e LEFT JOIN events p ON p.seq = e.seq - 1
WHERE e.seq BETWEEN :lo AND :hi
  AND (e.prev_hash != coalesce(p.hash, '{GENESIS}')
       OR e.recorded_at < coalesce(p.recorded_at, ''))
LIMIT 1
"""

_PYTHON = """
SELECT account, amount, balance,
       prev_hash || json_array(seq, ref, type, account, amount, balance, date, recorded_at,
                               details),
       hash, date, details
  FROM events WHERE seq BETWEEN :lo AND :hi ORDER BY seq
"""

# Canonical integers outside strings (or digit runs inside them): rows whose details differ
# only there are equally valid, so the check of one serves them all.
_INTEGER = re.compile(r"(?<=[:\[,])(?:-?[1-9][0-9]*|0)(?=[,}\]])")


@lru_cache(maxsize=4096)
def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _valid_details(text: str) -> bool:
    return _valid_details_shape(_INTEGER.sub("#", text), text)


@lru_cache(maxsize=65536)
def _valid_details_shape(shape: str, text: str) -> bool:
    """Whether `text`, and so every details text of the same `shape`, is valid (the cache
    is keyed on the shape; `text` is the first one seen)."""
    try:
        details = json.loads(text)
    except ValueError:
        return False
    return (
        isinstance(details, dict)
        and encode_details(details) == text
        and all(
            key in DETAIL_KEYS and type(value) is DETAIL_KEYS[key] for key, value in details.items()
        )
    )


def log_is_clean(
    conn: sqlite3.Connection, head: int, progress: Callable[[int], None] | None = None
) -> dict[str, int] | None:
    """Each account's last balance when no row of the log (seq 1 to `head`, and nothing
    beyond) fails a check; None when something does, or when this pass cannot tell."""
    factory = conn.text_factory
    # Strict UTF-8 (in C): text that is not UTF-8 fails here, and the verifier, which reads
    # it with surrogates, names the row.
    conn.text_factory = str
    try:
        count, smallest = conn.execute("SELECT count(*), min(seq) FROM events").fetchone()
        if count != head or (head and smallest != 1):
            return None  # a gap, or rows beyond the head: the verifier says which
        balances: dict[str, int] = {}
        for lo in range(1, head + 1, CHUNK):
            params = {"lo": lo, "hi": min(lo + CHUNK - 1, head)}
            for query in (_ROWS, _LINKS):
                if conn.execute(query, params).fetchone() is not None:
                    return None
            if not _python_checks(conn.execute(_PYTHON, params), balances):
                return None
            if progress is not None:
                progress(params["hi"])
    except (sqlite3.Error, UnicodeError, ValueError, TypeError):
        return None  # e.g. text that is not UTF-8: the Python verifier will say where
    finally:
        conn.text_factory = factory
    return balances


def _python_checks(rows: Iterable[tuple[Any, ...]], balances: dict[str, int]) -> bool:
    sha256 = hashlib.sha256
    for account, amount, balance, encoded, hash_, day, details in rows:
        if (
            balance != balances.get(account, 0) + amount
            or sha256(encoded.encode("utf-8")).hexdigest() != hash_
            or not _valid_date(day)
            or not _valid_details(details)
        ):
            return False
        balances[account] = balance
    return True
