"""`ledger report` (SPEC 11): money in and out by category and period, with budgets.

The nets come from the read models (each account's net per category and day, summed by
period in the store) when they describe the log as asked; a report as known at an earlier
moment, by payee, or on a file whose read models are stale folds the log itself
(`_fold`). Either way the same records come out, and the view prints them as a table, JSON
or CSV.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from ledger_cli.app.categories import budgets as budget_steps
from ledger_cli.domain.categories import allocation, levels, within
from ledger_cli.domain.events import MONEY_TYPES, TRANSFER_TYPES, EventType
from ledger_cli.domain.money import DEFAULT_CURRENCY, Currency, stored_currency
from ledger_cli.domain.periods import label_of, periods
from ledger_cli.errors import InvalidValue

if TYPE_CHECKING:
    from ledger_cli.app.snapshot import Snapshot

NO_PAYEE = "(no payee)"
_VOIDS = (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)


class ReportRow(NamedTuple):
    """A category (or payee) of the report: its amounts per period label, in the sense of its
    section (spending positive), and with --budget its budget, what is left, and the labels
    where it is over."""

    name: str
    depth: int
    section: str  # income | spending
    amounts: dict[str, int]
    total: int
    budget: dict[str, int | None] | None = None  # by label; None where no budget is in force
    left: dict[str, int | None] | None = None
    over: list[str] = []
    # The scheduled spending still to come in the period that holds today (occurrences not
    # yet posted or skipped, from today through the period's end; None in other periods).
    scheduled: dict[str, int | None] | None = None


class Report(NamedTuple):
    """The report of one currency."""

    by: str
    since: date | None
    as_of: date | None
    known_at: str | None
    currency: Currency
    periods: list[str]
    rows: list[ReportRow]
    income: dict[str, int]
    spending: dict[str, int]
    grouped_by: str  # category | payee
    with_budget: bool

    @property
    def net(self) -> dict[str, int]:
        return {label: self.income[label] - self.spending[label] for label in self.periods}


class Options(NamedTuple):
    accounts: Sequence[str] | None = None  # None: every account
    by: str = "month"
    since: date | None = None
    as_of: date | None = None
    known_at: datetime | None = None
    depth: int | None = None
    prefix: str | None = None
    by_payee: bool = False
    budget: bool = False


# (account, category or payee, period label, net, first day, last day)
Net = tuple[str, str, str, int, str, str]


def report(queries: Snapshot, options: Options) -> list[Report]:
    """One report per currency of the accounts chosen, as `options` ask."""
    if options.budget and options.by == "week":
        raise InvalidValue("--budget needs --by month, quarter or year (budgets are monthly)")
    if options.budget and options.by_payee:
        raise InvalidValue("--budget and --payee cannot be used together (budgets are by category)")
    known = queries.accounts_known(options.known_at)
    names = sorted(known) if options.accounts is None else list(dict.fromkeys(options.accounts))
    for name in names:
        queries.account(name, options.known_at)
    nets = _nets(queries, names, options)
    budgets = budget_steps(queries, options.known_at) if options.budget else {}
    coming = _scheduled(queries, names, options) if options.budget else {}
    by_currency: dict[str, list[Net]] = defaultdict(list)
    currencies = {name: known[name].currency for name in names}
    for net in nets:
        by_currency[currencies[net[0]].code].append(net)
    for code in {currencies[name].code for name in names}:
        by_currency.setdefault(code, [])
    if not by_currency:
        # No account yet (or none known at --known-at): an empty report, not no answer.
        empty = stored_currency(DEFAULT_CURRENCY)
        return [_build(queries, options, empty, [], {})]
    found = []
    for code in sorted(by_currency):
        cur = next(c for c in currencies.values() if c.code == code)
        steps = {cat: s for (cat, c), s in budgets.items() if c == code}
        scheduled = {cat: amount for (c, cat), amount in coming.items() if c == code}
        found.append(_build(queries, options, cur, by_currency[code], steps, scheduled))
    return found


def in_use(queries: Snapshot) -> list[str]:
    """Every category the ledger's entries have now, with its parents, in tree order (what
    completion offers)."""
    found: set[str] = set()
    for part in report(queries, Options(by="year")):
        found.update(row.name for row in part.rows)
    for name in list(found):
        found.update(levels(name))
    return sorted(found)


def sections(
    queries: Snapshot, as_of: date | None, known_at: datetime | None
) -> dict[tuple[str, str], str]:
    """The section of each first-level category over the whole ledger (every account, every
    entry by `as_of`, as known at `known_at`), per currency: (currency code, category) ->
    income or spending, as a report over that range places its row and all of its subtree's
    money in the totals. The exports name their counter accounts by it, so that hledger's
    income statement agrees with the report."""
    known = queries.accounts_known(known_at)
    names = sorted(known)
    totals: dict[tuple[str, str], int] = defaultdict(int)
    every = Options(by="year", as_of=as_of, known_at=known_at)
    for account, name, _, net, _, _ in _nets(queries, names, every):
        totals[(known[account].currency.code, levels(name)[0])] += net
    return {key: "income" if total > 0 else "spending" for key, total in totals.items()}


def _nets(queries: Snapshot, names: list[str], options: Options) -> list[Net]:
    """The nets per account, category (or payee) and period, from the read models when they
    answer, else folded from the log."""
    known = queries.known_text(options.known_at)
    if queries.reads_now(known) and not options.by_payee and names:
        sql_by = "day" if options.by == "week" else options.by
        found = queries.store.category_nets(names, options.since, options.as_of, sql_by)
        if all(net is not None for _, _, _, net, _, _ in found):
            if options.by != "week":
                return _merge(
                    (account, name, label, net or 0, first, last)
                    for account, name, label, net, first, last in found
                )
            return _merge(
                (account, name, label_of(date.fromisoformat(day), "week"), net or 0, day, day)
                for account, name, day, net, _, _ in found
            )
    return _fold(queries, set(names), options, known)


def _merge(nets: Iterable[Net]) -> list[Net]:
    """One net per (account, category, label): the sum, from the first day to the last. A net
    of zero stays: its entries (an entry and its void) still start or end the periods."""
    merged: dict[tuple[str, str, str], tuple[int, str, str]] = {}
    for account, name, label, net, first, last in nets:
        key = (account, name, label)
        if key in merged:
            total, earliest, latest = merged[key]
            net, first, last = total + net, min(earliest, first), max(latest, last)
        merged[key] = (net, first, last)
    return [(*key, *step) for key, step in merged.items()]


def _fold(queries: Snapshot, names: set[str], options: Options, known: str | None) -> list[Net]:
    """The nets folded from the log as known at `known`: each money event in reports, in the
    category its transaction had then (the last TransactionCategorized recorded by then, else
    its own), or under its payee."""
    from ledger_cli.app.filters import recategorized
    from ledger_cli.app.projections import parse_details

    store = queries.store
    overrides = recategorized(queries, known)
    transfers: set[str] = set()
    payees: dict[str, str] = {}
    days: dict[tuple[str, str, str], int] = defaultdict(int)
    since = options.since.isoformat() if options.since else ""
    through = options.as_of.isoformat() if options.as_of else "9999-99-99"
    for row in store.rows(queries.known_filter(known, types=MONEY_TYPES)):
        if row.type in TRANSFER_TYPES:
            transfers.add(row.ref)
            continue
        details = parse_details(row.details)
        target = details.get("voids") or details.get("restores")
        if row.type in _VOIDS and "category" not in details and "split" not in details:
            if target in transfers:
                continue  # a void of a transfer, from before categories
        if target is None and isinstance(details.get("payee"), str):
            payees[row.ref] = details["payee"]
        if row.account not in names or not since <= row.date <= through:
            continue
        if options.by_payee:
            payee = details.get("payee") or payees.get(str(target)) or NO_PAYEE
            days[(row.account, str(payee), row.date)] += row.amount
            continue
        for name, amount in allocation(overrides.get(row.ref, details), row.amount):
            days[(row.account, name, row.date)] += amount
    return _merge(
        (account, name, label_of(date.fromisoformat(day), options.by), net, day, day)
        for (account, name, day), net in days.items()
    )


def _build(
    queries: Snapshot,
    options: Options,
    cur: Currency,
    nets: list[Net],
    budgets: dict[str, list[tuple[str, int]]],
    scheduled: dict[str, int] | None = None,
) -> Report:
    """The rows and totals of one currency's report. Each category shows its subtree: its own
    entries and its children's; its section is that of its subtree's net over the report (so a
    refund within `food` lowers food's spending, and shows as negative spending in its own
    row). The totals are those of the outermost rows, so that each entry counts once."""
    if options.prefix is not None:
        nets = [net for net in nets if within(net[1], options.prefix)]
    first = options.since or (date.fromisoformat(min(net[4] for net in nets)) if nets else None)
    last = options.as_of or (date.fromisoformat(max(net[5] for net in nets)) if nets else None)
    labels: list[str] = []
    window: tuple[date, date] | None = None
    if first is not None and last is not None and first <= last:
        labels = [label_of(start, options.by) for start, _ in periods(first, last, options.by)]
        window = (first, last)
    subtree: dict[str, dict[str, int]] = {}
    for _, name, label, net, _, _ in nets:
        names = [name] if options.by_payee else levels(name)
        for level in names:
            if options.prefix is None or within(level, options.prefix):
                amounts = subtree.setdefault(level, dict.fromkeys(labels, 0))
                if label in amounts:
                    amounts[label] += net
    if options.budget:
        for name in budgets:
            if options.prefix is None or within(name, options.prefix):
                subtree.setdefault(name, dict.fromkeys(labels, 0))
    section = {
        name: "income" if sum(amounts.values()) > 0 else "spending"
        for name, amounts in subtree.items()
    }
    outermost = min((_depth(name, options) for name in subtree), default=1)
    income = dict.fromkeys(labels, 0)
    spending = dict.fromkeys(labels, 0)
    rows = []
    for kind in ("income", "spending"):
        sign = 1 if kind == "income" else -1
        for name in sorted(subtree):
            if section[name] != kind:
                continue
            values = {label: sign * subtree[name][label] for label in labels}
            depth = _depth(name, options)
            if depth == outermost:
                for label in labels:
                    (income if kind == "income" else spending)[label] += values[label]
            if options.depth is not None and depth > options.depth:
                continue
            row = ReportRow(name, depth, kind, values, sum(values.values()))
            if options.budget and kind == "spending" and name in budgets and window:
                row = _with_budget(row, budgets[name], labels, options.by, window)
                row = _with_scheduled(row, scheduled or {}, labels, options.by)
            elif not any(values.values()):
                continue  # nothing moved here in the report's periods
            rows.append(row)
    return Report(
        options.by,
        options.since,
        options.as_of,
        queries.knowledge(options.known_at),
        cur,
        labels,
        rows,
        income,
        spending,
        "payee" if options.by_payee else "category",
        options.budget,
    )


def _depth(name: str, options: Options) -> int:
    return 1 if options.by_payee else name.count(":") + 1


def _with_budget(
    row: ReportRow,
    steps: list[tuple[str, int]],
    labels: list[str],
    by: str,
    window: tuple[date, date],
) -> ReportRow:
    """A spending row with the budget of each period, what is left, and the periods over
    budget. A period's budget is the sum of the monthly budgets in force in its months that
    the report covers (a year cut at --since and --as-of has the budget of those months);
    a period in which no budget is in force has none (null), and is never over."""
    from ledger_cli.domain.categorizing import budget_in

    first, last = (day.isoformat()[:7] for day in window)
    budget: dict[str, int | None] = {}
    for label in labels:
        months = [month for month in _months(label, by) if first <= month <= last]
        amounts = [budget_in(steps, month) for month in months]
        budget[label] = sum(amounts) if any(amounts) else None
    left = {
        label: None if amount is None else amount - row.amounts[label]
        for label, amount in budget.items()
    }
    over = [
        label for label, amount in budget.items()
        if amount is not None and row.amounts[label] > amount
    ]
    return row._replace(budget=budget, left=left, over=over)


def _scheduled(
    queries: Snapshot, names: Sequence[str], options: Options
) -> dict[tuple[str, str], int]:
    """(currency code, category) -> the spending the schedules of `names` still have to post
    in the period of `options.by` that holds today: the occurrences neither posted nor
    skipped through that period's end (an overdue one is still to come). Their category is
    the schedule's, else the one a rule or the payee's last would give."""
    from ledger_cli.app.categories import rules as rules_known
    from ledger_cli.app.schedules import handled, pending, schedules
    from ledger_cli.domain.categories import resolve
    from ledger_cli.domain.dates import today
    from ledger_cli.domain.periods import period_end
    from ledger_cli.domain.state import LazyMap

    end = period_end(today(), options.by)
    found = [
        schedule for schedule in schedules(queries, options.known_at).values()
        if schedule.kind in ("check", "withdraw", "fee") and schedule.account in names
    ]
    if not found:
        return {}
    rules = rules_known(queries, options.known_at)
    payees: LazyMap[str, str] = LazyMap(queries.store.payee_category)
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for item in pending(found, handled(queries, options.known_at), end):
        schedule = item.schedule
        category = schedule.category or resolve(rules, payees, schedule.payee)[0]
        totals[(schedule.currency, category)] += schedule.amount
    return totals


def _with_scheduled(
    row: ReportRow, scheduled: dict[str, int], labels: list[str], by: str
) -> ReportRow:
    """A budgeted row with the scheduled spending still to come in its subtree, in the
    period that holds today (when the report shows it)."""
    from ledger_cli.domain.dates import today

    current = label_of(today(), by)
    amount = sum(value for name, value in scheduled.items() if within(name, row.name))
    return row._replace(
        scheduled={label: amount if label == current else None for label in labels}
    )


def _months(label: str, by: str) -> list[str]:
    """The months (YYYY-MM) of a period label of `by`."""
    if by == "month":
        return [label]
    year = int(label[:4])
    if by == "quarter":
        quarter = int(label[-1])
        return [f"{year:04d}-{month:02d}" for month in range(quarter * 3 - 2, quarter * 3 + 1)]
    return [f"{year:04d}-{month:02d}" for month in range(1, 13)]

