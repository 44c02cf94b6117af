"""Dynamic shell completion: account names and transaction references from the ledger that the
command line being completed names (--db, else LEDGER_DB, else the default file).

typer calls these while the user presses Tab (`_LEDGER_COMPLETE=complete_<shell> ledger`).
They open the ledger read-only, never create a file, and never fail: whatever goes wrong (no
ledger, a locked or damaged file) they offer nothing and print nothing. The shell scripts in
completions/ are typer's, generated from the app by completions/generate.py.
"""

import os
from pathlib import Path

import typer

# How many of the latest entries `void REF` offers refs from: completion must answer at once,
# whatever the length of the log.
RECENT_ENTRIES = 5_000

SHELLS = {"bash": "ledger.bash", "zsh": "_ledger", "fish": "ledger.fish"}
COMPLETE_VAR = "_LEDGER_COMPLETE"


def _ledger_path(ctx: typer.Context) -> Path:
    """The file the completed command would use (as app.ledger_file; the root callback that
    sets it up does not run while completing)."""
    db = ctx.find_root().params.get("db")
    if db is None and os.environ.get("LEDGER_DB"):
        db = os.environ["LEDGER_DB"]
    if db is not None:
        return Path(db).expanduser()
    from platformdirs import user_data_path

    return user_data_path("ledger", appauthor=False).joinpath("ledger.db")


def _accounts(ctx: typer.Context, incomplete: str, *, open_only: bool) -> list[tuple[str, str]]:
    from ledger_cli.queries import read

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


def _refs(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from ledger_cli.events import EventType
    from ledger_cli.listings import LABELS
    from ledger_cli.money import format_amount
    from ledger_cli.output import clean
    from ledger_cli.projections import parse_details
    from ledger_cli.queries import read

    found: dict[str, str] = {}
    voided: set[str] = set()
    with read(_ledger_path(ctx)) as q:
        rows = q.store.filtered_rows(money_only=True, newest_first=True, limit=RECENT_ENTRIES)
        for row in rows:
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
