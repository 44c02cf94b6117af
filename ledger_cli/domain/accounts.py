"""Account names: the default account, what a valid name is, and the "did you mean" hint."""

from __future__ import annotations

import difflib
import re

from ledger_cli.errors import InvalidValue

DEFAULT_ACCOUNT = "checking"
# The `account` of the events that concern the whole ledger (rules, budgets): no account's
# name can be empty, and such an event's amount and balance are 0.
LEDGER_WIDE = ""
ACCOUNT_NAME = re.compile(r"[a-z0-9_:-]{1,64}", re.ASCII)


def check_account_name(name: str) -> None:
    if not ACCOUNT_NAME.fullmatch(name):
        raise InvalidValue(
            f"account name {name!r} is not valid; use 1 to 64 lowercase letters, digits, "
            "'-', '_' or ':'"
        )


def unknown_account(name: str, known: list[str]) -> str:
    """The denial for an account that does not exist, with the nearest name as a hint."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"open it with `ledger open {name}`"
    return f"no account '{name}'; {hint}"
