"""End-to-end: the installed `ledger` console script in a subprocess, on a real SQLite file
(README, "The model", "Files and environment" and "Exit codes"): the canonical register and its
balance, history, audit, reconcile and digest; a denied command writes nothing (the file is
byte-identical); transfers and voids; files that are missing or not ledgers; exit codes.

Every call goes through conftest's `run_ledger`, which fails the test if any stderr carries a
Python traceback or an internal error (no traceback reaches a user). Expected values are computed
here, independently of the product.
"""

from __future__ import annotations

import json
import random
import re
import stat
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import GENESIS, RECORDED_AT, LedgerProcess, ledger_env, ledger_executable, usd

HEX64 = re.compile(r"[0-9a-f]{64}")

# The canonical register: (command, amount as typed, effective date, signed minor units, type).
CANONICAL = [
    ("deposit", "10000", "2026-03-01", 1_000_000, "FundsDeposited"),
    ("check", "4000", "2026-03-03", -400_000, "CheckWritten"),
    ("withdraw", "300", "2026-03-04", -30_000, "CashWithdrawn"),
    ("check", "1250.50", "2026-03-06", -125_050, "CheckWritten"),
    ("deposit", "2500", "2026-03-09", 250_000, "FundsDeposited"),
]


def write_canonical(run_ledger: LedgerProcess) -> list[str]:
    """Record the canonical register; return the reference of each command."""
    refs = []
    expected_balance = 0
    for command, amount, day, minor, kind in CANONICAL:
        out = run_ledger.ok_json(command, amount, "--date", day)
        expected_balance += minor
        # The first command also opens `checking` (AccountOpened, seq 1).
        main_event = out["events"][-1]
        assert main_event["type"] == kind
        assert main_event["account"] == "checking"
        assert main_event["amount"] == usd(minor)
        assert main_event["balance"] == usd(expected_balance)
        assert out["balance"] == usd(expected_balance)
        refs.append(out["ref"])
    assert len(set(refs)) == len(refs), refs
    return refs


def files_of(db: Path) -> tuple[bytes, bytes]:
    """(main file bytes, WAL bytes) of a ledger; an absent WAL counts as empty."""
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes(), wal.read_bytes() if wal.exists() else b""


def assert_chain(rows: list[dict[str, Any]]) -> None:
    """seq gapless from 1; every hash 64 lowercase hex; each prev_hash is the previous row's
    hash and the first is the genesis value (64 zeros)."""
    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    previous = GENESIS
    for row in rows:
        assert HEX64.fullmatch(row["hash"]), row
        assert row["prev_hash"] == previous, row
        assert RECORDED_AT.fullmatch(row["recorded_at"]), row
        previous = row["hash"]
    assert len({row["hash"] for row in rows}) == len(rows)
    recorded = [row["recorded_at"] for row in rows]
    assert recorded == sorted(recorded), "recorded_at went backwards"


# -- 1. the canonical register -------------------------------------------------------------------


def test_canonical_register_balance_history_audit_reconcile_digest(
    run_ledger: LedgerProcess,
) -> None:
    refs = write_canonical(run_ledger)

    known_at = run_ledger.ok_json("audit")[-1]["recorded_at"]  # what the answers knew
    assert run_ledger.ok_json("balance") == {
        "account": "checking",
        "currency": "USD",
        "balance": "6949.50",
        "as_of": None,
        "known_at": known_at,
    }

    # history: one row per money-moving event, effective order, running balance on each row.
    history = run_ledger.ok_json("history")
    running = 0
    expected_history = []
    for (_, _, day, minor, kind), ref, seq in zip(CANONICAL, refs, range(2, 7), strict=True):
        running += minor
        expected_history.append((seq, ref, day, kind, usd(minor), usd(running)))
    assert [
        (r["seq"], r["ref"], r["date"], r["type"], r["amount"], r["balance"]) for r in history
    ] == expected_history
    # Check numbers default to the next after the account's highest: 1, then 2.
    assert [r["number"] for r in history] == [None, 1, None, 2, None]
    assert history[-1]["balance"] == "6949.50"

    # audit: the AccountOpened and every event, each with a hash chained to the one before.
    rows = run_ledger.ok_json("audit")
    assert len(rows) == 6
    assert_chain(rows)
    opened = rows[0]
    assert (opened["seq"], opened["type"], opened["account"], opened["ref"]) == (
        1,
        "AccountOpened",
        "checking",
        refs[0],
    )
    assert (opened["amount"], opened["balance"], opened["date"]) == ("0.00", "0.00", "2026-03-01")
    assert [
        (r["seq"], r["ref"], r["type"], r["account"], r["amount"], r["balance"], r["date"])
        for r in rows[1:]
    ] == [
        (seq, ref, kind, "checking", amount, bal, day)
        for seq, ref, day, kind, amount, bal in expected_history
    ]

    # reconcile: intact, exit 0, and its head is the last audit row.
    head = rows[-1]
    text = run_ledger.ok("reconcile")
    assert text.stdout.startswith("OK: 6 events verified"), text.stdout
    assert run_ledger.ok_json("reconcile") == {
        "ok": True,
        "events": 6,
        "head": {"seq": 6, "hash": head["hash"]},
        "problems": [],
        "warnings": [],
        "documents": 0,
        "known_at": head["recorded_at"],
    }

    # digest: SEQ:HASH of the last audit row.
    assert run_ledger.ok("digest").stdout == f"6:{head['hash']}\n"


def test_balance_as_of_every_day_equals_the_replay(run_ledger: LedgerProcess) -> None:
    write_canonical(run_ledger)
    day = date(2026, 2, 28)
    expected_by_day = {}
    while day <= date(2026, 3, 10):
        # The replay, computed here: everything effective on or before the whole of `day`.
        total = sum(minor for _, _, on, minor, _ in CANONICAL if date.fromisoformat(on) <= day)
        expected_by_day[day.isoformat()] = usd(total)
        day += timedelta(days=1)
    # Spot-check the replay itself, so that a mistake here cannot hide one in the product.
    assert expected_by_day["2026-02-28"] == "0.00"
    assert expected_by_day["2026-03-01"] == expected_by_day["2026-03-02"] == "10000.00"
    assert expected_by_day["2026-03-03"] == "6000.00"
    assert expected_by_day["2026-03-04"] == expected_by_day["2026-03-05"] == "5700.00"
    assert expected_by_day["2026-03-06"] == "4449.50"
    assert expected_by_day["2026-03-09"] == expected_by_day["2026-03-10"] == "6949.50"

    known_at = run_ledger.ok_json("audit")[-1]["recorded_at"]  # what the answers knew
    for day_text, expected in expected_by_day.items():
        assert run_ledger.ok_json("balance", "--as-of", day_text) == {
            "account": "checking",
            "currency": "USD",
            "balance": expected,
            "as_of": day_text,
            "known_at": known_at,
        }, day_text


def test_back_dated_entry_takes_its_effective_place_in_history(run_ledger: LedgerProcess) -> None:
    refs = write_canonical(run_ledger)
    late = run_ledger.ok_json("deposit", "100", "--date", "2026-03-02")
    assert late["events"] == [
        {
            "seq": 7,
            "type": "FundsDeposited",
            "account": "checking",
            "amount": "100.00",
            "balance": "7049.50",
        }
    ]
    history = run_ledger.ok_json("history")
    assert [(r["seq"], r["ref"], r["date"], r["amount"], r["balance"]) for r in history] == [
        (2, refs[0], "2026-03-01", "10000.00", "10000.00"),
        (7, late["ref"], "2026-03-02", "100.00", "10100.00"),
        (3, refs[1], "2026-03-03", "-4000.00", "6100.00"),
        (4, refs[2], "2026-03-04", "-300.00", "5800.00"),
        (5, refs[3], "2026-03-06", "-1250.50", "4549.50"),
        (6, refs[4], "2026-03-09", "2500.00", "7049.50"),
    ]
    assert run_ledger.ok_json("balance", "--as-of", "2026-03-01")["balance"] == "10000.00"
    assert run_ledger.ok_json("balance", "--as-of", "2026-03-02")["balance"] == "10100.00"
    assert run_ledger.ok_json("balance")["balance"] == "7049.50"
    run_ledger.ok("reconcile")


# -- 2. a denied command writes nothing ----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "what"),
    [("check", "check 3 of 10,000.00"), ("withdraw", "a withdrawal of 10,000.00")],
)
def test_overdraft_is_denied_and_the_file_is_byte_identical(
    run_ledger: LedgerProcess, ledger_db: Path, command: str, what: str
) -> None:
    write_canonical(run_ledger)
    before_audit = run_ledger.ok_json("audit")

    # How the bytes are compared soundly under WAL. Every `ledger` process has exited, so no
    # connection is open: the last write's connection, on closing, checkpointed the WAL into
    # the main file (and removed or emptied it), and the read-only queries since appended
    # nothing. So the main file holds the whole database, which the precondition below
    # asserts (WAL absent or empty). We then compare the main file AND the WAL: if the denied
    # command had written anything, it would be either in the WAL (frames appended) or, had
    # its connection checkpointed on close, in the main file. The -shm file is SQLite's
    # shared-memory index, a cache rebuilt from the WAL, not data, and is not compared.
    # Nothing in this test opens the file itself, so no checkpoint of ours can hide a write.
    main_before, wal_before = files_of(ledger_db)
    assert wal_before == b"", "precondition: the ledger's data is all in the main file"

    line = run_ledger.denied(command, "10000", "--date", "2026-03-10")
    assert "insufficient funds" in line, line
    assert what in line, line
    assert "6,949.50" in line, line  # the balance that was too small

    assert files_of(ledger_db) == (main_before, wal_before)
    assert run_ledger.ok_json("audit") == before_audit
    assert run_ledger.ok_json("balance")["balance"] == "6949.50"


# -- 3. transfer and void ------------------------------------------------------------------------


def test_transfer_is_atomic_and_void_restores_both_accounts(run_ledger: LedgerProcess) -> None:
    run_ledger.ok("deposit", "10000", "--date", "2026-03-01")
    opened = run_ledger.ok_json("open", "savings", "--date", "2026-03-01")
    assert opened["events"] == [
        {
            "seq": 3,
            "type": "AccountOpened",
            "account": "savings",
            "amount": "0.00",
            "balance": "0.00",
        }
    ]

    # Too much: denied, neither account moves, no event appended.
    line = run_ledger.denied(
        "transfer", "10000.01", "--from", "checking", "--to", "savings", "--date", "2026-03-02"
    )
    assert "insufficient funds" in line, line
    assert len(run_ledger.ok_json("audit")) == 3

    moved = run_ledger.ok_json(
        "transfer", "2500", "--from", "checking", "--to", "savings", "--date", "2026-03-02"
    )
    ref = moved["ref"]
    assert moved == {
        "ref": ref,
        "events": [
            {
                "seq": 4,
                "type": "TransferSent",
                "account": "checking",
                "amount": "-2500.00",
                "balance": "7500.00",
            },
            {
                "seq": 5,
                "type": "TransferReceived",
                "account": "savings",
                "amount": "2500.00",
                "balance": "2500.00",
            },
        ],
        "balance": "7500.00",  # the --from account's
    }
    assert run_ledger.ok_json("balance", "-a", "checking")["balance"] == "7500.00"
    assert run_ledger.ok_json("balance", "-a", "savings")["balance"] == "2500.00"
    rows = run_ledger.ok_json("audit")
    assert [(r["seq"], r["ref"], r["type"]) for r in rows[3:]] == [
        (4, ref, "TransferSent"),
        (5, ref, "TransferReceived"),
    ]
    assert (rows[3]["to"], rows[4]["from"]) == ("savings", "checking")

    voided = run_ledger.ok_json("void", ref, "--reason", "wrong account")
    void_ref = voided["ref"]
    assert void_ref != ref
    assert voided["events"] == [
        {
            "seq": 6,
            "type": "TransactionVoided",
            "account": "checking",
            "amount": "2500.00",
            "balance": "10000.00",
        },
        {
            "seq": 7,
            "type": "TransactionVoided",
            "account": "savings",
            "amount": "-2500.00",
            "balance": "0.00",
        },
    ]
    known_at = run_ledger.ok_json("audit")[-1]["recorded_at"]  # what the answers knew
    assert run_ledger.ok_json("balance", "--all") == [
        {
            "account": "checking",
            "currency": "USD",
            "balance": "10000.00",
            "as_of": None,
            "known_at": known_at,
        },
        {
            "account": "savings",
            "currency": "USD",
            "balance": "0.00",
            "as_of": None,
            "known_at": known_at,
        },
    ]

    # Both the original and the void stay in the log; the void is effective on the
    # transaction's date, and names what it voids and why.
    rows = run_ledger.ok_json("audit")
    assert_chain(rows)
    assert [
        (r["seq"], r["ref"], r["type"], r["account"], r["amount"], r["date"]) for r in rows[3:]
    ] == [
        (4, ref, "TransferSent", "checking", "-2500.00", "2026-03-02"),
        (5, ref, "TransferReceived", "savings", "2500.00", "2026-03-02"),
        (6, void_ref, "TransactionVoided", "checking", "2500.00", "2026-03-02"),
        (7, void_ref, "TransactionVoided", "savings", "-2500.00", "2026-03-02"),
    ]
    assert [(r["voids"], r["reason"]) for r in rows[5:]] == [(ref, "wrong account")] * 2

    # Voiding again, voiding the void, voiding nothing: denied, the log unchanged.
    assert "already voided" in run_ledger.denied("void", ref)
    assert "itself a void" in run_ledger.denied("void", void_ref)
    assert "no transaction" in run_ledger.denied("void", "NO-SUCH-REF")
    assert run_ledger.ok_json("audit") == rows
    assert run_ledger.ok_json("reconcile")["ok"] is True


# -- 4. files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        ("balance",),
        ("balance", "--all"),
        ("history",),
        ("audit",),
        ("reconcile",),
        ("digest",),
        ("balance", "--json"),
    ],
    ids=" ".join,
)
def test_query_on_missing_file_is_denied_and_creates_nothing(
    run_ledger: LedgerProcess, tmp_path: Path, query: tuple[str, ...]
) -> None:
    missing = tmp_path / "absent.db"
    line = run_ledger.denied(*query, db=missing)
    assert line == f"ledger: no ledger at {missing}"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_denied_first_write_creates_no_file(run_ledger: LedgerProcess, ledger_db: Path) -> None:
    assert "insufficient funds" in run_ledger.denied("check", "5", "--date", "2026-03-01")
    assert not ledger_db.exists()
    assert list(ledger_db.parent.iterdir()) == []


def test_created_ledger_file_is_0600(run_ledger: LedgerProcess, ledger_db: Path) -> None:
    run_ledger.ok("deposit", "1", "--date", "2026-03-01")
    assert stat.S_IMODE(ledger_db.stat().st_mode) == 0o600


def test_default_location_folder_0700_file_0600(tmp_path: Path) -> None:
    # conftest points XDG_DATA_HOME into tmp_path; without LEDGER_DB, the default file.
    # (LEDGER_DB set but empty is an error: tests/cli/test_environment.py.)
    data_home = tmp_path / "home" / ".local" / "share"
    env = ledger_env()
    del env["LEDGER_DB"]

    def run(*args: str) -> str:
        done = subprocess.run(
            [ledger_executable(), *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert (done.returncode, done.stderr) == (0, ""), args
        return done.stdout

    run("deposit", "1", "--date", "2026-03-01")
    folder = data_home / "ledger"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "ledger.db").stat().st_mode) == 0o600
    assert json.loads(run("balance", "--json"))["balance"] == "1.00"


# -- 5. exit codes -------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("frobnicate",), ("balance", "--bogus"), ("deposit",)])
def test_usage_errors_exit_2(
    run_ledger: LedgerProcess, ledger_db: Path, args: tuple[str, ...]
) -> None:
    result = run_ledger(*args)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Error:" in result.stderr
    assert not ledger_db.exists()


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("abc", "is not a number"),
        ("-5", "is negative"),
        ("1e5", "exponent notation"),
        ("10.555", "too many decimals"),
    ],
)
def test_bad_amount_is_denied_naming_the_value(
    run_ledger: LedgerProcess, ledger_db: Path, amount: str, problem: str
) -> None:
    line = run_ledger.denied("deposit", amount, "--date", "2026-03-01")
    assert f"'{amount}'" in line, line
    assert problem in line, line
    assert not ledger_db.exists()


def test_bad_amounts_on_an_existing_ledger_append_nothing(run_ledger: LedgerProcess) -> None:
    run_ledger.ok("deposit", "100", "--date", "2026-03-01")
    before = run_ledger.ok_json("audit")
    for command in ("deposit", "check", "withdraw"):
        for amount in ("abc", "-5", "1e5", "10.555"):
            line = run_ledger.denied(command, amount, "--date", "2026-03-02")
            assert f"'{amount}'" in line, (command, line)
    assert run_ledger.ok_json("audit") == before


def _not_sqlite(size: int) -> bytes:
    data = random.Random(20260301 + size).randbytes(size)
    assert not data.startswith(b"SQLite format 3\0")
    return data


NOT_A_LEDGER_ARGS = [
    ("balance",),
    ("audit", "--json"),
    ("reconcile",),
    ("digest",),
    ("deposit", "10", "--date", "2026-03-01"),
]


@pytest.mark.parametrize("args", NOT_A_LEDGER_ARGS, ids=lambda a: a[0])
def test_file_that_is_not_sqlite_exits_4_untouched(
    run_ledger: LedgerProcess, tmp_path: Path, args: tuple[str, ...]
) -> None:
    junk = tmp_path / "junk.db"
    data = _not_sqlite(4096)
    junk.write_bytes(data)
    line = run_ledger.denied(*args, db=junk, code=4)
    assert line == f"ledger: {junk} is not a ledger file (not an SQLite database)"
    assert junk.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.db"]


def test_one_byte_file_that_is_not_sqlite_is_not_overwritten(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    # `echo > ledger.db` makes exactly this: a 1-byte file that is not an SQLite database.
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\n")
    result = run_ledger("deposit", "10", "--date", "2026-03-01", db=junk)
    assert junk.read_bytes() == b"\n"
    assert result.returncode == 4, (result.returncode, result.stdout, result.stderr)


def test_deposit_json_shape(run_ledger: LedgerProcess) -> None:
    first = run_ledger.ok_json("deposit", "10,000.50", "--date", "2026-03-01")
    assert set(first) == {"ref", "events", "balance", "category", "split", "category_source"}
    assert isinstance(first["ref"], str) and first["ref"]
    assert first == {
        "ref": first["ref"],
        "events": [
            {
                "seq": 1,
                "type": "AccountOpened",
                "account": "checking",
                "amount": "0.00",
                "balance": "0.00",
            },
            {
                "seq": 2,
                "type": "FundsDeposited",
                "account": "checking",
                "amount": "10000.50",
                "balance": "10000.50",
            },
        ],
        "balance": "10000.50",
        "category": "uncategorized",
        "split": None,
        "category_source": "no rule or payee match",
    }
    second = run_ledger.ok_json("deposit", "$0.5", "--date", "2026-03-02")
    assert second == {
        "ref": second["ref"],
        "events": [
            {
                "seq": 3,
                "type": "FundsDeposited",
                "account": "checking",
                "amount": "0.50",
                "balance": "10001.00",
            },
        ],
        "balance": "10001.00",
        "category": "uncategorized",
        "split": None,
        "category_source": "no rule or payee match",
    }
    assert second["ref"] != first["ref"]
    # Every amount is a string in JSON, never a number.
    for out in (first, second):
        assert isinstance(out["balance"], str)
        for event in out["events"]:
            assert set(event) == {"seq", "type", "account", "amount", "balance"}
            assert isinstance(event["amount"], str) and isinstance(event["balance"], str)
            assert isinstance(event["seq"], int)
