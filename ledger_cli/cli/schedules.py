"""The commands of what is coming (SPEC 12): `schedule add/list/stop`, `due` (list, --post,
--skip) and `forecast`. Each parses its options, makes one service or query call and prints
the answer (view/schedules.py)."""

import os
from datetime import date
from typing import Annotated

import typer

from ledger_cli.cli.app import chosen_file, read, write
from ledger_cli.cli.completion import complete_account, complete_schedule
from ledger_cli.cli.options import (
    Account,
    AmountCommand,
    AsJson,
    Category,
    DryRun,
    Force,
    IdKey,
    KnownAt,
    Memo,
    Payee,
    when,
    whole_number,
)
from ledger_cli.domain.accounts import DEFAULT_ACCOUNT
from ledger_cli.domain.dates import check_too_early, check_write_date, parse_date, today
from ledger_cli.errors import Denied, InvalidValue

commands = typer.Typer()
schedules = typer.Typer(
    help="Recurring transactions: rent, salary, a subscription. `ledger due` lists what is "
    "due, `ledger due --post` records it, `ledger forecast` shows what is coming.\n\n\b\n"
    "Examples:\n"
    '  ledger schedule add rent check 1500 --every month --start 2026-04-01 --payee Landlord\n'
    "  ledger schedule list\n  ledger schedule stop rent",
    no_args_is_help=True,
)
commands.add_typer(schedules, name="schedule")

Name = Annotated[
    str,
    typer.Argument(metavar="NAME", help="The schedule's name.", autocompletion=complete_schedule),
]
Through = Annotated[
    str | None,
    typer.Option(
        "--through", help="The last day included: YYYY-MM-DD, 'today' (default: today).",
        metavar="DAY",
    ),
]


@schedules.command("add", cls=AmountCommand, context_settings={"ignore_unknown_options": True})
def schedule_add(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="A name for it, like an account's (rent).")
    ],
    kind: Annotated[
        str,
        typer.Argument(
            metavar="TYPE", help="What it repeats: deposit, check, withdraw, fee or transfer."
        ),
    ],
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="The amount of each one.")],
    every: Annotated[
        str,
        typer.Option(
            "--every",
            help="day, week, 2weeks, month, quarter, year, or N days|weeks|months|years. A "
            "monthly one from the 31st falls on the last day of shorter months.",
            metavar="PERIOD",
        ),
    ],
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="The day of the first one (default: today); may be in the past.",
            metavar="DAY",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="No occurrence after this day.", metavar="DAY"),
    ] = None,
    count: Annotated[
        str | None, typer.Option("--count", help="At most N occurrences.", metavar="N")
    ] = None,
    account: Account = DEFAULT_ACCOUNT,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="A transfer's receiving account (-a sends).",
            autocompletion=complete_account,
        ),
    ] = None,
    payee: Payee = None,
    memo: Memo = None,
    category: Category = None,
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """Add a recurring transaction (ScheduleCreated). Its first occurrence is on --start;
    each is posted by `ledger due --post`, dated on its day.

    \b
    Examples:
      ledger schedule add rent check 1500 --every month --start 2026-04-01 --payee Landlord -c home:rent
      ledger schedule add salary deposit 3200 --every 2weeks --start 2026-04-03 -c income:salary
      ledger schedule add saving transfer 200 --every month --to savings --count 12
    """  # noqa: E501
    if until is not None and count is not None:
        raise typer.BadParameter("use either --until or --count, not both", ctx=ctx)
    if kind.strip().lower() == "transfer" and category is not None:
        raise typer.BadParameter(
            "a transfer between your own accounts has no category: leave out -c", ctx=ctx
        )
    first = (
        today() if start is None
        else check_write_date(parse_date(start, "--start"), "--start")
    )
    last = None if until is None else check_too_early(parse_date(until, "--until"), "--until")
    times = whole_number(count, "--count")
    from ledger_cli.domain.commands import CreateSchedule

    command = CreateSchedule(
        name, kind, amount, every, first, today(), last, times, account, to, payee, memo,
        category,
    )
    write(ctx, command, as_json, key, dry_run)


@schedules.command("list")
def schedule_list(ctx: typer.Context, known_at: KnownAt = None, as_json: AsJson = False) -> None:
    """Every schedule, stopped ones included, with its next occurrence not yet posted or
    skipped. --json gives [{"name", "type", "amount", "account", "to", "every", "start",
    "until", "count", "next", "payee", "category", "stopped"}].

    \b
    Example:
      ledger schedule list
    """
    from ledger_cli.app.schedules import handled, next_due
    from ledger_cli.app.schedules import schedules as known_schedules
    from ledger_cli.view.output import Output
    from ledger_cli.view.schedules import schedule_listing

    _, known = when(None, known_at)
    with read(ctx) as q:
        found = known_schedules(q, known)
        done = handled(q, known)
    listing = [(found[name], next_due(found[name], done)) for name in sorted(found)]
    schedule_listing(Output(), listing, as_json=as_json)


@schedules.command("stop")
def schedule_stop(
    ctx: typer.Context,
    name: Name,
    last_day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="The last day an occurrence may fall on: YYYY-MM-DD, 'today' or "
            "'yesterday' (default: today).",
            metavar="DAY",
        ),
    ] = None,
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """Stop a schedule (ScheduleStopped): no occurrence after DAY. What it posted stays.

    \b
    Example:
      ledger schedule stop rent --date 2026-12-31
    """
    from ledger_cli.domain.commands import StopSchedule

    day = today() if last_day is None else check_too_early(parse_date(last_day))
    write(ctx, StopSchedule(name, day, today()), as_json, key, dry_run)


@commands.command()
def due(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[NAME]...", help="Only these schedules (with --post).",
            autocompletion=complete_schedule,
        ),
    ] = None,
    through: Through = None,
    post: Annotated[
        bool, typer.Option("--post", help="Record what is due, each occurrence at most once.")
    ] = False,
    skip: Annotated[
        str | None,
        typer.Option(
            "--skip", help="Skip one occurrence of this schedule (with --date).", metavar="NAME",
            autocompletion=complete_schedule,
        ),
    ] = None,
    skip_date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="The day of the occurrence to skip: YYYY-MM-DD, 'today' or 'yesterday'.",
            metavar="DAY",
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it is skipped.")
    ] = None,
    force: Force = False,
    known_at: KnownAt = None,
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """The scheduled entries due on or before --through (default today) that are neither
    posted nor skipped, in date order. --post records them, each as the command it describes,
    dated on its due day and linked to its schedule: an occurrence is posted at most once,
    however often this runs. One that is denied (a check past the overdraft limit) is named
    with its reason and stays due; the others are recorded, and the exit status is 1.
    --json gives [{"schedule", "date", "type", "amount", "account"}].

    \b
    Examples:
      ledger due
      ledger due --post
      ledger due --post rent --through 2026-04-30
      ledger due --skip rent --date 2026-05-01
    """
    from ledger_cli.view.output import Output

    day = today() if through is None else parse_date(through, "--through")
    if post and skip is not None:
        raise typer.BadParameter("use either --post or --skip, not both", ctx=ctx)
    if skip is not None:
        _skip(ctx, skip, skip_date, reason, names, through, known_at, as_json, key, dry_run)
        return
    for text, what in ((skip_date, "--date"), (reason, "--reason")):
        if text is not None:
            raise InvalidValue(f"{what} goes with --skip NAME")
    if not post:
        for given, what in ((force, "--force"), (dry_run, "--dry-run"), (key, "--id")):
            if given:
                raise InvalidValue(f"{what} goes with --post or --skip; plain `due` only lists")
        from ledger_cli.app.schedules import due as listed
        from ledger_cli.view.schedules import due_listing

        _, known = when(None, known_at)
        with read(ctx) as q:
            items = listed(q, day, known, names or ())
        due_listing(Output(), items, day, as_json=as_json)
        return
    if known_at is not None:
        raise InvalidValue("--known-at applies to the listing; --post records what is due now")
    if key is not None:
        raise InvalidValue("--post needs no --id: an occurrence is posted at most once anyway")
    from ledger_cli.app.service import Ledger
    from ledger_cli.view.schedules import posted

    # What --post records is dated on its due days: as far ahead as any write may be.
    check_write_date(day, "--through")

    file = chosen_file(ctx)
    result = Ledger(file.path).post_due(day, names or (), force=force, dry_run=dry_run)
    posted(Output(), result, as_json=as_json)
    if not dry_run:
        from ledger_cli.cli.reminders import remind

        remind(file.path, as_json)  # what is still due (other schedules, denied occurrences)
    if result.denied:
        count = len(result.denied)
        recorded = "would be recorded" if dry_run else "were recorded"
        raise Denied(
            f"{count} occurrence{' was' if count == 1 else 's were'} denied and stay"
            f"{'s' if count == 1 else ''} due; the others {recorded}"
        )


def _skip(
    ctx: typer.Context,
    name: str,
    day: str | None,
    reason: str | None,
    names: list[str] | None,
    through: str | None,
    known_at: str | None,
    as_json: bool,
    key: str | None,
    dry_run: bool,
) -> None:
    if day is None:
        raise InvalidValue(f"say which occurrence: ledger due --skip {name} --date DAY")
    if names or through is not None or known_at is not None:
        raise InvalidValue("--skip takes one schedule and --date; NAME, --through and "
                           "--known-at go with listing or --post")
    from ledger_cli.domain.commands import SkipOccurrence

    occurrence = check_too_early(parse_date(day))
    write(ctx, SkipOccurrence(name, occurrence, today(), reason), as_json, key, dry_run)


@commands.command()
def forecast(
    ctx: typer.Context,
    account: Account = DEFAULT_ACCOUNT,
    all_: Annotated[bool, typer.Option("--all", help="Every account.")] = False,
    through: Annotated[
        str | None,
        typer.Option(
            "--through", help="The last day included (default: 90 days from today).",
            metavar="DAY",
        ),
    ] = None,
    chart: Annotated[
        bool,
        typer.Option("--chart", help="Draw the projected balance in the terminal (plotext)."),
    ] = False,
    known_at: KnownAt = None,
    as_json: AsJson = False,
) -> None:
    """Today's balance, then every post-dated entry and every scheduled occurrence not yet
    posted or skipped (an overdue one counts as today), in date order, each with the
    projected balance after it; the lowest point, and the first day below the overdraft
    limit (also a warning on stderr; the exit status stays 0). --json gives {"account",
    "currency", "from", "through", "start_balance", "items": [{"date", "source", "ref",
    "schedule", "type", "amount", "balance"}], "lowest", "first_overdraft"}.

    \b
    Examples:
      ledger forecast
      ledger forecast --through 2026-06-30 --chart
      ledger forecast --all --json
    """
    from ledger_cli.app.schedules import forecast as projected
    from ledger_cli.cli.queries import check_account_or_all
    from ledger_cli.view.output import Output
    from ledger_cli.view.schedules import forecasts

    check_account_or_all(ctx, all_)
    if chart and as_json:
        raise InvalidValue("--chart and --json cannot be used together")
    start = today()
    last: date | None = None if through is None else parse_date(through, "--through")
    _, known = when(None, known_at)
    with read(ctx) as q:
        names = sorted(q.accounts_known(known)) if all_ else [account]
        found = [projected(q, name, start, last, known) for name in names]
    output = Output()
    if chart:
        from ledger_cli.view.chart import terminal_size
        from ledger_cli.view.schedules import forecast_picture, overdraft_warning

        width, height = terminal_size(output.terminal)
        for data in found:
            warning = overdraft_warning(data)
            if warning is not None:
                output.warn(warning)
            color = output.terminal and "NO_COLOR" not in os.environ
            picture = forecast_picture(data, width=width, height=height, color=color)
            output.out.write(picture + "\n")
        return
    forecasts(output, found, as_json=as_json, single=not all_)
