"""Time whole `ledger` processes on a small ledger and print a table of medians and ratios.

    python bench/startup.py [--runs 21] [--events 10]

Each command runs as a separate process (the installed `ledger` beside this interpreter), as a
user would run it. The commands take turns, one run of each per round, so that a machine whose
speed drifts during the measurement slows them all alike; the table gives each command's median
wall time, the peak memory of its largest run, and its ratios to two floors measured in the same
rounds: `python -c pass` (any Python command starts from it) and `python -c "import typer"`
(the CLI framework, which every command but `--version` imports). A ratio is the median of the
per-round ratios. Measure in a venv with a regular install (`pip install .`): an editable
install adds an import hook to every Python start, floors included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path


def clean_env(env: dict[str, str]) -> dict[str, str]:
    """The environment a user's shell would give: Python may write its bytecode cache (some
    sandboxes set PYTHONDONTWRITEBYTECODE, which makes every start compile the sources)."""
    return {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}


def run_once(args: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time (ms) and peak RSS (MiB) of one run of `args`; exits when it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
    elapsed = (time.perf_counter() - start) * 1000
    assert proc.stderr is not None
    errors = proc.stderr.read().decode()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {errors.strip()}")
    return elapsed, usage.ru_maxrss / 1024


def measure(args: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall time (ms) and the largest peak RSS (MiB) of `runs` runs of `args`, after
    one run not counted."""
    env = clean_env(env)
    run_once(args, env)
    results = [run_once(args, env) for _ in range(runs)]
    return statistics.median(t for t, _ in results), max(p for _, p in results)


def rounds(
    commands: dict[str, list[str]], env: dict[str, str], runs: int
) -> dict[str, list[tuple[float, float]]]:
    """`runs` rounds, each running every command once in turn (after one warm-up round)."""
    env = clean_env(env)
    for args in commands.values():
        run_once(args, env)
    found: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, args in commands.items():
            found[label].append(run_once(args, env))
    return found


PASS = "python -c pass"
TYPER = 'python -c "import typer"'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--events", type=int, default=10, help="deposits in the ledger")
    options = parser.parse_args()

    ledger = str(Path(sys.executable).parent / "ledger")
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        env = dict(os.environ, LEDGER_DB=str(db))
        first = date(2026, 1, 1)
        for n in range(options.events):
            day = (first + timedelta(days=n)).isoformat()
            subprocess.run([ledger, "deposit", "1", "--date", day], env=env, check=True,
                           capture_output=True)
        mid = (first + timedelta(days=options.events // 2)).isoformat()
        commands = {
            PASS: [sys.executable, "-c", "pass"],
            TYPER: [sys.executable, "-c", "import typer"],
            "ledger --version": [ledger, "--version"],
            "ledger balance": [ledger, "balance"],
            f"ledger balance --as-of {mid}": [ledger, "balance", "--as-of", mid],
            "ledger history --limit 50": [ledger, "history", "--limit", "50"],
            "ledger reconcile": [ledger, "reconcile"],
            "ledger deposit 1": [ledger, "deposit", "1", "--date", mid],
        }
        found = rounds(commands, env, options.runs)
    print(f"{options.events}-event ledger, {options.runs} rounds, whole processes, "
          f"{os.cpu_count()} CPUs")
    print(f"{'command':36} {'median ms':>10} {'peak MiB':>9} {'x pass':>7} {'x typer':>8}")
    for label, results in found.items():
        median = statistics.median(t for t, _ in results)
        peak = max(p for _, p in results)
        ratios = [
            statistics.median(t / base[0] for (t, _), base in zip(results, found[floor],
                                                                 strict=True))
            for floor in (PASS, TYPER)
        ]
        print(f"{label:36} {median:10.1f} {peak:9.1f} {ratios[0]:7.2f} {ratios[1]:8.2f}")


if __name__ == "__main__":
    main()
