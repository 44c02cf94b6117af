"""The integrity of the log: audit, reconcile (and, with a bank statement, its month-end mode),
digest and rebuild. A broken chain is exit 3, after the report is printed."""

from typing import Annotated

import typer

from ledger_cli.cli.app import chosen_file, fail_if_broken, read
from ledger_cli.cli.monthend import reconcile_statement
from ledger_cli.cli.options import AsCsv, AsJson, AsOf, KnownAt, output_format, parse_digest, when
from ledger_cli.errors import InvalidValue

commands = typer.Typer()


@commands.command()
def audit(
    ctx: typer.Context,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Every event in append order with every stored field and its hash; exit 3 when the
    chain is broken.

    \b
    Examples:
      ledger audit
      ledger audit --json > audit.json
    """
    from ledger_cli.view.audit import audit as listing
    from ledger_cli.view.output import Output

    fmt = output_format(as_json, as_csv)
    day, known = when(as_of, known_at)
    with read(ctx) as q:
        rows = q.audit(as_of=day, known_at=known)
        listing(Output(), rows, q.accounts, fmt=fmt, known_at=q.knowledge(known))
        check = q.reconcile()
    fail_if_broken(check)


@commands.command()
def reconcile(
    ctx: typer.Context,
    digest_: Annotated[
        str | None,
        typer.Option(
            "--digest",
            help="A digest SEQ:HASH saved earlier; the log must still "
            "hold exactly that event at that place.",
            metavar="SEQ:HASH",
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", "-a", help="With a statement: the account it is for."),
    ] = None,
    statement_date: Annotated[
        str | None,
        typer.Option("--statement-date", help="The last day the bank statement covers."),
    ] = None,
    statement_balance: Annotated[
        str | None,
        typer.Option("--statement-balance", help="The statement's ending balance."),
    ] = None,
    as_json: AsJson = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="With a statement: compare and print what it would record; write nothing.",
        ),
    ] = False,
) -> None:
    """Verify every account's running-balance chain and the log's hash chain; exit 3
    naming the first broken seq. With a bank statement (-a, --statement-date,
    --statement-balance): then compare the cleared balance with the statement's; equal, the
    cleared entries are marked reconciled (StatementReconciled) and the period is sealed;
    different, the difference, the outstanding entries and likely causes (exit 1).

    \b
    Examples:
      ledger reconcile
      ledger reconcile --digest "$(cat saved-digest.txt)"
      ledger reconcile -a checking --statement-date 2026-03-31 --statement-balance 5,310.42
    """
    from ledger_cli.view.output import Output
    from ledger_cli.view.progress import progress_bar
    from ledger_cli.view.reports import reconciliation

    given = [value is not None for value in (account, statement_date, statement_balance)]
    if any(given):
        if not all(given):
            raise InvalidValue(
                "a statement reconciliation needs -a, --statement-date and --statement-balance"
            )
        if digest_ is not None:
            raise InvalidValue("--digest cannot be combined with a statement reconciliation")
        assert account is not None and statement_date is not None
        assert statement_balance is not None
        reconcile_statement(ctx, account, statement_date, statement_balance, as_json, dry_run)
        return
    if dry_run:
        raise InvalidValue("--dry-run goes with a statement reconciliation; plain reconcile "
                           "writes nothing anyway")
    expected = parse_digest(digest_) if digest_ is not None else None
    with read(ctx, damaged_ok=True) as q:
        events = q.head()[0]
        with progress_bar("verifying", events if events >= 200_000 else None) as advance:
            result = q.reconcile(expected, advance)
        known = q.knowledge(None)
    reconciliation(Output(), result, as_json=as_json, known_at=known)
    fail_if_broken(result)


@commands.command()
def digest(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Print the head of the log as SEQ:HASH, to keep and check later with
    `reconcile --digest`.

    \b
    Example:
      ledger digest > saved-digest.txt
    """
    from ledger_cli.view.output import Output
    from ledger_cli.view.reports import digest as print_digest

    with read(ctx) as q:
        seq, hash_ = q.head()
        known = q.knowledge(None)
    print_digest(Output(), seq, hash_, as_json=as_json, known_at=known)


@commands.command()
def rebuild(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Verify the log, then derive every read model again from it alone. The answers of
    every query stay the same; use it after copying a ledger by hand or if a query is slow.

    \b
    Example:
      ledger rebuild
    """
    from ledger_cli.app.service import Ledger
    from ledger_cli.view.output import Output
    from ledger_cli.view.reports import rebuilt, reconciliation

    result = Ledger(chosen_file(ctx).path).rebuild()
    if not result.ok:
        reconciliation(Output(), result, as_json=as_json)
        fail_if_broken(result)
    rebuilt(Output(), result, as_json=as_json)
