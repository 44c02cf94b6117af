"""Answers folded from rows of the log itself: the accounts, the register, the cleared
statuses, which void cancels an entry. (Queries read these from the read models when they
can, and fold the log when the read models do not describe the moment asked about.)

Each takes rows from the store and derives an answer; none writes anything. They work on raw
rows and tolerate a damaged log (an unknown currency falls back to the default), since `audit`
must still show a log that `reconcile` rejects.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from ledger_cli.app.results import AccountInfo, RegisterLine
from ledger_cli.domain.events import EventType, status_changes
from ledger_cli.domain.money import DEFAULT_CURRENCY, stored_currency
from ledger_cli.store.base import Row


def parse_details(text: str) -> dict[str, Any]:
    """A row's details, read; {} for text that is not a JSON object (a damaged log)."""
    import json  # here, not above: a query that reads no details does not load json

    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def accounts(rows: Iterable[Row]) -> dict[str, AccountInfo]:
    """The accounts the log knows, from its AccountOpened and AccountClosed rows."""
    found: dict[str, AccountInfo] = {}
    for row in rows:
        if row.type == EventType.ACCOUNT_OPENED:
            code = parse_details(row.details).get("currency", DEFAULT_CURRENCY)
            cur = stored_currency(code)
            found[row.account] = AccountInfo(row.account, cur, row.date, closed=False)
        elif row.type == EventType.ACCOUNT_CLOSED and row.account in found:
            info = found[row.account]
            found[row.account] = AccountInfo(info.name, info.currency, info.opened_on, True)
    return found


def register(
    rows: Iterable[Row],
    *,
    since: date | None = None,
    limit: int | None = None,
    opening: int = 0,
) -> Iterator[RegisterLine]:
    """The register of one account from rows in effective order (date, seq), starting from
    the `opening` balance: each line with the running balance of everything before it,
    including lines before `since`, which are summed but not shown. `limit` keeps the last
    N lines."""
    first_day = since.isoformat() if since else ""

    def lines() -> Iterator[RegisterLine]:
        running = opening
        for row in rows:
            running += row.amount
            if row.date >= first_day:
                yield RegisterLine(row, parse_details(row.details), running)

    return lines() if limit is None else iter(deque(lines(), maxlen=limit))


def voided_by(rows: Iterable[Row]) -> dict[str, str]:
    """ref -> the void that cancels it, from one account's TransactionVoided and VoidReversed
    rows in seq order: the latest void of a ref (details `voids`), unless a VoidReversed
    that restores it (details `restores`) came after; voided again later, by the new void."""
    found: dict[str, str] = {}
    for row in rows:
        details = parse_details(row.details)
        if row.type == EventType.TRANSACTION_VOIDED:
            target = details.get("voids")
            if isinstance(target, str):
                found[target] = row.ref
        elif row.type == EventType.VOID_REVERSED:
            target = details.get("restores")
            if isinstance(target, str):
                found.pop(target, None)
    return found


def statuses(rows: Iterable[Row]) -> dict[str, str]:
    """The cleared status of each ref of one account, from its status events in seq order."""
    found: dict[str, str] = {}
    for row in rows:
        found.update(status_changes(row.type, parse_details(row.details)))
    return found
