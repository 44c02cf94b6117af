"""Shared books with the roles of the docs' recipe (SPEC 14; docs/postgres-roles.sql and
docs/postgres-grants.sql), run with the real `psql` and the installed `ledger`: the superuser
runs step 1, the owner's first write creates the ledger, the owner runs step 2. Then the writer
runs every command it needs (deposit, check, void, attach, statement, schedule, rebuild); the
reader runs every query, and each write it tries is exit 4 in one line saying "read-only",
with nothing recorded; the writer cannot change or remove what the log and the documents hold,
nor disable the guards, even with psql; and the superuser's UPDATE is refused by the trigger.

Roles belong to the whole server, which other tests share: the recipe runs here from copies of
the two files in which the role and database names (ledger_owner, ledger_writer,
ledger_reader, books) are given a suffix of this run's own, and all of it is dropped after.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, assert_refused, ledger_env, ledger_executable
from pgserver import PgServer

PSQL = shutil.which("psql")
pytestmark = pytest.mark.skipif(
    PSQL is None and not os.environ.get("CI"), reason="the psql client is not installed"
)
NAMES = ("ledger_owner", "ledger_writer", "ledger_reader", "books")
RECEIPT = b"Invoice 118: new roof tiles, 12,000.00 USD\n"
STATEMENT = (
    "Posting Date,Description,Check Number,Debit,Credit\n"
    "03/01/2026,PAYROLL ACME CORP,,,10000.00\n"
    "03/08/2026,CHECK 1,1,4000.00,\n"
    "03/31/2026,MONTHLY SERVICE FEE,,12.00,\n"
)
IMPORT = "date,type,amount,payee\n2026-04-01,deposit,10.00,Import\n"


def psql_env() -> dict[str, str]:
    """This process's environment without libpq's variables: the URL says everything."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def psql(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real psql client on `url` (no ~/.psqlrc, stop at the first error)."""
    assert PSQL is not None, "the psql client is not installed"
    return subprocess.run(
        [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", *args, url], capture_output=True,
        text=True, env=psql_env(), timeout=60, check=False,
    )


@dataclass
class Login:
    """One role's URL (with its password) and the installed `ledger` on it."""

    role: str
    password: str
    url: str
    home: Path

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [ledger_executable(), *args], input=stdin, capture_output=True, text=True,
            env=ledger_env(None, LEDGER_DB=self.url, LEDGER_TODAY="2026-05-31",
                           HOME=str(self.home)),
            cwd=self.home, timeout=60, check=False,
        )
        assert "Traceback" not in done.stderr, (args, done.stderr)
        return done

    def ok(self, *args: str, stdin: str = "") -> str:
        done = self.run(*args, stdin=stdin)
        assert done.returncode == 0, (self.role, args, done.returncode, done.stdout, done.stderr)
        return done.stdout

    def ok_json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def refused(self, *args: str, code: int, stdin: str = "") -> str:
        done = self.run(*args, stdin=stdin)
        return assert_refused(done.returncode, done.stdout, done.stderr, expected=code, args=args)


@dataclass
class Books:
    server: PgServer
    db: str
    owner: Login
    writer: Login
    reader: Login
    folder: Path
    written: dict[str, str]


def _renamed(sql: str, suffix: str) -> str:
    for name in NAMES:
        sql = re.sub(rf"\b{name}\b", f"{name}_{suffix}", sql)
    return sql


@pytest.fixture(scope="module")
def books(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    """The recipe run once for this module; the writer then keeps the books a while."""
    folder = tmp_path_factory.mktemp("roles")
    suffix = secrets.token_hex(3)
    owner, writer, reader, db = (f"{name}_{suffix}" for name in NAMES)
    passwords = {role: "pw-" + secrets.token_urlsafe(12) for role in (owner, writer, reader)}
    roles_sql, grants_sql = folder / "postgres-roles.sql", folder / "postgres-grants.sql"
    roles_sql.write_text(_renamed((REPO / "docs" / "postgres-roles.sql").read_text(), suffix))
    grants_sql.write_text(_renamed((REPO / "docs" / "postgres-grants.sql").read_text(), suffix))
    logins = [Login(role, passwords[role], pg_server.url(db, role, passwords[role]), folder)
              for role in (owner, writer, reader)]
    try:
        step1 = psql(
            pg_server.admin_url(), "-v", f"owner_password={passwords[owner]}",
            "-v", f"writer_password={passwords[writer]}",
            "-v", f"reader_password={passwords[reader]}", "-f", str(roles_sql),
        )
        assert step1.returncode == 0, step1.stderr
        logins[0].ok("open", "checking", "--date", "2026-03-01")
        step2 = psql(logins[0].url, "-f", str(grants_sql))
        assert step2.returncode == 0, step2.stderr
        (folder / "roof.txt").write_bytes(RECEIPT)
        (folder / "march.csv").write_text(STATEMENT)
        (folder / "rows.csv").write_text(IMPORT)
        written = writer_keeps_the_books(logins[1])
        yield Books(pg_server, db, logins[0], logins[1], logins[2], folder, written)
    finally:
        pg_server.ensure_running()
        pg_server.drop_database(db)
        for role in (owner, writer, reader):
            pg_server.psql("postgres", f'DROP ROLE IF EXISTS "{role}"')


def writer_keeps_the_books(writer: Login) -> dict[str, str]:
    """What the writer does (in the module's set-up, before any test looks): the outputs."""
    out = {
        "deposit": writer.ok("deposit", "10000", "--date", "2026-03-01", "--payee", "Salary",
                             "-c", "income:salary"),
        "check": writer.ok("check", "4000", "--date", "2026-03-03", "--payee", "Landlord"),
        "check 75": writer.ok("check", "75", "--date", "2026-03-04", "--payee", "Plumbr",
                              "--json"),
    }
    out["void"] = writer.ok("void", json.loads(out["check 75"])["ref"], "--json")
    out["attach"] = writer.ok("attach", "T3", "roof.txt", "--note", "invoice 118")
    out["statement"] = writer.ok("statement", "march.csv", "-a", "checking")
    out["import"] = writer.ok("import", "rows.csv")
    out["schedule"] = writer.ok("schedule", "add", "rent", "check", "100", "--every", "month",
                                "--start", "2026-05-01", "--payee", "Landlord")
    out["rule"] = writer.ok("rule", "add", "GROCER", "-c", "food")
    out["rebuild"] = writer.ok("rebuild")
    return out


def test_the_writer_runs_every_command(books: Books) -> None:
    done = books.written
    assert "balance of checking: 10,000.00" in done["deposit"], done["deposit"]
    assert "balance of checking: 6,000.00" in done["check"], done["check"]
    assert json.loads(done["void"])["balance"] == "6000.00"
    assert hashlib.sha256(RECEIPT).hexdigest()[:12] in done["attach"], done["attach"]
    assert done["statement"].endswith("2 matched, 1 added; cleared as T8.\n"), done["statement"]
    assert done["import"].startswith("Imported 1 transaction"), done["import"]
    assert done["schedule"].startswith("Scheduled rent"), done["schedule"]
    assert done["rebuild"].startswith("Rebuilt the read models from "), done["rebuild"]
    writer = books.writer
    assert writer.ok_json("balance")["balance"] == "5998.00"
    audit = writer.ok_json("audit")
    assert audit[0]["by"] == books.owner.role
    assert {event["by"] for event in audit[1:]} == {books.writer.role}
    assert writer.ok_json("reconcile")["ok"] is True


QUERIES: list[tuple[str, ...]] = [
    ("balance", "--all", "--json"),
    ("history", "--json"),
    ("audit", "--json"),
    ("report", "--json"),
    ("reconcile", "--json"),
    ("digest",),
    ("export", "--format", "ndjson"),
    ("docs", "--json"),
    ("forecast", "--json"),
]


def _stable(text: str) -> str:
    """Output that names the moment it was asked (known_at) or the login, made comparable."""
    return re.sub(r'"known_at": "[^"]+"', '"known_at": "<now>"', text)


def test_the_reader_runs_every_query(books: Books) -> None:
    # The reader sees what the writer sees (the two asked side by side).
    with ThreadPoolExecutor(max_workers=2) as pool:
        as_reader = pool.map(lambda args: books.reader.ok(*args), QUERIES)
        as_writer = pool.map(lambda args: books.writer.ok(*args), QUERIES)
        for args, seen, expected in zip(QUERIES, as_reader, as_writer, strict=True):
            assert _stable(seen) == _stable(expected), args
    assert books.reader.ok_json("balance")["balance"] == "5998.00"
    assert books.reader.ok_json("reconcile")["ok"] is True
    sha = books.reader.ok_json("docs")[0]["sha256"]
    books.reader.ok("docs", "get", sha[:8], "-o", "copy.txt")
    assert (books.folder / "copy.txt").read_bytes() == RECEIPT


WRITES: list[tuple[str, ...]] = [
    ("deposit", "5"),
    ("check", "5", "--payee", "Someone"),
    ("void", "T2"),
    ("attach", "T3", "roof.txt"),
    ("import", "rows.csv"),
    ("rule", "add", "CORNER", "-c", "food"),
    ("schedule", "add", "gym", "check", "30", "--every", "month"),
    ("due", "--post"),  # the rent of May is due: it would be recorded
    ("deposit", "5", "--json"),
]


def test_every_write_by_the_reader_is_exit_4_read_only(books: Books) -> None:
    digest = books.writer.ok("digest")
    assert books.reader.ok_json("due")[0]["schedule"] == "rent"
    for args in WRITES:
        line = books.reader.refused(*args, code=4)
        assert "read-only" in line, (args, line)
        assert books.reader.password not in line
    assert books.writer.ok("digest") == digest
    assert books.reader.ok_json("due")[0]["schedule"] == "rent"  # still due


def test_a_restore_by_the_reader_is_refused_and_records_nothing(books: Books) -> None:
    backup = books.reader.ok("export", "--format", "ndjson")
    digest = books.writer.ok("digest")
    # Into these books, which hold events: refused as on any ledger that is not empty.
    line = books.reader.refused("restore", "-", stdin=backup, code=1)
    assert "already holds" in line, line
    # Into an empty database the reader may connect to, but not create tables in: read-only.
    empty = books.server.create_database()
    try:
        books.server.psql(
            "postgres",
            f'REVOKE ALL ON DATABASE "{empty}" FROM PUBLIC;'
            f'GRANT CONNECT ON DATABASE "{empty}" TO "{books.reader.role}"',
        )
        books.server.psql(empty, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        there = Login(books.reader.role, books.reader.password,
                      books.server.url(empty, books.reader.role, books.reader.password),
                      books.folder)
        line = there.refused("restore", "-", stdin=backup, code=4)
        assert "read-only" in line, line
        assert there.refused("balance", code=1).startswith("ledger: no ledger at ")
    finally:
        books.server.drop_database(empty)
    assert books.writer.ok("digest") == digest


# -- what the writer cannot do, even with psql -----------------------------------------------

FORBIDDEN = [
    "UPDATE events SET amount = amount + 100 WHERE seq = 2",
    "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)",
    "TRUNCATE events CASCADE",
    "UPDATE documents SET size = size",
    "DELETE FROM documents",
    "TRUNCATE documents",
    "ALTER TABLE events DISABLE TRIGGER ALL",
    "ALTER TABLE documents DISABLE TRIGGER ALL",
]


def test_the_writer_cannot_change_the_log_or_the_documents_with_psql(books: Books) -> None:
    digest = books.writer.ok("digest")
    assert books.reader.ok_json("docs"), "a document to protect"
    for sql in FORBIDDEN:
        done = psql(books.writer.url, "-c", sql)
        assert done.returncode != 0, (sql, done.stdout)
        assert "permission denied" in done.stderr or "must be owner" in done.stderr, (
            sql, done.stderr
        )
    assert books.writer.ok("digest") == digest
    assert books.reader.ok_json("reconcile")["ok"] is True


SUPERUSER_EDITS = [
    "UPDATE events SET amount = amount + 100 WHERE seq = 2",
    "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)",
    "TRUNCATE events CASCADE",
    "UPDATE documents SET size = size",
    "DELETE FROM documents",
]


def test_the_superusers_edit_is_refused_by_the_trigger(books: Books) -> None:
    digest = books.writer.ok("digest")
    for sql in SUPERUSER_EDITS:
        done = psql(books.server.admin_url(books.db), "-c", sql)
        assert done.returncode != 0, (sql, done.stdout)
        assert "append-only" in done.stderr, (sql, done.stderr)
    assert books.writer.ok("digest") == digest
    assert books.reader.ok_json("reconcile")["ok"] is True
