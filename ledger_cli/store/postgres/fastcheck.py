"""A fast first pass over the whole log, inside PostgreSQL: does any row fail any check?

The checks are those of chain.Verifier, made by the server in one query over the log: seq
gapless, prev_hash = the previous row's hash, hash = the SHA-256 of the canonical encoding
(PostgreSQL's to_json escapes text exactly as Python's json.dumps with ensure_ascii=False
does), each balance = the account's previous balance + amount, recorded times never going
back, and the format rules. What needs Python is asked of the few distinct values: the days
(a real calendar day) and the details, one per shape (sqlite/fastcheck.py says why that
suffices). Only "clean or not" comes back; on anything else, `reconcile` runs the Python
verifier, which names the first failing seq. The client's memory stays flat at any length.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ledger_cli.domain.events import ALL_TYPES, MONEY_SIGNS
from ledger_cli.store.base import GENESIS
from ledger_cli.store.sql.fragments import type_in

if TYPE_CHECKING:
    from ledger_cli.store.postgres.connection import PgConnection

_SIGN_RULE = " ".join(
    f"WHEN '{kind}' THEN amount {'> 0' if sign > 0 else '< 0' if sign < 0 else '<> 0'}"
    for kind, sign in sorted(MONEY_SIGNS.items())
)

_RECORDED = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{6}Z$"

_CANONICAL = (
    "'[' || seq || ',' || to_json(ref)::text || ',' || to_json(type)::text || ',' "
    "|| to_json(account)::text || ',' || amount || ',' || balance || ',' "
    "|| to_json(date)::text || ',' || to_json(recorded_at)::text || ',' "
    "|| to_json(details)::text || ']'"
)

_FIRST_FAILING = f"""
WITH e AS (
    SELECT seq, type, amount, balance, date, recorded_at, prev_hash, hash,
           lag(seq) OVER log AS before_seq,
           lag(hash) OVER log AS before_hash,
           max(recorded_at) OVER (log ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
               AS latest,
           lag(balance) OVER (PARTITION BY account ORDER BY seq) AS before_balance,
           encode(sha256(convert_to(prev_hash || {_CANONICAL}, 'UTF8')), 'hex') AS computed
      FROM events
    WINDOW log AS (ORDER BY seq)
)
SELECT seq FROM e
 WHERE seq <> coalesce(before_seq, 0) + 1
    OR prev_hash <> coalesce(before_hash, '{GENESIS}')
    OR computed <> hash
    OR balance <> coalesce(before_balance, 0) + amount
    OR recorded_at < coalesce(latest, '')
    OR NOT {type_in(sorted(ALL_TYPES))}
    OR NOT (CASE type {_SIGN_RULE} ELSE amount = 0 END)
    OR recorded_at !~ '{_RECORDED}'
    OR date !~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'
 LIMIT 1
"""

# One row of details per shape: the same text with its canonical integers replaced.
_SHAPES = """
SELECT DISTINCT ON (shape) details
  FROM (SELECT details,
               regexp_replace(details, '(?<=[:\\[,])(-?[1-9][0-9]*|0)(?=[,}\\]])', '#', 'g')
                   AS shape
          FROM events) AS shaped
"""


def log_is_clean(conn: PgConnection, head: int) -> dict[str, int] | None:
    """Each account's last balance when no row of the log (seq 1 to `head`, and nothing
    beyond) fails a check; None when something does, or when this pass cannot tell."""
    import psycopg
    from psycopg import pq

    # A failing statement aborts the transaction it runs in: the checks run in a savepoint,
    # so that the verifier can still read the log after them.
    inside = conn.raw.info.transaction_status == pq.TransactionStatus.INTRANS
    if inside:
        conn.raw.execute(b"SAVEPOINT quick_check")
        # The query sorts the whole log twice (by seq, by account): in memory, not on disk.
        conn.raw.execute(b"SET LOCAL work_mem = '128MB'")
    try:
        found = _check(conn, head)
    except (psycopg.Error, ValueError, TypeError):
        found = None  # the verifier will say what and where
        if inside:
            conn.raw.execute(b"ROLLBACK TO SAVEPOINT quick_check")
    if inside:
        conn.raw.execute(b"RELEASE SAVEPOINT quick_check")
    return found


def _check(conn: PgConnection, head: int) -> dict[str, int] | None:
    from ledger_cli.store.chain import details_problem

    count, smallest = conn.raw.execute(b"SELECT count(*), min(seq) FROM events").fetchone() or (
        0,
        None,
    )
    if count != head or (head and smallest != 1):
        return None  # a gap, or rows beyond the head: the verifier says which
    if conn.raw.execute(_FIRST_FAILING.encode()).fetchone() is not None:
        return None
    for (day,) in conn.raw.execute(b"SELECT DISTINCT date FROM events"):
        date.fromisoformat(day)  # ValueError: not a calendar day
    for (details,) in conn.raw.execute(_SHAPES.encode()):
        if details_problem(details) is not None:
            return None
    return {
        str(account): int(balance)
        for account, balance in conn.raw.execute(
            b"SELECT DISTINCT ON (account) account, balance FROM events ORDER BY account, seq DESC"
        )
    }
