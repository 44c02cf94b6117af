"""The rules of the bank's side: clearing an entry (the bank has it), taking a clearing back,
and reconciling a statement, which seals the period it covers."""

from __future__ import annotations

from datetime import date

from ledger_cli.domain.accounts import check_account_name
from ledger_cli.domain.commands import Clear, ReconcileStatement, Unclear
from ledger_cli.domain.events import EventType
from ledger_cli.domain.mismatch import StatementDoesNotMatch, StatementMismatch, likely_causes
from ledger_cli.domain.money import parse_signed
from ledger_cli.domain.plan import Decision, Plan, text
from ledger_cli.errors import Denied, InvalidValue


def decide(plan: Plan, command: Clear | Unclear | ReconcileStatement) -> Decision:
    """The events of a command of the bank's side, or a denial."""
    match command:
        case Clear():
            return clear(plan, command)
        case Unclear():
            return unclear(plan, command)
    return reconcile_statement(plan, command)


def _entry_accounts(plan: Plan, ref: str, only: str | None) -> tuple[date, list[str]]:
    """The date of `ref`, and the accounts whose entries of it a clear or unclear concerns."""
    text(ref, "the reference")
    tx = plan.state.transactions.get(ref)
    if tx is None:
        raise Denied(f"no transaction '{ref}'")
    if not tx.entries:
        raise Denied(f"{ref} moves no money; there is nothing the bank could have")
    if tx.kind == EventType.VOID_REVERSED:
        # It cancels a void within the books: the bank sees neither.
        raise Denied(
            f"{ref} reverses a void; the bank has the entry it restores "
            f"({tx.details.get('restores')}), not this"
        )
    names = list(dict.fromkeys(name for name, _ in tx.entries))
    if only is not None:
        check_account_name(only)
        if only not in names:
            raise Denied(f"{ref} has no entry in {only} (it has: {', '.join(names)})")
        return tx.date, [only]
    return tx.date, names


def clear(plan: Plan, cmd: Clear) -> Decision:
    if not cmd.refs:
        raise InvalidValue("give at least one reference to clear")
    fingerprints = cmd.fingerprints or (None,) * len(cmd.refs)
    for ref, fingerprint in zip(cmd.refs, fingerprints, strict=True):
        tx_date, names = _entry_accounts(plan, ref, cmd.account)
        if cmd.date < tx_date:
            raise Denied(
                f"{ref} is dated {tx_date.isoformat()}; the bank cannot have had it on "
                f"{cmd.date.isoformat()}"
            )
        for name in names:
            status = plan.status(ref, name)
            if status:
                what = "reconciled" if status == "R" else "cleared"
                raise Denied(f"{ref} is already {what} in {name}")
            account = plan.account(name, on=cmd.date)  # on or after the entry, so the opening
            plan.add(
                EventType.TRANSACTION_CLEARED,
                account,
                0,
                cmd.date,
                {"clears": ref, "fingerprint": fingerprint},
            )
            plan.statuses[(ref, name)] = "c"
    return plan.decision()


def unclear(plan: Plan, cmd: Unclear) -> Decision:
    if not cmd.refs:
        raise InvalidValue("give at least one reference to unclear")
    for ref in cmd.refs:
        for name in _entry_accounts(plan, ref, cmd.account)[1]:
            status = plan.status(ref, name)
            if not status:
                raise Denied(f"{ref} is not cleared in {name}")
            account = plan.account(name, on=max(cmd.date, plan.state.accounts[name].opened_on))
            details: dict[str, str | int | None] = {"unclears": ref}
            if status == "R":
                if not plan.force:
                    raise Denied(
                        f"{ref} is reconciled with a statement in {name}; unclearing it "
                        "changes a sealed period (use --force to do it anyway; it is flagged)"
                    )
                details["forced"] = 1
            plan.add(EventType.TRANSACTION_UNCLEARED, account, 0, cmd.date, details)
            plan.statuses[(ref, name)] = ""
    return plan.decision()


def reconcile_statement(plan: Plan, cmd: ReconcileStatement) -> Decision:
    account = plan.account(cmd.account, on=cmd.date)
    statement = parse_signed(cmd.balance, account.currency, "--statement-balance")
    if account.sealed_through is not None and cmd.date <= account.sealed_through:
        raise Denied(
            f"{account.name} is already reconciled through "
            f"{account.sealed_through.isoformat()}; a statement must end after that"
        )
    entries = [entry for entry in cmd.entries if entry.date <= cmd.date]
    cleared = sum(entry.amount for entry in entries if entry.status)
    if cleared != statement:
        outstanding = [entry for entry in entries if not entry.status and not entry.void]
        mismatch = StatementMismatch(
            cleared, statement, outstanding, likely_causes(account, entries, statement - cleared)
        )
        raise StatementDoesNotMatch(account, mismatch)
    refs = [entry.ref for entry in entries if entry.status == "c"]
    plan.add(
        EventType.STATEMENT_RECONCILED,
        account,
        0,
        cmd.date,
        {"statement_balance": statement, "refs": ",".join(dict.fromkeys(refs))},
    )
    return plan.decision()
