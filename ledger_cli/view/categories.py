"""What the commands of where the money went print: the report (a table that fits the
terminal, JSON, CSV, or a bar chart of spending), the rules and the budgets."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ledger_cli.domain.money import Currency, format_amount, stored_currency
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

    def money(values: Mapping[str, int | None]) -> dict[str, str | None]:
        return {
            label: None if values[label] is None else format_amount(int(values[label] or 0), cur)
            for label in report.periods
        }

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
            item["scheduled"] = None if row.scheduled is None else money(row.scheduled)
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
    grouped = reports[0].grouped_by if reports else "category"
    columns = ["currency", "section", grouped, "depth", *labels, "total"]
    if budget:
        columns += ["budget_total", "left_total", "over"]
    lines = []
    for item in reports:
        cur = item.currency
        for row in item.rows:
            line: dict[str, Any] = {
                "currency": cur.code,
                "section": row.section,
                grouped: row.name,
                "depth": row.depth,
                **{label: format_amount(row.amounts[label], cur) for label in item.periods},
                "total": format_amount(row.total, cur),
            }
            if budget:
                line["budget_total"] = _total(row.budget, cur)
                line["left_total"] = _total(row.left, cur)
                line["over"] = " ".join(row.over)
            lines.append(line)
        for name, values in (
            ("income", item.income), ("spending", item.spending), ("net", item.net)
        ):
            line = {
                "currency": cur.code,
                "section": "total",
                grouped: name,
                "depth": 0,
                **{label: format_amount(values[label], cur) for label in item.periods},
                "total": format_amount(sum(values.values()), cur),
            }
            lines.append(line)
    output.csv(columns, ({key: line.get(key) for key in columns} for line in lines))


def _total(values: Mapping[str, int | None] | None, cur: Currency) -> str | None:
    """The sum of the periods that have a value (a budget, what is left); None if none has."""
    if values is None or all(value is None for value in values.values()):
        return None
    return format_amount(sum(value for value in values.values() if value is not None), cur)


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
    names = _tree_names(item, limit=max(16, width // 3))
    lines: list[tuple[str, dict[str, int], int]] = []
    for section in ("income", "spending"):
        rows_of = [
            (name, row.amounts, row.total)
            for name, row in zip(names, item.rows, strict=True)
            if row.section == section
        ]
        if rows_of:
            lines += [(section, {}, 0), *rows_of]
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


def _tree_names(item: Report, *, limit: int) -> list[str]:
    """The first column: each row indented by its level, a child by its last level under its
    parent (its full name when its parent is not the row above it in its section), and cut
    at `limit` characters so that the periods keep their room."""
    names = []
    shown: set[tuple[str, str]] = set()
    for row in item.rows:
        parent, _, leaf = row.name.rpartition(":")
        under = item.grouped_by == "category" and parent and (row.section, parent) in shown
        name = ("  " * row.depth) + (leaf if under else row.name)
        shown.add((row.section, row.name))
        names.append(name if len(name) <= limit else name[: limit - 1] + "…")
    return names


def _budget_text(output: Output, item: Report) -> None:
    cur = item.currency
    rows = []
    for row in item.rows:
        if row.budget is None or row.left is None:
            continue
        for label in item.periods:
            budget, left = row.budget[label], row.left[label]
            if budget is None or left is None:
                continue  # no budget in force in that period
            coming = (row.scheduled or {}).get(label)
            mark = "OVER" if label in row.over else ""
            if not mark and coming and coming > left:
                mark = "over with scheduled"
            rows.append(
                [
                    row.name,
                    label,
                    format_amount(budget, cur, grouping=True),
                    format_amount(row.amounts[label], cur, grouping=True),
                    "" if coming is None else format_amount(coming, cur, grouping=True),
                    format_amount(left, cur, grouping=True),
                    mark,
                ]
            )
    output.line()
    if not rows:
        output.line("No budget is set for these categories (`ledger budget CATEGORY AMOUNT`).")
        return
    if not any(row[4] for row in rows):
        # No schedule has spending to come: no column for it.
        rows = [row[:4] + row[5:] for row in rows]
        headers = ["category", "period", "budget", "actual", "left", ""]
    else:
        headers = ["category", "period", "budget", "actual", "scheduled", "left", ""]
    output.table(
        headers,
        rows,
        right=tuple(range(2, len(headers) - 1)),
        title=f"Budget and actual spending ({cur.code})",
    )


def chart(output: Output, reports: Sequence[Report]) -> None:
    """Spending per category over the report's range, as horizontal bars (plotext)."""
    import os

    from ledger_cli.view.chart import plotext

    plt = plotext("report")

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
    steps = [
        (category, stored_currency(code), month, amount)
        for (category, code), found in budgets.items()
        for month, amount in found
    ]
    if as_json:
        output.json(
            [
                {
                    "category": category,
                    "currency": cur.code,
                    "from": month,
                    "amount": format_amount(amount, cur),
                }
                for category, cur, month, amount in steps
            ]
        )
        return
    if not steps:
        output.line("No budgets. Set one: ledger budget CATEGORY AMOUNT [--from YYYY-MM]")
        return
    output.table(
        ["category", "from", "monthly", "currency"],
        [
            [category, month, format_amount(amount, cur) if amount else "removed", cur.code]
            for category, cur, month, amount in steps
        ],
        right=(2,),
    )
