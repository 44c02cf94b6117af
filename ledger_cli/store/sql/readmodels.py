"""The read models in SQL, for both relational backends: how appended events are saved into
them, and the lookups a write and a query make in them. Their tables are in each backend's
schema.py, their rebuild from the log in its rebuild.py; what they hold, and why they are only a
cache, is in store/readmodels.py."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ledger_cli.domain.accounts import LEDGER_WIDE
from ledger_cli.domain.categories import Rule, allocation
from ledger_cli.domain.events import MONEY_TYPES, TRANSFER_TYPES, EventType
from ledger_cli.domain.money import stored_currency
from ledger_cli.domain.periods import period_end, period_start
from ledger_cli.domain.state import AccountState, State, Transaction
from ledger_cli.store.readmodels import Changes
from ledger_cli.store.sql.fragments import (
    INT64,
    SPLIT,
    Connection,
    exact_total,
    json_field,
    split_sums,
    type_in,
)

if TYPE_CHECKING:
    from ledger_cli.domain.statements import Entry

# -- lookups -------------------------------------------------------------------------------------


_ACCOUNT_SELECT = (
    "SELECT name, currency, overdraft_limit, opened_on, closed, balance, last_entry_on, "
    "last_check, sealed_through FROM rm_accounts"
)


def account_states(conn: Connection) -> dict[str, AccountState]:
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


def find_transaction(conn: Connection, ref: str) -> Transaction | None:
    found = conn.execute(
        "SELECT t.date, t.voids, t.voided_by, r.ref, r.category, r.split FROM rm_transactions t "
        "LEFT JOIN rm_recategorized r ON r.ref = t.ref WHERE t.ref = ?",
        (ref,),
    ).fetchone()
    if found is None:
        return None
    entries = conn.execute(
        "SELECT account, amount, type, details FROM events "
        f"WHERE ref = ? AND {type_in(MONEY_TYPES)} ORDER BY seq",
        (ref,),
    ).fetchall()
    kind, details = (entries[0][2], json.loads(entries[0][3])) if entries else (None, {})
    details.pop("by", None)  # who appended it: no field of the transaction
    # Its category now: as `categorize` set it again, else as its entry was recorded.
    category, split = (
        (found[4], found[5]) if found[3] is not None
        else (details.get("category"), details.get("split"))
    )
    return Transaction(
        ref=ref,
        date=date.fromisoformat(found[0]),
        entries=[(account, amount) for account, amount, _, _ in entries],
        voids=found[1],
        voided_by=found[2],
        kind=kind,
        details=details,
        category=category,
        split=split,
    )


def occurrence(conn: Connection, schedule: str, day: str) -> tuple[str, str] | None:
    """(ref, "posted" or "skipped") of an occurrence already handled."""
    found = conn.execute(
        "SELECT ref, how FROM rm_occurrences WHERE schedule = ? AND date = ?", (schedule, day)
    ).fetchone()
    return None if found is None else (str(found[0]), str(found[1]))


def handled(conn: Connection, through: int) -> list[tuple[str, str, str, str]]:
    """(schedule, day, ref, how) of each occurrence handled by an event up to seq `through`."""
    return [
        (str(name), str(day), str(ref), str(how))
        for name, day, ref, how in conn.execute(
            "SELECT schedule, date, ref, how FROM rm_occurrences WHERE seq <= ? "
            "ORDER BY schedule, date",
            (through,),
        )
    ]


def payee_category(conn: Connection, key: str) -> str | None:
    found = conn.execute("SELECT category FROM rm_payees WHERE payee = ?", (key,)).fetchone()
    return None if found is None else str(found[0])


def category_settings(
    conn: Connection,
) -> tuple[dict[int, Rule], int, dict[tuple[str, str], list[tuple[str, int]]]]:
    """The live rules by id, the highest id ever given, and the budget steps."""
    rules: dict[int, Rule] = {}
    highest = 0
    for number, pattern, category, payee, removed in conn.execute(
        "SELECT id, pattern, category, payee, removed FROM rm_rules ORDER BY id"
    ):
        highest = max(highest, number)
        if not removed:
            rules[number] = Rule(number, pattern, category, payee)
    budgets: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for category, code, month, amount in conn.execute(
        "SELECT category, currency, month, amount FROM rm_budgets "
        "ORDER BY category, currency, month"
    ):
        budgets.setdefault((category, code), []).append((month, amount))
    return rules, highest, budgets


# The SQL of each report period's label, from a stored YYYY-MM-DD day or a YYYY-MM month.
_PERIOD_SQL = {
    "day": "{0}",
    "month": "substr({0}, 1, 7)",
    "quarter": "substr({0}, 1, 4) || '-Q' || ((CAST(substr({0}, 6, 2) AS INTEGER) + 2) / 3)",
    "year": "substr({0}, 1, 4)",
}

Nets = list[tuple[str, str, str, int | None, str, str]]


def category_nets(
    conn: Connection,
    accounts: Sequence[str],
    since: date | None,
    through: date | None,
    by: str,
) -> Nets:
    """(account, category, period label, net, first day, last day) of `accounts` between
    the days given, summed in SQL by period (`by`: day, month, quarter or year); a net of
    None was too large to keep (then the log must be summed). Whole months are read from the
    month totals, the days of a month cut by `since` or `through` from the day totals, so a
    report reads a few rows per category and month at any length of log. (A label may come
    twice, from both; the caller adds them up.)"""
    if by == "day":
        return _nets(conn, "rm_category_days", "date", accounts, (since, through), by)
    # The whole months between the two days, as YYYY-MM.
    first = None if since is None else _month_from(since)
    last = None if through is None else _month_through(through)
    found: Nets = []
    if first is None or last is None or first <= last:
        months = (first, last)
        found += _nets(conn, "rm_category_months", "month", accounts, months, by)
        if since is not None and since.isoformat()[:7] != first:
            edge = period_end(since, "month")
            edge = min(through, edge) if through is not None else edge
            found += _nets(conn, "rm_category_days", "date", accounts, (since, edge), by)
        if through is not None and through.isoformat()[:7] != last:
            start = through.replace(day=1)
            start = max(since, start) if since is not None else start
            found += _nets(conn, "rm_category_days", "date", accounts, (start, through), by)
    else:
        found += _nets(conn, "rm_category_days", "date", accounts, (since, through), by)
    return found


def _month_from(day: date) -> str:
    """The first whole month from `day` on."""
    start = day if day.day == 1 else period_end(day, "month") + timedelta(days=1)
    return start.isoformat()[:7]


def _month_through(day: date) -> str:
    """The last whole month up to `day`."""
    end = day if day == period_end(day, "month") else period_start(day, "month") - timedelta(1)
    return end.isoformat()[:7]


def _nets(
    conn: Connection,
    table: str,
    column: str,
    accounts: Sequence[str],
    bounds: tuple[date | str | None, date | str | None],
    by: str,
) -> Nets:
    clauses = [f"account IN ({', '.join('?' * len(accounts))})"]
    params: list[object] = list(accounts)
    low, high = bounds
    if low is not None:
        clauses.append(f"{column} >= ?")
        params.append(low if isinstance(low, str) else low.isoformat())
    if high is not None:
        clauses.append(f"{column} <= ?")
        params.append(high if isinstance(high, str) else high.isoformat())
    # A month row stands for its whole month: its first day says which period it is in.
    day = column if column == "date" else f"{column} || '-01'"
    found: Nets = []
    for account, category, period, high_sum, low_sum, unknown, first, last in conn.execute(
        f"SELECT account, category, {_PERIOD_SQL[by].format(column)}, {split_sums('net')}, "
        f"count(*) - count(net), min({day}), max({day}) FROM {table} "
        f"WHERE {' AND '.join(clauses)} GROUP BY 1, 2, 3",
        params,
    ):
        net = None if unknown else high_sum * SPLIT + low_sum
        found.append((account, category, period, net, first, last))
    return found


def balance_by_day(conn: Connection, account: str, as_of: date) -> int | None:
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


def entries(conn: Connection, account: str, through: date | None) -> list[Entry]:
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
               {json_field(conn, "e.details", "number", integer=True)},
               {json_field(conn, "e.details", "payee")},
               coalesce(c.status, ''),
               (t.voided_by IS NOT NULL AND coalesce(c.status, '') = '')
               OR (t.voids IS NOT NULL
                   AND (coalesce(o.status, '') = '' OR v.voided_by IS DISTINCT FROM t.ref))
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


def reported_where(conn: Connection, alias: str) -> str:
    """The SQL condition on events `alias` that are in reports (readmodels.in_reports): money
    events but transfers, and but voids from before categories (which carry none) of a
    transfer. (Only a void or its reversal names what it concerns: their type is asked
    first, so that the details of other events are never read.)"""
    details = f"{alias}.details"
    target = (
        f"coalesce({json_field(conn, details, 'voids')}, "
        f"{json_field(conn, details, 'restores')})"
    )
    return f"""
        {type_in(MONEY_TYPES, f"{alias}.type")} AND NOT {type_in(TRANSFER_TYPES, f"{alias}.type")}
        AND NOT ({type_in(_VOID_TYPES, f"{alias}.type")}
                 AND {json_field(conn, details, 'category')} IS NULL
                 AND {json_field(conn, details, 'split')} IS NULL
                 AND {target} IS NOT NULL
                 AND EXISTS (SELECT 1 FROM events t WHERE t.ref = {target}
                                AND {type_in(TRANSFER_TYPES, "t.type")}))"""


def mismatches(conn: Connection, balances: Mapping[str, int]) -> list[str]:
    """The accounts whose read-model balance, or sum of day totals, is not their last
    balance in the log (`balances`, as verified), or whose nets by category do not add up
    to the log's money in reports."""
    stored = dict(conn.execute("SELECT name, balance FROM rm_accounts"))
    days: dict[str, int | None] = {}
    for account, net in conn.execute("SELECT account, net FROM rm_days"):
        before = days.get(account, 0)
        # A day too large to store (NULL) leaves the account's total unknown.
        days[account] = None if net is None or before is None else before + net
    names = sorted((set(stored) | set(balances)) - {LEDGER_WIDE})
    by_category = _sums(conn, "rm_category_days")
    by_month = _sums(conn, "rm_category_months")
    reported = {
        account: high * SPLIT + low
        for account, high, low in conn.execute(
            f"SELECT e.account, {split_sums('e.amount')} FROM events e "
            f"WHERE {reported_where(conn, 'e')} GROUP BY e.account"
        )
    }
    return [
        name
        for name in names
        if stored.get(name) != balances.get(name)
        or days.get(name, 0) not in (None, balances.get(name, 0))
        or by_category.get(name, 0) not in (None, reported.get(name, 0))
        or by_month.get(name, 0) not in (None, reported.get(name, 0))
    ]


def _sums(conn: Connection, table: str) -> dict[str, int | None]:
    """Each account's sum of a table of nets; None when one of them was too large to keep."""
    found: dict[str, int | None] = {}
    for account, net in conn.execute(f"SELECT account, net FROM {table}"):
        before = found.get(account, 0)
        found[account] = None if net is None or before is None else before + net
    return found


# -- the write side: events appended, saved ------------------------------------------------------


def save(conn: Connection, state: State, changes: Changes) -> None:
    """Write `changes` (of events appended and folded into `state` with `evolve`) to the read
    models, inside the same transaction as the append."""
    if changes.head is None:
        return
    conn.executemany(
        upsert("rm_accounts", _ACCOUNT_COLUMNS, keys=1),
        [
            _account_row(state.accounts[name])
            for name in sorted(changes.accounts)
            if name in state.accounts
        ],
    )
    conn.executemany("INSERT INTO rm_transactions VALUES (?, ?, ?, ?)", changes.transactions)
    conn.executemany("UPDATE rm_transactions SET voided_by = ? WHERE ref = ?", changes.voided)
    conn.executemany(upsert("rm_checks", ("account", "number", "ref"), keys=2), changes.checks)
    conn.executemany(
        upsert("rm_cleared", ("ref", "account", "status"), keys=2),
        [(ref, account, status) for (ref, account), status in changes.statuses.items()],
    )
    conn.executemany(
        upsert("rm_statement_rows", ("account", "fingerprint", "ref"), keys=2),
        changes.statement_rows,
    )
    _add_days(conn, changes.days)
    _save_categories(conn, changes)
    # The first posting of an occurrence stays its posting (an amend's replacement is not one).
    conn.executemany(
        "INSERT INTO rm_occurrences VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        changes.occurrences,
    )
    conn.execute(
        upsert("rm_position", ("id", "seq", "hash", "transactions"), keys=1),
        (1, *changes.head, state.transaction_count),
    )


_VOID_TYPES = (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)

_ACCOUNT_COLUMNS = (
    "name", "currency", "overdraft_limit", "opened_on", "closed", "balance", "last_entry_on",
    "last_check", "sealed_through",
)
_BUDGET_COLUMNS = ("category", "currency", "month", "amount")


def upsert(table: str, columns: Sequence[str], *, keys: int) -> str:
    """INSERT of a whole row that replaces the row with the same key (the first `keys`
    columns): the form SQLite and PostgreSQL share."""
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns[keys:])
    return (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(columns[:keys])}) DO UPDATE SET {updates}"
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


def _add_days(conn: Connection, nets: Mapping[tuple[str, str], int | None]) -> None:
    """Add each (account, day)'s net to `rm_days`, so that a sum beyond 64 bits becomes NULL
    (read from the log) instead of an error or a float: in Python, or by the server."""
    add = getattr(conn, "add_totals", None)
    if add is not None:  # a server adds them itself (postgres/connection.py)
        rows = [(*key, fits(net)) for key, net in nets.items()]
        add("rm_days", ("account", "date"), ("net",), rows)
        return
    rows = []
    stored = existing(conn, "rm_days", ("account", "date"), ("net",), list(nets))
    for (account, day), net in sorted(nets.items()):
        found = stored.get((account, day))
        if found is None:
            total = net
        else:
            total = None if found[0] is None or net is None else found[0] + net
        rows.append((account, day, fits(total)))
    conn.executemany(upsert("rm_days", ("account", "date", "net"), keys=2), rows)


def existing(
    conn: Connection,
    table: str,
    key_columns: Sequence[str],
    value_columns: Sequence[str],
    keys: Sequence[tuple[str, ...]],
) -> dict[tuple[str, ...], tuple[Any, ...]]:
    """The stored values of the rows of `table` with these keys, read a few hundred keys per
    query (one round trip each on a server, where a query per key would cost a write of
    thousands of days seconds)."""
    found: dict[tuple[str, ...], tuple[Any, ...]] = {}
    width = len(key_columns)
    group = f"({', '.join('?' * width)})"
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        # A join on the VALUES (columns column1, column2, ...: both name them so) finds each
        # key through the primary key, in SQLite and PostgreSQL alike.
        on = " AND ".join(f"t.{name} = k.column{i}" for i, name in enumerate(key_columns, 1))
        sql = (
            f"SELECT {', '.join(f't.{name}' for name in (*key_columns, *value_columns))} "
            f"FROM (VALUES {', '.join([group] * len(chunk))}) AS k JOIN {table} t ON {on}"
        )
        for row in conn.execute(sql, [part for key in chunk for part in key]):
            found[tuple(row[:width])] = tuple(row[width:])
    return found


_KEYS_PER_QUERY = 500


def _save_categories(conn: Connection, changes: Changes) -> None:
    _add_category_days(conn, changes.category_days)
    for ref, category, split in changes.recategorized:
        _recategorize(conn, ref, category, split)
    conn.executemany(
        upsert("rm_payees", ("payee", "category"), keys=1), list(changes.payees.items())
    )
    conn.executemany("INSERT INTO rm_rules VALUES (?, ?, ?, ?, ?)", changes.rules)
    conn.executemany(
        "UPDATE rm_rules SET removed = 1 WHERE id = ?", [(rule,) for rule in changes.removed_rules]
    )
    conn.executemany(upsert("rm_budgets", _BUDGET_COLUMNS, keys=3), changes.budgets)


Steps = Mapping[tuple[str, str, str], Sequence[int | None]]  # key -> (net, entries)


def _add_category_days(conn: Connection, steps: Steps) -> None:
    """Add each (account, category, day)'s net and number of entries to the day totals and
    to their month's."""
    months: dict[tuple[str, str, str], list[int | None]] = {}
    for (account, category, day), (net, entries) in steps.items():
        month = months.setdefault((account, category, day[:7]), [0, 0])
        month[0] = None if month[0] is None or net is None else month[0] + net
        month[1] = int(month[1] or 0) + int(entries or 0)
    _add_nets(conn, "rm_category_days", "date", steps)
    _add_nets(conn, "rm_category_months", "month", months)


def _add_nets(conn: Connection, table: str, column: str, steps: Steps) -> None:
    keys = ("account", "category", column)
    add = getattr(conn, "add_totals", None)
    if add is not None:  # a server adds them itself (postgres/connection.py)
        emptied = add(
            table, keys, ("net", "entries"),
            [(*key, fits(net), int(entries or 0)) for key, (net, entries) in steps.items()],
        )
        conn.executemany(
            f"DELETE FROM {table} WHERE account = ? AND category = ? AND {column} = ?", emptied
        )
        return
    rows = []
    stored = existing(conn, table, keys, ("net", "entries"), list(steps))
    for (account, category, day), (net, entries) in sorted(steps.items()):
        found = stored.get((account, category, day))
        if found is None:
            total, count = net, int(entries or 0)
        else:
            total = None if found[0] is None or net is None else found[0] + net
            count = found[1] + int(entries or 0)
        rows.append((account, category, day, fits(total), count))
    # A row stays while it counts an entry, even one that its void cancels (a report's
    # periods run from the first entry's): the same however the read models came to be.
    conn.executemany(
        upsert(table, ("account", "category", column, "net", "entries"), keys=3),
        [row for row in rows if row[4] > 0],
    )
    conn.executemany(
        f"DELETE FROM {table} WHERE account = ? AND category = ? AND {column} = ?",
        [row[:3] for row in rows if row[4] <= 0],
    )


def _recategorize(
    conn: Connection, ref: str, category: str | None, split: str | None
) -> None:
    """Move the money of transaction `ref` from the category it had to the one it has now,
    on the same days."""
    before = conn.execute(
        "SELECT category, split FROM rm_recategorized WHERE ref = ?", (ref,)
    ).fetchone()
    moves: dict[tuple[str, str, str], list[int | None]] = {}
    for account, day, amount, text in conn.execute(
        "SELECT account, date, amount, details FROM events "
        f"WHERE ref = ? AND {type_in(MONEY_TYPES)}",
        (ref,),
    ).fetchall():
        details = json.loads(text)
        old = (
            {"category": before[0], "split": before[1]} if before is not None else details
        )
        new = {"category": category, "split": split}
        for sign, named in ((-1, old), (1, new)):
            chosen = {k: v for k, v in named.items() if v is not None}
            for name, part in allocation(chosen, amount):
                step = moves.setdefault((account, name, day), [0, 0])
                step[0] = int(step[0] or 0) + sign * part
                step[1] = int(step[1] or 0) + sign
    _add_category_days(conn, {key: step for key, step in moves.items() if step != [0, 0]})
    conn.execute(
        upsert("rm_recategorized", ("ref", "category", "split"), keys=1), (ref, category, split)
    )


def fits(total: int | None) -> int | None:
    """A day's net as stored: NULL when it is beyond a 64-bit integer."""
    return total if total is not None and abs(total) <= INT64 else None
