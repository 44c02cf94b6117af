"""`ledger demo` (cli/demo.py): the tour's March register, written through the write path into a
throwaway ledger, each entry with its category, and shown as balance, history, report, audit and
reconcile show it. The user's ledger
(LEDGER_DB, --db, the default file) is never created or changed, and no temporary folder is
left behind; `--keep PATH` leaves a real ledger at a new PATH."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import cli, denied, ledger_env, ledger_executable, ok

RESULTS = [
    "Opened checking; Deposited 10,000.00 to checking (ref T1); category income:salary; "
    "balance of checking: 10,000.00",
    "Check 1 to Landlord for 4,000.00 written on checking (ref T2); category home:rent; "
    "balance of checking: 6,000.00",
    "Withdrew 200.00 from checking (ref T3); category cash; balance of checking: 5,800.00",
    "Check 2 to Power company for 1,250.50 written on checking (ref T4); "
    "category home:utilities; balance of checking: 4,549.50",
    "Deposited 2,500.00 to checking (ref T5); category income:refunds; "
    "balance of checking: 7,049.50",
]
HISTORY = [  # date, ref, type, category, amount, balance of each register row
    ("2026-03-01", "T1", "deposit", "income:salary", "10,000.00", "10,000.00"),
    ("2026-03-03", "T2", "check", "home:rent", "-4,000.00", "6,000.00"),
    ("2026-03-05", "T3", "withdrawal", "cash", "-200.00", "5,800.00"),
    ("2026-03-28", "T4", "check", "home:utilities", "-1,250.50", "4,549.50"),
    ("2026-03-30", "T5", "deposit", "income:refunds", "2,500.00", "7,049.50"),
]
REPORT = [  # `ledger report` of the register, under its title
    "category          2026-03      total",
    "INCOME",
    "  income        12,500.00  12,500.00",
    "    refunds      2,500.00   2,500.00",
    "    salary      10,000.00  10,000.00",
    "SPENDING",
    "  cash             200.00     200.00",
    "  home           5,250.50   5,250.50",
    "    rent         4,000.00   4,000.00",
    "    utilities    1,250.50   1,250.50",
    "income total    12,500.00  12,500.00",
    "spending total   5,450.50   5,450.50",
    "net              7,049.50   7,049.50",
]
AUDIT_TYPES = ["AccountOpened", "FundsDeposited", "CheckWritten", "CashWithdrawn",
               "CheckWritten", "FundsDeposited"]
HEADINGS = ["# ledger balance", "# ledger history", "# ledger report", "# ledger audit",
            "# ledger reconcile"]
KNOWN_AT = re.compile(r"as known at \S+$", re.M)  # the report title ends with the last time


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder temporary files go to, for this test alone (in-process and in a subprocess)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))  # gettempdir() caches its answer
    return folder


def sections(out: str) -> dict[str, list[str]]:
    """The demo's output cut at its `# ledger ...` headings: {heading: the lines under it};
    the lines before the first heading are under ""."""
    parts: dict[str, list[str]] = {"": []}
    current = ""
    for line in out.splitlines():
        if line.startswith("# ledger "):
            current = line
            assert current not in parts, current
            parts[current] = []
        else:
            parts[current].append(line)
    return parts


def test_the_demo_writes_the_register_and_shows_every_query(
    temp: Path, ledger_db: Path, tmp_path: Path
) -> None:
    out = ok("demo")
    parts = sections(out)
    assert parts[""] == [
        "A throwaway ledger in a temporary folder, removed at the end; "
        "your own ledger is not touched."
    ]
    writes = [heading for heading in parts if heading and heading not in HEADINGS]
    assert [parts[heading] for heading in writes] == [[line] for line in RESULTS]
    assert list(parts)[-5:] == HEADINGS
    assert parts["# ledger balance"] == ["checking: 7,049.50 USD"]
    history = parts["# ledger history"]
    assert history[0] == "Register of checking (USD)"
    assert history[1].split() == ["date", "recorded", "ref", "clr", "type", "no.", "payee",
                                  "memo", "category", "amount", "balance"]
    rows = [line.split() for line in history[2:]]
    assert [(r[0], r[2], r[3], r[-3], r[-2], r[-1]) for r in rows] == HISTORY
    audit = "\n".join(parts["# ledger audit"])
    last_recorded = re.findall(r"recorded_at (\S+)$", audit, re.M)[-1]
    assert parts["# ledger report"] == [
        f"By category and month (USD), as known at {last_recorded}", *REPORT
    ]
    assert re.findall(r"^seq (\d+)  T\d  (\w+)  checking", audit, re.M) == [
        (str(seq), kind) for seq, kind in enumerate(AUDIT_TYPES, 1)
    ]
    assert "balance 7049.50 USD" in audit.splitlines()[-5]
    reconcile = parts["# ledger reconcile"]
    assert reconcile[0].startswith(
        "OK: 6 events verified; running balances and hash chain intact; head 6:"
    )
    assert reconcile[1:] == [
        "The throwaway ledger is removed. Start your own books: ledger deposit AMOUNT"
    ]
    # Nothing of the user's, nothing left over.
    assert not ledger_db.exists()
    assert list(temp.iterdir()) == []
    assert not (tmp_path / "home").exists()


def test_the_demo_leaves_an_existing_ledger_byte_for_byte(temp: Path, ledger_db: Path) -> None:
    ok("deposit", "5", "--date", "2026-01-02")
    files = sorted(ledger_db.parent.glob("ledger.db*"))
    before = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files}
    ok("demo")
    after = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(ledger_db.parent.glob("ledger.db*"))
    }
    assert after == before
    assert ok("balance") == "checking: 5.00 USD\n"
    assert list(temp.iterdir()) == []


def test_the_headings_are_the_commands_that_print_what_is_under_them(
    temp: Path, ledger_db: Path
) -> None:
    parts = sections(ok("demo"))
    for heading, lines in parts.items():
        if heading and heading not in HEADINGS:
            assert ok(*shlex.split(heading)[2:]).splitlines() == lines, heading
    assert ok("balance").splitlines() == parts["# ledger balance"]
    assert KNOWN_AT.sub("as known at -", ok("report")).splitlines() == [
        KNOWN_AT.sub("as known at -", line) for line in parts["# ledger report"]
    ]
    recorded = re.compile(r"^(\S+  )\d{4}-\d\d-\d\d", re.M)  # the day it was recorded
    assert recorded.sub(r"\1-", ok("history")).splitlines() == [
        recorded.sub(r"\1-", line) for line in parts["# ledger history"]
    ]
    ours = [line.split()[:4] for line in ok("audit").splitlines() if line.startswith("seq ")]
    theirs = [line.split()[:4] for line in parts["# ledger audit"] if line.startswith("seq ")]
    assert ours == theirs and len(ours) == 6


def test_the_demo_works_and_creates_nothing_with_ledger_db_unset(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = ledger_env(TMPDIR=str(temp))
    env.pop("LEDGER_DB")
    home = Path(env["HOME"])
    assert home == tmp_path / "home" and str(home) in env["XDG_DATA_HOME"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ledger_executable(), *args], capture_output=True, text=True,
                              env=env, timeout=60, check=False)

    done = run("demo")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "\n# ledger balance\nchecking: 7,049.50 USD\n" in done.stdout
    assert list(temp.iterdir()) == []
    assert not home.exists()  # the default ledger's folder (platformdirs, under HOME) included
    query = run("balance")
    assert query.returncode == 1
    assert query.stderr.startswith("ledger: no ledger at ")
    assert not home.exists()


def test_keep_leaves_a_ledger_that_the_other_commands_read(
    temp: Path, ledger_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "demo.db"
    out = ok("demo", "--keep", str(path))
    lines = out.splitlines()
    assert lines[0] == f"A new ledger at {path}, kept; your own ledger is not touched."
    assert lines[-1] == f"Go on with it: ledger --db {path} history"
    assert "\n# ledger balance\nchecking: 7,049.50 USD\n" in out
    assert ok("balance", db=path) == "checking: 7,049.50 USD\n"
    assert ok("reconcile", db=path).startswith("OK: 6 events verified;")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # It is a ledger like any other: it takes writes.
    assert ok("withdraw", "49.50", "--date", "2026-03-31", db=path).endswith(
        "balance of checking: 7,000.00\n"
    )
    assert not ledger_db.exists()
    assert list(temp.iterdir()) == []


def test_keep_refuses_a_path_that_exists_and_leaves_it_as_it_was(
    temp: Path, ledger_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "taken.db"
    path.write_bytes(b"mine")
    assert denied("demo", "--keep", str(path)) == (
        f"ledger: --keep {str(path)!r} already exists; the demo writes only a new file"
    )
    assert path.read_bytes() == b"mine"
    ok("deposit", "1", "--date", "2026-01-02")
    assert denied("demo", "--keep", str(ledger_db)).endswith("already exists; the demo writes "
                                                             "only a new file")
    assert ok("balance") == "checking: 1.00 USD\n"
    missing = tmp_path / "no-such-folder" / "demo.db"
    assert denied("demo", "--keep", str(missing)) == (
        f"ledger: --keep {str(missing)!r}: the folder {str(missing.parent)!r} does not exist"
    )
    assert not missing.parent.exists()
    assert list(temp.iterdir()) == []


def test_db_on_the_command_line_is_refused_not_ignored(
    temp: Path, ledger_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "books.db"
    assert denied("--db", str(path), "demo") == (
        "ledger: demo does not use --db: it writes a throwaway ledger (--keep PATH keeps it)"
    )
    assert not path.exists() and not ledger_db.exists()


def test_json_is_one_document_of_each_commands_json(temp: Path, ledger_db: Path) -> None:
    document = json.loads(ok("demo", "--json"))
    assert list(document) == [
        "ledger", "commands", "balance", "history", "report", "audit", "reconcile"
    ]
    assert document["ledger"] is None
    assert [c["command"] for c in document["commands"]] == [
        "ledger deposit 10000 --date 2026-03-01 --payee Salary -c income:salary",
        "ledger check 4000 --date 2026-03-03 --payee Landlord -c home:rent",
        "ledger withdraw 200 --date 2026-03-05 -m 'ATM Main St' -c cash",
        "ledger check 1250.50 --date 2026-03-28 --payee 'Power company' -c home:utilities",
        "ledger deposit 2500 --date 2026-03-30 --payee Refund -c income:refunds",
    ]
    assert [c["result"]["balance"] for c in document["commands"]] == [
        "10000.00", "6000.00", "5800.00", "4549.50", "7049.50"
    ]
    assert [
        (c["result"]["category"], c["result"]["split"], c["result"]["category_source"])
        for c in document["commands"]
    ] == [(row[3], None, "given") for row in HISTORY]
    assert document["balance"] == {"account": "checking", "currency": "USD",
                                   "balance": "7049.50", "as_of": None,
                                   "known_at": document["audit"][-1]["recorded_at"]}
    assert [(r["ref"], r["amount"], r["balance"]) for r in document["history"]] == [
        ("T1", "10000.00", "10000.00"), ("T2", "-4000.00", "6000.00"),
        ("T3", "-200.00", "5800.00"), ("T4", "-1250.50", "4549.50"),
        ("T5", "2500.00", "7049.50"),
    ]
    assert [r["category"] for r in document["history"]] == [row[3] for row in HISTORY]
    report = document["report"]
    assert (report["by"], report["currency"], report["periods"]) == ("month", "USD", ["2026-03"])
    assert report["known_at"] == document["audit"][-1]["recorded_at"]
    assert [(r["category"], r["section"], r["total"]) for r in report["rows"]] == [
        ("income", "income", "12500.00"), ("income:refunds", "income", "2500.00"),
        ("income:salary", "income", "10000.00"), ("cash", "spending", "200.00"),
        ("home", "spending", "5250.50"), ("home:rent", "spending", "4000.00"),
        ("home:utilities", "spending", "1250.50"),
    ]
    assert report["totals"] == {"income": {"2026-03": "12500.00"},
                                "spending": {"2026-03": "5450.50"},
                                "net": {"2026-03": "7049.50"}}
    assert [r["type"] for r in document["audit"]] == AUDIT_TYPES
    check = document["reconcile"]
    assert check["ok"] is True and check["events"] == 6 and check["problems"] == []
    assert check["head"]["hash"] == document["audit"][-1]["hash"]
    assert not ledger_db.exists()
    assert list(temp.iterdir()) == []


def test_a_demo_that_fails_half_way_leaves_nothing_behind(
    temp: Path, ledger_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger_cli.app.service import Ledger
    from ledger_cli.errors import StorageError

    real = Ledger.execute
    calls = []

    def failing(self: Ledger, command: object, **options: object) -> object:
        calls.append(command)
        if len(calls) == 3:
            raise StorageError("disk full")
        return real(self, command, **options)

    monkeypatch.setattr(Ledger, "execute", failing)
    code, _, err = cli("demo")
    assert (code, err) == (4, "ledger: disk full\n")
    assert list(temp.iterdir()) == []
    path = tmp_path / "demo.db"
    calls.clear()
    code, _, err = cli("demo", "--keep", str(path))
    assert (code, err) == (4, "ledger: disk full\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]
    assert not ledger_db.exists()
