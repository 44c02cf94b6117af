"""The queries of the register: balance, history and diff. Each parses its options, asks one
snapshot of the log and prints the answer; none writes. Options that cannot be combined are
refused (exit 1), never ignored: `-a` with `--all`, `--json` with `--csv`."""

from typing import Annotated

import typer

from ledger_cli.cli.app import read
from ledger_cli.cli.completion import complete_category
from ledger_cli.cli.options import (
    Account,
    AsCsv,
    AsJson,
    AsOf,
    KnownAt,
    output_format,
    when,
    whole_number,
)
from ledger_cli.domain.accounts import DEFAULT_ACCOUNT
from ledger_cli.domain.dates import parse_date, parse_known_at
from ledger_cli.errors import InvalidValue

commands = typer.Typer()

EVERY_ACCOUNT = Annotated[bool, typer.Option("--all", help="Every account.")]


def check_account_or_all(ctx: typer.Context, all_: bool) -> None:
    """`-a NAME` and `--all` ask two different things: refused together, even when NAME is
    the default account spelled out."""
    source = ctx.get_parameter_source("account")
    # By name: typer carries its own copy of click, whose ParameterSource is another enum.
    if all_ and source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP"):
        raise InvalidValue("-a/--account and --all cannot be used together")


@commands.command()
def balance(
    ctx: typer.Context,
    account: Account = DEFAULT_ACCOUNT,
    all_: EVERY_ACCOUNT = False,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    cleared: Annotated[
        bool,
        typer.Option("--cleared", help="Only cleared and reconciled entries: the bank's view."),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """The balance of an account, as of any day, as known at any time. --json gives
    {"account", "currency", "balance", "as_of", "known_at"} (a list with --all), where
    known_at is the knowledge time it answered from: passed back as --known-at, it
    reproduces the answer.

    \b
    Examples:
      ledger balance
      ledger balance -a savings --as-of 2026-03-01
      ledger balance --all --json
    """
    from ledger_cli.view.output import Output
    from ledger_cli.view.reports import balances

    check_account_or_all(ctx, all_)
    day, known = when(as_of, known_at)
    with read(ctx) as q:
        if cleared:
            items = (
                q.cleared_balances(day, known) if all_ else [q.cleared_balance(account, day, known)]
            )
        else:
            items = q.balances(day, known) if all_ else [q.balance(account, day, known)]
    balances(Output(), items, as_json=as_json, single=not all_)
    from ledger_cli.cli.app import chosen_file
    from ledger_cli.cli.reminders import remind

    remind(chosen_file(ctx).path, as_json)


@commands.command()
def history(
    ctx: typer.Context,
    account: Account = DEFAULT_ACCOUNT,
    all_: Annotated[
        bool, typer.Option("--all", help="Every account, in one register (with an account column).")
    ] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="Show entries effective on or after this day.")
    ] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    limit: Annotated[
        str | None, typer.Option("--limit", help="Keep the last N rows up to --as-of.")
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            "-c",
            help="Only entries in this category or its children (a split: any part).",
            metavar="PREFIX",
            autocompletion=complete_category,
        ),
    ] = None,
    payee: Annotated[
        str | None, typer.Option("--payee", help="Only payees that contain TEXT (any case).")
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", help="Only entries whose payee or memo contains TEXT (any case)."),
    ] = None,
    minimum: Annotated[
        str | None, typer.Option("--min", help="Only amounts of at least AMOUNT (either sign).")
    ] = None,
    maximum: Annotated[
        str | None, typer.Option("--max", help="Only amounts of at most AMOUNT (either sign).")
    ] = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """The register: entries in effective order with a running balance and their category. A
    voided entry names the void that cancels it (as known at --known-at); a void shows the
    payee and the category of what it voids. With --all, every account's entries in one
    register, each with its own account's running balance. The filters keep some lines; the
    running balance still counts every entry.

    \b
    Examples:
      ledger history
      ledger history --since 2026-03-01 --as-of 2026-03-31 --csv
      ledger history --all --limit 20
      ledger history --category food --payee grocer --min 20
    """
    from ledger_cli.view.output import Output
    from ledger_cli.view.register import Asked
    from ledger_cli.view.register import history as listing

    check_account_or_all(ctx, all_)
    fmt = output_format(as_json, as_csv)
    start = parse_date(since, "--since") if since is not None else None
    day, known = when(as_of, known_at)
    rows = whole_number(limit, "--limit")
    where = None
    if any(value is not None for value in (category, payee, search, minimum, maximum)):
        from ledger_cli.app.filters import LineFilter
        from ledger_cli.domain.categories import check_category

        prefix = None if category is None else check_category(category)
        where = LineFilter(prefix, payee, search, minimum, maximum)
    with read(ctx) as q:
        asked = Asked(start, day, q.knowledge(known), known is not None, where is not None)
        if all_:
            lines = q.history_all(since=start, as_of=day, known_at=known, limit=rows, where=where)
            listing(Output(), lines, None, fmt=fmt, asked=asked, accounts=q.accounts)
        else:
            lines = q.history(
                account, since=start, as_of=day, known_at=known, limit=rows, where=where
            )
            listing(Output(), lines, q.account(account), fmt=fmt, asked=asked)


@commands.command()
def diff(
    ctx: typer.Context,
    known_at: Annotated[
        str,
        typer.Option(
            "--known-at",
            help="The earlier knowledge time: when the report was printed (a bare date: the "
            "end of that day; audit's recorded_at verbatim).",
            metavar="WHEN",
        ),
    ],
    account: Account = DEFAULT_ACCOUNT,
    all_: EVERY_ACCOUNT = False,
    as_of: AsOf = None,
    to_known_at: Annotated[
        str | None,
        typer.Option(
            "--to-known-at",
            help="The later knowledge time (default: everything recorded).",
            metavar="WHEN",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Why a balance changed since it was reported: the balance as of a day, as known at two
    times, and the events recorded in between that explain the difference. A time after
    the last event recorded knows what it knows: the two are compared, and reported, as
    the recorded time of that event.

    \b
    Example:
      ledger diff --as-of 2026-03-31 --known-at 2026-04-02
    """
    from ledger_cli.view.output import Output
    from ledger_cli.view.reports import diffs

    check_account_or_all(ctx, all_)
    day, earlier = when(as_of, known_at)
    later = parse_known_at(to_known_at, "--to-known-at") if to_known_at is not None else None
    assert earlier is not None
    with read(ctx) as q:
        if all_:
            items = q.diffs(day, earlier, later)
        else:
            items = [q.diff(account, day, earlier, later)]
        diffs(Output(), items, as_json=as_json, single=not all_)
