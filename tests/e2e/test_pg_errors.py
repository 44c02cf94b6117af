"""What goes wrong with a PostgreSQL ledger, as a user sees it (SPEC 14 and 8; README, "Exit
codes"), through the installed `ledger` in a subprocess: an unreachable server, a refused login
(a wrong password in the URL, or in PGPASSWORD) and a missing database are exit 4 and one line
naming the URL without its password, for a query and for a write; the password never appears in
any output, not with --debug, LEDGER_DEBUG=1 or --json either. libpq's own ways to a password
(PGPASSWORD, ~/.pgpass, a service file) work with a URL that holds none, and `postgres://` works
as `postgresql://`. A query on an empty database is "no ledger" and creates nothing; a denied
first write leaves no table; a database of another application is exit 4 and left as it was.
And the server going away in the middle of a long import: exit 4 in one line, none of the
import recorded, and the next command works once the server is back.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import assert_refused, ledger_env, ledger_executable
from pgserver import PgServer, free_port

USER_TABLES = (
    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
)


def run(
    *args: str, db: str, env: dict[str, str] | None = None, stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """The installed `ledger ARGS` on `db`; checks nothing (the --debug runs print tracebacks)."""
    return subprocess.run(
        [ledger_executable(), *args], input=stdin or "", capture_output=True, text=True,
        env=ledger_env(None, LEDGER_DB=db, **(env or {})), timeout=timeout, check=False,
    )


def ok(*args: str, db: str, env: dict[str, str] | None = None) -> str:
    done = run(*args, db=db, env=env)
    assert done.returncode == 0, (args, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def refused(*args: str, db: str, code: int, env: dict[str, str] | None = None) -> str:
    """A command that must fail with `code`, nothing on stdout, one line on stderr: that line."""
    done = run(*args, db=db, env=env)
    return assert_refused(done.returncode, done.stdout, done.stderr, expected=code, args=args)


def tables(pg_server: PgServer, db: str) -> int:
    return int(pg_server.psql(db, USER_TABLES)[0][0])


def dbname(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture
def login(pg_server: PgServer, pg_url: str) -> Iterator[tuple[str, str, str]]:
    """A role with a password of its own, owning this test's database: (role, password, db).
    Roles belong to the whole server: a unique name, dropped after the test."""
    role = f"ledger_login_{secrets.token_hex(4)}"
    password = "pw-" + secrets.token_urlsafe(12)
    pg_server.create_role(role, password)
    db = dbname(pg_url)
    pg_server.psql("postgres", f'ALTER DATABASE "{db}" OWNER TO "{role}"')
    yield role, password, db
    pg_server.psql("postgres", f'ALTER DATABASE "{db}" OWNER TO "{pg_server.admin_user}"')
    pg_server.psql(db, f'DROP OWNED BY "{role}"')
    pg_server.psql("postgres", f'DROP ROLE IF EXISTS "{role}"')


# -- cannot connect ---------------------------------------------------------------------------

SECRET = "Sesame-" + secrets.token_hex(6)  # a password that must never be printed

CASES = [
    "unreachable server", "wrong password in the URL", "wrong password in the query string",
    "wrong PGPASSWORD", "missing database",
]
COMMANDS = {"query": ("balance",), "write": ("deposit", "5")}


def _case(pg_server: PgServer, case: str) -> tuple[str, str, dict[str, str], str]:
    """(URL, the URL as messages show it, environment, what the reason says)."""
    user, host = quote(pg_server.admin_user), pg_server.host
    shown = f"postgresql://{user}@{host}:{pg_server.port}/"
    if case == "unreachable server":
        port = free_port()
        shown = f"postgresql://{user}@{host}:{port}/"
        return f"postgresql://{user}:{SECRET}@{host}:{port}/books", shown + "books", {}, "refused"
    if case == "wrong password in the URL":
        return (pg_server.url("postgres", pg_server.admin_user, SECRET), shown + "postgres", {},
                "password authentication failed")
    if case == "wrong password in the query string":
        return (pg_server.url("postgres", pg_server.admin_user) + f"?password={SECRET}",
                shown + "postgres", {}, "password authentication failed")
    if case == "wrong PGPASSWORD":
        return (pg_server.url("postgres", pg_server.admin_user), shown + "postgres",
                {"PGPASSWORD": SECRET}, "password authentication failed")
    missing = f"no_such_db_{secrets.token_hex(3)}"
    return (pg_server.url(missing), shown + missing, {}, f'database "{missing}" does not exist')


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", CASES)
def test_cannot_connect_is_exit_4_in_one_line_without_the_password(
    pg_server: PgServer, case: str, command: str
) -> None:
    url, shown, env, reason = _case(pg_server, case)
    args = COMMANDS[command]
    line = refused(*args, db=url, code=4, env=env)
    assert line.startswith(f"ledger: {shown}: cannot connect: "), line
    assert reason in line, line
    secrets_here = [SECRET, pg_server.admin_password]
    # With --json: one JSON object, code 4, and the same message.
    as_json = run(*args, "--json", db=url, env=env)
    assert as_json.stdout == "" and as_json.returncode == 4
    failure = json.loads(as_json.stderr)
    assert failure == {"error": line.removeprefix("ledger: "), "code": 4}
    for secret in secrets_here:
        assert secret not in line and secret not in as_json.stderr
    # Nowhere, not even in a traceback, is a password printed (given by --db too).
    debug_runs: list[tuple[tuple[str, ...], dict[str, str]]] = (
        [(("--debug", *args), {}), (("--db", url, *args, "--json"), {"LEDGER_DEBUG": "1"})]
        if command == "write" else [(args, {"LEDGER_DEBUG": "1"})]
    )
    for extra_args, extra_env in debug_runs:
        done = run(*extra_args, db=url, env={**env, **extra_env})
        assert done.returncode == 4, (extra_args, done.stderr)
        assert "Traceback" in done.stderr, done.stderr  # the debug output is there
        for secret in secrets_here:
            assert secret not in done.stdout + done.stderr, (extra_args, done.stderr)


# -- libpq's ways to the password -------------------------------------------------------------


def test_pgpassword_pgpass_and_a_service_file_give_the_password(
    pg_server: PgServer, login: tuple[str, str, str], tmp_path: Path
) -> None:
    role, password, db = login
    bare = pg_server.url(db, role)  # no password in it
    assert password not in bare
    home = tmp_path / "home"
    home.mkdir()
    no_password = {"HOME": str(home), "PGPASSFILE": str(home / "none")}
    line = refused("balance", db=bare, code=4, env=no_password)
    assert "cannot connect" in line and password not in line, line

    out = ok("deposit", "100", "--date", "2026-03-01", db=bare,
             env={**no_password, "PGPASSWORD": password})
    assert "balance of checking: 100.00" in out and password not in out

    pgpass = home / ".pgpass"
    pgpass.write_text(f"{pg_server.host}:{pg_server.port}:{db}:{role}:{password}\n")
    pgpass.chmod(0o600)
    env = {"HOME": str(home)}
    assert ok("deposit", "20", "--date", "2026-03-02", db=bare, env=env).endswith(
        "balance of checking: 120.00\n"
    )

    service_file = tmp_path / "services.conf"
    service_file.write_text(
        f"[books]\nhost={pg_server.host}\nport={pg_server.port}\ndbname={db}\n"
        f"user={role}\npassword={password}\n"
    )
    service_env = {**no_password, "PGSERVICEFILE": str(service_file)}
    assert ok("balance", db=bare, env={**service_env, "PGSERVICE": "books"}) == (
        "checking: 120.00 USD\n"
    )
    # The service named in the URL itself, which holds nothing else.
    in_url = json.loads(ok("balance", "--json", db="postgresql://?service=books", env=service_env))
    assert in_url["balance"] == "120.00"
    audit = json.loads(ok("audit", "--json", db=bare, env={**service_env, "PGSERVICE": "books"}))
    assert {event["by"] for event in audit} == {role}


def test_the_postgres_scheme_works_as_postgresql(pg_server: PgServer, pg_url: str) -> None:
    short = pg_url.replace("postgresql://", "postgres://", 1)
    assert short.startswith("postgres://") and short != pg_url
    ok("deposit", "10.50", "--date", "2026-03-01", db=short)
    ok("check", "0.50", "--date", "2026-03-02", db=pg_url)
    assert json.loads(ok("balance", "--json", db=short))["balance"] == "10.00"
    assert ok("digest", db=short) == ok("digest", db=pg_url)
    assert ok("audit", "--json", db=short) == ok("audit", "--json", db=pg_url)


# -- databases without a ledger ---------------------------------------------------------------


def test_a_query_on_an_empty_database_is_no_ledger_and_creates_nothing(
    pg_server: PgServer, pg_url: str
) -> None:
    db = dbname(pg_url)
    shown = pg_url.replace(":" + quote(pg_server.admin_password, safe="") + "@", "@")
    for args in [("balance",), ("history",), ("audit", "--json"), ("reconcile",), ("digest",)]:
        line = refused(*args, db=pg_url, code=1)
        assert line == f"ledger: no ledger at {shown}", (args, line)
    assert tables(pg_server, db) == 0


def test_a_denied_first_write_leaves_the_database_without_tables(
    pg_server: PgServer, pg_url: str
) -> None:
    db = dbname(pg_url)
    line = refused("check", "5", db=pg_url, code=1)
    assert "insufficient funds in checking" in line, line
    assert tables(pg_server, db) == 0
    refused("withdraw", "20", "-m", "ATM", db=pg_url, code=1)
    refused("deposit", "1e5", db=pg_url, code=1)
    assert tables(pg_server, db) == 0
    assert refused("balance", db=pg_url, code=1).startswith("ledger: no ledger at ")


def test_a_database_of_another_application_is_exit_4_and_left_untouched(
    pg_server: PgServer, pg_url: str
) -> None:
    db = dbname(pg_url)
    pg_server.psql(
        db,
        "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);"
        "INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace');"
        "CREATE TABLE events (id integer PRIMARY KEY, what text);"
        "INSERT INTO events VALUES (7, 'launch')",
    )

    def state() -> Any:
        return (
            pg_server.psql(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                               "ORDER BY 1"),
            pg_server.psql(db, "SELECT * FROM customers ORDER BY 1"),
            pg_server.psql(db, "SELECT * FROM events ORDER BY 1"),
        )

    before = state()
    for args in [("balance",), ("deposit", "5"), ("restore", "-")]:
        line = refused(*args, db=pg_url, code=4)
        assert "not a ledger" in line, (args, line)
        assert pg_server.admin_password not in line
    assert state() == before


# -- the server going away in the middle of a command -----------------------------------------


def writing(pg_server: PgServer, db: str) -> bool:
    """Whether a session in `db` (other than this one) is in a transaction that has written."""
    rows = pg_server.psql(
        "postgres",
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_xid IS NOT NULL"
        " AND pid <> pg_backend_pid()",
        [db],
    )
    return int(rows[0][0]) > 0


def test_the_server_going_away_during_an_import_records_none_of_it(
    pg_server: PgServer, pg_url: str, tmp_path: Path
) -> None:
    if not pg_server.controllable:
        pytest.skip("stopping the server needs the suite's own cluster")
    ok("deposit", "100", "--date", "2026-03-01", db=pg_url)
    digest = ok("digest", db=pg_url)
    rows = 150_000
    big = tmp_path / "big.csv"
    big.write_text("date,type,amount,payee\n" + "2026-03-02,deposit,1.00,Bulk\n" * rows)
    process = subprocess.Popen(
        [ledger_executable(), "import", str(big)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=ledger_env(None, LEDGER_DB=pg_url),
    )
    try:
        # Stop the server once the import's transaction has begun to write (it has an xid).
        deadline = time.monotonic() + 30
        while not writing(pg_server, dbname(pg_url)):
            assert process.poll() is None, ("the import ended first", process.communicate())
            assert time.monotonic() < deadline, "the import never began to write"
            time.sleep(0.02)
        pg_server.stop("immediate")
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        pg_server.ensure_running()
    assert process.returncode == 4, (process.returncode, out, err)
    line = assert_refused(process.returncode, out, err, expected=4, args=["import"])
    assert pg_server.admin_password not in line
    shown = pg_url.replace(":" + quote(pg_server.admin_password, safe="") + "@", "@")
    assert shown in line, line
    # Back up: none of the import is there, the log verifies, and the next command works.
    assert ok("digest", db=pg_url) == digest
    assert json.loads(ok("balance", "--json", db=pg_url))["balance"] == "100.00"
    assert json.loads(ok("reconcile", "--json", db=pg_url))["ok"] is True
    assert "balance of checking: 105.00" in ok("deposit", "5", db=pg_url)
    assert int(pg_server.psql(dbname(pg_url), "SELECT count(*) FROM events")[0][0]) == 3


def test_a_writer_waits_for_the_head_lock_up_to_the_busy_timeout(
    pg_server: PgServer, pg_url: str
) -> None:
    """Writers serialise on the head row: one that cannot have it within LEDGER_BUSY_TIMEOUT
    is exit 4, one line, nothing recorded; queries never wait; once the lock is free the
    write goes through."""
    ok("deposit", "100", db=pg_url)
    before = ok("digest", db=pg_url)
    holder = pg_server.connect(dbname(pg_url))
    try:
        holder.execute("BEGIN")
        holder.execute("SELECT id FROM ledger_head WHERE id = 1 FOR UPDATE")
        started = time.monotonic()
        line = refused("deposit", "5", db=pg_url, code=4, env={"LEDGER_BUSY_TIMEOUT": "0.5"})
        waited = time.monotonic() - started
        assert "locked by another writer (waited 500 ms)" in line
        assert 0.5 <= waited < 10
        assert ok("balance", "--json", db=pg_url, env={"LEDGER_BUSY_TIMEOUT": "0.5"})
        assert json.loads(ok("balance", "--json", db=pg_url))["balance"] == "100.00"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert ok("digest", db=pg_url) == before
    assert json.loads(ok("deposit", "5", "--json", db=pg_url))["balance"] == "105.00"
