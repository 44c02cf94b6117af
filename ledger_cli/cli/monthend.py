"""Month end: `statement` matches a bank's file to the register; `reconcile` with a statement's
date and balance (its month-end mode, run from integrity.py) seals the period."""

from pathlib import Path
from typing import Annotated

import typer

from ledger_cli.cli.app import chosen_file, fail_if_broken
from ledger_cli.cli.options import Account, AsJson, whole_number
from ledger_cli.domain.accounts import DEFAULT_ACCOUNT
from ledger_cli.domain.dates import parse_date
from ledger_cli.errors import Denied, InvalidValue

commands = typer.Typer()


@commands.command()
def statement(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(metavar="FILE", help="The bank's CSV export; - for standard input.")
    ],
    account: Account = DEFAULT_ACCOUNT,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show every decision; write nothing.")
    ] = False,
    no_add: Annotated[
        bool,
        typer.Option("--no-add", help="Only clear matches; list unmatched rows, add nothing."),
    ] = False,
    window: Annotated[
        str,
        typer.Option(
            "--window", metavar="DAYS", help="Days a match's dates may differ (checks: any)."
        ),
    ] = "10",
    date_column: Annotated[
        str | None, typer.Option("--date-column", metavar="NAME", help="The booking date.")
    ] = None,
    amount_column: Annotated[
        str | None,
        typer.Option("--amount-column", metavar="NAME", help="One signed amount column."),
    ] = None,
    debit_column: Annotated[
        str | None, typer.Option("--debit-column", metavar="NAME", help="Money out.")
    ] = None,
    credit_column: Annotated[
        str | None, typer.Option("--credit-column", metavar="NAME", help="Money in.")
    ] = None,
    description_column: Annotated[
        str | None,
        typer.Option(
            "--description-column", metavar="NAME", help="The text; payee of added entries."
        ),
    ] = None,
    number_column: Annotated[
        str | None, typer.Option("--number-column", metavar="NAME", help="Check numbers.")
    ] = None,
    currency_column: Annotated[
        str | None,
        typer.Option(
            "--currency-column",
            metavar="NAME",
            help="A row in another currency than the account's is denied (default: a "
            "Currency or Währung column, if any).",
        ),
    ] = None,
    negate: Annotated[
        bool,
        typer.Option("--negate", help="The amount column shows money out as positive."),
    ] = False,
    date_format: Annotated[
        str | None,
        typer.Option(
            "--date-format",
            metavar="FORMAT",
            help="strptime format of every date, e.g. %d.%m.%Y (default: YYYY-MM-DD, "
            "MM/DD/YYYY, MM/DD/YY; a file with day-first dates needs it).",
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(
            "--delimiter",
            metavar="CHAR",
            help="The field separator: one character, or 'tab' (also '\\t') (default: , ; tab "
            "or |, whichever makes the header line).",
        ),
    ] = None,
    decimal_comma: Annotated[
        bool | None,
        typer.Option(
            "--decimal-comma/--decimal-point",
            help="Amounts have a decimal comma (1.234,56), or a decimal point (1,234.56). "
            "Default: a decimal point; a decimal comma in a file not separated by commas "
            "whose amounts include some that only a decimal comma reads and none that only "
            "a decimal point does. An amount that reads both ways (1.234, 1,234) is denied "
            "unless one of these is given.",
        ),
    ] = None,
    skip_lines: Annotated[
        str | None,
        typer.Option(
            "--skip-lines",
            metavar="N",
            help="Skip exactly N lines: the next is the header (default: the first of 50 "
            "lines that holds the columns).",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Match a bank statement to the register: each row is matched to an uncleared entry
    (same amount; same check number, or dates within --window days) and cleared; a row that
    matches nothing is added as a new transaction (fee, interest, deposit, withdrawal or
    check) and cleared; a row imported before is skipped.

    A row that can be neither (unreadable, dated after today, in a reconciled period) is
    denied and named by its line: the other rows are recorded, and the exit status is 1.
    Running the statement again is safe: what was recorded is skipped.

    \b
    Examples:
      ledger statement march.csv -a checking --dry-run
      ledger statement umsatz.csv -a giro --date-column Buchungstag --amount-column Betrag \\
        --description-column Verwendungszweck --date-format %d.%m.%Y --decimal-comma
    """
    from ledger_cli.app.service import Ledger
    from ledger_cli.domain.dates import today
    from ledger_cli.interop import bankcsv
    from ledger_cli.interop.files import open_lines
    from ledger_cli.view.monthend import statement as print_statement
    from ledger_cli.view.monthend import statement_denials
    from ledger_cli.view.output import Output

    days = whole_number(window, "--window") if window.strip() != "0" else 0
    skip = None
    if skip_lines is not None:
        skip = whole_number(skip_lines, "--skip-lines") if skip_lines.strip() != "0" else 0
    columns = bankcsv.Columns(
        date=date_column,
        amount=amount_column,
        debit=debit_column,
        credit=credit_column,
        description=description_column,
        number=number_column,
        negate=negate,
        date_format=date_format,
        currency=currency_column,
        delimiter=bankcsv.parse_delimiter(delimiter) if delimiter is not None else None,
        decimal_comma=decimal_comma,
        skip_lines=skip,
    )
    with open_lines(source) as stream:
        # Read before the ledger is locked: a slow pipe must not hold other writers up.
        lines = list(stream)
    result = Ledger(chosen_file(ctx).path).statement(
        account,
        lambda cur: bankcsv.read_statement(lines, account, cur, columns),
        window=days or 0,
        add=not no_add,
        dry_run=dry_run,
        today=today(),
        # A row's receipt is named beside the statement (standard input: the current folder).
        folder=Path(source).parent if source != "-" else Path(),
    )
    print_statement(Output(), result, as_json=as_json)
    denials = statement_denials(result)
    if denials is not None:
        # After the report and the commit: the other rows are recorded, and exit 1 says that
        # not everything was.
        raise Denied(denials)


def reconcile_statement(
    ctx: typer.Context, account: str, day: str, balance: str, as_json: bool, dry_run: bool
) -> None:
    """`reconcile -a --statement-date --statement-balance`: the cleared balance compared
    with a bank statement's."""
    from ledger_cli.app.service import Ledger
    from ledger_cli.domain.dates import today
    from ledger_cli.domain.mismatch import StatementDoesNotMatch
    from ledger_cli.view.monthend import reconciled, statement_mismatch
    from ledger_cli.view.output import Output
    from ledger_cli.view.reports import reconciliation

    on = parse_date(day, "--statement-date")
    if on > today():
        # A statement covers days that are over; a future date would seal them in advance.
        raise InvalidValue(
            f"--statement-date {day!r} is in the future; a statement ends today at the latest"
        )
    try:
        ledger = Ledger(chosen_file(ctx).path)
        check, outcome, outstanding = ledger.reconcile_statement(
            account, on, balance, dry_run=dry_run
        )
    except StatementDoesNotMatch as mismatch:
        statement_mismatch(Output(), mismatch, on, as_json=as_json)
        raise
    if outcome is None:
        reconciliation(Output(), check, as_json=as_json)
        fail_if_broken(check)
        return
    reconciled(Output(), outcome, outstanding, as_json=as_json)
