"""Writers killed with SIGKILL at random moments (README, "Trust": crashes lose nothing
acknowledged): a command that reported success is on disk, and a killed process leaves no
partial transaction.

The runs, at moments drawn from random.Random(SEED):

- `cold`: a real `ledger deposit` or `ledger transfer`, on a ledger with a few entries or (for
  some deposits) on a path with no file yet, the very first write; killed 0-150 ms after Popen
  (still in Python's start-up, some 300 ms here) or around its write (0.6 to 2 times the
  measured duration of such a command);
- `warm`: a driver that has already imported the tool and warmed it up runs one command
  in-process when told "go" and is killed 0-150 ms (or 0-50 ms) later: the command takes some
  20-50 ms, so many kills land inside the write itself;
- `batch`: a driver runs many commands in a loop (in-process) and prints each acknowledged ref
  as it gets it; it is killed mid-way;
- `children`: a driver runs many real `ledger` commands in a row and prints each acknowledged
  ref; the test kills individual `ledger` children at random moments, then the whole group.

After each run: `ledger reconcile` exits 0 (or, when the very first write was killed, the file
is absent or empty and queries say there is no ledger, exit 1); every acknowledged ref is in
`audit --json` with the events it reported; each transaction is whole (a transfer has both
legs or neither); the events that were there before are untouched; the ledger takes the next
write. The kills run in a small pool of threads; the checks then run in-process.

The runs and the checks take a ledger file or a PostgreSQL URL (`Where`): test_pg_crashes.py
runs them on a server.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pytest
from conftest import cli, ledger_env, ledger_executable, one_line_error

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit, OpenAccount, Transfer, WriteCheck
from ledger_cli.store.url import Location

SEED = 20260419
SUBPROCESS_CHECK_EVERY = 4  # every fourth run is first reconciled by the installed `ledger`

Where = Path | str  # a ledger file, or a postgresql:// URL: every process gets it as --db

DRIVER = r'''
import json
import random
import subprocess
import sys

from typer.testing import CliRunner

from ledger_cli.cli.app import app

db, mode, count, seed, exe = sys.argv[1:6]
count, seed = int(count), int(seed)
rng = random.Random(seed)
runner = CliRunner()


def command(i):
    roll = rng.random()
    amount = f"{rng.randint(1, 80)}.{rng.randint(0, 99):02d}"
    if roll < 0.35:
        return ["deposit", amount, "-a", rng.choice(["checking", "savings"]), "--payee", f"d{i}"]
    if roll < 0.55:
        return ["transfer", amount, "--from", "checking", "--to", "savings", "-m", f"t{i}"]
    if roll < 0.75:
        return ["transfer", amount, "--from", "savings", "--to", "checking", "-m", f"t{i}"]
    if roll < 0.9:
        return ["check", amount, "--payee", f"c{i}"]
    return ["withdraw", amount, "-m", f"w{i}"]


print("ready", flush=True)
if sys.stdin.readline().strip() != "go":
    sys.exit(2)
for i in range(count):
    args = [*command(i), "--date", "2026-03-05", "--json"]
    if mode == "children":
        child = subprocess.Popen(
            [exe, "--db", db, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        print(f"child {i} {child.pid}", flush=True)
        out, err = child.communicate()
        code = child.returncode
    else:
        result = runner.invoke(app, ["--db", db, *args])
        code, out, err = result.exit_code, result.stdout, result.stderr
    if code == 0:
        print("ok " + json.dumps({"args": args, "answer": json.loads(out)}), flush=True)
    else:
        print("rc " + json.dumps({"args": args, "code": code, "err": err}), flush=True)
print("done", flush=True)
'''


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str  # cold | warm | batch | children
    command: tuple[str, ...]  # cold and warm: the one command
    fresh: bool  # no file before the run
    timing: str  # how the draws become delays (see `delays`)
    draws: tuple[float, ...]  # uniform in [0, 1), from random.Random(SEED)
    index: int


@dataclass(frozen=True)
class Calibration:
    """Wall times of whole `ledger` writes on this machine, measured before the runs."""

    deposit: float
    transfer: float


def delays(spec: Spec, calibration: Calibration) -> tuple[float, ...]:
    """Seconds to wait before each kill.

    - `startup`: from 0 to 0.8 times the measured duration of the same command after Popen;
      a cold `ledger` is then still starting up (a share of its time, since start-up is most
      of a command's time and gets faster).
    - `write`: from 0.6 to 2 times the measured duration of the same command (measured alone;
      the runs share the cores), so that a cold process is killed around its write.
    - `warm`: 0-150 ms after "go" to a driver that has already imported and warmed up the
      tool; the command itself takes some 20-50 ms. `warm-early`: 0-50 ms.
    - `batch`: 0.2-1.5 s into a loop of in-process commands.
    - `children`: each child killed from 0.3 to 1.1 times a write's duration after it was
      started, then the whole group 1-2.5 s after the last of those.
    """
    whole = calibration.transfer if spec.command[:1] == ("transfer",) else calibration.deposit
    match spec.timing:
        case "startup":
            return (whole * 0.8 * spec.draws[0],)
        case "write":
            return (whole * (0.6 + 1.4 * spec.draws[0]),)
        case "warm":
            return (0.15 * spec.draws[0],)
        case "warm-early":
            return (0.05 * spec.draws[0],)
        case "batch":
            return (0.2 + 1.3 * spec.draws[0],)
        case "children":
            children = tuple(calibration.deposit * (0.3 + 0.8 * d) for d in spec.draws[:-1])
            return (*children, 1.0 + 1.5 * spec.draws[-1])
    raise AssertionError(spec.timing)


@dataclass
class Outcome:
    db: Where
    acks: list[dict[str, Any]] = field(default_factory=list)  # the --json answers acknowledged
    failed: list[dict[str, Any]] = field(default_factory=list)  # denied, or a killed child
    killed_children: int = 0
    killed: bool = False  # the writer was still running when it was killed
    process: subprocess.CompletedProcess[str] | None = None  # a subprocess reconcile
    error: BaseException | None = None


def _specs() -> list[Spec]:
    rng = random.Random(SEED)
    specs: list[Spec] = []
    deposit = ("deposit", "25.50", "--date", "2026-03-05")
    first = ("deposit", "10", "--date", "2026-03-05")
    transfer = ("transfer", "12.34", "--from", "checking", "--to", "savings", "--date",
                "2026-03-05")
    back = ("transfer", "7.77", "--from", "savings", "--to", "checking", "--date", "2026-03-05")

    def add(name: str, kind: str, command: tuple[str, ...], fresh: bool, timing: str,
            count: int, draws: int = 1) -> None:
        for i in range(count):
            specs.append(
                Spec(f"{name}-{i}", kind, command, fresh, timing,
                     tuple(rng.random() for _ in range(draws)), len(specs))
            )

    add("cold-first-deposit-startup", "cold", first, True, "startup", 3)
    add("cold-first-deposit-write", "cold", first, True, "write", 5)
    add("cold-deposit-startup", "cold", deposit, False, "startup", 3)
    add("cold-deposit-write", "cold", deposit, False, "write", 5)
    add("cold-transfer-startup", "cold", transfer, False, "startup", 3)
    add("cold-transfer-write", "cold", transfer, False, "write", 7)
    add("warm-transfer", "warm", back, False, "warm", 5)
    add("warm-transfer-early", "warm", back, False, "warm-early", 5)
    add("warm-first-deposit", "warm", first, True, "warm-early", 4)
    add("batch", "batch", (), False, "batch", 8)
    add("children", "children", (), False, "children", 3, draws=5)
    return specs


SPECS = _specs()
assert sum(len(s.draws) for s in SPECS) >= 50  # kills: one per run, five per children run


# -- the runs -----------------------------------------------------------------------------------


def environment() -> dict[str, str]:
    """Every process of a run: waits for writers as long as it takes, on the --db it is given."""
    return ledger_env(LEDGER_BUSY_TIMEOUT="60")


def build_base(path: Location) -> None:
    ledger = Ledger(path)
    ledger.execute(Deposit("1000", date(2026, 3, 1), payee="Salary"))
    ledger.execute(OpenAccount("savings", date(2026, 3, 1)))
    ledger.execute(Transfer("400", date(2026, 3, 2), "checking", "savings"))
    ledger.execute(WriteCheck("50", date(2026, 3, 3), payee="Landlord"))


def _answer(out: str) -> dict[str, Any] | None:
    """The --json answer of a write, if it was printed whole."""
    try:
        answer = json.loads(out)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) and "ref" in answer else None


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run_cold(spec: Spec, db: Where, outcome: Outcome, wait: tuple[float, ...]) -> None:
    proc = subprocess.Popen(
        [ledger_executable(), "--db", str(db), *spec.command, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(),
    )
    time.sleep(wait[0])
    outcome.killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    answer = _answer(out)
    if answer is not None:  # printed whole: acknowledged, even if killed right after
        outcome.acks.append(answer)
    elif proc.returncode == 0:
        pytest.fail(f"exit 0 without an answer: {out!r} {err!r}")
    assert "Traceback" not in err, err


class Reader:
    """Reads a driver's stdout in a thread: whole lines only (a line cut by the kill was never
    acknowledged)."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            if not line.endswith("\n"):
                break  # cut off by the kill: never acknowledged
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
            if line == "ready\n":
                self.ready.set()

    def join(self) -> None:
        self._thread.join(timeout=60)
        assert not self._thread.is_alive()


def _start_driver(spec: Spec, db: Where, count: int, mode: str, script: Path) -> tuple[
    subprocess.Popen[str], Reader
]:
    proc = subprocess.Popen(
        [sys.executable, str(script), str(db), mode, str(count), str(SEED + spec.index),
         ledger_executable()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(), start_new_session=True,
    )
    assert proc.stdout is not None
    reader = Reader(proc.stdout)
    assert reader.ready.wait(timeout=60), "the driver did not start"
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    return proc, reader


def _collect(reader: Reader, outcome: Outcome) -> None:
    for line in reader.lines:
        word, _, rest = line.partition(" ")
        if word == "ok":
            outcome.acks.append(json.loads(rest)["answer"])
        elif word == "rc":
            outcome.failed.append(json.loads(rest))


def _run_warm(
    spec: Spec, db: Where, outcome: Outcome, script: Path, wait: tuple[float, ...],
    scratch: Where | None = None,
) -> None:
    """One command in-process, in a driver that has imported the tool and warmed it up on a
    scratch ledger of its own (a file next to the script unless given: of the same kind as
    `db`), so that after "go" only the command itself runs."""
    wrapper = script.with_name(f"warm-{spec.index}.py")
    if scratch is None:
        scratch = script.with_name(f"warm-{spec.index}-scratch.db")
    wrapper.write_text(
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from ledger_cli.cli.app import app\n"
        "runner = CliRunner()\n"
        f"for warm_up in (['deposit', '5'], ['open', 'savings'], {list(spec.command)!r}):\n"
        f"    runner.invoke(app, ['--db', {str(scratch)!r}, *warm_up, '--json'])\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        f"result = runner.invoke(app, ['--db', sys.argv[1], *{list(spec.command)!r}, '--json'])\n"
        "if result.exit_code == 0:\n"
        "    print('ok ' + json.dumps({'answer': json.loads(result.stdout)}), flush=True)\n"
        "else:\n"
        "    print('rc ' + json.dumps({'code': result.exit_code, 'err': result.stderr}),"
        " flush=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(wrapper), str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=environment(), start_new_session=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    reader = Reader(proc.stdout)
    assert reader.ready.wait(timeout=60), "the driver did not start"
    proc.stdin.write("go\n")
    proc.stdin.flush()
    time.sleep(wait[0])
    outcome.killed = proc.poll() is None
    _kill_group(proc)
    proc.wait(timeout=60)
    reader.join()
    _collect(reader, outcome)


def _run_batch(
    spec: Spec, db: Where, outcome: Outcome, script: Path, wait: tuple[float, ...]
) -> None:
    proc, reader = _start_driver(spec, db, 10_000, "in-process", script)
    time.sleep(wait[0])
    outcome.killed = proc.poll() is None
    _kill_group(proc)
    proc.wait(timeout=60)
    reader.join()
    _collect(reader, outcome)
    assert "done" not in reader.lines  # killed mid-way


def _run_children(
    spec: Spec, db: Where, outcome: Outcome, script: Path, wait: tuple[float, ...]
) -> None:
    proc, reader = _start_driver(spec, db, 10_000, "children", script)
    try:
        for delay in wait[:-1]:
            # wait for the next child to start, then kill it `delay` after it was announced
            with reader.cond:
                seen = len(reader.lines)
                assert reader.cond.wait_for(
                    lambda seen=seen: _last_child(reader.lines, seen) is not None, timeout=60
                ), reader.lines[-3:]
                position = _last_child(reader.lines, seen)
                assert position is not None
                pid = int(reader.lines[position].split()[2])
            time.sleep(delay)
            with reader.cond:
                finished = any(
                    line.startswith(("ok ", "rc ")) for line in reader.lines[position + 1 :]
                )
            if not finished:
                try:
                    os.kill(pid, signal.SIGKILL)
                    outcome.killed_children += 1
                except ProcessLookupError:
                    pass
        time.sleep(wait[-1])
        outcome.killed = proc.poll() is None
    finally:
        _kill_group(proc)
        proc.wait(timeout=60)
    reader.join()
    _collect(reader, outcome)


def _last_child(lines: list[str], start: int) -> int | None:
    """The position of the last "child I PID" line at or after `start`."""
    for position in range(len(lines) - 1, start - 1, -1):
        if lines[position].startswith("child "):
            return position
    return None


def _run(
    spec: Spec, base: Path, folder: Path, script: Path, calibration: Calibration
) -> Outcome:
    db = folder / f"{spec.index:02d}-{spec.name}.db"
    outcome = Outcome(db)
    wait = delays(spec, calibration)
    try:
        if not spec.fresh:
            db.write_bytes(base.read_bytes())
        run_spec(spec, db, outcome, script, wait)
    except BaseException as error:  # reported by the run's own test
        outcome.error = error
    return outcome


def run_spec(
    spec: Spec, db: Where, outcome: Outcome, script: Path, wait: tuple[float, ...],
    scratch: Where | None = None,
) -> None:
    """Run `spec` on the ledger at `db` (already in place) with the kills at `wait`, then,
    for every fourth run, reconcile it first with the installed `ledger`. `scratch`: where a
    warm driver warms up (see `_run_warm`)."""
    if spec.kind == "cold":
        _run_cold(spec, db, outcome, wait)
    elif spec.kind == "warm":
        _run_warm(spec, db, outcome, script, wait, scratch)
    elif spec.kind == "batch":
        _run_batch(spec, db, outcome, script, wait)
    else:
        _run_children(spec, db, outcome, script, wait)
    if spec.index % SUBPROCESS_CHECK_EVERY == 0:
        outcome.process = subprocess.run(
            [ledger_executable(), "--db", str(db), "reconcile", "--json"],
            capture_output=True, text=True, env=environment(), timeout=60,
        )


def _timed(base: Path, db: Path, *args: str) -> float:
    """The wall time of one whole `ledger` write (the best of two)."""
    db.write_bytes(base.read_bytes())
    times = []
    for _ in range(2):
        started = time.monotonic()
        done = subprocess.run(
            [ledger_executable(), "--db", str(db), *args, "--json"],
            capture_output=True, text=True, env=environment(), timeout=60,
        )
        times.append(time.monotonic() - started)
        assert done.returncode == 0, done.stderr
    return min(times)


@dataclass
class Runs:
    base_rows: list[dict[str, Any]]
    outcomes: dict[str, Outcome]


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    folder = tmp_path_factory.mktemp("crash")
    base = folder / "base.db"
    build_base(base)
    assert not base.with_name(base.name + "-wal").exists()
    code, out, err = cli("--db", str(base), "audit", "--json")
    assert code == 0, err
    script = folder / "driver.py"
    script.write_text(DRIVER)
    calibration = Calibration(
        deposit=_timed(base, folder / "time-deposit.db", "deposit", "1"),
        transfer=_timed(
            base, folder / "time-transfer.db", "transfer", "1", "--from", "checking", "--to",
            "savings",
        ),
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            s.name: pool.submit(_run, s, base, folder, script, calibration) for s in SPECS
        }
        outcomes = {name: future.result() for name, future in futures.items()}
    return Runs(json.loads(out), outcomes)


# -- the checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_a_killed_writer_leaves_every_acknowledged_write_and_no_partial_one(
    runs: Runs, spec: Spec
) -> None:
    outcome = runs.outcomes[spec.name]
    if outcome.error is not None:
        raise outcome.error
    db = Path(outcome.db)
    check_outcome(spec, outcome, runs.base_rows, str(db), lambda: _no_file_left(db))


def _no_file_left(db: Path) -> None:
    assert not db.exists() or db.stat().st_size == 0, db.stat().st_size


def check_outcome(
    spec: Spec, outcome: Outcome, base_rows: list[dict[str, Any]], shown: str,
    nothing_left: Callable[[], None],
) -> None:
    """After a run: the ledger at `outcome.db` (as messages name it: `shown`) reconciles, holds
    every acknowledged write whole and no part of another, and takes the next write; or, when
    the very first write was killed before it committed, there is no ledger and nothing was
    left behind (`nothing_left` checks that)."""
    db = outcome.db
    context = (spec, outcome.killed, len(outcome.acks), outcome.killed_children)

    if outcome.process is not None:
        # the installed script, first to open the file after the kill
        assert "Traceback" not in outcome.process.stderr, outcome.process.stderr
        if outcome.process.returncode == 1:
            assert spec.fresh and not outcome.acks, context
            line = one_line_error(outcome.process.stderr, 1)  # --json: a JSON object
            assert line.startswith(f"ledger: no ledger at {shown}"), line
        else:
            assert outcome.process.returncode == 0, (outcome.process.stderr, context)

    code, out, err = cli("--db", str(db), "reconcile", "--json")
    assert "Traceback" not in err
    if code == 1:
        # the very first write was killed before it committed: no ledger, nothing acknowledged
        assert spec.fresh, (err, context)
        assert not outcome.acks, context
        assert err.startswith("{"), err  # --json: the failure as one JSON object
        assert one_line_error(err, 1).startswith(f"ledger: no ledger at {shown}"), err
        nothing_left()
        code, _, err = cli("--db", str(db), "balance")
        assert code == 1 and "no ledger" in err
        rows: list[dict[str, Any]] = []
    else:
        assert code == 0, (out, err, context)
        report = json.loads(out)
        assert report["ok"] is True and report["problems"] == [], report
        code, out, err = cli("--db", str(db), "audit", "--json")
        assert code == 0, err
        rows = json.loads(out)

    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    if not spec.fresh:
        # nothing that was there before moved or changed
        # (`known_at`, what each answer knew, is the head's time: not a stored field)
        assert stored(rows[: len(base_rows)]) == stored(base_rows)

    # every acknowledged write is there, with the events it reported
    by_seq = {row["seq"]: row for row in rows}
    for answer in outcome.acks:
        for event in answer["events"]:
            row = by_seq.get(event["seq"])
            assert row is not None, (answer, context)
            assert row["ref"] == answer["ref"]
            assert (row["type"], row["account"], row["amount"], row["balance"]) == (
                event["type"], event["account"], event["amount"], event["balance"]
            )
    acked = {answer["ref"] for answer in outcome.acks}
    assert len(acked) == len(outcome.acks)
    # a command that did not succeed was denied (overdraft) or was a child killed by the test
    for failure in outcome.failed:
        assert failure["code"] in (1, -signal.SIGKILL), failure
        if failure["code"] == 1:
            line = one_line_error(failure["err"], 1)  # --json: a JSON object
            assert line.startswith("ledger: insufficient funds"), failure
        assert "Traceback" not in failure["err"], failure

    # no partial transaction: each ref's events are contiguous, a transfer has both legs
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        events[row["ref"]].append(row)
    for ref, group in events.items():
        seqs = [row["seq"] for row in group]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), (ref, seqs)
        types = Counter(row["type"] for row in group)
        if "TransferSent" in types or "TransferReceived" in types:
            assert types == {"TransferSent": 1, "TransferReceived": 1}, (ref, types)
            sent = next(r for r in group if r["type"] == "TransferSent")
            received = next(r for r in group if r["type"] == "TransferReceived")
            assert sent["amount"] == "-" + received["amount"]
    if spec.kind == "cold" and not spec.fresh:
        # a single command: it landed whole or not at all
        extra = rows[len(base_rows):]
        assert len(extra) in (0, 2 if spec.command[0] == "transfer" else 1), extra
        if outcome.acks:
            assert len(extra) > 0

    # the balances a query answers agree with the log (the sum of each account's amounts)
    if rows:
        code, out, err = cli("--db", str(db), "balance", "--all", "--json")
        assert code == 0, err
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            sums[row["account"]] += Decimal(row["amount"])
        assert {b["account"]: Decimal(b["balance"]) for b in json.loads(out)} == sums

    # the file takes the next write, and stays whole
    code, out, err = cli("--db", str(db), "deposit", "1", "--date", "2026-03-06", "--json")
    assert code == 0, (out, err)
    code, out, err = cli("--db", str(db), "reconcile", "--json")
    assert code == 0, (out, err)
    assert json.loads(out)["events"] == len(rows) + (2 if not rows else 1)


def test_the_kills_landed_at_varied_moments(runs: Runs) -> None:
    """The runs are only worth something if the kills hit writers that were still running,
    some before and some after they acknowledged anything."""
    outcomes = [runs.outcomes[s.name] for s in SPECS]
    assert all(o.error is None for o in outcomes)
    assert sum(o.killed for o in outcomes) >= 30
    assert sum(o.killed_children for o in outcomes) >= 4
    batches = [runs.outcomes[s.name] for s in SPECS if s.kind in ("batch", "children")]
    assert sum(len(o.acks) for o in batches) >= 50
    singles = [runs.outcomes[s.name] for s in SPECS if s.kind in ("cold", "warm")]
    assert any(not o.acks for o in singles)
    assert sum(o.killed for o in singles) >= 10


def stored(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Audit rows as stored: without `known_at`, the knowledge time of the answer."""
    return [{k: v for k, v in row.items() if k != "known_at"} for row in rows]
