"""What is coming, as printed: the schedules, the occurrences due, what `due --post` did, and
the forecast (a table, JSON, or with --chart a picture drawn by plotext)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger_cli.domain.money import Currency, format_amount, stored_currency
from ledger_cli.domain.schedules import kind_label
from ledger_cli.view.output import Output, clean

if TYPE_CHECKING:
    from ledger_cli.app.schedules import Due, Forecast, PostedDue
    from ledger_cli.domain.schedules import Schedule

def _money(minor: int, cur: Currency) -> str:
    return format_amount(minor, cur, grouping=True)


def schedule_record(schedule: Schedule, next_day: date | None) -> dict[str, Any]:
    """A schedule as `schedule list --json` gives it."""
    cur = stored_currency(schedule.currency)
    return {
        "name": schedule.name,
        "type": schedule.kind,
        "amount": format_amount(schedule.amount, cur),
        "currency": cur.code,
        "account": schedule.account,
        "to": schedule.to,
        "every": str(schedule.every),
        "start": schedule.start.isoformat(),
        "until": None if schedule.until is None else schedule.until.isoformat(),
        "count": schedule.times,
        "next": None if next_day is None else next_day.isoformat(),
        "payee": schedule.payee,
        "memo": schedule.memo,
        "category": schedule.category,
        "stopped": None if schedule.stopped is None else schedule.stopped.isoformat(),
    }


def schedule_listing(
    output: Output, found: Sequence[tuple[Schedule, date | None]], *, as_json: bool
) -> None:
    if as_json:
        output.json([schedule_record(schedule, day) for schedule, day in found])
        return
    if not found:
        output.line("No schedules. Add one: ledger schedule add rent check 1500 --every month")
        return
    rows = []
    for schedule, day in found:
        cur = stored_currency(schedule.currency)
        ends = (
            f"until {schedule.until.isoformat()}" if schedule.until is not None
            else f"{schedule.times} times" if schedule.times is not None else ""
        )
        if schedule.stopped is not None:
            ends = f"stopped after {schedule.stopped.isoformat()}"
        rows.append([
            schedule.name,
            kind_label(schedule.kind),
            _money(schedule.amount, cur),
            _where(schedule),
            str(schedule.every),
            schedule.start.isoformat(),
            ends,
            "ended" if day is None else day.isoformat(),
            schedule.payee or "",
            schedule.category or "",
        ])
    output.table(
        ["name", "type", "amount", "account", "every", "from", "ends", "next", "payee",
         "category"],
        rows,
        right=[2],
        wrap=[8, 9],
    )


def _where(schedule: Schedule) -> str:
    """Its account, or a transfer's two: `checking -> savings`."""
    return f"{schedule.account} -> {schedule.to}" if schedule.to else schedule.account


def due_record(item: Due) -> dict[str, Any]:
    schedule = item.schedule
    return {
        "schedule": schedule.name,
        "date": item.date.isoformat(),
        "type": schedule.kind,
        "amount": format_amount(schedule.amount, stored_currency(schedule.currency)),
        "account": schedule.account,
        "to": schedule.to,
        "payee": schedule.payee,
        "category": schedule.category,
    }


def due_listing(output: Output, items: Sequence[Due], through: date, *, as_json: bool) -> None:
    if as_json:
        output.json([due_record(item) for item in items])
        return
    if not items:
        output.line(f"Nothing is due through {through.isoformat()}.")
        return
    count = len(items)
    output.line(
        f"{count} scheduled entr{'y is' if count == 1 else 'ies are'} due through "
        f"{through.isoformat()} (ledger due --post records them):"
    )
    output.table(
        ["date", "schedule", "type", "amount", "account", "payee"],
        [
            [
                item.date.isoformat(),
                item.schedule.name,
                kind_label(item.schedule.kind),
                _money(item.schedule.amount, stored_currency(item.schedule.currency)),
                _where(item.schedule),
                item.schedule.payee or "",
            ]
            for item in items
        ],
        right=[3],
        wrap=[5],
    )


def posted(output: Output, result: PostedDue, *, as_json: bool) -> None:
    """`due --post`: each occurrence recorded (its result line) and each denied (on stderr,
    with the reason)."""
    from ledger_cli.view.outcome import DRY_RUN, line, record

    if as_json:
        output.json({
            "through": result.through.isoformat(),
            "posted": [
                {"schedule": item.schedule.name, "date": item.date.isoformat(), **record(done)}
                for item, done in result.posted
            ],
            "denied": [
                {"schedule": item.schedule.name, "date": item.date.isoformat(), "reason": why}
                for item, why in result.denied
            ],
            **({"dry_run": True} if result.dry_run else {}),
        })
        return
    for _, done in result.posted:
        for warning in done.warnings:
            output.warn(warning)
        output.line(line(done))
    for item, why in result.denied:
        output.err.write(
            clean(f"ledger: {item.schedule.name} due {item.date.isoformat()} was not posted: "
                  f"{why}; it stays due") + "\n"
        )
    if not result.posted and not result.denied:
        prefix = DRY_RUN if result.dry_run else ""
        output.line(f"{prefix}Nothing is due through {result.through.isoformat()}; nothing posted.")


def forecast_record(data: Forecast) -> dict[str, Any]:
    cur = data.currency

    def point(found: tuple[date, int] | None) -> dict[str, str] | None:
        if found is None:
            return None
        return {"date": found[0].isoformat(), "balance": format_amount(found[1], cur)}

    return {
        "account": data.account,
        "currency": cur.code,
        "from": data.start.isoformat(),
        "through": data.through.isoformat(),
        "overdraft_limit": format_amount(data.overdraft_limit, cur),
        "start_balance": format_amount(data.start_balance, cur),
        "items": [
            {
                "date": item.day.isoformat(),
                "source": item.source,
                "ref": item.ref,
                "schedule": item.schedule,
                "due": None if item.due is None else item.due.isoformat(),
                "type": item.kind,
                "payee": item.payee,
                "amount": format_amount(item.amount, cur),
                "balance": format_amount(item.balance, cur),
            }
            for item in data.items
        ],
        "lowest": point(data.lowest),
        "first_overdraft": point(data.first_overdraft),
        "known_at": data.known_at,
    }


def overdraft_warning(data: Forecast) -> str | None:
    if data.first_overdraft is None:
        return None
    day, balance = data.first_overdraft
    cur = data.currency
    return (
        f"{data.account} would fall to {_money(balance, cur)} on {day.isoformat()}, below its "
        f"overdraft limit of {_money(data.overdraft_limit, cur)} (ledger forecast)"
    )


def forecasts(output: Output, found: Sequence[Forecast], *, as_json: bool, single: bool) -> None:
    """The forecasts as a table each, or JSON (one object, a list with --all); the first
    day below the overdraft limit is a warning on stderr."""
    for data in found:
        warning = overdraft_warning(data)
        if warning is not None:
            output.warn(warning)
    if as_json:
        records = [forecast_record(data) for data in found]
        output.json(records[0] if single else records)
        return
    for number, data in enumerate(found):
        if number:
            output.line()
        _forecast_text(output, data)


def _forecast_text(output: Output, data: Forecast) -> None:
    cur = data.currency
    output.line(
        f"Forecast of {data.account} ({cur.code}) from {data.start.isoformat()} through "
        f"{data.through.isoformat()}"
    )
    rows = [[data.start.isoformat(), "today", "", "", "", "", _money(data.start_balance, cur)]]
    for item in data.items:
        what = item.ref or item.schedule or ""
        if item.due is not None and item.due != item.day:
            what += f" (due {item.due.isoformat()})"
        rows.append([
            item.day.isoformat(),
            item.source,
            what,
            item.kind,
            item.payee or "",
            _money(item.amount, cur),
            _money(item.balance, cur),
        ])
    output.table(
        ["date", "source", "ref/schedule", "type", "payee", "amount", "balance"],
        rows,
        right=[5, 6],
        wrap=[4],
    )
    day, low = data.lowest
    output.line(f"Lowest: {_money(low, cur)} on {day.isoformat()}.")
    if data.first_overdraft is None:
        output.line(
            f"Never below the overdraft limit of {_money(data.overdraft_limit, cur)}."
        )
    else:
        first_day, balance = data.first_overdraft
        output.line(
            f"First day below the overdraft limit of {_money(data.overdraft_limit, cur)}: "
            f"{first_day.isoformat()} ({_money(balance, cur)})."
        )


def forecast_picture(data: Forecast, *, width: int, height: int, color: bool) -> str:
    """The projected balance at the end of each day from today through the forecast's last
    day, with the overdraft limit as a line."""
    from datetime import timedelta

    from ledger_cli.view.chart import plotext, ticks

    plt = plotext("forecast")
    cur = data.currency
    ends: dict[date, int] = {}
    for item in data.items:
        ends[item.day] = item.balance
    days = (data.through - data.start).days + 1
    balances = []
    balance = data.start_balance
    for offset in range(days):
        balance = ends.get(data.start + timedelta(days=offset), balance)
        balances.append(balance)
    xs = list(range(1, days + 1))
    floor = -data.overdraft_limit
    plt.clear_figure()
    plt.plot_size(width, height)
    if not color:
        plt.theme("clear")
    plt.plot(xs, balances, marker="braille", color="cyan")
    plt.plot(xs, [floor] * days, marker="braille", color="red")
    # A short title: plotext leaves out one wider than the plot.
    plt.title(f"{data.account} ({cur.code}): projected balance; flat line: overdraft limit")
    low, high = min([*balances, floor]), max([*balances, floor])
    yticks = ticks(low, high, cur, zero=False)
    plt.xlim(0, days + 1)
    plt.ylim(yticks[0][0], yticks[0][-1])
    plt.yticks(*yticks)
    labels = [(data.start + timedelta(days=x - 1)).isoformat() for x in xs]
    # The first, middle and last days only: plotext places more labels differently from one
    # run to the next.
    marks = sorted({1, (days + 1) // 2, days})
    plt.xticks(marks, [labels[x - 1] for x in marks])
    text = str(plt.build())
    return text if color else str(plt.uncolorize(text))


def reminder_line(count: int) -> str:
    return (
        f"{count} scheduled entr{'y is' if count == 1 else 'ies are'} due: ledger due"
    )

