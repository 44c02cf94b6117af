"""Shared fixtures and helpers, written once for the whole suite.

Every test gets its own ledger file (the autouse `ledger_db` fixture): no test touches a real
home. Test modules import the plain helpers by name (`from conftest import denied, ok`): pytest
puts this folder on sys.path, and this is the suite's only conftest.py (a second one, in a
subfolder, would clash with it under the same module name).

Running `ledger`, and what every way of running it checks on every call (no Python traceback and
no internal error ever reach a user: README, "Exit codes"):

- in-process, through typer's CliRunner: `cli` (exit code, stdout, stderr), `ok` (the stdout of
  a command that must succeed), `ok_json`, `ref`, and `denied` (the one line of a refusal);
  an exception that escapes the app fails the test;
- the installed console script in a subprocess: the `run_ledger` fixture, a `LedgerProcess` on
  the test's ledger file with the same `ok`, `ok_json`, `ref` and `denied`, and `run` for
  (exit code, stdout, stderr); `ledger_process` (no checks: for module- and session-scoped
  fixtures and thread pools that check each case in its own test), `ledger_env` and
  `ledger_executable` for Popen.

A refusal is exit 1 (or the code given), nothing on stdout, and exactly one line on stderr,
`ledger: ...` (`assert_refused`; `one_line_error` for stderr alone, when stdout holds a report);
with `--json` among the arguments, that line is one JSON object, `{"error": MESSAGE, "code":
EXIT}`, and the helpers return it in the same form, `ledger: MESSAGE`.

Then helpers on the ledger file itself (plain sqlite3 and the `sqlite3` shell), on its read
models, on recorded times and on amounts.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger_cli.cli.app import app
from ledger_cli.store.sqlite.rebuild import rebuild
from ledger_cli.store.sqlite.schema import READ_MODEL_TABLES

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent  # README.md, docs/, completions/, .ci/
FIXTURES = TESTS / "fixtures"


@pytest.fixture(autouse=True)
def ledger_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point LEDGER_DB at a fresh file in a temporary folder; keep HOME away from the user's."""
    path = tmp_path / "ledger.db"
    monkeypatch.setenv("LEDGER_DB", str(path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    monkeypatch.delenv("LEDGER_DEBUG", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("NO_COLOR", "1")
    yield path


# -- refusals ---------------------------------------------------------------------------------


def one_line_error(err: str, code: int | None = None) -> str:
    """The stderr of a failed command: no traceback, exactly one line (ending in a newline,
    nothing before or after it), `ledger: ...`, or under --json one JSON object with exactly
    "error" and "code" (the exit status, when `code` is given); that line, as `ledger: ...`.
    (The exit code and stdout are the caller's to check; see `assert_refused`.)"""
    assert "Traceback" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    line = err[:-1]
    if line.startswith("{"):
        failure = json.loads(line)
        assert set(failure) == {"error", "code"} and isinstance(failure["code"], int), failure
        assert code is None or failure["code"] == code, (failure, code)
        line = f"ledger: {failure['error']}"
    assert line.startswith("ledger: ") and line.strip() != "ledger:", line
    return line


def json_requested(args: object) -> bool:
    """`--json` among the words of a command line, before a `--`."""
    words = [str(word) for word in args] if isinstance(args, list | tuple) else []
    return "--json" in (words[: words.index("--")] if "--" in words else words)


def assert_refused(code: int, out: str, err: str, *, expected: int = 1, args: object = None) -> str:
    """A refusal: exit `expected`, nothing on stdout, and one line on stderr (`one_line_error`):
    a JSON object exactly when `args` has --json; that line, as `ledger: ...`."""
    assert code == expected, (args, code, out, err)
    assert out == "", (args, out)
    assert err.startswith("{") == json_requested(args), (args, err)
    return one_line_error(err, code)


# -- in-process, through typer's CliRunner ----------------------------------------------------

_RUNNER = CliRunner()


def cli(
    *args: str, db: Path | None = None, stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """Run `ledger ARGS` in-process (`ledger --db DB ARGS` when `db` is given), with `stdin` as
    its standard input and `env` added to the environment: (exit code, stdout, stderr).

    Fails the test if an exception escapes the app, or if stderr holds a traceback or an
    internal error: whatever else a test expects, those never reach a user."""
    prefix = ["--db", str(db)] if db is not None else []
    result = _RUNNER.invoke(app, [*prefix, *args], input=stdin, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.stderr, (args, result.stderr)
    assert "internal error" not in result.stderr, (args, result.stderr)
    return result.exit_code, result.stdout, result.stderr


def ok(
    *args: str, db: Path | None = None, stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """`cli` for a command that must succeed (exit 0); its stdout."""
    code, out, err = cli(*args, db=db, stdin=stdin, env=env)
    assert code == 0, (args, code, out, err)
    return out


def ok_json(*args: str, db: Path | None = None, stdin: str | None = None) -> Any:
    """`ok(*args, "--json")`, parsed."""
    return json.loads(ok(*args, "--json", db=db, stdin=stdin))


def ref(*args: str, db: Path | None = None) -> str:
    """The reference (`T7`) of a write that must succeed."""
    return str(ok_json(*args, db=db)["ref"])


def denied(
    *args: str, code: int = 1, db: Path | None = None, stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """`cli` for a command that must be refused with exit `code` (1 unless told): nothing on
    stdout, exactly one line on stderr, `ledger: ...`; that line."""
    return assert_refused(*cli(*args, db=db, stdin=stdin, env=env), expected=code, args=args)


# -- the installed console script, in a subprocess --------------------------------------------


def ledger_executable() -> str:
    """The installed `ledger` console script, next to the running interpreter."""
    candidate = Path(sys.executable).parent / "ledger"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("ledger")
    if found is None:
        pytest.fail("the `ledger` console script is not installed (pip install -e '.[test]')")
    return found


def ledger_env(db: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment for a `ledger` subprocess: this process's (which the autouse fixture has
    made hermetic inside a test), with TZ=UTC, NO_COLOR=1 and no LEDGER_DEBUG even in module-
    and session-scoped fixtures, LEDGER_DB=`db` when given, then `extra`."""
    env = dict(os.environ, TZ="UTC", NO_COLOR="1")
    env.pop("LEDGER_DEBUG", None)
    if db is not None:
        env["LEDGER_DB"] = str(db)
    env.update(extra)
    return env


def _decoded(data: bytes, errors: str) -> str:
    """Bytes of output as text mode would read them: UTF-8, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors=errors).read()


def ledger_process(
    *args: str, db: Path, env: dict[str, str] | None = None, stdin: str | bytes | None = None,
    errors: str = "strict", timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the installed `ledger ARGS` once on the ledger file `db` (`ledger_env`, plus `env`),
    with `stdin` (text or bytes) as its standard input. Its output is decoded as UTF-8 with
    `errors` ("strict" unless told: "surrogateescape" keeps bytes that are not UTF-8).

    Checks nothing: for the checks, use the `run_ledger` fixture (a `LedgerProcess`)."""
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    done = subprocess.run(
        [ledger_executable(), *args], input=data, capture_output=True,
        env=ledger_env(db, **(env or {})), timeout=timeout, check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, _decoded(done.stdout, errors), _decoded(done.stderr, errors)
    )


class LedgerProcess:
    """The installed `ledger`, run in a subprocess on a ledger file: the `run_ledger` fixture.

    `run_ledger("deposit", "10")` runs `ledger deposit 10` on the test's file (or on `db=`),
    with `env` added to its environment and `stdin` as its input, and returns the completed
    process; `check=True` raises CalledProcessError unless it exits 0. Every call fails the test
    if stderr holds a traceback or an internal error."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def __call__(
        self, *args: str, db: Path | None = None, check: bool = False,
        env: dict[str, str] | None = None, stdin: str | bytes | None = None,
        errors: str = "strict", timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        result = ledger_process(
            *args, db=db or self.db, env=env, stdin=stdin, errors=errors, timeout=timeout
        )
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert "internal error" not in result.stderr, (args, result.stderr)
        if check:
            result.check_returncode()
        return result

    def run(self, *args: str, **options: Any) -> tuple[int, str, str]:
        """A call answered in the shape of `cli`: (exit code, stdout, stderr)."""
        result = self(*args, **options)
        return result.returncode, result.stdout, result.stderr

    def ok(self, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        """A command that must succeed (exit 0)."""
        result = self(*args, **options)
        assert result.returncode == 0, (args, result.returncode, result.stdout, result.stderr)
        return result

    def ok_json(self, *args: str, **options: Any) -> Any:
        """`ok(*args, "--json")`, its stdout parsed."""
        return json.loads(self.ok(*args, "--json", **options).stdout)

    def ref(self, *args: str, **options: Any) -> str:
        """The reference of a write that must succeed."""
        return str(self.ok_json(*args, **options)["ref"])

    def denied(self, *args: str, code: int = 1, **options: Any) -> str:
        """A command that must be refused with exit `code`: nothing on stdout, exactly one line
        on stderr, `ledger: ...`; that line."""
        result = self(*args, **options)
        return assert_refused(
            result.returncode, result.stdout, result.stderr, expected=code, args=args
        )


@pytest.fixture
def run_ledger(ledger_db: Path) -> LedgerProcess:
    """The installed `ledger` in a subprocess, on this test's ledger file: see LedgerProcess."""
    return LedgerProcess(ledger_db)


# -- the ledger file, with plain sqlite3 and with the sqlite3 shell ---------------------------

# Written here, not imported from the product: the tests read the file as documented.
EVENT_COLUMNS = (
    "seq ref type account amount balance date recorded_at details prev_hash hash".split()
)
GENESIS = "0" * 64  # the prev_hash of the first event
GUARD_TRIGGERS = ["events_no_update", "events_no_delete", "events_append_at_head"]
DROP_TRIGGERS = " ".join(f"DROP TRIGGER {name};" for name in GUARD_TRIGGERS)


def event_count(path: Path) -> int:
    """The number of events in the ledger file at `path`."""
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def copy_ledger(source: Path, target: Path) -> None:
    """Make `target` a copy of the ledger file `source` and of its write-ahead log, if any."""
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy2(f"{source}{suffix}", f"{target}{suffix}")


def sql_literal(value: int | str | None) -> str:
    """An SQL literal of the same SQL type as `value` (the events table is STRICT)."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def flip_hex(value: str) -> str:
    """Another well-formed hex string: the last digit changed."""
    return value[:-1] + ("1" if value[-1] != "1" else "2")


def sqlite_shell_version() -> tuple[int, ...] | None:
    """The version of the `sqlite3` command-line shell, or None when it is not installed."""
    if shutil.which("sqlite3") is None:
        return None
    words = subprocess.run(
        ["sqlite3", "-version"], capture_output=True, text=True, timeout=30
    ).stdout.split()
    return tuple(int(part) for part in words[0].split(".")) if words else ()


def require_sqlite_shell(minimum: tuple[int, int] | None = (3, 37)) -> None:
    """Called at the top of a module that tampers with the `sqlite3` shell: skip the module
    when the shell is missing (in CI, where .ci/run installs it, that is an error instead) or
    older than `minimum` (3.37 for STRICT tables and -json output)."""
    version = sqlite_shell_version()
    if version is None:
        if os.environ.get("CI"):
            raise RuntimeError("the sqlite3 command-line shell is missing in CI (.ci/run)")
        pytest.skip(
            "the sqlite3 command-line shell is not installed; these tests tamper with it",
            allow_module_level=True,
        )
    if minimum is not None and version[:2] < minimum:
        pytest.skip(
            f"the sqlite3 shell {'.'.join(map(str, version))} predates "
            f"{'.'.join(map(str, minimum))}, which STRICT tables (the ledger's schema) and "
            "-json output need",
            allow_module_level=True,
        )


def sqlite_shell(db: Path, sql: str, timeout: float = 60) -> str:
    """Run SQL (on stdin, with -bail) with the `sqlite3` shell on `db`, as a user editing the
    file by hand would; fail the test on any error. Its stdout."""
    result = subprocess.run(
        ["sqlite3", "-bail", str(db)], input=sql, capture_output=True, text=True,
        timeout=timeout,
    )
    assert result.returncode == 0 and result.stderr == "", (sql[:2000], result.stderr)
    return result.stdout


# -- the read models (rm_* tables): a cache of the log, and nothing more ---------------------

Tables = dict[str, list[tuple[Any, ...]]]


def edit_file(path: Path, *statements: str) -> None:
    """Run SQL on the ledger file by hand (autocommit), as a user with the sqlite3 shell would."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def backup_copy(source: Path, target: Path) -> None:
    """A consistent copy of a ledger file (WAL included), through SQLite's backup API."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def log_head(path: Path) -> tuple[int, str]:
    """(seq, hash) of the last event in the file; (0, "") for none."""
    conn = sqlite3.connect(path)
    try:
        found = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return (found[0], found[1]) if found else (0, "")


def recorded_times(path: Path) -> list[str]:
    """Every distinct recorded time in the file, in order."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT DISTINCT recorded_at FROM events ORDER BY 1")
        return [row[0] for row in rows]
    finally:
        conn.close()


def _read_tables(conn: sqlite3.Connection) -> Tables:
    return {
        table: list(conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"))
        for table in READ_MODEL_TABLES
    }


def read_model_tables(path: Path) -> Tables:
    """Every row of every read model in the file, in primary-key order."""
    conn = sqlite3.connect(path)
    try:
        return _read_tables(conn)
    finally:
        conn.close()


def rebuilt_read_model_tables(path: Path) -> Tables:
    """What `rebuild` derives from the log of `path`, in a transaction rolled back: the file is
    left as it was."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            rebuild(conn)
            return _read_tables(conn)
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()


def empty_read_models(path: Path) -> None:
    """Delete every row of every read model, by hand."""
    edit_file(path, *(f"DELETE FROM {table}" for table in READ_MODEL_TABLES))


def assert_read_models_current(path: Path) -> None:
    """The read models describe exactly the log: rm_position names its head, and every table
    equals what a rebuild from the log alone derives."""
    seq, hash_ = log_head(path)
    found = read_model_tables(path)
    assert [row[1:3] for row in found["rm_position"]] == [(seq, hash_)]
    assert found == rebuilt_read_model_tables(path)


# -- recorded times and amounts ---------------------------------------------------------------

RECORDED_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # how recorded_at is stored and printed
RECORDED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def recorded_instant(recorded_at: str) -> datetime:
    """A stored recorded time as an aware UTC datetime."""
    return datetime.strptime(recorded_at, RECORDED_FORMAT).replace(tzinfo=UTC)


def shift_recorded(recorded_at: str, delta: timedelta) -> str:
    """A stored recorded time moved by `delta`, in the same form."""
    moment = datetime.strptime(recorded_at, RECORDED_FORMAT) + delta
    return moment.strftime(RECORDED_FORMAT)


def just_before(recorded_at: str) -> str:
    """The instant one microsecond before a stored recorded time, in the same form."""
    return shift_recorded(recorded_at, -timedelta(microseconds=1))


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def usd(minor: int) -> str:
    """Minor units as the JSON output prints them: "6949.50", "-4000.00"."""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def minor(text: str) -> int:
    """A JSON amount ("-45.50") as integer minor units, exactly (cents: two decimals)."""
    value = Decimal(text) * 100
    assert value == value.to_integral_value(), text
    return int(value)


# -- PostgreSQL: a throwaway server for the whole run -----------------------------------------
#
# `pg_server` (session scope, started on first use): a `pgserver.PgServer`, a private cluster
# this run starts and removes (or the server LEDGER_TEST_PG_ADMIN names). `pg_url` (one per
# test): a fresh empty database on it, as the superuser's URL. Tests that want other roles make
# them with `pg_server.create_role` and build their URLs with `pg_server.url(db, user, pw)`.
# With no PostgreSQL binaries, a test that needs the server skips (the Debian package
# `postgresql` brings them); under CI (the CI environment variable set) it fails instead.

import pgserver  # noqa: E402 (this section's helpers; stdlib only until a test needs them)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    """The run's PostgreSQL server, started once, on the first test that asks for it."""
    try:
        server = pgserver.start_server()
    except pgserver.NoServerBinaries as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a PostgreSQL server: {exc}", pytrace=False)
        pytest.skip(
            "PostgreSQL server binaries not found: install the Debian package "
            f"{pgserver.DEBIAN_PACKAGE}"
        )
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(pg_server: pgserver.PgServer) -> Iterator[str]:
    """A URL (as the superuser) to a new, empty database of this test's own, dropped after it."""
    name = pg_server.create_database()
    yield pg_server.url(name)
    pg_server.ensure_running()  # for the next test, if this one took the server away
    pg_server.drop_database(name)
