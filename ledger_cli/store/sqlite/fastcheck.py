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
import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ledger_cli.domain.events import ALL_TYPES, MONEY_SIGNS
from ledger_cli.store.base import GENESIS
from ledger_cli.store.chain import details_problem
from ledger_cli.store.sql.fragments import type_in

CHUNK = 50_000  # seqs per query: the unit of the progress bar

_DIGIT = "[0-9]"
_RECORDED_GLOB = (
    f"{_DIGIT * 4}-{_DIGIT * 2}-{_DIGIT * 2}T{_DIGIT * 2}:{_DIGIT * 2}:{_DIGIT * 2}.{_DIGIT * 6}Z"
)


_SIGN_RULE = " ".join(
    f"WHEN '{kind}' THEN amount {'> 0' if sign > 0 else '< 0' if sign < 0 else '!= 0'}"
    for kind, sign in sorted(MONEY_SIGNS.items())
)

# Per chunk of seqs [lo, hi]: the checks SQLite can make on each row alone, the links between
# consecutive rows (a join on seq - 1: prev_hash and recorded time), and then one pass in
# Python over narrow rows for what needs Python: the hash (SQLite's json_array builds the
# canonical text), each account's balance chain and the details.
_ROWS = f"""
SELECT seq FROM events
WHERE seq BETWEEN :lo AND :hi AND (
       NOT {type_in(sorted(ALL_TYPES))}
    OR NOT (CASE type {_SIGN_RULE} ELSE amount = 0 END)
    OR recorded_at NOT GLOB '{_RECORDED_GLOB}'
    -- a real YYYY-MM-DD day: SQLite's date() keeps 2026-02-30, '+0 days' normalises it
    OR length(date) != 10 OR date < '0001-01-01' OR date(date, '+0 days') IS NOT date
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
       hash, details
  FROM events WHERE seq BETWEEN :lo AND :hi ORDER BY seq
"""

# Canonical integers outside strings (or digit runs inside them): rows whose details differ
# only there are equally valid, so the check of one serves them all.
_INTEGER = re.compile(r"(?<=[:\[,])(?:-?[1-9][0-9]*|0)(?=[,}\]])")


def _valid_details(text: str) -> bool:
    """chain.details_problem, once per shape: rows whose details differ only in integers
    (or digit runs inside strings) are all valid or all not."""
    shape = _INTEGER.sub("#", text)
    valid = _SHAPES.get(shape)
    if valid is None:
        if len(_SHAPES) >= _MAX_SHAPES:
            _SHAPES.clear()
        valid = _SHAPES[shape] = details_problem(text) is None
    return valid


_SHAPES: dict[str, bool] = {}
_MAX_SHAPES = 65_536


def log_is_clean(
    conn: sqlite3.Connection,
    head: int,
    progress: Callable[[int], None] | None = None,
    path: str | None = None,
) -> dict[str, int] | None:
    """Each account's last balance when no row of the log (seq 1 to `head`, and nothing
    beyond) fails a check; None when something does, or when this pass cannot tell.

    A long log of a file at `path` is checked in parallel, one contiguous range of seqs per
    CPU, each in its own process with its own connection (the rows up to `head` of an
    append-only log do not change); the ranges are then joined by their balances."""
    try:
        count, smallest = conn.execute("SELECT count(*), min(seq) FROM events").fetchone()
    except sqlite3.Error:
        return None
    if count != head or (head and smallest != 1):
        return None  # a gap, or rows beyond the head: the verifier says which
    workers = min(os.cpu_count() or 1, _MAX_WORKERS)
    if path is None or workers < 2 or head < _PARALLEL_FROM:
        return _from_zero(_check_range(conn, 1, head, progress))
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = -(-head // workers)
    ranges = [(path, lo, min(lo + size - 1, head)) for lo in range(1, head + 1, size)]
    try:
        with ProcessPoolExecutor(len(ranges)) as pool:
            results = list(pool.map(_check_file_range, ranges))
    except (OSError, BrokenProcessPool):
        return _from_zero(_check_range(conn, 1, head, progress))
    balances: dict[str, int] = {}
    for result in results:
        if result is None:
            return None
        before, after = result
        if any(balances.get(account, 0) != value for account, value in before.items()):
            return None  # an account's balance chain breaks where two ranges meet
        balances.update(after)
    if progress is not None:
        progress(head)
    return balances


def _from_zero(found: Ranged | None) -> dict[str, int] | None:
    """The balances after the whole log, when every account's chain starts at 0."""
    if found is None or any(value != 0 for value in found[0].values()):
        return None
    return found[1]


_PARALLEL_FROM = 200_000  # below this, starting processes costs more than it saves
_MAX_WORKERS = 8

Ranged = tuple[dict[str, int], dict[str, int]]


def _check_file_range(job: tuple[str, int, int]) -> Ranged | None:
    path, lo, hi = job
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return _check_range(conn, lo, hi, None)
    finally:
        conn.close()


def _check_range(
    conn: sqlite3.Connection, first: int, last: int, progress: Callable[[int], None] | None
) -> Ranged | None:
    """(each account's balance before `first`, as its first row in the range implies; each
    account's balance after `last`) when no row of [first, last] fails a check, else None."""
    factory = conn.text_factory
    # Strict UTF-8 (in C): text that is not UTF-8 fails here, and the verifier, which reads
    # it with surrogates, names the row.
    conn.text_factory = str
    before: dict[str, int] = {}
    balances: dict[str, int] = {}
    try:
        for lo in range(first, last + 1, CHUNK):
            params = {"lo": lo, "hi": min(lo + CHUNK - 1, last)}
            for query in (_ROWS, _LINKS):
                if conn.execute(query, params).fetchone() is not None:
                    return None
            if not _python_checks(conn.execute(_PYTHON, params), before, balances):
                return None
            if progress is not None:
                progress(params["hi"])
    except (sqlite3.Error, UnicodeError, ValueError, TypeError):
        return None  # e.g. text that is not UTF-8: the Python verifier will say where
    finally:
        conn.text_factory = factory
    return before, balances


def _python_checks(
    rows: Iterable[tuple[Any, ...]], before: dict[str, int], balances: dict[str, int]
) -> bool:
    sha256 = hashlib.sha256
    valid_details = _valid_details
    for account, amount, balance, encoded, hash_, details in rows:
        previous = balances.get(account)
        if previous is None:
            before[account] = balance - amount  # checked where the ranges are joined
        elif balance != previous + amount:
            return False
        if sha256(encoded.encode()).hexdigest() != hash_ or not valid_details(details):
            return False
        balances[account] = balance
    return True
