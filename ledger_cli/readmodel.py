"""Read models: tables derived from the log that keep writes and queries fast at any length.

They are a cache of the log, never a source of truth (SPEC section 1):

- every write updates them in its own transaction, from the events it appends (`save`), so
  they always describe exactly the log up to `rm_position`;
- `rebuild` drops their contents and derives them again from the log alone, with SQL;
- a query uses them only when `rm_position` names the head of the log
  (`Store.read_models_current`), and otherwise reads the log itself, so a stale or missing
  read model costs speed, never a wrong answer.

The tables: `rm_accounts` (one row per account: currency, limit, opening day, closed, balance,
last entry day, highest check number), `rm_transactions` (one row per reference: its date and
void links), `rm_checks` (which ref wrote each check number), `rm_days` (each account's net
movement per effective day: a balance as of any day sums a few thousand of these at most) and
`rm_cleared` (the bank status of each (ref, account) entry: "", "c" cleared or "R"
reconciled), `rm_statement_rows` (the fingerprints of bank statement rows already cleared) and
`rm_position` (the seq and hash of the last event they include, and the number of refs).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date

from ledger_cli.events import MONEY_TYPES, STATUS_TYPES, Event, EventType, status_changes
from ledger_cli.money import CURRENCIES, DEFAULT_CURRENCY
from ledger_cli.state import AccountState, LazyMap, State, Transaction

TABLES = (
    "rm_accounts",
    "rm_transactions",
    "rm_checks",
    "rm_days",
    "rm_cleared",
    "rm_statement_rows",
    "rm_position",
)

# The largest value an SQLite INTEGER holds; a day's net beyond it is stored as NULL, which
# sends queries of that account back to the log (exact, just slower).
_INT64 = 2**63 - 1

_MONEY = f"({', '.join(repr(str(t)) for t in sorted(MONEY_TYPES))})"

DDL = [
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


def position(conn: sqlite3.Connection) -> tuple[int, str, int] | None:
    """(seq, hash, number of refs) of the read models, or None when there are none."""
    try:
        found = conn.execute("SELECT seq, hash, transactions FROM rm_position").fetchone()
    except sqlite3.OperationalError:
        return None  # a file from before read models: the tables do not exist
    return (found[0], found[1], found[2]) if found else None


# -- the write side: a State loaded from the read models, and saved back ------------------------


def load_state(conn: sqlite3.Connection) -> State:
    """The state a command is decided against, read from the read models (which the caller
    has made current): every account (there are few), and transactions and check numbers
    loaded one by one, only when the command asks about them."""
    found = position(conn)
    seq, _, count = found if found is not None else (0, "", 0)
    accounts = {row[0]: _account(row) for row in conn.execute(f"{_ACCOUNT_SELECT}")}

    def transaction(ref: str) -> Transaction | None:
        # Refs are numbered in order: one past the count is a new one, not in the file.
        if ref[:1] == "T" and ref[1:].isdigit() and int(ref[1:]) > count:
            return None
        return _transaction(conn, ref)

    return State(
        seq=seq,
        accounts=accounts,
        transactions=LazyMap(transaction),
        checks=LazyMap(lambda key: _one(conn, _CHECK, key)),
        transaction_count=count,
        cleared=LazyMap(lambda key: _one(conn, _CLEARED, key)),
        statement_rows=LazyMap(lambda key: _one(conn, _STATEMENT_ROW, key)),
    )


_CHECK = "SELECT ref FROM rm_checks WHERE account = ? AND number = ?"
_CLEARED = "SELECT status FROM rm_cleared WHERE ref = ? AND account = ?"
_STATEMENT_ROW = "SELECT ref FROM rm_statement_rows WHERE account = ? AND fingerprint = ?"


def _one(conn: sqlite3.Connection, sql: str, key: tuple[str, str | int]) -> str | None:
    found = conn.execute(sql, key).fetchone()
    return str(found[0]) if found else None


_ACCOUNT_SELECT = (
    "SELECT name, currency, overdraft_limit, opened_on, closed, balance, last_entry_on, "
    "last_check, sealed_through FROM rm_accounts"
)


def _account(row: Sequence[object]) -> AccountState:
    name, code, limit, opened_on, closed, balance, last_entry_on, last_check, sealed = row
    return AccountState(
        name=str(name),
        currency=CURRENCIES.get(str(code), CURRENCIES[DEFAULT_CURRENCY]),
        overdraft_limit=int(str(limit)),
        opened_on=date.fromisoformat(str(opened_on)),
        balance=int(str(balance)),
        closed=bool(closed),
        last_entry_on=date.fromisoformat(str(last_entry_on)) if last_entry_on else None,
        last_check=int(str(last_check)),
        sealed_through=date.fromisoformat(str(sealed)) if sealed else None,
    )


def _transaction(conn: sqlite3.Connection, ref: str) -> Transaction | None:
    found = conn.execute(
        "SELECT date, voids, voided_by FROM rm_transactions WHERE ref = ?", (ref,)
    ).fetchone()
    if found is None:
        return None
    entries = conn.execute(
        f"SELECT account, amount FROM events WHERE ref = ? AND type IN {_MONEY} ORDER BY seq",
        (ref,),
    ).fetchall()
    return Transaction(
        ref=ref,
        date=date.fromisoformat(found[0]),
        entries=[(account, amount) for account, amount in entries],
        voids=found[1],
        voided_by=found[2],
    )


class Changes:
    """What appended events change in the read models, gathered event by event (`add`) and
    written by `save`. Every appended event belongs to a new reference, and a command's events
    are contiguous, so a new reference starts where the ref changes."""

    def __init__(self) -> None:
        self.accounts: set[str] = set()
        self.transactions: list[tuple[str, str, str | None, None]] = []
        self.voided: list[tuple[str, str]] = []  # (voided_by, voided ref)
        self.checks: list[tuple[str, int, str]] = []
        self.days: dict[tuple[str, str], int | None] = {}
        self.statuses: dict[tuple[str, str], str] = {}  # (ref, account) -> status
        self.statement_rows: list[tuple[str, str, str]] = []
        self.head: tuple[int, str] | None = None

    def add(self, event: Event) -> None:
        self.accounts.add(event.account)
        voids = event.details.get("voids") if event.type == EventType.TRANSACTION_VOIDED else None
        if not self.transactions or self.transactions[-1][0] != event.ref:
            voided = str(voids) if voids is not None else None
            self.transactions.append((event.ref, event.date.isoformat(), voided, None))
            if voided is not None:
                self.voided.append((event.ref, voided))
        if event.type == EventType.CHECK_WRITTEN and "number" in event.details:
            self.checks.append((event.account, int(event.details["number"]), event.ref))
        if event.type in MONEY_TYPES:
            key = (event.account, event.date.isoformat())
            before = self.days.get(key, 0)
            self.days[key] = None if before is None else before + event.amount
        if event.type in STATUS_TYPES:
            self._status(event)
        self.head = (event.seq, event.hash)

    def _status(self, event: Event) -> None:
        for ref, status in status_changes(event.type, event.details):
            self.statuses[(ref, event.account)] = status
        if event.type == EventType.TRANSACTION_CLEARED and "fingerprint" in event.details:
            row = (event.account, str(event.details["fingerprint"]), event.ref)
            self.statement_rows.append(row)


def save(conn: sqlite3.Connection, state: State, changes: Changes) -> None:
    """Write `changes` (of events appended and folded into `state` with `evolve`) to the read
    models, inside the same transaction as the append."""
    if changes.head is None:
        return
    conn.executemany(
        "INSERT OR REPLACE INTO rm_accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            _account_row(state.accounts[name])
            for name in sorted(changes.accounts)
            if name in state.accounts
        ],
    )
    conn.executemany("INSERT INTO rm_transactions VALUES (?, ?, ?, ?)", changes.transactions)
    conn.executemany(
        "UPDATE rm_transactions SET voided_by = ? WHERE ref = ?", changes.voided
    )
    conn.executemany("INSERT OR REPLACE INTO rm_checks VALUES (?, ?, ?)", changes.checks)
    conn.executemany(
        "INSERT OR REPLACE INTO rm_cleared VALUES (?, ?, ?)",
        [(ref, account, status) for (ref, account), status in changes.statuses.items()],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO rm_statement_rows VALUES (?, ?, ?)", changes.statement_rows
    )
    add_days(conn, changes.days)
    conn.execute(
        "INSERT OR REPLACE INTO rm_position VALUES (1, ?, ?, ?)",
        (*changes.head, state.transaction_count),
    )


def _account_row(account: AccountState) -> tuple[object, ...]:
    return (
        account.name,
        account.currency.code,
        account.overdraft_limit,
        account.opened_on.isoformat(),
        int(account.closed),
        account.balance,
        account.last_entry_on.isoformat() if account.last_entry_on else None,
        account.last_check,
        account.sealed_through.isoformat() if account.sealed_through else None,
    )


def add_days(conn: sqlite3.Connection, nets: Mapping[tuple[str, str], int | None]) -> None:
    """Add each (account, day)'s net to `rm_days`, in Python so that a sum beyond 64 bits
    becomes NULL (read from the log) instead of an error or a float."""
    rows = []
    for (account, day), net in sorted(nets.items()):
        found = conn.execute(
            "SELECT net FROM rm_days WHERE account = ? AND date = ?", (account, day)
        ).fetchone()
        if found is None:
            total = net
        else:
            total = None if found[0] is None or net is None else found[0] + net
        rows.append((account, day, total if total is None or abs(total) <= _INT64 else None))
    conn.executemany("INSERT OR REPLACE INTO rm_days VALUES (?, ?, ?)", rows)


# -- rebuilding from the log --------------------------------------------------------------------


def rebuild(conn: sqlite3.Connection) -> None:
    """Derive every read model again from the log alone, inside the caller's transaction."""
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
    conn.execute(
        f"""
        INSERT INTO rm_accounts
        SELECT o.account,
               coalesce(json_extract(o.details, '$.currency'), '{DEFAULT_CURRENCY}'),
               coalesce(json_extract(o.details, '$.overdraft_limit'), 0),
               o.date,
               EXISTS (SELECT 1 FROM events c
                        WHERE c.account = o.account AND c.type = 'AccountClosed'
                          AND c.seq > o.seq),
               (SELECT b.balance FROM events b WHERE b.account = o.account
                 ORDER BY b.seq DESC LIMIT 1),
               (SELECT max(m.date) FROM events m
                 WHERE m.account = o.account AND m.type IN {_MONEY} AND m.seq > o.seq),
               coalesce((SELECT max(json_extract(k.details, '$.number')) FROM events k
                          WHERE k.account = o.account AND k.type = 'CheckWritten'
                            AND k.seq > o.seq), 0),
               (SELECT max(s.date) FROM events s
                 WHERE s.account = o.account AND s.type = 'StatementReconciled'
                   AND s.seq > o.seq)
          FROM events o
         WHERE o.type = 'AccountOpened'
           AND o.seq = (SELECT max(seq) FROM events l
                         WHERE l.account = o.account AND l.type = 'AccountOpened')
        """
    )
    # SQLite takes the bare columns of a min() aggregate from the row with the minimum.
    conn.execute(
        """
        INSERT INTO rm_transactions (ref, date, voids)
        SELECT ref, date, voids FROM (
            SELECT ref, min(seq), date,
                   max(CASE WHEN type = 'TransactionVoided'
                            THEN json_extract(details, '$.voids') END) AS voids
              FROM events GROUP BY ref)
        """
    )
    conn.execute(
        """
        UPDATE rm_transactions SET voided_by = v.ref
          FROM (SELECT ref, voids FROM rm_transactions WHERE voids IS NOT NULL) AS v
         WHERE rm_transactions.ref = v.voids
        """
    )
    conn.execute(
        """
        INSERT OR REPLACE INTO rm_checks
        SELECT account, json_extract(details, '$.number'), ref FROM events
         WHERE type = 'CheckWritten' AND json_extract(details, '$.number') IS NOT NULL
         ORDER BY seq
        """
    )
    # The status of each (ref, account): that of the last event that set it. A statement's
    # refs are a comma-separated list; json_each walks them.
    conn.execute(
        """
        INSERT INTO rm_cleared
        SELECT ref, account, status FROM (
            SELECT ref, account, status, max(seq) FROM (
                SELECT json_extract(details, '$.clears') AS ref, account, 'c' AS status, seq
                  FROM events WHERE type = 'TransactionCleared'
                UNION ALL
                SELECT json_extract(details, '$.unclears'), account, '', seq
                  FROM events WHERE type = 'TransactionUncleared'
                UNION ALL
                SELECT r.value, e.account, 'R', e.seq
                  FROM events e,
                       json_each('["' || replace(json_extract(e.details, '$.refs'), ',', '","')
                                 || '"]') AS r
                 WHERE e.type = 'StatementReconciled' AND r.value != ''
            ) GROUP BY ref, account
        )
        """
    )
    conn.execute(
        """
        INSERT OR REPLACE INTO rm_statement_rows
        SELECT account, json_extract(details, '$.fingerprint'), ref FROM events
         WHERE type = 'TransactionCleared' AND json_extract(details, '$.fingerprint') IS NOT NULL
         ORDER BY seq
        """
    )
    try:
        conn.execute(
            f"INSERT INTO rm_days SELECT account, date, sum(amount) FROM events "
            f"WHERE type IN {_MONEY} GROUP BY account, date"
        )
    except sqlite3.OperationalError as error:
        if "integer overflow" not in str(error):
            raise
        _rebuild_days_exactly(conn)
    head = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    if head is not None:
        count = conn.execute("SELECT count(*) FROM rm_transactions").fetchone()[0]
        conn.execute("INSERT INTO rm_position VALUES (1, ?, ?, ?)", (head[0], head[1], count))


def _rebuild_days_exactly(conn: sqlite3.Connection) -> None:
    """rm_days summed in Python, one day at a time, for a log whose day sums pass 64 bits."""
    conn.execute("DELETE FROM rm_days")
    rows = conn.cursor().execute(
        f"SELECT account, date, amount FROM events WHERE type IN {_MONEY} ORDER BY account, date"
    )
    key: tuple[str, str] | None = None
    total = 0

    def flush() -> None:
        if key is not None:
            net = total if abs(total) <= _INT64 else None
            conn.execute("INSERT INTO rm_days VALUES (?, ?, ?)", (*key, net))

    for account, day, amount in rows:
        if (account, day) != key:
            flush()
            key, total = (account, day), 0
        total += amount
    flush()
