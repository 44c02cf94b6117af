"""Time `forecast` and `due` on a large ledger with 50 schedules, against `balance` on the same
ledger, and print a table of medians and ratios.

    python bench/schedules.py [--events 1000000] [--runs 5]

It imports the register of bench/scale.py (deposits and checks over 25 years) into an empty
ledger, adds 50 schedules (checks, withdrawals, deposits and transfers to savings, every day,
week, 2 weeks, month, quarter or year, started in the year before the register's last day) and
posts what they have due up to a week before that day, so that the ledger holds thousands of
postings and each schedule has a few occurrences still due. "Today" is the register's last day
(LEDGER_TODAY). Then, in the same rounds, each as a separate process as a user runs it:
`balance` (the base), `forecast --through` 90 days ahead and `due`. A ratio is the median of the
per-round ratios; the target of both is 1.5x (neither may read the log from its start).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import generate  # noqa: E402
from startup import clean_env, run_once  # noqa: E402

SCHEDULES = 50
TARGET = 1.5
PERIODS = ("day", "week", "2weeks", "month", "month", "month", "quarter", "year")
KINDS = ("check", "withdraw", "deposit", "transfer")


def run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {result.stderr.strip()}")


def prepare(ledger: str, folder: Path, events: int) -> tuple[dict[str, str], date, int]:
    """The ledger with its schedules and postings; the environment to run it in, today, and
    the number of events."""
    plain, categorized = folder / "register.csv", folder / "register-categories.csv"
    _, last = generate(plain, categorized, events)
    env = clean_env(dict(os.environ, LEDGER_DB=str(folder / "bench.db"),
                         LEDGER_TODAY=last.isoformat(), LEDGER_NO_REMINDERS="1"))
    run([ledger, "import", str(categorized)], env)
    run([ledger, "open", "savings", "--date", last.isoformat()], env)
    # Enough money that no posting is denied.
    run([ledger, "deposit", "1000000", "--date", (last - timedelta(days=366)).isoformat()], env)
    rng = random.Random(2026)
    for number in range(SCHEDULES):
        kind = KINDS[number % len(KINDS)]
        every = rng.choice(PERIODS)
        start = last - timedelta(days=rng.randrange(30, 365))
        amount = f"{rng.randrange(1, 50)}.{rng.randrange(100):02d}"
        args = [ledger, "schedule", "add", f"s{number:02d}", kind, amount, "--every", every,
                "--start", start.isoformat()]
        if kind == "transfer":
            args += ["--to", "savings"]
        else:
            args += ["--payee", f"Payee {number}"]
        run(args, env)
    run([ledger, "due", "--post", "--through", (last - timedelta(days=7)).isoformat()], env)
    count = subprocess.run([ledger, "digest"], env=env, capture_output=True, text=True)
    return env, last, int(count.stdout.split(":")[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    ledger = str(Path(sys.executable).parent / "ledger")
    with tempfile.TemporaryDirectory() as folder:
        env, today, events = prepare(ledger, Path(folder), options.events)
        through = (today + timedelta(days=90)).isoformat()
        commands = {
            "ledger balance (the base)": [ledger, "balance"],
            f"ledger forecast --through {through}": [ledger, "forecast", "--through", through],
            "ledger due": [ledger, "due"],
        }
        found: dict[str, list[float]] = {label: [] for label in commands}
        peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
        for args in commands.values():
            run_once(args, env)  # warm-up
        for _ in range(options.runs):
            for label, args in commands.items():
                elapsed, peak = run_once(args, env)
                found[label].append(elapsed)
                peaks[label] = max(peaks[label], peak)
    base = found["ledger balance (the base)"]
    print(f"\nissue 14 ratios, {events:,} events and {SCHEDULES} schedules, today {today}: "
          f"medians of {options.runs} rounds, whole processes; ratio = median of the per-round "
          "ratios")
    print(f"{'measure':44} {'median':>9} {'peak MiB':>9} {'ratio':>7} {'target':>8}  met"
          "  (each round)")
    for label, times in found.items():
        median = statistics.median(times)
        tail = ""
        if times is not base:
            each = [t / b for t, b in zip(times, base, strict=True)]
            ratio = statistics.median(each)
            met = "yes" if ratio <= TARGET else "NO"
            rounds = " ".join(f"{value:.2f}" for value in each)
            tail = f" {ratio:6.2f}x {f'<= {TARGET:.1f}x':>8}  {met:3}  ({rounds})"
        print(f"{label:44} {median:8.1f}ms {peaks[label]:9.1f}{tail}")
    print(f"{os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
