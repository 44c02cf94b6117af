"""The two listings of the log: the register (`history`) and the event log (`audit`), as
JSON, CSV or text. Both stream: rows are written as they are read."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from ledger_cli.chain import Row
from ledger_cli.events import DETAIL_KEYS, EventType
from ledger_cli.money import CURRENCIES, DEFAULT_CURRENCY, Currency, format_amount
from ledger_cli.output import Output, clean
from ledger_cli.projections import AccountInfo, RegisterLine, parse_details

LABELS = {
    EventType.FUNDS_DEPOSITED: "deposit",
    EventType.CHECK_WRITTEN: "check",
    EventType.CASH_WITHDRAWN: "withdrawal",
    EventType.TRANSFER_SENT: "transfer out",
    EventType.TRANSFER_RECEIVED: "transfer in",
    EventType.TRANSACTION_VOIDED: "void",
    EventType.FEE_CHARGED: "fee",
    EventType.INTEREST_PAID: "interest",
}


def _currency_of(info: Mapping[str, AccountInfo], account: str) -> Currency:
    found = info.get(account)
    return found.currency if found else CURRENCIES[DEFAULT_CURRENCY]


HISTORY_COLUMNS = [
    "seq",
    "ref",
    "date",
    "recorded_at",
    "type",
    "payee",
    "memo",
    "number",
    "amount",
    "balance",
    "voids",
    "reason",
    "counterparty",
    "cleared",
]


def _history_json(line: RegisterLine, cur: Currency) -> dict[str, Any]:
    row, details = line.row, line.details
    return {
        "seq": row.seq,
        "ref": row.ref,
        "date": row.date,
        "recorded_at": row.recorded_at,
        "type": row.type,
        "payee": details.get("payee"),
        "memo": details.get("memo"),
        "number": details.get("number"),
        "amount": format_amount(row.amount, cur),
        "balance": format_amount(line.balance, cur),
        "voids": details.get("voids"),
        "reason": details.get("reason"),
        "counterparty": details.get("to") or details.get("from"),
        "cleared": line.status,
    }


def history(
    output: Output, lines: Iterator[RegisterLine], account: AccountInfo, *, fmt: str
) -> None:
    cur = account.currency
    if fmt in ("json", "csv"):
        records = (_history_json(line, cur) for line in lines)
        if fmt == "json":
            output.json_lines(records)
        else:
            output.csv(HISTORY_COLUMNS, records)
        return
    first = next(lines, None)
    if first is None:
        output.line(f"No entries in {account.name}.")
        return
    output.table(
        ["date", "recorded", "ref", "clr", "type", "no.", "payee", "memo", "amount", "balance"],
        (_history_cells(line, cur) for line in itertools.chain([first], lines)),
        right=[5, 8, 9],
        wrap=[6, 7],
        title=f"Register of {account.name} ({cur.code})",
    )


def _history_cells(line: RegisterLine, cur: Currency) -> list[str]:
    r = _history_json(line, cur)
    return [
        r["date"],
        r["recorded_at"][:10],
        r["ref"],
        r["cleared"],
        LABELS.get(r["type"], r["type"]),
        "" if r["number"] is None else str(r["number"]),
        _party(r),
        _note(r),
        format_amount(line.row.amount, cur, grouping=True),
        format_amount(line.balance, cur, grouping=True),
    ]


def _party(record: Mapping[str, Any]) -> str:
    if record["counterparty"]:
        direction = "to" if record["type"] == EventType.TRANSFER_SENT else "from"
        return f"{direction} {record['counterparty']}"
    return str(record["payee"] or "")


def _note(record: Mapping[str, Any]) -> str:
    if record["voids"]:
        reason = f": {record['reason']}" if record["reason"] else ""
        return f"void of {record['voids']}{reason}"
    return str(record["memo"] or "")


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
    output: Output, rows: Iterator[Row], accounts: Mapping[str, AccountInfo], *, fmt: str
) -> None:
    records = (audit_record(row, accounts) for row in rows)
    if fmt == "json":
        output.json_lines(records)
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
