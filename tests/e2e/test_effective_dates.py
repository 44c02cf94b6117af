"""Dates through the installed `ledger` (README, "Time: effective dates and recorded times"): a
bad date is refused in one line naming the value and writes nothing; a write dated more than
366 days ahead is denied; a back-dated entry shows both its times and takes its effective place.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import RECORDED_AT, LedgerProcess, assert_refused

NON_MONEY = frozenset({"AccountOpened", "AccountClosed"})


def test_a_back_dated_deposit_shows_its_date_before_its_recorded_day(
    run_ledger: LedgerProcess,
) -> None:
    today = datetime.now(UTC).date()  # the subprocess runs with TZ=UTC
    earlier = today - timedelta(days=10)
    # an account holds nothing dated before it was opened: open it well before
    opened = run_ledger("open", "checking", "--date", (today - timedelta(days=30)).isoformat())
    assert opened.returncode == 0, opened.stderr
    first = run_ledger("deposit", "10", "--json")
    assert first.returncode == 0, first.stderr
    second = run_ledger("deposit", "20", "--date", earlier.isoformat(), "--json")
    assert second.returncode == 0, second.stderr
    if datetime.now(UTC).date() != today:
        pytest.skip("midnight passed during the test")
    back_ref = json.loads(second.stdout)["ref"]
    rows = json.loads(run_ledger("history", "--json", check=True).stdout)
    # effective order: the back-dated deposit first, though recorded last
    assert [row["amount"] for row in rows] == ["20.00", "10.00"]
    assert rows[0]["ref"] == back_ref and rows[0]["seq"] > rows[1]["seq"]
    assert rows[0]["date"] == earlier.isoformat()
    assert rows[0]["recorded_at"][:10] == today.isoformat()
    assert rows[1]["date"] == rows[1]["recorded_at"][:10] == today.isoformat()
    audit = json.loads(run_ledger("audit", "--json", check=True).stdout)
    back = [row for row in audit if row["ref"] == back_ref]
    assert back and all(
        date.fromisoformat(row["date"]) < date.fromisoformat(row["recorded_at"][:10])
        for row in back
    ), back
    assert all(RECORDED_AT.fullmatch(row["recorded_at"]) for row in audit)


# -- date input errors and the post-dating limit -----------------------------------------------


@pytest.mark.parametrize(
    ("args", "value"),
    [
        (("balance", "--as-of", "2026-02-30"), "2026-02-30"),
        (("balance", "--known-at", "yesterdayy"), "yesterdayy"),
        (("balance", "--as-of", "2026-03-01T10:00+25:00"), "2026-03-01T10:00+25:00"),
        (("history", "--known-at", "2026-13-01"), "2026-13-01"),
        (("deposit", "5", "--date", "2026-02-30"), "2026-02-30"),
    ],
)
def test_bad_dates_are_one_line_naming_the_value(
    run_ledger: LedgerProcess, args: tuple[str, ...], value: str
) -> None:
    assert run_ledger("deposit", "1", "--date", "2026-03-01").returncode == 0
    before = run_ledger("audit", "--json", check=True).stdout
    result = run_ledger(*args)
    message = assert_refused(result.returncode, result.stdout, result.stderr, args=args)
    assert value in message, message
    assert run_ledger("audit", "--json", check=True).stdout == before


def test_writes_dated_more_than_366_days_ahead_are_denied(run_ledger: LedgerProcess) -> None:
    """Post-dated checks are common; a date more than 366 days after today (local time) is
    almost surely a typo, and is denied."""
    today = datetime.now(UTC).date()  # TZ=UTC in the subprocess
    far = today + timedelta(days=400)
    result = run_ledger("deposit", "5", "--date", far.isoformat())
    message = assert_refused(result.returncode, result.stdout, result.stderr, args="400 days")
    assert far.isoformat() in message, message
    accepted = run_ledger("deposit", "5", "--date", (today + timedelta(days=300)).isoformat())
    assert accepted.returncode == 0, accepted.stderr
    edge = run_ledger("check", "1", "--date", (today + timedelta(days=366)).isoformat())
    beyond = run_ledger("check", "1", "--date", (today + timedelta(days=367)).isoformat())
    if datetime.now(UTC).date() != today:
        pytest.skip("midnight passed during the test")
    assert edge.returncode == 0, edge.stderr
    assert_refused(beyond.returncode, beyond.stdout, beyond.stderr, args="367 days")
    rows = json.loads(run_ledger("audit", "--json", check=True).stdout)
    assert [row["date"] for row in rows if row["type"] not in NON_MONEY] == [
        (today + timedelta(days=300)).isoformat(), (today + timedelta(days=366)).isoformat(),
    ]
