"""Time whole `ledger` processes on large ledgers and print a table of medians and peak memory.

    python bench/scale.py [--sizes 1000,100000,1000000] [--ten-million] [--runs 5]

For each size it generates one register (deposits and checks on `checking`, spread evenly over
25 years, from a fixed seed) as CSV, imports it into an empty ledger with `ledger import` (the
import rate), then runs each query and a write as separate processes, as a user would. When
hledger or ledger-cli is on the PATH, the same transactions are written as a journal and their
`balance` up to the same middle date is timed in the same run, with the ratio to ours.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import measure  # noqa: E402

FIRST_DAY = date(2001, 1, 1)
YEARS = 25


def generate(path: Path, events: int, seed: int = 2026) -> date:
    """A register of `events` deposits and checks (one event each, plus the account's
    opening); returns the middle date."""
    rng = random.Random(seed)
    span = YEARS * 365
    balance = 0
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["date", "type", "amount", "payee", "number"])
        number = 0
        for i in range(events - 1):  # the AccountOpened event makes `events`
            day = FIRST_DAY + timedelta(days=i * span // max(events - 1, 1))
            cents = rng.randrange(100, 200_000)
            if balance > cents and rng.random() < 0.6:
                number += 1
                balance -= cents
                writer.writerow([day.isoformat(), "check", _money(cents), "Payee", number])
            else:
                balance += cents
                writer.writerow([day.isoformat(), "deposit", _money(cents), "Employer", ""])
    return FIRST_DAY + timedelta(days=span // 2)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def journal(source: Path, target: Path) -> None:
    """The same transactions as an hledger/ledger-cli journal."""
    with source.open(newline="", encoding="utf-8") as file, target.open("w") as out:
        for row in csv.DictReader(file):
            sign = "" if row["type"] == "deposit" else "-"
            other = "income:salary" if row["type"] == "deposit" else "expenses:payee"
            code = f" ({row['number']})" if row["number"] else ""
            out.write(
                f"{row['date']}{code} {row['payee']}\n"
                f"    assets:checking  {sign}{row['amount']} USD\n    {other}\n\n"
            )


def timed_once(args: list[str], env: dict[str, str], stdin: Path | None = None) -> float:
    start = time.perf_counter()
    with (stdin.open("rb") if stdin else open(os.devnull, "rb")) as source:
        subprocess.run(args, env=env, stdin=source, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_size(events: int, runs: int, folder: Path, ledger: str) -> None:
    data = folder / f"register-{events}.csv"
    db = folder / f"ledger-{events}.db"
    env = dict(os.environ, LEDGER_DB=str(db), TZ="UTC")
    mid = generate(data, events).isoformat()
    seconds = timed_once([ledger, "import", str(data)], env)
    print(f"\n{events:,}-event ledger ({db.stat().st_size / 2**20:,.0f} MiB), {runs} runs each")
    print(f"{'operation':55} {'median':>10} {'peak MiB':>9}")
    print(f"{'ledger import (into an empty ledger, one run)':55} {seconds:9.2f}s {'':>9}"
          f"   {(events - 1) / seconds:,.0f} rows/s")
    rows = [
        ("ledger --version", [ledger, "--version"]),
        ("ledger balance", [ledger, "balance"]),
        (f"ledger balance --as-of {mid}", [ledger, "balance", "--as-of", mid]),
        (f"ledger history --as-of {mid} --limit 50",
         [ledger, "history", "--as-of", mid, "--limit", "50"]),
        ("ledger reconcile", [ledger, "reconcile"]),
        ("ledger deposit 1 (appends one event per run)", [ledger, "deposit", "1"]),
    ]
    ours = 0.0
    for label, args in rows:
        median, peak = measure(args, env, runs)
        if "--as-of" in label and label.startswith("ledger balance"):
            ours = median
        print(f"{label:55} {median:8.1f}ms {peak:9.1f}")
    end = (date.fromisoformat(mid) + timedelta(days=1)).isoformat()  # their -e excludes it
    for tool in ("hledger", "ledger"):
        if tool == "ledger" and not _is_ledger_cli():
            continue
        if shutil.which(tool) is None:
            continue
        path = folder / f"register-{events}.journal"
        if not path.exists():
            journal(data, path)
        median, peak = measure([tool, "-f", str(path), "balance", "-e", end], env, runs)
        ratio = f"   {median / ours:,.1f}x ours" if ours else ""
        print(f"{tool + ' balance -e ' + end:55} {median:8.1f}ms {peak:9.1f}{ratio}")


def _is_ledger_cli() -> bool:
    """`ledger` on the PATH may be this tool; ledger-cli answers --version with 'Ledger 3'."""
    found = shutil.which("ledger")
    if found is None:
        return False
    result = subprocess.run([found, "--version"], capture_output=True, text=True)
    return result.stdout.startswith("Ledger ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--ten-million", action="store_true", help="add a 10,000,000 ledger")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    if options.ten_million:
        sizes.append(10_000_000)
    ledger = str(Path(sys.executable).parent / "ledger")
    with tempfile.TemporaryDirectory() as folder:
        for events in sizes:
            bench_size(events, options.runs, Path(folder), ledger)
    print(f"\nmedians over {options.runs} whole-process runs; peak = largest max RSS of a run; "
          f"{os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
