"""Dynamic shell completion: account names and transaction references from the ledger that the
command line being completed names (--db, else LEDGER_DB, else the default file).

typer calls these while the user presses Tab (`_LEDGER_COMPLETE=complete_<shell> ledger`).
They open the ledger read-only, never create a file, and never fail: whatever goes wrong (no
ledger, a locked or damaged file) they offer nothing and print nothing. The shell scripts in
completions/ are typer's, generated from the app by completions/generate.py.
"""

from collections.abc import Callable

import typer

from ledger_cli.store.url import Location

# How many of the latest entries `void REF` offers refs from: completion must answer at once,
# whatever the length of the log.
RECENT_ENTRIES = 5_000

SHELLS = {"bash": "ledger.bash", "zsh": "_ledger", "fish": "ledger.fish"}
COMPLETE_VAR = "_LEDGER_COMPLETE"


def _ledger_path(ctx: typer.Context) -> Location:
    """The file the completed command would use (the root callback, which sets it up for a
    command, does not run while completing)."""
    from ledger_cli.cli.location import ledger_file

    return ledger_file(ctx.find_root().params.get("db")).path


def _accounts(ctx: typer.Context, incomplete: str, *, open_only: bool) -> list[tuple[str, str]]:
    from ledger_cli.app.queries import read

    with read(_ledger_path(ctx)) as q:
        return [
            (name, f"{info.currency.code}{' (closed)' if info.closed else ''}")
            for name, info in sorted(q.accounts.items())
            if name.startswith(incomplete) and not (open_only and info.closed)
        ]


def complete_account(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The ledger's account names that start with what was typed, with their currency."""
    try:
        return _accounts(ctx, incomplete, open_only=False)
    except Exception:
        return []


def complete_open_account(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The accounts that are not closed (what `close` can close)."""
    try:
        return _accounts(ctx, incomplete, open_only=True)
    except Exception:
        return []


def complete_ref(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The refs of the latest transactions that can still be voided (neither voids nor
    voided), newest first, with what each was."""
    try:
        return _refs(ctx, incomplete)
    except Exception:
        return []


def complete_category(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The categories the ledger has used, that start with what was typed."""
    try:
        from ledger_cli.app.queries import read
        from ledger_cli.app.report import in_use

        with read(_ledger_path(ctx)) as q:
            return [(name, "category") for name in in_use(q) if name.startswith(incomplete)]
    except Exception:
        return []


def complete_schedule(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The ledger's schedules that start with what was typed, with what each repeats."""
    try:
        from ledger_cli.app.queries import read
        from ledger_cli.app.schedules import schedules

        with read(_ledger_path(ctx)) as q:
            found = schedules(q, None)
        return [
            (name, f"{schedule.kind} every {schedule.every}")
            for name, schedule in sorted(found.items())
            if name.startswith(incomplete)
        ]
    except Exception:
        return []


def _refs(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from ledger_cli.app.projections import parse_details
    from ledger_cli.app.queries import read
    from ledger_cli.domain.events import EventType
    from ledger_cli.domain.money import format_amount
    from ledger_cli.view.output import clean
    from ledger_cli.view.register import LABELS

    found: dict[str, str] = {}
    voided: set[str] = set()
    with read(_ledger_path(ctx)) as q:
        for row in q.latest_entries(RECENT_ENTRIES):
            details = parse_details(row.details)
            if row.type == EventType.TRANSACTION_VOIDED:
                voided.add(str(details.get("voids")))
                continue
            if row.ref in voided or row.ref in found or not row.ref.startswith(incomplete):
                continue
            info = q.accounts.get(row.account)
            amount = format_amount(row.amount, info.currency) if info else str(row.amount)
            label = LABELS.get(EventType(row.type), row.type)
            who = details.get("payee") or details.get("memo") or ""
            parts = (row.date, label, amount, row.account, clean(str(who))[:40])
            found[row.ref] = " ".join(part for part in parts if part)
    return list(found.items())


def choices(*words: tuple[str, str]) -> Callable[[str], list[tuple[str, str]]]:
    """Completion of an option whose value is one of a few words, each with its help."""

    def complete(incomplete: str) -> list[tuple[str, str]]:
        return [(word, about) for word, about in words if word.startswith(incomplete)]

    return complete


complete_export_format = choices(
    ("csv", "the register of every account"),
    ("ndjson", "the whole event log: a backup"),
    ("hledger", "a journal for hledger"),
    ("beancount", "a beancount file"),
)
complete_import_format = choices(
    ("csv", "a header line, then rows"), ("ndjson", "one object a line")
)
complete_period = choices(("day", "days"), ("week", "ISO weeks, from Monday"), ("month", "months"))
complete_report_period = choices(
    ("month", "months"),
    ("quarter", "quarters"),
    ("year", "years"),
    ("week", "ISO weeks, from Monday"),
)
