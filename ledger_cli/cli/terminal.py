"""The commands that fit `ledger` among the plain-text tools: export (CSV, the NDJSON backup,
hledger, beancount), restore (a backup into an empty ledger) and chart (a picture in the
terminal). Each parses its options, makes one call and prints; the work is in interop/ and
app/series.py, the picture in view/chart.py."""

from pathlib import Path
from typing import Annotated

import typer

from ledger_cli.cli.app import chosen_file, read
from ledger_cli.cli.completion import complete_export_format, complete_period
from ledger_cli.cli.options import Account, AsJson, AsOf, DryRun, KnownAt, when
from ledger_cli.domain.accounts import DEFAULT_ACCOUNT
from ledger_cli.domain.dates import parse_date

commands = typer.Typer()


@commands.command()
def export(
    ctx: typer.Context,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="csv (the register of every account), ndjson (the whole event log: a "
            "backup for `restore`), hledger (a journal) or beancount. Default: from the -o "
            "file's name.",
            metavar="FORMAT",
            autocompletion=complete_export_format,
        ),
    ] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to FILE (replaced whole once the export is complete) instead of "
            "standard output.",
            metavar="FILE",
        ),
    ] = None,
    documents: Annotated[
        Path | None,
        typer.Option(
            "--documents",
            help="With --format beancount: write the entries' documents into this folder and "
            "point `document` directives at them.",
            metavar="DIR",
        ),
    ] = None,
) -> None:
    """Export the ledger for other tools, streamed: the register as CSV, the full event log
    as NDJSON (a lossless backup that `restore` reads), or an hledger journal or beancount
    file ending in a balance assertion per account, so those tools check our balances.

    \b
    Examples:
      ledger export --format ndjson -o backup.ndjson
      ledger export --format hledger > books.journal && hledger -f books.journal balance
      ledger export --format csv --as-of 2026-03-31
      ledger export --format beancount --documents receipts -o books.beancount
    """
    from ledger_cli.interop.atomicfile import destination
    from ledger_cli.interop.export import choose_format
    from ledger_cli.interop.export import export as write

    chosen = choose_format(fmt, output)
    day, known = when(as_of, known_at)
    with read(ctx) as q, destination(output, chosen_file(ctx).path) as stream:
        write(q, chosen, stream, as_of=day, known_at=known, documents=documents)


@commands.command()
def restore(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="A backup made by `export --format ndjson`; - for standard input.",
        ),
    ],
    as_json: AsJson = False,
    dry_run: DryRun = False,
) -> None:
    """Restore a backup into a new or empty ledger: every line is verified first (both
    chains, as `reconcile` does), then the very same events are written (same seq, recorded
    times and hashes), so `digest` gives the original's head. A line that does not verify
    is refused, naming it, and nothing is written (exit 3; exit 1 for a line that is not
    a backup's row).

    \b
    Examples:
      ledger restore backup.ndjson
      ledger --db restored.db restore - < backup.ndjson
    """
    from ledger_cli.app.service import Ledger
    from ledger_cli.interop import backup
    from ledger_cli.view.outcome import restored
    from ledger_cli.view.output import Output

    file = chosen_file(ctx)
    ledger = Ledger(file.path, create_folder=file.create_folder)
    result = backup.restore(ledger, source, dry_run=dry_run)
    restored(Output(), result, as_json=as_json)


@commands.command()
def chart(
    ctx: typer.Context,
    account: Account = DEFAULT_ACCOUNT,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="First day shown (default: the account's first entry, else the day it "
            "opened).",
            metavar="DAY",
        ),
    ] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Period: day, week (ISO, from Monday) or month (default: day up to 62 "
            "days, week up to a year, month beyond).",
            metavar="PERIOD",
            autocompletion=complete_period,
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """The balance over time, and the deposits and withdrawals of each period, drawn in the
    terminal. Each period's balance is `balance --as-of` its last day; a void nets out the
    entry it voids (a voided check is no money in). --json gives the series [{"period",
    "start", "end", "balance", "deposits", "withdrawals", "known_at"}].

    \b
    Examples:
      ledger chart
      ledger chart -a savings --since 2026-01-01 --by month
      ledger chart --by week --json
    """
    import os

    from ledger_cli.app.series import series
    from ledger_cli.domain.periods import check_period
    from ledger_cli.view import chart as charts
    from ledger_cli.view.output import Output

    start = parse_date(since, "--since") if since is not None else None
    period = check_period(by) if by is not None else None
    day, known = when(as_of, known_at)
    with read(ctx) as q:
        data = series(q, account, since=start, as_of=day, known_at=known, by=period)
    out = Output()
    if as_json:
        out.json(charts.series_json(data))
        return
    terminal = bool(out.terminal)
    width, height = charts.terminal_size(terminal)
    color = terminal and "NO_COLOR" not in os.environ
    out.out.write(charts.picture(data, width=width, height=height, color=color) + "\n")
    out.line(charts.summary(data))
