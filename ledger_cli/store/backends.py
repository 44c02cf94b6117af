"""Which backend keeps a ledger: the one place that knows them all. The application opens
every ledger through `open_store` and then speaks only to the storage interface."""

from __future__ import annotations

from pathlib import Path

from ledger_cli.store.base import Store


def open_store(
    location: Path, *, write: bool, create_folder: bool = False, damaged_ok: bool = False
) -> Store:
    """Open the ledger at `location` (a file: SQLite). Only a write creates it, and only then
    may it create the default location's folder (`create_folder`); a query on a missing
    ledger is NoLedger. `damaged_ok` lets `reconcile` look at a log whose table lost its
    guards."""
    from ledger_cli.store.sqlite.store import SqliteStore

    return SqliteStore.open(
        location, write=write, create_folder=create_folder, damaged_ok=damaged_ok
    )


def ledger_exists(location: Path) -> bool:
    """Whether something is at `location` that a write would open rather than create."""
    from ledger_cli.store.sqlite.connection import translate_errors

    with translate_errors(location):
        return location.exists()


def open_scratch(location: Path) -> Store:
    """An empty ledger that lives in memory only, in place of the missing one at `location`:
    a dry run on a ledger not yet created decides against it, and leaves nothing behind."""
    from ledger_cli.store.sqlite.store import SqliteStore

    return SqliteStore.scratch(location)
