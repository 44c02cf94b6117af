"""The commands of receipts (SPEC 13): attach a document to a transaction, detach it. What a
document is and how its events fold is documents.py. Neither moves money, so a period sealed by
a statement does not bound them."""

from __future__ import annotations

from ledger_cli.domain.commands import AttachDocument, DetachDocument
from ledger_cli.domain.documents import MAX_SIZE, check_prefix, clean_name, is_sha256, pick, short
from ledger_cli.domain.events import EventType
from ledger_cli.domain.plan import Decision, Plan, text
from ledger_cli.errors import Denied, InvalidValue


def decide(plan: Plan, command: AttachDocument | DetachDocument) -> Decision:
    if isinstance(command, AttachDocument):
        return _attach(plan, command)
    return _detach(plan, command)


def _transaction_account(plan: Plan, ref: str) -> str:
    """The account a document event of transaction `ref` is recorded on: that of its first
    entry. Only a transaction that moves money (a void included) has documents."""
    text(ref, "the reference")
    tx = plan.state.transactions.get(ref)
    if tx is None:
        raise Denied(f"no transaction '{ref}'")
    if not tx.entries:
        raise Denied(
            f"{ref} moves no money (it opens, closes, clears, reconciles, categorizes, sets a "
            "rule, a budget or a schedule, or attaches a document); documents belong to entries"
        )
    return tx.entries[0][0]


def _attach(plan: Plan, cmd: AttachDocument) -> Decision:
    name = _transaction_account(plan, cmd.ref)
    if not is_sha256(cmd.sha256):
        raise InvalidValue(f"{cmd.sha256!r} is not a SHA-256")
    if not 0 < cmd.size <= MAX_SIZE:
        raise InvalidValue(f"a document of {cmd.size} bytes cannot be attached")
    note = text(cmd.note, "--note")
    for doc in plan.state.documents.get(cmd.ref, ()):
        if doc.sha256 == cmd.sha256:
            raise Denied(
                f"{cmd.ref} already has this document ({doc.name}, sha256 "
                f"{short(doc.sha256)}, attached as seq {doc.seq}); there is nothing to add"
            )
    account = plan.state.accounts[name]
    details: dict[str, str | int | None] = {
        "attaches": cmd.ref,
        "sha256": cmd.sha256,
        "size": cmd.size,
        "name": clean_name(cmd.name),
        "media_type": cmd.media_type,
        "note": note or None,
    }
    # A closed account's entries may still get their vouchers: no money moves.
    plan.add(EventType.DOCUMENT_ATTACHED, account, 0, cmd.date, details)
    return plan.decision()


def _detach(plan: Plan, cmd: DetachDocument) -> Decision:
    name = _transaction_account(plan, cmd.ref)
    reason = text(cmd.reason, "--reason")
    docs = plan.state.documents.get(cmd.ref, ())
    prefix = check_prefix(cmd.sha256)
    try:
        sha = pick(prefix, (doc.sha256 for doc in docs), f"attached to {cmd.ref}")
    except InvalidValue as error:
        listed = ", ".join(f"{short(doc.sha256)} {doc.name}" for doc in docs) or "none"
        raise Denied(f"{error} (its documents: {listed})") from None
    details: dict[str, str | int | None] = {
        "detaches": cmd.ref, "sha256": sha, "reason": reason or None,
    }
    plan.add(EventType.DOCUMENT_DETACHED, plan.state.accounts[name], 0, cmd.date, details)
    return plan.decision()
