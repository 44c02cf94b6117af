"""What a write prints: the one line of its result (what happened, the ref, the new balance),
or its JSON record, and the summary of an import."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger_cli.domain.categories import decode_split
from ledger_cli.domain.events import Event, EventType
from ledger_cli.domain.money import DEFAULT_CURRENCY, format_amount, stored_currency
from ledger_cli.view.output import Output, clean

if TYPE_CHECKING:
    from ledger_cli.app.outcomes import Imported, Outcome, Restored


def outcome(output: Output, result: Outcome, *, as_json: bool) -> None:
    """A write's warnings on stderr, then its result: one line, or its JSON record."""
    warn(output, result)
    if as_json:
        output.json(record(result))
    else:
        output.line(line(result))


def warn(output: Output, result: Outcome) -> None:
    for warning in result.warnings:
        output.warn(warning)
    if result.repeated:
        output.warn(f"already recorded as {result.ref} under this --id; nothing was appended")


def record(result: Outcome) -> dict[str, Any]:
    """`{"ref", "events": [{"seq", "type", "account", "amount", "balance"}], "balance"}`, and
    for a money entry its `category` (null for a split, whose parts are in `split`) and where
    the category came from; a rule or a budget has no account (null) and no balance."""
    return {
        "ref": result.ref,
        "events": [
            {
                "seq": event.seq,
                "type": event.type,
                "account": event.account or None,
                "amount": _money(event.amount, result, event.account),
                "balance": _money(event.balance, result, event.account),
            }
            for event in result.events
        ],
        "balance": None if result.ledger_wide else format_amount(result.balance, result.currency),
        **_category_record(result),
        **_document_record(result),
        **({"dry_run": True} if result.dry_run else {}),
    }


def _document_record(result: Outcome) -> dict[str, Any]:
    """An attach's document: `{"document": {"ref", "sha256", "name", "size", "media_type",
    "note"}}`; a detach's: `{"document": {"ref", "sha256"}}`. (The documents an amend keeps
    are among its events.)"""
    for event in result.events[:1]:
        details = event.details
        if event.type == EventType.DOCUMENT_ATTACHED:
            return {"document": {
                "ref": details["attaches"], "sha256": details["sha256"], "name": details["name"],
                "size": details["size"], "media_type": details["media_type"],
                "note": details.get("note"),
            }}
        if event.type == EventType.DOCUMENT_DETACHED:
            return {"document": {"ref": details["detaches"], "sha256": details["sha256"]}}
    return {}


def _money(amount: int, result: Outcome, account: str) -> str | None:
    cur = result.currencies.get(account)
    return None if cur is None else format_amount(amount, cur)


def _category_record(result: Outcome) -> dict[str, Any]:
    entry = categorized(result)
    if entry is None:
        return {}
    cur = result.currencies[entry.account]
    split = entry.details.get("split")
    return {
        "category": None if split is not None else entry.details.get("category"),
        "split": None
        if split is None
        else [
            {"category": name, "amount": format_amount(part, cur)}
            for name, part in decode_split(str(split))
        ],
        "category_source": category_source(entry),
    }


def categorized(result: Outcome) -> Event | None:
    """The event of a new entry (or of a categorize) that carries the category it got."""
    for event in reversed(result.events):
        if event.type in _CATEGORIZED or event.type == EventType.TRANSACTION_CATEGORIZED:
            if "category" in event.details or "split" in event.details:
                return event
    return None


_CATEGORIZED = (
    EventType.FUNDS_DEPOSITED,
    EventType.CHECK_WRITTEN,
    EventType.CASH_WITHDRAWN,
    EventType.FEE_CHARGED,
    EventType.INTEREST_PAID,
)


def line(result: Outcome) -> str:
    """What happened, the ref, the category a new entry got and why, and the balance of the
    account the command names."""
    prefix = DRY_RUN if result.dry_run else ""
    text = f"{prefix}{_describe(result)} (ref {result.ref})"
    entry = categorized(result)
    if entry is not None and entry.type != EventType.TRANSACTION_CATEGORIZED:
        text += f"; {_category_text(entry, result)}"
        if "category_source" in entry.details:
            text += f" ({entry.details['category_source']})"
    if result.ledger_wide:
        return clean(text)
    return clean(
        f"{text}; balance of {result.account}: "
        f"{format_amount(result.balance, result.currency, grouping=True)}"
    )


def category_source(event: Event) -> str:
    """Where an entry's category came from: as recorded, else given (with -c or --split)."""
    found = event.details.get("category_source")
    if found is not None:
        return str(found)
    return "split" if "split" in event.details else "given"


def _category_text(event: Event, result: Outcome) -> str:
    """`category food:groceries`, or `split food 50.00, household 12.50`."""
    split = event.details.get("split")
    if split is None:
        return f"category {event.details.get('category')}"
    cur = result.currencies[event.account]
    parts = ", ".join(
        f"{name} {format_amount(part, cur, grouping=True)}"
        for name, part in decode_split(str(split))
    )
    return f"split {parts}"


DRY_RUN = "Dry run, nothing written: "


def _describe(result: Outcome) -> str:
    main = next((e for e in result.events if e.type != EventType.ACCOUNT_OPENED), result.events[-1])
    cur = result.currencies.get(main.account, stored_currency(DEFAULT_CURRENCY))
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
        case EventType.TRANSACTION_VOIDED if "amended_by" in details:
            text = _amended(result)
        case EventType.TRANSACTION_VOIDED:
            text = f"Voided {details['voids']}{_about(result)}: {_moves(result, main.type)}"
        case EventType.VOID_REVERSED:
            text = (
                f"Unvoided {details['unvoids']}, restoring {details['restores']}"
                f"{_about(result)}: {_moves(result, main.type)}"
            )
        case EventType.TRANSACTION_CATEGORIZED:
            was = _about(result)
            text = f"Categorized {details['categorizes']}{was} as " + _category_text(
                main, result
            ).removeprefix("category ")
        case EventType.RULE_ADDED:
            payee = f", payee {details['payee']}" if "payee" in details else ""
            text = (
                f"Added rule {details['rule']}: {str(details['pattern'])!r} gives category "
                f"{details['category']}{payee}"
            )
        case EventType.RULE_REMOVED:
            text = f"Removed rule {details['rule']}"
        case EventType.BUDGET_SET:
            cur = stored_currency(details["currency"])
            amount = format_amount(int(details["budget"]), cur, grouping=True)
            text = (
                f"Removed the budget of {details['category']} from {details['month']}"
                if not int(details["budget"])
                else f"Budget of {details['category']}: {amount} {cur.code} a month from "
                f"{details['month']}"
            )
        case EventType.SCHEDULE_CREATED:
            text = "Scheduled " + scheduled(details)
        case EventType.SCHEDULE_STOPPED:
            text = (
                f"Stopped schedule {details['schedule']}: no occurrence after "
                f"{details['stopped_after']}"
            )
        case EventType.OCCURRENCE_SKIPPED:
            text = f"Skipped the occurrence of {details['schedule']} due {details['occurrence']}"
        case EventType.DOCUMENT_ATTACHED:
            from ledger_cli.view.documents import described

            text = f"Attached {described(details)} to {details['attaches']}{_about(result)}"
        case EventType.DOCUMENT_DETACHED:
            reason = f": {details['reason']}" if "reason" in details else ""
            text = (
                f"Detached document {str(details['sha256'])[:12]} from {details['detaches']}"
                f"{_about(result)}{reason}; its bytes and its history stay"
            )
        case _:
            text = f"Recorded {main.type} on {main.account}"
    if "occurrence" in details and main.type != EventType.OCCURRENCE_SKIPPED:
        text += f" for schedule {details['schedule']} due {details['occurrence']}"
    return prefix + text


def scheduled(details: Mapping[str, object]) -> str:
    """A schedule in a few words: "rent: check of 1,500.00 on checking to Landlord every
    month from 2026-04-01, 12 times"."""
    cur = stored_currency(str(details.get("currency", DEFAULT_CURRENCY)))
    amount = format_amount(int(str(details["scheduled_amount"])), cur, grouping=True)
    kind = str(details["entry"])
    from ledger_cli.domain.schedules import kind_label

    what = kind_label(kind)
    where = (
        f"from {details['schedule_account']} to {details['to']}" if kind == "transfer"
        else f"on {details['schedule_account']}"
    )
    payee = f" ({'from' if kind == 'deposit' else 'to'} {details['payee']})" if (
        "payee" in details
    ) else ""
    bounds = ""
    if "until" in details:
        bounds = f" until {details['until']}"
    elif "count" in details:
        count = int(str(details["count"]))
        bounds = f", {count} time{'' if count == 1 else 's'}"
    return (
        f"{details['schedule']}: {what} of {amount} {where}{payee} every {details['every']} "
        f"from {details['start']}{bounds}"
    )


def _moves(result: Outcome, kind: str) -> str:
    """The signed amounts of a command's events of `kind`: "4,000.00 on checking"."""
    return ", ".join(
        f"{format_amount(e.amount, result.currencies[e.account], grouping=True)} on {e.account}"
        for e in result.events
        if e.type == kind
    )


def _about(result: Outcome) -> str:
    """What the transaction a void or an unvoid concerns was: " (check 1 to Landlord,
    4,000.00, 2026-03-03)"."""
    tx = result.subject
    if tx is None or not tx.entries:
        return ""
    return f" ({summary(tx.kind, tx.details, tx.entries[0], tx.date, result)})"


def summary(
    kind: str | None,
    details: Mapping[str, object],
    entry: tuple[str, int],
    day: date,
    result: Outcome,
) -> str:
    """An entry in a few words: its type, number, payee, amount and date."""
    account, amount = entry
    what = _KINDS.get(str(kind), str(kind))
    if kind == EventType.CHECK_WRITTEN and "number" in details:
        what += f" {details['number']}"
    if kind == EventType.TRANSFER_SENT and "to" in details:
        what += f" to {details['to']}"
    elif "payee" in details:
        what += f" {'from' if amount > 0 else 'to'} {details['payee']}"
    cur = result.currencies.get(account, result.currency)
    money = format_amount(abs(amount), cur, grouping=True)
    return f"{what}, {money}, {day.isoformat()}"


_KINDS: dict[str, str] = {
    EventType.FUNDS_DEPOSITED: "deposit",
    EventType.CHECK_WRITTEN: "check",
    EventType.CASH_WITHDRAWN: "withdrawal",
    EventType.TRANSFER_SENT: "transfer",
    EventType.FEE_CHARGED: "fee",
    EventType.INTEREST_PAID: "interest",
}


def _amended(result: Outcome) -> str:
    """`amend`: the original, what replaced it, and the void between them."""
    void = result.events[0]
    new = next(e for e in result.events if "amends" in e.details and e.type != void.type)
    was = _about(result)
    now = summary(new.type, new.details, (new.account, new.amount), new.date, result)
    original = void.details["voids"]
    return f"Amended {original}{was} as {result.ref}: {now}; {original} voided by {void.ref}"


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
                **({"dry_run": True} if result.dry_run else {}),
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
        f"{DRY_RUN if result.dry_run else ''}"
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


def restored(output: Output, result: Restored, *, as_json: bool) -> None:
    """`restore`: how many events, into which ledger, and the digest of its head."""
    if as_json:
        output.json(
            {
                "path": result.location,
                "events": result.events,
                "head": {"seq": result.head_seq, "hash": result.head_hash},
                **({"dry_run": True} if result.dry_run else {}),
            }
        )
        return
    output.line(
        f"{DRY_RUN if result.dry_run else ''}"
        f"Restored {result.events} events into {result.location}, verified; "
        f"digest {result.head_seq}:{result.head_hash}"
    )
