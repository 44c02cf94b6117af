"""What the queries of one answer print: balances, the reconcile report, the digest, a rebuild
and `diff`, as text or JSON, each from one record. Every query's JSON names the knowledge
time it answered from, `known_at` (Queries.knowledge): passed back as `--known-at`, it
reproduces the report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger_cli.app.projections import parse_details
from ledger_cli.domain.money import format_amount
from ledger_cli.view.output import Output, clean

if TYPE_CHECKING:
    from ledger_cli.app.results import Balance, Difference
    from ledger_cli.app.verify import Reconciliation
    from ledger_cli.domain.money import Currency


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
    if item.known_given and item.known_at:
        parts.append(f"known at {item.known_at}")
    return f" ({', '.join(parts)})" if parts else ""


def reconciliation(
    output: Output, result: Reconciliation, *, as_json: bool, known_at: str | None = None
) -> None:
    """The report of `reconcile`; `known_at`: the head's recorded time (None: empty)."""
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
                "documents": result.documents,
                "known_at": known_at,
            }
        )
        return
    if result.ok:
        documents = (
            f"; {result.documents} document{'' if result.documents == 1 else 's'} re-hashed"
            if result.documents else ""
        )
        output.line(
            f"OK: {verifier.count} events verified; running balances and hash chain "
            f"intact{documents}; head {verifier.head_seq}:{verifier.head_hash}"
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


def digest(
    output: Output, seq: int, hash_: str, *, as_json: bool, known_at: str | None = None
) -> None:
    """The head as SEQ:HASH; `known_at`: its recorded time (None: an empty log)."""
    if as_json:
        output.json(
            {"seq": seq, "hash": hash_, "digest": f"{seq}:{hash_}", "known_at": known_at}
        )
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
        "known_at": item.known_at,
        "to_known_at": item.to_known_at,
        "balance_before": format_amount(item.before, cur),
        "balance_after": format_amount(item.after, cur),
        "difference": format_amount(item.after - item.before, cur),
        "events": events,
    }
