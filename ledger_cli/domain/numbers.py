"""Whole numbers typed by users: check numbers, limits, windows. One rule for all of them, so
that `--number`, an import row's `number` and `--limit` accept and refuse the same text."""

from __future__ import annotations

from ledger_cli.errors import InvalidValue

# 18 digits always fit a signed 64-bit integer, the largest value the ledger stores.
MAX_DIGITS = 18


def whole_number(text: str, what: str, *, minimum: int = 1) -> int:
    """The whole number, `minimum` or more, that `text` spells in ASCII digits, else
    InvalidValue naming `what` and the text."""
    stripped = text.strip()
    if not stripped.isascii() or not stripped.isdigit() or int(stripped) < minimum:
        raise InvalidValue(f"{what} {text!r} is not valid; give a whole number, 1 or more")
    if len(stripped) > MAX_DIGITS:
        raise InvalidValue(f"{what} {text!r} is too large")
    return int(stripped)
