"""A superuser editing a ledger on PostgreSQL behind the tool's back (README, "The server guards
the log"): `ledger reconcile` names the first edited event and the kind, as on a file, and warns
when a guard trigger is left disabled or dropped.

The ledger is the tamper corpus' template (corpora/test_tamper_corpus.py: a few hundred events),
built on a file and moved onto the server with `export --format ndjson | restore -` (the same
events and digest). Each case puts the log back as it was, then edits it as the superuser with
psql would, within `ALTER TABLE events DISABLE TRIGGER ALL` ... `ENABLE TRIGGER ALL`, with the
SQL of a case of the file corpus: a sample of its kinds (every column, deleted, swapped and
inserted rows, relinked hashes, balances, recorded times, gaps, values of the wrong form, a
truncated tail and a rewrite, with the digest taken before), plus a payee changed inside the
details. The corpus' own checks (`check_reported`) then hold on the server: exit 3, the first
changed seq and its kinds, the text form, what a digest still proves, and the installed `ledger`
(every fourth case) saying the same. Then: a column's type changed (`schema`), the guards
refusing edits while enabled, and warnings for guards left disabled or dropped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from conftest import DROP_TRIGGERS, EVENT_COLUMNS, LedgerProcess, ledger_process, ok
from pgserver import PgServer

from ledger_cli.store.url import without_password

# The file corpus, its cases and checks (a module that, like the file tamper tests, skips
# where the sqlite3 shell is not installed: this one then skips with it).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "corpora"))
import test_tamper_corpus as corpus  # noqa: E402

SELECT_ROWS = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq"
DISABLE = "ALTER TABLE events DISABLE TRIGGER ALL;"
ENABLE = "ALTER TABLE events ENABLE TRIGGER ALL;"
RESET = (
    f"{DISABLE} DELETE FROM events; INSERT INTO events SELECT * FROM pristine.events; {ENABLE}"
)
CONTENTS = "hash does not match the event's contents"
EVENT_GUARDS = ["events_no_update", "events_no_delete", "events_no_truncate",
                "events_append_at_head"]
DOCUMENT_GUARDS = ["documents_no_update", "documents_no_delete", "documents_no_truncate"]


def dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def read_rows(server: PgServer, db: str) -> list[corpus.Row]:
    """Every stored event, column for column, as the superuser reads it."""
    with server.connect(db) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return list(cur.execute(SELECT_ROWS))


def guard_warning(name: str) -> str:
    return f"the guard trigger {name} is gone: the database no longer refuses edits"


@dataclass
class Books:
    url: str
    db: str
    rows: list[corpus.Row]


@pytest.fixture(scope="module")
def books(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    """The corpus' template on the server, and a pristine copy of its log (schema `pristine`,
    where the tool never looks) to put it back from."""
    folder = tmp_path_factory.mktemp("pg-tamper")
    template = folder / "template.db"
    corpus.build_template(template)
    db = pg_server.create_database("ledger_tamper")
    url = pg_server.url(db)
    try:
        backup = ledger_process("export", "--format", "ndjson", db=template)
        assert backup.returncode == 0, backup.stderr
        restored = ledger_process("restore", "-", db=url, stdin=backup.stdout)
        assert restored.returncode == 0, restored.stderr
        digests = [ledger_process("digest", db=where).stdout for where in (template, url)]
        assert digests[0] == digests[1] and digests[0].strip(), digests
        rows = read_rows(pg_server, db)
        assert len(rows) >= 300
        pg_server.psql(db, "CREATE SCHEMA pristine; CREATE TABLE pristine.events AS TABLE events")
        yield Books(url, db, rows)
    finally:
        pg_server.ensure_running()
        pg_server.drop_database(db)


def tamper_with(server: PgServer, books: Books, sql: list[str]) -> list[corpus.Row]:
    """Put the log back as it was, run `sql` with the triggers disabled, enable them again;
    what the table now holds."""
    server.psql(books.db, RESET)
    assert read_rows(server, books.db) == books.rows
    server.psql(books.db, "\n".join([DISABLE, *sql, ENABLE]))
    return read_rows(server, books.db)


# -- a sample of the file corpus' cases -------------------------------------------------------

SAMPLE = [
    *(f"column-{column}-r0" for column in EVENT_COLUMNS),
    "column-amount-first", "column-hash-last", "column-seq-last", "column-details-r1",
    "delete-middle-0", "delete-middle-1",
    "swap-two-0", "swap-two-1",
    "insert-valid-0", "insert-bad-hash-0", "insert-end-gap-0",
    "relink-details-0", "relink-type-0",
    "rebalance-amount-0", "rebalance-balance-0", "rebalance-both-0",
    "order-backwards-0", "order-forwards-0",
    "gap-1-0", "gap-3-0",
    "format-bad-date-0", "format-unknown-type-0", "format-details-list-0", "format-wrong-sign-0",
    "truncate-tail-0", "truncate-tail-1", "truncate-all-0",
    "rewrite-amount-0", "rewrite-memo-0",
]
SPECS = {spec.name: spec for spec in corpus.SPECS}
assert set(SAMPLE) <= set(SPECS), set(SAMPLE) - set(SPECS)
assert {SPECS[name].kind for name in SAMPLE} == set(corpus.BUILDERS) - {"schema"}
SUBPROCESS_EVERY = 4


def _check(server: PgServer, books: Books, tamper: corpus.Tamper, kind: str, index: int) -> None:
    assert tamper.editor.sql[0] == DROP_TRIGGERS  # the file's way: here, DISABLE TRIGGER ALL
    stored = tamper_with(server, books, tamper.editor.sql[1:])
    process = None
    if index % SUBPROCESS_EVERY == 0:
        digest = ["--digest", f"{tamper.digest[0]}:{tamper.digest[1]}"] if tamper.digest else []
        process = ledger_process("reconcile", "--json", *digest, db=books.url)
    corpus.check_reported(tamper, books.url, stored, books.rows, kind, process, guards_gone=0)


@pytest.mark.parametrize("name", SAMPLE)
def test_a_superusers_edit_is_reported_at_the_first_changed_seq(
    pg_server: PgServer, books: Books, name: str
) -> None:
    spec = SPECS[name]
    tamper = corpus.BUILDERS[spec.kind](books.rows, spec)
    _check(pg_server, books, tamper, spec.kind, SAMPLE.index(name))


def test_a_payee_changed_inside_the_details_is_reported(
    pg_server: PgServer, books: Books
) -> None:
    row = next(
        r for r in books.rows[40:]
        if r["type"] == "CheckWritten" and json.loads(r["details"]).get("payee")
    )
    details = json.loads(row["details"])
    assert details["payee"] != "Mallory"
    details["payee"] = "Mallory"
    editor = corpus.Editor(books.rows)
    editor.update(row["seq"], {"details": corpus.canonical_details(details)})
    tamper = corpus.Tamper(editor, row["seq"], details={(row["seq"], "hash"): CONTENTS})
    _check(pg_server, books, tamper, "column", 0)
    # `audit` shows the log as it now is, the forged payee too, and exits 3
    audit = LedgerProcess(books.url)("audit", "--json")
    assert audit.returncode == 3, audit.stderr
    shown = {r["seq"]: r for r in json.loads(audit.stdout)}
    assert shown[row["seq"]]["payee"] == "Mallory"
    assert audit.stderr.startswith(f'{{"error": "the log is broken at seq {row["seq"]} (hash)')


def test_a_clean_ledger_on_the_server_has_no_false_alarm(
    pg_server: PgServer, books: Books
) -> None:
    stored = tamper_with(pg_server, books, ["UPDATE events SET amount = amount WHERE seq = 7;"])
    assert stored == books.rows
    head = books.rows[-1]
    digest = f"{head['seq']}:{head['hash']}"
    result = LedgerProcess(books.url)("reconcile", "--json", "--digest", digest)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["ok"], report["problems"], report["warnings"]) == (True, [], [])
    assert report["head"] == {"seq": head["seq"], "hash": head["hash"]}
    assert report["events"] == len(books.rows)


# -- what is not a corpus case ----------------------------------------------------------------


def small_ledger(url: str) -> None:
    """seq 1 AccountOpened, 2 deposit 100, 3 deposit 50, 4 check 30 (all checking)."""
    for args in (("deposit", "100"), ("deposit", "50"), ("check", "30")):
        ok("--db", url, *args, "--date", "2026-01-02")


def test_a_column_whose_type_was_changed_is_a_schema_problem(
    pg_server: PgServer, pg_url: str
) -> None:
    small_ledger(pg_url)
    pg_server.psql(dbname(pg_url), "ALTER TABLE events ALTER COLUMN amount TYPE numeric")
    pg = LedgerProcess(pg_url)
    result = pg("reconcile", "--json")
    assert result.returncode == 3, result.stderr
    problems = json.loads(result.stdout)["problems"]
    detail = "the events table's columns amount no longer have their types"
    assert problems[0] == {"seq": 0, "kind": "schema", "detail": detail}
    text = pg("reconcile")
    assert text.returncode == 3
    assert text.stderr == f"ledger: the log is broken at seq 0 (schema): {detail}\n"
    refusal = (
        f"ledger: {without_password(pg_url)}: the events table's column types were changed; "
        "run `ledger reconcile`"
    )
    for args in (("balance",), ("history",), ("deposit", "1")):
        assert pg.denied(*args, code=3) == refusal, args
    assert pg_server.psql(dbname(pg_url), "SELECT count(*) FROM events") == [(4,)]


def test_the_guards_refuse_a_superusers_edits_while_enabled(
    pg_server: PgServer, pg_url: str
) -> None:
    small_ledger(pg_url)
    db = dbname(pg_url)
    before = read_rows(pg_server, db)
    columns = ", ".join(EVENT_COLUMNS[1:])
    for sql, message in [
        ("UPDATE events SET amount = amount + 1 WHERE seq = 2", "events are append-only: UPDATE"),
        ("DELETE FROM events WHERE seq = 2", "events are append-only: DELETE"),
        ("TRUNCATE events", "events are append-only: TRUNCATE"),
        (f"INSERT INTO events SELECT seq + 100, {columns} FROM events WHERE seq = 2",
         "events must be appended at the head of the chain"),
        (f"INSERT INTO events SELECT 5, {columns} FROM events WHERE seq = 2",
         "events must be appended at the head of the chain"),  # next seq, but not linked
        ("TRUNCATE documents", "documents are append-only: TRUNCATE"),
    ]:
        with pytest.raises(psycopg.Error) as refused:
            pg_server.psql(db, sql)
        assert message in str(refused.value), (sql, str(refused.value))
    assert read_rows(pg_server, db) == before
    report = LedgerProcess(pg_url).ok_json("reconcile")
    assert (report["ok"], report["events"], report["warnings"]) == (True, 4, [])


@pytest.mark.parametrize(
    ("sql", "gone"),
    [
        (["ALTER TABLE events DISABLE TRIGGER events_no_update"], ["events_no_update"]),
        (["ALTER TABLE events DISABLE TRIGGER ALL"], EVENT_GUARDS),
        (["DROP TRIGGER events_no_delete ON events",
          "ALTER TABLE documents DISABLE TRIGGER documents_no_truncate"],
         ["events_no_delete", "documents_no_truncate"]),
        (["ALTER TABLE documents DISABLE TRIGGER USER"], DOCUMENT_GUARDS),
    ],
    ids=["one-disabled", "all-disabled", "dropped-and-disabled", "documents-disabled"],
)
def test_a_guard_left_disabled_or_dropped_is_a_warning_that_names_it(
    pg_server: PgServer, pg_url: str, sql: list[str], gone: list[str]
) -> None:
    small_ledger(pg_url)
    db = dbname(pg_url)
    pg_server.psql(db, "; ".join(sql))
    pg = LedgerProcess(pg_url)
    report = pg.ok_json("reconcile")
    assert (report["ok"], report["events"], report["problems"]) == (True, 4, [])
    assert report["warnings"] == [guard_warning(name) for name in gone]
    text = pg.ok("reconcile")
    lines = text.stdout.splitlines()
    assert lines[0].startswith("OK: 4 events verified")
    assert lines[1:] == [f"warning: {guard_warning(name)}" for name in gone]
    assert text.stderr == ""

    # an edit made while the guard is off is a problem as well, at its seq
    pg_server.psql(db, f"{DISABLE} UPDATE events SET amount = amount + 1 WHERE seq = 3")
    broken = pg("reconcile", "--json")
    assert broken.returncode == 3, broken.stderr
    report = json.loads(broken.stdout)
    assert report["problems"][0]["seq"] == 3
    assert {"seq": 3, "kind": "hash", "detail": CONTENTS} in report["problems"]
    off = set(EVENT_GUARDS) | set(gone)
    assert report["warnings"] == [
        guard_warning(name) for name in EVENT_GUARDS + DOCUMENT_GUARDS if name in off
    ]
