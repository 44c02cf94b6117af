"""Parsing time (domain/dates.py): effective dates, `--as-of` and `--known-at` (README, "Time:
effective dates and recorded times"), and how recorded times are written.

Local time is the process's TZ; tests that depend on it set TZ and call `time.tzset()`, and
put both back afterwards.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_cli.domain.dates import (
    format_recorded,
    parse_as_of,
    parse_date,
    parse_known_at,
    parse_recorded,
)
from ledger_cli.errors import InvalidValue

SetTZ = Callable[[str], None]


@pytest.fixture
def local_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[SetTZ]:
    """Switch the process's local time zone for one test; restore it afterwards."""
    before = os.environ.get("TZ")

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    if before is None:
        monkeypatch.delenv("TZ", raising=False)
    else:
        monkeypatch.setenv("TZ", before)
    time.tzset()


@pytest.fixture(autouse=True)
def utc_by_default(local_tz: SetTZ) -> None:
    """conftest sets TZ=UTC; make the C library see it too."""
    local_tz("UTC")


ZONES = ["UTC", "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago"]


# --- parse_date: effective dates of writes ------------------------------------------------


def test_parse_date_reads_a_day() -> None:
    assert parse_date("2026-03-01") == date(2026, 3, 1)
    assert parse_date(" 2026-12-31 ") == date(2026, 12, 31)
    assert parse_date("2028-02-29") == date(2028, 2, 29)


@pytest.mark.parametrize("parse", [parse_date, parse_as_of], ids=["date", "as_of"])
def test_relative_words_are_local_days(
    local_tz: SetTZ, parse: Callable[[str], date]
) -> None:
    for zone in ZONES:
        local_tz(zone)
        before = datetime.now().astimezone().date()
        today = parse("today")
        yesterday = parse("Yesterday")
        after = datetime.now().astimezone().date()
        assert today in {before, after}
        assert yesterday == today - timedelta(days=1)


def test_parse_date_refuses_a_date_time() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_date("2026-03-01T10:00")
    assert "'2026-03-01T10:00'" in str(caught.value)
    assert "--date" in str(caught.value)


# --- parse_as_of: the last effective day a query includes ---------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_as_of_bare_date_is_that_date_in_any_zone(local_tz: SetTZ, zone: str) -> None:
    local_tz(zone)
    assert parse_as_of("2026-03-01") == date(2026, 3, 1)
    assert parse_as_of("2026-12-31") == date(2026, 12, 31)
    assert parse_as_of("2028-02-29") == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("zone", "text", "day"),
    [
        # 2026-03-01T23:30-05:00 is 2026-03-02T04:30Z
        ("UTC", "2026-03-01T23:30-05:00", date(2026, 3, 2)),
        ("America/New_York", "2026-03-01T23:30-05:00", date(2026, 3, 1)),
        ("Asia/Tokyo", "2026-03-01T23:30-05:00", date(2026, 3, 2)),
        ("Pacific/Pago_Pago", "2026-03-01T23:30-05:00", date(2026, 3, 1)),
        ("America/New_York", "2026-03-02T01:30+00:00", date(2026, 3, 1)),
        ("UTC", "2026-03-02T01:30+00:00", date(2026, 3, 2)),
        ("UTC", "2026-03-01T10:00Z", date(2026, 3, 1)),
        ("Asia/Tokyo", "2026-03-01T16:00Z", date(2026, 3, 2)),
        ("Asia/Tokyo", "2026-03-01T14:59:59.999999Z", date(2026, 3, 1)),
        ("Pacific/Kiritimati", "2026-03-01T10:00+00:00", date(2026, 3, 2)),
        # without an offset: local time, so its own date
        ("UTC", "2026-03-01T23:30", date(2026, 3, 1)),
        ("Asia/Tokyo", "2026-03-01T23:30", date(2026, 3, 1)),
        ("Pacific/Pago_Pago", "2026-03-01T00:00", date(2026, 3, 1)),
    ],
)
def test_as_of_date_time_counts_its_local_date(
    local_tz: SetTZ, zone: str, text: str, day: date
) -> None:
    local_tz(zone)
    assert parse_as_of(text) == day


# --- parse_known_at: the last recorded instant a query includes ---------------------------


@pytest.mark.parametrize(
    ("zone", "text", "instant"),
    [
        ("UTC", "2026-03-01", datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)),
        # EST, UTC-5
        ("America/New_York", "2026-03-01", datetime(2026, 3, 2, 4, 59, 59, 999999, tzinfo=UTC)),
        # the day daylight saving time starts: it ends in EDT, UTC-4
        ("America/New_York", "2026-03-08", datetime(2026, 3, 9, 3, 59, 59, 999999, tzinfo=UTC)),
        ("Asia/Tokyo", "2026-03-01", datetime(2026, 3, 1, 14, 59, 59, 999999, tzinfo=UTC)),
        ("Asia/Kolkata", "2026-03-01", datetime(2026, 3, 1, 18, 29, 59, 999999, tzinfo=UTC)),
        ("Pacific/Kiritimati", "2026-03-01", datetime(2026, 3, 1, 9, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_known_at_bare_date_is_the_end_of_that_local_day_in_utc(
    local_tz: SetTZ, zone: str, text: str, instant: datetime
) -> None:
    local_tz(zone)
    result = parse_known_at(text)
    assert result == instant
    assert result.utcoffset() == timedelta(0)
    assert format_recorded(result) == instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize("zone", ZONES)
def test_known_at_accepts_audit_recorded_at_verbatim(local_tz: SetTZ, zone: str) -> None:
    local_tz(zone)
    text = "2026-11-26T10:44:13.123456Z"
    result = parse_known_at(text)
    assert result == datetime(2026, 11, 26, 10, 44, 13, 123456, tzinfo=UTC)
    assert result.utcoffset() == timedelta(0)
    assert format_recorded(result) == text
    assert parse_recorded(text) == result


@pytest.mark.parametrize(
    ("zone", "text", "instant"),
    [
        ("UTC", "2026-03-01T10:00", datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
        ("America/New_York", "2026-03-01T10:00", datetime(2026, 3, 1, 15, 0, tzinfo=UTC)),
        ("Asia/Tokyo", "2026-03-01T10:00", datetime(2026, 3, 1, 1, 0, tzinfo=UTC)),
        ("Asia/Tokyo", "2026-03-01T10:00+02:00", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("America/New_York", "2026-03-01T10:00:00.5Z", datetime(2026, 3, 1, 10, 0, 0, 500000, UTC)),
    ],
)
def test_known_at_date_time_without_offset_is_local(
    local_tz: SetTZ, zone: str, text: str, instant: datetime
) -> None:
    local_tz(zone)
    result = parse_known_at(text)
    assert result == instant
    assert result.utcoffset() == timedelta(0)


def test_known_at_relative_words_are_the_end_of_the_local_day(local_tz: SetTZ) -> None:
    local_tz("Asia/Tokyo")
    today = parse_as_of("today")
    assert parse_known_at("today") == parse_known_at(today.isoformat())
    yesterday = (today - timedelta(days=1)).isoformat()
    assert parse_known_at("yesterday") == parse_known_at(yesterday)


recorded = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@given(moment=recorded)
def test_every_stored_recorded_at_round_trips_through_known_at(moment: datetime) -> None:
    text = format_recorded(moment)
    assert parse_known_at(text) == moment
    assert format_recorded(parse_known_at(text)) == text


@given(day=st.dates(min_value=date(1970, 1, 2), max_value=date(9999, 12, 30)))
def test_as_of_and_known_at_agree_on_what_a_bare_date_means(day: date) -> None:
    text = day.isoformat()
    assert parse_as_of(text) == day
    end = parse_known_at(text)
    assert end == datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC)


# --- invalid inputs -----------------------------------------------------------------------

INVALID = [
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "yesterdayy",
    "tomorrow",
    "2026-03-01T10:00+25:00",
    "2026-03-01T25:00",
    "2026-3-1",
    "03/01/2026",
    "",
    "   ",
]

PARSERS = [
    pytest.param(parse_date, "--date", id="parse_date"),
    pytest.param(parse_as_of, "--as-of", id="parse_as_of"),
    pytest.param(parse_known_at, "--known-at", id="parse_known_at"),
]


@pytest.mark.parametrize(("parse", "option"), PARSERS)
@pytest.mark.parametrize("text", INVALID)
def test_invalid_inputs_are_denied_naming_the_value(
    parse: Callable[[str], object], option: str, text: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse(text)
    message = str(caught.value)
    assert repr(text) in message
    assert message.startswith(f"{option} {text!r} ")


@pytest.mark.parametrize("text", ["9999-12-31T23:00-05:00", "0001-01-01T00:30+01:00"])
def test_as_of_date_time_out_of_range_is_an_invalid_value(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_as_of(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("text", ["20260301", "2026-W09-7"])
def test_other_iso_date_forms_mean_the_same_day_for_as_of_and_known_at(text: str) -> None:
    try:
        day = parse_as_of(text)
    except InvalidValue:
        # refusing the form is fine, as long as both options refuse it
        with pytest.raises(InvalidValue):
            parse_known_at(text)
        return
    assert parse_known_at(text) == parse_known_at(day.isoformat())


# --- recorded times -----------------------------------------------------------------------


def test_recorded_times_before_1000_are_zero_padded() -> None:
    assert format_recorded(datetime(999, 6, 1, tzinfo=UTC)) == "0999-06-01T00:00:00.000000Z"
