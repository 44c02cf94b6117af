"""The ledger file's schema, created and upgraded through sqlite-utils migrations.

`PRAGMA user_version` mirrors the number of applied migrations so that opening a file can tell
cheaply, without importing sqlite-utils, whether it is current, older (migrate) or newer (refuse).
`PRAGMA application_id` marks the file as a ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ledger_cli.domain.events import ACCOUNT_TYPES, STATUS_TYPES

if TYPE_CHECKING:
    import sqlite3

APPLICATION_ID = 0x4C454447  # "LEDG"
SCHEMA_VERSION = 2

EVENTS_TABLE = """
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
    ref         TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    account     TEXT    NOT NULL,
    amount      INTEGER NOT NULL,
    balance     INTEGER NOT NULL,
    date        TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    details     TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
) STRICT
"""

# The names of the triggers that guard the log; reconcile warns when one is gone.
GUARD_TRIGGERS = ("events_no_update", "events_no_delete", "events_append_at_head")

# The log is append-only: the database itself refuses edits, and refuses an append that is not
# exactly the next link of the chain (gapless seq, prev_hash = the head's hash).
EVENTS_GUARDS = [
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END""",
    """CREATE TRIGGER events_append_at_head BEFORE INSERT ON events
       WHEN NEW.seq IS NOT coalesce((SELECT max(seq) FROM events), 0) + 1
         OR NEW.prev_hash IS NOT coalesce(
              (SELECT hash FROM events ORDER BY seq DESC LIMIT 1), printf('%.64d', 0))
       BEGIN SELECT RAISE(ABORT, 'events must be appended at the head of the chain'); END""",
    "CREATE INDEX events_account_date ON events (account, date, seq)",
    "CREATE INDEX events_ref ON events (ref)",
]


# Idempotency keys (`--id`): what the first command under each key was, so that a retry gets
# the same answer. A key whose command was accepted names its ref (the result is read back
# from the log); a key whose command was denied keeps the denial. This is the one table a
# denied command writes to.
COMMAND_KEYS_TABLE = """
CREATE TABLE command_keys (
    key         TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    ref         TEXT,
    code        INTEGER,
    message     TEXT,
    recorded_at TEXT NOT NULL
) STRICT
"""


def type_in(types: Iterable[str], column: str = "type") -> str:
    """`type IN ('A', 'B')`: event types as a literal list, in the order given. A query that
    is to use a partial index must spell its WHERE term as the index does, so both are made
    here from the same tuple."""
    return f"{column} IN ({', '.join(repr(str(kind)) for kind in types)})"


# The few AccountOpened and AccountClosed rows, found without a scan of the log.
ACCOUNT_EVENTS = type_in(ACCOUNT_TYPES)
ACCOUNT_EVENTS_INDEX = f"CREATE INDEX events_accounts ON events (seq) WHERE {ACCOUNT_EVENTS}"

# The events that change a transaction's cleared status, per account, found without a scan.
STATUS_EVENTS = type_in(STATUS_TYPES)
STATUS_EVENTS_INDEX = f"CREATE INDEX events_status ON events (account, seq) WHERE {STATUS_EVENTS}"


def migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations on `conn`, which must already hold a write transaction."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    migrations = Migrations("ledger")

    @migrations(name="0001_events")
    def create_events(db: Database) -> None:
        db.execute(EVENTS_TABLE)
        for statement in EVENTS_GUARDS:
            db.execute(statement)

    @migrations(name="0002_read_models")
    def create_read_models(db: Database) -> None:
        from ledger_cli.store.sqlite.readmodels import DDL
        from ledger_cli.store.sqlite.rebuild import rebuild

        for statement in DDL:
            db.execute(statement)
        db.execute(COMMAND_KEYS_TABLE)
        db.execute(ACCOUNT_EVENTS_INDEX)
        db.execute(STATUS_EVENTS_INDEX)
        rebuild(db.conn)

    migrations.apply(Database(conn, execute_plugins=False))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
