"""The register as the service hands it to the view (view/register.py), on a narrow terminal:
amounts, balances, dates and refs are never truncated (README, "Files and environment":
output)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit, WriteCheck
from ledger_cli.view import register as listings
from ledger_cli.view.output import Output


def test_a_narrow_terminal_shows_amounts_balances_dates_and_refs_whole(
    ledger_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    book = Ledger(ledger_db)
    payee = "The Extraordinarily Long Payee Name Corporation International Holdings"
    book.execute(Deposit("1,234,567.89", date(2026, 3, 1), payee=payee, memo="a long memo " * 4))
    book.execute(WriteCheck("1000000", date(2026, 3, 2), number=123456, payee=payee))
    buffer = io.StringIO()
    with book.query() as q:
        listings.history(
            Output(out=buffer, terminal=True),
            q.history("checking"),
            q.account("checking"),
            fmt="text",
        )
    text = buffer.getvalue()
    assert "┃" in text  # a rich table, not the plain one
    first = next(line for line in text.splitlines() if "2026-03-01" in line)
    second = next(line for line in text.splitlines() if "2026-03-02" in line)
    assert " T1 " in first
    assert first.count(" 1,234,567.89 ") == 2  # amount and balance
    assert " T2 " in second
    assert " 123456 " in second
    assert " -1,000,000.00 " in second
    assert " 234,567.89 " in second
