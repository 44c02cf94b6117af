"""How long a write waits for another writer, whatever the backend (LEDGER_BUSY_TIMEOUT)."""

from __future__ import annotations

import os

from ledger_cli.errors import InvalidValue

DEFAULT_BUSY_TIMEOUT_MS = 10_000
MAX_BUSY_TIMEOUT_MS = 3_600_000


def busy_timeout_ms() -> int:
    """How long a command waits for another process's write: LEDGER_BUSY_TIMEOUT, in seconds
    from 0 to 3600 (such as 10 or 0.5; blanks around it are fine), else 10 s. Any other value,
    an empty one included, is InvalidValue: never ignored."""
    raw = os.environ.get("LEDGER_BUSY_TIMEOUT")
    if raw is None:
        return DEFAULT_BUSY_TIMEOUT_MS
    whole, _, fraction = raw.strip().partition(".")  # "5", "5.", ".5", "0.25"
    digits = whole + fraction
    if digits.isascii() and digits.isdigit():  # ASCII digits only, at least one
        milliseconds = int(whole or "0") * 1000 + int((fraction + "000")[:3])
        if milliseconds <= MAX_BUSY_TIMEOUT_MS:
            return milliseconds
    raise InvalidValue(
        f"LEDGER_BUSY_TIMEOUT={raw!r} is not valid: give the seconds to wait for another "
        "process's write, a number from 0 to 3600 such as 10 or 0.5"
    )
