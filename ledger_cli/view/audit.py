"""The event log (`audit`) as it is printed: every stored field of every event, as JSON, CSV or
one block of text per event, whole however narrow the terminal. It streams. JSON rows also
carry the knowledge time the listing answers from (`known_at`, Queries.knowledge), which is
no field of the event: `--known-at` takes it back to reproduce the listing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ledger_cli.app.projections import parse_details
from ledger_cli.domain.events import DETAIL_KEYS
from ledger_cli.domain.money import CURRENCIES, DEFAULT_CURRENCY, Currency, format_amount
from ledger_cli.view.output import Output, clean

if TYPE_CHECKING:
    from ledger_cli.app.results import AccountInfo
    from ledger_cli.store.base import Row


def _currency_of(info: Mapping[str, AccountInfo], account: str) -> Currency:
    found = info.get(account)
    return found.currency if found else CURRENCIES[DEFAULT_CURRENCY]


AUDIT_COLUMNS = [
    "seq",
    "ref",
    "type",
    "account",
    "currency",
    "amount",
    "balance",
    "date",
    "recorded_at",
    *(key for key in DETAIL_KEYS if key != "currency"),  # the account's, above
    "prev_hash",
    "hash",
]


def audit_record(row: Row, accounts: Mapping[str, AccountInfo]) -> dict[str, Any]:
    cur = _currency_of(accounts, row.account)
    details = parse_details(row.details)
    record: dict[str, Any] = {
        "seq": row.seq,
        "ref": row.ref,
        "type": row.type,
        "account": row.account,
        "currency": cur.code,
        "amount": format_amount(row.amount, cur),
        "balance": format_amount(row.balance, cur),
        "date": row.date,
        "recorded_at": row.recorded_at,
    }
    for key in DETAIL_KEYS:
        if key == "currency":
            continue  # the account's currency, set above; AccountOpened's detail is the same
        value = details.get(key)
        if key in ("overdraft_limit", "statement_balance") and isinstance(value, int):
            value = format_amount(value, cur)
        record[key] = value
    record["prev_hash"] = row.prev_hash
    record["hash"] = row.hash
    return record


def audit(
    output: Output,
    rows: Iterator[Row],
    accounts: Mapping[str, AccountInfo],
    *,
    fmt: str,
    known_at: str | None = None,
) -> None:
    records = (audit_record(row, accounts) for row in rows)
    if fmt == "json":
        output.json_lines({**record, "known_at": known_at} for record in records)
        return
    if fmt == "csv":
        output.csv(AUDIT_COLUMNS, records)
        return
    # One block per event: every stored field, whole, however narrow the terminal.
    empty = True
    for r in records:
        empty = False
        details = ", ".join(
            f"{key}={r[key]}" for key in DETAIL_KEYS if r[key] is not None and key != "currency"
        )
        output.line(
            clean(
                f"seq {r['seq']}  {r['ref']}  {r['type']}  {r['account']}  amount {r['amount']}  "
                f"balance {r['balance']} {r['currency']}"
            )
        )
        output.line(f"    date {r['date']}  recorded_at {r['recorded_at']}")
        if details:
            output.line(clean(f"    {details}"))
        output.line(f"    prev_hash {r['prev_hash']}")
        output.line(f"    hash      {r['hash']}")
    if empty:
        output.line("The log is empty.")
