"""Many writers on one ledger on PostgreSQL (README, "What is guaranteed with several writers"),
and idempotency keys there: the file tests' drivers and checks, run on a server.

- Eight driver processes of a hundred mixed commands each (test_concurrent_writers.py's), from
  an empty database: the balance is the sum of what reported success, `reconcile` passes, seq is
  gapless from 1 and each driver's successes took increasing seqs (commit order), no traceback,
  no "locked"; every event says the role that appended it.
- Checks that each fit but together overdraw, started at once: exactly the ones that fit land.
- `--id KEY` (test_idempotency_keys.py's commands): the same key and content repeats the first
  result; other content under the key is denied; a denied first command is remembered, also on
  a database with no ledger yet; retries started at once append once.

Every database is the test's own (conftest's `pg_url`, as the superuser); the stored keys are
read with psycopg, as a user of `psql` would read them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import test_concurrent_writers as writers
import test_idempotency_keys as keys
from conftest import LedgerProcess
from pgserver import PgServer

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit, OpenAccount
from ledger_cli.store.url import DatabaseUrl, without_password

DAY = keys.DAY

USER_TABLES = "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"


def dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def service(url: str) -> Ledger:
    """The application service on the ledger at `url`, for setting up books in-process."""
    return Ledger(DatabaseUrl(url))


def command_keys(server: PgServer, url: str) -> list[tuple[Any, ...]]:
    """The stored idempotency keys, as on a file: (key, ref, code, message), by key."""
    return server.psql(
        dbname(url), "SELECT key, ref, code, message FROM command_keys ORDER BY key"
    )


@pytest.fixture
def pg(pg_url: str) -> LedgerProcess:
    """The installed `ledger` on this test's database (a URL is passed on as it is)."""
    return LedgerProcess(pg_url)


# -- eight processes of a hundred commands ----------------------------------------------------


def test_eight_processes_of_a_hundred_commands_serialise_into_one_gapless_chain_on_pg(
    tmp_path: Path, pg_url: str, pg_server: PgServer
) -> None:
    # an empty database: the first writes race to create the schema
    assert pg_server.psql(dbname(pg_url), USER_TABLES) == [(0,)]
    records = writers.run_drivers(
        tmp_path, pg_url, ["mix"] * writers.WORKERS, writers.COMMANDS, writers.SUBPROCESS_EVERY
    )
    writers.check_serialised(pg_url, records)

    # commit order: each driver ran its commands one after the other, so the seqs its
    # successes were told grow with its command number
    told: dict[int, list[tuple[int, int]]] = defaultdict(list)
    writer_of: dict[int, int] = {}
    for record in records:
        if record.code == 0:
            seq = max(event["seq"] for event in json.loads(record.out)["events"])
            told[record.worker].append((record.i, seq))
            writer_of[seq] = record.worker
    assert len(told) == writers.WORKERS
    for worker, answers in told.items():
        in_order = [seq for _, seq in sorted(answers)]
        assert in_order == sorted(in_order), worker
    # the chain interleaves the drivers: they did run at once
    order = [writer_of[seq] for seq in sorted(writer_of)]
    switches = sum(1 for a, b in zip(order, order[1:], strict=False) if a != b)
    assert switches > writers.WORKERS * 4, switches
    rows = writers.audit(pg_url)
    # each event records the database role that appended it
    assert {row["by"] for row in rows} == {pg_server.admin_user}
    assert pg_server.psql(dbname(pg_url), "SELECT count(*) FROM events") == [(len(rows),)]


@pytest.mark.parametrize(
    ("amount", "parties", "landed", "via"),
    [("60", 2, 1, "process"), ("40", 3, 2, "in-process"), ("25", 5, 4, "in-process")],
    ids=["2x60-processes", "3x40-in-process", "5x25-in-process"],
)
def test_checks_that_each_fit_but_together_overdraw_cannot_all_land_on_pg(
    tmp_path: Path, pg_url: str, amount: str, parties: int, landed: int, via: str
) -> None:
    """Balance 100; `parties` checks of `amount` start at once; only `landed` may land."""
    writers.race_checks(tmp_path, pg_url, service(pg_url), amount, parties, landed, via)


# -- idempotency keys -------------------------------------------------------------------------


@pytest.fixture
def pg_books(pg_url: str) -> str:
    """test_idempotency_keys' `books`, on this test's database: checking with 1,000.00 (T1,
    which also opened it), savings (T2), an empty `spare` (T3), a deposit of 50.00 (T4)."""
    ledger = service(pg_url)
    ledger.execute(Deposit("1000", date(2026, 3, 1)))
    ledger.execute(OpenAccount("savings", date(2026, 3, 1)))
    ledger.execute(OpenAccount("spare", date(2026, 3, 1)))
    ledger.execute(Deposit("50", date(2026, 3, 2), memo="by mistake"))
    return pg_url


def audit_length(pg: LedgerProcess) -> int:
    return len(pg.ok_json("audit"))


@pytest.mark.parametrize(
    ("name", "as_json"),
    [("deposit", True), ("transfer", False), ("void", True), ("open", False)],
    ids=["deposit-json", "transfer-text", "void-json", "open-text"],
)
def test_same_key_same_content_repeats_the_first_result_on_pg(
    pg: LedgerProcess, pg_books: str, pg_server: PgServer, name: str, as_json: bool
) -> None:
    form = ["--json"] if as_json else []
    first = pg.ok(*keys.write(name, keys.SPELLINGS[0], "--id", "key-1", *form))
    assert "already recorded" not in first.stderr
    length = audit_length(pg)
    # something else happens in between: the retry still reports the first result
    service(pg_books).execute(Deposit("1", date(2026, 3, 6)))
    length += 1

    for spelling in keys.SPELLINGS[1:]:
        again = pg(*keys.write(name, spelling, "--id", "key-1", *form))
        assert again.returncode == 0, (spelling, again.stderr)
        assert again.stdout == first.stdout, spelling
        assert "already recorded" in again.stderr
    assert audit_length(pg) == length

    other = pg.ok(*keys.write(name, keys.SPELLINGS[0], "--id", "key-1",
                              *([] if as_json else ["--json"])))
    assert "already recorded" in other.stderr
    if as_json:
        ref = json.loads(first.stdout)["ref"]
        assert f"(ref {ref})" in other.stdout
    else:
        ref = json.loads(other.stdout)["ref"]
        assert f"(ref {ref})" in first.stdout
    assert audit_length(pg) == length
    assert [row[:2] for row in command_keys(pg_server, pg_books)] == [("key-1", ref)]


def test_same_key_different_content_is_denied_on_pg(
    pg: LedgerProcess, pg_books: str, pg_server: PgServer
) -> None:
    key = "invoice-2026-03/7"
    base = keys.write("deposit", "100", "--id", key)
    first = pg.ok(*base)
    length = audit_length(pg)
    variants = {
        "other amount": keys.write("deposit", "100.01", "--id", key),
        "other account": [*base, "-a", "savings"],
        "other payee": [("Acme Inc" if arg == "Acme" else arg) for arg in base],
        "other date": [("2026-03-06" if arg == DAY else arg) for arg in base],
        "other command": keys.write("withdraw", "100", "--id", key),
        "a transfer": keys.write("transfer", "100", "--id", key),
    }
    for label, args in variants.items():
        line = pg.denied(*args)
        assert key in line and "different" in line, (label, line)
    assert audit_length(pg) == length
    # the key still belongs to the first command, which still gets its result
    assert pg.ok(*base).stdout == first.stdout
    assert len(command_keys(pg_server, pg_books)) == 1


def test_a_key_whose_first_command_was_denied_stays_denied_on_pg(
    pg: LedgerProcess, pg_books: str, pg_server: PgServer
) -> None:
    length = audit_length(pg)
    first = pg("check", "5000", "--date", DAY, "--id", "rent-march")
    assert first.returncode == 1 and first.stdout == ""
    assert "insufficient funds" in first.stderr
    assert audit_length(pg) == length  # no event was written, but the denial was
    [(key, ref, code, message)] = command_keys(pg_server, pg_books)
    assert (key, ref, code) == ("rent-march", None, 1)
    assert message and message in first.stderr

    pg.ok("deposit", "10000", "--date", DAY)  # now the check would pass
    length += 1
    for spelling in ("5000", "$5000"):
        again = pg("check", spelling, "--date", DAY, "--id", "rent-march")
        assert again.returncode == 1, spelling
        assert again.stderr == first.stderr, spelling
        assert again.stdout == ""
    assert "different command" in pg.denied("check", "4000", "--date", DAY, "--id", "rent-march")
    assert audit_length(pg) == length
    pg.ok("check", "5000", "--date", DAY, "--id", "rent-march-2")
    assert audit_length(pg) == length + 1
    assert command_keys(pg_server, pg_books)[0] == (key, ref, code, message)


def test_a_denied_first_command_with_a_key_on_an_empty_database_is_remembered(
    pg: LedgerProcess, pg_url: str, pg_server: PgServer
) -> None:
    """Without a key, a denied first command leaves the database as it was; with a key, the
    denial is remembered: the schema is created, with no event and one stored key."""
    plain = pg("withdraw", "10", "--date", DAY)
    assert plain.returncode == 1 and "insufficient funds" in plain.stderr
    assert pg_server.psql(dbname(pg_url), USER_TABLES) == [(0,)]
    refused = pg("balance")
    assert refused.returncode == 1
    assert refused.stderr == f"ledger: no ledger at {without_password(pg_url)}\n"

    first = pg("withdraw", "10", "--date", DAY, "--id", "cash-1")
    assert first.returncode == 1 and "insufficient funds" in first.stderr
    assert pg.ok_json("audit") == []
    assert [row[:3] for row in command_keys(pg_server, pg_url)] == [("cash-1", None, 1)]

    pg.ok("deposit", "100", "--date", DAY)
    again = pg("withdraw", "10", "--date", DAY, "--id", "cash-1")
    assert again.returncode == 1
    assert again.stderr == first.stderr
    assert len(pg.ok_json("audit")) == 2  # AccountOpened, deposit
    assert pg.ok_json("balance")["balance"] == "100.00"


@pytest.mark.parametrize("ledger_exists", [True, False], ids=["existing", "empty-database"])
def test_concurrent_retries_append_once_on_pg(
    pg: LedgerProcess, pg_url: str, pg_server: PgServer, ledger_exists: bool
) -> None:
    if ledger_exists:
        service(pg_url).execute(Deposit("1000", date(2026, 3, 1)))
    count = audit_length(pg) if ledger_exists else 0
    args = ["deposit", "10", "--id", "same", "--date", DAY, "--json"]
    results = keys.run_at_once(pg_url, args, 6)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert "locked" not in result.stderr
    outputs = {result.stdout for result in results}
    assert len(outputs) == 1, outputs
    parsed = json.loads(outputs.pop())
    assert sum("already recorded" in result.stderr for result in results) == 5
    appended = 1 if ledger_exists else 2  # on an empty database the deposit opens checking
    assert audit_length(pg) == count + appended
    assert len(parsed["events"]) == appended
    assert [row[:2] for row in command_keys(pg_server, pg_url)] == [("same", parsed["ref"])]
    expected = Decimal(10) + (1000 if ledger_exists else 0)
    assert Decimal(pg.ok_json("balance")["balance"]) == expected
    assert pg.ok_json("reconcile")["ok"] is True
