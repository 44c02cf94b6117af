"""All output: rich tables on a terminal, plain aligned text when piped, JSON and CSV.

Text a user typed (payee, memo, account names) is never read as rich markup: every cell is a
rich `Text`, and control characters are shown escaped so that they cannot drive the terminal.
rich is imported only when a table is drawn on a terminal.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from ledger_cli.chain import Row
from ledger_cli.events import DETAIL_KEYS, EventType
from ledger_cli.money import CURRENCIES, DEFAULT_CURRENCY, Currency, format_amount
from ledger_cli.projections import AccountInfo, Balance, RegisterLine, parse_details
from ledger_cli.service import Outcome, Reconciliation

LABELS = {
    EventType.ACCOUNT_OPENED: "opened",
    EventType.ACCOUNT_CLOSED: "closed",
    EventType.FUNDS_DEPOSITED: "deposit",
    EventType.CHECK_WRITTEN: "check",
    EventType.CASH_WITHDRAWN: "withdrawal",
    EventType.TRANSFER_SENT: "transfer out",
    EventType.TRANSFER_RECEIVED: "transfer in",
    EventType.TRANSACTION_VOIDED: "void",
}
_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]}


@dataclass
class Output:
    """Where output goes and what the terminal can do; tests swap the streams."""

    out: IO[str] = field(default_factory=lambda: sys.stdout)
    err: IO[str] = field(default_factory=lambda: sys.stderr)
    terminal: bool | None = None

    def __post_init__(self) -> None:
        if self.terminal is None:
            self.terminal = self.out.isatty() and os.environ.get("TERM") != "dumb"

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def warn(self, text: str) -> None:
        self.err.write(f"ledger: warning: {clean(text)}\n")

    def json(self, value: Any) -> None:
        self.line(json.dumps(value, ensure_ascii=False, indent=2))

    def json_lines(self, values: Iterable[Mapping[str, Any]]) -> None:
        """A JSON array written element by element, so long outputs stream."""
        first = True
        self.out.write("[")
        for value in values:
            self.out.write("\n  " if first else ",\n  ")
            self.out.write(json.dumps(value, ensure_ascii=False))
            first = False
        self.out.write("\n]\n" if not first else "]\n")

    def csv(self, columns: Sequence[str], values: Iterable[Mapping[str, Any]]) -> None:
        writer = csv.DictWriter(self.out, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for value in values:
            writer.writerow({key: "" if value[key] is None else value[key] for key in columns})

    def table(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[str]],
        *,
        right: Sequence[int] = (),
        title: str | None = None,
    ) -> None:
        """A table: rich on a terminal, aligned plain text otherwise."""
        cells = [[clean(cell) for cell in row] for row in rows]
        if self.terminal:
            self._rich_table(headers, cells, right, title)
            return
        if title:
            self.line(title)
        widths = [len(h) for h in headers]
        for row in cells:
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
        for row in [list(headers), *cells]:
            padded = [
                cell.rjust(width) if i in right else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            self.line("  ".join(padded).rstrip())

    def _rich_table(
        self,
        headers: Sequence[str],
        cells: list[list[str]],
        right: Sequence[int],
        title: str | None,
    ) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(title) if title else None, title_justify="left")
        for i, header in enumerate(headers):
            table.add_column(Text(header), justify="right" if i in right else "left")
        for row in cells:
            table.add_row(*(Text(cell) for cell in row))
        Console(file=self.out, highlight=False).print(table)


def clean(text: str) -> str:
    """Text as typed, with control characters escaped so a terminal shows them literally."""
    return text.translate(_CONTROL)


def money(minor: int, cur: Currency) -> str:
    return format_amount(minor, cur)


def _currency_of(info: Mapping[str, AccountInfo], account: str) -> Currency:
    found = info.get(account)
    return found.currency if found else CURRENCIES[DEFAULT_CURRENCY]


# -- commands ------------------------------------------------------------------------------------


def outcome(output: Output, result: Outcome, *, as_json: bool) -> None:
    for warning in result.warnings:
        output.warn(warning)
    if as_json:
        output.json(
            {
                "ref": result.ref,
                "events": [
                    {
                        "seq": event.seq,
                        "type": event.type,
                        "account": event.account,
                        "amount": money(event.amount, result.currencies[event.account]),
                        "balance": money(event.balance, result.currencies[event.account]),
                    }
                    for event in result.events
                ],
                "balance": money(result.balance, result.currency),
            }
        )
        return
    output.line(
        clean(
            f"{_describe(result)} (ref {result.ref}); balance of {result.account}: "
            f"{format_amount(result.balance, result.currency, grouping=True)}"
        )
    )


def _describe(result: Outcome) -> str:
    main = next((e for e in result.events if e.type != EventType.ACCOUNT_OPENED), result.events[-1])
    cur = result.currencies[main.account]
    amount = format_amount(abs(main.amount), cur, grouping=True)
    details = main.details
    opened = [e.account for e in result.events if e.type == EventType.ACCOUNT_OPENED]
    prefix = f"Opened {opened[0]}; " if opened and main.type != EventType.ACCOUNT_OPENED else ""
    match main.type:
        case EventType.ACCOUNT_OPENED:
            limit = format_amount(int(details.get("overdraft_limit", 0)), cur, grouping=True)
            text = f"Opened {main.account} ({cur.code}, overdraft limit {limit})"
        case EventType.ACCOUNT_CLOSED:
            text = f"Closed {main.account}"
        case EventType.FUNDS_DEPOSITED:
            text = f"Deposited {amount} to {main.account}"
        case EventType.CHECK_WRITTEN:
            payee = f" to {details['payee']}" if "payee" in details else ""
            text = f"Check {details['number']}{payee} for {amount} written on {main.account}"
        case EventType.CASH_WITHDRAWN:
            text = f"Withdrew {amount} from {main.account}"
        case EventType.TRANSFER_SENT:
            text = f"Transferred {amount} from {main.account} to {details['to']}"
        case _:
            reversals = ", ".join(
                f"{format_amount(e.amount, result.currencies[e.account], grouping=True)} on "
                f"{e.account}"
                for e in result.events
            )
            text = f"Voided {details['voids']}: {reversals}"
    return prefix + text


# -- queries -------------------------------------------------------------------------------------


def balance_json(item: Balance) -> dict[str, Any]:
    return {
        "account": item.account,
        "currency": item.currency.code,
        "balance": money(item.balance, item.currency),
        "as_of": item.as_of.isoformat() if item.as_of else None,
        "known_at": item.known_at,
    }


def balances(output: Output, items: list[Balance], *, as_json: bool, single: bool) -> None:
    if as_json:
        output.json(balance_json(items[0]) if single else [balance_json(i) for i in items])
        return
    if not items:
        output.line("The ledger has no accounts yet.")
        return
    scope = _scope(items[0])
    if single:
        item = items[0]
        amount = format_amount(item.balance, item.currency, grouping=True)
        output.line(f"{item.account}: {amount} {item.currency.code}{scope}")
        return
    rows = [
        [i.account, i.currency.code, format_amount(i.balance, i.currency, grouping=True)]
        for i in items
    ]
    output.table(
        ["account", "currency", "balance"],
        rows,
        right=[2],
        title=f"Balances{scope}" if scope else None,
    )


def _scope(item: Balance) -> str:
    parts = []
    if item.as_of:
        parts.append(f"as of {item.as_of.isoformat()}")
    if item.known_at:
        parts.append(f"known at {item.known_at}")
    return f" ({', '.join(parts)})" if parts else ""


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
        "amount": money(row.amount, cur),
        "balance": money(line.balance, cur),
        "voids": details.get("voids"),
        "reason": details.get("reason"),
        "counterparty": details.get("to") or details.get("from"),
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
    rows = []
    for line in lines:
        r = _history_json(line, cur)
        rows.append(
            [
                r["date"],
                r["ref"],
                LABELS.get(r["type"], r["type"]),
                "" if r["number"] is None else str(r["number"]),
                _party(r),
                _note(r),
                format_amount(line.row.amount, cur, grouping=True),
                format_amount(line.balance, cur, grouping=True),
            ]
        )
    if not rows:
        output.line(f"No entries in {account.name}.")
        return
    output.table(
        ["date", "ref", "type", "no.", "payee", "memo", "amount", "balance"],
        rows,
        right=[3, 6, 7],
        title=f"Register of {account.name} ({cur.code})",
    )


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
    *DETAIL_KEYS,
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
        "amount": money(row.amount, cur),
        "balance": money(row.balance, cur),
        "date": row.date,
        "recorded_at": row.recorded_at,
    }
    for key in DETAIL_KEYS:
        if key == "currency":
            continue  # the account's currency, set above; AccountOpened's detail is the same
        value = details.get(key)
        if key == "overdraft_limit" and isinstance(value, int):
            value = money(value, cur)
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
    table = []
    for r in records:
        details = ", ".join(
            f"{key}={r[key]}" for key in DETAIL_KEYS if r[key] is not None and key != "currency"
        )
        table.append(
            [
                str(r["seq"]),
                r["ref"],
                r["type"],
                r["account"],
                r["amount"],
                r["balance"],
                r["date"],
                r["recorded_at"],
                details,
                r["hash"],
            ]
        )
    if not table:
        output.line("The log is empty.")
        return
    output.table(
        [
            "seq",
            "ref",
            "type",
            "account",
            "amount",
            "balance",
            "date",
            "recorded_at",
            "details",
            "hash",
        ],
        table,
        right=[0, 4, 5],
    )


def reconciliation(output: Output, result: Reconciliation, *, as_json: bool) -> None:
    verifier = result.verifier
    if as_json:
        output.json(
            {
                "ok": result.ok,
                "events": verifier.count,
                "head": {"seq": verifier.head_seq, "hash": verifier.head_hash},
                "problems": [
                    {"seq": f.seq, "kind": f.kind, "detail": f.detail} for f in result.findings
                ],
                "warnings": result.warnings,
            }
        )
        return
    if result.ok:
        output.line(
            f"OK: {verifier.count} events verified; running balances and hash chain "
            f"intact; head {verifier.head_seq}:{verifier.head_hash}"
        )
    else:
        output.line(f"BROKEN: {len(result.findings)} problem(s) in {verifier.count} events")
        output.table(
            ["seq", "kind", "detail"],
            [[str(f.seq), f.kind, f.detail] for f in result.findings],
            right=[0],
        )
    for warning in result.warnings:
        output.line(f"warning: {warning}")


def digest(output: Output, seq: int, hash_: str, *, as_json: bool) -> None:
    if as_json:
        output.json({"seq": seq, "hash": hash_, "digest": f"{seq}:{hash_}"})
    else:
        output.line(f"{seq}:{hash_}")
