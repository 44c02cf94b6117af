"""The way back from a mistake (SPEC 10): `void` cancels a transaction, `unvoid` takes a void
back and restores the entry as it was, `amend` replaces a transaction by a corrected one (its
void and the replacement, in one command). Events are never edited: each correction is events
of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ledger_cli.domain.categories import UNCATEGORIZED, decode_split
from ledger_cli.domain.categorizing import NO_MONEY, current_category
from ledger_cli.domain.commands import (
    Amend,
    ChargeFee,
    Command,
    Deposit,
    PayInterest,
    Transfer,
    Unvoid,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.events import EventType, NewEvent
from ledger_cli.domain.money import Currency, format_amount, parse_amount
from ledger_cli.domain.plan import Decision, Plan, text
from ledger_cli.domain.state import Transaction
from ledger_cli.errors import Denied, InvalidValue

# How a command is decided into a plan (decider.decide_in): amend decides its replacement so.
Decide = Callable[[Plan, Command], Decision]


def decide(plan: Plan, command: Void | Unvoid | Amend, decide_in: Decide) -> Decision:
    """The events of a correction, or a denial."""
    match command:
        case Void():
            return void(plan, command)
        case Unvoid():
            return unvoid(plan, command)
    return amend(plan, command, decide_in)


def void(plan: Plan, cmd: Void) -> Decision:
    text(cmd.ref, "the reference")
    tx = _transaction(plan, cmd.ref)
    if tx.voids is not None:
        raise Denied(
            f"{cmd.ref} is itself a void (of {tx.voids}); it cannot be voided "
            f"(`ledger unvoid {cmd.ref}` reverses it)"
        )
    if tx.kind == EventType.VOID_REVERSED:
        raise Denied(
            f"{cmd.ref} reverses a void (of {tx.details.get('restores')}); void "
            f"{tx.details.get('restores')} again instead"
        )
    if tx.voided_by is not None:
        raise Denied(f"{cmd.ref} was already voided by {tx.voided_by}")
    if not tx.entries:
        raise Denied(f"{cmd.ref} moves no money; there is nothing to void")
    on = cmd.date or tx.date
    if on < tx.date:
        raise Denied(
            f"a void of {cmd.ref} cannot be dated {on.isoformat()}, before the transaction "
            f"itself ({tx.date.isoformat()})"
        )
    _add_void(plan, tx, on, {"reason": text(cmd.reason, "reason")})
    return plan.decision()


def _transaction(plan: Plan, ref: str) -> Transaction:
    tx = plan.state.transactions.get(ref)
    if tx is None:
        raise Denied(f"no transaction '{ref}'")
    return tx


def _add_void(
    plan: Plan, tx: Transaction, on: date, details: dict[str, str | None], *, warn: bool = True
) -> None:
    """The events that cancel `tx`, one per entry; a void carries the payee and the category
    of what it voids, so that a register filtered by payee, and a report, sum to the
    truth."""
    plan.voided.add(tx.ref)
    for name, amount in tx.entries:
        account = plan.account(name, on=on)
        plan.add(
            EventType.TRANSACTION_VOIDED,
            account,
            -amount,
            on,
            {"voids": tx.ref, "payee": _payee(tx), **current_category(tx), **details},
        )
        if warn:
            plan.warn_below_limit(account, "the void")


def _payee(tx: Transaction) -> str | None:
    payee = tx.details.get("payee")
    return None if payee is None else str(payee)


def unvoid(plan: Plan, cmd: Unvoid) -> Decision:
    """Reverse a void: the voided entry is restored as it was (amount, cleared status,
    check number), effective on the void's date unless --date says otherwise."""
    text(cmd.ref, "the reference")
    tx = _transaction(plan, cmd.ref)
    if tx.voids is not None:
        void, original = tx, _transaction(plan, tx.voids)
        if original.voided_by != void.ref:
            now = f"voided by {original.voided_by}" if original.voided_by else "not voided"
            raise Denied(f"{void.ref} was already reversed; {original.ref} is {now}")
    elif tx.kind == EventType.VOID_REVERSED:
        raise Denied(f"{cmd.ref} is itself an unvoid (of {tx.details.get('unvoids')})")
    elif tx.voided_by is None:
        raise Denied(f"{cmd.ref} is not voided; there is nothing to unvoid")
    else:
        original, void = tx, _transaction(plan, tx.voided_by)
    live = _live_correction(plan, original, void)
    if live is not None:
        if live == void.details.get("amended_by"):
            how = f"was amended by {live}"
        elif _amends_chain(plan, original, live):
            how = f"amends {live}, which stands again"
        else:
            how = f"was amended, and {live} now stands in its place"
        raise Denied(
            f"{original.ref} {how}; void {live} first to go back to {original.ref} (or amend "
            f"{live} again)"
        )
    number = original.details.get("number") if original.kind == EventType.CHECK_WRITTEN else None
    if number is not None:
        name = original.entries[0][0]
        holder = plan.check_holder(name, int(number))
        if holder is not None and holder != original.ref:
            raise Denied(
                f"check number {number} is used again by {holder} in {name}; void {holder} "
                f"before unvoiding {original.ref}"
            )
    on = cmd.date or void.date
    if on < void.date:
        raise Denied(
            f"the reversal of {void.ref} cannot be dated {on.isoformat()}, before the void "
            f"itself ({void.date.isoformat()})"
        )
    details = {
        "unvoids": void.ref,
        "restores": original.ref,
        "payee": _payee(original),
        "number": None if number is None else int(number),
        "reason": text(cmd.reason, "reason"),
        **current_category(original),
    }
    for name, amount in original.entries:
        account = plan.account(name, on=on)
        if amount < 0 and original.kind in _USER_DEBITS:
            # A check, a withdrawal or a transfer out again: a debit the user starts.
            plan.debit_allowed(account, -amount, f"restoring {original.ref}")
        plan.add(EventType.VOID_REVERSED, account, amount, on, details)
        plan.warn_below_limit(account, "restoring the entry")
    return plan.decision()


# The debits a user starts, bounded by the overdraft limit (a fee is the bank's: SPEC 5).
_USER_DEBITS = (EventType.CHECK_WRITTEN, EventType.CASH_WITHDRAWN, EventType.TRANSFER_SENT)


def _live_correction(plan: Plan, original: Transaction, void: Transaction) -> str | None:
    """The entry that stands for `original` now, if any: of an entry and its corrections by
    `amend`, at most one may count. Walks forward from `void` (the replacement it made, and
    that replacement's own replacements), and back through what `original` amends, each of
    those forward again from its own void."""
    seen = {original.ref}

    def forward(step: Transaction | None) -> str | None:
        while step is not None and (ref := step.details.get("amended_by")) is not None:
            if str(ref) in seen:
                return None
            seen.add(str(ref))
            replacement = _transaction(plan, str(ref))
            if replacement.voided_by is None:
                return replacement.ref
            step = _transaction(plan, replacement.voided_by)
        return None

    live = forward(void)
    earlier = original.details.get("amends")
    while live is None and earlier is not None and str(earlier) not in seen:
        before = _transaction(plan, str(earlier))
        seen.add(before.ref)
        if before.voided_by is None:
            return before.ref
        live = forward(_transaction(plan, before.voided_by))
        earlier = before.details.get("amends")
    return live


def _amends_chain(plan: Plan, tx: Transaction, ref: str) -> bool:
    """Whether `ref` is among what `tx` amends, directly or through earlier amends."""
    earlier = tx.details.get("amends")
    seen: set[str] = set()
    while earlier is not None and str(earlier) not in seen:
        if str(earlier) == ref:
            return True
        seen.add(str(earlier))
        earlier = _transaction(plan, str(earlier)).details.get("amends")
    return False


# What `amend` can replace, and the command that records each kind again.
_AMENDABLE = {
    EventType.FUNDS_DEPOSITED: "a deposit",
    EventType.CHECK_WRITTEN: "a check",
    EventType.CASH_WITHDRAWN: "a withdrawal",
    EventType.TRANSFER_SENT: "a transfer",
    EventType.FEE_CHARGED: "a fee",
    EventType.INTEREST_PAID: "interest",
}


def amend(plan: Plan, cmd: Amend, decide_in: Decide) -> Decision:
    """Void `cmd.ref` and record its replacement, with the original's fields but those
    given, in one command: two transactions, the void's and the replacement's (whose
    events name the ref they amend). A cleared entry stays cleared when its amount is
    unchanged: the bank has it."""
    text(cmd.ref, "the reference")
    tx = _transaction(plan, cmd.ref)
    if tx.voids is not None:
        raise Denied(f"{cmd.ref} is a void (of {tx.voids}); a void cannot be amended")
    if tx.kind == EventType.VOID_REVERSED:
        raise Denied(f"{cmd.ref} reverses a void; amend {tx.details.get('restores')} instead")
    if tx.kind not in _AMENDABLE:
        raise Denied(f"{cmd.ref} moves no money ({NO_MONEY}); it cannot be amended")
    if tx.voided_by is not None:
        raise Denied(
            f"{cmd.ref} is voided (by {tx.voided_by}); unvoid it first, or record a new entry"
        )
    replacement, same_amount = _replacement(plan, tx, cmd)
    plan.void_dates_chosen = False
    # Its void on its own date, as a void is; only where the whole amend leaves an account
    # matters to a warning, not the moment between the void and the replacement.
    _add_void(plan, tx, tx.date, {"amended_by": f"T{int(plan.ref[1:]) + 1}"}, warn=False)
    void_ref = plan.ref
    plan.next_transaction()
    start = len(plan.events)
    decide_in(plan, replacement)
    for name in dict.fromkeys(name for name, _ in tx.entries):
        plan.warn_below_limit(plan.state.accounts[name], "the amend")
    kept = cmd.category is None and not cmd.split and replacement_kept_category(replacement)
    plan.events[start:] = [
        event._replace(
            details={
                **event.details,
                "amends": tx.ref,
                **({"category_source": f"kept from {tx.ref}"} if kept else {}),
            }
        )
        for event in plan.events[start:]
    ]
    _keep_cleared(plan, tx, void_ref, same_amount=same_amount)
    _keep_documents(plan, tx, plan.events[start])
    return plan.decision()


def _keep_documents(plan: Plan, tx: Transaction, first: NewEvent) -> None:
    """The replacement keeps the original's documents (the receipt of a check whose amount
    was mistyped is still its receipt): one DocumentAttached each, in the replacement's own
    transaction, naming bytes already stored."""
    for doc in plan.state.documents.get(tx.ref, ()):
        details: dict[str, str | int | None] = {
            "attaches": plan.ref, "sha256": doc.sha256, "size": doc.size, "name": doc.name,
            "media_type": doc.media_type, "note": doc.note,
        }
        account = plan.state.accounts[first.account]
        plan.add(EventType.DOCUMENT_ATTACHED, account, 0, first.date, details)


def replacement_kept_category(command: Command) -> bool:
    """Whether the replacement carries the original's category (given to it as its own),
    rather than one chosen for it, or none (a transfer)."""
    return bool(getattr(command, "category", None) or getattr(command, "split", ()))


def _replacement(plan: Plan, tx: Transaction, cmd: Amend) -> tuple[Command, bool]:
    """The command that records `tx` again with the fields `cmd` changes, and whether its
    amount is the original's; denied when it changes nothing, or a field the entry does
    not have."""
    kind = EventType(str(tx.kind))
    what = _AMENDABLE[kind]
    name, signed = tx.entries[0]
    cur = plan.state.accounts[name].currency
    old = tx.details
    fields = {"amount", "memo", "date"}
    if kind in (EventType.FUNDS_DEPOSITED, EventType.FEE_CHARGED, EventType.INTEREST_PAID):
        fields.add("payee")
    if kind == EventType.CHECK_WRITTEN:
        fields |= {"payee", "number"}
    if kind != EventType.TRANSFER_SENT:
        fields |= {"category", "split"}
    given = {
        "amount": cmd.amount,
        "payee": cmd.payee,
        "memo": cmd.memo,
        "date": cmd.date,
        "number": cmd.number,
        "category": cmd.category,
        "split": cmd.split or None,
    }
    changes = {key: value for key, value in given.items() if value is not None}
    if not changes:
        raise InvalidValue(
            "say what to change: --amount, --payee, --memo, --date, --number or -c/--category"
        )
    for key in changes:
        if key not in fields:
            raise InvalidValue(f"{tx.ref} is {what}, which has no {key}: --{key} does not apply")
    amount = abs(signed) if cmd.amount is None else parse_amount(cmd.amount, cur)
    # An empty --payee or --memo removes it.
    payee = (old.get("payee") if cmd.payee is None else cmd.payee) or None
    memo = (old.get("memo") if cmd.memo is None else cmd.memo) or None
    on = cmd.date or tx.date
    number = old.get("number") if cmd.number is None else cmd.number
    category, split = _replacement_category(tx, cmd, amount, cur)
    same_category = (cmd.category is None and not cmd.split) or (
        cmd.category is not None and tx.split is None
        and cmd.category == (tx.category or UNCATEGORIZED)
    )
    if same_category and (amount, payee, memo, on, number) == (
        abs(signed),
        old.get("payee") or None,  # an empty payee or memo is none
        old.get("memo") or None,
        tx.date,
        old.get("number"),
    ):
        raise Denied(f"{tx.ref} already has these values; there is nothing to amend")
    typed = format_amount(amount, cur)
    payee_, memo_ = _optional(payee), _optional(memo)
    force = cmd.force
    command: Command
    match kind:
        case EventType.FUNDS_DEPOSITED:
            command = Deposit(typed, on, name, payee_, memo_, force, category, split)
        case EventType.FEE_CHARGED:
            command = ChargeFee(typed, on, name, payee_, memo_, force, category, split)
        case EventType.INTEREST_PAID:
            command = PayInterest(typed, on, name, payee_, memo_, force, category, split)
        case EventType.CHECK_WRITTEN:
            check_number = None if number is None else int(number)
            command = WriteCheck(
                typed, on, name, check_number, payee_, memo_, force, False, category, split
            )
        case EventType.CASH_WITHDRAWN:
            command = Withdraw(typed, on, name, memo_, force, False, category, split, payee_)
        case _:
            command = Transfer(typed, on, name, str(old["to"]), memo_, force)
    return command, amount == abs(signed)


def _replacement_category(
    tx: Transaction, cmd: Amend, amount: int, cur: Currency
) -> tuple[str | None, tuple[str, ...]]:
    """The category (or split parts, as `--split` takes them) of the replacement: those
    given, else the original's. A split kept must still add up, so a new amount of a split
    entry needs a new split (or -c)."""
    if cmd.category is not None or cmd.split:
        return cmd.category, tuple(cmd.split)
    if tx.kind == EventType.TRANSFER_SENT:
        return None, ()
    if tx.split is None:
        # An uncategorized entry is categorised as a new one would be (a rule may match the
        # corrected payee); any other keeps its category.
        return (None if (tx.category or UNCATEGORIZED) == UNCATEGORIZED else tx.category), ()
    parts = decode_split(tx.split)
    if sum(part for _, part in parts) != amount:
        raise InvalidValue(
            f"{tx.ref} is split; with a new amount give the parts again with --split, or "
            "one category with -c"
        )
    return None, tuple(f"{name}={format_amount(part, cur)}" for name, part in parts)


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _keep_cleared(plan: Plan, tx: Transaction, void_ref: str, *, same_amount: bool) -> None:
    """The bank had the original. With the same amount, it has the replacement too: the void
    and the replacement are cleared with it (they cancel out, at the bank as here), so the
    cleared balance stays the bank's. With another amount neither is: the bank has shown
    neither a reversal nor the new amount, and the cleared balance still is what it has."""
    if not same_amount:
        return
    for name in dict.fromkeys(name for name, _ in tx.entries):
        if not plan.status(tx.ref, name):
            continue
        account = plan.account(name, on=tx.date)
        for ref in (void_ref, plan.ref):
            plan.add(EventType.TRANSACTION_CLEARED, account, 0, tx.date, {"clears": ref})
            plan.statuses[(ref, name)] = "c"
