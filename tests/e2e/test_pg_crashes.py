"""Writers killed at random moments, and the server taken away in the middle of a run, on a
ledger on PostgreSQL (README, "What is guaranteed with several writers": all or nothing).

SIGKILL (test_crash_safety.py's runs and checks, at moments drawn from random.Random(SEED)):
`ledger deposit` and `ledger transfer` killed cold, around start-up and around the write, the
very first write into an empty database among them; one command in a warmed-up driver killed
0-150 ms after "go"; loops of commands killed mid-way (in-process, or as `ledger` children
killed one by one); and `ledger import` of a long file killed at 0.2 to 1.4 times the measured
duration of that import (and once at 2 to 3 times, after it answered). After each run:
`reconcile` passes (or, when the first write was killed before it committed, queries say there
is no ledger and the database holds no table), every acknowledged command is in `audit` with
the events it reported, no transaction is partial (an import is all of its rows or none), and
the ledger takes the next write.

The server restarted (a fast shutdown and a start) and, in another run, stopped as if it crashed
(`immediate`) and started again, while a driver appends deposits and transfers, each with an
idempotency key: every acknowledged write survives; a failed one left nothing, unless its
connection broke during the commit itself, which the README says a client cannot tell, and then
its retry under the same key reports it as already recorded; a retry of the others records them;
the balances are the sums of what landed, transfers are whole, `reconcile` passes. And in a
process that runs several commands, the next one after a restart works.

Each run has a database of its own, a copy (CREATE DATABASE ... TEMPLATE) of one base ledger.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import test_crash_safety as crash
from conftest import LedgerProcess, cli, ledger_executable, one_line_error
from pgserver import PgServer

from ledger_cli.store.url import DatabaseUrl, without_password

SEED = 20260502
IMPORT_ROWS = 12_000
USER_TABLES = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _specs() -> list[crash.Spec]:
    """The runs on PostgreSQL: a share of the file's, and imports."""
    rng = random.Random(SEED)
    specs: list[crash.Spec] = []
    deposit = ("deposit", "25.50", "--date", "2026-03-05")
    first = ("deposit", "10", "--date", "2026-03-05")
    transfer = ("transfer", "12.34", "--from", "checking", "--to", "savings", "--date",
                "2026-03-05")
    back = ("transfer", "7.77", "--from", "savings", "--to", "checking", "--date", "2026-03-05")

    def add(name: str, kind: str, command: tuple[str, ...], fresh: bool, timing: str,
            count: int, draws: int = 1) -> None:
        for i in range(count):
            specs.append(
                crash.Spec(f"{name}-{i}", kind, command, fresh, timing,
                           tuple(rng.random() for _ in range(draws)), len(specs))
            )

    add("cold-first-deposit-write", "cold", first, True, "write", 3)
    add("cold-deposit-startup", "cold", deposit, False, "startup", 1)
    add("cold-deposit-write", "cold", deposit, False, "write", 3)
    add("cold-transfer-write", "cold", transfer, False, "write", 4)
    add("warm-transfer", "warm", back, False, "warm", 3)
    add("warm-transfer-early", "warm", back, False, "warm-early", 2)
    add("warm-first-deposit", "warm", first, True, "warm-early", 2)
    add("batch", "batch", (), False, "batch", 3)
    add("children", "children", (), False, "children", 2, draws=5)
    add("import", "import", ("import",), False, "import", 4)
    add("import-late", "import", ("import",), False, "import-late", 1)
    return specs


SPECS = _specs()


@dataclass
class PgRuns:
    base_rows: list[dict[str, Any]]
    outcomes: dict[str, crash.Outcome]
    imported: dict[str, dict[str, Any]]  # the answer of each import that printed one
    import_seconds: float


def _clone(server: PgServer, template: str, name: str) -> None:
    """A new database `name`, a copy of `template` (which nobody may be connected to)."""
    for attempt in range(20):
        try:
            server.psql("postgres", f"CREATE DATABASE {_ident(name)} TEMPLATE {_ident(template)}")
            return
        except Exception as error:  # the template's last session may still be closing
            if "being accessed by other users" not in str(error) or attempt == 19:
                raise
            time.sleep(0.1)


def _timed(url: str, *args: str) -> float:
    """The wall time of one whole `ledger` write on `url` (the best of two)."""
    times = []
    for _ in range(2):
        started = time.monotonic()
        done = subprocess.run(
            [ledger_executable(), "--db", url, *args, "--json"],
            capture_output=True, text=True, env=crash.environment(), timeout=60,
        )
        times.append(time.monotonic() - started)
        assert done.returncode == 0, done.stderr
    return min(times)


def _write_import(path: Path) -> None:
    """IMPORT_ROWS deposits of 1.00 to 1.99 into checking, memos imp0, imp1, ..."""
    lines = ["date,type,amount,memo"]
    lines += [f"2026-03-05,deposit,1.{k % 100:02d},imp{k}" for k in range(IMPORT_ROWS)]
    path.write_text("\n".join(lines) + "\n")


def _run_import(url: str, csv: Path, outcome: crash.Outcome, wait: float) -> dict[str, Any] | None:
    """`ledger import` of the long file, killed `wait` seconds after Popen; its --json answer,
    if it printed one whole (acknowledged, even if killed right after)."""
    proc = subprocess.Popen(
        [ledger_executable(), "--db", url, "import", str(csv), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=crash.environment(),
    )
    time.sleep(wait)
    outcome.killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    try:
        answer: dict[str, Any] = json.loads(out)
    except ValueError:
        assert proc.returncode != 0, (out, err)
        return None
    assert answer["imported"] == IMPORT_ROWS, answer
    return answer


def _run(
    spec: crash.Spec, url: str, script: Path, csv: Path, scratch: str,
    calibration: crash.Calibration, import_seconds: float,
) -> tuple[crash.Outcome, dict[str, Any] | None]:
    outcome = crash.Outcome(url)
    imported = None
    try:
        if spec.kind == "import":
            # around the import's measured time; "late": well after (acknowledged, most likely)
            start, span = (0.2, 1.2) if spec.timing == "import" else (2.0, 1.0)
            wait = import_seconds * (start + span * spec.draws[0])
            imported = _run_import(url, csv, outcome, wait)
        else:
            crash.run_spec(
                spec, url, outcome, script, crash.delays(spec, calibration), scratch=scratch
            )
    except BaseException as error:  # reported by the run's own test
        outcome.error = error
    return outcome, imported


@pytest.fixture(scope="module")
def pg_runs(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgRuns]:
    folder = tmp_path_factory.mktemp("pg-crash")
    created: list[str] = []

    def database(name: str | None = None, template: str | None = None) -> str:
        if template is None:
            made = pg_server.create_database("ledger_crash")
        else:
            assert name is not None
            _clone(pg_server, template, name)
            made = name
        created.append(made)
        return made

    try:
        base = database()
        crash.build_base(DatabaseUrl(pg_server.url(base)))
        code, out, err = cli("--db", pg_server.url(base), "audit", "--json")
        assert code == 0, err
        # a template takes no sessions, and this process may keep one for its next command
        pg_server.psql(
            "postgres",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [base],
        )
        script = folder / "driver.py"
        script.write_text(crash.DRIVER)
        csv = folder / "long.csv"
        _write_import(csv)
        scratch = pg_server.url(database())
        timing = pg_server.url(database(f"{base}_timing", base))
        calibration = crash.Calibration(
            deposit=_timed(timing, "deposit", "1"),
            transfer=_timed(timing, "transfer", "1", "--from", "checking", "--to", "savings"),
        )
        import_seconds = _timed(timing, "import", str(csv))

        def run(spec: crash.Spec) -> tuple[crash.Outcome, dict[str, Any] | None]:
            name = database() if spec.fresh else database(f"{base}_{spec.index:02d}", base)
            return _run(
                spec, pg_server.url(name), script, csv, scratch, calibration, import_seconds
            )

        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {spec.name: pool.submit(run, spec) for spec in SPECS}
            done = {name: future.result() for name, future in futures.items()}
        yield PgRuns(
            json.loads(out),
            {name: outcome for name, (outcome, _) in done.items()},
            {name: answer for name, (_, answer) in done.items() if answer is not None},
            import_seconds,
        )
    finally:
        pg_server.ensure_running()
        for name in created:
            pg_server.drop_database(name)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_a_killed_writer_leaves_every_acknowledged_write_and_no_partial_one_on_pg(
    pg_runs: PgRuns, pg_server: PgServer, spec: crash.Spec
) -> None:
    outcome = pg_runs.outcomes[spec.name]
    if outcome.error is not None:
        raise outcome.error
    url = str(outcome.db)

    def no_table_left() -> None:
        assert pg_server.psql(dbname(url), USER_TABLES) == [(0,)]

    if spec.kind == "import":
        # what the import left, before check_outcome's own deposit
        code, out, err = cli("--db", url, "audit", "--json")
        assert code == 0, err
        rows = json.loads(out)[len(pg_runs.base_rows):]
        assert len(rows) in (0, IMPORT_ROWS), len(rows)  # all of its rows, or none
        if spec.name in pg_runs.imported:  # acknowledged: all there
            assert len(rows) == IMPORT_ROWS
        if rows:
            assert [row["memo"] for row in rows] == [f"imp{k}" for k in range(IMPORT_ROWS)]
            assert len({row["recorded_at"] for row in rows}) == 1
            assert sum(Decimal(row["amount"]) for row in rows) == sum(
                Decimal(f"1.{k % 100:02d}") for k in range(IMPORT_ROWS)
            )
    crash.check_outcome(spec, outcome, pg_runs.base_rows, without_password(url), no_table_left)


def test_the_kills_on_pg_landed_at_varied_moments(pg_runs: PgRuns) -> None:
    """The runs are only worth something if the kills hit writers that were still running,
    some before and some after they acknowledged anything."""
    outcomes = {s.name: pg_runs.outcomes[s.name] for s in SPECS}
    assert all(o.error is None for o in outcomes.values())
    assert sum(o.killed for o in outcomes.values()) >= len(SPECS) // 2
    assert sum(o.killed_children for o in outcomes.values()) >= 2
    batches = [outcomes[s.name] for s in SPECS if s.kind in ("batch", "children")]
    assert sum(len(o.acks) for o in batches) >= 20
    singles = [outcomes[s.name] for s in SPECS if s.kind in ("cold", "warm")]
    assert any(not o.acks for o in singles)
    assert any(o.acks for o in singles)
    imports = [outcomes[s.name] for s in SPECS if s.kind == "import"]
    assert any(o.killed for o in imports)
    assert pg_runs.imported  # and at least one finished before its kill
    assert pg_runs.import_seconds > 0.5  # long enough for a kill to land inside it


# -- the server taken away in the middle of a run of writes -----------------------------------

# A driver: appends deposits into checking (1.00-99.99) and transfers from checking to savings
# (1.00-29.99: at that mix they do not overdraw 550.00), each with the key r{i} and the memo
# r{i}, one JSON line per command, until the file named by its second argument exists; it
# pauses 20 ms after a failure.
RESTART_DRIVER = r'''
import json
import os
import random
import sys
import time
import traceback

from typer.testing import CliRunner

from ledger_cli.cli.app import app

db, stop, seed = sys.argv[1:4]
rng = random.Random(int(seed))
runner = CliRunner()
print("ready", flush=True)
sys.stdin.readline()
i = 0
while not os.path.exists(stop):
    if rng.random() < 0.6:
        cents = rng.randint(100, 9999)
        args = ["deposit", f"{cents // 100}.{cents % 100:02d}"]
    else:
        cents = rng.randint(100, 2999)
        args = ["transfer", f"{cents // 100}.{cents % 100:02d}", "--from", "checking", "--to",
                "savings"]
    args += ["-m", f"r{i}", "--date", "2026-03-05", "--id", f"r{i}", "--json"]
    result = runner.invoke(app, ["--db", db, *args])
    err = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        err += "Traceback (in-process):\n" + "".join(traceback.format_exception(result.exception))
    print(json.dumps({"i": i, "args": args, "code": result.exit_code, "out": result.stdout,
                      "err": err}), flush=True)
    if result.exit_code != 0:
        time.sleep(0.02)
    i += 1
print("done", flush=True)
'''


# What psycopg logs when the connection breaks while a write saves its read models (sent to
# the server as one psycopg pipeline), e.g. "error ignored terminating <psycopg.Pipeline [BAD]
# at 0x7f42b9c7e690>: the connection is lost": it must never reach stderr beside the one-line
# error (test_a_write_whose_session_is_ended_fails_in_one_line).
PIPELINE_WARNING = re.compile(
    r"^error ignored terminating <psycopg\.Pipeline \[BAD\] at 0x[0-9a-f]+>: [^\n]*\n"
    r"(?:\t[^\n]*\n)*",
    re.MULTILINE,
)


def _wait_for_acks(reader: crash.Reader, count: int, timeout: float = 60) -> None:
    """Until `count` more commands than now have succeeded."""
    def acks() -> int:
        return sum(line.startswith('{"i"') and '"code": 0' in line for line in reader.lines)

    with reader.cond:
        target = acks() + count
        assert reader.cond.wait_for(lambda: acks() >= target, timeout=timeout), reader.lines[-3:]


@pytest.mark.parametrize("how", ["restart", "immediate"])
def test_a_server_restart_in_the_middle_of_writes_loses_no_acknowledged_one(
    pg_server: PgServer, pg_url: str, tmp_path: Path, how: str
) -> None:
    """The server restarted (`restart`: a fast shutdown) or crashed and started again
    (`immediate`), twice, while a driver writes: see the module's docstring."""
    if not pg_server.controllable:
        pytest.skip("needs the suite's own server, not the external one LEDGER_TEST_PG_ADMIN names")
    crash.build_base(DatabaseUrl(pg_url))  # checking 550.00, savings 400.00
    base = {"checking": Decimal("550.00"), "savings": Decimal("400.00")}
    script = tmp_path / "restart-driver.py"
    script.write_text(RESTART_DRIVER)
    stop = tmp_path / "stop"
    proc = subprocess.Popen(
        [sys.executable, str(script), pg_url, str(stop), str(SEED)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=crash.environment(), start_new_session=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        reader = crash.Reader(proc.stdout)
        assert reader.ready.wait(timeout=60), "the driver did not start"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        for _ in range(2):  # the server goes away twice, while the driver writes
            _wait_for_acks(reader, 15)
            if how == "restart":
                pg_server.restart()
            else:
                pg_server.stop("immediate")  # as if it crashed: no shutdown checkpoint
                time.sleep(0.3)
                pg_server.start()
        _wait_for_acks(reader, 15)
        stop.touch()
        proc.wait(timeout=60)  # (its stdout is the reader's)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        pg_server.ensure_running()
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert proc.returncode == 0 and err == "", err
    reader.join()
    assert reader.lines[-1] == "done"
    records = [json.loads(line) for line in reader.lines if line.startswith('{"i"')]

    # every command succeeded, or failed in one line, exit 4, naming the ledger without
    # its password
    shown = without_password(pg_url)
    password = urlsplit(pg_url).password
    assert password
    failed: list[dict[str, Any]] = []
    acks: dict[int, dict[str, Any]] = {}
    pipeline_warnings = 0
    for record in records:
        assert "Traceback" not in record["err"], record
        assert password not in record["err"] + record["out"], record
        if record["code"] == 0:
            acks[record["i"]] = json.loads(record["out"])
            continue
        assert record["code"] == 4, record
        assert record["out"] == ""
        err, warned = PIPELINE_WARNING.subn("", record["err"])
        pipeline_warnings += warned
        line = one_line_error(err, 4)
        assert line.startswith(f"ledger: {shown}"), line
        failed.append(record)
    assert len(failed) >= 2, "the server was never seen to be away"
    assert pipeline_warnings == 0, pipeline_warnings
    assert len(acks) >= 45

    pg = LedgerProcess(pg_url)  # the checks: the installed `ledger`, a process of its own
    rows = pg.ok_json("audit")
    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    by_memo: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_memo[str(row["memo"])].append(row)
    # every acknowledged write is there, whole, with the events it reported
    for i, answer in acks.items():
        found = by_memo[f"r{i}"]
        assert [(r["seq"], r["ref"], r["type"], r["amount"], r["balance"]) for r in found] == [
            (e["seq"], answer["ref"], e["type"], e["amount"], e["balance"])
            for e in answer["events"]
        ], (i, answer)
    # A failed write left nothing, unless its connection broke during the commit itself, the
    # one moment a client cannot tell. The retry under its key gives the first outcome either
    # way: retried, each write that broke a connection and a few that could not connect.
    landed = dict(acks)
    unsure = []
    broken = [r for r in failed if "cannot connect" not in r["err"]]
    refused = [r for r in failed if "cannot connect" in r["err"]]
    for record in failed:
        found = by_memo.get(f"r{record['i']}", [])
        if found:
            assert record in broken, record  # one that could not connect began nothing
            unsure.append(record)
    assert len(unsure) <= 2, unsure
    for record in broken + refused[:: max(1, len(refused) // 4)]:
        found = by_memo.get(f"r{record['i']}", [])
        retry = pg(*record["args"])
        assert retry.returncode == 0, (record, retry.stderr)
        answer = json.loads(retry.stdout)
        assert ("already recorded" in retry.stderr) == bool(found), (record, retry.stderr)
        if found:
            assert [r["seq"] for r in found] == [e["seq"] for e in answer["events"]]
        landed[record["i"]] = answer

    rows = pg.ok_json("audit")
    by_ref: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_ref[row["ref"]].append(row)
    assert len(rows) == 6 + sum(len(answer["events"]) for answer in landed.values())
    expected = dict(base)
    for answer in landed.values():
        events = by_ref[answer["ref"]]
        types = Counter(e["type"] for e in events)
        assert types in ({"FundsDeposited": 1}, {"TransferSent": 1, "TransferReceived": 1})
        for event in events:
            expected[event["account"]] += Decimal(event["amount"])
    balances = pg.ok_json("balance", "--all")
    assert {b["account"]: Decimal(b["balance"]) for b in balances} == expected

    report = pg.ok_json("reconcile")
    assert report["ok"] is True and report["problems"] == [] and report["warnings"] == []
    assert pg.ok_json("deposit", "1")["events"][0]["seq"] == len(rows) + 1


def test_the_next_command_in_a_process_after_a_server_restart_works(
    pg_server: PgServer, pg_url: str
) -> None:
    """README: "the next command works once the server is back", also in a process that runs
    several (as the drivers above do, or a long-running `ledger serve`)."""
    if not pg_server.controllable:
        pytest.skip("needs the suite's own server, not the external one LEDGER_TEST_PG_ADMIN names")
    assert _ok("--db", pg_url, "deposit", "10", "--json")
    pg_server.restart()
    code, out, err = cli("--db", pg_url, "balance", "--json")
    assert code == 0, err
    assert json.loads(out)["balance"] == "10.00"


def test_a_write_whose_session_is_ended_fails_in_one_line(
    pg_server: PgServer, pg_url: str, tmp_path: Path
) -> None:
    """A write whose session the server ends while it is in flight (as an administrator's
    pg_terminate_backend, or a restart, does): exit 4 and one line on stderr (README,
    "Errors"); every acknowledged write is there and the ledger reconciles."""
    crash.build_base(DatabaseUrl(pg_url))
    script = tmp_path / "restart-driver.py"
    script.write_text(RESTART_DRIVER)
    stop = tmp_path / "stop"
    proc = subprocess.Popen(
        [sys.executable, str(script), pg_url, str(stop), str(SEED + 1)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=crash.environment(), start_new_session=True,
    )
    kills = 0
    try:
        assert proc.stdout is not None and proc.stdin is not None
        reader = crash.Reader(proc.stdout)
        if not reader.ready.wait(timeout=60):
            raise RuntimeError("the driver did not start")
        proc.stdin.write("go\n")
        proc.stdin.flush()
        # end each session of the driver's that waits inside a write transaction, after its
        # append (the statement before the read models are saved), until a failure shows
        # more than one line (or enough of them did not)
        until = time.monotonic() + 8
        with pg_server.connect(dbname(pg_url)) as conn:
            while kills < 150 and time.monotonic() < until:
                kills += len(conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                    "application_name = 'ledger' AND state = 'idle in transaction' "
                    "AND query LIKE 'RELEASE SAVEPOINT%'"
                ).fetchall())
                with reader.cond:
                    if any('"code": 4' in line and "\\n{" in line for line in reader.lines):
                        break
        stop.touch()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join()
    records = [json.loads(line) for line in reader.lines if line.startswith('{"i"')]
    failed = [r for r in records if r["code"] != 0]
    if not failed:  # not a finding: the run did not do what it is for
        raise RuntimeError(f"no write failed: {kills} sessions ended")
    shown = without_password(pg_url)
    for record in failed:
        assert record["code"] == 4, record
        assert record["out"] == ""
        assert one_line_error(record["err"], 4).startswith(f"ledger: {shown}"), record["err"]
    pg = LedgerProcess(pg_url)
    rows = {row["seq"]: row for row in pg.ok_json("audit")}
    for record in records:
        if record["code"] == 0:
            for event in json.loads(record["out"])["events"]:
                assert rows[event["seq"]]["amount"] == event["amount"]
    assert pg.ok_json("reconcile")["ok"] is True


def _ok(*args: str) -> str:
    code, out, err = cli(*args)
    assert code == 0, (args, err)
    return out
