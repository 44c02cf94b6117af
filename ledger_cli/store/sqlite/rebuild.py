"""Rebuilding the read models in SQLite from the log alone, with SQL: what `ledger rebuild`
does, and what a write does first when they do not describe the head of the log."""

from __future__ import annotations

import json
import sqlite3

from ledger_cli.domain.categories import UNCATEGORIZED, Rule, allocation, budget_step, payee_key
from ledger_cli.domain.events import CATEGORY_TYPES, MONEY_TYPES
from ledger_cli.domain.events import EventType as T
from ledger_cli.domain.money import DEFAULT_CURRENCY
from ledger_cli.store.sql.fragments import SPLIT, split_sums, type_in
from ledger_cli.store.sql.readmodels import fits, reported_where
from ledger_cli.store.sqlite.schema import READ_MODEL_TABLES


def rebuild(conn: sqlite3.Connection) -> None:
    """Derive every read model again from the log alone, inside the caller's transaction."""
    for table in READ_MODEL_TABLES:
        conn.execute(f"DELETE FROM {table}")
    money_m = type_in(MONEY_TYPES, "m.type")
    conn.execute(
        f"""
        INSERT INTO rm_accounts
        SELECT o.account,
               coalesce(json_extract(o.details, '$.currency'), '{DEFAULT_CURRENCY}'),
               coalesce(json_extract(o.details, '$.overdraft_limit'), 0),
               o.date,
               EXISTS (SELECT 1 FROM events c
                        WHERE c.account = o.account AND c.type = '{T.ACCOUNT_CLOSED}'
                          AND c.seq > o.seq),
               (SELECT b.balance FROM events b WHERE b.account = o.account
                 ORDER BY b.seq DESC LIMIT 1),
               (SELECT max(m.date) FROM events m
                 WHERE m.account = o.account AND {money_m} AND m.seq > o.seq),
               coalesce((SELECT max(json_extract(k.details, '$.number')) FROM events k
                          WHERE k.account = o.account AND k.type = '{T.CHECK_WRITTEN}'
                            AND k.seq > o.seq), 0),
               (SELECT max(s.date) FROM events s
                 WHERE s.account = o.account AND s.type = '{T.STATEMENT_RECONCILED}'
                   AND s.seq > o.seq)
          FROM events o
         WHERE o.type = '{T.ACCOUNT_OPENED}'
           AND o.seq = (SELECT max(seq) FROM events l
                         WHERE l.account = o.account AND l.type = '{T.ACCOUNT_OPENED}')
        """
    )
    # SQLite takes the bare columns of a min() aggregate from the row with the minimum.
    conn.execute(
        f"""
        INSERT INTO rm_transactions (ref, date, voids)
        SELECT ref, date, voids FROM (
            SELECT ref, min(seq), date,
                   max(CASE WHEN type = '{T.TRANSACTION_VOIDED}'
                            THEN json_extract(details, '$.voids') END) AS voids
              FROM events GROUP BY ref)
        """
    )
    # A transaction is voided by its last void, unless a VoidReversed restored it after.
    conn.execute(
        f"""
        UPDATE rm_transactions SET voided_by = v.ref
          FROM (SELECT json_extract(details, '$.voids') AS voids, ref, max(seq) AS seq
                  FROM events WHERE type = '{T.TRANSACTION_VOIDED}' GROUP BY 1) AS v
         WHERE rm_transactions.ref = v.voids
           AND NOT EXISTS (SELECT 1 FROM events r
                            WHERE r.type = '{T.VOID_REVERSED}' AND r.seq > v.seq
                              AND json_extract(r.details, '$.restores') = v.voids)
        """
    )
    # A check number belongs to the last check that wrote it, or that an unvoid restored.
    conn.execute(
        f"""
        INSERT OR REPLACE INTO rm_checks
        SELECT account, json_extract(details, '$.number'),
               CASE WHEN type = '{T.VOID_REVERSED}' THEN json_extract(details, '$.restores')
                    ELSE ref END
          FROM events
         WHERE type IN ('{T.CHECK_WRITTEN}', '{T.VOID_REVERSED}')
           AND json_extract(details, '$.number') IS NOT NULL
         ORDER BY seq
        """
    )
    # The status of each (ref, account): that of the last event that set it. A statement's
    # refs are a comma-separated list; json_each walks them.
    conn.execute(
        f"""
        INSERT INTO rm_cleared
        SELECT ref, account, status FROM (
            SELECT ref, account, status, max(seq) FROM (
                SELECT json_extract(details, '$.clears') AS ref, account, 'c' AS status, seq
                  FROM events WHERE type = '{T.TRANSACTION_CLEARED}'
                UNION ALL
                SELECT json_extract(details, '$.unclears'), account, '', seq
                  FROM events WHERE type = '{T.TRANSACTION_UNCLEARED}'
                UNION ALL
                SELECT r.value, e.account, 'R', e.seq
                  FROM events e,
                       json_each('["' || replace(json_extract(e.details, '$.refs'), ',', '","')
                                 || '"]') AS r
                 WHERE e.type = '{T.STATEMENT_RECONCILED}' AND r.value != ''
            ) GROUP BY ref, account
        )
        """
    )
    conn.execute(
        f"""
        INSERT OR REPLACE INTO rm_statement_rows
        SELECT account, json_extract(details, '$.fingerprint'), ref FROM events
         WHERE type = '{T.TRANSACTION_CLEARED}'
           AND json_extract(details, '$.fingerprint') IS NOT NULL
         ORDER BY seq
        """
    )
    conn.executemany(
        "INSERT INTO rm_days VALUES (?, ?, ?)",
        (
            (account, day, fits(high * SPLIT + low))
            for account, day, high, low in conn.cursor().execute(
                f"SELECT account, date, {split_sums('amount')} FROM events "
                f"WHERE {type_in(MONEY_TYPES)} GROUP BY account, date"
            )
        ),
    )
    _rebuild_categories(conn)
    # Each occurrence handled: by the first event that posted or skipped it.
    conn.execute(
        """
        INSERT OR IGNORE INTO rm_occurrences
        SELECT json_extract(details, '$.schedule'), json_extract(details, '$.occurrence'), ref,
               CASE WHEN type = ? THEN 'skipped' ELSE 'posted' END, seq
          FROM events WHERE json_extract(details, '$.occurrence') IS NOT NULL ORDER BY seq
        """,
        (T.OCCURRENCE_SKIPPED,),
    )
    head = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    if head is not None:
        count = conn.execute("SELECT count(*) FROM rm_transactions").fetchone()[0]
        conn.execute("INSERT INTO rm_position VALUES (1, ?, ?, ?)", (head[0], head[1], count))


def _rebuild_categories(conn: sqlite3.Connection) -> None:
    """The read models of where the money went (store/readmodels.py), from the log alone."""
    # The category a transaction has now: the last TransactionCategorized of it.
    conn.execute(
        f"""
        INSERT INTO rm_recategorized
        SELECT ref, category, split FROM (
            SELECT json_extract(details, '$.categorizes') AS ref,
                   json_extract(details, '$.category') AS category,
                   json_extract(details, '$.split') AS split, max(seq)
              FROM events WHERE type = '{T.TRANSACTION_CATEGORIZED}' GROUP BY 1)
        """
    )
    # (account, category, day) -> [net, number of entries]
    nets: dict[tuple[str, str, str], list[int]] = {}
    # Every money event in reports but a split: summed in SQL by category and day.
    reported = reported_where(conn, "e")
    split_now = "CASE WHEN r.ref IS NULL THEN json_extract(e.details, '$.split') ELSE r.split END"
    category_now = (
        "CASE WHEN r.ref IS NULL THEN json_extract(e.details, '$.category') ELSE r.category END"
    )
    for account, category, day, high, low, count in conn.execute(
        f"""
        SELECT e.account, coalesce({category_now}, '{UNCATEGORIZED}'), e.date,
               {split_sums("e.amount")}, count(*)
          FROM events e LEFT JOIN rm_recategorized r ON r.ref = e.ref
         WHERE {reported} AND {split_now} IS NULL
         GROUP BY 1, 2, 3
        """
    ):
        nets[(account, category, day)] = [high * SPLIT + low, count]
    for account, split, day, amount in conn.execute(
        f"""
        SELECT e.account, {split_now}, e.date, e.amount
          FROM events e LEFT JOIN rm_recategorized r ON r.ref = e.ref
         WHERE {reported} AND {split_now} IS NOT NULL
        """
    ):
        for category, part in allocation({"split": split}, amount):
            step = nets.setdefault((account, category, day), [0, 0])
            step[0] += part
            step[1] += 1
    conn.executemany(
        "INSERT INTO rm_category_days VALUES (?, ?, ?, ?, ?)",
        [(*key, fits(net), count) for key, (net, count) in nets.items()],
    )
    months: dict[tuple[str, str, str], list[int]] = {}
    for (account, category, day), (net, count) in nets.items():
        step = months.setdefault((account, category, day[:7]), [0, 0])
        step[0] += net
        step[1] += count
    conn.executemany(
        "INSERT INTO rm_category_months VALUES (?, ?, ?, ?, ?)",
        [(*key, fits(net), count) for key, (net, count) in months.items()],
    )
    _rebuild_payees(conn)
    _rebuild_settings(conn)


def _rebuild_payees(conn: sqlite3.Connection) -> None:
    """The category last used with each payee (case-folded): the entry's own, or what
    `categorize` set for it, whichever came last; `uncategorized` is no choice."""
    last: dict[str, tuple[int, str]] = {}
    void_types = type_in((T.TRANSACTION_VOIDED, T.VOID_REVERSED))
    for payee, category, seq in conn.execute(
        f"""
        SELECT payee, category, max(seq) FROM (
            SELECT json_extract(e.details, '$.payee') AS payee,
                   json_extract(e.details, '$.category') AS category, e.seq AS seq
              FROM events e
             WHERE {type_in(MONEY_TYPES, "e.type")} AND NOT {void_types.replace("type", "e.type")}
               AND json_extract(e.details, '$.payee') IS NOT NULL
               AND json_extract(e.details, '$.category') IS NOT NULL
               AND json_extract(e.details, '$.category') != '{UNCATEGORIZED}'
            UNION ALL
            SELECT json_extract(t.details, '$.payee'), json_extract(c.details, '$.category'),
                   c.seq
              FROM events c JOIN events t ON t.ref = json_extract(c.details, '$.categorizes')
             WHERE c.type = '{T.TRANSACTION_CATEGORIZED}' AND {type_in(MONEY_TYPES, "t.type")}
               AND json_extract(t.details, '$.payee') IS NOT NULL
               AND json_extract(c.details, '$.category') IS NOT NULL
               AND json_extract(c.details, '$.category') != '{UNCATEGORIZED}'
        ) GROUP BY payee
        """
    ):
        key = payee_key(payee)
        if key not in last or seq > last[key][0]:
            last[key] = (seq, category)
    conn.executemany(
        "INSERT INTO rm_payees VALUES (?, ?)",
        [(key, category) for key, (_, category) in last.items()],
    )


def _rebuild_settings(conn: sqlite3.Connection) -> None:
    """The rules and budget steps, from their events in log order."""
    for kind, text in conn.execute(
        f"SELECT type, details FROM events WHERE {type_in(CATEGORY_TYPES)} ORDER BY seq"
    ).fetchall():
        details = json.loads(text)
        if kind == T.RULE_ADDED:
            conn.execute("INSERT INTO rm_rules VALUES (?, ?, ?, ?, 0)", Rule.from_details(details))
        elif kind == T.RULE_REMOVED:
            conn.execute("UPDATE rm_rules SET removed = 1 WHERE id = ?", (details["rule"],))
        elif kind == T.BUDGET_SET:
            key, month, amount = budget_step(details)
            row = (*key, month, amount)
            conn.execute("INSERT OR REPLACE INTO rm_budgets VALUES (?, ?, ?, ?)", row)
