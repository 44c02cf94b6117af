"""What the commands and the simple queries print: the one-line result of a write, balances,
the reconcile report and the digest, as text or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger_cli.dates import format_recorded
from ledger_cli.events import EventType
from ledger_cli.money import format_amount
from ledger_cli.output import Output, clean
from ledger_cli.projections import parse_details

if TYPE_CHECKING:
    from datetime import date

    from ledger_cli.commands import Entry
    from ledger_cli.domain import StatementDoesNotMatch
    from ledger_cli.money import Currency
    from ledger_cli.projections import Balance
    from ledger_cli.queries import Difference, Reconciliation
    from ledger_cli.service import Imported, Outcome, Statement


def outcome(
    output: Output,
    result: Outcome,
    *,
    as_json: bool,
    outstanding: list[Entry] | None = None,
) -> None:
    """The one line of a write. `outstanding`: after a statement reconciliation, the entries
    effective by the statement date that the bank does not have yet."""
    for warning in result.warnings:
        output.warn(warning)
    if result.repeated:
        output.warn(f"already recorded as {result.ref} under this --id; nothing was appended")
    cur = result.currency
    if as_json:
        extra = {} if outstanding is None else {"outstanding": _entries_json(outstanding, cur)}
        output.json(
            {
                "ref": result.ref,
                "events": [
                    {
                        "seq": event.seq,
                        "type": event.type,
                        "account": event.account,
                        "amount": format_amount(event.amount, result.currencies[event.account]),
                        "balance": format_amount(event.balance, result.currencies[event.account]),
                    }
                    for event in result.events
                ],
                "balance": format_amount(result.balance, result.currency),
                **extra,
            }
        )
        return
    output.line(
        clean(
            f"{_describe(result)} (ref {result.ref}); balance of {result.account}: "
            f"{format_amount(result.balance, result.currency, grouping=True)}"
        )
    )
    if outstanding:
        _outstanding_table(output, outstanding, cur)
    elif outstanding is not None:
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
        case EventType.FEE_CHARGED:
            text = f"Fee of {amount} charged to {main.account}"
        case EventType.INTEREST_PAID:
            text = f"Interest of {amount} paid to {main.account}"
        case EventType.TRANSACTION_CLEARED | EventType.TRANSACTION_UNCLEARED:
            key = "clears" if main.type == EventType.TRANSACTION_CLEARED else "unclears"
            verb = "Cleared" if key == "clears" else "Uncleared"
            entries = ", ".join(f"{e.details[key]} in {e.account}" for e in result.events)
            text = f"{verb} {entries}"
        case EventType.STATEMENT_RECONCILED:
            refs = [ref for ref in str(details.get("refs", "")).split(",") if ref]
            balance = format_amount(int(details["statement_balance"]), cur, grouping=True)
            text = (
                f"Reconciled {main.account} with the statement of {main.date.isoformat()}: "
                f"balance {balance}, {len(refs)} entr{'y' if len(refs) == 1 else 'ies'} "
                "marked reconciled"
            )
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
    record: dict[str, Any] = {
        "account": item.account,
        "currency": item.currency.code,
        "balance": format_amount(item.balance, item.currency),
        "as_of": item.as_of.isoformat() if item.as_of else None,
        "known_at": item.known_at,
    }
    if item.cleared:
        record["cleared"] = True
    return record


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
    parts = ["cleared"] if item.cleared else []
    if item.as_of:
        parts.append(f"as of {item.as_of.isoformat()}")
    if item.known_at:
        parts.append(f"known at {item.known_at}")
    return f" ({', '.join(parts)})" if parts else ""


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
            wrap=[2],
        )
    for warning in result.warnings:
        output.line(f"warning: {warning}")


def digest(output: Output, seq: int, hash_: str, *, as_json: bool) -> None:
    if as_json:
        output.json({"seq": seq, "hash": hash_, "digest": f"{seq}:{hash_}"})
    else:
        output.line(f"{seq}:{hash_}")


def rebuilt(output: Output, result: Reconciliation, *, as_json: bool) -> None:
    verifier = result.verifier
    if as_json:
        output.json(
            {
                "ok": True,
                "events": verifier.count,
                "head": {"seq": verifier.head_seq, "hash": verifier.head_hash},
            }
        )
        return
    output.line(
        f"Rebuilt the read models from {verifier.count} events "
        f"(head {verifier.head_seq}:{verifier.head_hash})."
    )


def diffs(output: Output, items: list[Difference], *, as_json: bool, single: bool) -> None:
    records = [_difference(item) for item in items]
    if as_json:
        output.json(records[0] if single else records)
        return
    for item, record in zip(items, records, strict=True):
        cur = item.account.currency
        scope = f"as of {record['as_of']}" if record["as_of"] else "over every entry"
        output.line(clean(f"{item.account.name} ({cur.code}), balance {scope}:"))
        output.line(f"  known at {record['known_at']}: {_money(item.before, cur)}")
        output.line(f"  known at {record['to_known_at']}: {_money(item.after, cur)}")
        if not item.rows:
            output.line("  no change: nothing effective by then was recorded in between.")
            continue
        change = item.after - item.before
        sign = "+" if change > 0 else ""
        count = len(item.rows)
        output.line(
            f"  difference {sign}{_money(change, cur)}, from {count} "
            f"event{'s' if count != 1 else ''} recorded in between:"
        )
        output.table(
            ["seq", "recorded_at", "ref", "date", "type", "amount", "note"],
            [
                [
                    str(event["seq"]),
                    event["recorded_at"],
                    event["ref"],
                    event["date"],
                    event["type"],
                    _money(row.amount, cur),
                    _note(event),
                ]
                for row, event in zip(item.rows, record["events"], strict=True)
            ],
            right=[0, 5],
            wrap=[6],
        )


def _money(minor: int, cur: Currency) -> str:
    return format_amount(minor, cur, grouping=True)


def _note(event: dict[str, Any]) -> str:
    if event.get("voids"):
        reason = f": {event['reason']}" if event.get("reason") else ""
        return f"void of {event['voids']}{reason}"
    parts = [str(event[key]) for key in ("payee", "memo") if event.get(key)]
    if event.get("number") is not None:
        parts.insert(0, f"no. {event['number']}")
    return ", ".join(parts)


def _difference(item: Difference) -> dict[str, Any]:
    cur = item.account.currency
    events = []
    for row in item.rows:
        event: dict[str, Any] = {
            "seq": row.seq,
            "ref": row.ref,
            "type": row.type,
            "account": row.account,
            "date": row.date,
            "recorded_at": row.recorded_at,
            "amount": format_amount(row.amount, cur),
        }
        event.update(parse_details(row.details))
        events.append(event)
    return {
        "account": item.account.name,
        "currency": cur.code,
        "as_of": item.as_of.isoformat() if item.as_of else None,
        "known_at": format_recorded(item.known_at),
        "to_known_at": format_recorded(item.to_known_at),
        "balance_before": format_amount(item.before, cur),
        "balance_after": format_amount(item.after, cur),
        "difference": format_amount(item.after - item.before, cur),
        "events": events,
    }


def imported(output: Output, result: Imported, *, as_json: bool) -> None:
    for line, reason in result.skipped:
        output.warn(f"line {line} skipped: {reason}")
    balances = {
        name: format_amount(minor, cur) for name, (minor, cur) in result.balances.items()
    }
    if as_json:
        output.json(
            {
                "imported": result.transactions,
                "events": result.events,
                "first_ref": result.first_ref,
                "last_ref": result.last_ref,
                "repeated": result.repeated,
                "skipped": [{"line": line, "reason": reason} for line, reason in result.skipped],
                "balances": balances,
            }
        )
        return
    refs = ""
    if result.first_ref:
        refs = (
            f" ({result.first_ref})"
            if result.first_ref == result.last_ref
            else f" ({result.first_ref} to {result.last_ref})"
        )
    parts = [
        f"Imported {_count(result.transactions, 'transaction')}{refs}, "
        f"{_count(result.events, 'event')}"
    ]
    if result.repeated:
        parts.append(f"{result.repeated:,} already imported (same id)")
    if result.skipped:
        parts.append(f"{len(result.skipped):,} denied and skipped")
    output.line(clean("; ".join(parts) + "."))
    for name, (minor, cur) in result.balances.items():
        output.line(clean(f"  balance of {name}: {format_amount(minor, cur, grouping=True)}"))


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def statement(output: Output, result: Statement, *, as_json: bool) -> None:
    cur = result.currency
    records = []
    for item in result.rows:
        for warning in item.outcome.warnings if item.outcome else []:
            output.warn(warning)
        row = item.row
        record: dict[str, Any] = {
            "line": row.line,
            "date": row.date.isoformat(),
            "amount": format_amount(row.amount, cur),
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
        elif item.decision == "duplicate":
            record["ref"] = item.reason
            record["reason"] = f"already imported (cleared by {item.reason})"
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
        number = f" no. {record['number']}" if record["number"] is not None else ""
        output.line(
            clean(
                f"line {record['line']}: {record['date']} {record['amount']}{number} "
                f"{record['description']!r}: {record['decision']}{target}"
                + (f": {record['reason']}" if record["reason"] else "")
            )
        )
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count)
    prefix = "Dry run, nothing written: " if result.dry_run else ""
    cleared = f"; cleared as {result.cleared.ref}" if result.cleared and not result.dry_run else ""
    output.line(clean(f"{prefix}{summary or 'no rows'}{cleared}."))


_DECISIONS = ("matched", "added", "duplicate", "unmatched", "denied")


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
