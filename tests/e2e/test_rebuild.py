"""`ledger rebuild` and read models left stale by hand, through the installed `ledger` (README,
"Files and environment": read models): rebuild changes no answer, refuses a broken log (exit 3)
without touching the tables, and answers "no ledger" for a missing file; a query or a write on
a file whose read models were emptied by hand is still right; a file of schema version 1
(before read models) is read correctly and upgraded by the next write, with read models equal
to a rebuild. (That the read models equal a rebuild after any writes: app/test_read_models.py.)
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    LedgerProcess,
    assert_read_models_current,
    backup_copy,
    edit_file,
    empty_read_models,
    event_count,
    ledger_env,
    ledger_executable,
    log_head,
    read_model_tables,
    recorded_times,
    sql_literal,
)

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import (
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    Transfer,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.store.sqlite import schema
from ledger_cli.store.sqlite.schema import READ_MODEL_TABLES


def build(path: Path) -> dict[str, str]:
    """A ledger with two accounts, back-dated entries, a transfer, voids, a closed account,
    check numbers with a gap. Returns the refs by name."""
    ledger = Ledger(path)
    refs: dict[str, str] = {}

    def do(name: str, command: Command) -> None:
        refs[name] = ledger.execute(command).ref

    do("open checking", OpenAccount("checking", date(2026, 3, 1)))
    do("open savings", OpenAccount("savings", date(2026, 3, 1), overdraft_limit="100"))
    do("salary", Deposit("1000", date(2026, 3, 2), payee="Salary"))
    do("rent", WriteCheck("200", date(2026, 3, 5), payee="Landlord"))
    do("check 7", WriteCheck("50", date(2026, 3, 4), number=7))
    do("transfer", Transfer("300", date(2026, 3, 6), "checking", "savings"))
    do("late deposit", Deposit("75", date(2026, 3, 3), memo="back-dated"))
    do("void rent", Void(refs["rent"], reason="lost"))
    do("cash", Withdraw("20", date(2026, 3, 8), account="savings"))
    do("open spare", OpenAccount("spare", date(2026, 3, 2)))
    do("close spare", CloseAccount("spare", date(2026, 3, 9)))
    do("void transfer", Void(refs["transfer"], date=date(2026, 3, 10)))
    do("later deposit", Deposit("500", date(2026, 3, 2)))
    return refs


def run_many(path: Path, commands: Iterable[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run several `ledger` commands on `path` at once (queries only: they never wait for one
    another), and return their results in order."""
    env = ledger_env(path)
    started = [
        (args, subprocess.Popen(
            [ledger_executable(), *args], env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ))
        for args in commands
    ]
    results = []
    for args, process in started:
        out, err = process.communicate(timeout=60)
        assert "Traceback" not in err, (args, err)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


def query_commands(path: Path, *, full: bool = True) -> list[list[str]]:
    """balance --all, histories (whole, --since/--limit), and balances as of several days as
    known at several times: the first event's, a middle one's, the last one's."""
    times = recorded_times(path)
    first, middle, last = times[0], times[len(times) // 2], times[-1]
    pairs = [("2026-03-03", middle), ("2026-03-05", last)]
    if full:
        pairs += [("2026-02-28", last), ("2026-03-05", middle), ("2026-03-31", first)]
    return [
        ["balance", "--all", "--json"],
        ["history", "--json"],
        *([["history", "-a", "savings", "--since", "2026-03-04", "--limit", "3", "--json"]]
          if full else []),
        *(["balance", "--all", "--as-of", day, "--known-at", known, "--json"]
          for day, known in pairs),
        ["balance", "--as-of", "2026-03-04", "--known-at", middle, "--json"],
    ]


def query_answers(path: Path, *, full: bool = True) -> list[tuple[int, Any]]:
    found = []
    for result in run_many(path, query_commands(path, full=full)):
        assert result.returncode in (0, 1), (result.args, result.stderr)
        found.append(
            (result.returncode, json.loads(result.stdout) if result.returncode == 0 else
             result.stderr)
        )
    return found


def test_rebuild_after_emptying_the_read_models_changes_no_answer(
    ledger_db: Path, run_ledger: LedgerProcess
) -> None:
    build(ledger_db)
    assert_read_models_current(ledger_db)
    tables = read_model_tables(ledger_db)
    before = query_answers(ledger_db)
    assert all(code == 0 for code, _ in before), before

    empty_read_models(ledger_db)
    # a query on emptied read models reads the log: the same answers
    assert query_answers(ledger_db) == before
    assert all(rows == [] for rows in read_model_tables(ledger_db).values())  # and writes nothing

    result = run_ledger("rebuild", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    seq, hash_ = log_head(ledger_db)
    assert report["events"] == event_count(ledger_db) == seq
    assert report["head"] == {"seq": seq, "hash": hash_}
    assert read_model_tables(ledger_db) == tables
    assert query_answers(ledger_db) == before

    # rebuild on current read models: exit 0, nothing changes; text output names the head
    text = run_ledger("rebuild")
    assert text.returncode == 0, text.stderr
    assert f"{seq}:{hash_}" in text.stdout
    assert read_model_tables(ledger_db) == tables


def test_rebuild_replaces_read_models_of_an_older_log(
    ledger_db: Path, run_ledger: LedgerProcess
) -> None:
    """Read models left from an earlier moment of the log (a file copied together by hand)
    are never used: queries read the log, and rebuild brings them up to the head."""
    ledger = Ledger(ledger_db)
    ledger.execute(Deposit("100", date(2026, 3, 1)))
    ledger.execute(WriteCheck("30", date(2026, 3, 2)))
    old = read_model_tables(ledger_db)
    ledger.execute(Deposit("40", date(2026, 3, 1)))
    ledger.execute(WriteCheck("5", date(2026, 3, 3)))
    before = query_answers(ledger_db, full=False)
    current = read_model_tables(ledger_db)

    statements = [f"DELETE FROM {table}" for table in READ_MODEL_TABLES]
    for table, rows in old.items():
        statements += [
            f"INSERT INTO {table} VALUES ({', '.join(sql_literal(value) for value in row)})"
            for row in rows
        ]
    edit_file(ledger_db, *statements)
    assert read_model_tables(ledger_db) == old
    assert query_answers(ledger_db, full=False) == before
    assert run_ledger("rebuild").returncode == 0
    assert read_model_tables(ledger_db) == current


@pytest.mark.parametrize("emptied", ["every table", "rm_position only"])
def test_the_next_write_after_emptying_rebuilds_and_decides_right(
    ledger_db: Path, run_ledger: LedgerProcess, emptied: str
) -> None:
    refs = build(ledger_db)
    # checking: 1000 - 200 (voided) - 50 - 300 (voided) + 75 + 500 = 1525.00; checks 1 and 7
    if emptied == "every table":
        empty_read_models(ledger_db)
    else:
        edit_file(ledger_db, "DELETE FROM rm_position")

    # the next number after the highest (7), not after the last written (1)
    result = run_ledger("check", "25", "--date", "2026-03-11", "--json")
    assert result.returncode == 0, result.stderr
    written = json.loads(result.stdout)
    assert written["balance"] == "1500.00"
    assert_read_models_current(ledger_db)
    seq, hash_ = log_head(ledger_db)
    assert written["events"][-1]["seq"] == seq
    assert read_model_tables(ledger_db)["rm_position"][0][1:3] == (seq, hash_)
    assert (("checking", 8, written["ref"])) in read_model_tables(ledger_db)["rm_checks"]
    history = json.loads(run_ledger("history", "--json").stdout)
    assert history[-1]["number"] == 8

    # empty them again: the denials still see the whole state
    empty_read_models(ledger_db)
    overdraw = run_ledger("check", "1500.01", "--date", "2026-03-11")
    assert overdraw.returncode == 1
    assert "insufficient funds" in overdraw.stderr
    assert overdraw.stdout == ""
    assert log_head(ledger_db)[0] == seq  # nothing appended
    reused = run_ledger("check", "1", "--number", "7", "--date", "2026-03-11")
    assert reused.returncode == 1
    assert "already used" in reused.stderr
    again = run_ledger("void", refs["void rent"])
    assert again.returncode == 1
    assert "itself a void" in again.stderr
    twice = run_ledger("void", refs["rent"])
    assert twice.returncode == 1
    assert "already voided" in twice.stderr
    closed = run_ledger("deposit", "1", "-a", "spare")
    assert closed.returncode == 1
    assert "closed" in closed.stderr
    assert log_head(ledger_db)[0] == seq

    # savings may go 100.00 below zero: 300 - 20 - 300 (void of the transfer) = -20.00
    allowed = run_ledger("withdraw", "80", "-a", "savings", "--date", "2026-03-11", "--json")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["balance"] == "-100.00"
    # the next reference continues the count (T1..T13 built, T14 the check above)
    assert json.loads(allowed.stdout)["ref"] == "T15"
    assert_read_models_current(ledger_db)


def test_rebuild_refuses_a_tampered_log_and_leaves_the_read_models(
    ledger_db: Path, run_ledger: LedgerProcess
) -> None:
    build(ledger_db)
    edit_file(
        ledger_db,
        "DROP TRIGGER events_no_update",
        "UPDATE events SET amount = amount + 1 WHERE seq = 3",
        # read models that a rebuild would change: it must not
        "DELETE FROM rm_days",
        "UPDATE rm_accounts SET balance = 12345 WHERE name = 'checking'",
    )
    tables = read_model_tables(ledger_db)
    for args in (["rebuild"], ["rebuild", "--json"]):
        result = run_ledger(*args)
        assert result.returncode == 3, (args, result.stdout, result.stderr)
        assert "seq 3" in result.stderr
        assert read_model_tables(ledger_db) == tables
    report = json.loads(run_ledger("rebuild", "--json").stdout)
    assert report["ok"] is False
    assert report["problems"][0]["seq"] == 3


def test_rebuild_of_a_missing_file_is_no_ledger(ledger_db: Path, run_ledger: LedgerProcess) -> None:
    assert not ledger_db.exists()
    result = run_ledger("rebuild")
    assert result.returncode == 1
    assert "no ledger" in result.stderr
    assert not ledger_db.exists()


# -- a file of schema version 1 --------------------------------------------------------------


def version_1_objects() -> set[str]:
    """The tables, triggers and indexes the first migration (0001_events) creates."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in (schema.EVENTS_TABLE, *schema.EVENTS_GUARDS):
            conn.execute(statement)
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
    finally:
        conn.close()


MIGRATIONS_TABLE = {"_sqlite_migrations", "idx__sqlite_migrations_migration_set_name"}


def downgrade_to_version_1(path: Path) -> None:
    """What a file written before read models looks like: the log and its guards, no rm_*
    tables, no command_keys, no partial indexes of the log, only the first migration
    recorded, user_version 1. Everything later migrations made is dropped, by name."""
    keep = version_1_objects() | MIGRATIONS_TABLE
    conn = sqlite3.connect(path)
    try:
        later = [
            (kind, name)
            for kind, name in conn.execute("SELECT type, name FROM sqlite_schema")
            if name not in keep and not name.startswith("sqlite_")
        ]
    finally:
        conn.close()
    # tables first: their own indexes go with them
    tables = [f"DROP TABLE {name}" for kind, name in later if kind == "table"]
    others = [
        f"DROP {kind.upper()} IF EXISTS {name}" for kind, name in later if kind != "table"
    ]
    edit_file(
        path,
        *tables,
        *others,
        "DELETE FROM _sqlite_migrations WHERE name != '0001_events'",
        "PRAGMA user_version = 1",
    )
    assert schema_objects(path) == version_1_objects() | MIGRATIONS_TABLE


def schema_objects(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_schema")
            if not row[0].startswith("sqlite_")
        }
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def migrations_of(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    finally:
        conn.close()


def test_a_version_1_file_is_read_right_and_upgraded_by_the_next_write(
    ledger_db: Path, tmp_path: Path, run_ledger: LedgerProcess
) -> None:
    build(ledger_db)
    expected = query_answers(ledger_db, full=False)
    tables = read_model_tables(ledger_db)
    current_objects = schema_objects(ledger_db)
    assert {*READ_MODEL_TABLES, "command_keys", "events_accounts"} <= current_objects
    old = tmp_path / "v1.db"
    backup_copy(ledger_db, old)
    downgrade_to_version_1(old)
    assert user_version(old) == 1
    assert not schema_objects(old) & {*READ_MODEL_TABLES, "command_keys", "events_accounts"}

    # queries: right answers, and the file stays at version 1 (a query never writes)
    assert query_answers(old, full=False) == expected
    with Ledger(old).query() as queries:
        assert not queries.uses_read_models
        assert queries.balance("checking").balance == 152_500
    digest = run_ledger("reconcile", db=old)
    assert digest.returncode == 0, digest.stderr
    assert user_version(old) == 1
    assert schema_objects(old) == version_1_objects() | MIGRATIONS_TABLE

    # the next write upgrades it, in its own transaction, and decides against the whole log
    result = run_ledger("check", "25", "--date", "2026-03-11", "--json", "--id", "first-after",
                        db=old)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["balance"] == "1500.00"
    assert user_version(old) == schema.SCHEMA_VERSION == user_version(ledger_db)
    assert schema_objects(old) == current_objects
    assert migrations_of(old) == migrations_of(ledger_db)
    assert_read_models_current(old)
    conn = sqlite3.connect(old)
    try:
        keys = list(conn.execute("SELECT key, ref FROM command_keys"))
    finally:
        conn.close()
    assert keys == [("first-after", json.loads(result.stdout)["ref"])]
    history = json.loads(run_ledger("history", "--json", db=old).stdout)
    assert history[-1]["number"] == 8

    # the same write on the original file gives the same tables
    same = run_ledger("check", "25", "--date", "2026-03-11", "--json")
    assert same.returncode == 0
    upgraded = read_model_tables(old)
    original = read_model_tables(ledger_db)
    # the heads differ only by recorded times (hashes); everything else is equal
    assert {k: v for k, v in upgraded.items() if k != "rm_position"} == {
        k: v for k, v in original.items() if k != "rm_position"
    }
    assert tables["rm_position"][0][1] + 1 == upgraded["rm_position"][0][1]


def test_a_denied_write_leaves_a_version_1_file_as_it_was(
    ledger_db: Path, tmp_path: Path, run_ledger: LedgerProcess
) -> None:
    build(ledger_db)
    old = tmp_path / "v1.db"
    backup_copy(ledger_db, old)
    downgrade_to_version_1(old)
    result = run_ledger("check", "99999", "--date", "2026-03-11", db=old)
    assert result.returncode == 1
    assert "insufficient funds" in result.stderr
    assert user_version(old) == 1
    assert schema_objects(old) == version_1_objects() | MIGRATIONS_TABLE
    assert migrations_of(old) == ["0001_events"]
