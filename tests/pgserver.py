"""A throwaway PostgreSQL server for one test run (README "Shared books on PostgreSQL").

`start_server()` gives a `PgServer`:

- By default a private cluster of its own: `initdb` into a fresh temporary folder (mode 0700,
  owned by the server's OS user), a superuser `ledger_admin` with a random password, SCRAM for
  every login, listening on 127.0.0.1 alone on a free port, its unix socket inside its data
  directory, `fsync` on. As root (PostgreSQL refuses to run as root) the server runs as the
  `postgres` OS user. `close()` stops it and removes the folder.
- With `LEDGER_TEST_PG_ADMIN` set to a superuser URL, that server instead: the databases and
  roles this run created are dropped at `close()`, and `stop`, `start` and `restart` are not
  available (`controllable` is False; they skip the calling test).

Finding the server binaries: `pg_config --bindir`, else the highest /usr/lib/postgresql/N/bin,
else PATH; `find_bindir()` is None when none has initdb, pg_ctl and postgres.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn
from urllib.parse import quote, unquote, urlsplit

ADMIN_ENV = "LEDGER_TEST_PG_ADMIN"
ADMIN_USER = "ledger_admin"
SERVER_OS_USER = "postgres"  # who runs the server when this process is root
DEBIAN_PACKAGE = "postgresql"
SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
StopMode = Literal["smart", "fast", "immediate"]


class PgServerError(RuntimeError):
    """The throwaway server could not be set up, started or stopped (the message says why, with
    the end of the server's log where there is one)."""


class NoServerBinaries(PgServerError):
    """No initdb, pg_ctl and postgres on this machine."""


# -- finding the binaries ---------------------------------------------------------------------


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in SERVER_BINARIES)


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, or None."""
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        # libpq-dev alone has a pg_config whose bindir has no server in it.
        if out and _has_server_binaries(Path(out)):
            return Path(out)
    debian = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if _has_server_binaries(p)),
        key=_version_key,
    )
    if debian:
        return debian[-1]
    initdb = shutil.which("initdb")
    if initdb is not None:
        bindir = Path(initdb).resolve().parent
        if _has_server_binaries(bindir):
            return bindir
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- the server -------------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class PgServer:
    """A PostgreSQL server for tests: URLs for it, fresh databases and roles, raw SQL as the
    superuser, and (on the private cluster) stop, start and restart."""

    def __init__(self, host: str, port: int, admin_user: str, admin_password: str) -> None:
        self.host = host
        self.port = port
        self.admin_user = admin_user
        self.admin_password = admin_password
        self._counter = itertools.count(1)
        self._run_tag = secrets.token_hex(3)

    # URLs ------------------------------------------------------------------------------------

    def url(self, dbname: str, user: str | None = None, password: str | None = None) -> str:
        """`postgresql://user:password@host:port/dbname`. Without `user`, the superuser with its
        password; with `user` and no `password`, a URL with no password in it."""
        if user is None:
            user, password = self.admin_user, self.admin_password
        auth = quote(user, safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(dbname, safe='')}"

    def admin_url(self, dbname: str = "postgres") -> str:
        return self.url(dbname)

    # raw SQL as the superuser ----------------------------------------------------------------

    def connect(self, dbname: str = "postgres", **kwargs: Any) -> Any:
        """A psycopg connection as the superuser (autocommit unless told otherwise)."""
        import psycopg

        kwargs.setdefault("autocommit", True)
        kwargs.setdefault("connect_timeout", 10)
        return psycopg.connect(self.admin_url(dbname), **kwargs)

    def psql(self, db: str, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run `sql` in database `db` as the superuser, autocommit; the rows of the last
        statement that returns any (several statements are allowed when there are no params)."""
        with self.connect(db) as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            rows: list[tuple[Any, ...]] = []
            while True:
                if cur.description is not None:
                    rows = cur.fetchall()
                if not cur.nextset():
                    break
            return rows

    # databases and roles ---------------------------------------------------------------------

    def create_database(self, prefix: str = "ledger_test") -> str:
        """A new, empty database (owned by the superuser); its name, unique on the server."""
        name = f"{prefix}_{self._run_tag}_{next(self._counter)}"
        self.psql("postgres", f"CREATE DATABASE {_ident(name)}")
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any session still in it."""
        self.psql("postgres", f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)")

    def create_role(
        self,
        name: str,
        password: str | None,
        *,
        login: bool = True,
        superuser: bool = False,
        createdb: bool = False,
        createrole: bool = False,
    ) -> str:
        """A role with these attributes and password (None: no password, so no login with
        one); a role of that name from an earlier test gets them anew (roles belong to the
        whole server, grants to one database). Its name."""
        flags = [
            "LOGIN" if login else "NOLOGIN",
            "SUPERUSER" if superuser else "NOSUPERUSER",
            "CREATEDB" if createdb else "NOCREATEDB",
            "CREATEROLE" if createrole else "NOCREATEROLE",
            "PASSWORD " + (_literal(password) if password is not None else "NULL"),
        ]
        exists = self.psql("postgres", "SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        verb = "ALTER" if exists else "CREATE"
        self.psql("postgres", f"{verb} ROLE {_ident(name)} WITH {' '.join(flags)}")
        return name

    # taking the server away ------------------------------------------------------------------

    controllable = False
    data_dir: Path | None = None
    log_path: Path | None = None

    def _uncontrollable(self, what: str) -> NoReturn:
        import pytest

        pytest.skip(f"{what} needs the suite's own server ({ADMIN_ENV} names an external one)")

    def stop(self, mode: StopMode = "fast") -> None:
        self._uncontrollable("stopping the server")

    def start(self) -> None:
        self._uncontrollable("starting the server")

    def restart(self) -> None:
        self._uncontrollable("restarting the server")

    @property
    def running(self) -> bool:
        """Whether the server is up (as far as this run knows: an external one always is)."""
        return True

    def ensure_running(self) -> None:
        """Start the server again if a test stopped it (nothing to do on an external one)."""

    def close(self) -> None:
        """Stop the server and remove what this run left on it."""


class ExternalServer(PgServer):
    """A server named by a superuser URL: only what this run created is dropped at the end."""

    def __init__(self, admin_url: str) -> None:
        parts = urlsplit(admin_url)
        if parts.scheme not in ("postgresql", "postgres") or not parts.username:
            raise PgServerError(f"{ADMIN_ENV} must be a postgresql://USER:PW@HOST:PORT/DB URL")
        super().__init__(
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            admin_user=unquote(parts.username),
            admin_password=unquote(parts.password or ""),
        )
        self._databases: list[str] = []
        self._roles: list[str] = []

    def create_database(self, prefix: str = "ledger_test") -> str:
        name = super().create_database(prefix)
        self._databases.append(name)
        return name

    def create_role(self, name: str, password: str | None, **kwargs: Any) -> str:
        existed = bool(self.psql("postgres", "SELECT 1 FROM pg_roles WHERE rolname = %s", [name]))
        super().create_role(name, password, **kwargs)
        if not existed and name not in self._roles:
            self._roles.append(name)
        return name

    def close(self) -> None:
        # Best effort: the run is over.
        for db in self._databases:
            with contextlib.suppress(Exception):
                self.drop_database(db)
        for role in self._roles:
            with contextlib.suppress(Exception):
                self.psql("postgres", f"DROP ROLE IF EXISTS {_ident(role)}")
        self._databases.clear()
        self._roles.clear()


class LocalCluster(PgServer):
    """A private cluster in a temporary folder, started by `launch()`, gone at `close()`."""

    controllable = True

    def __init__(self, bindir: Path) -> None:
        super().__init__("127.0.0.1", 0, ADMIN_USER, secrets.token_urlsafe(24))
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="ledger-pg-", dir=_reachable_tmp()))
        self.data_dir = self.root / "data"
        self.log_path = self.root / "server.log"
        self.startup_seconds = 0.0
        self._running = False
        self._closed = False
        if self.as_root:
            try:
                account = pwd.getpwnam(SERVER_OS_USER)
            except KeyError:
                shutil.rmtree(self.root, ignore_errors=True)
                raise PgServerError(
                    f"running as root, PostgreSQL needs an OS user {SERVER_OS_USER!r} to run "
                    f"as (the Debian package {DEBIAN_PACKAGE} makes it)"
                ) from None
            self._uid, self._gid = account.pw_uid, account.pw_gid
            os.chown(self.root, self._uid, self._gid)
        os.chmod(self.root, 0o700)

    # running the binaries as the server's user -----------------------------------------------

    def _command(self, program: str, *args: str) -> list[str]:
        argv = [str(self.bindir / program), *args]
        if not self.as_root:
            return argv
        if shutil.which("runuser"):
            return ["runuser", "-u", SERVER_OS_USER, "--", *argv]
        return ["setpriv", f"--reuid={self._uid}", f"--regid={self._gid}", "--init-groups", *argv]

    def _run(self, what: str, program: str, *args: str, timeout: float = 120) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        try:
            result = subprocess.run(
                self._command(program, *args),
                cwd=self.root,  # the server's user may not reach the caller's folder
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise PgServerError(f"{what} took over {timeout:g}s{self._log()}") from exc
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise PgServerError(f"{what} failed (exit {result.returncode}): {output}{self._log()}")

    def _log(self, lines: int = 20) -> str:
        assert self.log_path is not None
        try:
            tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\nserver log:\n" + "\n".join(tail) if tail else ""

    def _pg_ctl(self, action: str, *options: str) -> None:
        assert self.data_dir is not None and self.log_path is not None
        self._run(
            f"pg_ctl {action}", "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path),
            "-w", "-t", "60", *options, action,
        )  # fmt: skip

    # life cycle ------------------------------------------------------------------------------

    def launch(self) -> None:
        """initdb, then start on a free port (another port if that one was taken meanwhile)."""
        assert self.data_dir is not None
        began = time.monotonic()
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.admin_password + "\n")
        os.chmod(pwfile, 0o600)
        if self.as_root:
            os.chown(pwfile, self._uid, self._gid)
        try:
            self._run(
                "initdb", "initdb", "-D", str(self.data_dir), "-U", self.admin_user,
                f"--pwfile={pwfile}", "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                "-E", "UTF8", "--locale=C", "--no-instructions",
            )  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        for attempt in range(3):
            self.port = free_port()
            self._write_settings()
            try:
                self._pg_ctl("start")
            except PgServerError:
                if attempt == 2 or "could not bind" not in self._log(5):
                    raise
                continue
            break
        self._running = True
        self.startup_seconds = time.monotonic() - began

    def _write_settings(self) -> None:
        """Our settings, in postgresql.auto.conf (read after postgresql.conf, so they win)."""
        assert self.data_dir is not None
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.data_dir),
            "fsync": "on",  # the crash tests need what was committed to be on disk
            "synchronous_commit": "on",
            "max_connections": "100",
        }
        auto = self.data_dir / "postgresql.auto.conf"
        auto.write_text(
            "# Written by the test suite's pgserver.py.\n"
            + "".join(f"{key} = {_literal(value)}\n" for key, value in settings.items())
        )
        if self.as_root:
            os.chown(auto, self._uid, self._gid)
        os.chmod(auto, 0o600)

    def stop(self, mode: StopMode = "fast") -> None:
        """Take the server away (`immediate`: as if it crashed); `start()` brings it back."""
        self._pg_ctl("stop", "-m", mode)
        self._running = False

    def start(self) -> None:
        self._pg_ctl("start")
        self._running = True

    def restart(self) -> None:
        """A fast shutdown (sessions ended, committed work kept) and a start, waiting for it."""
        self._pg_ctl("restart", "-m", "fast")
        self._running = True

    @property
    def running(self) -> bool:
        return self._running

    def ensure_running(self) -> None:
        if not self._running:
            self.start()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._running or (self.data_dir is not None and _pid_file(self.data_dir)):
                self._pg_ctl("stop", "-m", "immediate")
        except PgServerError:
            pass
        finally:
            self._running = False
            shutil.rmtree(self.root, ignore_errors=True)


def _pid_file(data_dir: Path) -> bool:
    return (data_dir / "postmaster.pid").exists()


def _reachable_tmp() -> str:
    """A temporary folder the server's OS user can reach, with room for a unix socket path
    (at most 107 bytes) under it."""
    base = tempfile.gettempdir()
    if os.geteuid() == 0:
        path = Path(base).resolve()
        for folder in (path, *path.parents):
            if not folder.stat().st_mode & 0o001:  # not searchable by others
                return "/tmp"
    return base if len(base) < 50 else "/tmp"


def start_server() -> PgServer:
    """The server for this run: the one named by LEDGER_TEST_PG_ADMIN, else a private cluster
    (PgServerError if no binaries are found or it does not start). Closed at exit at the
    latest."""
    external = os.environ.get(ADMIN_ENV)
    server: PgServer
    if external:
        server = ExternalServer(external)
        server.psql("postgres", "SELECT 1")
    else:
        bindir = find_bindir()
        if bindir is None:
            raise NoServerBinaries(
                f"no PostgreSQL server binaries (initdb, pg_ctl, postgres) found: install the "
                f"Debian package {DEBIAN_PACKAGE}"
            )
        cluster = LocalCluster(bindir)
        try:
            cluster.launch()
        except BaseException:
            cluster.close()
            raise
        server = cluster
    atexit.register(server.close)
    return server
