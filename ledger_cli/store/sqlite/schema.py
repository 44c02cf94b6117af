"""The ledger file's schema, created and upgraded through sqlite-utils migrations.

`PRAGMA user_version` mirrors the number of applied migrations so that opening a file can tell
cheaply, without importing sqlite-utils, whether it is current, older (migrate) or newer (refuse).
`PRAGMA application_id` marks the file as a ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

APPLICATION_ID = 0x4C454447  # "LEDG"
SCHEMA_VERSION = 6
# The last version that changed the read models: a file of this version or later has them all
# (migration 6 added the documents' table, no read model), so its queries need no replay.
READ_MODELS_VERSION = 5

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
GUARD_TRIGGERS = (
    "events_no_update",
    "events_no_delete",
    "events_append_at_head",
    "documents_no_update",
    "documents_no_delete",
)

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


# The read models (store/readmodels.py): tables derived from the log, and rebuilt from it.
READ_MODEL_TABLES = (
    "rm_accounts",
    "rm_transactions",
    "rm_checks",
    "rm_days",
    "rm_cleared",
    "rm_statement_rows",
    "rm_recategorized",
    "rm_category_days",
    "rm_category_months",
    "rm_payees",
    "rm_rules",
    "rm_budgets",
    "rm_occurrences",
    "rm_position",
)

READ_MODELS = [
    """CREATE TABLE rm_accounts (
        name            TEXT PRIMARY KEY,
        currency        TEXT    NOT NULL,
        overdraft_limit INTEGER NOT NULL,
        opened_on       TEXT    NOT NULL,
        closed          INTEGER NOT NULL,
        balance         INTEGER NOT NULL,
        last_entry_on   TEXT,
        last_check      INTEGER NOT NULL,
        sealed_through  TEXT
    ) STRICT""",
    """CREATE TABLE rm_transactions (
        ref       TEXT PRIMARY KEY,
        date      TEXT NOT NULL,
        voids     TEXT,
        voided_by TEXT
    ) STRICT, WITHOUT ROWID""",
    """CREATE TABLE rm_checks (
        account TEXT    NOT NULL,
        number  INTEGER NOT NULL,
        ref     TEXT    NOT NULL,
        PRIMARY KEY (account, number)
    ) STRICT, WITHOUT ROWID""",
    """CREATE TABLE rm_days (
        account TEXT NOT NULL,
        date    TEXT NOT NULL,
        net     INTEGER,
        PRIMARY KEY (account, date)
    ) STRICT, WITHOUT ROWID""",
    """CREATE TABLE rm_cleared (
        ref     TEXT NOT NULL,
        account TEXT NOT NULL,
        status  TEXT NOT NULL,
        PRIMARY KEY (ref, account)
    ) STRICT, WITHOUT ROWID""",
    """CREATE TABLE rm_statement_rows (
        account     TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        ref         TEXT NOT NULL,
        PRIMARY KEY (account, fingerprint)
    ) STRICT, WITHOUT ROWID""",
    """CREATE TABLE rm_position (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        seq          INTEGER NOT NULL,
        hash         TEXT    NOT NULL,
        transactions INTEGER NOT NULL
    ) STRICT""",
]

# Where the money went (migration 3): the category a transaction has now when it was set again
# after the entry (`categorize`); each account's net per category and effective day, and per
# month, with the number of entries (a report sums whole months from the months, and the days
# of a month cut by --since or --as-of from the days; a row is there while it counts an entry,
# even one its void cancels, so that a report's periods run from the first entry's; transfers
# are in neither); the category last used with each payee
# (case-folded); the rules (removed ones kept, so that ids are never reused); the budget steps.
CATEGORY_READ_MODELS = [
    """CREATE TABLE rm_recategorized (
        ref      TEXT PRIMARY KEY,
        category TEXT,
        split    TEXT
    ) STRICT, WITHOUT ROWID""",
    """CREATE TABLE rm_category_days (
        account  TEXT    NOT NULL,
        category TEXT    NOT NULL,
        date     TEXT    NOT NULL,
        net      INTEGER,
        entries  INTEGER NOT NULL,
        PRIMARY KEY (account, category, date)
    ) STRICT, WITHOUT ROWID""",
    """CREATE TABLE rm_payees (
        payee    TEXT PRIMARY KEY,
        category TEXT NOT NULL
    ) STRICT, WITHOUT ROWID""",
    """CREATE TABLE rm_rules (
        id       INTEGER PRIMARY KEY,
        pattern  TEXT NOT NULL,
        category TEXT NOT NULL,
        payee    TEXT,
        removed  INTEGER NOT NULL
    ) STRICT""",
    """CREATE TABLE rm_budgets (
        category TEXT    NOT NULL,
        currency TEXT    NOT NULL,
        month    TEXT    NOT NULL,
        amount   INTEGER NOT NULL,
        PRIMARY KEY (category, currency, month)
    ) STRICT, WITHOUT ROWID""",
]


# Migration 4: each account's net per category and month, beside the days.
CATEGORY_MONTHS = """CREATE TABLE IF NOT EXISTS rm_category_months (
        account  TEXT    NOT NULL,
        category TEXT    NOT NULL,
        month    TEXT    NOT NULL,
        net      INTEGER,
        entries  INTEGER NOT NULL,
        PRIMARY KEY (account, category, month)
    ) STRICT, WITHOUT ROWID"""


# Migration 5, what is coming: each occurrence of a schedule already posted (the ref of the
# entry that posted it first) or skipped (the ref of the skip), and the seq that did it, so that
# `due` and `forecast` as known at an earlier moment keep only those recorded by then.
OCCURRENCES = """CREATE TABLE IF NOT EXISTS rm_occurrences (
        schedule TEXT    NOT NULL,
        date     TEXT    NOT NULL,
        ref      TEXT    NOT NULL,
        how      TEXT    NOT NULL,
        seq      INTEGER NOT NULL,
        PRIMARY KEY (schedule, date)
    ) STRICT, WITHOUT ROWID"""


# Migration 6, receipts: the bytes of every document, once for the same bytes (the key is their
# SHA-256), append-only like the log. An event names a document by its hash, and the hash
# chain covers the event, so bytes swapped later no longer hash to the name that reconcile
# checks. The content is written in place through SQLite's incremental blob I/O (not an
# UPDATE), once, inside the transaction that appends the event naming it.
DOCUMENTS = [
    """CREATE TABLE IF NOT EXISTS documents (
        id      INTEGER PRIMARY KEY,
        sha256  TEXT    NOT NULL UNIQUE,
        size    INTEGER NOT NULL CHECK (size > 0),
        content BLOB    NOT NULL CHECK (length(content) = size)
    ) STRICT""",
    """CREATE TRIGGER IF NOT EXISTS documents_no_update BEFORE UPDATE ON documents
       BEGIN SELECT RAISE(ABORT, 'documents are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS documents_no_delete BEFORE DELETE ON documents
       BEGIN SELECT RAISE(ABORT, 'documents are append-only: DELETE refused'); END""",
]


def document_index() -> str:
    """The index of the events that attach and detach documents: few, read by `docs`, by
    `history`'s marks and by reconcile without a scan of the log."""
    from ledger_cli.domain.events import DOCUMENT_TYPES
    from ledger_cli.store.sql.fragments import type_in

    return f"CREATE INDEX events_documents ON events (seq) WHERE {type_in(DOCUMENT_TYPES)}"


def schedule_index() -> str:
    """The index of the schedules' own events (created, stopped, an occurrence skipped): few,
    read by every `due` and `forecast` without a scan of the log."""
    from ledger_cli.domain.events import SCHEDULE_TYPES
    from ledger_cli.store.sql.fragments import type_in

    return f"CREATE INDEX events_schedules ON events (seq) WHERE {type_in(SCHEDULE_TYPES)}"


def partial_indexes() -> list[str]:
    """The indexes of the few rows some reads want, found without a scan of the log: the
    AccountOpened and AccountClosed rows, and per account the events that change a
    transaction's cleared status. (store.rows() writes the same `type IN (...)` terms.)"""
    from ledger_cli.domain.events import ACCOUNT_TYPES, STATUS_TYPES
    from ledger_cli.store.sql.fragments import type_in

    return [
        f"CREATE INDEX events_accounts ON events (seq) WHERE {type_in(ACCOUNT_TYPES)}",
        f"CREATE INDEX events_status ON events (account, seq) WHERE {type_in(STATUS_TYPES)}",
    ]


def category_index() -> str:
    """The index of the events of where the money went that move no money (categorize,
    rules, budgets): a report as known at a past moment reads them without a scan."""
    from ledger_cli.domain.events import CATEGORY_TYPES
    from ledger_cli.store.sql.fragments import type_in

    return f"CREATE INDEX events_categories ON events (seq) WHERE {type_in(CATEGORY_TYPES)}"


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
        # Created empty: a write fills them (rebuild.py) before it decides anything.
        for statement in READ_MODELS:
            db.execute(statement)
        db.execute(COMMAND_KEYS_TABLE)
        for statement in partial_indexes():
            db.execute(statement)

    @migrations(name="0003_categories")
    def create_category_read_models(db: Database) -> None:
        # Created empty, and the position dropped: the next write rebuilds every read model
        # from the log, these included.
        for statement in CATEGORY_READ_MODELS:
            db.execute(statement)
        db.execute(category_index())
        db.execute("DELETE FROM rm_position")

    @migrations(name="0004_category_months")
    def create_category_months(db: Database) -> None:
        db.execute(CATEGORY_MONTHS)
        db.execute("DELETE FROM rm_position")  # derived by the next write

    @migrations(name="0005_schedules")
    def create_occurrences(db: Database) -> None:
        db.execute(OCCURRENCES)
        db.execute(schedule_index())
        db.execute("DELETE FROM rm_position")  # derived by the next write

    @migrations(name="0006_documents")
    def create_documents(db: Database) -> None:
        for statement in DOCUMENTS:
            db.execute(statement)
        db.execute(document_index())

    migrations.apply(Database(conn, execute_plugins=False))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
