"""`--dry-run` on every write command, through the installed `ledger` (SPEC section 10).

A dry run decides the command against the current state and prints what it would record (the
result line prefixed `Dry run, nothing written: `, or the same JSON with `"dry_run": true`), or
the denial with its exit code, and writes nothing at all: the ledger file keeps every byte, no
`-wal`, `-shm` or journal file is left beside it, a missing ledger is not created, and an
idempotency key is not recorded.

Each case runs on its own copy of one prepared ledger (entries in two accounts, a EUR account,
an empty account, a cleared entry, a reconciled statement, a voided check): first with
`--dry-run`, then for real, and the two answers are compared.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import (
    LedgerProcess,
    event_count,
    ledger_env,
    ledger_executable,
    ledger_process,
    one_line_error,
)

PREFIX = "Dry run, nothing written: "
DAY = "2026-03-09"  # after every entry of the prepared ledger

# The prepared ledger, ref by ref (built by `prepared` below, which checks each ref).
PREPARATION: list[tuple[str, list[str]]] = [
    ("T1", ["open", "savings", "--date", "2026-03-01"]),
    ("T2", ["deposit", "1000", "--payee", "Employer", "--date", "2026-03-02"]),  # opens checking
    ("T3", ["check", "40", "--payee", "Landlord", "--date", "2026-03-03"]),  # check 1
    ("T4", ["check", "25", "--payee", "Grocer", "--date", "2026-03-04"]),  # check 2
    ("T5", ["withdraw", "20", "-m", "cash", "--date", "2026-03-05"]),
    ("T6", ["transfer", "100", "--from", "checking", "--to", "savings", "--date", "2026-03-06"]),
    ("T7", ["clear", "T2", "--date", "2026-03-07"]),
    # seals checking through 2026-03-02; T2 is reconciled
    ("T8", ["reconcile", "-a", "checking", "--statement-date", "2026-03-02",
            "--statement-balance", "1000"]),
    ("T9", ["void", "T4", "--reason", "never sent"]),  # check 2 is free again
    ("T10", ["open", "euro", "--currency", "EUR", "--date", "2026-03-01"]),
    ("T11", ["open", "empty", "--date", "2026-03-01"]),
    ("T12", ["fee", "2", "-m", "service", "--date", "2026-03-08"]),
    ("T13", ["clear", "T3", "--date", "2026-03-08"]),  # check 1 is cleared
]
# checking: 1000 - 40 - 20 - 100 - 2 = 838.00; savings 100.00; euro and empty 0.

IMPORT_ROWS = "date,type,amount,payee\n2026-03-10,deposit,50,Aunt\n2026-03-11,check,30,Shop\n"
IMPORT_DENIED = "date,type,amount\n2026-03-10,deposit,50\n2026-03-11,check,90000\n"
# The bank has the withdrawal (T5) and a fee the register lacks.
STATEMENT = "Date,Description,Amount\n2026-03-05,ATM,-20.00\n2026-03-20,SERVICE FEE,-5.00\n"


class Case(NamedTuple):
    args: tuple[str, ...]
    fresh: bool = False  # on a ledger that does not exist yet (restore)


def case(*args: str, fresh: bool = False) -> Case:
    return Case(args, fresh)


# Every write command, accepted. `{files}` is the folder of the input files.
ACCEPTED: dict[str, Case] = {
    "deposit": case("deposit", "250", "--payee", "Employer", "-m", "bonus", "--date", DAY),
    "deposit-today": case("deposit", "10"),
    "deposit-sealed-forced": case("deposit", "5", "--date", "2026-03-01", "--force"),
    "check": case("check", "60", "--payee", "Plumber", "--date", DAY),
    "check-voided-number": case("check", "25", "--number", "2", "--payee", "Grocer",
                                "--date", DAY),
    "withdraw": case("withdraw", "20", "-m", "cash", "--date", DAY),
    "transfer": case("transfer", "30", "--from", "checking", "--to", "savings", "--date", DAY),
    "void": case("void", "T5", "--reason", "entered twice"),
    "void-transfer": case("void", "T6", "--date", DAY),
    "unvoid": case("unvoid", "T4"),
    "unvoid-by-void-ref": case("unvoid", "T9", "--reason", "it was sent", "--date", DAY),
    "amend-amount-of-cleared-check": case("amend", "T3", "--amount", "45"),
    "amend-payee-of-cleared-check": case("amend", "T3", "--payee", "Landlady"),
    "amend-transfer": case("amend", "T6", "--amount", "120", "--date", "2026-03-07"),
    "amend-fee-date": case("amend", "T12", "--date", DAY, "-m", "monthly fee"),
    "amend-withdrawal-memo": case("amend", "T5", "-m", "groceries"),
    "open": case("open", "brokerage", "--currency", "USD", "--overdraft-limit", "100",
                 "--date", DAY),
    "close": case("close", "empty", "--date", DAY),
    "fee": case("fee", "3", "-m", "wire fee", "--date", DAY),
    "fee-overdrawing": case("fee", "5", "-a", "empty", "--date", DAY),  # a warning
    "interest": case("interest", "1.25", "-a", "savings", "--date", DAY),
    "clear": case("clear", "T5", "T6"),
    "clear-one-account": case("clear", "T6", "-a", "savings"),
    "unclear": case("unclear", "T3"),
    "import": case("import", "{files}/rows.csv"),
    "statement": case("statement", "{files}/bank.csv", "-a", "checking"),
    "reconcile-statement": case("reconcile", "-a", "checking", "--statement-date", DAY,
                                "--statement-balance", "960"),
    "restore": case("restore", "{files}/backup.ndjson", fresh=True),
}

# Denied (or invalid) commands: a dry run is denied the same way.
DENIED: dict[str, Case] = {
    "check-insufficient-funds": case("check", "5000", "--date", DAY),
    "check-number-used": case("check", "5", "--number", "1", "--date", DAY),
    "deposit-bad-amount": case("deposit", "abc", "--date", DAY),
    "deposit-eur-three-decimals": case("deposit", "2.500", "-a", "euro", "--date", DAY),
    "deposit-before-1970": case("deposit", "10", "--date", "1969-12-31"),
    "deposit-sealed": case("deposit", "5", "--date", "2026-03-01"),
    "deposit-unknown-account": case("deposit", "5", "-a", "chekcing", "--date", DAY),
    "deposit-no-amount": case("deposit"),  # usage: exit 2
    "withdraw-insufficient-funds": case("withdraw", "900", "--date", DAY),
    "transfer-currencies-differ": case("transfer", "5", "--from", "checking", "--to", "euro",
                                       "--date", DAY),
    "void-unknown": case("void", "T999"),
    "void-already-voided": case("void", "T4"),
    "void-of-a-void": case("void", "T9"),
    "unvoid-not-voided": case("unvoid", "T2"),
    "amend-a-void": case("amend", "T9", "--amount", "1"),
    "amend-nothing-given": case("amend", "T5"),
    "amend-no-payee": case("amend", "T5", "--payee", "ATM"),
    "amend-sealed": case("amend", "T2", "--amount", "900"),
    "amend-voided": case("amend", "T4", "--amount", "30"),
    "amend-overdraft": case("amend", "T5", "--amount", "5000"),
    "open-exists": case("open", "savings"),
    "close-not-zero": case("close", "checking", "--date", DAY),
    "fee-bad-amount": case("fee", "-3", "--date", DAY),
    "interest-closed-or-unknown": case("interest", "1", "-a", "nowhere", "--date", DAY),
    "clear-unknown": case("clear", "T999"),
    "unclear-not-cleared": case("unclear", "T5"),
    "import-denied-row": case("import", "{files}/denied.csv"),
    "statement-unknown-account": case("statement", "{files}/bank.csv", "-a", "nowhere"),
    "reconcile-statement-differs": case("reconcile", "-a", "checking", "--statement-date", DAY,
                                        "--statement-balance", "1"),
}


def has_dry_run(command: str) -> bool:
    """Whether `ledger COMMAND --help` offers --dry-run (import, restore and reconcile got
    it after the single commands)."""
    done = subprocess.run(
        [ledger_executable(), command, "--help"], capture_output=True, text=True,
        env=ledger_env(), timeout=60, check=False,
    )
    return "--dry-run" in done.stdout


_OFFERED: dict[str, bool] = {}


def require_dry_run(args: tuple[str, ...]) -> None:
    command = args[0] if args else ""
    if command not in _OFFERED:
        _OFFERED[command] = has_dry_run(command)
    if not _OFFERED[command]:
        pytest.skip(f"`ledger {command}` has no --dry-run yet")


class Prepared(NamedTuple):
    book: Path  # the prepared ledger file
    files: Path  # the input files (import, statement, backup)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    folder = tmp_path_factory.mktemp("prepared")
    book = folder / "book" / "ledger.db"
    book.parent.mkdir()
    for expected, args in PREPARATION:
        done = ledger_process(*args, "--json", db=book)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        assert json.loads(done.stdout)["ref"] == expected, (args, done.stdout)
    files = folder / "files"
    files.mkdir()
    (files / "rows.csv").write_text(IMPORT_ROWS)
    (files / "denied.csv").write_text(IMPORT_DENIED)
    (files / "bank.csv").write_text(STATEMENT)
    backup = ledger_process("export", "--format", "ndjson", db=book)
    assert backup.returncode == 0, backup.stderr
    (files / "backup.ndjson").write_text(backup.stdout)
    assert sorted(os.listdir(book.parent)) == ["ledger.db"]  # no -wal left to copy
    return Prepared(book, files)


@pytest.fixture
def book(prepared: Prepared, tmp_path: Path) -> Path:
    """A copy of the prepared ledger, alone in its folder."""
    target = tmp_path / "book" / "ledger.db"
    target.parent.mkdir()
    shutil.copy2(prepared.book, target)
    return target


def folder_state(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in `folder`: its bytes and its mode."""
    return {
        path.name: (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        for path in sorted(folder.iterdir())
    }


def arguments(test_case: Case, files: Path) -> list[str]:
    return [arg.replace("{files}", str(files)) for arg in test_case.args]


def target(test_case: Case, book: Path) -> Path:
    """The ledger file a case runs on: the prepared copy, or a new one beside it."""
    return book.parent / "new.db" if test_case.fresh else book


def without_prefix(text: str) -> str:
    """A dry run's text, the prefix taken out (once: it marks the line that says what was
    recorded)."""
    assert PREFIX in text, text
    return text.replace(PREFIX, "", 1)


def without_dry_run(answer: dict[str, object], *, dry: bool) -> dict[str, object]:
    """A JSON answer without its dry-run mark: `true` on a dry run; absent (or false, as
    `statement` always prints it) on the real command."""
    found = dict(answer)
    mark = found.pop("dry_run", None)
    assert mark is True if dry else mark in (None, False), answer
    return found


# -- (a) and (b): a dry run writes nothing, and says what the command then does --------------


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("name", list(ACCEPTED))
def test_a_dry_run_writes_nothing_and_prints_what_the_command_then_records(
    run_ledger: LedgerProcess, prepared: Prepared, book: Path, name: str, as_json: bool
) -> None:
    test_case = ACCEPTED[name]
    require_dry_run(test_case.args)
    args = arguments(test_case, prepared.files)
    db = target(test_case, book)
    form = ["--json"] if as_json else []
    before = folder_state(book.parent)

    dry = run_ledger.ok(*args, "--dry-run", *form, db=db)
    assert folder_state(book.parent) == before, "the dry run changed the folder"

    real = run_ledger.ok(*args, *form, db=db)
    if as_json:
        assert without_dry_run(json.loads(dry.stdout), dry=True) == without_dry_run(
            json.loads(real.stdout), dry=False
        )
    else:
        assert without_prefix(dry.stdout) == real.stdout
    assert dry.stderr == real.stderr  # the same warnings, if any
    # the case is a write: the real command did record something
    assert folder_state(book.parent) != before


# -- (c): a dry run that would be denied is denied the same way, and writes nothing ----------


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("name", list(DENIED))
def test_a_denied_dry_run_gives_the_same_denial_and_writes_nothing(
    run_ledger: LedgerProcess, prepared: Prepared, book: Path, name: str, as_json: bool
) -> None:
    test_case = DENIED[name]
    if test_case.args[0] in ("import", "statement", "reconcile"):
        require_dry_run(test_case.args)
    args = arguments(test_case, prepared.files)
    form = ["--json"] if as_json else []
    before = folder_state(book.parent)

    dry = run_ledger.run(*args, "--dry-run", *form, db=book)
    assert folder_state(book.parent) == before
    real = run_ledger.run(*args, *form, db=book)
    assert folder_state(book.parent) == before

    assert real[0] != 0, real
    assert dry == real
    code, out, err = real
    if code == 2:
        return  # click's usage message, several lines
    if name == "reconcile-statement-differs":
        return  # it prints the difference and the outstanding entries on stdout
    assert out == ""
    if err.startswith("{"):  # with --json, the failure as a JSON object (SPEC section 7)
        assert json.loads(err)["code"] == code
    else:
        one_line_error(err)


# -- (d): on a missing ledger, a dry run creates nothing --------------------------------------


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_dry_run_on_a_missing_ledger_creates_no_file(
    run_ledger: LedgerProcess, tmp_path: Path, as_json: bool
) -> None:
    folder = tmp_path / "new"
    folder.mkdir()
    db = folder / "ledger.db"
    form = ["--json"] if as_json else []

    dry = run_ledger.ok("deposit", "100", "--dry-run", *form, db=db)
    assert list(folder.iterdir()) == []
    real = run_ledger.ok("deposit", "100", *form, db=db)

    if as_json:
        assert without_dry_run(json.loads(dry.stdout), dry=True) == without_dry_run(
            json.loads(real.stdout), dry=False
        )
    else:
        assert dry.stdout == PREFIX + real.stdout
        assert real.stdout == (
            "Opened checking; Deposited 100.00 to checking (ref T1); "
            "category uncategorized (no rule or payee match); balance of checking: 100.00\n"
        )
    assert event_count(db) == 2  # AccountOpened, FundsDeposited: the real one wrote


@pytest.mark.parametrize(
    "args",
    [
        ["check", "100"],  # no money yet
        ["void", "T1"],
        ["unvoid", "T1"],
        ["amend", "T1", "--amount", "5"],
        ["deposit", "2.5.0"],
        ["close", "checking"],
    ],
    ids=lambda args: args[0],
)
def test_a_denied_dry_run_on_a_missing_ledger_creates_no_file(
    run_ledger: LedgerProcess, tmp_path: Path, args: list[str]
) -> None:
    folder = tmp_path / "new"
    folder.mkdir()
    db = folder / "ledger.db"
    dry = run_ledger.run(*args, "--dry-run", db=db)
    assert list(folder.iterdir()) == []
    real = run_ledger.run(*args, db=db)
    assert list(folder.iterdir()) == []
    assert dry == real
    assert dry[0] == 1
    one_line_error(dry[2])


def test_a_dry_run_into_a_missing_folder_is_the_same_storage_error(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    db = tmp_path / "absent" / "ledger.db"
    dry = run_ledger.run("deposit", "100", "--dry-run", db=db)
    real = run_ledger.run("deposit", "100", db=db)
    assert dry == real
    assert dry[0] == 4
    assert one_line_error(dry[2]) == (
        f"ledger: cannot create {db}: the folder {db.parent} does not exist"
    )
    assert not db.parent.exists()


def test_a_dry_run_on_the_default_ledger_creates_no_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = ledger_env(HOME=str(home), XDG_DATA_HOME=str(home / "share"))
    env.pop("LEDGER_DB", None)
    done = subprocess.run(
        [ledger_executable(), "deposit", "100", "--dry-run"], capture_output=True, text=True,
        env=env, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(PREFIX + "Opened checking; Deposited 100.00")
    assert list(home.iterdir()) == []


# -- (e): on a read-only file, a dry run works ------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["deposit", "250", "--date", DAY],
        ["void", "T5"],
        ["unvoid", "T4"],
        ["amend", "T3", "--amount", "45"],
        ["clear", "T5"],
        ["check", "5000", "--date", DAY],  # denied, the same way
    ],
    ids=lambda args: "-".join(args[:2]),
)
def test_a_dry_run_works_on_a_read_only_ledger(
    run_ledger: LedgerProcess, prepared: Prepared, tmp_path: Path, args: list[str]
) -> None:
    writable = tmp_path / "writable" / "ledger.db"
    writable.parent.mkdir()
    shutil.copy2(prepared.book, writable)
    expected = run_ledger.run(*args, "--dry-run", db=writable)

    book = tmp_path / "book" / "ledger.db"
    book.parent.mkdir()
    shutil.copy2(prepared.book, book)
    book.chmod(0o400)
    book.parent.chmod(0o500)
    try:
        before = folder_state(book.parent)
        found = run_ledger.run(*args, "--dry-run", db=book)
        assert folder_state(book.parent) == before
    finally:
        book.parent.chmod(0o700)
        book.chmod(0o600)
    assert found == expected
    assert found[1].startswith(PREFIX) or found[0] == 1


# -- (f): a dry run records no idempotency key ------------------------------------------------


def test_a_dry_run_under_a_key_records_no_key(run_ledger: LedgerProcess, book: Path) -> None:
    events = event_count(book)
    dry = run_ledger.ok("deposit", "100", "--date", DAY, "--id", "k-1", "--dry-run", db=book)
    assert dry.stdout == (
        PREFIX + "Deposited 100.00 to checking (ref T14); category uncategorized "
        "(no rule or payee match); balance of checking: 938.00\n"
    )
    assert dry.stderr == ""
    # The real command under the key is the first: it appends, with no "already recorded".
    first = run_ledger.ok("deposit", "100", "--date", DAY, "--id", "k-1", db=book)
    assert first.stdout == without_prefix(dry.stdout)
    assert first.stderr == ""
    assert event_count(book) == events + 1
    # ... and the key is now taken: the same command again repeats it.
    again = run_ledger.ok("deposit", "100", "--date", DAY, "--id", "k-1", db=book)
    assert again.stdout == first.stdout
    assert one_line_error(again.stderr) == (
        "ledger: warning: already recorded as T14 under this --id; nothing was appended"
    )
    assert event_count(book) == events + 1


def test_a_denied_dry_run_under_a_key_records_no_denial(
    run_ledger: LedgerProcess, book: Path
) -> None:
    events = event_count(book)
    refused = run_ledger.denied("check", "5000", "--date", DAY, "--id", "k-2", "--dry-run",
                                db=book)
    assert refused.startswith("ledger: insufficient funds in checking for check 3 of 5,000.00")
    # A remembered denial would deny another command under the same key; none was kept.
    done = run_ledger.ok("check", "50", "--date", DAY, "--id", "k-2", db=book)
    assert done.stdout == (
        "Check 3 for 50.00 written on checking (ref T14); "
        "category uncategorized (no rule or payee match); balance of checking: 788.00\n"
    )
    assert event_count(book) == events + 1


def test_a_dry_run_under_a_used_key_reports_the_original_and_writes_nothing(
    run_ledger: LedgerProcess, book: Path
) -> None:
    first = run_ledger.ok("deposit", "100", "--date", DAY, "--id", "k-3", db=book)
    before = folder_state(book.parent)
    dry = run_ledger.ok("deposit", "100", "--date", DAY, "--id", "k-3", "--dry-run", db=book)
    assert folder_state(book.parent) == before
    assert without_prefix(dry.stdout) == first.stdout
    other = run_ledger.denied("deposit", "101", "--date", DAY, "--id", "k-3", "--dry-run",
                              db=book)
    assert other == (
        "ledger: --id 'k-3' was already used for a different command (recorded as T14); use "
        "a new key for a new command"
    )
    assert folder_state(book.parent) == before
