"""The suite's throwaway PostgreSQL server itself (tests/pgserver.py, the `pg_server` and `pg_url`
fixtures): each test gets its own empty database, logins need the right password, a restart keeps
what was committed, and the private cluster is private, durable and gone after the run."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from conftest import LedgerProcess
from pgserver import ADMIN_USER, SERVER_OS_USER, LocalCluster, PgServer

USER_TABLES = (
    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
)

# The database each case of test_each_test_gets_its_own_empty_database saw, in the order run.
_seen: list[str] = []


def _dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _alive(pid: int) -> bool:
    """A process that runs (an exited one that its new parent has not reaped yet does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _require_own_cluster(server: PgServer) -> None:
    if not server.controllable:
        pytest.skip("needs the suite's own server, not the external one LEDGER_TEST_PG_ADMIN names")


@pytest.mark.parametrize("case", ["first", "second"])
def test_each_test_gets_its_own_empty_database(case: str, pg_server: PgServer, pg_url: str) -> None:
    name = _dbname(pg_url)
    assert name not in _seen, (case, name, _seen)
    # Empty: whatever an earlier case left in its database is not here.
    assert pg_server.psql(name, USER_TABLES) == [(0,)]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE left_behind (n integer)")
        conn.execute("INSERT INTO left_behind VALUES (1)")
    if _seen:
        # The earlier test's database was dropped after it.
        existing = pg_server.psql("postgres", "SELECT datname FROM pg_database")
        assert (_seen[-1],) not in existing
    _seen.append(name)


def test_the_url_is_the_superusers_and_the_installed_ledger_uses_it(
    pg_server: PgServer, pg_url: str, run_ledger: LedgerProcess
) -> None:
    parts = urlsplit(pg_url)
    assert parts.scheme == "postgresql"
    assert (parts.hostname, parts.port) == ("127.0.0.1", pg_server.port)
    assert parts.username == pg_server.admin_user
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT current_user, usesuper FROM pg_user WHERE usename = current_user"
        )
        assert row.fetchone() == (pg_server.admin_user, True)

    # The installed `ledger`, on the database the fixture made: it writes there, and only there.
    run_ledger.ok("deposit", "10.50", env={"LEDGER_DB": pg_url})
    balance = run_ledger.ok_json("balance", env={"LEDGER_DB": pg_url})
    assert balance["balance"] == "10.50"
    assert pg_server.psql(_dbname(pg_url), USER_TABLES)[0][0] > 0
    other = pg_server.create_database()
    try:
        assert pg_server.psql(other, USER_TABLES) == [(0,)]
    finally:
        pg_server.drop_database(other)


def test_a_role_with_a_password_logs_in_and_no_one_without_it(
    pg_server: PgServer, pg_url: str
) -> None:
    db = _dbname(pg_url)
    password = "p@ss:w/rd 'quoted' %41"  # every character a URL must escape, and a quote
    role = pg_server.create_role("fixture_reader", password)
    with psycopg.connect(pg_server.url(db, role, password)) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (role,)
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert superuser.fetchone() == (False,)

    # The same name again (a later test's role) takes the new password; the old one is refused.
    pg_server.create_role(role, "second")
    with psycopg.connect(pg_server.url(db, role, "second")) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (role,)

    refused = [pg_server.url(db, role, password)]  # the old password
    if pg_server.controllable:  # an external server's rules for logins are its own
        refused += [pg_server.url(db, role), pg_server.url(db, ADMIN_USER, "wrong")]
    for url in refused:
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(url, connect_timeout=10).close()


def test_restart_keeps_a_committed_row_and_stop_takes_the_server_away(
    pg_server: PgServer, pg_url: str
) -> None:
    _require_own_cluster(pg_server)
    db = _dbname(pg_url)
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE kept (amount_minor bigint NOT NULL)")
        conn.execute("INSERT INTO kept VALUES (1050)")
        conn.commit()
        started = conn.execute("SELECT pg_postmaster_start_time()").fetchone()

        pg_server.restart()
        # A session from before the restart is gone with it.
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")

    assert pg_server.psql(db, "SELECT pg_postmaster_start_time()") != [started]
    assert pg_server.psql(db, "SELECT amount_minor FROM kept") == [(1050,)]

    pg_server.stop("immediate")  # as if it crashed
    assert not pg_server.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg_url, connect_timeout=5).close()
    pg_server.start()
    assert pg_server.psql(db, "SELECT amount_minor FROM kept") == [(1050,)]


def test_the_data_directory_is_private_and_the_server_durable(pg_server: PgServer) -> None:
    _require_own_cluster(pg_server)
    assert isinstance(pg_server, LocalCluster) and pg_server.data_dir is not None
    server_uid = os.geteuid()
    if server_uid == 0:
        import pwd

        server_uid = pwd.getpwnam(SERVER_OS_USER).pw_uid
    for folder in (pg_server.root, pg_server.data_dir):
        info = folder.stat()
        assert stat.S_IMODE(info.st_mode) == 0o700, folder
        assert info.st_uid == server_uid, folder
    # No password file left behind; the postmaster runs as the server's user, never as root.
    assert not (pg_server.root / "pwfile").exists()
    pid = int((pg_server.data_dir / "postmaster.pid").read_text().split()[0])
    assert _alive(pid) and Path(f"/proc/{pid}").stat().st_uid == server_uid != 0

    settings = dict(
        pg_server.psql(
            "postgres",
            "SELECT name, setting FROM pg_settings WHERE name IN ('listen_addresses', 'port',"
            " 'fsync', 'synchronous_commit', 'max_connections', 'unix_socket_directories',"
            " 'password_encryption', 'server_encoding', 'lc_collate')",
        )
    )
    assert settings == {
        "listen_addresses": "127.0.0.1",
        "port": str(pg_server.port),
        "fsync": "on",
        "synchronous_commit": "on",
        "max_connections": "100",
        "unix_socket_directories": str(pg_server.data_dir),
        "password_encryption": "scram-sha-256",
        "server_encoding": "UTF8",
        "lc_collate": "C",
    }
    # Its unix socket asks for a password too.
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(
            host=str(pg_server.data_dir), port=pg_server.port, dbname="postgres",
            user=pg_server.admin_user, connect_timeout=5,
        ).close()  # fmt: skip


def test_a_closed_cluster_leaves_nothing_behind(pg_server: PgServer) -> None:
    _require_own_cluster(pg_server)
    assert isinstance(pg_server, LocalCluster)
    cluster = LocalCluster(pg_server.bindir)  # a second one, to see it go
    try:
        cluster.launch()
        assert cluster.data_dir is not None
        pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
        db = cluster.create_database()
        assert cluster.psql(db, "SELECT current_database()") == [(db,)]
    finally:
        cluster.close()
    assert not cluster.root.exists()
    assert not _alive(pid)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(cluster.admin_url(), connect_timeout=5).close()
