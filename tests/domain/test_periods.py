"""The periods `ledger chart` draws (domain/periods.py): days, ISO weeks and months that cover a
span, every day exactly once, up to the last representable date."""

from __future__ import annotations

from datetime import date, timedelta

from ledger_cli.domain.periods import periods


def test_periods_cover_every_day_once() -> None:
    for by in ("day", "week", "month"):
        spans = list(periods(date(2024, 1, 31), date(2024, 3, 2), by))
        assert spans[0][0] == date(2024, 1, 31) and spans[-1][1] == date(2024, 3, 2)
        assert all(b[0] == a[1] + timedelta(days=1) for a, b in zip(spans, spans[1:],
                                                                     strict=False))
    assert list(periods(date(9999, 12, 30), date.max, "month")) == [
        (date(9999, 12, 30), date.max)
    ]
