"""Reading a bank's CSV export: where its table starts, which column is which, how the bank
writes amounts and dates, and a fingerprint per row so that a row imported before is
recognised.

The header line is the first of the file's first 50 lines that holds the columns looked for
(or the line after exactly N lines, with `--skip-lines N`): the lines above it are the bank's
preamble (the account, the period, a blank line). Fields are separated by `,`, `;`, a tab or
`|`, whichever makes that line a header, or by `--delimiter`. Columns are found by their header
names (case and spaces ignored) from the lists below, or named with options. Amounts come
from one signed column (`amount`; `--negate` when the bank shows money out as positive) or
from two columns, money out (`debit`) and money in (`credit`). A bank's parentheses `(12.50)`
mean a negative amount, as does a trailing minus (`12,50-`).

Decimal marks. An amount is read with a decimal point (`1,234.56`: `,` groups thousands)
unless `--decimal-comma` says the file has a decimal comma (`1.234,56`: `.` groups
thousands). Without either option, a file whose fields are not separated by `,` and whose
amounts include some with a decimal comma and none with a decimal point has a decimal comma.
A value with one separator followed by exactly three digits (`1.234`, `1,234`, `-2.500`) is
ambiguous: it is denied, naming both readings, unless `--decimal-comma` or `--decimal-point`
says which. Money is never guessed, and never a float.

Dates are YYYY-MM-DD, MM/DD/YYYY or MM/DD/YY, or in the one strptime `--date-format` given.
A file with a date that can only be day-first (13/03/2026) has its other slash dates denied
rather than read month-first.

A row that cannot be read is not the file's error: it is a row with a `problem`, which
`statement` denies, naming its line, while it records the other rows. What makes the whole
file unreadable (no header, not CSV) is an InvalidValue.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import TypeVar

from ledger_cli.domain.money import MAX_MINOR, Currency, format_amount
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
    "currency": ("currency", "currency code", "ccy", "währung", "waehrung"),
    # A file that documents the row (a receipt), named relative to the statement's folder.
    "document": ("receipt", "document", "attachment", "voucher", "receipt file", "beleg"),
}

T = TypeVar("T")

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")
_DATE_FORMATS_SHOWN = "YYYY-MM-DD, MM/DD/YYYY or MM/DD/YY"
_DAY_FIRST = ("%d/%m/%Y", "%d/%m/%y")

SEARCH_LINES = 50  # the header line is looked for in this many lines
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


@dataclass(frozen=True)
class Columns:
    """How a bank's file is written: header names given on the command line (None: found from
    HEADERS), the sign of amounts, and the format options (None: found from the file)."""

    date: str | None = None
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    description: str | None = None
    number: str | None = None
    negate: bool = False
    date_format: str | None = None
    currency: str | None = None
    document: str | None = None
    delimiter: str | None = None  # one character (parse_delimiter)
    decimal_comma: bool | None = None  # True: `1.234,56`; False: `1,234.56`; None: see above
    skip_lines: int | None = None  # the header is the line after exactly this many


def parse_delimiter(text: str) -> str:
    """The field separator `--delimiter` names: one character, or `tab` (also `\\t`)."""
    value = _DELIMITER_NAMES.get(text.strip().lower(), text)
    if len(value) != 1 or value.isalnum() or value in "\"\r\n":
        raise InvalidValue(
            f"--delimiter {text!r} is not a field separator; give one character such as , ; "
            "or |, or tab (not a letter, a digit, a quote or a line break)"
        )
    return value


def _key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def read_statement(
    lines: Sequence[str], account: str, cur: Currency, mapping: Columns
) -> list[StatementRow]:
    """The rows of a bank statement CSV, each with its fingerprint: the account, date, amount,
    description, check number, and how many identical rows came before it in this statement
    (two identical rows are two transactions; the same row in a later import is one seen).
    A row that cannot be read has its `problem` instead."""
    start, delimiter, header, columns = _header(lines, mapping)
    records = _records(lines, start + 1, delimiter)
    width = len(header)
    amounts = _amount_fields(columns)
    cells = [values[i] for _, values in records if len(values) == width for i in amounts]
    marks = _Marks(mapping.decimal_comma, delimiter, cells, cur)
    day_first = _day_first(records, width, columns, mapping.date_format)
    seen: Counter[tuple[str, int, str, int | None]] = Counter()
    rows = []
    for line, values in records:
        if len(values) != width:
            count = len(values)
            problem = f"{count} field{'s' if count != 1 else ''} where the header has {width}"
            rows.append(StatementRow(line, None, None, "", None, "", problem))
            continue
        row = _row(line, values, columns, cur, mapping, marks, day_first, account)
        if row.problem is None and row.date is not None and row.amount is not None:
            identity = (row.date.isoformat(), row.amount, row.description, row.number)
            seen[identity] += 1
            text = "|".join([account, *map(str, identity), str(seen[identity])])
            row = row._replace(fingerprint=hashlib.sha256(text.encode("utf-8")).hexdigest()[:32])
        rows.append(row)
    return rows


# -- the header line -----------------------------------------------------------------------


def _header(
    lines: Sequence[str], mapping: Columns
) -> tuple[int, str, list[str], dict[str, int | None]]:
    """Where the table starts: the index of the header line, the delimiter, the header's
    fields and where each column is."""
    if not any(line.strip() for line in lines):
        raise InvalidValue("the statement is empty (no header line)")
    delimiters = (mapping.delimiter,) if mapping.delimiter else DELIMITERS
    skip = mapping.skip_lines
    if skip is not None:
        if skip >= len(lines):
            raise InvalidValue(
                f"--skip-lines {skip} skips every line: the statement has {len(lines)}"
            )
        candidates = [skip]
    else:
        candidates = list(range(min(SEARCH_LINES, len(lines))))
    for index in candidates:
        for delimiter in delimiters:
            fields = _fields(lines[index], delimiter)
            columns = _columns(fields, mapping)
            if columns is not None:
                if mapping.negate and columns["amount"] is None:
                    raise InvalidValue(
                        "--negate turns the sign of a single amount column; this statement "
                        "has debit and credit columns"
                    )
                return index, delimiter, fields, columns
    looked_for = _looked_for(mapping, delimiters)
    hint = (
        "name the columns with --date-column and --amount-column (or --debit-column and "
        "--credit-column)"
    )
    if skip is not None:
        raise InvalidValue(
            f"line {skip + 1} (after --skip-lines {skip}) is not a header line: looked for "
            f"{looked_for}; {hint}"
        )
    raise InvalidValue(
        f"no header line in the first {SEARCH_LINES} lines of the statement holds "
        f"{looked_for}; {hint}, or skip lines with --skip-lines N"
    )


def _fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _columns(fields: list[str], mapping: Columns) -> dict[str, int | None] | None:
    """Where each column is, if `fields` is a header line that holds the columns looked for."""
    keys = [_key(name) for name in fields]
    columns: dict[str, int | None] = {}
    for field, names in HEADERS.items():
        given = getattr(mapping, field)
        if given is not None:
            if _key(given) not in keys:
                return None
            columns[field] = keys.index(_key(given))
        else:
            columns[field] = next((keys.index(name) for name in names if name in keys), None)
    if columns["date"] is None:
        return None
    if columns["amount"] is None and (columns["debit"] is None or columns["credit"] is None):
        return None
    return columns


def _looked_for(mapping: Columns, delimiters: Sequence[str]) -> str:
    def column(field: str, what: str) -> str:
        given = getattr(mapping, field)
        if given is not None:
            return f"{what} column {given!r}"
        return f"{what} column ({', '.join(HEADERS[field])})"

    parts = [column("date", "a date")]
    if mapping.amount is not None or (mapping.debit is None and mapping.credit is None):
        money = column("amount", "an amount")
        if mapping.amount is None:
            money += (
                f" or a debit and a credit column ({', '.join(HEADERS['debit'])}; "
                f"{', '.join(HEADERS['credit'])})"
            )
        parts.append(money)
    else:
        parts.append(column("debit", "a debit") + " and " + column("credit", "a credit"))
    for field in ("description", "number", "currency"):
        if getattr(mapping, field) is not None:
            parts.append(column(field, f"a {field}"))
    shown = [_shown(d) for d in delimiters]
    separated = shown[0] if len(shown) == 1 else " ".join(shown[:-1]) + " or " + shown[-1]
    return f"{' and '.join(parts)}, separated by {separated}"


def _shown(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)


def _records(lines: Sequence[str], first: int, delimiter: str) -> list[tuple[int, list[str]]]:
    """The rows after the header, each with the line of the file it starts on; blank lines
    left out."""
    reader = csv.reader(lines[first:], delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    while True:
        line = first + reader.line_num + 1  # a quoted field may span lines: the first
        try:
            values = next(reader)
        except StopIteration:
            return records
        except csv.Error as error:
            raise InvalidValue(f"line {line}: not valid CSV ({error})") from None
        if any(value.strip() for value in values):
            records.append((line, values))


# -- a row ---------------------------------------------------------------------------------


def _amount_fields(columns: dict[str, int | None]) -> list[int]:
    fields = ("amount",) if columns["amount"] is not None else ("debit", "credit")
    return [index for field in fields if (index := columns[field]) is not None]


def _row(
    line: int,
    values: list[str],
    columns: dict[str, int | None],
    cur: Currency,
    mapping: Columns,
    marks: _Marks,
    day_first: tuple[int, str, str] | None,
    account: str,
) -> StatementRow:
    def cell(field: str) -> str:
        index = columns[field]
        return values[index].strip() if index is not None else ""

    problems: list[str] = []
    day = _attempt(problems, lambda: _date(cell("date"), mapping.date_format, day_first))
    amount: int | None
    if columns["amount"] is not None:
        amount = _attempt(problems, lambda: marks.amount(cell("amount"), "amount"))
        if amount is not None and mapping.negate:
            amount = -amount
    else:
        debit, credit = cell("debit"), cell("credit")
        out = _attempt(problems, lambda: abs(marks.amount(debit, "debit")) if debit else 0)
        into = _attempt(problems, lambda: abs(marks.amount(credit, "credit")) if credit else 0)
        amount = into - out if out is not None and into is not None else None
    if amount == 0:
        problems.append("the amount is zero")
    code = cell("currency")
    if code and code.upper() not in (cur.code, *cur.symbols):
        problems.append(f"the row is in {code}; {account} is in {cur.code}")
    number = _check_number(cell("number").lstrip("#"))
    problem = problems[0] if problems else None
    return StatementRow(
        line, day, amount, cell("description"), number, "", problem, cell("document")
    )


def _attempt(problems: list[str], parse: Callable[[], T]) -> T | None:
    """What `parse` reads, or None with its denial added to `problems`."""
    try:
        return parse()
    except InvalidValue as error:
        problems.append(str(error))
        return None


def _check_number(text: str) -> int | None:
    """The check number a bank's column gives, if it is one (1 or more): banks put other
    things there too."""
    try:
        return whole_number(text, "number") if text else None
    except InvalidValue:
        return None


# -- dates ---------------------------------------------------------------------------------


def _parsed(text: str, fmt: str) -> date | None:
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def _day_first(
    records: list[tuple[int, list[str]]],
    width: int,
    columns: dict[str, int | None],
    fmt: str | None,
) -> tuple[int, str, str] | None:
    """Without --date-format: the first date of the file that can only be day-first (line,
    text, its format), which makes every slash date of the file doubtful."""
    index = columns["date"]
    if fmt is not None or index is None:
        return None
    for line, values in records:
        if len(values) != width:
            continue
        text = values[index].strip()
        if any(_parsed(text, default) for default in DATE_FORMATS):
            continue
        for day_first in _DAY_FIRST:
            if _parsed(text, day_first):
                return line, text, day_first
    return None


def _date(text: str, fmt: str | None, day_first: tuple[int, str, str] | None) -> date:
    if fmt is not None:
        found = _parsed(text, fmt)
        if found is None:
            raise InvalidValue(
                f"date {text!r} is not a date in the format {fmt} (see --date-format)"
            )
        return found
    for default in DATE_FORMATS:
        found = _parsed(text, default)
        if found is None:
            continue
        if day_first is not None and "/" in default:
            line, example, day_format = day_first
            month_first = day_format.replace("%d/%m", "%m/%d")
            raise InvalidValue(
                f"date {text!r} may be day-first: line {line} has {example!r}; give "
                f"--date-format {day_format} (or {month_first})"
            )
        return found
    message = f"date {text!r} is not a date in the format {_DATE_FORMATS_SHOWN}"
    if day_first is not None and day_first[1] == text:
        raise InvalidValue(f"{message}; it is day-first: give --date-format {day_first[2]}")
    raise InvalidValue(f"{message} (see --date-format)")


# -- amounts -------------------------------------------------------------------------------


@cache
def _pattern(mark: str) -> re.Pattern[str]:
    """An unsigned amount with `mark` as its decimal mark, and the other of `.` and `,`
    grouping thousands: (whole part, fraction)."""
    group = re.escape("," if mark == "." else ".")
    return re.compile(rf"(\d{{1,3}}(?:{group}\d{{3}})+|\d*)(?:{re.escape(mark)}(\d+))?", re.ASCII)


def _reading(body: str, mark: str) -> tuple[str, str] | None:
    """The digits of `body` read with decimal mark `mark`: (whole, fraction), or None."""
    found = _pattern(mark).fullmatch(body)
    if found is None or not (found[1] or found[2]):
        return None
    return found[1].replace("," if mark == "." else ".", ""), found[2] or ""


def _kind(body: str) -> str:
    """How `body` is written: plain (no separator), point, comma, ambiguous (either), or
    neither (not a number)."""
    point, comma = _reading(body, "."), _reading(body, ",")
    if point is None and comma is None:
        return "neither"
    if point == comma:
        return "plain"
    if comma is None:
        return "point"
    if point is None:
        return "comma"
    return "ambiguous"


class _Marks:
    """The decimal mark of a file's amounts: given (`--decimal-comma`, `--decimal-point`),
    found from the file, or the decimal point by default."""

    def __init__(
        self, decimal_comma: bool | None, delimiter: str, cells: list[str], cur: Currency
    ) -> None:
        self.cur = cur
        self.explicit = decimal_comma is not None
        if decimal_comma is None and delimiter != ",":
            kinds = {_kind(_unsigned(cell, cur)[1]) for cell in cells if cell.strip()}
            decimal_comma = "comma" in kinds and "point" not in kinds
        self.mark = "," if decimal_comma else "."

    def amount(self, text: str, what: str) -> int:
        """The signed amount `text` writes, in minor units of the account's currency."""
        cur = self.cur
        negative, body = _unsigned(text, cur)
        if not body:
            raise InvalidValue(f"{what} is empty" if not text.strip() else
                               f"{what} {text!r} is not a number")
        kind = _kind(body)
        if kind == "neither":
            raise InvalidValue(f"{what} {text!r} is not a number")
        if kind == "ambiguous" and not self.explicit:
            grouped_mark = "," if "." in body else "."
            grouped = _reading(body, grouped_mark)
            as_decimal = _reading(body, "." if grouped_mark == "," else ",")
            assert grouped is not None and as_decimal is not None
            sign = "-" if negative else ""
            first = _shown_reading(negative, grouped, cur)
            second = f"{sign}{as_decimal[0] or '0'}.{as_decimal[1]}"
            raise InvalidValue(
                f"{what} {text!r} is ambiguous: {first} with a decimal {_name(grouped_mark)}, "
                f"{second} with a decimal {_name('.' if grouped_mark == ',' else ',')}; say "
                "which with --decimal-comma or --decimal-point"
            )
        reading = _reading(body, self.mark)
        if reading is None:
            if self.mark == "," and self.explicit:
                raise InvalidValue(
                    f"{what} {text!r} is not written with a decimal comma (such as 1.234,56), "
                    "as --decimal-comma says"
                )
            if self.explicit:
                raise InvalidValue(
                    f"{what} {text!r} has a decimal comma, but --decimal-point says the file "
                    "has a decimal point"
                )
            comma = _reading(body, ",")
            assert comma is not None  # not neither, not ambiguous: a decimal comma
            try:
                shown = f" to read it as {_shown_reading(negative, comma, cur)}"
            except InvalidValue:
                shown = ""
            raise InvalidValue(f"{what} {text!r} has a decimal comma; give --decimal-comma{shown}")
        minor = _minor(reading, cur, what, text)
        return -minor if negative else minor


def _name(mark: str) -> str:
    return "point" if mark == "." else "comma"


def _shown_reading(negative: bool, reading: tuple[str, str], cur: Currency) -> str:
    minor = _minor(reading, cur, "amount", "")
    return format_amount(-minor if negative else minor, cur)


def _minor(reading: tuple[str, str], cur: Currency, what: str, text: str) -> int:
    whole, fraction = reading
    if len(fraction) > cur.decimals:
        raise InvalidValue(
            f"{what} {text!r} has {len(fraction)} decimals; {cur.code} has {cur.decimals}"
        )
    if len(whole.lstrip("0")) > 18:
        raise InvalidValue(
            f"{what} {text!r} is above the maximum of {format_amount(MAX_MINOR, cur)}"
        )
    scale: int = 10**cur.decimals
    minor = int(whole or "0") * scale + int(fraction.ljust(cur.decimals, "0") or "0")
    if minor > MAX_MINOR:
        raise InvalidValue(
            f"{what} {text!r} is above the maximum of {format_amount(MAX_MINOR, cur)}"
        )
    return minor


_MINUS = ("-", "\u2212")


def _unsigned(text: str, cur: Currency) -> tuple[bool, str]:
    """(negative, the digits and separators) of an amount as a bank writes it: a sign before
    or a minus after, parentheses, the currency's symbol or code before or after."""
    body = text.strip()
    negative = False
    if len(body) >= 2 and body[0] == "(" and body[-1] == ")":
        negative, body = True, body[1:-1].strip()
    body = _without_currency(body, cur)
    if body and body[0] in (*_MINUS, "+"):
        if negative:
            return False, ""  # (-12.50): not a way to write an amount
        negative, body = body[0] in _MINUS, body[1:].strip()
    elif body and body[-1] in _MINUS and not negative:
        negative, body = True, body[:-1].strip()
    return negative, _without_currency(body, cur)


def _without_currency(body: str, cur: Currency) -> str:
    upper = body.upper()
    for token in sorted((*cur.symbols, cur.code), key=len, reverse=True):
        if upper.startswith(token.upper()):
            return body[len(token) :].strip()
        if upper.endswith(token.upper()):
            return body[: len(body) - len(token)].strip()
    return body
