"""Reading a bank's CSV export: which column is which, the sign of amounts, date formats, and
a fingerprint per row so that a row imported before is recognised.

Columns are found by their header names (case and spaces ignored) from the lists below, or
named with options. Amounts come from one signed column (`amount`; `--negate` when the bank
shows money out as positive) or from two columns, money out (`debit`) and money in
(`credit`). A bank's parentheses `(12.50)` mean a negative amount.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ledger_cli.domain.money import Currency, parse_signed
from ledger_cli.domain.numbers import whole_number
from ledger_cli.domain.statements import StatementRow
from ledger_cli.errors import InvalidValue

HEADERS: Mapping[str, tuple[str, ...]] = {
    "date": (
        "date", "posting date", "posted date", "post date", "transaction date", "trans date",
        "booking date", "value date",
    ),
    "amount": ("amount", "transaction amount", "value"),
    "debit": ("debit", "debits", "withdrawal", "withdrawals", "money out", "paid out"),
    "credit": ("credit", "credits", "deposit", "deposits", "money in", "paid in"),
    "description": (
        "description", "payee", "name", "memo", "details", "narrative",
        "transaction description",
    ),
    "number": ("check number", "check no", "check no.", "check #", "check", "cheque number",
               "number", "num"),
}

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")


@dataclass(frozen=True)
class Columns:
    """Header names given on the command line (None: found from HEADERS)."""

    date: str | None = None
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    description: str | None = None
    number: str | None = None
    negate: bool = False
    date_format: str | None = None


def _key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def read_statement(
    lines: Iterable[str], account: str, cur: Currency, mapping: Columns
) -> list[StatementRow]:
    """The rows of a bank statement CSV, each with its fingerprint: the account, date, amount,
    description, check number, and how many identical rows came before it in this statement
    (two identical rows are two transactions; the same row in a later import is one seen)."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InvalidValue(f"line 1: not valid CSV ({error})") from None
    if header is None:
        raise InvalidValue("the statement is empty (no header line)")
    keys = [_key(name) for name in header]
    columns = {field: _column(keys, field, getattr(mapping, field)) for field in HEADERS}
    if columns["date"] is None:
        raise InvalidValue(f"no date column among {header}; name it with --date-column")
    if columns["amount"] is None and (columns["debit"] is None or columns["credit"] is None):
        raise InvalidValue(
            f"no amount column (or debit and credit columns) among {header}; "
            "name them with --amount-column or --debit-column and --credit-column"
        )
    seen: Counter[tuple[str, int, str, int | None]] = Counter()
    rows = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            line = reader.line_num
            if len(values) != len(keys):
                raise InvalidValue(
                    f"line {line}: {len(values)} fields where the header has {len(keys)}"
                )
            row = _row(values, columns, cur, mapping, line)
            identity = (row[0].isoformat(), row[1], row[2], row[3])
            seen[identity] += 1
            text = "|".join([account, *map(str, identity), str(seen[identity])])
            fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
            rows.append(StatementRow(line, *row, fingerprint))
    except csv.Error as error:
        raise InvalidValue(f"line {reader.line_num}: not valid CSV ({error})") from None
    return rows


def _column(keys: list[str], field: str, given: str | None) -> int | None:
    if given is not None:
        wanted = _key(given)
        if wanted not in keys:
            raise InvalidValue(f"the statement has no column {given!r}")
        return keys.index(wanted)
    for name in HEADERS[field]:
        if name in keys:
            return keys.index(name)
    return None


def _row(
    values: list[str],
    columns: dict[str, int | None],
    cur: Currency,
    mapping: Columns,
    line: int,
) -> tuple[date, int, str, int | None]:
    def cell(field: str) -> str:
        index = columns[field]
        return values[index].strip() if index is not None else ""

    try:
        day = _date(cell("date"), mapping.date_format)
        if columns["amount"] is not None:
            amount = parse_signed(cell("amount"), cur, "amount")
            if mapping.negate:
                amount = -amount
        else:
            debit, credit = cell("debit"), cell("credit")
            out = abs(parse_signed(debit, cur, "debit")) if debit else 0
            into = abs(parse_signed(credit, cur, "credit")) if credit else 0
            amount = into - out
        if amount == 0:
            raise InvalidValue("the amount is zero")
        number = _check_number(cell("number").lstrip("#"))
    except InvalidValue as error:
        raise InvalidValue(f"line {line}: {error}") from None
    return day, amount, cell("description"), number


def _check_number(text: str) -> int | None:
    """The check number a bank's column gives, if it is one (1 or more): banks put other
    things there too."""
    try:
        return whole_number(text, "number") if text else None
    except InvalidValue:
        return None


def _date(text: str, fmt: str | None) -> date:
    for candidate in (fmt,) if fmt else DATE_FORMATS:
        try:
            return datetime.strptime(text, candidate).date()
        except ValueError:
            continue
    formats = fmt or ", ".join(DATE_FORMATS)
    raise InvalidValue(f"date {text!r} is not in the format {formats} (see --date-format)")
