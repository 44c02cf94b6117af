"""The two time axes: effective dates (days) and recorded times (UTC instants).

Effective dates are `datetime.date`; recorded times are aware UTC datetimes, stored as fixed-width
ISO 8601 text with microseconds (`2026-11-26T10:44:13.123456Z`) so that text order is time order.
Local time is the process's time zone (the TZ environment variable, else the system's).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ledger_cli.errors import InvalidValue

# ISO 8601 dates without a time: calendar (2026-03-01, 20260301), week (2026-W09-7), ordinal.
_DAY_ONLY = r"[0-9]{4}-?W?[0-9-]{3,6}"
_RECORDED_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def today() -> date:
    """Today's date in local time: the default effective date of a write, the day `due`
    and `forecast` start from. `LEDGER_TODAY=YYYY-MM-DD` sets another day (to replay a
    day's routine, or a tour); recorded times are always the clock's."""
    import os

    given = os.environ.get("LEDGER_TODAY", "").strip()
    if given:
        try:
            return date.fromisoformat(given)
        except ValueError:
            raise InvalidValue(
                f"LEDGER_TODAY {given!r} is not a date; use YYYY-MM-DD, or unset it"
            ) from None
    return datetime.now().astimezone().date()


def now_utc() -> datetime:
    return datetime.now(UTC)


def format_recorded(moment: datetime) -> str:
    """A recorded time as stored: UTC, microseconds, `Z`."""
    utc = moment.astimezone(UTC)
    # The year by hand: strftime's %Y does not pad years before 1000 to four digits, and the
    # stored text must sort as time does.
    return f"{utc.year:04d}{utc.strftime('-%m-%dT%H:%M:%S.%f')}Z"


def parse_recorded(text: str) -> datetime:
    """Read a stored recorded time back (strictly the stored form)."""
    return datetime.strptime(text, _RECORDED_FORMAT).replace(tzinfo=UTC)


def _relative_day(word: str) -> date | None:
    word = word.strip().lower()
    if word == "today":
        return today()
    if word == "yesterday":
        return today() - timedelta(days=1)
    return None


def _parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"{option} {text!r} is not a valid date (YYYY-MM-DD)") from None


def _day(text: str, option: str) -> date | None:
    """The day that `today`, `yesterday` or an ISO 8601 date without a time names, else None."""
    relative = _relative_day(text)
    if relative is not None:
        return relative
    stripped = text.strip()
    day_only = re.fullmatch(_DAY_ONLY, stripped, re.ASCII)  # re caches the compiled form
    return _parse_day(stripped, option) if day_only else None


def _moment(text: str, option: str, day: date | None, tz: tzinfo | None) -> datetime:
    """The instant `text` names (a bare `day`: its last microsecond), in `tz` (None: local).
    A date-time without an offset is local time."""
    try:
        moment = (
            datetime.combine(day, time.max)
            if day is not None
            else datetime.fromisoformat(text.strip())
        )
    except ValueError:
        raise InvalidValue(
            f"{option} {text!r} is not a date or time; use YYYY-MM-DD, an ISO 8601 "
            "date-time, 'today' or 'yesterday'"
        ) from None
    try:
        aware = moment.astimezone() if moment.tzinfo is None else moment
        return aware.astimezone(tz)
    except (OverflowError, ValueError):
        if day is not None:
            # The end of the first or last representable day: clamp to the range.
            edge = datetime.max if day.year == date.max.year else datetime.min
            return edge.replace(tzinfo=UTC).astimezone(tz)
        raise InvalidValue(f"{option} {text!r} is out of the range of dates") from None


# How far ahead a write may be dated: post-dated checks are common, a date years ahead is a
# typing mistake (2062 for 2026).
MAX_DAYS_AHEAD = 366


def latest_write_date() -> date:
    return today() + timedelta(days=MAX_DAYS_AHEAD)


# The earliest effective date a write may have: anything before is a typing mistake (1900
# for 2000, 0026 for 2026), and would stretch every chart over decades.
EARLIEST_DATE = date(1970, 1, 1)


def check_too_early(day: date, option: str = "date") -> date:
    """`day`, unless it is before EARLIEST_DATE."""
    if day < EARLIEST_DATE:
        raise InvalidValue(
            f"{option} {day.isoformat()} is before {EARLIEST_DATE.isoformat()}: likely a typo; "
            "entries must be dated 1970 or later"
        )
    return day


def check_write_date(day: date, option: str = "--date", latest: date | None = None) -> date:
    """`day`, unless it is before EARLIEST_DATE or more than MAX_DAYS_AHEAD days after today
    (local time), or after `latest` when the caller computed it once for many dates."""
    check_too_early(day, option)
    latest = latest or latest_write_date()
    if day > latest:
        raise InvalidValue(
            f"{option} {day.isoformat()} is too far ahead: a write may be dated at most "
            f"{MAX_DAYS_AHEAD} days after today (up to {latest.isoformat()})"
        )
    return day


def parse_date(text: str, option: str = "--date") -> date:
    """An effective date for a write: `YYYY-MM-DD`, `today` or `yesterday`."""
    day = _day(text, option)
    if day is None:
        raise InvalidValue(
            f"{option} {text!r} is not a date; use YYYY-MM-DD, 'today' or 'yesterday'"
        )
    return day


def parse_as_of(text: str, option: str = "--as-of") -> date:
    """The last effective day a query includes, the whole of it.

    A date-time counts its local date, since effective dates are days.
    """
    day = _day(text, option)
    return day if day is not None else _moment(text, option, None, None).date()


def parse_known_at(text: str, option: str = "--known-at") -> datetime:
    """The last recorded instant a query includes, as an aware UTC datetime.

    A bare date (or 'today', 'yesterday') means the end of that local day; a date-time
    without an offset is local time; the `recorded_at` text printed by `audit` is accepted
    verbatim; `now` is this instant.
    """
    if text.strip().lower() == "now":
        return now_utc()
    return _moment(text, option, _day(text, option), UTC)
