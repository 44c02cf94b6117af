"""Time whole `ledger` processes on large ledgers and print a table of medians and peak memory.

    python bench/scale.py [--sizes 1000,100000,1000000] [--ten-million] [--runs 5]

For each size it generates one register (deposits and checks on `checking`, spread evenly over
25 years, from a fixed seed) twice as CSV: with a `category` column (about 40 two-level names,
income ones on deposits and spending ones on checks) and without it. Each is imported into an
empty ledger `--runs` times, the two taking turns (the import rate, and the cost of categories);
the queries and a write then run on the categorised ledger, each as a separate process, as a
user would. A second table holds the four ratios that keep reports cheap next to the balance a
user already waits for: `report --by year --json`, `report --by month --since` a year before
the last day and `history --category food:groceries --limit 50`, each against `balance --as-of`
the middle date, measured in the same rounds; and the import with categories against the same
rows without. A ratio is the median of the per-round ratios; each has its target, and whether it
is met. A command this `ledger` does not have yet is reported as not run, not failed. When
hledger or ledger-cli is on the PATH, the same transactions (categories as counter accounts) are
written as a journal and their `balance` up to the same middle date is timed in the same run,
with the ratio to ours.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import clean_env, measure, run_once  # noqa: E402

FIRST_DAY = date(2001, 1, 1)
YEARS = 25

# Two levels, as a household names them; deposits draw from INCOME, checks from SPENDING.
INCOME = (
    "income:salary", "income:bonus", "income:freelance", "income:interest", "income:refunds",
    "income:gifts",
)
SPENDING = (
    "food:groceries", "food:dining", "food:coffee", "food:delivery",
    "home:rent", "home:utilities", "home:repairs", "home:furniture", "home:insurance",
    "transport:fuel", "transport:transit", "transport:parking", "transport:repairs",
    "health:doctor", "health:pharmacy", "health:dental", "health:insurance",
    "kids:school", "kids:childcare", "kids:toys",
    "fun:movies", "fun:music", "fun:travel", "fun:hobbies",
    "shopping:clothes", "shopping:electronics", "shopping:books",
    "bills:phone", "bills:internet", "bills:streaming",
    "gifts:family", "gifts:charity", "taxes:property", "taxes:income",
)
FILTERED = "food:groceries"  # the category `history --category` keeps

TARGETS = {"report-year": 1.5, "report-month": 1.5, "history-category": 2.0, "import": 1.1}


def generate(plain: Path, categorized: Path, events: int, seed: int = 2026) -> tuple[date, date]:
    """A register of `events` deposits and checks (one event each, plus the account's opening),
    written to `plain` and, with a `category` column, to `categorized`; returns the middle date
    and the last day. The categories come from their own generator, so the plain register is
    the same as before they existed."""
    rng = random.Random(seed)
    names = random.Random(seed + 1)
    span = YEARS * 365
    balance = 0
    last = FIRST_DAY
    with (
        plain.open("w", newline="", encoding="utf-8") as file,
        categorized.open("w", newline="", encoding="utf-8") as other,
    ):
        writer, with_category = csv.writer(file), csv.writer(other)
        header = ["date", "type", "amount", "payee", "number"]
        writer.writerow(header)
        with_category.writerow([*header, "category"])
        number = 0
        for i in range(events - 1):  # the AccountOpened event makes `events`
            last = FIRST_DAY + timedelta(days=i * span // max(events - 1, 1))
            cents = rng.randrange(100, 200_000)
            if balance > cents and rng.random() < 0.6:
                number += 1
                balance -= cents
                row = [last.isoformat(), "check", _money(cents), "Payee", str(number)]
                category = names.choice(SPENDING)
            else:
                balance += cents
                row = [last.isoformat(), "deposit", _money(cents), "Employer", ""]
                category = names.choice(INCOME)
            writer.writerow(row)
            with_category.writerow([*row, category])
    return FIRST_DAY + timedelta(days=span // 2), last


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def journal(source: Path, target: Path) -> None:
    """The same transactions as an hledger/ledger-cli journal; a row's category, when it has
    one, is the counter account (`expenses:food:groceries`, `income:salary`)."""
    with source.open(newline="", encoding="utf-8") as file, target.open("w") as out:
        for row in csv.DictReader(file):
            sign = "" if row["type"] == "deposit" else "-"
            category = row.get("category")
            if row["type"] == "deposit":
                other = category or "income:salary"
            else:
                other = f"expenses:{category}" if category else "expenses:payee"
            code = f" ({row['number']})" if row["number"] else ""
            out.write(
                f"{row['date']}{code} {row['payee']}\n"
                f"    assets:checking  {sign}{row['amount']} USD\n    {other}\n\n"
            )


# What this `ledger` says of a command, option or import column it does not have yet.
ABSENT = ("No such command", "No such option", "unknown column")


def refusal(args: list[str], env: dict[str, str]) -> str | None:
    """None when `args` exits 0, else the last line it wrote: a command, option or column this
    `ledger` does not have yet (ABSENT), or else FAILED."""
    result = subprocess.run(args, env=clean_env(env), capture_output=True, text=True)
    if result.returncode == 0:
        return None
    lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
    said = lines[-1].strip() if lines else ""
    try:  # a --json command says it as {"error": ...}
        said = str(json.loads(said)["error"])
    except (ValueError, KeyError, TypeError):
        pass
    said = said.removeprefix("ledger: ").removeprefix("Error: ")
    said = said.split("; ")[0].split(". Did you mean")[0]
    verdict = "" if any(word in said for word in ABSENT) else "FAILED, "
    return f"{verdict}exit {result.returncode}: {said[:70]}"


def _remove(db: Path) -> None:
    for path in db.parent.glob(db.name + "*"):  # the database and its -wal, -shm files
        path.unlink()


Run = tuple[float, float]  # wall ms, peak MiB


@dataclass
class Imports:
    plain: list[Run]
    categorized: list[Run]  # empty when `why_not`
    why_not: str | None  # why the CSV with categories could not be imported
    db: Path  # the ledger the queries run on: categorised unless `why_not`


def imports(ledger: str, plain: Path, categorized: Path, events: int, runs: int) -> Imports:
    """`runs` imports of each CSV, each into an empty ledger, the two taking turns (the first
    of each pair alternates); the last categorised ledger is kept for the queries."""
    folder = plain.parent
    probe_csv, probe_db = folder / "probe.csv", folder / "probe.db"
    with categorized.open(encoding="utf-8") as file:
        probe_csv.write_text(file.readline() + file.readline(), encoding="utf-8")
    why_not = refusal([ledger, "import", str(probe_csv)], dict(os.environ, LEDGER_DB=str(probe_db)))
    _remove(probe_db)
    kinds = {"plain": plain} if why_not else {"plain": plain, "categorized": categorized}
    found: dict[str, list[Run]] = {kind: [] for kind in kinds}
    for turn in range(runs):
        order = list(kinds) if turn % 2 == 0 else list(reversed(kinds))
        for kind in order:
            db = folder / f"ledger-{events}-{kind}.db"
            _remove(db)
            env = clean_env(dict(os.environ, LEDGER_DB=str(db), TZ="UTC"))
            found[kind].append(run_once([ledger, "import", str(kinds[kind])], env))
    kept = "plain" if why_not else "categorized"
    for kind in kinds:
        if kind != kept:
            _remove(folder / f"ledger-{events}-{kind}.db")
    return Imports(found["plain"], found.get("categorized", []), why_not,
                   folder / f"ledger-{events}-{kept}.db")


@dataclass
class Ratio:
    number: int
    label: str
    target: float
    runs: list[Run]  # empty when `why_not`
    base: list[Run]
    why_not: str | None = None

    @property
    def each(self) -> list[float]:
        """The ratio in each round, in the order of the rounds."""
        return [t / b for (t, _), (b, _) in zip(self.runs, self.base, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.each)


def query_ratios(ledger: str, env: dict[str, str], runs: int, mid: str, last: date
                 ) -> tuple[str, list[Run], list[Ratio]]:
    """Ratios 1-3: each query against `balance --as-of mid`, all in the same rounds (the
    probe run of each is its warm-up)."""
    since = year_before(last).isoformat()
    base_label = f"ledger balance --as-of {mid}"
    queries = [
        (1, "report-year", "ledger report --by year --json",
         [ledger, "report", "--by", "year", "--json"]),
        (2, "report-month", f"ledger report --by month --since {since}",
         [ledger, "report", "--by", "month", "--since", since]),
        (3, "history-category", f"ledger history --category {FILTERED} --limit 50",
         [ledger, "history", "--category", FILTERED, "--limit", "50"]),
    ]
    commands = {"base": [ledger, "balance", "--as-of", mid]}
    refused: dict[str, str | None] = {"base": refusal(commands["base"], env)}
    if refused["base"]:
        sys.exit(f"{base_label} failed: {refused['base']}")
    for _, key, _, args in queries:
        refused[key] = refusal(args, env)
        if refused[key] is None:
            commands[key] = args
    found: dict[str, list[Run]] = {key: [] for key in commands}
    clean = clean_env(env)
    for _ in range(runs):
        for key, args in commands.items():
            found[key].append(run_once(args, clean))
    ratios = [
        Ratio(number, label, TARGETS[key], found.get(key, []), found["base"], refused[key])
        for number, key, label, _ in queries
    ]
    return base_label, found["base"], ratios


def _time(ms: float) -> str:
    return f"{ms:,.1f}ms" if ms < 10_000 else f"{ms / 1000:,.2f}s"


def _median(runs: list[Run]) -> tuple[float, float]:
    return statistics.median(t for t, _ in runs), max(p for _, p in runs)


def print_ratios(events: int, runs: int, base_label: str, base: list[Run], ratios: list[Ratio],
                 done: Imports) -> None:
    print(f"\nissue 13 ratios, {events:,} events: medians of {runs} rounds, whole processes; "
          "ratio = median of the per-round ratios")
    print(f"{'measure':58} {'median':>10} {'peak MiB':>9} {'ratio':>7} {'target':>8}  met"
          "  (each round)")

    def line(label: str, found: list[Run], ratio: Ratio | None = None) -> None:
        median, peak = _median(found)
        tail = ""
        if ratio is not None:
            met = "yes" if ratio.ratio <= ratio.target else "NO"
            rounds = " ".join(f"{each:.2f}" for each in ratio.each)
            tail = f" {ratio.ratio:6.2f}x {f'<= {ratio.target:.1f}x':>8}  {met:3}  ({rounds})"
        print(f"{label:58} {_time(median):>10} {peak:9.1f}{tail}")

    def not_run(label: str, ratio: Ratio) -> None:
        target = f"<= {ratio.target:.1f}x"
        state = "FAILED" if (ratio.why_not or "").startswith("FAILED") else "not run"
        print(f"{label:58} {state:>10} {'':9} {'':7} {target:>8}  -    ({ratio.why_not})")

    line(f"   {base_label} (the base of 1-3)", base)
    for ratio in ratios:
        if ratio.why_not:
            not_run(f"{ratio.number}. {ratio.label}", ratio)
        else:
            line(f"{ratio.number}. {ratio.label}", ratio.runs, ratio)
    line("   ledger import, CSV without categories (the base of 4)", done.plain)
    fourth = Ratio(4, "ledger import, the same CSV with a category column", TARGETS["import"],
                   done.categorized, done.plain, done.why_not)
    if fourth.why_not:
        not_run(f"4. {fourth.label}", fourth)
    else:
        line(f"4. {fourth.label}", fourth.runs, fourth)
    every = [*ratios, fourth]
    measured = [ratio for ratio in every if not ratio.why_not]
    met = sum(ratio.ratio <= ratio.target for ratio in measured)
    broken = sum((ratio.why_not or "").startswith("FAILED") for ratio in every)
    print(f"{met} of {len(measured)} measured ratios within target; "
          f"{len(every) - len(measured) - broken} not run (not in this ledger yet); "
          f"{broken} failed")


def bench_size(events: int, runs: int, folder: Path, ledger: str) -> list[str]:
    """Prints the tables of one size; returns what failed."""
    data = folder / f"register-{events}.csv"
    categorized = folder / f"register-{events}-categories.csv"
    middle, last = generate(data, categorized, events)
    mid = middle.isoformat()
    done = imports(ledger, data, categorized, events, runs)
    db = done.db
    env = dict(os.environ, LEDGER_DB=str(db), TZ="UTC")
    # The ratios first: the write below appends entries dated today, after the register's end.
    base_label, base, ratios = query_ratios(ledger, env, runs, mid, last)
    kind = "without categories" if done.why_not else "with categories"
    print(f"\n{events:,}-event ledger {kind} ({db.stat().st_size / 2**20:,.0f} MiB), "
          f"{runs} runs each")
    print(f"{'operation':55} {'median':>10} {'peak MiB':>9}")
    imported = [("ledger import (into an empty ledger)", done.plain)]
    if not done.why_not:
        imported.append(("ledger import with a category column (empty ledger)", done.categorized))
    for label, found in imported:
        median, peak = _median(found)
        print(f"{label:55} {_time(median):>10} {peak:9.1f}   {(events - 1) / median * 1000:,.0f}"
              " rows/s")
    if done.why_not:
        print(f"{'ledger import with a category column':55} {'not run':>10}   ({done.why_not})")
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
    failed = []
    for label, args in rows:
        try:
            median, peak = measure(args, env, runs)
        except SystemExit as error:  # the rest of the run is still worth its table
            failed.append(str(error.code))
            print(f"{label:55} {'failed':>10}   ({str(error.code).splitlines()[-1][-80:]})")
            continue
        if "--as-of" in label and label.startswith("ledger balance"):
            ours = median
        print(f"{label:55} {median:8.1f}ms {peak:9.1f}")
    end = (middle + timedelta(days=1)).isoformat()  # their -e excludes it
    for tool in ("hledger", "ledger"):
        if tool == "ledger" and not _is_ledger_cli():
            continue
        if shutil.which(tool) is None:
            continue
        path = folder / f"register-{events}.journal"
        if not path.exists():
            journal(data if done.why_not else categorized, path)
        median, peak = measure([tool, "-f", str(path), "balance", "-e", end], env, runs)
        ratio = f"   {median / ours:,.1f}x ours" if ours else ""
        print(f"{tool + ' balance -e ' + end:55} {median:8.1f}ms {peak:9.1f}{ratio}")
    print_ratios(events, runs, base_label, base, ratios, done)
    return failed + [
        f"{ratio.label}: {ratio.why_not}" for ratio in ratios
        if (ratio.why_not or "").startswith("FAILED")
    ] + ([f"ledger import with categories: {done.why_not}"]
         if (done.why_not or "").startswith("FAILED") else [])


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
    failed = []
    with tempfile.TemporaryDirectory() as folder:
        for events in sizes:
            failed += bench_size(events, options.runs, Path(folder), ledger)
    print(f"\nmedians over {options.runs} whole-process runs; peak = largest max RSS of a run; "
          f"{os.cpu_count()} CPUs")
    if failed:
        sys.exit("failed:\n" + "\n".join(failed))


if __name__ == "__main__":
    main()
