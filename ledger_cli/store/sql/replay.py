"""Rebuilding the read models by replaying the log through the same fold a write makes
(domain/state.evolve and readmodels.Changes), saved in batches: what a backend without a
rebuild of its own in SQL does (PostgreSQL). Slower than SQLite's set-wise rebuild.py, and
exactly as right: every write saves the read models the same way."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ledger_cli.domain.state import State, evolve
from ledger_cli.store.base import Row
from ledger_cli.store.chain import to_event
from ledger_cli.store.readmodels import Changes
from ledger_cli.store.sql.fragments import Connection

BATCH = 5_000  # events folded before their changes are saved


def replay(
    conn: Connection,
    tables: Iterable[str],
    rows: Iterable[Row],
    save: Callable[[State, Changes], None],
) -> None:
    """Empty `tables` and derive them again from `rows` (the whole log, in seq order)."""
    for table in tables:
        conn.execute(f"DELETE FROM {table}")
    state = State()
    changes = Changes()
    held = 0
    last_ref = None
    for row in rows:
        # A transaction's rows go into one batch (Changes counts a ref from its first row).
        if held >= BATCH and row.ref != last_ref:
            save(state, changes)
            changes, held = Changes(), 0
        event = to_event(row)
        evolve(state, event)
        changes.add(event, row.hash, state)
        held += 1
        last_ref = row.ref
    save(state, changes)
