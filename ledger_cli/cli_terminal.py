"""The commands that fit `ledger` among the plain-text tools: export (CSV, the NDJSON backup,
hledger, beancount), restore (a backup into an empty ledger) and chart (a picture in the
terminal). Each parses its options, makes one call and prints; the work is in export.py,
backup.py and chart.py."""

from typing import Annotated

import typer

from ledger_cli.accounts import DEFAULT_ACCOUNT
from ledger_cli.app import app, ledger_file
from ledger_cli.dates import parse_date
from ledger_cli.options import Account, AsJson, AsOf, KnownAt, when
from ledger_cli.output import Output

# The format an -o file's name implies when --format is not given.
_SUFFIXES = {
    ".csv": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".journal": "hledger",
    ".hledger": "hledger",
    ".ledger": "hledger",
    ".beancount": "beancount",
    ".bean": "beancount",
}


@app.command()
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
) -> None:
    """Export the ledger for other tools, streamed: the register as CSV, the full event log
    as NDJSON (a lossless backup that `restore` reads), or an hledger journal or beancount
    file ending in a balance assertion per account, so those tools check our balances.

    \b
    Examples:
      ledger export --format ndjson -o backup.ndjson
      ledger export --format hledger > books.journal && hledger -f books.journal balance
      ledger export --format csv --as-of 2026-03-31
    """
    from pathlib import Path

    from ledger_cli import export as exporter
    from ledger_cli.errors import InvalidValue
    from ledger_cli.queries import read

    if fmt is None:
        fmt = _SUFFIXES.get(Path(output).suffix.lower()) if output else None
        if fmt is None:
            raise InvalidValue(
                f"give --format: one of {', '.join(exporter.FORMATS)}"
            )
    chosen = exporter.check_format(fmt)
    day, known = when(as_of, known_at)
    path = ledger_file(ctx).path
    with read(path) as q, exporter.destination(output, path) as stream:
        exporter.export(q, chosen, stream, as_of=day, known_at=known)


@app.command()
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
    from ledger_cli import backup

    file = ledger_file(ctx)
    result = backup.restore(file.path, source, create_folder=file.create_folder)
    out = Output()
    if as_json:
        out.json(
            {
                "path": str(result.path),
                "events": result.events,
                "head": {"seq": result.head_seq, "hash": result.head_hash},
            }
        )
        return
    out.line(
        f"Restored {result.events} events into {result.path}, verified; "
        f"digest {result.head_seq}:{result.head_hash}"
    )


@app.command()
def chart(
    ctx: typer.Context,
    account: Account = DEFAULT_ACCOUNT,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="First day shown (default: the day the account opened).",
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
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """The balance over time, and the deposits and withdrawals of each period, drawn in the
    terminal. Each period's balance is `balance --as-of` its last day; --json gives the
    series [{"period", "start", "end", "balance", "deposits", "withdrawals"}].

    \b
    Examples:
      ledger chart
      ledger chart -a savings --since 2026-01-01 --by month
      ledger chart --by week --json
    """
    import os

    from ledger_cli import chart as charts
    from ledger_cli.queries import read

    start = parse_date(since, "--since") if since is not None else None
    period = charts.check_period(by) if by is not None else None
    day, known = when(as_of, known_at)
    with read(ledger_file(ctx).path) as q:
        data = charts.series(q, account, since=start, as_of=day, known_at=known, by=period)
    out = Output()
    if as_json:
        out.json(data.json())
        return
    terminal = bool(out.terminal)
    width, height = charts.terminal_size(terminal)
    color = terminal and "NO_COLOR" not in os.environ
    out.out.write(charts.picture(data, width=width, height=height, color=color) + "\n")
    out.line(charts.summary(data))
