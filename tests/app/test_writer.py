"""The one write path (app/writer.py): recorded times never go backwards, even when the clock
does (README, "Trust": recorded times never going back)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from ledger_cli.app import writer as writer_module
from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit, OpenAccount, Transfer
from ledger_cli.domain.dates import format_recorded, parse_recorded


def test_recorded_time_moves_on_when_the_clock_goes_backwards(
    ledger_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clock set back never records a write before the head: each write is recorded just
    after the head's time (one microsecond), so recorded times increase strictly from one
    write to the next and a saved known_at never covers a later write."""
    book = Ledger(ledger_db)
    book.execute(OpenAccount("savings", date(2026, 1, 1)))
    first = book.execute(Deposit("10", date(2026, 1, 1)))
    previous = parse_recorded(first.events[-1].recorded_at)
    earlier = previous - timedelta(hours=1)
    monkeypatch.setattr(writer_module, "now_utc", lambda: earlier)

    def tick(n: int) -> str:
        return format_recorded(previous + timedelta(microseconds=n))

    second = book.execute(Deposit("20", date(2026, 1, 2)))
    assert [event.recorded_at for event in second.events] == [tick(1)]
    third = book.execute(Transfer("5", date(2026, 1, 3), "checking", "savings"))
    assert [event.recorded_at for event in third.events] == [tick(2), tick(2)]

    with book.query() as q:
        stored = [row.recorded_at for row in q.audit()]
        assert stored == sorted(stored)
        assert stored[-3:] == [tick(1), tick(2), tick(2)]
        assert q.reconcile().ok
