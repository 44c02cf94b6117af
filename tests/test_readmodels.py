"""The read models (rm_* tables) are a cache of the log and nothing more (SPEC section 1).

- After any sequence of writes, the tables hold exactly what `rebuild` derives from
  the log alone (a Hypothesis property, in-process, one fresh file per example).
- Every query answers the same from current read models (the fast path) as from the log
  itself (read models made stale in a copy of the file).
- `ledger rebuild` (subprocess) changes no answer, refuses a broken log (exit 3) without
  touching the tables, and answers "no ledger" for a missing file; a query or a write on a
  file whose read models were emptied by hand is still right.
- A file of schema version 1 (before read models) is read correctly and upgraded by the next
  write to version 2, with read models equal to a rebuild.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from conftest import ledger_executable
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger_cli.app.queries import Queries
from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import (
    ChargeFee,
    Clear,
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    PayInterest,
    Transfer,
    Unclear,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.dates import parse_recorded
from ledger_cli.domain.money import CURRENCIES, format_amount
from ledger_cli.errors import Denied, InvalidValue
from ledger_cli.store.sqlite import schema
from ledger_cli.store.sqlite.rebuild import rebuild
from ledger_cli.store.sqlite.schema import READ_MODEL_TABLES

USD = CURRENCIES["USD"]
START = date(2026, 3, 1)
WINDOW = 14  # days in which entries are dated: few, so that days collide
DAYS = [START + timedelta(days=n) for n in range(WINDOW)]
# Every day of the window, plus one before anything and one after everything.
QUERY_DAYS = [START - timedelta(days=1), *DAYS, START + timedelta(days=WINDOW)]
ACCOUNTS = ("checking", "savings", "spare", "euro")
TABLES = READ_MODEL_TABLES

PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# -- helpers on the file, with plain sqlite3 --------------------------------------------------


Tables = dict[str, list[tuple[Any, ...]]]


def read_tables(conn: sqlite3.Connection) -> Tables:
    """Every row of every read model, in primary-key order."""
    return {table: list(conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")) for table in TABLES}


def tables_of(path: Path) -> Tables:
    conn = sqlite3.connect(path)
    try:
        return read_tables(conn)
    finally:
        conn.close()


def rebuilt_tables_of(path: Path) -> Tables:
    """What `rebuild` derives from the log of `path`, in a transaction rolled back:
    the file is left as it was."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            rebuild(conn)
            return read_tables(conn)
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()


def log_head(path: Path) -> tuple[int, str]:
    conn = sqlite3.connect(path)
    try:
        found = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return (found[0], found[1]) if found else (0, "")


def event_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def recorded_times(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT DISTINCT recorded_at FROM events ORDER BY 1")
        return [row[0] for row in rows]
    finally:
        conn.close()


def edit(path: Path, *statements: str) -> None:
    """Run SQL on the file by hand, as a user with the sqlite3 shell would."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def copy(source: Path, target: Path) -> None:
    """A consistent copy of a ledger file (WAL included), through SQLite's backup API."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def empty_read_models(path: Path) -> None:
    edit(path, *(f"DELETE FROM {table}" for table in TABLES))


def assert_read_models_current(path: Path) -> None:
    """The tables describe exactly the log: rm_position names its head, and every table
    equals what a rebuild from the log alone derives."""
    seq, hash_ = log_head(path)
    found = tables_of(path)
    assert [row[1:3] for row in found["rm_position"]] == [(seq, hash_)]
    assert found == rebuilt_tables_of(path)


# -- the property: incremental read models equal a rebuild; fast answers equal the log's ------


@dataclass(frozen=True)
class Step:
    kind: str
    account: str = "checking"
    other: str = "savings"
    amount: int = 0
    day: date | None = None
    number: int | None = None
    ref: str = ""
    refs: tuple[str, ...] = ()
    limit: int = 0

    def command(self) -> Command:
        on = self.day or START
        text = format_amount(self.amount, USD)
        match self.kind:
            case "deposit":
                return Deposit(text, on, account=self.account)
            case "check":
                return WriteCheck(text, on, account=self.account, number=self.number)
            case "withdraw":
                return Withdraw(text, on, account=self.account)
            case "transfer":
                return Transfer(text, on, source=self.account, target=self.other)
            case "open":
                code = "EUR" if self.account == "euro" else "USD"
                return OpenAccount(self.account, on, code, format_amount(self.limit, USD))
            case "close":
                return CloseAccount(self.account, on)
            case "fee":
                return ChargeFee(text, on, account=self.account)
            case "interest":
                return PayInterest(text, on, account=self.account)
            case "clear":
                return Clear(self.refs, on)
            case "unclear":
                return Unclear(self.refs, on)
        return Void(self.ref, date=self.day)


days = st.sampled_from(DAYS)
credits = st.integers(min_value=1, max_value=100_000)  # up to 1,000.00
debits = st.integers(min_value=1, max_value=30_000)  # smaller: most of them pass
MOSTLY = ["checking", "checking", "savings", "savings", "spare", "euro"]
KINDS = ["deposit", "deposit", "check", "check", "withdraw", "transfer", "void", "void",
         "open", "close", "fee", "interest", "clear", "clear", "unclear", "unclear"]


def draw_step(
    data: st.DataObject, refs: list[str], movers: Sequence[str] = (), cleared: Sequence[str] = ()
) -> Step:
    """One random command; `refs` are every accepted command's, `movers` those that moved
    money (newest last), `cleared` those cleared since."""
    kind = data.draw(st.sampled_from(KINDS))
    if kind == "void":
        # earlier refs (opens, voids and voided ones included) and one that does not exist
        recent = refs[-3:] * 2  # recent refs more often: more of the voids are accepted
        ref = data.draw(st.sampled_from([*refs, *recent, "T999"]))
        return Step("void", ref=ref, day=data.draw(st.none() | days))
    if kind in ("clear", "unclear"):
        # newest first: Hypothesis favours the start of the list
        pool = [*(cleared[::-1] if kind == "unclear" else ()), *movers[::-1], *refs, "T999"]
        chosen = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2))
        return Step(kind, refs=tuple(chosen), day=data.draw(days))
    account = data.draw(st.sampled_from(ACCOUNTS if kind in ("open", "close") else MOSTLY))
    if kind == "open":
        limit = data.draw(st.sampled_from([0, 10_000, 50_050]))
        return Step("open", account=account, day=data.draw(days), limit=limit)
    if kind == "close":
        return Step("close", account=account, day=data.draw(days))
    other = data.draw(st.sampled_from([name for name in MOSTLY if name != account]))
    number = data.draw(st.none() | st.integers(1, 4)) if kind == "check" else None
    return Step(
        kind, account=account, other=other, day=data.draw(days),
        amount=data.draw(credits if kind == "deposit" else debits),
        number=number,
    )


def opening_steps(data: st.DataObject) -> list[Step]:
    steps = []
    checking = data.draw(st.none() | st.sampled_from(DAYS[:3]), label="checking opened")
    if checking is not None:
        steps.append(Step("open", account="checking", day=checking))
    savings = data.draw(st.sampled_from([*DAYS[:5], None]), label="savings opened")
    if savings is not None:
        limit = data.draw(st.sampled_from([0, 10_000, 50_050]), label="savings limit")
        steps.append(Step("open", account="savings", day=savings, limit=limit))
    return steps


Answer = tuple[str, Any]


def attempt(question: Callable[[], Any]) -> Answer:
    """An answer, or the denial it gives (an account not known yet, say)."""
    try:
        return ("ok", question())
    except (Denied, InvalidValue) as error:
        return ("denied", str(error))


HistoryParams = tuple[date | None, date | None, int | None]  # since, as_of, limit


def balance_of(queries: Queries, account: str, day: date | None, known: datetime | None) -> int:
    return queries.balance(account, as_of=day, known_at=known).balance


def all_balances(queries: Queries, known: datetime | None) -> list[tuple[str, int]]:
    return [(found.account, found.balance) for found in queries.balances(known_at=known)]


def register_of(
    queries: Queries, account: str, params: HistoryParams, known: datetime | None
) -> list[tuple[int, int, str]]:
    """The register as (seq, running balance, cleared status) triples."""
    since, as_of, limit = params
    lines = queries.history(account, since=since, as_of=as_of, known_at=known, limit=limit)
    return [(line.row.seq, line.balance, line.status) for line in lines]


def answers(
    queries: Queries, knowns: list[datetime | None], history_params: list[HistoryParams]
) -> dict[tuple[Any, ...], Answer]:
    """Balances (every account, every day, every knowledge time) and registers."""
    found: dict[tuple[Any, ...], Answer] = {}
    for known in knowns:
        found[("all", known)] = attempt(partial(all_balances, queries, known))
        for account in (*ACCOUNTS, "nosuch"):
            for day in (None, *QUERY_DAYS):
                found[("balance", account, day, known)] = attempt(
                    partial(balance_of, queries, account, day, known)
                )
            for params in history_params:
                found[("history", account, params, known)] = attempt(
                    partial(register_of, queries, account, params, known)
                )
    return found


STALE = {
    "no position": ["DELETE FROM rm_position"],
    "all emptied": [f"DELETE FROM {table}" for table in TABLES],
    "older position": ["UPDATE rm_position SET seq = seq - 1"],
    "other hash": [
        "UPDATE rm_position SET hash = "
        "iif(substr(hash, 1, 1) = '0', '1', '0') || substr(hash, 2)"
    ],
}


@PROPERTY_SETTINGS
@given(data=st.data())
def test_read_models_equal_a_rebuild_and_give_the_logs_answers(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 40), label="steps")
    history_params: list[HistoryParams] = [
        (None, None, None), (None, None, 3), (DAYS[5], None, None), (DAYS[5], None, 2)
    ]
    history_params += data.draw(
        st.lists(
            st.tuples(
                st.none() | st.sampled_from(QUERY_DAYS),
                st.none() | st.sampled_from(QUERY_DAYS),
                st.none() | st.integers(1, 5),
            ),
            min_size=1,
            max_size=4,
        ),
        label="history (since, as_of, limit)",
    )
    stale = data.draw(st.sampled_from(sorted(STALE)), label="how the copy is made stale")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        ledger = Ledger(path)
        refs: list[str] = []
        movers: list[str] = []
        cleared: list[str] = []
        # Most entries must land after their account's opening to be accepted; checking is
        # opened explicitly or by its first entry, savings early in the window.
        for step in opening_steps(data):
            refs.append(ledger.execute(step.command()).ref)
        for _ in range(count):
            step = draw_step(data, refs, movers, cleared)
            try:
                outcome = ledger.execute(step.command())
            except (Denied, InvalidValue):
                event(f"{step.kind} denied")
                continue
            event(f"{step.kind} accepted")
            refs.append(outcome.ref)
            if step.kind == "clear":
                cleared.extend(step.refs)
            elif step.kind not in ("open", "close", "unclear"):
                movers.append(outcome.ref)
            # after every accepted write, not just the last: a later write could hide a
            # divergence by overwriting a row
            assert_read_models_current(path)
        if not refs:
            assert not path.exists()
            return

        stale_path = Path(folder) / "stale.db"
        copy(path, stale_path)
        edit(stale_path, *STALE[stale])
        times = [parse_recorded(text) for text in recorded_times(path)]
        knowns: list[datetime | None] = [None, times[0] - timedelta(microseconds=1), *times]

        stale_tables = tables_of(stale_path)

        with Ledger(path).query() as fast:
            assert fast.uses_read_models
            fast_answers = answers(fast, knowns, history_params)
        with Ledger(stale_path).query() as slow:
            assert not slow.uses_read_models
            slow_answers = answers(slow, knowns, history_params)
        assert fast_answers.keys() == slow_answers.keys()
        for key, answer in fast_answers.items():
            assert answer == slow_answers[key], key
        # a query never writes: the stale copy is still stale
        assert tables_of(stale_path) == stale_tables


# -- `ledger rebuild` and emptied read models, through the installed CLI ----------------------


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


def run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_many(path, [list(args)])[0]


def run_many(path: Path, commands: Iterable[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run several `ledger` commands on `path` at once (queries only: they never wait for one
    another), and return their results in order."""
    env = {**os.environ, "LEDGER_DB": str(path)}
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


def test_rebuild_after_emptying_the_read_models_changes_no_answer(ledger_db: Path) -> None:
    build(ledger_db)
    assert_read_models_current(ledger_db)
    tables = tables_of(ledger_db)
    before = query_answers(ledger_db)
    assert all(code == 0 for code, _ in before), before

    empty_read_models(ledger_db)
    # a query on emptied read models reads the log: the same answers
    assert query_answers(ledger_db) == before
    assert all(rows == [] for rows in tables_of(ledger_db).values())  # and writes nothing

    result = run(ledger_db, "rebuild", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    seq, hash_ = log_head(ledger_db)
    assert report["events"] == event_count(ledger_db) == seq
    assert report["head"] == {"seq": seq, "hash": hash_}
    assert tables_of(ledger_db) == tables
    assert query_answers(ledger_db) == before

    # rebuild on current read models: exit 0, nothing changes; text output names the head
    text = run(ledger_db, "rebuild")
    assert text.returncode == 0, text.stderr
    assert f"{seq}:{hash_}" in text.stdout
    assert tables_of(ledger_db) == tables


def test_rebuild_replaces_read_models_of_an_older_log(ledger_db: Path) -> None:
    """Read models left from an earlier moment of the log (a file copied together by hand)
    are never used: queries read the log, and rebuild brings them up to the head."""
    ledger = Ledger(ledger_db)
    ledger.execute(Deposit("100", date(2026, 3, 1)))
    ledger.execute(WriteCheck("30", date(2026, 3, 2)))
    old = tables_of(ledger_db)
    ledger.execute(Deposit("40", date(2026, 3, 1)))
    ledger.execute(WriteCheck("5", date(2026, 3, 3)))
    before = query_answers(ledger_db, full=False)
    current = tables_of(ledger_db)

    statements = [f"DELETE FROM {table}" for table in TABLES]
    for table, rows in old.items():
        statements += [
            f"INSERT INTO {table} VALUES ({', '.join(_sql(value) for value in row)})"
            for row in rows
        ]
    edit(ledger_db, *statements)
    assert tables_of(ledger_db) == old
    assert query_answers(ledger_db, full=False) == before
    assert run(ledger_db, "rebuild").returncode == 0
    assert tables_of(ledger_db) == current


def _sql(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


@pytest.mark.parametrize("emptied", ["every table", "rm_position only"])
def test_the_next_write_after_emptying_rebuilds_and_decides_right(
    ledger_db: Path, emptied: str
) -> None:
    refs = build(ledger_db)
    # checking: 1000 - 200 (voided) - 50 - 300 (voided) + 75 + 500 = 1525.00; checks 1 and 7
    if emptied == "every table":
        empty_read_models(ledger_db)
    else:
        edit(ledger_db, "DELETE FROM rm_position")

    # the next number after the highest (7), not after the last written (1)
    result = run(ledger_db, "check", "25", "--date", "2026-03-11", "--json")
    assert result.returncode == 0, result.stderr
    written = json.loads(result.stdout)
    assert written["balance"] == "1500.00"
    assert_read_models_current(ledger_db)
    seq, hash_ = log_head(ledger_db)
    assert written["events"][-1]["seq"] == seq
    assert tables_of(ledger_db)["rm_position"][0][1:3] == (seq, hash_)
    assert (("checking", 8, written["ref"])) in tables_of(ledger_db)["rm_checks"]
    history = json.loads(run(ledger_db, "history", "--json").stdout)
    assert history[-1]["number"] == 8

    # empty them again: the denials still see the whole state
    empty_read_models(ledger_db)
    overdraw = run(ledger_db, "check", "1500.01", "--date", "2026-03-11")
    assert overdraw.returncode == 1
    assert "insufficient funds" in overdraw.stderr
    assert overdraw.stdout == ""
    assert log_head(ledger_db)[0] == seq  # nothing appended
    reused = run(ledger_db, "check", "1", "--number", "7", "--date", "2026-03-11")
    assert reused.returncode == 1
    assert "already used" in reused.stderr
    again = run(ledger_db, "void", refs["void rent"])
    assert again.returncode == 1
    assert "itself a void" in again.stderr
    twice = run(ledger_db, "void", refs["rent"])
    assert twice.returncode == 1
    assert "already voided" in twice.stderr
    closed = run(ledger_db, "deposit", "1", "-a", "spare")
    assert closed.returncode == 1
    assert "closed" in closed.stderr
    assert log_head(ledger_db)[0] == seq

    # savings may go 100.00 below zero: 300 - 20 - 300 (void of the transfer) = -20.00
    allowed = run(ledger_db, "withdraw", "80", "-a", "savings", "--date", "2026-03-11", "--json")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["balance"] == "-100.00"
    # the next reference continues the count (T1..T13 built, T14 the check above)
    assert json.loads(allowed.stdout)["ref"] == "T15"
    assert_read_models_current(ledger_db)


def test_rebuild_refuses_a_tampered_log_and_leaves_the_read_models(ledger_db: Path) -> None:
    build(ledger_db)
    edit(
        ledger_db,
        "DROP TRIGGER events_no_update",
        "UPDATE events SET amount = amount + 1 WHERE seq = 3",
        # read models that a rebuild would change: it must not
        "DELETE FROM rm_days",
        "UPDATE rm_accounts SET balance = 12345 WHERE name = 'checking'",
    )
    tables = tables_of(ledger_db)
    for args in (["rebuild"], ["rebuild", "--json"]):
        result = run(ledger_db, *args)
        assert result.returncode == 3, (args, result.stdout, result.stderr)
        assert "seq 3" in result.stderr
        assert tables_of(ledger_db) == tables
    report = json.loads(run(ledger_db, "rebuild", "--json").stdout)
    assert report["ok"] is False
    assert report["problems"][0]["seq"] == 3


def test_rebuild_of_a_missing_file_is_no_ledger(ledger_db: Path) -> None:
    assert not ledger_db.exists()
    result = run(ledger_db, "rebuild")
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
    edit(
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
    ledger_db: Path, tmp_path: Path
) -> None:
    build(ledger_db)
    expected = query_answers(ledger_db, full=False)
    tables = tables_of(ledger_db)
    current_objects = schema_objects(ledger_db)
    assert {*TABLES, "command_keys", "events_accounts"} <= current_objects
    old = tmp_path / "v1.db"
    copy(ledger_db, old)
    downgrade_to_version_1(old)
    assert user_version(old) == 1
    assert not schema_objects(old) & {*TABLES, "command_keys", "events_accounts"}

    # queries: right answers, and the file stays at version 1 (a query never writes)
    assert query_answers(old, full=False) == expected
    with Ledger(old).query() as queries:
        assert not queries.uses_read_models
        assert queries.balance("checking").balance == 152_500
    digest = run(old, "reconcile")
    assert digest.returncode == 0, digest.stderr
    assert user_version(old) == 1
    assert schema_objects(old) == version_1_objects() | MIGRATIONS_TABLE

    # the next write upgrades it, in its own transaction, and decides against the whole log
    result = run(old, "check", "25", "--date", "2026-03-11", "--json", "--id", "first-after")
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
    history = json.loads(run(old, "history", "--json").stdout)
    assert history[-1]["number"] == 8

    # the same write on the original file gives the same tables
    same = run(ledger_db, "check", "25", "--date", "2026-03-11", "--json")
    assert same.returncode == 0
    upgraded = tables_of(old)
    original = tables_of(ledger_db)
    # the heads differ only by recorded times (hashes); everything else is equal
    assert {k: v for k, v in upgraded.items() if k != "rm_position"} == {
        k: v for k, v in original.items() if k != "rm_position"
    }
    assert tables["rm_position"][0][1] + 1 == upgraded["rm_position"][0][1]


def test_a_denied_write_leaves_a_version_1_file_as_it_was(ledger_db: Path, tmp_path: Path) -> None:
    build(ledger_db)
    old = tmp_path / "v1.db"
    copy(ledger_db, old)
    downgrade_to_version_1(old)
    result = run(old, "check", "99999", "--date", "2026-03-11")
    assert result.returncode == 1
    assert "insufficient funds" in result.stderr
    assert user_version(old) == 1
    assert schema_objects(old) == version_1_objects() | MIGRATIONS_TABLE
    assert migrations_of(old) == ["0001_events"]
