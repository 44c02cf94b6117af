"""Tampering with the `sqlite3` shell, bypassing the append-only triggers, and what `ledger
reconcile` (through the installed script) says of it (README, "Trust": edits are visible): exit 3
and the first failing seq, for one stored field of one event edited, an event deleted, values of
the wrong type (invalid UTF-8, a table rebuilt without STRICT), a balance chain shifted with its
hashes recomputed; dropped triggers alone are warnings; the triggers refuse edits.

A template ledger of a few dozen events is built once per module with the real `ledger`, then
checkpointed so that the main file holds everything; each case copies that one file. (The big
generated corpus of edits: corpora/test_tamper_corpus.py.)
"""

from __future__ import annotations

import json
import random
import shlex
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    DROP_TRIGGERS,
    EVENT_COLUMNS,
    GENESIS,
    GUARD_TRIGGERS,
    LedgerProcess,
    flip_hex,
    ok,
    one_line_error,
    require_sqlite_shell,
    shift_recorded,
    sql_literal,
    sqlite_shell,
)

from ledger_cli.store.chain import link_hash
from ledger_cli.store.sqlite import schema

require_sqlite_shell()

COLUMNS = EVENT_COLUMNS

# The template's commands, in order (shell syntax, split with shlex). Dates and amounts are
# fixed; references are opaque, so the voided transaction is found by the reference its
# command printed. Apostrophes, commas, '&' and non-ASCII text exercise the SQL quoting.
FIXED_COMMANDS = [
    'deposit 5000 --date 2026-01-02 --payee "Acme Corp" -m "January salary"',
    "open savings --date 2026-01-02",
    'check 1200 --number 101 --payee Landlord -m "rent, January" --date 2026-01-03',
    """check 85.40 --payee "O'Brien's Hardware" -m "paint & brushes" --date 2026-01-05""",
    'withdraw 200 -m "ATM Main St" --date 2026-01-06',
    'transfer 1000 --from checking --to savings -m "rainy day" --date 2026-01-07',
    'check 63.10 --payee "Électricité de Ville" -m "bill № 7" --date 2026-01-09',
    "open travel --date 2026-01-10",
    "close travel --date 2026-01-11",
]
VOID_TARGET = 3  # the hardware check, voided right after the fixed commands
MONTHLY = [
    command
    for month in range(2, 6)
    for command in (
        f'deposit 5000 --payee "Acme Corp" -m "salary {month}" --date 2026-{month:02d}-01',
        f'check 1200 --payee Landlord -m "rent {month}" --date 2026-{month:02d}-02',
        f'check 142.37 --payee "City Water" -m utilities --date 2026-{month:02d}-10',
        f"withdraw 60 -m ATM --date 2026-{month:02d}-15",
    )
] + ["transfer 250.25 --from savings --to checking --date 2026-05-20"]

# The 9 fixed commands make 11 events (+1 for checking's AccountOpened, +1 for the transfer's
# second leg), the void 1 (the check touched one account), the months 16, the last transfer 2.
EVENTS = 11 + 1 + 16 + 2

_chosen = random.Random(20260301).sample(range(2, EVENTS), 2)
ROWS = {"first": 1, "middle": EVENTS // 2, "last": EVENTS}
ROWS.update({f"random{i + 1}": seq for i, seq in enumerate(_chosen)})
assert len(set(ROWS.values())) == len(ROWS), ROWS


@dataclass
class Template:
    path: Path
    rows: list[dict[str, Any]]  # every stored row, column for column, as sqlite3 -json reads it


def _json_rows(db: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [
            "sqlite3",
            "-bail",
            "-json",
            str(db),
            f"SELECT {', '.join(COLUMNS)} FROM events ORDER BY seq",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


@pytest.fixture(scope="module")
def _template_cache() -> dict[str, Template]:
    return {}


@pytest.fixture
def template(
    _template_cache: dict[str, Template],
    run_ledger: LedgerProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Template:
    """The template ledger, built with `ledger` by the first test that needs it."""
    if "template" not in _template_cache:
        _template_cache["template"] = _build(run_ledger, tmp_path_factory.mktemp("template"))
    return _template_cache["template"]


def _build(run_ledger: LedgerProcess, folder: Path) -> Template:
    db = folder / "template.db"

    def ledger(*args: str) -> dict[str, Any]:
        result = run_ledger(*args, "--json", db=db)
        assert result.returncode == 0, (args, result.stderr)
        out: dict[str, Any] = json.loads(result.stdout)
        return out

    refs = [ledger(*shlex.split(command))["ref"] for command in FIXED_COMMANDS]
    voided = ledger("void", refs[VOID_TARGET], "--reason", "wrong amount")
    assert [e["type"] for e in voided["events"]] == ["TransactionVoided"]
    for command in MONTHLY:
        ledger(*shlex.split(command))

    # WAL: make the main file hold everything, so that copying that one file copies the
    # ledger. (Each `ledger` process checkpoints when it closes; this makes sure of it.)
    sqlite_shell(db, "PRAGMA wal_checkpoint(TRUNCATE);")
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0

    rows = _json_rows(db)
    assert [row["seq"] for row in rows] == list(range(1, EVENTS + 1))
    types = {row["type"] for row in rows}
    assert types == {
        "AccountOpened",
        "AccountClosed",
        "FundsDeposited",
        "CheckWritten",
        "CashWithdrawn",
        "TransferSent",
        "TransferReceived",
        "TransactionVoided",
    }
    clean = run_ledger("reconcile", "--json", db=db)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["ok"] is True
    return Template(db, rows)


def _copy(template: Template, tmp_path: Path) -> Path:
    copy = tmp_path / "tampered.db"
    shutil.copyfile(template.path, copy)
    return copy


# -- the forged values: a different value of the same SQL type, well-formed where possible, so
# that it is the hash chain, not a format check, that has to catch it.

_RETYPE = {
    "AccountOpened": "AccountClosed",
    "AccountClosed": "AccountOpened",
    "FundsDeposited": "TransferReceived",
    "TransferReceived": "FundsDeposited",
    "CheckWritten": "CashWithdrawn",
    "CashWithdrawn": "CheckWritten",
    "TransferSent": "CashWithdrawn",
    "TransactionVoided": "FundsDeposited",
}


def _other_ref(row: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """Another transaction's reference: the event moved into a transaction it is not part of."""
    return next(r["ref"] for r in rows if r["ref"] != row["ref"])


def _details(row: dict[str, Any]) -> str:
    details = json.loads(row["details"])
    details["memo"] = details.get("memo", "") + " (edited)"
    return json.dumps(details, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _recorded(row: dict[str, Any]) -> str:
    return shift_recorded(row["recorded_at"], timedelta(microseconds=1))


FORGE: dict[str, Callable[[dict[str, Any], list[dict[str, Any]]], int | str]] = {
    "seq": lambda row, rows: EVENTS + 10,  # the only free values: seq >= 1 and unique
    "ref": _other_ref,
    "type": lambda row, rows: _RETYPE[row["type"]],
    "account": lambda row, rows: "savings" if row["account"] == "checking" else "checking",
    "amount": lambda row, rows: row["amount"] + 1,
    "balance": lambda row, rows: row["balance"] + 1,
    "date": lambda row, rows: (date.fromisoformat(row["date"]) + timedelta(days=1)).isoformat(),
    "recorded_at": lambda row, rows: _recorded(row),
    "details": lambda row, rows: _details(row),
    "prev_hash": lambda row, rows: flip_hex(row["prev_hash"]),
    "hash": lambda row, rows: flip_hex(row["hash"]),
}
assert sorted(FORGE) == sorted(COLUMNS)


CONTENTS = "hash does not match the event's contents"


def reconcile(run_ledger: LedgerProcess, db: Path) -> tuple[subprocess.CompletedProcess[str], Any]:
    result = run_ledger("reconcile", "--json", db=db)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout)


def assert_reported_in_text(run_ledger: LedgerProcess, db: Path, first: dict[str, Any]) -> None:
    """`reconcile` without --json: exit 3, and stderr names the first failing seq."""
    result = run_ledger("reconcile", db=db)
    assert result.returncode == 3, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        f"ledger: the log is broken at seq {first['seq']} ({first['kind']}): {first['detail']}\n"
    )
    assert result.stdout.startswith("BROKEN: ")


@pytest.mark.parametrize("where", list(ROWS), ids=[f"{k}-seq{v}" for k, v in ROWS.items()])
@pytest.mark.parametrize("column", COLUMNS)
def test_editing_one_field_of_one_event_is_detected(
    template: Template, run_ledger: LedgerProcess, tmp_path: Path, column: str, where: str
) -> None:
    seq = ROWS[where]
    row = template.rows[seq - 1]
    assert row["seq"] == seq
    new = FORGE[column](row, template.rows)
    assert new != row[column] and type(new) is type(row[column]), (row[column], new)

    db = _copy(template, tmp_path)
    out = sqlite_shell(
        db,
        f"{DROP_TRIGGERS} UPDATE events SET {column} = {sql_literal(new)} WHERE seq = {seq}; "
        "SELECT changes();",
    )
    assert out.strip() == "1"
    tampered_seq = new if column == "seq" else seq
    stored = sqlite_shell(db, f"SELECT {column} FROM events WHERE seq = {tampered_seq};")
    assert stored.strip() == str(new)

    result, report = reconcile(run_ledger, db)
    assert result.returncode == 3, (result.returncode, result.stdout, result.stderr)
    assert report["ok"] is False
    assert report["events"] == EVENTS
    first = report["problems"][0]
    problems = report["problems"]

    if column == "seq":
        # reconcile promises the first failing seq. reconcile walks the log in seq order and
        # checks each stored row against the one before it; moving row k to seq EVENTS + 10
        # (the only free values) leaves no row at k, so nothing can be reported "at k" as a
        # row. For a first or middle row the first stored row that fails is k + 1: its seq is
        # not the previous seq + 1 (a gap) and its prev_hash no longer links to the row
        # before it; the gap's detail names the missing seq k. For the last row, the moved
        # row itself, now at EVENTS + 10, is the first (and only) row that fails.
        found = seq + 1 if seq < EVENTS else new
        assert first["seq"] == found, problems
        gap = f"expected seq {seq} after {seq - 1}, found {found}"
        assert {"seq": found, "kind": "gap", "detail": gap} in problems
        # The moved row itself fails its own hash (seq is covered by it).
        assert {"seq": new, "kind": "hash", "detail": CONTENTS} in problems
    else:
        # Nothing before row k changed, so k is the first failing seq; which check fails
        # first within the row is the product's choice, so the finding is looked up, not
        # taken from position 0.
        assert first["seq"] == seq, problems
        if column == "prev_hash":
            link = f"prev_hash does not match the hash of seq {seq - 1}"
            assert {"seq": seq, "kind": "hash", "detail": link} in problems
        else:
            # Every other field is covered by the row's hash.
            assert {"seq": seq, "kind": "hash", "detail": CONTENTS} in problems
        if column in ("amount", "balance"):
            assert any(p["seq"] == seq and p["kind"] == "balance" for p in problems)
        if column == "hash" and seq < EVENTS:
            # ... and the next row no longer links to it.
            link = f"prev_hash does not match the hash of seq {seq}"
            assert {"seq": seq + 1, "kind": "hash", "detail": link} in problems

    assert_reported_in_text(run_ledger, db, first)


def test_deleting_a_middle_event_is_a_gap(
    template: Template, run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    seq = ROWS["middle"]
    db = _copy(template, tmp_path)
    out = sqlite_shell(
        db, f"{DROP_TRIGGERS} DELETE FROM events WHERE seq = {seq}; SELECT changes();"
    )
    assert out.strip() == "1"

    result, report = reconcile(run_ledger, db)
    assert result.returncode == 3
    assert report["ok"] is False
    assert report["events"] == EVENTS - 1
    assert report["head"] == {"seq": EVENTS, "hash": template.rows[-1]["hash"]}
    # As for a moved seq: the first stored row that fails is the one after the hole.
    assert report["problems"][0]["seq"] == seq + 1
    gap = f"expected seq {seq} after {seq - 1}, found {seq + 1}"
    link = f"prev_hash does not match the hash of seq {seq - 1}"
    assert {"seq": seq + 1, "kind": "gap", "detail": gap} in report["problems"]
    assert {"seq": seq + 1, "kind": "hash", "detail": link} in report["problems"]
    assert_reported_in_text(run_ledger, db, report["problems"][0])
    # audit shows the damaged log and exits 3 too (README, "Exit codes").
    audit = run_ledger("audit", "--json", db=db)
    assert audit.returncode == 3
    assert [row["seq"] for row in json.loads(audit.stdout)] == [
        s for s in range(1, EVENTS + 1) if s != seq
    ]


def test_clean_ledger_and_dropped_triggers_alone_report_no_problem(
    template: Template, run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    # The harness itself (copy, drop the triggers, an UPDATE that changes nothing) must not
    # be what reconcile objects to in the tests above.
    db = _copy(template, tmp_path)
    result, report = reconcile(run_ledger, db)
    assert result.returncode == 0, result.stderr
    assert report == {
        "ok": True,
        "events": EVENTS,
        "head": {"seq": EVENTS, "hash": template.rows[-1]["hash"]},
        "problems": [],
        "warnings": [],
        "documents": 0,
        "known_at": template.rows[-1]["recorded_at"],
    }
    sqlite_shell(
        db, f"{DROP_TRIGGERS} UPDATE events SET amount = amount WHERE seq = {ROWS['middle']};"
    )
    result, report = reconcile(run_ledger, db)
    assert result.returncode == 0, result.stderr
    assert report["ok"] is True and report["problems"] == []
    # dropped guards are worth a warning, but no event was changed
    assert [w.split()[3] for w in report["warnings"]] == [
        "events_no_update", "events_no_delete", "events_append_at_head",
    ]
    text = run_ledger("reconcile", db=db)
    assert text.returncode == 0
    assert text.stdout.startswith(f"OK: {EVENTS} events verified")
    assert "warning: the guard trigger events_no_update is gone" in text.stdout


def test_triggers_refuse_update_and_delete(template: Template, tmp_path: Path) -> None:
    db = _copy(template, tmp_path)
    for sql, message in [
        ("UPDATE events SET amount = amount + 1 WHERE seq = 2;", "UPDATE refused"),
        ("DELETE FROM events WHERE seq = 2;", "DELETE refused"),
        (
            "INSERT INTO events SELECT seq + 100, ref, type, account, amount, balance, date, "
            "recorded_at, details, prev_hash, hash FROM events WHERE seq = 2;",
            "appended at the head",
        ),
    ]:
        result = subprocess.run(
            ["sqlite3", "-bail", str(db), sql], capture_output=True, text=True, timeout=30
        )
        assert result.returncode != 0, sql
        assert message in result.stderr, (sql, result.stderr)
    assert _json_rows(db) == template.rows


# -- tampering that bypasses the types: invalid UTF-8, a table rebuilt without STRICT ----------


TEXT_COLUMNS = ["ref", "type", "account", "date", "recorded_at", "details", "prev_hash", "hash"]


def small_ledger() -> None:
    """seq 1 AccountOpened, 2 deposit 100, 3 deposit 50, 4 check 30 (all checking)."""
    ok("deposit", "100", "--date", "2026-01-01")
    ok("deposit", "50", "--date", "2026-01-02")
    ok("check", "30", "--date", "2026-01-03")


def guard_warning(name: str) -> str:
    return f"the guard trigger {name} is gone: the database no longer refuses edits"


@pytest.mark.parametrize("column", TEXT_COLUMNS)
def test_invalid_utf8_in_a_text_column_is_an_integrity_failure(
    run_ledger: LedgerProcess, ledger_db: Path, column: str
) -> None:
    small_ledger()
    sqlite_shell(
        ledger_db,
        f"{DROP_TRIGGERS} UPDATE events SET {column} = CAST(X'54FF' AS TEXT) WHERE seq = 3;",
    )
    code, out, err = run_ledger.run("reconcile", "--json", errors="surrogateescape")
    assert code == 3, (out, err)
    assert one_line_error(err).startswith("ledger: the log is broken at seq 3 (hash): ")
    report = json.loads(out)
    assert report["ok"] is False
    assert report["problems"][0]["seq"] == 3
    assert report["problems"][0]["kind"] == "hash"
    assert all(problem["seq"] >= 3 for problem in report["problems"])
    assert report["warnings"] == [guard_warning(name) for name in GUARD_TRIGGERS]

    code, out, err = run_ledger.run("reconcile", errors="surrogateescape")
    assert code == 3, (out, err)
    assert out.startswith("BROKEN: ")
    assert one_line_error(err).startswith("ledger: the log is broken at seq 3 (hash): ")

    code, out, err = run_ledger.run("audit", errors="surrogateescape")
    assert code == 3, (out, err)
    assert one_line_error(err).startswith("ledger: the log is broken at seq 3 (hash): ")


@pytest.mark.parametrize(
    ("column", "args"),
    [
        ("type", ("reconcile", "--json")),
        ("account", ("reconcile",)),
        ("ref", ("audit",)),
        ("ref", ("audit", "--json")),
    ],
)
def test_invalid_utf8_tamper_is_exit_3_with_a_strict_utf8_stdout(
    run_ledger: LedgerProcess, ledger_db: Path, column: str, args: tuple[str, ...]
) -> None:
    small_ledger()
    sqlite_shell(
        ledger_db,
        f"{DROP_TRIGGERS} UPDATE events SET {column} = CAST(X'54FF' AS TEXT) WHERE seq = 3;",
    )
    code, out, err = run_ledger.run(
        *args, env={"PYTHONIOENCODING": "utf-8"}, errors="surrogateescape"
    )
    assert code == 3, (out, err)
    assert one_line_error(err).startswith("ledger: the log is broken at seq 3 (hash): ")


@pytest.mark.parametrize(
    ("columns", "value"),
    [
        # no declared types: '3000' stays TEXT
        ("seq INTEGER PRIMARY KEY, ref, type, account, amount, balance, date, recorded_at, "
         "details, prev_hash, hash", "'3000'"),
        # the same declared types, without STRICT: text that is not a number stays TEXT
        ("seq INTEGER PRIMARY KEY, ref TEXT NOT NULL, type TEXT NOT NULL, account TEXT NOT NULL, "
         "amount INTEGER NOT NULL, balance INTEGER NOT NULL, date TEXT NOT NULL, "
         "recorded_at TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, "
         "hash TEXT NOT NULL", "'3,000'"),
    ],
    ids=["untyped", "typed"],
)
def test_a_table_rebuilt_without_strict_is_an_integrity_failure(
    run_ledger: LedgerProcess, ledger_db: Path, columns: str, value: str
) -> None:
    small_ledger()
    sqlite_shell(
        ledger_db,
        f"CREATE TABLE events2 ({columns}); INSERT INTO events2 SELECT * FROM events; "
        "DROP TABLE events; ALTER TABLE events2 RENAME TO events; "
        f"UPDATE events SET amount = {value} WHERE seq = 2;",
    )
    stored = sqlite_shell(ledger_db, "SELECT typeof(amount) FROM events WHERE seq = 2;")
    assert stored.strip() == "text"

    code, out, err = run_ledger.run("reconcile", "--json", errors="surrogateescape")
    assert code == 3, (out, err)
    assert one_line_error(err) == (
        "ledger: the log is broken at seq 0 (schema): the events table is no longer STRICT"
    )
    problems = json.loads(out)["problems"]
    assert problems[0] == {
        "seq": 0,
        "kind": "schema",
        "detail": "the events table is no longer STRICT",
    }
    assert problems[1] == {
        "seq": 2,
        "kind": "format",
        "detail": "stored values of the wrong type: amount",
    }

    refusal = (
        f"ledger: {ledger_db}: the events table was rebuilt without its STRICT types; "
        "run `ledger reconcile`"
    )
    for args in (
        ("balance",),
        ("balance", "--all", "--json"),
        ("history",),
        ("history", "--csv"),
        ("digest",),
        ("deposit", "1"),
    ):
        code, out, err = run_ledger.run(*args, errors="surrogateescape")
        assert code == 3, (args, out, err)
        assert one_line_error(err) == refusal, args
        assert out == "", args
    code, out, err = run_ledger.run("audit", errors="surrogateescape")
    assert code == 3, (out, err)
    assert "Traceback" not in err


# -- dropped triggers alone --------------------------------------------------------------------


def test_dropped_triggers_alone_reconcile_with_warnings(
    ledger_db: Path, run_ledger: LedgerProcess
) -> None:
    small_ledger()
    sqlite_shell(ledger_db, DROP_TRIGGERS)
    result = run_ledger("reconcile", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["events"] == 4
    assert report["problems"] == []
    assert report["warnings"] == [guard_warning(name) for name in GUARD_TRIGGERS]
    for name in GUARD_TRIGGERS:
        assert name in " ".join(report["warnings"])

    text = run_ledger("reconcile")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("OK: 4 events verified")
    assert lines[1:] == [f"warning: {guard_warning(name)}" for name in GUARD_TRIGGERS]
    assert run_ledger("balance").stdout == "checking: 120.00 USD\n"


# -- a balance chain rewritten from a start other than zero, hashes recomputed ------------------


def _shift_balances(db: Path, shift: int) -> None:
    """Rewrite every balance by `shift` and recompute the whole hash chain from genesis, as an
    editor with the sqlite3 shell could; the guard trigger is put back afterwards."""
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER events_no_update")
    rows = conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq").fetchall()
    prev = GENESIS
    for values in rows:
        row = list(values)
        row[5] += shift
        row[9] = prev
        row[10] = link_hash(prev, row)
        conn.execute(
            "UPDATE events SET balance = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (row[5], row[9], row[10], row[0]),
        )
        prev = row[10]
    conn.execute(schema.EVENTS_GUARDS[0])
    conn.commit()
    conn.close()


def test_reconcile_rejects_a_balance_chain_that_does_not_start_at_zero(
    run_ledger: LedgerProcess, ledger_db: Path
) -> None:
    run_ledger("deposit", "100", "--date", "2026-01-01", check=True)
    run_ledger("deposit", "50", "--date", "2026-01-02", check=True)
    _shift_balances(ledger_db, 1_000_000)  # AccountOpened: amount 0, balance 10,000.00
    result = run_ledger("reconcile")
    # The Python verifier says: seq 1, balance 1000000 is not 0 plus the amount 0.
    assert result.returncode == 3, result.stdout
    assert "seq 1" in result.stderr
