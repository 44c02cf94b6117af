"""What month end prints: the decision on each row of a bank statement, a reconciliation that
matched (and what is still outstanding), and one that did not (the figures and likely causes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger_cli.domain.money import Currency, format_amount
from ledger_cli.view import outcome
from ledger_cli.view.output import Output, clean

if TYPE_CHECKING:
    from datetime import date

    from ledger_cli.app.outcomes import Outcome, Statement, StatementDecision
    from ledger_cli.domain.mismatch import StatementDoesNotMatch
    from ledger_cli.domain.statements import Entry


def reconciled(
    output: Output, result: Outcome, outstanding: list[Entry], *, as_json: bool
) -> None:
    """A statement reconciliation that matched: its result, and the entries effective by the
    statement date that the bank does not have yet."""
    outcome.warn(output, result)
    if as_json:
        entries = _entries_json(outstanding, result.currency)
        output.json({**outcome.record(result), "outstanding": entries})
        return
    output.line(outcome.line(result))
    if outstanding:
        _outstanding_table(output, outstanding, result.currency)
    else:
        output.line("Nothing outstanding.")


def _entries_json(entries: list[Entry], cur: Currency) -> list[dict[str, Any]]:
    return [
        {
            "seq": e.seq,
            "ref": e.ref,
            "type": e.type,
            "date": e.date.isoformat(),
            "number": e.number,
            "payee": e.payee,
            "amount": format_amount(e.amount, cur),
        }
        for e in entries
    ]


def _outstanding_table(output: Output, entries: list[Entry], cur: Currency) -> None:
    output.table(
        ["seq", "ref", "date", "type", "no.", "payee", "amount"],
        [
            [
                str(e.seq), e.ref, e.date.isoformat(), e.type,
                "" if e.number is None else str(e.number), e.payee or "",
                format_amount(e.amount, cur, grouping=True),
            ]
            for e in entries
        ],
        right=[0, 6],
        wrap=[5],
        title="Outstanding (not cleared): uncleared checks, deposits in transit",
    )


def statement(output: Output, result: Statement, *, as_json: bool) -> None:
    cur = result.currency
    records = []
    for item in result.rows:
        for warning in item.outcome.warnings if item.outcome else []:
            output.warn(warning)
        row = item.row
        record: dict[str, Any] = {
            "line": row.line,
            "date": row.date.isoformat() if row.date is not None else None,
            "amount": format_amount(row.amount, cur) if row.amount is not None else None,
            "description": row.description,
            "number": row.number,
            "decision": item.decision,
            "ref": None,
            "seq": None,
            "reason": item.reason,
        }
        if item.entry is not None:
            record["ref"], record["seq"] = item.entry.ref, item.entry.seq
        elif item.outcome is not None:
            record["ref"], record["seq"] = item.outcome.ref, item.outcome.events[-1].seq
            record.update(_added_category(item))
        elif item.decision == "duplicate":
            record["ref"] = item.reason
            record["reason"] = f"already imported (cleared by {item.reason})"
        record["document"] = _document(item)
        if record["document"] is not None:
            doc = record["document"]
            record["reason"] = (
                f"{record['reason'] or ''}; receipt {doc['name']} attached as {doc['ref']}"
            ).lstrip("; ")
        records.append(record)
    counts = {kind: sum(1 for r in records if r["decision"] == kind) for kind in _DECISIONS}
    if as_json:
        output.json(
            {
                "account": result.account,
                "dry_run": result.dry_run,
                "rows": records,
                "counts": counts,
                "clearing_ref": result.cleared.ref if result.cleared else None,
                "balance": format_amount(result.balance, cur),
            }
        )
        return
    for record in records:
        target = f" {record['ref']} (seq {record['seq']})" if record["seq"] else ""
        shown = [str(record[key]) for key in ("date", "amount") if record[key] is not None]
        if record["number"] is not None:
            shown.append(f"no. {record['number']}")
        if record["description"] or record["date"] is not None:
            shown.append(repr(record["description"]))
        output.line(
            clean(
                f"line {record['line']}: {' '.join(shown)}{': ' if shown else ''}"
                f"{record['decision']}{target}"
                + (f": {record['reason']}" if record["reason"] else "")
            )
        )
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count)
    prefix = "Dry run, nothing written: " if result.dry_run else ""
    cleared = f"; cleared as {result.cleared.ref}" if result.cleared else ""
    output.line(clean(f"{prefix}{summary or 'no rows'}{cleared}."))


def _document(item: StatementDecision) -> dict[str, Any] | None:
    """The receipt attached for a row: `{"ref" (the attach's), "sha256", "name"}`."""
    if item.document is None:
        return None
    details = item.document.events[0].details
    return {"ref": item.document.ref, "sha256": details["sha256"], "name": details["name"]}


def _added_category(item: StatementDecision) -> dict[str, Any]:
    """What category the entry added for a row got, and which rule (if any) gave it; the
    reason says so in words."""
    assert item.outcome is not None
    entry = outcome.categorized(item.outcome)
    assert entry is not None  # every entry a statement adds has a category
    category = entry.details.get("category")
    rule = item.rule
    how = entry.details.get("category_source")
    return {
        "category": category,
        "rule": None if rule is None else rule.id,
        "reason": f"{item.reason}, category {category}" + (f" ({how})" if how else ""),
    }


_DECISIONS = ("matched", "added", "duplicate", "unmatched", "denied")
_NAMED_DENIALS = 3  # the denied rows the one-line message names with their reasons


def statement_denials(result: Statement) -> str | None:
    """The one line that says which rows were denied (None: none was), and what became of the
    others: recorded, or not, in a dry run."""
    denied = [item for item in result.rows if item.decision == "denied"]
    if not denied:
        return None
    named = "; ".join(f"line {item.row.line}: {item.reason}" for item in denied[:_NAMED_DENIALS])
    if len(denied) > _NAMED_DENIALS:
        named += f"; and {len(denied) - _NAMED_DENIALS} more, each listed above"
    rows = len(result.rows)
    if result.dry_run:
        rest = "dry run, nothing was written"
    elif result.cleared is not None:
        rest = f"the rest was recorded (cleared as {result.cleared.ref})"
    else:
        rest = "nothing was recorded"
    return f"{len(denied)} of {rows} row{'s' if rows != 1 else ''} denied ({named}); {rest}"


def statement_mismatch(
    output: Output, error: StatementDoesNotMatch, day: date, *, as_json: bool
) -> None:
    """The figures of a statement that does not reconcile (the one-line error follows)."""
    mismatch, cur = error.mismatch, error.account.currency
    outstanding = _entries_json(mismatch.outstanding, cur)
    if as_json:
        output.json(
            {
                "account": error.account.name,
                "statement_date": day.isoformat(),
                "statement_balance": format_amount(mismatch.statement, cur),
                "cleared_balance": format_amount(mismatch.cleared, cur),
                "difference": format_amount(mismatch.difference, cur),
                "outstanding": outstanding,
                "likely_causes": mismatch.causes,
                "recorded": False,
            }
        )
        return
    money = error.account.money
    output.line(f"Statement of {error.account.name} through {day.isoformat()}:")
    output.line(f"  statement balance  {money(mismatch.statement)}")
    output.line(f"  cleared balance    {money(mismatch.cleared)}")
    output.line(f"  difference         {money(mismatch.difference)}")
    if outstanding:
        _outstanding_table(output, mismatch.outstanding, cur)
    else:
        output.line("  nothing outstanding")
    output.line("Likely causes:")
    for cause in mismatch.causes:
        output.line(clean(f"  - {cause}"))
