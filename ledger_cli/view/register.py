"""The register (`history`) as it is printed: one record per line, built once, then written as
JSON, CSV or a table. It streams: rows are written as they are read."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ledger_cli.domain.events import EventType
from ledger_cli.domain.money import Currency, format_amount
from ledger_cli.view.output import Output

if TYPE_CHECKING:
    from ledger_cli.app.results import AccountInfo, RegisterLine

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


def history_record(line: RegisterLine, cur: Currency) -> dict[str, Any]:
    """One line of the register as `history --json` and `--csv` give it."""
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
        records = (history_record(line, cur) for line in lines)
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
    r = history_record(line, cur)
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
