"""The one write path (app/writer.py): recorded times never go backwards, even when the clock
does (README, "Trust": recorded times never going back)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from ledger_cli.app import writer as writer_module
from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit, OpenAccount, Transfer
from ledger_cli.domain.dates import parse_recorded


def test_recorded_time_is_clamped_when_the_clock_goes_backwards(
    ledger_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = Ledger(ledger_db)
    book.execute(OpenAccount("savings", date(2026, 1, 1)))
    first = book.execute(Deposit("10", date(2026, 1, 1)))
    previous = first.events[-1].recorded_at
    earlier = parse_recorded(previous) - timedelta(hours=1)
    monkeypatch.setattr(writer_module, "now_utc", lambda: earlier)

    second = book.execute(Deposit("20", date(2026, 1, 2)))
    assert [event.recorded_at for event in second.events] == [previous]
    third = book.execute(Transfer("5", date(2026, 1, 3), "checking", "savings"))
    assert [event.recorded_at for event in third.events] == [previous, previous]

    with book.query() as q:
        stored = [row.recorded_at for row in q.audit()]
        assert stored == sorted(stored)
        assert stored[-4:] == [previous] * 4
        assert q.reconcile().ok
