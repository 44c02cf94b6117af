"""The register (`history`) as it is printed: one record per line, built once, then written as
JSON, CSV or a table. It streams: rows are written as they are read.

A voided entry says which void cancels it (`voided_by`; "voided by T11" in the text's memo
column), a void and a void reversal show the payee of the entry they concern, and a
replacement recorded by `amend` names what it amends (`amends`; JSON and CSV also give a
void's `amended_by`), and an entry with documents says so ("doc 3fa2b1c4d5e6", or "2 docs";
JSON and CSV give each document's SHA-256 in `documents`). JSON rows also carry the
knowledge time the register answers from (`known_at`, see Queries.knowledge)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from ledger_cli.domain.categories import decode_split
from ledger_cli.domain.documents import SHORT
from ledger_cli.domain.events import ENTRY_LABELS, EventType
from ledger_cli.domain.money import Currency, format_amount
from ledger_cli.view.output import Output

if TYPE_CHECKING:
    from ledger_cli.app.results import AccountInfo, RegisterLine

LABELS = ENTRY_LABELS


HISTORY_COLUMNS = [
    "seq",
    "ref",
    "date",
    "recorded_at",
    "type",
    "payee",
    "memo",
    "number",
    "category",
    "split",
    "amount",
    "balance",
    "voids",
    "reason",
    "counterparty",
    "cleared",
    "voided_by",
    "amends",
    "amended_by",
    "unvoids",
    "restores",
    "schedule",
    "occurrence",
    "documents",
]
# `history --all --csv`: the columns of `export --format csv`.
EVERY_ACCOUNT_COLUMNS = ["account", "currency", *HISTORY_COLUMNS]


class Asked(NamedTuple):
    """What a `history` asked for, for the line that says when nothing matched, and the
    knowledge time its JSON rows report."""

    since: date | None = None
    as_of: date | None = None
    known_at: str | None = None  # Queries.knowledge
    known_given: bool = False  # --known-at was given: the empty answer says as known when
    filtered: bool = False  # a filter was given: the empty answer says "matching"
    nothing: str | None = None  # the empty answer, when the command has its own words
    title: str | None = None  # the table's title, when the command has its own ("Entries of")


NOTHING_ASKED = Asked()


def history_record(line: RegisterLine, cur: Currency) -> dict[str, Any]:
    """One line of the register as `history --csv` gives it (and `--json`, with account,
    currency and known_at)."""
    row, details = line.row, line.details
    return {
        "seq": row.seq,
        "ref": row.ref,
        "date": row.date,
        "recorded_at": row.recorded_at,
        "type": row.type,
        "payee": details.get("payee") or line.payee,
        "memo": details.get("memo"),
        "number": details.get("number"),
        "category": line.category,
        "split": _split(line.split, cur),
        "amount": format_amount(row.amount, cur),
        "balance": format_amount(line.balance, cur),
        "voids": details.get("voids"),
        "reason": details.get("reason"),
        "counterparty": details.get("to") or details.get("from"),
        "cleared": line.status,
        "voided_by": line.voided_by,
        "amends": details.get("amends"),
        "amended_by": details.get("amended_by"),
        "unvoids": details.get("unvoids"),
        "restores": details.get("restores"),
        "schedule": details.get("schedule"),
        "occurrence": details.get("occurrence"),
        "documents": list(line.documents),
    }


def _split(split: str | None, cur: Currency) -> list[dict[str, str]] | None:
    """A split's parts, `[{"category", "amount"}]`, in the sense of the whole entry."""
    if split is None:
        return None
    return [
        {"category": name, "amount": format_amount(part, cur)} for name, part in decode_split(split)
    ]


def _split_text(parts: list[dict[str, str]] | None) -> str | None:
    """A split in one CSV cell: `food=50.00;household=12.50`."""
    if parts is None:
        return None
    return ";".join(f"{part['category']}={part['amount']}" for part in parts)


def history(
    output: Output,
    lines: Iterator[RegisterLine],
    account: AccountInfo | None,
    *,
    fmt: str,
    asked: Asked = NOTHING_ASKED,
    accounts: Mapping[str, AccountInfo] | None = None,
) -> None:
    """The register of `account`, or with `account` None the register of every account
    (`accounts`: each line's account and its currency)."""
    every = accounts or {}

    def currency_of(line: RegisterLine) -> Currency:
        return account.currency if account is not None else every[line.row.account].currency

    if fmt in ("json", "csv"):
        if fmt == "json":
            output.json_lines(_json_record(line, currency_of(line), asked) for line in lines)
        elif account is not None:
            records = (csv_record(history_record(line, account.currency)) for line in lines)
            output.csv(HISTORY_COLUMNS, records)
        else:
            output.csv(
                EVERY_ACCOUNT_COLUMNS,
                (csv_record(_json_record(line, currency_of(line), asked)) for line in lines),
            )
        return
    first = next(lines, None)
    if first is None:
        output.line(no_entries(account.name if account is not None else None, asked))
        return
    headers = ["date", "recorded", "ref", "clr", "type", "no.", "payee", "memo", "category",
               "amount", "balance"]
    right, wrap = [5, 9, 10], [6, 7, 8]
    if account is not None:
        title = f"{asked.title or 'Register of'} {account.name} ({account.currency.code})"
    else:
        headers.insert(2, "account")
        right, wrap = [i + 1 for i in right], [i + 1 for i in wrap]
        codes = sorted({info.currency.code for info in every.values()})
        title = (
            f"{asked.title or 'Register of'} every account ({', '.join(codes)})" if codes else ""
        )

    def cells(line: RegisterLine) -> list[str]:
        found = _history_cells(line, currency_of(line))
        if account is None:
            found.insert(2, line.row.account)
        return found

    output.table(
        headers,
        (cells(line) for line in itertools.chain([first], lines)),
        right=right,
        wrap=wrap,
        title=title,
    )


def csv_record(record: dict[str, Any]) -> dict[str, Any]:
    """A record with its split, and its documents' hashes, each in one cell (`;` between
    them), as CSV has it."""
    return {
        **record,
        "split": _split_text(record["split"]),
        "documents": ";".join(record["documents"]),
    }


def _json_record(line: RegisterLine, cur: Currency, asked: Asked) -> dict[str, Any]:
    return {
        "account": line.row.account,
        "currency": cur.code,
        **history_record(line, cur),
        "known_at": asked.known_at,
    }


def no_entries(account: str | None, asked: Asked) -> str:
    """What `history` prints when no entry matches: what was asked, in its words."""
    if asked.nothing is not None:
        return asked.nothing
    where = f"in {account}" if account is not None else "in any account"
    since, as_of = asked.since, asked.as_of
    if since is not None and as_of is not None:
        where += f" from {since.isoformat()} to {as_of.isoformat()}"
    elif since is not None:
        where += f" since {since.isoformat()}"
    elif as_of is not None:
        where += f" as of {as_of.isoformat()}"
    if asked.known_given and asked.known_at:
        where += f" (known at {asked.known_at})"
    matching = " match the filters" if asked.filtered else ""
    if matching:
        return f"No entries {where} match the filters."
    return f"No entries {where}."


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
        _category_cell(r),
        format_amount(line.row.amount, cur, grouping=True),
        format_amount(line.balance, cur, grouping=True),
    ]


def _category_cell(record: Mapping[str, Any]) -> str:
    if record["split"]:
        return " + ".join(f"{part['category']} {part['amount']}" for part in record["split"])
    return str(record["category"] or "")


def _party(record: Mapping[str, Any]) -> str:
    if record["counterparty"]:
        direction = "to" if record["type"] == EventType.TRANSFER_SENT else "from"
        return f"{direction} {record['counterparty']}"
    return str(record["payee"] or "")


def _note(record: Mapping[str, Any]) -> str:
    """The memo column: a void's or a reversal's link and reason, else the memo; then what
    the entry amends, and the void that cancels it."""
    reason = f": {record['reason']}" if record["reason"] else ""
    if record["voids"]:
        parts = [f"void of {record['voids']}{reason}"]
    elif record["unvoids"] or record["restores"]:
        parts = [f"unvoid of {record['unvoids'] or '?'}, restores {record['restores'] or '?'}"
                 f"{reason}"]
    else:
        parts = [str(record["memo"] or "")]
    if record["schedule"]:
        parts.append(f"schedule {record['schedule']}")
    if record["amends"]:
        parts.append(f"amends {record['amends']}")
    if record["voided_by"]:
        parts.append(f"voided by {record['voided_by']}")
    documents = record["documents"]
    if len(documents) == 1:
        parts.append(f"doc {documents[0][:SHORT]}")
    elif documents:
        parts.append(f"{len(documents)} docs")
    return "; ".join(part for part in parts if part)
