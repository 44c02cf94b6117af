"""A fast first pass over the whole log, inside PostgreSQL: does any row fail any check?

The checks are those of chain.Verifier, made by the server in three queries over the log: seq
gapless, prev_hash = the previous row's hash, hash = the SHA-256 of the canonical encoding
(PostgreSQL's to_json escapes text exactly as Python's json.dumps with ensure_ascii=False
does), each balance = the account's previous balance + amount, recorded times never going
back, and the format rules. What needs Python is asked of the few distinct values: the days
(a real calendar day) and the details, one per shape (sqlite/fastcheck.py says why that
suffices). Only "clean or not" comes back; on anything else, `reconcile` runs the Python
verifier, which names the first failing seq. The client's memory stays flat at any length.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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

# The canonical encoding of chain.canonical. The type, the day and the recorded time are put in
# quotes as they are: the same pass refuses any row where they are not one of the types or
# of the stored forms (digits and fixed signs), which need no escape; every other text is
# escaped by to_json.
_CANONICAL = (
    "'[' || seq || ',' || to_json(ref)::text || ',\"' || type || '\",' "
    "|| to_json(account)::text || ',' || amount || ',' || balance || ',\"' || date || '\",\"' "
    "|| recorded_at || '\",' || to_json(details)::text || ']'"
)

# Three passes, each as cheap as the server makes it (one query carrying every check through
# both sorts costs several times their sum): each row alone (its hash and its form), the links
# in seq order (seq, prev_hash, recorded times never going back: each no earlier than the one
# before it), and each account's balances in seq order.
# A stored time or day has its form when its digits, each made a 0, leave the pattern (as
# exact as a regular expression, and cheaper).
_ROWS = f"""
SELECT seq FROM events
 WHERE seq BETWEEN %s AND %s AND (
       encode(sha256(convert_to(prev_hash || {_CANONICAL}, 'UTF8')), 'hex') <> hash
    OR NOT {type_in(sorted(ALL_TYPES))}
    OR NOT (CASE type {_SIGN_RULE} ELSE amount = 0 END)
    OR translate(recorded_at, '0123456789', '0000000000') <> '0000-00-00T00:00:00.000000Z'
    OR translate(date, '0123456789', '0000000000') <> '0000-00-00')
 LIMIT 1
"""

_LINKS = f"""
SELECT seq FROM (
    SELECT seq, prev_hash, recorded_at,
           lag(seq) OVER log AS before_seq, lag(hash) OVER log AS before_hash,
           lag(recorded_at) OVER log AS before_recorded
      FROM events WINDOW log AS (ORDER BY seq)) AS linked
 WHERE seq <> coalesce(before_seq, 0) + 1
    OR prev_hash <> coalesce(before_hash, '{GENESIS}')
    OR recorded_at < coalesce(before_recorded, '')
 LIMIT 1
"""

# Each account's balance chain, and its last balance: the rows that break the chain, and the
# last row of each account (NULL in the first column), from one sort.
_BALANCES = """
SELECT CASE WHEN balance <> coalesce(before_balance, 0) + amount THEN seq END, account, balance
  FROM (SELECT seq, account, amount, balance,
               lag(balance) OVER account_log AS before_balance,
               lead(seq) OVER account_log IS NULL AS last
          FROM events WINDOW account_log AS (PARTITION BY account ORDER BY seq)) AS chained
 WHERE balance <> coalesce(before_balance, 0) + amount OR last
"""

# One row of details per shape: the same text with its canonical integers replaced.
_SHAPES = """
SELECT DISTINCT ON (shape) details
  FROM (SELECT details,
               regexp_replace(details, '(?<=[:\\[,])(-?[1-9][0-9]*|0)(?=[,}\\]])', '#', 'g')
                   AS shape
          FROM events) AS shaped
"""


PARALLEL_FROM = 100_000  # below this, more connections cost more than they save


def log_is_clean(conn: PgConnection, head: int) -> dict[str, int] | None:
    """Each account's last balance when no row of the log (seq 1 to `head`, and nothing
    beyond) fails a check; None when something does, or when this pass cannot tell.

    Inside a transaction, on a long log, the passes run at once on two more connections
    that share its snapshot (pg_export_snapshot), so the server checks on every CPU it has
    while this one reads the details' shapes: the same log, seen at the same moment."""
    import psycopg
    from psycopg import pq

    # A failing statement aborts the transaction it runs in: the checks run in a savepoint,
    # so that the verifier can still read the log after them.
    inside = conn.raw.info.transaction_status == pq.TransactionStatus.INTRANS
    snapshot = None
    if inside:
        if head >= PARALLEL_FROM:
            # Exported before the savepoint: a subtransaction cannot export one.
            # (A standby, in recovery, exports none: there the passes run one after another.)
            exported = conn.raw.execute(
                b"SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_export_snapshot() END"
            ).fetchone()
            snapshot = str(exported[0]) if exported and exported[0] else None
        conn.raw.execute(b"SAVEPOINT quick_check")
    try:
        found = _check(conn, head, snapshot)
    except (psycopg.Error, ValueError, TypeError):
        found = None  # the verifier will say what and where
        if inside:
            conn.raw.execute(b"ROLLBACK TO SAVEPOINT quick_check")
    if inside:
        conn.raw.execute(b"RELEASE SAVEPOINT quick_check")
    return found


Pass = tuple[str, tuple[int, ...]]


def _check(conn: PgConnection, head: int, snapshot: str | None) -> dict[str, int] | None:
    from ledger_cli.store.chain import details_problem

    count, smallest = conn.raw.execute(b"SELECT count(*), min(seq) FROM events").fetchone() or (
        0,
        None,
    )
    if count != head or (head and smallest != 1):
        return None  # a gap, or rows beyond the head: the verifier says which
    middle = head // 2
    groups: list[list[Pass]] = [
        [(_ROWS, (1, middle)), (_LINKS, ())],
        [(_ROWS, (middle + 1, head)), (_BALANCES, ())],
    ]
    if snapshot is not None:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(groups)) as pool:
            futures = [pool.submit(_on_snapshot, conn, snapshot, group) for group in groups]
            clean = _shapes_clean(conn, details_problem)
            results = [future.result() for future in futures]
    else:
        results = [_passes(conn, group) for group in groups]
        clean = _shapes_clean(conn, details_problem)
    balances = results[1]
    if not clean or results[0] is None or balances is None:
        return None
    return balances


def _passes(conn: PgConnection, group: list[Pass]) -> dict[str, int] | None:
    """None when a row fails one of these passes, else the last balances the balance pass
    found (empty when it is not among them). Their sorts are done in memory, not on disk."""
    conn.raw.execute(b"SET LOCAL work_mem = '128MB'")
    balances: dict[str, int] = {}
    for query, params in group:
        rows = conn.raw.execute(query.encode(), params or None)
        if query is _BALANCES:
            for seq, account, balance in rows:
                if seq is not None:
                    return None
                balances[str(account)] = int(balance)
        elif rows.fetchone() is not None:
            return None
    return balances


def _on_snapshot(conn: PgConnection, snapshot: str, group: list[Pass]) -> dict[str, int] | None:
    """The passes, on a connection of their own that sees `conn`'s snapshot."""
    from ledger_cli.store.postgres.connection import connect_new

    worker = connect_new(conn.url)
    try:
        worker.raw.execute(b"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if not re.fullmatch(r"[0-9A-F-]+", snapshot):
            raise ValueError(f"not a snapshot's name: {snapshot!r}")
        worker.raw.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'".encode())
        return _passes(worker, group)
    finally:
        worker.close()


def _shapes_clean(conn: PgConnection, details_problem: Callable[[str], str | None]) -> bool:
    """Every day a calendar day, and one details text of each shape valid."""
    for (day,) in conn.raw.execute(b"SELECT DISTINCT date FROM events"):
        date.fromisoformat(day)  # ValueError: not a calendar day
    return all(
        details_problem(details) is None
        for (details,) in conn.raw.execute(_SHAPES.encode())
    )
