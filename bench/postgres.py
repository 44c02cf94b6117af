"""Time whole `ledger` processes on PostgreSQL against an SQLite file, and print ratios.

    python bench/postgres.py [--events 1000000] [--runs 5] [--import-runs 1] [--clients 8]
                             [--appends 50] [--append-via in-process|process] [--admin-url URL]

One register (bench/scale.py's `generate`: deposits and checks on `checking` over 25 years,
from a fixed seed; the CSV without categories) is imported into an empty SQLite file and into
an empty PostgreSQL database over loopback TCP, and the same commands then run on both, each as
a separate process (the installed `ledger` beside this interpreter), as a user would run them.
Everything is measured in this one run, in rounds that alternate the two backends (which one
goes first alternates too), so that a machine whose speed drifts, or that other work shares,
slows both alike; a ratio is PostgreSQL over SQLite in each round, and the median of those.

1. `import` of the register into an empty ledger: the rate ratio PG/SQLite, target >= 0.8 (PG
   takes at most 1.25 times as long). At a million rows this is the longest step, so it runs
   `--import-runs` times (default 1), not `--runs`.
2. `deposit 1` on the imported ledger (a new process each; LEDGER_TODAY is the register's last
   day, so its date fits): target <= 2x.
3. `balance --as-of` the middle date: target <= 1.5x.
4. `reconcile` of the whole log: target <= 2x. Its peak RSS on both, and beside it that of
   `reconcile` on a ledger of a tenth of the size, to show that memory stays flat.
5. Appends per second from 1 client and from `--clients` clients at once, on PG and on SQLite:
   the ceiling of one serialised chain. A client is a driver process that runs `ledger deposit 1`
   `--appends` times in a row: by default in its own process through the CLI (typer's CliRunner;
   each command opens its own store, on the connection the client's previous command released,
   as a long-lived client would), which measures the chain and not Python's start;
   `--append-via process` runs a `ledger` process per deposit.
   No target: the ratios are information.

Without `--admin-url` (a superuser's postgresql:// URL) the script starts a throwaway cluster
of its own (tests/pgserver.py: fsync and synchronous_commit on, as SQLite's synchronous=FULL;
or the server LEDGER_TEST_PG_ADMIN names, as the tests do) and removes it at the end; with it,
it creates its databases there and drops them at the end.
Peak MiB is the `ledger` process's own maximum RSS (not the server's). LEDGER_NO_REMINDERS=1
and TZ=UTC throughout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "tests"))
import pgserver  # type: ignore[import-not-found]  # noqa: E402
from scale import generate  # noqa: E402
from startup import clean_env, run_once  # noqa: E402

Run = tuple[float, float]  # wall ms, peak MiB
SQLITE, PG = "SQLite", "PG"
BACKENDS = (SQLITE, PG)

# A client of measure 5: imports the CLI, says "ready", waits for "go" on stdin, runs
# `deposit 1` COUNT times on LEDGER_DB (in-process, or as `ledger` processes), says "done".
DRIVER = r'''
import os
import subprocess
import sys

from typer.testing import CliRunner

from ledger_cli.cli.app import app

count, via, exe = int(sys.argv[1]), sys.argv[2], sys.argv[3]
runner = CliRunner()
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":
    sys.exit("no go")
for i in range(count):
    if via == "process":
        done = subprocess.run([exe, "deposit", "1"], capture_output=True, text=True)
        code, said = done.returncode, done.stderr
    else:
        result = runner.invoke(app, ["deposit", "1"])
        code, said = result.exit_code, result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            said += repr(result.exception)
    if code != 0:
        sys.exit(f"deposit {i + 1} of {count} failed (exit {code}): {said.strip()[-300:]}")
print("done", flush=True)
'''


@dataclass
class Backend:
    """Where one backend's ledgers live, and the environment that points `ledger` at one."""

    name: str
    fresh: Callable[[str], str]  # a new empty ledger's LEDGER_DB value, from a tag
    discard: Callable[[str], None]  # remove a ledger made by `fresh`
    size: Callable[[str], int]  # bytes on disk of a ledger made by `fresh`

    def environment(self, location: str, today: date) -> dict[str, str]:
        return clean_env(dict(
            os.environ, LEDGER_DB=location, LEDGER_TODAY=today.isoformat(), TZ="UTC",
            LEDGER_NO_REMINDERS="1", LEDGER_BUSY_TIMEOUT="120",
        ))


def sqlite_backend(folder: Path) -> Backend:
    def fresh(tag: str) -> str:
        path = folder / f"{tag}.db"
        discard(str(path))
        return str(path)

    def discard(location: str) -> None:
        path = Path(location)
        for each in path.parent.glob(path.name + "*"):  # the database and its -wal, -shm
            each.unlink()

    def size(location: str) -> int:
        path = Path(location)
        return sum(each.stat().st_size for each in path.parent.glob(path.name + "*"))

    return Backend(SQLITE, fresh, discard, size)


def pg_backend(server: pgserver.PgServer) -> Backend:
    names: dict[str, str] = {}

    def fresh(tag: str) -> str:
        name = server.create_database(prefix=f"ledger_bench_{tag}".replace("-", "_"))
        location: str = server.url(name)
        names[location] = name
        return location

    def discard(location: str) -> None:
        server.drop_database(names.pop(location))

    def size(location: str) -> int:
        return int(server.psql("postgres", "SELECT pg_database_size(%s)", [names[location]])[0][0])

    return Backend(PG, fresh, discard, size)


def alternate(turn: int) -> tuple[str, ...]:
    """The order of the backends in round `turn`: SQLite first, then PG first, and so on."""
    return BACKENDS if turn % 2 == 0 else BACKENDS[::-1]


def check_output(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed (exit {result.returncode}): {result.stderr.strip()}")
    return result.stdout


@dataclass
class Ledgers:
    """The imported ledgers of both backends: the full one and the one of a tenth the size."""

    full: dict[str, str]
    tenth: dict[str, str]
    imports: dict[str, list[Run]]
    tenth_import: dict[str, Run]


def import_all(ledger: str, backends: dict[str, Backend], register: Path, small: Path,
               runs: int, last: date, small_last: date) -> Ledgers:
    """Measure 1: `runs` imports of `register` into an empty ledger of each backend, in turns;
    the last of each is kept. Then `small` once into each (the ledger reconcile's memory is
    compared with)."""
    full: dict[str, str] = {}
    found: dict[str, list[Run]] = {name: [] for name in BACKENDS}
    for turn in range(runs):
        for name in alternate(turn):
            backend = backends[name]
            if name in full:
                backend.discard(full[name])
            full[name] = backend.fresh(f"full-{turn}")
            env = backend.environment(full[name], last)
            found[name].append(run_once([ledger, "import", str(register)], env))
            print(f"  import into {name}: {found[name][-1][0] / 1000:,.1f}s", flush=True)
    tenth: dict[str, str] = {}
    tenth_import: dict[str, Run] = {}
    for name in BACKENDS:
        backend = backends[name]
        tenth[name] = backend.fresh("tenth")
        env = backend.environment(tenth[name], small_last)
        tenth_import[name] = run_once([ledger, "import", str(small)], env)
    return Ledgers(full, tenth, found, tenth_import)


def same_books(ledger: str, backends: dict[str, Backend], ledgers: dict[str, str], mid: str,
               today: date) -> str:
    """The balance as of `mid`, the same on both backends (else the run stops): its JSON,
    without `known_at` (each ledger's own time of its last event)."""
    said = {}
    for name in BACKENDS:
        found = json.loads(check_output(
            [ledger, "balance", "--as-of", mid, "--json"],
            backends[name].environment(ledgers[name], today),
        ))
        found.pop("known_at", None)
        said[name] = json.dumps(found)
    if said[SQLITE] != said[PG]:
        sys.exit(f"the two backends disagree on the balance as of {mid}: {said}")
    return said[PG]


def query_rounds(commands: dict[str, tuple[list[str], dict[str, dict[str, str]]]], runs: int
                 ) -> dict[str, dict[str, list[Run]]]:
    """Measures 2-4: `runs` rounds (after one warm-up round), each running every command once
    on each backend, the backends taking turns."""
    found: dict[str, dict[str, list[Run]]] = {
        label: {name: [] for name in BACKENDS} for label in commands
    }
    for turn in range(-1, runs):
        for label, (args, envs) in commands.items():
            for name in alternate(turn):
                result = run_once(args, envs[name])
                if turn >= 0:
                    found[label][name].append(result)
    return found


def append_rate(script: Path, ledger: str, env: dict[str, str], clients: int, appends: int,
                via: str) -> float:
    """Deposits per second from `clients` drivers of `appends` deposits each, started together:
    from "go" to the last driver's "done"."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(appends), via, ledger],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env,
        )
        for _ in range(clients)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline() != "ready\n":
                sys.exit(f"an append driver did not start: {_errors(proc)}")
        start = time.perf_counter()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline() != "done\n":
                sys.exit(f"an append driver failed: {_errors(proc)}")
        elapsed = time.perf_counter() - start
        for proc in procs:
            proc.communicate(timeout=60)
        return clients * appends / elapsed
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _errors(proc: subprocess.Popen[str]) -> str:
    proc.kill()
    _, err = proc.communicate()
    return err.strip()[-500:]


def append_rounds(script: Path, ledger: str, envs: dict[str, dict[str, str]],
                  client_counts: list[int], appends: int, via: str, runs: int
                  ) -> dict[int, dict[str, list[float]]]:
    """Measure 5: `runs` rounds of each client count on each backend, the backends in turns
    (after one warm-up of one client on each)."""
    for name in BACKENDS:
        append_rate(script, ledger, envs[name], 1, min(appends, 5), via)
    found: dict[int, dict[str, list[float]]] = {
        count: {name: [] for name in BACKENDS} for count in client_counts
    }
    for turn in range(runs):
        for count in client_counts:
            for name in alternate(turn):
                found[count][name].append(
                    append_rate(script, ledger, envs[name], count, appends, via)
                )
    return found


# -- printing ---------------------------------------------------------------------------------


def _time(ms: float) -> str:
    return f"{ms:,.1f}ms" if ms < 10_000 else f"{ms / 1000:,.2f}s"


def _median(runs: list[Run]) -> tuple[float, float]:
    return statistics.median(t for t, _ in runs), max(p for _, p in runs)


@dataclass
class Ratio:
    number: str
    label: str
    each: list[float]  # per round, in the order of the rounds
    target: float | None  # None: information, no target
    at_least: bool = False  # the target is a floor (a rate), not a ceiling (a time)

    @property
    def ratio(self) -> float:
        return statistics.median(self.each)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.ratio >= self.target if self.at_least else self.ratio <= self.target


def time_ratio(number: str, label: str, found: dict[str, list[Run]], target: float) -> Ratio:
    each = [pg / lite for (pg, _), (lite, _) in zip(found[PG], found[SQLITE], strict=True)]
    return Ratio(number, label, each, target)


def print_tables(events: int, options: argparse.Namespace, ledgers: Ledgers,
                 found: dict[str, dict[str, list[Run]]], labels: dict[str, str],
                 rates: dict[int, dict[str, list[float]]], tenth_events: int) -> list[Ratio]:
    print(f"\n{events:,}-event ledger, SQLite file vs PostgreSQL over loopback TCP; whole "
          f"`ledger` processes; medians of {options.runs} rounds (imports: {options.import_runs} "
          f"run{'s' if options.import_runs != 1 else ''}); {os.cpu_count()} CPUs")
    width = 50
    print(f"{'command':{width}} {'SQLite':>10} {'peak MiB':>9} {'PG':>10} {'peak MiB':>9}")

    def line(label: str, runs: dict[str, list[Run]], tail: str = "") -> None:
        cells = []
        for name in BACKENDS:
            median, peak = _median(runs[name])
            cells.append(f"{_time(median):>10} {peak:9.1f}")
        print(f"{label:{width}} {' '.join(cells)}{tail}")

    rows = events - 1
    rate = {name: rows / _median(ledgers.imports[name])[0] * 1000 for name in BACKENDS}
    line(f"ledger import, {rows:,} rows (empty ledger)", ledgers.imports,
         f"   {rate[SQLITE]:,.0f} vs {rate[PG]:,.0f} rows/s")
    line(f"ledger import, {tenth_events - 1:,} rows (once, for 4)",
         {name: [ledgers.tenth_import[name]] for name in BACKENDS})
    for key, label in labels.items():
        line(label, found[key])
    via = options.append_via
    for count, by_backend in rates.items():
        cells = " ".join(
            f"{statistics.median(by_backend[name]):>8,.1f}/s {'':9}" for name in BACKENDS
        )
        client = "client" if count == 1 else "clients at once"
        print(f"{f'appends, {count} {client} ({via})':{width}} {cells}")

    ratios = [
        Ratio("1.", "import rate, PG/SQLite (time SQLite/PG)",
              [lite / pg for (pg, _), (lite, _) in
               zip(ledgers.imports[PG], ledgers.imports[SQLITE], strict=True)],
              0.8, at_least=True),
        time_ratio("2.", labels["deposit"] + " time", found["deposit"], 2.0),
        time_ratio("3.", labels["balance"] + " time", found["balance"], 1.5),
        time_ratio("4.", labels["reconcile"] + " time", found["reconcile"], 2.0),
    ]
    first = len(ratios)
    for count, by_backend in rates.items():
        client = "client" if count == 1 else "clients"
        ratios.append(Ratio("5.", f"appends/s PG/SQLite, {count} {client}",
                            [pg / lite for pg, lite in
                             zip(by_backend[PG], by_backend[SQLITE], strict=True)], None))
    counts = list(rates)
    if len(counts) == 2:
        for name in BACKENDS:
            one, many = rates[counts[0]][name], rates[counts[1]][name]
            ratios.append(Ratio("  ", f"appends/s {name}, {counts[1]} clients / 1 client",
                                [m / o for m, o in zip(many, one, strict=True)], None))

    print(f"\nratios, {events:,} events: PG over SQLite, the median of the per-round ratios")
    print(f"{'measure':{width + 4}} {'ratio':>7} {'target':>8}  met  (each round)")
    for ratio in ratios:
        if ratio.target is None:
            target, met = "-", "-"
        else:
            target = f"{'>=' if ratio.at_least else '<='} {ratio.target:.2f}x"
            met = "yes" if ratio.met else "NO"
        rounds = " ".join(f"{each:.2f}" for each in ratio.each)
        print(f"{ratio.number} {ratio.label:{width + 1}} {ratio.ratio:6.2f}x {target:>8}  "
              f"{met:3}  ({rounds})")
    peaks = {name: _median(found["reconcile"][name])[1] for name in BACKENDS}
    small = {name: _median(found["reconcile-tenth"][name])[1] for name in BACKENDS}
    print(f"   reconcile peak MiB: PG {peaks[PG]:.1f} at {events:,} events, {small[PG]:.1f} at "
          f"{tenth_events:,} ({peaks[PG] - small[PG]:+.1f}); SQLite {peaks[SQLITE]:.1f}, "
          f"{small[SQLITE]:.1f} ({peaks[SQLITE] - small[SQLITE]:+.1f})")
    reached = sum(bool(ratio.met) for ratio in ratios[:first])
    how = "a `ledger` process each" if via == "process" else "in-process CLI"
    print(f"{reached} of {first} targets met; appends: {options.appends} deposits per client per "
          f"round, {how}")
    return ratios


# -- the run ----------------------------------------------------------------------------------


@contextmanager
def pg_server(admin_url: str | None) -> Iterator[pgserver.PgServer]:
    server: pgserver.PgServer
    if admin_url:
        server = pgserver.ExternalServer(admin_url)
        server.psql("postgres", "SELECT 1")
    else:
        server = pgserver.start_server()
    try:
        yield server
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the ledger")
    parser.add_argument("--runs", type=int, default=5, help="rounds of measures 2-5")
    parser.add_argument("--import-runs", type=int, default=1, help="imports on each backend")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of 5")
    parser.add_argument("--appends", type=int, default=50, help="deposits per client per round")
    parser.add_argument("--append-via", choices=("in-process", "process"), default="in-process")
    parser.add_argument("--admin-url", help="a superuser's postgresql:// URL (default: a "
                        "throwaway cluster of this run's own)")
    options = parser.parse_args()
    if options.events < 20 or options.runs < 1 or options.import_runs < 1:
        parser.error("--events must be at least 20, --runs and --import-runs at least 1")

    ledger = str(Path(sys.executable).parent / "ledger")
    events, tenth_events = options.events, max(options.events // 10, 10)
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as name, pg_server(options.admin_url) as server:
        folder = Path(name)
        version = server.psql("postgres", "SHOW server_version")[0][0]
        fsync = server.psql("postgres", "SHOW fsync")[0][0]
        commit = server.psql("postgres", "SHOW synchronous_commit")[0][0]
        print(f"PostgreSQL {version} at {server.host}:{server.port} (fsync={fsync}, "
              f"synchronous_commit={commit}); SQLite in {folder}", flush=True)
        backends = {SQLITE: sqlite_backend(folder), PG: pg_backend(server)}

        register, categorized = folder / "register.csv", folder / "register-categories.csv"
        middle, last = generate(register, categorized, events)
        small, small_categorized = folder / "tenth.csv", folder / "tenth-categories.csv"
        _, small_last = generate(small, small_categorized, tenth_events)
        categorized.unlink()
        small_categorized.unlink()
        mid = middle.isoformat()
        print(f"generated {events:,} events; importing ({options.import_runs} run(s) each)",
              flush=True)
        ledgers = import_all(ledger, backends, register, small, options.import_runs, last,
                             small_last)
        balance = same_books(ledger, backends, ledgers.full, mid, last)
        print(f"both backends: balance as of {mid} {balance}", flush=True)

        envs = {name: backends[name].environment(ledgers.full[name], last) for name in BACKENDS}
        tenth_envs = {
            name: backends[name].environment(ledgers.tenth[name], small_last) for name in BACKENDS
        }
        labels = {
            "deposit": "ledger deposit 1",
            "balance": f"ledger balance --as-of {mid}",
            "reconcile": "ledger reconcile",
            "reconcile-tenth": f"ledger reconcile, {tenth_events:,}-event ledger",
        }
        commands = {
            "deposit": ([ledger, "deposit", "1"], envs),
            "balance": ([ledger, "balance", "--as-of", mid], envs),
            "reconcile": ([ledger, "reconcile"], envs),
            "reconcile-tenth": ([ledger, "reconcile"], tenth_envs),
        }
        print(f"measuring 2-4: {options.runs} rounds", flush=True)
        found = query_rounds(commands, options.runs)

        script = folder / "append_driver.py"
        script.write_text(DRIVER, encoding="utf-8")
        client_counts = [1] if options.clients == 1 else [1, options.clients]
        print(f"measuring 5: {options.runs} rounds of {client_counts} clients, "
              f"{options.appends} deposits each ({options.append_via})", flush=True)
        rates = append_rounds(script, ledger, envs, client_counts, options.appends,
                              options.append_via, options.runs)
        sizes = ", ".join(
            f"{name} {backends[name].size(ledgers.full[name]) / 2**20:,.0f} MiB"
            for name in BACKENDS
        )
        print(f"size of the {events:,}-event ledgers: {sizes}")
        print_tables(events, options, ledgers, found, labels, rates, tenth_events)
    print(f"\nfinished in {time.monotonic() - began:,.0f}s")


if __name__ == "__main__":
    main()
