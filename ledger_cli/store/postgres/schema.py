"""The ledger's schema on PostgreSQL: the log, the documents, the idempotency keys and the read
models, the same tables as a file's (store/sqlite/schema.py) in PostgreSQL's types, and the
guards the server keeps.

`ledger_meta` says that the database holds a ledger and at which schema version; the first write
into a database without it creates everything, inside its own transaction (so a denied first
command leaves the database as it was), under an advisory lock that two first writers share.

Writers serialise on the one row of `ledger_head`: each write transaction locks it (`SELECT ...
FOR UPDATE`, waiting at most `lock_timeout`) before it reads the head of the log, so seq is
gapless and in commit order without a sequence (which skips numbers on rollback and hands them
out in an order other than the commits'). Only a role that may UPDATE that row can write.

The server refuses UPDATE, DELETE and TRUNCATE on the log and on the documents (triggers), and an
append that is not the next link of the chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ledger_cli.store.postgres.connection import PgConnection

APPLICATION = "ledger"
SCHEMA_VERSION = 1
# The key of the advisory lock under which the first write creates the schema.
CREATE_LOCK = 0x4C454447

GUARD_TRIGGERS = (
    "events_no_update",
    "events_no_delete",
    "events_no_truncate",
    "events_append_at_head",
    "documents_no_update",
    "documents_no_delete",
    "documents_no_truncate",
)

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

# Column types the log must keep (schema_problem): what a hash is computed over.
EVENT_COLUMNS = {
    "seq": "bigint",
    "ref": "text",
    "type": "text",
    "account": "text",
    "amount": "bigint",
    "balance": "bigint",
    "date": "text",
    "recorded_at": "text",
    "details": "text",
    "prev_hash": "text",
    "hash": "text",
}

_REFUSE = """
CREATE FUNCTION ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$
"""

# The rows one INSERT or COPY appends must be the next links of the chain: nothing stored
# above the first of them, the first right after the head, and each one's prev_hash the hash
# of the row before it (genesis before seq 1). Checked once per statement, over the rows it
# appended (a row trigger would query the head once per row of an import).
_AT_HEAD = """
CREATE FUNCTION ledger_append_at_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first   bigint;
    added   bigint;
BEGIN
    SELECT min(seq), count(*) INTO first, added FROM appended;
    IF added = 0 THEN
        RETURN NULL;
    END IF;
    IF (SELECT count(*) FROM events WHERE seq >= first) <> added
       OR coalesce((SELECT max(seq) FROM events WHERE seq < first), 0) <> first - 1
       OR EXISTS (
           SELECT 1 FROM appended n LEFT JOIN events p ON p.seq = n.seq - 1
            WHERE n.prev_hash IS DISTINCT FROM
                  (CASE WHEN n.seq = 1 THEN repeat('0', 64) ELSE p.hash END)) THEN
        RAISE EXCEPTION 'events must be appended at the head of the chain'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$
"""

VERSION_1 = [
    """CREATE TABLE ledger_meta (
        id          integer PRIMARY KEY CHECK (id = 1),
        application text    NOT NULL,
        version     integer NOT NULL
    )""",
    "CREATE TABLE ledger_head (id integer PRIMARY KEY CHECK (id = 1))",
    "INSERT INTO ledger_head VALUES (1)",
    """CREATE TABLE events (
        seq         bigint PRIMARY KEY CHECK (seq >= 1),
        ref         text   NOT NULL,
        type        text   NOT NULL,
        account     text   NOT NULL,
        amount      bigint NOT NULL,
        balance     bigint NOT NULL,
        date        text   NOT NULL,
        recorded_at text   NOT NULL,
        details     text   NOT NULL,
        prev_hash   text   NOT NULL,
        hash        text   NOT NULL
    )""",
    _REFUSE,
    _AT_HEAD,
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       FOR EACH ROW EXECUTE FUNCTION ledger_refuse()""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION ledger_refuse()""",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse()""",
    """CREATE TRIGGER events_append_at_head AFTER INSERT ON events
       REFERENCING NEW TABLE AS appended
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_at_head()""",
    "CREATE INDEX events_account_date ON events (account, date, seq)",
    "CREATE INDEX events_ref ON events (ref)",
    """CREATE TABLE documents (
        sha256  text   PRIMARY KEY,
        size    bigint NOT NULL CHECK (size > 0),
        content bytea  NOT NULL CHECK (length(content) = size)
    )""",
    # Documents are compressed already, most of them (PDF, JPEG): stored as they are.
    "ALTER TABLE documents ALTER COLUMN content SET STORAGE EXTERNAL",
    """CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
       FOR EACH ROW EXECUTE FUNCTION ledger_refuse()""",
    """CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
       FOR EACH ROW EXECUTE FUNCTION ledger_refuse()""",
    """CREATE TRIGGER documents_no_truncate BEFORE TRUNCATE ON documents
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse()""",
    """CREATE TABLE command_keys (
        key         text PRIMARY KEY,
        fingerprint text NOT NULL,
        ref         text,
        code        integer,
        message     text,
        recorded_at text NOT NULL
    )""",
    """CREATE TABLE rm_accounts (
        name            text PRIMARY KEY,
        currency        text    NOT NULL,
        overdraft_limit bigint  NOT NULL,
        opened_on       text    NOT NULL,
        closed          integer NOT NULL,
        balance         bigint  NOT NULL,
        last_entry_on   text,
        last_check      bigint  NOT NULL,
        sealed_through  text
    )""",
    """CREATE TABLE rm_transactions (
        ref text PRIMARY KEY, date text NOT NULL, voids text, voided_by text
    )""",
    """CREATE TABLE rm_checks (
        account text NOT NULL, number bigint NOT NULL, ref text NOT NULL,
        PRIMARY KEY (account, number)
    )""",
    """CREATE TABLE rm_days (
        account text NOT NULL, date text NOT NULL, net bigint, PRIMARY KEY (account, date)
    )""",
    """CREATE TABLE rm_cleared (
        ref text NOT NULL, account text NOT NULL, status text NOT NULL,
        PRIMARY KEY (ref, account)
    )""",
    """CREATE TABLE rm_statement_rows (
        account text NOT NULL, fingerprint text NOT NULL, ref text NOT NULL,
        PRIMARY KEY (account, fingerprint)
    )""",
    """CREATE TABLE rm_position (
        id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL,
        transactions bigint NOT NULL
    )""",
    "CREATE TABLE rm_recategorized (ref text PRIMARY KEY, category text, split text)",
    """CREATE TABLE rm_category_days (
        account text NOT NULL, category text NOT NULL, date text NOT NULL, net bigint,
        entries bigint NOT NULL, PRIMARY KEY (account, category, date)
    )""",
    """CREATE TABLE rm_category_months (
        account text NOT NULL, category text NOT NULL, month text NOT NULL, net bigint,
        entries bigint NOT NULL, PRIMARY KEY (account, category, month)
    )""",
    "CREATE TABLE rm_payees (payee text PRIMARY KEY, category text NOT NULL)",
    """CREATE TABLE rm_rules (
        id bigint PRIMARY KEY, pattern text NOT NULL, category text NOT NULL, payee text,
        removed integer NOT NULL
    )""",
    """CREATE TABLE rm_budgets (
        category text NOT NULL, currency text NOT NULL, month text NOT NULL,
        amount bigint NOT NULL, PRIMARY KEY (category, currency, month)
    )""",
    """CREATE TABLE rm_occurrences (
        schedule text NOT NULL, date text NOT NULL, ref text NOT NULL, how text NOT NULL,
        seq bigint NOT NULL, PRIMARY KEY (schedule, date)
    )""",
]


def partial_indexes() -> list[str]:
    """The indexes of the few rows some reads want (as in a file's schema)."""
    from ledger_cli.domain.events import (
        ACCOUNT_TYPES,
        CATEGORY_TYPES,
        DOCUMENT_TYPES,
        SCHEDULE_TYPES,
        STATUS_TYPES,
    )
    from ledger_cli.store.sql.fragments import type_in

    return [
        f"CREATE INDEX events_accounts ON events (seq) WHERE {type_in(ACCOUNT_TYPES)}",
        f"CREATE INDEX events_status ON events (account, seq) WHERE {type_in(STATUS_TYPES)}",
        f"CREATE INDEX events_categories ON events (seq) WHERE {type_in(CATEGORY_TYPES)}",
        f"CREATE INDEX events_schedules ON events (seq) WHERE {type_in(SCHEDULE_TYPES)}",
        f"CREATE INDEX events_documents ON events (seq) WHERE {type_in(DOCUMENT_TYPES)}",
    ]


def version(conn: PgConnection) -> int | None:
    """The schema version of the ledger in this database; None when it holds none (and
    nothing else), -1 when it holds what is not a ledger."""
    found = conn.execute("SELECT to_regclass('ledger_meta') IS NOT NULL").fetchone()
    if not found or not found[0]:
        # A database whose schema holds tables, none of them a ledger's, is another's.
        other = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
        ).fetchone()
        return -1 if other and other[0] else None
    row = conn.execute("SELECT application, version FROM ledger_meta WHERE id = 1").fetchone()
    if row is None:
        return None
    if row[0] != APPLICATION:
        return -1
    return int(row[1])


class Identity(NamedTuple):
    """What opening a ledger learns in one round trip."""

    version: int | None  # as version() says
    columns: dict[str, str]  # the events table's column types
    role: str  # current_user


_IDENTIFY = (
    b"SELECT application, version, current_user, "
    b"(SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',') "
    b"   FROM pg_attribute WHERE attrelid = to_regclass('events') AND attnum > 0 "
    b"    AND NOT attisdropped) "
    b"FROM ledger_meta WHERE id = 1"
)


def identify(conn: PgConnection) -> Identity:
    """The ledger's schema version, the types of its log's columns and the role connected,
    asked outside any transaction (where a missing table is an error that aborts nothing)."""
    import psycopg

    try:
        found = conn.raw.execute(_IDENTIFY).fetchone()
    except psycopg.errors.UndefinedTable:
        found = None
    if found is None:
        role = conn.raw.execute(b"SELECT current_user").fetchone()
        return Identity(version(conn), {}, str(role[0]) if role else "")
    application, number, role, columns = found
    types = dict(part.split(" ", 1) for part in str(columns or "").split(",") if " " in part)
    return Identity(int(number) if application == APPLICATION else -1, types, str(role))


def create(conn: PgConnection) -> None:
    """Create the schema, inside the caller's transaction."""
    for statement in VERSION_1 + partial_indexes():
        conn.raw.execute(statement.encode())
    conn.execute(
        "INSERT INTO ledger_meta VALUES (1, ?, ?)", (APPLICATION, SCHEMA_VERSION)
    )
