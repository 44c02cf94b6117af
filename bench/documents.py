"""What documents cost: `attach` of a 10 MiB file against `sha256sum` of it plus the tool's
start-up; `balance` and `history` on a ledger holding 1,000 documents (200 MiB) against the
same ledger without them; and the peak memory of `export --format ndjson` on it. Prints a table
of medians and ratios.

    python bench/documents.py [--events 20000] [--documents 1000] [--runs 5]

It imports the register of bench/scale.py into an empty ledger and copies the file; into the
copy it attaches `--documents` files of 200 KiB of random bytes, one per entry, through the
application (as `attach` does, without a process per file). Then, in the same rounds, each
command as a separate process as a user runs it:

- `ledger attach` of a new 10 MiB file (new bytes each round, so that each is stored), on a
  copy of the ledger without documents, against
  `sha256sum` of the same file plus the tool's start-up, measured two ways: `ledger balance` on
  the same ledger (the start-up of a simple query), and `ledger attach` of a new 100-byte file
  (the start-up of the same write: opening the ledger for writing, one transaction, one event
  and its commit): target 1.5x;
- `ledger balance` and `ledger history` (the whole register, to /dev/null) on the ledger with
  documents, against the same on the copy without: target 1.1x;
- `ledger export --format ndjson` on the ledger with documents: peak memory, target 100 MiB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import generate  # noqa: E402
from startup import clean_env, run_once  # noqa: E402

DOCUMENT_SIZE = 200 * 1024
BIG = 10 * 1024 * 1024
ATTACH_TARGET = 1.5
QUERY_TARGET = 1.1
MEMORY_TARGET = 100.0  # MiB


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def attach_many(path: Path, folder: Path, count: int) -> None:
    """Attach `count` files of random bytes to the first money entries of the ledger at
    `path`, through the application's write path."""
    from ledger_cli.app.documents import read_file
    from ledger_cli.app.service import Document, Ledger
    from ledger_cli.domain.commands import AttachDocument
    from ledger_cli.domain.dates import today

    ledger = Ledger(path)
    with ledger.query() as q:
        refs = [row.ref for row in q.audit() if row.type in ("FundsDeposited", "CheckWritten")]
    for number, ref in enumerate(refs[:count]):
        file = folder / f"receipt-{number}.bin"
        file.write_bytes(os.urandom(DOCUMENT_SIZE))
        content = read_file(file)
        command = AttachDocument(ref, content.sha256, content.size, content.name,
                                 content.media_type, today())
        ledger.execute(command, document=Document(content.sha256, content.data))
        file.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--documents", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    ledger = str(Path(sys.executable).parent / "ledger")
    sha256sum = shutil.which("sha256sum")
    if sha256sum is None:
        sys.exit("sha256sum is not installed")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        plain, categorized = folder / "register.csv", folder / "register-categories.csv"
        generate(plain, categorized, options.events)
        bare, held = folder / "bare.db", folder / "documents.db"
        env_bare = clean_env(dict(os.environ, LEDGER_DB=str(bare), LEDGER_NO_REMINDERS="1"))
        env_held = dict(env_bare, LEDGER_DB=str(held))
        run([ledger, "import", str(plain)], env_bare)
        shutil.copyfile(bare, held)
        # `attach` is timed on a copy of its own, so that the two above differ only in the
        # 1,000 documents.
        shutil.copyfile(bare, folder / "attach.db")
        env_attach = dict(env_bare, LEDGER_DB=str(folder / "attach.db"))
        attach_many(held, folder, options.documents)
        size = held.stat().st_size / 2**20
        refs = [row.split(",")[1] for row in run([ledger, "history", "--csv"], env_bare)
                .splitlines()[1:]]
        queries = {
            "ledger balance": [ledger, "balance"],
            "ledger history (whole register)": [ledger, "history"],
        }
        times: dict[str, list[float]] = {label: [] for label in queries}
        bases: dict[str, list[float]] = {label: [] for label in queries}
        attach_times: list[float] = []
        attach_bases: list[float] = []
        write_bases: list[float] = []
        export_peak = 0.0
        for args in queries.values():
            run_once(args, env_bare), run_once(args, env_held)  # warm-up
        for round_ in range(options.runs):
            for label, args in queries.items():
                bases[label].append(run_once(args, env_bare)[0])
                times[label].append(run_once(args, env_held)[0])
            big = folder / f"scan-{round_}.pdf"
            big.write_bytes(b"%PDF-1.7\n" + os.urandom(BIG - 9))
            hashing = run_once([sha256sum, str(big)], env_attach)[0]
            startup = run_once([ledger, "balance"], env_attach)[0]
            attach_bases.append(hashing + startup)
            small = folder / f"note-{round_}.txt"
            small.write_bytes(os.urandom(100))
            tiny = run_once([ledger, "attach", refs[-1 - round_], str(small)], env_attach)[0]
            write_bases.append(hashing + tiny)
            ref = refs[-1 - options.runs - round_]
            attach_times.append(run_once([ledger, "attach", ref, str(big)], env_attach)[0])
            big.unlink()
            export_peak = max(export_peak, run_once(
                [ledger, "export", "--format", "ndjson"], env_held)[1])
        events = int(run([ledger, "digest"], env_held).split(":")[0])
    print(f"\nissue 15 ratios: {events:,} events, {options.documents:,} documents of "
          f"{DOCUMENT_SIZE // 1024} KiB (file {size:,.0f} MiB); medians of {options.runs} "
          "rounds, whole processes; ratio = median of the per-round ratios")
    print(f"{'measure':58} {'median':>9} {'base':>9} {'ratio':>7} {'target':>8}  met"
          "  (each round)")

    def row(label: str, found: list[float], base: list[float], target: float) -> None:
        each = [t / b for t, b in zip(found, base, strict=True)]
        ratio = statistics.median(each)
        met = "yes" if ratio <= target else "NO"
        rounds = " ".join(f"{value:.2f}" for value in each)
        print(f"{label:58} {statistics.median(found):7.1f}ms {statistics.median(base):7.1f}ms "
              f"{ratio:6.2f}x {f'<= {target:.1f}x':>8}  {met:3}  ({rounds})")

    row("ledger attach (10 MiB) vs sha256sum + ledger balance", attach_times, attach_bases,
        ATTACH_TARGET)
    row("ledger attach (10 MiB) vs sha256sum + attach (100 bytes)", attach_times, write_bases,
        ATTACH_TARGET)
    for label in queries:
        row(f"{label}, with documents vs without", times[label], bases[label], QUERY_TARGET)
    met = "yes" if export_peak <= MEMORY_TARGET else "NO"
    print(f"{'ledger export --format ndjson: peak memory':58} {export_peak:7.1f}MiB "
          f"{'':>9} {'':>7} {f'<= {MEMORY_TARGET:.0f}MiB':>8}  {met}")
    print(f"{os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
