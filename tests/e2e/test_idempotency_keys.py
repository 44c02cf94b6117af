"""Idempotency keys (`--id KEY`) on every write command, through the installed `ledger` (README,
"Write commands" and "Trust": retries are safe).

The same key with the same content again appends nothing and reports the original result; the
same key with different content is denied. A denial under a key is remembered (table
`command_keys`), the one thing a denied command writes, so that a retry gets the same answer.
Retries of one key started at once append once.

Every command carries an explicit `--date` unless the test is about the default: the date is
part of the command, and a retry after midnight without `--date` would be another command.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import LedgerProcess, event_count, ledger_env, ledger_executable

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit, OpenAccount

DAY = "2026-03-05"


def audit_length(run_ledger: LedgerProcess) -> int:
    return len(run_ledger.ok_json("audit"))


def command_keys(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute("SELECT key, ref, code, message FROM command_keys ORDER BY key"))
    finally:
        conn.close()


@pytest.fixture
def books(ledger_db: Path) -> Path:
    """checking with 1,000.00 (T1, which also opened it), savings (T2), an empty account
    `spare` (T3) to close, and a deposit of 50.00 (T4) to void."""
    ledger = Ledger(ledger_db)
    ledger.execute(Deposit("1000", date(2026, 3, 1)))
    ledger.execute(OpenAccount("savings", date(2026, 3, 1)))
    ledger.execute(OpenAccount("spare", date(2026, 3, 1)))
    ledger.execute(Deposit("50", date(2026, 3, 2), memo="by mistake"))
    return ledger_db


# Each write command, its amount (if any) as a placeholder: the first run types "100", the
# retries "100.00" and "$100" (the same amount by value).
WRITES: dict[str, list[str]] = {
    "deposit": ["deposit", "{amount}", "--date", DAY, "--payee", "Acme", "-m", "invoice 7"],
    "check": ["check", "{amount}", "--date", DAY, "--payee", "Landlord"],
    "withdraw": ["withdraw", "{amount}", "--date", DAY, "-m", "ATM"],
    "transfer": ["transfer", "{amount}", "--from", "checking", "--to", "savings", "--date", DAY],
    "void": ["void", "T4", "--reason", "entered twice"],
    "open": ["open", "brokerage", "--currency", "EUR", "--overdraft-limit", "{amount}",
             "--date", DAY],
    "close": ["close", "spare", "--date", DAY],
}
SPELLINGS = ["100", "100.00", "$100"]


def write(name: str, amount: str, *extra: str) -> list[str]:
    return [arg.format(amount=amount) for arg in WRITES[name]] + list(extra)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("name", sorted(WRITES))
def test_same_key_same_content_repeats_the_first_result(
    run_ledger: LedgerProcess, books: Path, name: str, as_json: bool
) -> None:
    form = ["--json"] if as_json else []
    first = run_ledger.ok(*write(name, SPELLINGS[0], "--id", "key-1", *form))
    assert "already recorded" not in first.stderr
    length = audit_length(run_ledger)
    # something else happens in between: the retry still reports the first result
    Ledger(books).execute(Deposit("1", date(2026, 3, 6)))
    length += 1

    for spelling in SPELLINGS[1:]:
        again = run_ledger(*write(name, spelling, "--id", "key-1", *form))
        assert again.returncode == 0, (spelling, again.stderr)
        assert again.stdout == first.stdout, spelling
        assert "already recorded" in again.stderr
    assert audit_length(run_ledger) == length

    # the other output form of the same retry: the same result, as JSON or as text
    other = run_ledger.ok(
        *write(name, SPELLINGS[0], "--id", "key-1", *([] if as_json else ["--json"]))
    )
    assert "already recorded" in other.stderr
    if as_json:
        ref = json.loads(first.stdout)["ref"]
        assert f"(ref {ref})" in other.stdout
    else:
        ref = json.loads(other.stdout)["ref"]
        assert f"(ref {ref})" in first.stdout
    assert event_count(books) == length
    assert [row[:2] for row in command_keys(books)] == [("key-1", ref)]


def test_a_repeated_json_result_is_that_of_the_original_events(
    run_ledger: LedgerProcess, books: Path
) -> None:
    first = json.loads(run_ledger.ok(*write("transfer", "100", "--id", "t", "--json")).stdout)
    ledger = Ledger(books)  # both accounts move on
    ledger.execute(Deposit("5", date(2026, 3, 6), account="savings"))
    ledger.execute(Deposit("5", date(2026, 3, 6)))
    again = json.loads(run_ledger.ok(*write("transfer", "$100.00", "--id", "t", "--json")).stdout)
    assert again == first
    # checking had 1,050.00; the balances are those the transfer left, not today's
    assert first["balance"] == "950.00"
    assert [(e["account"], e["amount"], e["balance"]) for e in first["events"]] == [
        ("checking", "-100.00", "950.00"),
        ("savings", "100.00", "100.00"),
    ]
    audit = {row["seq"]: row for row in run_ledger.ok_json("audit")}
    for entry in first["events"]:
        stored = audit[entry["seq"]]
        assert (stored["ref"], stored["type"], stored["account"]) == (
            first["ref"], entry["type"], entry["account"]
        )


def test_same_key_different_content_is_denied(run_ledger: LedgerProcess, books: Path) -> None:
    key = "invoice-2026-03/7"
    first = run_ledger.ok(*write("deposit", "100", "--id", key))
    length = audit_length(run_ledger)
    base = write("deposit", "100", "--id", key)

    def changed(option: str, value: str) -> list[str]:
        args = list(base)
        args[args.index(option) + 1] = value
        return args

    variants = {
        "other amount": write("deposit", "100.01", "--id", key),
        "other account": [*base, "-a", "savings"],
        "other payee": changed("--payee", "Acme Inc"),
        "no payee": [arg for arg in base if arg not in ("--payee", "Acme")],
        "other memo": changed("-m", "invoice 8"),
        "other date": changed("--date", "2026-03-06"),
        "other command": write("withdraw", "100", "--id", key),
        "a check": write("check", "100", "--id", key),
        "a transfer": write("transfer", "100", "--id", key),
    }
    for label, args in variants.items():
        result = run_ledger(*args)
        assert result.returncode == 1, (label, result.stdout, result.stderr)
        assert result.stdout == "", label
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (label, result.stderr)
        assert repr(key) in lines[0] or key in lines[0], (label, lines)
        assert "different" in lines[0], (label, lines)
    assert audit_length(run_ledger) == length
    # the key still belongs to the first command, which still gets its result
    again = run_ledger.ok(*base)
    assert again.stdout == first.stdout
    assert len(command_keys(books)) == 1


def test_a_key_whose_first_command_was_denied_stays_denied(
    run_ledger: LedgerProcess, books: Path
) -> None:
    length = audit_length(run_ledger)
    first = run_ledger("check", "5000", "--date", DAY, "--id", "rent-march")
    assert first.returncode == 1
    assert "insufficient funds" in first.stderr
    assert first.stdout == ""
    assert audit_length(run_ledger) == length  # no event was written
    # ...but the denial was: the one exception to "a denied command writes nothing"
    [(key, ref, code, message)] = command_keys(books)
    assert (key, ref, code) == ("rent-march", None, 1)
    assert message and message in first.stderr

    run_ledger.ok("deposit", "10000", "--date", DAY)  # now the check would pass
    length += 1
    for spelling in ("5000", "5,000.00", "$5000"):
        again = run_ledger("check", spelling, "--date", DAY, "--id", "rent-march")
        assert again.returncode == 1, spelling
        assert again.stderr == first.stderr, spelling
        assert again.stdout == ""
    assert audit_length(run_ledger) == length
    # other content under that key: denied as a different command
    other = run_ledger("check", "4000", "--date", DAY, "--id", "rent-march")
    assert other.returncode == 1
    assert "different command" in other.stderr
    assert "denied" in other.stderr
    # the same check without the key (or under a new one) passes: only the key is bound
    run_ledger.ok("check", "5000", "--date", DAY, "--id", "rent-march-2")
    assert audit_length(run_ledger) == length + 1
    assert command_keys(books)[0] == (key, ref, code, message)


def test_a_denied_first_command_with_a_key_on_a_missing_ledger_is_remembered(
    run_ledger: LedgerProcess, ledger_db: Path
) -> None:
    """Documented behaviour: without a key, a denied first command leaves no file behind;
    with a key, the denial must be remembered, so the file is created (schema, no event,
    one row in command_keys) and a retry is denied the same way even after a deposit."""
    plain = run_ledger("withdraw", "10", "--date", DAY)
    assert plain.returncode == 1
    assert "insufficient funds" in plain.stderr
    assert not ledger_db.exists()

    first = run_ledger("withdraw", "10", "--date", DAY, "--id", "cash-1")
    assert first.returncode == 1
    assert "insufficient funds" in first.stderr
    assert ledger_db.exists()
    assert run_ledger.ok_json("audit") == []
    assert [row[:3] for row in command_keys(ledger_db)] == [("cash-1", None, 1)]

    run_ledger.ok("deposit", "100", "--date", DAY)
    again = run_ledger("withdraw", "10", "--date", DAY, "--id", "cash-1")
    assert again.returncode == 1
    assert again.stderr == first.stderr
    assert len(run_ledger.ok_json("audit")) == 2  # AccountOpened, deposit


@pytest.mark.parametrize(
    "key",
    ["", "k" * 201, "bell\x07key", "tab\tkey", "new\nline", "esc\x1b[31m", "del\x7f"],
    ids=["empty", "201-chars", "bell", "tab", "newline", "escape", "delete"],
)
def test_invalid_keys_are_denied(run_ledger: LedgerProcess, books: Path, key: str) -> None:
    count = event_count(books)
    result = run_ledger("deposit", "10", "--date", DAY, "--id", key)
    assert result.returncode == 1, result.stderr
    assert "--id" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert event_count(books) == count
    assert command_keys(books) == []


def test_an_invalid_key_on_a_missing_ledger_creates_no_file(
    run_ledger: LedgerProcess, ledger_db: Path
) -> None:
    result = run_ledger("deposit", "10", "--date", DAY, "--id", "")
    assert result.returncode == 1
    assert not ledger_db.exists()


@pytest.mark.parametrize("key", ["k", "k" * 200, "ключ №1/2026-03", "with space"])
def test_valid_keys_at_the_bounds(run_ledger: LedgerProcess, books: Path, key: str) -> None:
    first = run_ledger.ok("deposit", "10", "--date", DAY, "--id", key)
    again = run_ledger.ok("deposit", "10", "--date", DAY, "--id", key)
    assert again.stdout == first.stdout
    assert "already recorded" in again.stderr
    assert [row[0] for row in command_keys(books)] == [key]


def run_at_once(path: Path, args: list[str], times: int) -> list[subprocess.CompletedProcess[str]]:
    env = ledger_env(path)
    processes = [
        subprocess.Popen(
            [ledger_executable(), *args], env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for _ in range(times)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


@pytest.mark.parametrize("ledger_exists", [True, False], ids=["existing", "missing"])
def test_concurrent_retries_append_once(ledger_db: Path, ledger_exists: bool) -> None:
    if ledger_exists:
        Ledger(ledger_db).execute(Deposit("1000", date(2026, 3, 1)))
    count = event_count(ledger_db) if ledger_exists else 0
    results = run_at_once(ledger_db, ["deposit", "10", "--id", "same", "--date", DAY, "--json"], 6)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    outputs = {result.stdout for result in results}
    assert len(outputs) == 1, outputs
    parsed = json.loads(outputs.pop())
    repeated = [result for result in results if "already recorded" in result.stderr]
    assert len(repeated) == 5
    # one event (two on a missing ledger: the deposit also opens checking)
    appended = 1 if ledger_exists else 2
    assert event_count(ledger_db) == count + appended
    assert len(parsed["events"]) == appended
    assert [row[:2] for row in command_keys(ledger_db)] == [("same", parsed["ref"])]


def test_idempotency_key_with_exponent_amount_is_denied(run_ledger: LedgerProcess) -> None:
    run_ledger("deposit", "100", "--id", "k1", check=True)
    result = run_ledger("deposit", "1e2", "--id", "k1")
    assert result.returncode == 1, result.stdout
