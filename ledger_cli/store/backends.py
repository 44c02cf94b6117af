"""Which backend keeps a ledger: the one place that knows them all. The application opens
every ledger through `open_store` and then speaks only to the storage interface. A file is
SQLite's (store/sqlite/); a PostgreSQL URL is the server's (store/postgres/), whose module,
and psycopg, load only for such a URL."""

from __future__ import annotations

from pathlib import Path

from ledger_cli.store.base import Store
from ledger_cli.store.url import DatabaseUrl, Location


def open_store(
    location: Location, *, write: bool, create_folder: bool = False, damaged_ok: bool = False
) -> Store:
    """Open the ledger at `location` (a file: SQLite; a URL: PostgreSQL). Only a write
    creates it, and only then may it create the default location's folder
    (`create_folder`); a query on a missing ledger is NoLedger. `damaged_ok` lets
    `reconcile` look at a log whose table lost its guards."""
    if isinstance(location, DatabaseUrl):
        from ledger_cli.store.postgres.store import PostgresStore

        return PostgresStore.open(location, write=write, damaged_ok=damaged_ok)
    from ledger_cli.store.sqlite.store import SqliteStore

    return SqliteStore.open(
        location, write=write, create_folder=create_folder, damaged_ok=damaged_ok
    )


def ledger_exists(location: Location) -> bool:
    """Whether a ledger is at `location` that a write would open rather than create (a
    file: anything there; a server: a ledger's schema)."""
    if isinstance(location, DatabaseUrl):
        from ledger_cli.store.postgres.store import PostgresStore

        return PostgresStore.exists(location)
    from ledger_cli.store.sqlite.connection import translate_errors

    with translate_errors(location):
        return location.exists()


def open_scratch(location: Location) -> Store:
    """An empty ledger that lives in memory only, in place of the missing one at `location`:
    a dry run on a ledger not yet created decides against it, and leaves nothing behind."""
    from ledger_cli.store.sqlite.store import SqliteStore

    return SqliteStore.scratch(location)


def is_file(location: Location) -> bool:
    """Whether the ledger is a file (which output files must never overwrite)."""
    return isinstance(location, Path)
