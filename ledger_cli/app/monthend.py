"""Month end: a bank's statement matched to the register, inside one write transaction.

Each row is matched to an uncleared entry of the account (domain/matching.py) and cleared; a
row that matches nothing is added as the transaction it stands for, and cleared too; a row
imported before (its fingerprint was cleared already) is skipped. Every addition and the
clearing go through the writer, as any command does. A row that can be neither matched nor
added (unreadable, dated after today, in a sealed period, denied by the decider) is
`denied`: the others are still recorded, and the command says so (cli/monthend.py).

A row may name a file that documents it (a Receipt column), found in the statement's folder:
it is read before the row is matched or added (a file that cannot be attached denies the row),
and attached to the entry the row matched or added, unless that entry already has it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from ledger_cli.app.documents import Content, read_file
from ledger_cli.app.outcomes import Outcome, Statement, StatementDecision
from ledger_cli.app.writer import Writer, outcome
from ledger_cli.domain import matching
from ledger_cli.domain.accounts import check_account_name, unknown_account
from ledger_cli.domain.categories import first_rule
from ledger_cli.domain.commands import AttachDocument, Clear
from ledger_cli.domain.money import Currency
from ledger_cli.domain.statements import StatementRow
from ledger_cli.errors import Denied, InvalidValue


def statement(
    writer: Writer,
    account: str,
    read_rows: Callable[[Currency], list[StatementRow]],
    *,
    window: int,
    add: bool,
    dry_run: bool,
    today: date,
    folder: Path | None = None,
) -> Statement:
    """Match each row of a bank statement to an uncleared entry of `account` and clear the
    matches; add the rows that match nothing as new transactions (unless not `add`), cleared
    too; skip rows imported before (by fingerprint). A row's document is found in `folder`."""
    state = writer.state
    found = state.accounts.get(account)
    if found is None:
        check_account_name(account)
        raise Denied(unknown_account(account, list(state.accounts)))
    rows = read_rows(found.currency)
    candidates = [e for e in writer.store.entries(account) if not e.status and not e.void]
    result = Statement(account, found.currency, dry_run)
    to_clear: list[tuple[str, str]] = []
    for row in rows:
        why_not = _unrecordable(row, today)
        if why_not is not None:
            result.rows.append(StatementDecision(row, "denied", None, why_not))
            continue
        earlier = state.statement_rows.get((account, row.fingerprint))
        if earlier is not None:
            result.rows.append(StatementDecision(row, "duplicate", None, earlier))
            continue
        content = None
        if row.document:
            try:
                content = read_file(_receipt(folder or Path(), row.document), row.document)
            except InvalidValue as error:
                result.rows.append(StatementDecision(row, "denied", None, f"receipt: {error}"))
                continue
        match = matching.best_match(row, candidates, window)
        if match is not None:
            entry, reason = match
            candidates.remove(entry)
            if entry.date > today:
                # The clearing is dated today, and nothing is cleared before its own date.
                reason = (
                    f"it matches {entry.ref}, dated {entry.date.isoformat()}, after today: "
                    f"`ledger clear {entry.ref}` on or after that day"
                )
                result.rows.append(StatementDecision(row, "denied", None, reason))
                continue
            to_clear.append((entry.ref, row.fingerprint))
            attached = _attach(writer, entry.ref, content, today)
            result.rows.append(StatementDecision(row, "matched", entry, reason, document=attached))
            continue
        if not add:
            result.rows.append(StatementDecision(row, "unmatched", None, None))
            continue
        sealed = state.accounts[account].sealed_through
        if sealed is not None and row.date is not None and row.date <= sealed:
            # The decider would say "use --force", an option statement does not have.
            reason = (
                f"dated {row.date.isoformat()}, in the period {account} is reconciled through "
                f"{sealed.isoformat()}: a statement adds nothing there; if the bank booked it "
                "then, enter it with --force"
            )
            result.rows.append(StatementDecision(row, "denied", None, reason))
            continue
        rule = first_rule(state.rules.values(), row.description)
        command = matching.command_for(row, account, found.currency, rule)
        try:
            added = outcome(command, writer.apply(command), state)
        except (Denied, InvalidValue) as error:
            result.rows.append(StatementDecision(row, "denied", None, str(error)))
            continue
        to_clear.append((added.ref, row.fingerprint))
        kind = matching.kind_of(command)
        attached = _attach(writer, added.ref, content, today)
        result.rows.append(StatementDecision(row, "added", None, kind, added, rule, attached))
    if to_clear:
        refs, fingerprints = zip(*to_clear, strict=True)
        clear = Clear(tuple(refs), today, account, tuple(fingerprints))
        result.cleared = outcome(clear, writer.apply(clear), state)
    result.balance = state.accounts[account].balance
    return result


def _receipt(folder: Path, name: str) -> Path:
    """The file a row's receipt cell names: one inside the statement's folder (a relative
    name without `..`), so that a bank file cannot pull in a file from elsewhere."""
    given = Path(name)
    if given.is_absolute() or ".." in given.parts:
        raise InvalidValue(
            f"{name} is not a file in the statement's folder (name it relative to that folder, "
            "without ..)"
        )
    return folder.joinpath(given)


def _attach(writer: Writer, ref: str, content: Content | None, today: date) -> Outcome | None:
    """Attach the document a row names to the entry `ref` it matched or added, through the
    writer (its bytes stored with the event); nothing when there is none or `ref` has it."""
    if content is None:
        return None
    if any(doc.sha256 == content.sha256 for doc in writer.state.documents.get(ref, ())):
        return None
    writer.offer(content.sha256, content.data)
    command = AttachDocument(
        ref, content.sha256, content.size, content.name, content.media_type, today,
        "from the bank statement",
    )
    return outcome(command, writer.apply(command), writer.state)


def _unrecordable(row: StatementRow, today: date) -> str | None:
    """Why `row` can be neither matched nor added, if it cannot: it could not be read, or it
    is dated after today (a bank books nothing ahead; its clearing, dated today, could not
    clear it)."""
    if row.problem is not None or row.date is None:
        return row.problem or "the row cannot be read"
    if row.date > today:
        return (
            f"dated {row.date.isoformat()}, after today ({today.isoformat()}): a bank books "
            "nothing ahead"
        )
    return None

