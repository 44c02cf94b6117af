"""Time whole `ledger` processes on small ledgers and print a table of medians.

    python bench/startup.py [--runs 21] [--events 10]

Each command runs as a separate process (the installed `ledger` beside this interpreter), as a
user would run it; the table gives the median wall time and the peak memory of the slowest run.
`python -c pass` is the floor any Python command starts from.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def measure(args: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall time (ms) and the largest peak RSS (MiB) of `runs` runs of `args`, after
    one run not counted. Python may write its bytecode cache, as on a user's machine (some
    sandboxes set PYTHONDONTWRITEBYTECODE, which makes every start compile the sources)."""
    env = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
    times = []
    peak_kib = 0
    subprocess.run(args, env=env, capture_output=True)
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        times.append((time.perf_counter() - start) * 1000)
        assert proc.stderr is not None
        errors = proc.stderr.read().decode()
        proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(args)} failed: {errors.strip()}")
        peak_kib = max(peak_kib, usage.ru_maxrss)
    return statistics.median(times), peak_kib / 1024


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
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("ledger --version", [ledger, "--version"]),
            ("ledger balance", [ledger, "balance"]),
            (f"ledger balance --as-of {mid}", [ledger, "balance", "--as-of", mid]),
            ("ledger history --limit 50", [ledger, "history", "--limit", "50"]),
            ("ledger reconcile", [ledger, "reconcile"]),
            ("ledger deposit 1", [ledger, "deposit", "1", "--date", mid]),
        ]
        print(f"{options.events}-event ledger, {options.runs} runs each, whole processes")
        print(f"{'command':40} {'median ms':>10} {'peak MiB':>9}")
        for label, args in rows:
            median, peak = measure(args, env, options.runs)
            print(f"{label:40} {median:10.1f} {peak:9.1f}")


if __name__ == "__main__":
    main()
