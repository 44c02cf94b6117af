"""Many processes writing one ledger at once (README, "Trust": concurrent writers serialise):
each command is one BEGIN IMMEDIATE transaction that reads the head and appends, so concurrent
writers serialise, the chain stays gapless, every acknowledged command is in the log, and two
debits that each fit cannot together overdraw.

Eight driver processes (the venv's python running DRIVER) start together, from an empty file,
and each runs 100 commands in a row: deposits, checks and withdrawals, some of which overdraw
and are denied. Every tenth command is a real `ledger` subprocess; the others are run by the
driver in its own process through typer's CliRunner (each command opens its own connection, as
a process does), which keeps 800 commands within the time of a test on two cores.

The drivers and the checks take a ledger file or a PostgreSQL URL (`Where`):
test_pg_concurrency.py runs the same on a server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import LedgerProcess, ledger_env, ledger_executable, one_line_error

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit

WORKERS = 8
COMMANDS = 100
SUBPROCESS_EVERY = 10

Where = Path | str  # a ledger file, or a postgresql:// URL: the drivers pass either as --db

# A driver: imports the tool, says "ready", waits for "go" on stdin, then runs its commands
# one after the other and prints one JSON line per command: its args, exit code, stdout,
# stderr and whether it ran as a `ledger` subprocess or in-process.
DRIVER = r'''
import json
import random
import subprocess
import sys
import traceback

from typer.testing import CliRunner

from ledger_cli.cli.app import app

db, worker, count, every, exe, mode = sys.argv[1:7]
worker, count, every = int(worker), int(count), int(every)
rng = random.Random(7000 + worker)
runner = CliRunner()


def command(i):
    if mode != "mix":
        return mode.split()
    roll = rng.random()
    cents = rng.randint(100, 30000)
    amount = f"{cents // 100}.{cents % 100:02d}"
    if roll < 0.45:
        return ["deposit", amount, "--payee", f"worker {worker}", "--date", "2026-03-01"]
    if roll < 0.75:
        return ["check", amount, "--payee", f"w{worker}-{i}", "--date", "2026-03-01"]
    return ["withdraw", amount, "-m", f"w{worker}-{i}", "--date", "2026-03-01"]


print("ready", flush=True)
assert sys.stdin.readline().strip() == "go"
for i in range(count):
    args = [*command(i), "--json"]
    if every and i % every == 0:
        done = subprocess.run(
            [exe, "--db", db, *args], capture_output=True, text=True, timeout=600
        )
        code, out, err, via = done.returncode, done.stdout, done.stderr, "process"
    else:
        result = runner.invoke(app, ["--db", db, *args])
        code, out, err, via = result.exit_code, result.stdout, result.stderr, "in-process"
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            err += "Traceback (in-process):\n" + "".join(
                traceback.format_exception(result.exception)
            )
    record = {"worker": worker, "i": i, "args": args, "code": code, "out": out, "err": err,
              "via": via}
    print(json.dumps(record), flush=True)
'''


@dataclass
class Record:
    worker: int
    i: int
    args: list[str]
    code: int
    out: str
    err: str
    via: str


def run_drivers(
    tmp_path: Path, db: Where, modes: list[str], count: int, every: int
) -> list[Record]:
    """Start one driver per mode, release them together, and collect every record."""
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(db), str(worker), str(count), str(every),
             ledger_executable(), mode],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=ledger_env(db, LEDGER_BUSY_TIMEOUT="60"),
        )
        for worker, mode in enumerate(modes)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline() == "ready\n", proc.stderr
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        records: list[Record] = []
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err
            assert err == "", err
            records += [Record(**json.loads(line)) for line in out.splitlines()]
        return records
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def ledger(db: Where, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `ledger` on `db`, waiting for writers as long as the drivers do."""
    return LedgerProcess(db)(*args, env={"LEDGER_BUSY_TIMEOUT": "60"}, timeout=120)


def audit(db: Where) -> list[dict[str, Any]]:
    result = ledger(db, "audit", "--json")
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def assert_clean(records: list[Record]) -> None:
    for record in records:
        context = (record.args, record.code, record.out, record.err)
        assert "Traceback" not in record.err, context
        assert "database is locked" not in record.err, context
        assert "locked" not in record.err, context
        assert record.code in (0, 1), context
        if record.code == 1:
            # the only denial these commands can meet (under --json, one JSON object)
            assert record.err.startswith("{"), context
            line = one_line_error(record.err, 1)
            assert line.startswith("ledger: insufficient funds in checking"), context
            assert record.out == "", context
        else:
            assert record.err == "", context


def test_eight_processes_of_a_hundred_commands_serialise_into_one_gapless_chain(
    tmp_path: Path,
) -> None:
    db = tmp_path / "shared.db"  # no file yet: the first writes race to create it
    records = run_drivers(tmp_path, db, ["mix"] * WORKERS, COMMANDS, SUBPROCESS_EVERY)
    check_serialised(db, records)


def check_serialised(db: Where, records: list[Record]) -> None:
    """What eight drivers of `COMMANDS` mixed commands, from no ledger, must leave: every
    command answered cleanly, one gapless chain of what reported success, and nothing else."""
    assert len(records) == WORKERS * COMMANDS
    assert Counter(r.via for r in records) == {
        "process": WORKERS * COMMANDS // SUBPROCESS_EVERY,
        "in-process": WORKERS * COMMANDS * (SUBPROCESS_EVERY - 1) // SUBPROCESS_EVERY,
    }
    assert_clean(records)
    codes = Counter(r.code for r in records)
    assert codes[1] >= 5, codes  # some commands overdrew and were denied
    assert codes[0] >= WORKERS * COMMANDS // 2, codes

    successes = [r for r in records if r.code == 0]
    outputs = [json.loads(r.out) for r in successes]
    reported = [event for output in outputs for event in output["events"]]
    expected_total = Decimal(0)
    for record, output in zip(successes, outputs, strict=True):
        money = [e for e in output["events"] if e["type"] != "AccountOpened"]
        assert len(money) == 1, output
        sign = 1 if record.args[0] == "deposit" else -1
        assert Decimal(money[0]["amount"]) == sign * Decimal(record.args[1]), (record, output)
        assert output["balance"] == money[0]["balance"]
        expected_total += Decimal(money[0]["amount"])
    opened = [e for e in reported if e["type"] == "AccountOpened"]
    assert len(opened) == 1  # exactly one command opened checking, whatever the race

    # the final balance is the sum of what succeeded, and nothing else
    balance = ledger(db, "balance", "--json")
    assert balance.returncode == 0, balance.stderr
    assert Decimal(json.loads(balance.stdout)["balance"]) == expected_total

    reconcile = ledger(db, "reconcile", "--json")
    assert reconcile.returncode == 0, (reconcile.stdout, reconcile.stderr)
    assert json.loads(reconcile.stdout)["problems"] == []

    rows = audit(db)
    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    assert len(rows) == len(successes) + 1  # +1: checking's AccountOpened
    # every acknowledged event is in the log at the seq it was told, with its balance
    by_seq = {row["seq"]: row for row in rows}
    assert sorted(e["seq"] for e in reported) == list(by_seq)
    for event in reported:
        row = by_seq[event["seq"]]
        assert (row["type"], row["amount"], row["balance"]) == (
            event["type"], event["amount"], event["balance"]
        )
    refs = [output["ref"] for output in outputs]
    assert len(set(refs)) == len(refs)
    assert set(refs) == {row["ref"] for row in rows}
    # the overdraft limit (0) held under contention, and check numbers stayed unique
    assert all(Decimal(row["balance"]) >= 0 for row in rows)
    numbers = [row["number"] for row in rows if row["type"] == "CheckWritten"]
    assert len(numbers) == len(set(numbers))
    assert len(numbers) == sum(r.args[0] == "check" for r in successes)


@pytest.mark.parametrize(
    ("amount", "parties", "landed", "via"),
    [("60", 2, 1, "in-process"), ("60", 2, 1, "process"), ("40", 3, 2, "in-process"),
     ("40", 3, 2, "process")],
    ids=["2x60-in-process", "2x60-processes", "3x40-in-process", "3x40-processes"],
)
def test_debits_that_each_fit_but_together_overdraw_cannot_all_land(
    tmp_path: Path, amount: str, parties: int, landed: int, via: str
) -> None:
    """Balance 100; `parties` checks of `amount` start at once; only `landed` may land."""
    db = tmp_path / "race.db"
    race_checks(tmp_path, db, Ledger(db), amount, parties, landed, via)


def race_checks(
    tmp_path: Path, db: Where, service: Ledger, amount: str, parties: int, landed: int, via: str
) -> None:
    """Three rounds of `parties` checks of `amount` started at once on a balance of 100 (the
    ledger at `db`, which `service` writes to): exactly `landed` land each time."""
    service.execute(Deposit("100", date(2026, 3, 1)))
    every = 1 if via == "process" else 0
    rounds = 3
    for _ in range(rounds):
        records = run_drivers(
            tmp_path, db, [f"check {amount} --date 2026-03-02"] * parties, 1, every
        )
        assert len(records) == parties
        assert {r.via for r in records} == {via}
        assert_clean(records)
        assert sorted(r.code for r in records) == [0] * landed + [1] * (parties - landed), [
            (r.code, r.err) for r in records
        ]
        left = 100 - landed * int(amount)
        assert left >= 0
        balance = ledger(db, "balance", "--json")
        assert json.loads(balance.stdout)["balance"] == f"{left}.00"
        # top up to 100 for the next round
        service.execute(Deposit(str(100 - left), date(2026, 3, 1)))

    rows = audit(db)
    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    checks = [row for row in rows if row["type"] == "CheckWritten"]
    assert len(checks) == rounds * landed
    assert all(Decimal(row["balance"]) >= 0 for row in rows)
    assert ledger(db, "reconcile").returncode == 0
