"""The same books on PostgreSQL as in a file (SPEC 14; README, "Backup and restore"): the
installed `ledger`, in a subprocess, runs one register (the README tour's start, a transfer to
savings, a void, an unvoid, an amend, categories, a rule, a budget, a schedule posted by `due
--post`, a receipt, clearing, a bank statement and its reconciliation, and denials) once on a
file and once on a PostgreSQL database, with LEDGER_TODAY fixed. Every command's exit code,
stdout and stderr, and every query (text and `--json`), are the same on both, once recorded
times and hashes (the clock differs) and the ledger's location are normalised. The file side
runs with LOGNAME and USER set to the PostgreSQL role, so even `by` is the same, unnormalised.

Then moving books: an NDJSON backup of the file restores on the server and one of the server
restores to a file, with the same digest, the same `audit --json` (exactly) and the same
document bytes; a restore into a non-empty ledger is refused on the server as on a file.

And who appended each event (`by`): the role on PostgreSQL (two roles writing into one
ledger), the login name on a file; events from a backup made before `by` existed show null
and verify. That old backup is built here by hand with the chain rules of docs/FORMAT.md
(tests/fixtures holds no ledger or backup from before `by`): version 1, details as the
version before `by` recorded them.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import secrets
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from conftest import RECORDED_AT, assert_refused, ledger_env, ledger_executable
from pgserver import PgServer

TODAY = "2026-05-31"
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
RECEIPT = b"Lease for the flat, signed 2026-03-01.\nRent 4,000.00 a month.\n"
RECEIPT_SHA = hashlib.sha256(RECEIPT).hexdigest()
MARCH_CSV = (
    "Posting Date,Description,Check Number,Debit,Credit\n"
    "03/01/2026,PAYROLL ACME CORP,,,10000.00\n"
    "03/06/2026,ATM WITHDRAWAL MAIN ST,,200.00,\n"
    "03/08/2026,CHECK 1,1,4000.00,\n"
    "03/20/2026,CORNER GROCER #12 SPRINGFIELD,,38.40,\n"
    "03/31/2026,MONTHLY SERVICE FEE,,12.00,\n"
)
# The statement's ending balance, computed by hand: what the bank has (10000 - 200 - 4000 -
# 38.40 - 12) and check 2 (1,250.50), cleared by hand before the statement.
MARCH_CLEARED = "4499.10"


def display_url(url: str) -> str:
    """A PostgreSQL URL as the tool names it in messages: without its password."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = userinfo.split(":", 1)[0] + "@" + host
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Side:
    """One place for the books (a file or a PostgreSQL URL) and how to run `ledger` on it."""

    db: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None

    def run(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [ledger_executable(), *args], input=stdin, capture_output=True, text=True,
            env=ledger_env(None, LEDGER_DB=self.db, LEDGER_TODAY=TODAY, **self.env, **(env or {})),
            cwd=self.cwd, timeout=timeout, check=False,
        )
        assert "Traceback" not in done.stderr, (args, done.stderr)
        assert "internal error" not in done.stderr, (args, done.stderr)
        return done

    def ok(self, *args: str, **options: Any) -> str:
        done = self.run(*args, **options)
        assert done.returncode == 0, (self.db, args, done.returncode, done.stdout, done.stderr)
        return done.stdout

    def ok_json(self, *args: str, **options: Any) -> Any:
        return json.loads(self.ok(*args, "--json", **options))

    def denied(self, *args: str, code: int = 1, **options: Any) -> str:
        done = self.run(*args, **options)
        return assert_refused(
            done.returncode, done.stdout, done.stderr, expected=code, args=args
        )

    def normalised(self, text: str) -> str:
        """Recorded times, hashes (but a document's, which is its content's) and the ledger's
        location replaced by placeholders."""
        for name in (self.db, display_url(self.db)):
            text = text.replace(name, "<ledger>")
        text = RECORDED_AT.sub("<recorded>", text)
        return HEX64.sub(lambda m: m[0] if m[0] == RECEIPT_SHA else "<hash>", text)


# The register, in order: the arguments, and the exit code each must give (on both).
def script(inputs: Path) -> list[tuple[tuple[str, ...], int]]:
    receipt, march = str(inputs / "lease.txt"), str(inputs / "march.csv")
    return [
        (("deposit", "10000", "--date", "2026-03-01", "--payee", "Salary", "-c",
          "income:salary"), 0),  # T1
        (("check", "4000", "--date", "2026-03-03", "--payee", "Landlord", "-c", "home:rent"),
         0),  # T2
        (("withdraw", "200", "--date", "2026-03-05", "-m", "ATM Main St", "-c", "cash"), 0),  # T3
        (("check", "1250.50", "--date", "2026-03-28", "--payee", "Power company", "-c",
          "home:utilities", "--json"), 0),  # T4
        (("deposit", "2500", "--date", "2026-03-30", "--payee", "Refund", "-c",
          "income:refunds"), 0),  # T5
        (("open", "savings", "--date", "2026-03-01", "--json"), 0),  # T6
        (("transfer", "500", "--from", "checking", "--to", "savings", "--date", "2026-03-10",
          "-m", "rainy day"), 0),  # T7
        # Denials: the overdraft, an unknown account, an unknown ref, a usage error.
        (("check", "99999", "--date", "2026-04-01", "--payee", "Nobody"), 1),
        (("check", "99999", "--date", "2026-04-01", "--payee", "Nobody", "--json"), 1),
        (("deposit", "5", "-a", "chekcing"), 1),
        (("withdraw", "5", "-a", "chekcing", "--json"), 1),
        (("void", "T99"), 1),
        (("deposit", "-5"), 1),
        (("deposit", "5", "--no-such-option"), 2),
        (("check", "75", "--date", "2026-04-20", "--payee", "Plumbr"), 0),  # T8
        (("void", "T8", "--reason", "wrong payee"), 0),  # T9
        (("void", "T8"), 1),  # already voided
        (("unvoid", "T8", "--json"), 0),  # T10
        (("amend", "T8", "--payee", "Plumber", "--dry-run"), 0),
        (("amend", "T8", "--payee", "Plumber"), 0),  # T11 (the void), T12
        (("categorize", "T3", "-c", "cash:atm"), 0),  # T13
        (("categorize", "T3", "-c", "cash:atm"), 1),  # nothing would change
        (("rule", "add", "CORNER GROCER", "-c", "food:groceries", "--payee", "Corner Grocer"),
         0),  # T14
        (("check", "84.20", "--date", "2026-05-09", "--payee", "Corner Grocer", "--json"),
         0),  # T15, by rule 1
        (("budget", "food", "150", "--from", "2026-05"), 0),  # T16
        (("schedule", "add", "salary", "deposit", "3000", "--every", "month", "--start",
          "2026-05-28", "--payee", "Salary", "-c", "income:salary"), 0),  # T17
        (("schedule", "add", "rent", "check", "4000", "--every", "month", "--start",
          "2026-06-01", "--payee", "Landlord", "-c", "home:rent"), 0),  # T18
        (("due", "--json"), 0),
        (("due", "--post"), 0),  # T19
        (("due", "--post", "--json"), 0),  # nothing is due any more
        (("attach", "T2", receipt, "--note", "lease"), 0),  # T20
        (("attach", "T99", receipt), 1),
        (("clear", "T4"), 0),  # T21
        (("statement", march, "-a", "checking"), 0),
        (("balance", "--cleared", "--as-of", "2026-03-31"), 0),
        (("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
          "--statement-balance", "4499"), 1),  # does not match: nothing recorded
        (("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
          "--statement-balance", MARCH_CLEARED), 0),
        (("check", "10", "--date", "2026-03-15"), 1),  # a sealed period
        (("close", "savings"), 1),  # its balance is not zero
        (("rule", "list", "--json"), 0),
        (("budget", "--json"), 0),
        (("schedule", "list", "--json"), 0),
    ]


QUERIES: list[tuple[str, ...]] = [
    ("balance", "--all"),
    ("balance", "--all", "--json"),
    ("balance", "--as-of", "2026-03-05", "--json"),
    ("balance", "--cleared", "--json"),
    ("history",),
    ("history", "--json"),
    ("history", "--all", "--json"),
    ("history", "-a", "savings", "--csv"),
    ("history", "--category", "food", "--json"),
    ("audit",),
    ("audit", "--json"),
    ("audit", "--csv"),
    ("report", "--json"),
    ("report", "--budget", "--json"),
    ("report",),
    ("forecast", "--json"),
    ("forecast", "--through", "2026-07-31"),
    ("docs", "--json"),
    ("docs", "missing", "--over", "3000", "--json"),
    ("due", "--through", "2026-07-31", "--json"),
    ("reconcile",),
    ("reconcile", "--json"),
    ("digest",),
    ("export", "--format", "csv"),
    ("export", "--format", "hledger"),
]


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Books:
    file: Side
    pg: Side
    inputs: Path
    steps: list[tuple[tuple[str, ...], int]]
    answers: dict[str, list[Result]]  # "file" / "pg": one per step, then one per query


@pytest.fixture(scope="module")
def books(
    pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Books]:
    """The register, recorded on a file and on a PostgreSQL database of this module's own."""
    inputs = tmp_path_factory.mktemp("inputs")
    (inputs / "lease.txt").write_bytes(RECEIPT)
    (inputs / "march.csv").write_text(MARCH_CSV)
    dbname = pg_server.create_database()
    hermetic = {"HOME": str(inputs / "home"), "XDG_DATA_HOME": str(inputs / "home" / "data")}
    # The login name on the file is the role's name on the server, so `by` matches too.
    as_role = {"LOGNAME": pg_server.admin_user, "USER": pg_server.admin_user}
    file = Side(str(tmp_path_factory.mktemp("file") / "books.db"), {**hermetic, **as_role})
    pg = Side(pg_server.url(dbname), hermetic)
    steps = script(inputs)

    def record(side: Side) -> list[Result]:
        results = []
        for args in [step for step, _ in steps] + QUERIES:
            done = side.run(*args)
            results.append(Result(done.returncode, done.stdout, done.stderr))
        return results

    try:
        # The two sides are independent: run them side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            on_file, on_pg = pool.submit(record, file), pool.submit(record, pg)
            answers = {"file": on_file.result(), "pg": on_pg.result()}
        yield Books(file, pg, inputs, steps, answers)
    finally:
        pg_server.ensure_running()
        pg_server.drop_database(dbname)


def test_every_command_gives_the_same_answer_on_both(books: Books) -> None:
    for index, (args, code) in enumerate(books.steps):
        on_file, on_pg = books.answers["file"][index], books.answers["pg"][index]
        assert on_file.code == code, (args, on_file)
        assert on_pg.code == code, (args, on_pg)
        assert books.pg.normalised(on_pg.out) == books.file.normalised(on_file.out), args
        assert books.pg.normalised(on_pg.err) == books.file.normalised(on_file.err), args
        if code == 1 and args[0] != "reconcile":  # a mismatch shows the difference
            # A denial: nothing on stdout, one line on stderr (JSON with --json) on both.
            for result in (on_file, on_pg):
                assert_refused(result.code, result.out, result.err, expected=code, args=args)


def test_denials_name_the_same_reason(books: Books) -> None:
    """The denials of the register, word for word (the same on the file: the test above)."""
    said = {" ".join(args): books.answers["pg"][n].err for n, (args, _) in enumerate(books.steps)}
    overdraft = (
        "insufficient funds in checking for check 3 of 99,999.00: balance 6,549.50, "
        "overdraft limit 0.00"
    )
    unknown = "no account 'chekcing'; did you mean 'checking'?"
    assert said["check 99999 --date 2026-04-01 --payee Nobody"] == f"ledger: {overdraft}\n"
    assert json.loads(said["check 99999 --date 2026-04-01 --payee Nobody --json"]) == {
        "error": overdraft, "code": 1
    }
    assert said["deposit 5 -a chekcing"] == f"ledger: {unknown}\n"
    assert json.loads(said["withdraw 5 -a chekcing --json"]) == {"error": unknown, "code": 1}
    assert said["void T99"] == "ledger: no transaction 'T99'\n"
    assert said["void T8"] == "ledger: T8 was already voided by T9\n"
    assert said["close savings"].startswith("ledger: account 'savings' has a balance of 500.00")


def test_every_query_gives_the_same_answer_on_both(books: Books) -> None:
    first = len(books.steps)
    for offset, args in enumerate(QUERIES):
        on_file = books.answers["file"][first + offset]
        on_pg = books.answers["pg"][first + offset]
        assert on_file.code == on_pg.code == 0, (args, on_file, on_pg)
        assert books.pg.normalised(on_pg.out) == books.file.normalised(on_file.out), args
        assert books.pg.normalised(on_pg.err) == books.file.normalised(on_file.err), args


def test_the_books_hold_the_amounts_a_user_expects(books: Books) -> None:
    """Computed by hand: checking 10000 - 4000 - 200 - 1250.50 + 2500 - 500 - 75 (the amended
    check, once) - 84.20 + 3000 (the salary posted) - 38.40 - 12 (from the statement)."""
    balances = {row["account"]: row["balance"] for row in books.pg.ok_json("balance", "--all")}
    assert balances == {"checking": "9339.90", "savings": "500.00"}
    assert books.pg.ok_json("balance", "--cleared")["balance"] == MARCH_CLEARED
    check = books.pg.ok_json("reconcile")
    assert check["ok"] is True and check["problems"] == []
    docs = books.pg.ok_json("docs")
    assert [(d["ref"], d["sha256"], d["size"], d["note"]) for d in docs] == [
        ("T2", RECEIPT_SHA, len(RECEIPT), "lease")
    ]
    # One role ran every command on the server; the file side ran as a user of that name.
    role = urlsplit(books.pg.db).username
    assert {event["by"] for event in books.pg.ok_json("audit")} == {role}
    assert {event["by"] for event in books.file.ok_json("audit")} == {role}


# -- moving the books between a file and a server ---------------------------------------------


def _balances(side: Side) -> list[tuple[str, str, str]]:
    return [(row["account"], row["currency"], row["balance"])
            for row in side.ok_json("balance", "--all")]


def _document(side: Side, where: Path) -> bytes:
    side.ok("docs", "get", RECEIPT_SHA[:12], "-o", str(where))
    return where.read_bytes()


def test_a_files_backup_restores_on_the_server_with_the_same_digest(
    books: Books, pg_url: str, tmp_path: Path
) -> None:
    backup = books.file.ok("export", "--format", "ndjson")
    target = Side(pg_url, books.pg.env)
    restored = target.ok_json("restore", "-", stdin=backup)
    digest = books.file.ok("digest")
    assert target.ok("digest") == digest
    assert f"{restored['head']['seq']}:{restored['head']['hash']}\n" == digest
    assert target.ok("audit", "--json") == books.file.ok("audit", "--json")
    assert _document(target, tmp_path / "restored-on-pg.txt") == RECEIPT
    assert target.ok("reconcile", "--json") == books.file.ok("reconcile", "--json")
    assert _balances(target) == _balances(books.file)


def test_a_servers_backup_restores_to_a_file_with_the_same_digest(
    books: Books, tmp_path: Path
) -> None:
    backup_path = tmp_path / "from-pg.ndjson"
    books.pg.ok("export", "--format", "ndjson", "-o", str(backup_path))
    target = Side(str(tmp_path / "restored.db"), books.file.env)
    restored = target.ok("restore", str(backup_path))
    assert restored.startswith("Restored ")
    assert target.ok("digest") == books.pg.ok("digest")
    assert target.ok("audit", "--json") == books.pg.ok("audit", "--json")
    assert _document(target, tmp_path / "restored-to-file.txt") == RECEIPT
    assert target.ok("reconcile", "--json") == books.pg.ok("reconcile", "--json")
    # And the round trip: the file's own export is the server's, line for line.
    assert target.ok("export", "--format", "ndjson") == backup_path.read_text()


def test_a_restore_into_a_ledger_that_holds_events_is_refused_on_the_server_as_on_a_file(
    books: Books,
) -> None:
    backup = books.file.ok("export", "--format", "ndjson")
    before = (books.pg.ok("digest"), books.file.ok("digest"))
    on_pg = books.pg.denied("restore", "-", stdin=backup)
    on_file = books.file.denied("restore", "-", stdin=backup)
    assert books.pg.normalised(on_pg) == books.file.normalised(on_file)
    assert "<ledger> already holds" in books.pg.normalised(on_pg), on_pg
    assert (books.pg.ok("digest"), books.file.ok("digest")) == before


# -- who appended each event ------------------------------------------------------------------


def test_on_the_server_by_is_the_role_that_ran_each_command(
    pg_server: PgServer, tmp_path: Path
) -> None:
    # Roles belong to the whole server: this one has a name of its own, dropped at the end.
    password = "clerk-" + secrets.token_hex(8)
    clerk = pg_server.create_role(f"ledger_clerk_{secrets.token_hex(4)}", password)
    dbname = pg_server.create_database()
    try:
        # The clerk owns the database, so its first write may create the schema there.
        pg_server.psql("postgres", f'ALTER DATABASE "{dbname}" OWNER TO "{clerk}"')
        home = {"HOME": str(tmp_path)}
        as_clerk = Side(pg_server.url(dbname, clerk, password), home)
        as_admin = Side(pg_server.url(dbname), home)
        as_clerk.ok("deposit", "100", "--date", "2026-03-01", "--payee", "Salary")
        as_admin.ok("check", "30", "--date", "2026-03-02", "--payee", "Grocer")
        as_clerk.ok("void", "T2")
        audit = as_admin.ok_json("audit")
        assert [(e["seq"], e["type"], e["by"]) for e in audit] == [
            (1, "AccountOpened", clerk),
            (2, "FundsDeposited", clerk),
            (3, "CheckWritten", pg_server.admin_user),
            (4, "TransactionVoided", clerk),
        ]
        assert as_clerk.ok("audit", "--json") == as_admin.ok("audit", "--json")
        text = as_admin.ok("audit")
        assert text.count(f"by={clerk}") == 3 and text.count(f"by={pg_server.admin_user}") == 1
        assert as_admin.ok_json("reconcile")["ok"] is True
        assert as_admin.ok_json("balance")["balance"] == "100.00"
    finally:
        pg_server.drop_database(dbname)
        pg_server.psql("postgres", f'DROP ROLE IF EXISTS "{clerk}"')


def test_on_a_file_by_is_the_login_name(tmp_path: Path) -> None:
    side = Side(str(tmp_path / "books.db"), {"HOME": str(tmp_path)})
    side.ok("deposit", "100", "--date", "2026-03-01", env={"LOGNAME": "someone"})
    side.ok("check", "30", "--date", "2026-03-02", env={"LOGNAME": "other", "USER": "x"})
    # Without an override: the test process's own login name, as getpass finds it.
    side.ok("withdraw", "20", "--date", "2026-03-03")
    audit = side.ok_json("audit")
    assert [(e["type"], e["by"]) for e in audit] == [
        ("AccountOpened", "someone"),
        ("FundsDeposited", "someone"),
        ("CheckWritten", "other"),
        ("CashWithdrawn", getpass.getuser()),
    ]
    assert "by=someone" in side.ok("audit")


# -- events from before `by` -------------------------------------------------------------------


def _old_backup() -> str:
    """A version-1 backup as the tool wrote it before `by` existed: the same details keys,
    without `by`, chained by the rules of docs/FORMAT.md (computed here, by hand)."""
    recorded = "2026-03-01T09:00:00.000000Z"
    events: list[tuple[Any, ...]] = [
        ("T1", "AccountOpened", "checking", 0, "2026-03-01",
         {"currency": "USD", "overdraft_limit": 0}),
        ("T1", "FundsDeposited", "checking", 1_000_000, "2026-03-01",
         {"category": "income:salary", "payee": "Salary"}),
        ("T2", "CheckWritten", "checking", -400_000, "2026-03-03",
         {"category": "home:rent", "number": 1, "payee": "Landlord"}),
    ]
    prev_hash, balance, lines = "0" * 64, 0, []
    for seq, (ref, kind, account, amount, day, details) in enumerate(events, start=1):
        balance += amount
        text = json.dumps(details, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        fields = [seq, ref, kind, account, amount, balance, day, recorded, text]
        canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
        names = "seq ref type account amount balance date recorded_at details".split()
        lines.append(json.dumps({**dict(zip(names, fields, strict=True)),
                                 "prev_hash": prev_hash, "hash": digest}))
        prev_hash = digest
    header = {"format": "ledger-backup", "version": 1, "events": len(events),
              "head": {"seq": len(events), "hash": prev_hash}}
    return "\n".join([json.dumps(header), *lines]) + "\n"


def test_events_recorded_before_by_show_null_and_verify(
    pg_server: PgServer, pg_url: str, tmp_path: Path
) -> None:
    backup = _old_backup()
    home = {"HOME": str(tmp_path), "LOGNAME": "someone"}
    on_pg = Side(pg_url, home)
    on_file = Side(str(tmp_path / "old.db"), home)
    for side in (on_pg, on_file):
        side.ok("restore", "-", stdin=backup)
        assert side.ok("reconcile").startswith("OK: 3 events verified")
        assert [e["by"] for e in side.ok_json("audit")] == [None, None, None]
    assert on_pg.ok("digest") == on_file.ok("digest")
    assert on_pg.ok("audit", "--json") == on_file.ok("audit", "--json")
    assert on_pg.ok("audit") == on_file.ok("audit")
    assert "by=" not in on_pg.ok("audit")
    # A new event records who appended it; the old ones still verify as they did.
    on_pg.ok("deposit", "5", "--date", "2026-03-04")
    on_file.ok("deposit", "5", "--date", "2026-03-04")
    assert [e["by"] for e in on_pg.ok_json("audit")] == [None] * 3 + [pg_server.admin_user]
    assert [e["by"] for e in on_file.ok_json("audit")] == [None] * 3 + ["someone"]
    for side in (on_pg, on_file):
        check = side.ok_json("reconcile")
        assert check["ok"] is True and check["events"] == 4, check
        assert side.ok_json("balance")["balance"] == "6005.00"
