"""The store's sums (store/sql/fragments.py): a balance as of a day is exact even when the sum of
its amounts is beyond 64 bits, where SQLite's sum() overflows (README, "Commands": sums over a
range of days are exact at any size); and a known-at time before the year 1000 knows nothing
(recorded times are zero-padded, so that as text they compare in time order)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest
from conftest import LedgerProcess, denied, ok, recorded_times

from ledger_cli.app.service import Ledger
from ledger_cli.app.writer import writing
from ledger_cli.domain.commands import Command, Deposit, OpenAccount, Withdraw
from ledger_cli.store.base import RowFilter
from ledger_cli.store.sqlite.store import SqliteStore as Store


def execute_many(path: Path, commands: Iterable[Command]) -> None:
    """What `Ledger.execute` does for each command (decide, link, append), but in one
    transaction: a log of thousands of events in about a second."""
    with Store.open(path, write=True) as store, writing(store) as writer:
        for command in commands:
            writer.apply(command)


MAX_AMOUNT = "9999999999999.99"  # 999,999,999,999,999 minor units, the documented maximum
PAIRS = 9_300  # 9,300 x 999,999,999,999,999 > 2**63 - 1: SQLite's sum() overflows


@pytest.fixture(scope="module")
def overflow_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Account `big` (overdraft limit = the maximum) alternates a withdrawal of the maximum
    dated 2026-01-01 and a deposit of the maximum dated 2026-12-31: every running balance is
    -max or 0, but the sum of the 9,300 withdrawals (as of 2026-01-01) is below -2**63."""
    path = tmp_path_factory.mktemp("overflow") / "ledger.db"
    Ledger(path).execute(OpenAccount("big", date(2026, 1, 1), overdraft_limit=MAX_AMOUNT))
    early, late = date(2026, 1, 1), date(2026, 12, 31)
    commands: list[Command] = []
    for _ in range(PAIRS):
        commands += [Withdraw(MAX_AMOUNT, early, "big"), Deposit(MAX_AMOUNT, late, "big")]
    execute_many(path, commands)
    return path


def test_an_as_of_sum_beyond_64_bits_is_exact(
    overflow_ledger: Path, run_ledger: LedgerProcess
) -> None:
    total = -PAIRS * 999_999_999_999_999
    assert total == -9_299_999_999_999_990_700
    assert total < -(2**63)
    # The plain SQL sum does overflow, so this exercises the exact fallback.
    with sqlite3.connect(overflow_ledger) as conn, pytest.raises(
        sqlite3.OperationalError, match="integer overflow"
    ):
        conn.execute(
            "SELECT sum(amount) FROM events WHERE account = 'big' AND date <= '2026-01-01'"
        ).fetchone()

    with Store.open(overflow_ledger, write=False) as store:
        assert store.total(RowFilter(account="big", as_of=date(2026, 1, 1))) == total
        assert store.total(RowFilter(account="big", as_of=date(2026, 12, 31))) == 0
        assert store.total(RowFilter(account="big")) == 0

    result = run_ledger("balance", "-a", "big", "--as-of", "2026-01-01", db=overflow_ledger)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "big: -92,999,999,999,999,907.00 USD (as of 2026-01-01)\n"
    result = run_ledger(
        "balance", "--all", "--as-of", "2026-01-01", "--json", db=overflow_ledger
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "account": "big",
            "currency": "USD",
            "balance": "-92999999999999907.00",
            "as_of": "2026-01-01",
            "known_at": recorded_times(overflow_ledger)[-1],  # the head's
        }
    ]
    result = run_ledger("balance", "-a", "big", "--json", db=overflow_ledger)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["balance"] == "0.00"
    result = run_ledger(
        "history", "-a", "big", "--as-of", "2026-01-01", "--limit", "1", "--json",
        db=overflow_ledger,
    )
    assert result.returncode == 0, result.stderr
    assert [row["balance"] for row in json.loads(result.stdout)] == ["-92999999999999907.00"]


@pytest.mark.parametrize("when", ["0999-06-01", "0001-01-01", "0999-06-01T12:00:00Z"])
def test_known_at_before_the_year_1000_knows_nothing(ledger_db: Path, when: str) -> None:
    ok("deposit", "10", "--date", "2026-01-01")
    assert denied("balance", "--known-at", when).endswith("; it was opened later")
    with Store.open(ledger_db, write=False) as store:
        known = "0999-12-31T23:59:59.999999Z"
        assert store.total(RowFilter(account="checking", known_at=known)) == 0
