"""`ledger chart` as it is printed: the series (app/series.py) as JSON, and as a picture in the
terminal drawn by plotext (which only this module imports, and only when it draws). Amounts
stay integers of minor units: plotext draws integers, and the axis labels are printed by
money.format_amount.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledger_cli.domain.money import Currency, format_amount
from ledger_cli.errors import Denied

if TYPE_CHECKING:
    from ledger_cli.app.series import Series


def series_json(data: Series) -> list[dict[str, Any]]:
    """`chart --json`: [{"period", "start", "end", "balance", "deposits", "withdrawals",
    "known_at"}], `known_at` being the knowledge time the chart answers from."""
    cur = data.account.currency
    return [
        {
            "period": p.label,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "balance": format_amount(p.balance, cur),
            "deposits": format_amount(p.deposits, cur),
            "withdrawals": format_amount(p.withdrawals, cur),
            "known_at": data.known_at,
        }
        for p in data.periods
    ]


def ticks(
    low: int, high: int, cur: Currency, *, zero: bool, count: int = 5
) -> tuple[list[int], list[str]]:
    """Axis ticks at round amounts (1, 2 or 5 times a power of ten, in minor units) from
    below `low` to above `high` (and through 0 when `zero`), with their labels."""
    if zero:
        low, high = min(low, 0), max(high, 0)
    if high == low:
        low, high = low - 100, high + 100
    wanted = -(-(high - low) // count)
    step = 10 ** (len(str(wanted)) - 1)
    step *= next(m for m in (1, 2, 5, 10) if step * m >= wanted)
    first = (low // step) * step
    ticks = list(range(first, high + step, step))
    return ticks, [format_amount(t, cur, grouping=True) for t in ticks]


def _x_ticks(labels: Sequence[str], width: int) -> tuple[list[int], list[str]]:
    room = max(width // (max(len(label) for label in labels) + 2), 1)
    every = max(-(-len(labels) // room), 1)
    xs = list(range(1, len(labels) + 1, every))
    return xs, [labels[x - 1] for x in xs]


def _axes(
    plt: Any, yticks: tuple[list[int], list[str]], labels: Sequence[str], width: int
) -> None:
    """The same frame for both plots: periods 1..n on x, round amounts on y."""
    plt.xlim(0, len(labels) + 1)
    plt.ylim(yticks[0][0], yticks[0][-1])
    plt.yticks(*yticks)
    plt.xticks(*_x_ticks(labels, width - 12))


def plotext(command: str) -> Any:
    """plotext, imported only by the commands that draw; Denied when it is not installed,
    saying that `ledger COMMAND --json` works without it."""
    try:
        import plotext as plt
    except ImportError:
        raise Denied(
            "the chart needs the plotext package, which is not installed "
            f"(pip install plotext; `ledger {command} --json` works without it)"
        ) from None
    return plt


def picture(data: Series, *, width: int, height: int, color: bool) -> str:
    """The balance as a line and the money in (up) and out (down) as bars, one above the
    other, as text for a terminal of `width` columns."""
    plt = plotext("chart")

    cur = data.account.currency
    labels = [p.label for p in data.periods]
    xs = list(range(1, len(labels) + 1))
    balance_height = max(height * 3 // 5, 8)
    parts = []

    plt.clear_figure()
    plt.plot_size(width, balance_height)
    if not color:
        plt.theme("clear")
    plt.plot(xs, [p.balance for p in data.periods], marker="braille", color="cyan")
    plt.title(f"balance of {data.account.name} ({cur.code}) by {data.by}")
    balances = [p.balance for p in data.periods]
    _axes(plt, ticks(min(balances), max(balances), cur, zero=False), labels, width)
    parts.append(plt.build())

    plt.clear_figure()
    plt.plot_size(width, max(height - balance_height, 8))
    if not color:
        plt.theme("clear")
    ins = [p.deposits for p in data.periods]
    outs = [-p.withdrawals for p in data.periods]
    # No legend: plotext draws it inside the plot, over the first bars; the title says
    # which way is which.
    plt.multiple_bar(xs, [ins, outs], color=["green", "red"])
    plt.title("deposits (up) and withdrawals (down)")
    _axes(plt, ticks(min(outs), max(ins), cur, zero=True), labels, width)
    parts.append(plt.build())
    text = "\n".join(parts)
    return text if color else str(plt.uncolorize(text))


def summary(data: Series) -> str:
    cur = data.account.currency
    first, last = data.periods[0], data.periods[-1]
    opening = first.balance - first.deposits + first.withdrawals

    def money(minor: int) -> str:
        return format_amount(minor, cur, grouping=True)

    return (
        f"{data.account.name} ({cur.code}) from {first.start.isoformat()} to "
        f"{last.end.isoformat()} by {data.by}: balance {money(opening)} -> "
        f"{money(last.balance)}; deposits {money(sum(p.deposits for p in data.periods))}, "
        f"withdrawals {money(sum(p.withdrawals for p in data.periods))}"
    )


def terminal_size(out_is_terminal: bool) -> tuple[int, int]:
    """The size to draw at: the terminal's, else a fixed 100 x 30 (for a file or a pipe)."""
    if out_is_terminal:
        size = os.get_terminal_size()
        return max(size.columns, 40), max(size.lines - 2, 16)
    return 100, 30
