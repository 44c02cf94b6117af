"""Reading an import file: CSV with a header, or NDJSON, one command per row.

Columns (CSV header names, NDJSON keys): `date`, `type`, `amount` (required) and `account`,
`payee`, `memo`, `number`, `to`, `category`, `split`, `id` (optional). `type` is deposit, check,
withdraw or transfer; a transfer goes from `account` (default checking) to `to`, and has no
category. `split` is `CATEGORY=AMOUNT;CATEGORY=AMOUNT`, instead of `category`. Each row becomes
the same command the single commands build, and goes through the same decider; this module
only reads.
Rows stream: the file is never held in memory.
"""

from __future__ import annotations

import csv
import json
import shlex
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from ledger_cli.app.service import CommandRow
from ledger_cli.domain.accounts import DEFAULT_ACCOUNT
from ledger_cli.domain.commands import Command, Deposit, Transfer, Withdraw, WriteCheck, check_key
from ledger_cli.domain.dates import check_write_date, latest_write_date, parse_date
from ledger_cli.domain.numbers import whole_number
from ledger_cli.errors import InvalidValue

REQUIRED = ("date", "type", "amount")
OPTIONAL = ("account", "payee", "memo", "number", "to", "category", "split", "id")
COLUMNS = (*REQUIRED, *OPTIONAL)
TYPES = ("deposit", "check", "withdraw", "transfer")

# A bank's export is not an import file (its columns are the bank's): `statement` reads it.
_BANK_FILE = " (a bank's export is read by `ledger statement {}`)"

# The optional columns each type may fill; any other non-empty one is a mistake in the file.
_ALLOWED = {
    "deposit": {"account", "payee", "memo", "category", "split", "id"},
    "check": {"account", "payee", "memo", "number", "category", "split", "id"},
    "withdraw": {"account", "memo", "category", "split", "id"},
    "transfer": {"account", "memo", "to", "id"},
}


def detect_format(name: str, first_line: str) -> str:
    lowered = name.lower()
    if lowered.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    if lowered.endswith(".csv"):
        return "csv"
    return "ndjson" if first_line.lstrip().startswith("{") else "csv"


def read_rows(lines: Iterable[str], fmt: str, source: str = "-") -> Iterator[CommandRow]:
    """The rows of `lines` (a text file, opened with newline=''), in order; `source` names
    the file (`-`: standard input) in a hint."""
    latest = latest_write_date()
    if fmt == "ndjson":
        return _ndjson_rows(lines, latest)
    return _csv_rows(lines, latest, source)


def _csv_rows(lines: Iterable[str], latest: date, source: str = "-") -> Iterator[CommandRow]:
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InvalidValue(f"line 1: not valid CSV ({error})") from None
    if header is None:
        return
    names = [name.strip().lower() for name in header]
    bank_file = _BANK_FILE.format("FILE" if source == "-" else shlex.quote(source))
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise InvalidValue(
            f"line 1: unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}"
            f"{bank_file}"
        )
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise InvalidValue(f"line 1: the header has no {missing[0]!r} column{bank_file}")
    if len(set(names)) != len(names):
        raise InvalidValue("line 1: a column is named twice")
    width = len(names)
    while True:
        start = reader.line_num + 1  # a quoted field may span lines: report the first
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield CommandRow(start, None, None, f"not valid CSV ({error})")
            continue  # the reader goes on with the next line
        if not values or values == [""]:
            continue  # a blank line
        if len(values) != width:
            problem = f"{len(values)} fields where the header has {width}"
            yield CommandRow(start, None, None, problem)
            continue
        yield _row(start, dict(zip(names, values, strict=True)), latest)


def _ndjson_rows(lines: Iterable[str], latest: date) -> Iterator[CommandRow]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            # Numbers are kept as their text: an amount is never a float.
            value = json.loads(line, parse_float=str, parse_int=str, parse_constant=_constant)
        except ValueError as error:
            yield CommandRow(number, None, None, f"not valid JSON ({error})")
            continue
        if not isinstance(value, dict):
            yield CommandRow(number, None, None, "not a JSON object")
            continue
        unknown = [key for key in value if key not in COLUMNS]
        if unknown:
            yield CommandRow(number, None, None, f"unknown key {unknown[0]!r}")
            continue
        fields: dict[str, str] = {}
        bad = next((key for key, item in value.items() if not _scalar(item)), None)
        if bad is not None:
            yield CommandRow(number, None, None, f"{bad} must be a string or a number")
            continue
        for key, item in value.items():
            if item is not None:
                fields[key] = str(item)
        yield _row(number, fields, latest)


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str)


def _row(line: int, fields: dict[str, str], latest: date) -> CommandRow:
    key = fields.get("id") or None
    try:
        if key is not None:
            check_key(key, "id")
        return CommandRow(line, _command(fields, latest), key)
    except InvalidValue as error:
        return CommandRow(line, None, key, str(error))


def _command(fields: dict[str, str], latest: date) -> Command:
    kind = fields.get("type", "").strip().lower()
    if kind not in TYPES:
        raise InvalidValue(f"type {fields.get('type', '')!r} is not one of {', '.join(TYPES)}")
    extra = [
        name for name in OPTIONAL if fields.get(name) and name not in _ALLOWED[kind]
    ]
    if extra:
        raise InvalidValue(f"a {kind} has no {extra[0]!r}")
    for name in REQUIRED:
        if not fields.get(name, "").strip():
            raise InvalidValue(f"{name} is empty")
    on = check_write_date(parse_date(fields["date"].strip(), "date"), "date", latest)
    amount = fields["amount"]
    account = fields.get("account", "").strip() or DEFAULT_ACCOUNT
    payee = fields.get("payee") or None
    memo = fields.get("memo") or None
    category = fields.get("category", "").strip() or None
    split = _split(fields.get("split"))
    if category is not None and split:
        raise InvalidValue("a row has either a category or a split, not both")
    if kind == "deposit":
        return Deposit(amount, on, account, payee, memo, False, category, split)
    if kind == "check":
        number = _number(fields.get("number"))
        return WriteCheck(amount, on, account, number, payee, memo, False, False, category, split)
    if kind == "withdraw":
        return Withdraw(amount, on, account, memo, False, False, category, split)
    return Transfer(amount, on, account, _target(fields.get("to")), memo)


def _split(text: str | None) -> tuple[str, ...]:
    """`food=30;home=12.50` as the parts `--split` takes."""
    if text is None or not text.strip():
        return ()
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _number(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    # 0 is a number the decider refuses: its denial is the row's, remembered under the row's id
    return whole_number(text, "number", minimum=0)


def _target(text: str | None) -> str:
    if text is None or not text.strip():
        raise InvalidValue("a transfer needs a 'to' account")
    return text.strip()
