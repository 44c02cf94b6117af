"""Tampering: edit one stored field of one event with the `sqlite3` shell, bypassing the
append-only triggers, and check that `ledger reconcile` finds it (exit 3, the first failing seq).

A template ledger of a few dozen events is built once per module with the real `ledger`, then
checkpointed so that the main file holds everything; each case copies that one file.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

if shutil.which("sqlite3") is None:
    if os.environ.get("CI"):
        # .ci/run installs the shell: in CI a missing shell is a broken setup, not a skip.
        raise RuntimeError("the sqlite3 command-line shell is missing in CI")
    pytest.skip(
        "the sqlite3 command-line shell is not installed; these tests tamper with it",
        allow_module_level=True,
    )
_SHELL_VERSION = subprocess.run(
    ["sqlite3", "-version"], capture_output=True, text=True, timeout=30
).stdout.split()
if not _SHELL_VERSION or tuple(map(int, _SHELL_VERSION[0].split(".")[:2])) < (3, 37):
    pytest.skip(
        f"the sqlite3 shell {' '.join(_SHELL_VERSION[:1])} predates 3.37, which STRICT tables "
        "(the ledger's schema) and -json output need",
        allow_module_level=True,
    )

Run = Callable[..., subprocess.CompletedProcess[str]]

COLUMNS = "seq ref type account amount balance date recorded_at details prev_hash hash".split()
DROP_TRIGGERS = (
    "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; "
    "DROP TRIGGER events_append_at_head;"
)

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


def sqlite(db: Path, sql: str) -> str:
    """Run SQL with the sqlite3 shell; fail the test on any error."""
    result = subprocess.run(
        ["sqlite3", "-bail", str(db), sql], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, (sql, result.stderr)
    assert result.stderr == "", (sql, result.stderr)
    return result.stdout


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


def literal(value: int | str) -> str:
    """An SQL literal of the same SQL type as `value` (the table is STRICT)."""
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def _template_cache() -> dict[str, Template]:
    return {}


@pytest.fixture
def template(
    _template_cache: dict[str, Template],
    run_ledger: Run,
    tmp_path_factory: pytest.TempPathFactory,
) -> Template:
    """The template ledger, built with `ledger` by the first test that needs it."""
    if "template" not in _template_cache:
        _template_cache["template"] = _build(run_ledger, tmp_path_factory.mktemp("template"))
    return _template_cache["template"]


def _build(run_ledger: Run, folder: Path) -> Template:
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
    sqlite(db, "PRAGMA wal_checkpoint(TRUNCATE);")
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


def _flip_hex(value: str) -> str:
    return value[:-1] + ("1" if value[-1] != "1" else "2")


def _other_ref(row: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """Another transaction's reference: the event moved into a transaction it is not part of."""
    return next(r["ref"] for r in rows if r["ref"] != row["ref"])


def _details(row: dict[str, Any]) -> str:
    details = json.loads(row["details"])
    details["memo"] = details.get("memo", "") + " (edited)"
    return json.dumps(details, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _recorded(row: dict[str, Any]) -> str:
    moment = datetime.strptime(row["recorded_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    return (moment + timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    "prev_hash": lambda row, rows: _flip_hex(row["prev_hash"]),
    "hash": lambda row, rows: _flip_hex(row["hash"]),
}
assert sorted(FORGE) == sorted(COLUMNS)


CONTENTS = "hash does not match the event's contents"


def reconcile(run_ledger: Run, db: Path) -> tuple[subprocess.CompletedProcess[str], Any]:
    result = run_ledger("reconcile", "--json", db=db)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout)


def assert_reported_in_text(run_ledger: Run, db: Path, first: dict[str, Any]) -> None:
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
    template: Template, run_ledger: Run, tmp_path: Path, column: str, where: str
) -> None:
    seq = ROWS[where]
    row = template.rows[seq - 1]
    assert row["seq"] == seq
    new = FORGE[column](row, template.rows)
    assert new != row[column] and type(new) is type(row[column]), (row[column], new)

    db = _copy(template, tmp_path)
    out = sqlite(
        db,
        f"{DROP_TRIGGERS} UPDATE events SET {column} = {literal(new)} WHERE seq = {seq}; "
        "SELECT changes();",
    )
    assert out.strip() == "1"
    tampered_seq = new if column == "seq" else seq
    stored = sqlite(db, f"SELECT {column} FROM events WHERE seq = {tampered_seq};")
    assert stored.strip() == str(new)

    result, report = reconcile(run_ledger, db)
    assert result.returncode == 3, (result.returncode, result.stdout, result.stderr)
    assert report["ok"] is False
    assert report["events"] == EVENTS
    first = report["problems"][0]
    problems = report["problems"]

    if column == "seq":
        # The SPEC promises the first failing seq. reconcile walks the log in seq order and
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
    template: Template, run_ledger: Run, tmp_path: Path
) -> None:
    seq = ROWS["middle"]
    db = _copy(template, tmp_path)
    out = sqlite(db, f"{DROP_TRIGGERS} DELETE FROM events WHERE seq = {seq}; SELECT changes();")
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
    # audit shows the damaged log and exits 3 too (SPEC section 8).
    audit = run_ledger("audit", "--json", db=db)
    assert audit.returncode == 3
    assert [row["seq"] for row in json.loads(audit.stdout)] == [
        s for s in range(1, EVENTS + 1) if s != seq
    ]


def test_clean_ledger_and_dropped_triggers_alone_report_no_problem(
    template: Template, run_ledger: Run, tmp_path: Path
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
    }
    sqlite(db, f"{DROP_TRIGGERS} UPDATE events SET amount = amount WHERE seq = {ROWS['middle']};")
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
