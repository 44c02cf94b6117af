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
import sqlite3
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from ledger_cli.chain import GENESIS, encode_details
from ledger_cli.events import ALL_TYPES, DETAIL_KEYS, MONEY_SIGNS

CHUNK = 100_000  # seqs per query: the unit of the progress bar

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

# The rows of one chunk [lo, hi] that fail a check. Window functions see one row before the
# chunk (lo - 1) for the links; each account's balance before the chunk comes in as JSON.
_QUERY = f"""
SELECT seq FROM (
    SELECT *,
        lag(seq, 1, 0) OVER chain_order AS previous_seq,
        lag(hash, 1, '{GENESIS}') OVER chain_order AS previous_hash,
        lag(recorded_at, 1, '') OVER chain_order AS previous_recorded,
        lag(balance) OVER (PARTITION BY account ORDER BY seq) AS previous_balance
    FROM events WHERE seq BETWEEN :lo - 1 AND :hi
    WINDOW chain_order AS (ORDER BY seq)
)
WHERE seq >= :lo AND (
       seq != previous_seq + 1
    OR prev_hash != previous_hash
    OR recorded_at < previous_recorded
    OR balance != coalesce(
           previous_balance, json_extract(:carry, '$."' || account || '"'), 0) + amount
    OR type NOT IN ({_quoted(ALL_TYPES)})
    OR NOT (CASE type {_SIGN_RULE} ELSE amount = 0 END)
    OR NOT ledger_valid_date(date)
    OR recorded_at NOT GLOB '{_RECORDED_GLOB}'
    OR NOT ledger_valid_details(details)
    OR hash != ledger_sha256(prev_hash || json_array(
           seq, ref, type, account, amount, balance, date, recorded_at, details))
)
LIMIT 1
"""

# Each account's last balance at or before a seq: what the next chunk starts from.
_CARRY = """
SELECT account, balance, max(seq) FROM events WHERE seq BETWEEN :lo AND :hi GROUP BY account
"""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=4096)
def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


@lru_cache(maxsize=65536)
def _valid_details(text: str) -> bool:
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
    conn.create_function("ledger_sha256", 1, _sha256, deterministic=True)
    conn.create_function("ledger_valid_date", 1, _valid_date, deterministic=True)
    conn.create_function("ledger_valid_details", 1, _valid_details, deterministic=True)
    try:
        count, smallest = conn.execute("SELECT count(*), min(seq) FROM events").fetchone()
        if count != head or (head and smallest != 1):
            return None
        carry: dict[str, int] = {}
        for lo in range(1, head + 1, CHUNK):
            hi = min(lo + CHUNK - 1, head)
            params = {"lo": lo, "hi": hi, "carry": json.dumps(carry)}
            if conn.execute(_QUERY, params).fetchone() is not None:
                return None
            for account, balance, _ in conn.execute(_CARRY, {"lo": lo, "hi": hi}):
                carry[account] = balance
            if progress is not None:
                progress(hi)
    except (sqlite3.Error, UnicodeError, ValueError, TypeError):
        return None  # e.g. text that is not UTF-8: the Python verifier will say where
    return carry
