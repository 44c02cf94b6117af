"""What the commands of where the money went print: the report (a table that fits the
terminal, JSON, CSV, or a bar chart of spending), the rules and the budgets."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledger_cli.domain.money import format_amount, stored_currency
from ledger_cli.errors import Denied
from ledger_cli.view.output import Output, cell_width

if TYPE_CHECKING:
    from ledger_cli.app.categories import Budgets
    from ledger_cli.app.report import Report, ReportRow
    from ledger_cli.domain.categories import Rule


# -- the report ----------------------------------------------------------------------------------


def report_json(report: Report) -> dict[str, Any]:
    """SPEC 11: {"by", "since", "as_of", "known_at", "currency", "periods", "rows",
    "totals"}."""
    cur = report.currency

    def money(values: dict[str, int]) -> dict[str, str]:
        return {label: format_amount(values[label], cur) for label in report.periods}

    rows = []
    for row in report.rows:
        item: dict[str, Any] = {
            report.grouped_by: row.name,
            "depth": row.depth,
            "section": row.section,
            "amounts": money(row.amounts),
            "total": format_amount(row.total, cur),
        }
        if report.with_budget:
            item["budget"] = None if row.budget is None else money(row.budget)
            item["left"] = None if row.left is None else money(row.left)
            item["over"] = list(row.over)
        rows.append(item)
    return {
        "by": report.by,
        "since": report.since.isoformat() if report.since else None,
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "known_at": report.known_at,
        "currency": cur.code,
        "periods": list(report.periods),
        "rows": rows,
        "totals": {
            "income": money(report.income),
            "spending": money(report.spending),
            "net": money(report.net),
        },
    }


def report(output: Output, reports: Sequence[Report], *, fmt: str) -> None:
    if fmt == "json":
        items = [report_json(item) for item in reports]
        output.json(items[0] if len(items) == 1 else items)
        return
    if fmt == "csv":
        _csv(output, reports)
        return
    width = shutil.get_terminal_size((80, 24)).columns
    for index, item in enumerate(reports):
        if index:
            output.line()
        _text(output, item, width)


def _csv(output: Output, reports: Sequence[Report]) -> None:
    labels = list(dict.fromkeys(label for item in reports for label in item.periods))
    budget = any(item.with_budget for item in reports)
    columns = ["currency", "section", "category", "depth", *labels, "total"]
    if budget:
        columns += ["budget_total", "left_total", "over"]
    lines = []
    for item in reports:
        cur = item.currency
        for row in item.rows:
            line: dict[str, Any] = {
                "currency": cur.code,
                "section": row.section,
                "category": row.name,
                "depth": row.depth,
                **{label: format_amount(row.amounts[label], cur) for label in item.periods},
                "total": format_amount(row.total, cur),
            }
            if budget:
                line["budget_total"] = (
                    None if row.budget is None else format_amount(sum(row.budget.values()), cur)
                )
                line["left_total"] = (
                    None if row.left is None else format_amount(sum(row.left.values()), cur)
                )
                line["over"] = " ".join(row.over)
            lines.append(line)
        for name, values in (
            ("income", item.income), ("spending", item.spending), ("net", item.net)
        ):
            line = {
                "currency": cur.code,
                "section": "total",
                "category": name,
                "depth": 0,
                **{label: format_amount(values[label], cur) for label in item.periods},
                "total": format_amount(sum(values.values()), cur),
            }
            lines.append(line)
    output.csv(columns, ({key: line.get(key) for key in columns} for line in lines))


def _text(output: Output, item: Report, width: int) -> None:
    cur = item.currency

    def money(minor: int) -> str:
        return format_amount(minor, cur, grouping=True)

    what = "payee" if item.grouped_by == "payee" else "category"
    title = f"By {what} and {item.by} ({cur.code})"
    if item.known_at:
        title += f", as known at {item.known_at}"
    if not item.periods:
        output.line(f"{title}: nothing was spent or received in these periods.")
        return
    names = [("  " * row.depth) + row.name for row in item.rows]
    lines: list[tuple[str, dict[str, int], int]] = []
    for section in ("income", "spending"):
        lines.append((section, {}, 0))
        lines += [
            (name, row.amounts, row.total)
            for name, row in zip(names, item.rows, strict=True)
            if row.section == section
        ]
    totals = [
        ("income total", item.income, sum(item.income.values())),
        ("spending total", item.spending, sum(item.spending.values())),
        ("net", item.net, sum(item.net.values())),
    ]
    lines += totals
    first = max(cell_width(name) for name, _, _ in [*lines, (what, {}, 0)])
    total_width = max(len("total"), *(len(money(total)) for _, _, total in lines))

    def column(label: str) -> int:
        cells = [money(values[label]) for _, values, _ in lines if values]
        return max(len(label), *(len(cell) for cell in cells))

    # The latest periods that fit beside the names and the total.
    room = width - first - total_width - 2
    shown: list[str] = []
    for label in reversed(item.periods):
        need = column(label) + 2
        if room - need < 0 and shown:
            break
        room -= need
        shown.insert(0, label)
    left_out = len(item.periods) - len(shown)
    headers = [what, *shown, "total"]
    rows = []
    for name, values, total in lines:
        if not values and name in ("income", "spending"):
            rows.append([name.upper(), *([""] * len(shown)), ""])
            continue
        rows.append([name, *(money(values[label]) for label in shown), money(total)])
    output.table(headers, rows, right=range(1, len(headers)), title=title)
    if left_out:
        noun = f"{item.by}{'s' if left_out != 1 else ''}"
        output.line(
            f"({left_out} earlier {noun} left out to fit {width} columns; the total covers them)"
        )
    if item.with_budget:
        _budget_text(output, item)


def _budget_text(output: Output, item: Report) -> None:
    cur = item.currency
    rows = []
    for row in item.rows:
        if row.budget is None or row.left is None:
            continue
        for label in item.periods:
            rows.append(
                [
                    row.name,
                    label,
                    format_amount(row.budget[label], cur, grouping=True),
                    format_amount(row.amounts[label], cur, grouping=True),
                    format_amount(row.left[label], cur, grouping=True),
                    "OVER" if label in row.over else "",
                ]
            )
    output.line()
    if not rows:
        output.line("No budget is set for these categories (`ledger budget CATEGORY AMOUNT`).")
        return
    output.table(
        ["category", "period", "budget", "actual", "left", ""],
        rows,
        right=(2, 3, 4),
        title=f"Budget and actual spending ({cur.code})",
    )


def chart(output: Output, reports: Sequence[Report]) -> None:
    """Spending per category over the report's range, as horizontal bars (plotext)."""
    try:
        import plotext as plt
    except ImportError:
        raise Denied(
            "the chart needs the plotext package, which is not installed "
            "(pip install plotext; `ledger report --json` works without it)"
        ) from None
    import os

    width = shutil.get_terminal_size((100, 30)).columns
    color = output.terminal and "NO_COLOR" not in os.environ
    for item in reports:
        rows = _top_level_spending(item)
        if not rows:
            output.line(f"No spending in {item.currency.code} in these periods.")
            continue
        plt.clear_figure()
        plt.plot_size(width, max(len(rows) * 2 + 6, 10))
        if not color:
            plt.theme("clear")
        names = [row.name for row in rows]
        plt.bar(names, [row.total for row in rows], orientation="horizontal")
        first, last = item.periods[0], item.periods[-1]
        plt.title(f"spending by category, {first} to {last} ({item.currency.code})")
        plt.xticks([], [])
        text = plt.build()
        output.line(text if color else str(plt.uncolorize(text)))
        for row in rows:
            output.line(f"  {row.name}: {format_amount(row.total, item.currency, grouping=True)}")


def _top_level_spending(item: Report) -> list[ReportRow]:
    """The spending rows of the shallowest depth shown, largest first."""
    spending = [row for row in item.rows if row.section == "spending" and row.total]
    if not spending:
        return []
    depth = min(row.depth for row in spending)
    return sorted(
        (row for row in spending if row.depth == depth), key=lambda row: (-row.total, row.name)
    )


# -- rules and budgets ---------------------------------------------------------------------------


def rule_listing(output: Output, rules: Sequence[Rule], *, as_json: bool) -> None:
    if as_json:
        output.json(
            [
                {"id": r.id, "pattern": r.pattern, "category": r.category, "payee": r.payee}
                for r in rules
            ]
        )
        return
    if not rules:
        output.line("No rules. Add one: ledger rule add PATTERN -c CATEGORY")
        return
    output.table(
        ["id", "pattern", "category", "payee"],
        [[str(r.id), r.pattern, r.category, r.payee or ""] for r in rules],
        right=(0,),
        wrap=(1, 3),
    )


def budget_listing(output: Output, budgets: Budgets, *, as_json: bool) -> None:
    items = []
    for (category, code), steps in budgets.items():
        cur = stored_currency(code)
        for month, amount in steps:
            items.append(
                {
                    "category": category,
                    "currency": code,
                    "from": month,
                    "amount": format_amount(amount, cur),
                }
            )
    if as_json:
        output.json(items)
        return
    if not items:
        output.line("No budgets. Set one: ledger budget CATEGORY AMOUNT [--from YYYY-MM]")
        return
    output.table(
        ["category", "from", "monthly", "currency"],
        [
            [
                item["category"],
                item["from"],
                "removed" if not int(item["amount"].replace(".", "")) else item["amount"],
                item["currency"],
            ]
            for item in items
        ],
        right=(2,),
    )
