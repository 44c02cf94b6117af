"""The read models in SQLite: how appended events are saved into them, and the lookups a write
and a query make in them. Their tables are in schema.py, their rebuild from the log in
rebuild.py; what they hold, and why they are only a cache, is in store/readmodels.py."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from ledger_cli.domain.events import MONEY_TYPES, EventType
from ledger_cli.domain.money import stored_currency
from ledger_cli.domain.state import AccountState, State, Transaction
from ledger_cli.store.readmodels import Changes
from ledger_cli.store.sqlite.sql import INT64, exact_total, type_in

if TYPE_CHECKING:
    from ledger_cli.domain.statements import Entry

# -- lookups -------------------------------------------------------------------------------------


_ACCOUNT_SELECT = (
    "SELECT name, currency, overdraft_limit, opened_on, closed, balance, last_entry_on, "
    "last_check, sealed_through FROM rm_accounts"
)


def account_states(conn: sqlite3.Connection) -> dict[str, AccountState]:
    return {str(row[0]): _account(row) for row in conn.execute(_ACCOUNT_SELECT)}


def _account(row: Sequence[object]) -> AccountState:
    name, code, limit, opened_on, closed, balance, last_entry_on, last_check, sealed = row
    return AccountState(
        name=str(name),
        currency=stored_currency(code),
        overdraft_limit=int(str(limit)),
        opened_on=date.fromisoformat(str(opened_on)),
        balance=int(str(balance)),
        closed=bool(closed),
        last_entry_on=date.fromisoformat(str(last_entry_on)) if last_entry_on else None,
        last_check=int(str(last_check)),
        sealed_through=date.fromisoformat(str(sealed)) if sealed else None,
    )


def find_transaction(conn: sqlite3.Connection, ref: str) -> Transaction | None:
    found = conn.execute(
        "SELECT date, voids, voided_by FROM rm_transactions WHERE ref = ?", (ref,)
    ).fetchone()
    if found is None:
        return None
    entries = conn.execute(
        "SELECT account, amount, type, details FROM events "
        f"WHERE ref = ? AND {type_in(MONEY_TYPES)} ORDER BY seq",
        (ref,),
    ).fetchall()
    kind, details = (entries[0][2], json.loads(entries[0][3])) if entries else (None, None)
    return Transaction(
        ref=ref,
        date=date.fromisoformat(found[0]),
        entries=[(account, amount) for account, amount, _, _ in entries],
        voids=found[1],
        voided_by=found[2],
        kind=kind,
        details=details,
    )


def balance_by_day(conn: sqlite3.Connection, account: str, as_of: date) -> int | None:
    """The account's balance as of the end of `as_of`, from its daily nets; None when a
    day's net was too large to store (then the log must be summed)."""
    day = as_of.isoformat()
    missing = conn.execute(
        "SELECT count(*) FROM rm_days WHERE account = ? AND date <= ? AND net IS NULL",
        (account, day),
    ).fetchone()[0]
    if missing:
        return None
    return exact_total(conn, "net", "rm_days WHERE account = ? AND date <= ?", (account, day))


def entries(conn: sqlite3.Connection, account: str, through: date | None) -> list[Entry]:
    """The account's money-moving entries effective by `through`, in register order, with
    their cleared status, and `void` when the entry and its void (or the entry it voids)
    cancel out before the bank ever had them: a voided entry never cleared, or the void of
    one; and a void that was reversed (unvoid) with its reversal, which cancel each other.
    The void of a cleared entry is a reversal the bank shows, and is not `void`."""
    from ledger_cli.domain.statements import Entry

    clauses = ["e.account = ?", type_in(MONEY_TYPES, "e.type")]
    params: list[object] = [account]
    if through is not None:
        clauses.append("e.date <= ?")
        params.append(through.isoformat())
    sql = f"""
        SELECT e.seq, e.ref, e.type, e.date, e.amount,
               json_extract(e.details, '$.number'), json_extract(e.details, '$.payee'),
               coalesce(c.status, ''),
               (t.voided_by IS NOT NULL AND coalesce(c.status, '') = '')
               OR (t.voids IS NOT NULL
                   AND (coalesce(o.status, '') = '' OR v.voided_by IS NOT t.ref))
               OR e.type = '{EventType.VOID_REVERSED}'
          FROM events e
          LEFT JOIN rm_cleared c ON c.ref = e.ref AND c.account = e.account
          LEFT JOIN rm_transactions t ON t.ref = e.ref
          LEFT JOIN rm_transactions v ON v.ref = t.voids
          LEFT JOIN rm_cleared o ON o.ref = t.voids AND o.account = e.account
         WHERE {' AND '.join(clauses)}
         ORDER BY e.date, e.seq"""
    return [
        Entry(seq, ref, kind, date.fromisoformat(day), amount, number, payee, status, bool(void))
        for seq, ref, kind, day, amount, number, payee, status, void in conn.execute(sql, params)
    ]


def mismatches(conn: sqlite3.Connection, balances: Mapping[str, int]) -> list[str]:
    """The accounts whose read-model balance, or sum of day totals, is not their last
    balance in the log (`balances`, as verified)."""
    stored = dict(conn.execute("SELECT name, balance FROM rm_accounts"))
    days: dict[str, int | None] = {}
    for account, net in conn.execute("SELECT account, net FROM rm_days"):
        before = days.get(account, 0)
        # A day too large to store (NULL) leaves the account's total unknown.
        days[account] = None if net is None or before is None else before + net
    names = sorted(set(stored) | set(balances))
    return [
        name
        for name in names
        if stored.get(name) != balances.get(name)
        or days.get(name, 0) not in (None, balances.get(name, 0))
    ]


# -- the write side: events appended, saved ------------------------------------------------------


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
    conn.executemany("UPDATE rm_transactions SET voided_by = ? WHERE ref = ?", changes.voided)
    conn.executemany("INSERT OR REPLACE INTO rm_checks VALUES (?, ?, ?)", changes.checks)
    conn.executemany(
        "INSERT OR REPLACE INTO rm_cleared VALUES (?, ?, ?)",
        [(ref, account, status) for (ref, account), status in changes.statuses.items()],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO rm_statement_rows VALUES (?, ?, ?)", changes.statement_rows
    )
    _add_days(conn, changes.days)
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


def _add_days(conn: sqlite3.Connection, nets: Mapping[tuple[str, str], int | None]) -> None:
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
        rows.append((account, day, fits(total)))
    conn.executemany("INSERT OR REPLACE INTO rm_days VALUES (?, ?, ?)", rows)


def fits(total: int | None) -> int | None:
    """A day's net as stored: NULL when it is beyond a 64-bit integer."""
    return total if total is not None and abs(total) <= INT64 else None
