"""`ledger report`: where the money went, by category (or payee) and period, over every account
or those named; it writes nothing. Options that cannot be combined are refused (exit 1)."""

from typing import Annotated

import typer

from ledger_cli.cli.app import read
from ledger_cli.cli.completion import complete_account, complete_report_period
from ledger_cli.cli.options import AsCsv, AsJson, AsOf, KnownAt, output_format, when, whole_number
from ledger_cli.domain.dates import parse_date
from ledger_cli.errors import InvalidValue

commands = typer.Typer()


@commands.command()
def report(
    ctx: typer.Context,
    accounts: Annotated[
        list[str] | None,
        typer.Option(
            "--account",
            "-a",
            help="Only this account (repeat for several; default: every account).",
            autocompletion=complete_account,
        ),
    ] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Period: month, quarter, year or week.",
            metavar="PERIOD",
            autocompletion=complete_report_period,
        ),
    ] = "month",
    since: Annotated[
        str | None,
        typer.Option("--since", help="From this day (default: the first entry's period)."),
    ] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    depth: Annotated[
        str | None, typer.Option("--depth", help="Show categories down to N levels.")
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category", "-c", help="Only this category and its children.", metavar="PREFIX"
        ),
    ] = None,
    by_payee: Annotated[
        bool, typer.Option("--payee", help="By payee instead of by category.")
    ] = False,
    budget: Annotated[
        bool,
        typer.Option("--budget", help="Each budgeted category's budget, actual and what is left."),
    ] = False,
    chart: Annotated[
        bool, typer.Option("--chart", help="Draw the spending per category as bars.")
    ] = False,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Money in and out by category and period: income and spending sections, parents with
    the sum of their children, totals and net per period. Transfers between your own
    accounts are neither. The first and last periods are cut at --since and --as-of.
    --known-at reproduces a report exactly as it was printed.

    \b
    Examples:
      ledger report
      ledger report --by quarter --since 2026-01-01 --depth 1
      ledger report --budget --as-of 2026-03-31
      ledger report --json --known-at 2026-04-02
    """
    from ledger_cli.app.report import Options
    from ledger_cli.app.report import report as build
    from ledger_cli.domain.categories import check_category
    from ledger_cli.domain.periods import REPORT_PERIODS, check_period
    from ledger_cli.view.categories import chart as draw
    from ledger_cli.view.categories import report as listing
    from ledger_cli.view.output import Output

    fmt = output_format(as_json, as_csv)
    if chart and fmt != "text":
        raise InvalidValue("--chart draws in the terminal; it cannot be used with --json or --csv")
    period = check_period(by, REPORT_PERIODS)
    start = parse_date(since, "--since") if since is not None else None
    day, known = when(as_of, known_at)
    if start is not None and day is not None and start > day:
        raise InvalidValue(f"--since {start.isoformat()} is after --as-of {day.isoformat()}")
    if by_payee and category is not None:
        raise InvalidValue("--payee groups by payee; --category cannot be used with it")
    options = Options(
        accounts=accounts or None,
        by=period,
        since=start,
        as_of=day,
        known_at=known,
        depth=whole_number(depth, "--depth"),
        prefix=None if category is None else check_category(category),
        by_payee=by_payee,
        budget=budget,
    )
    with read(ctx) as q:
        found = build(q, options)
    if chart:
        draw(Output(), found)
    else:
        listing(Output(), found, fmt=fmt)
