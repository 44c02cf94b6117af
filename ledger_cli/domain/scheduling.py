"""The rules of what is coming (SPEC 12): creating and stopping schedules, and posting or
skipping their occurrences, each at most once. The calendar is schedules.py's.

A posting is the ordinary command the schedule describes (a check is denied past the overdraft
limit, an entry in a sealed period needs --force), decided by the decider like any other,
whose money events are then linked to the occurrence (`schedule`, `occurrence`). Schedules and
skips are ledger-wide events that move no money.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ledger_cli.domain.accounts import DEFAULT_ACCOUNT, check_account_name, unknown_account
from ledger_cli.domain.categories import check_category
from ledger_cli.domain.commands import (
    ChargeFee,
    Command,
    CreateSchedule,
    Deposit,
    PostOccurrence,
    SkipOccurrence,
    StopSchedule,
    Transfer,
    Withdraw,
    WriteCheck,
)
from ledger_cli.domain.dates import check_too_early
from ledger_cli.domain.events import MONEY_TYPES, EventType
from ledger_cli.domain.money import (
    DEFAULT_CURRENCY,
    Currency,
    currency,
    format_amount,
    parse_amount,
)
from ledger_cli.domain.plan import Decision, Plan, text
from ledger_cli.domain.schedules import (
    MAX_COUNT,
    Schedule,
    check_kind,
    check_schedule_name,
    parse_every,
)
from ledger_cli.errors import Denied, InvalidValue

POSTED = "posted"
SKIPPED = "skipped"


Decide = Callable[[Plan, Command], Decision]


def decide(
    plan: Plan,
    command: CreateSchedule | StopSchedule | PostOccurrence | SkipOccurrence,
    decide_in: Decide,
) -> Decision:
    match command:
        case CreateSchedule():
            return _create(plan, command)
        case StopSchedule():
            return _stop(plan, command)
        case SkipOccurrence():
            return _skip(plan, command)
    return _post(plan, command, decide_in)


def _create(plan: Plan, cmd: CreateSchedule) -> Decision:
    name = check_schedule_name(cmd.name)
    kind = check_kind(cmd.kind)
    every = parse_every(cmd.every)
    if name in plan.state.schedules:
        raise Denied(f"schedule '{name}' already exists (`ledger schedule list` shows it)")
    check_too_early(cmd.start, "--start")
    if cmd.until is not None and cmd.times is not None:
        raise InvalidValue("give either --until or --count, not both")
    if cmd.until is not None and cmd.until < cmd.start:
        raise InvalidValue(
            f"--until {cmd.until.isoformat()} is before --start {cmd.start.isoformat()}"
        )
    if cmd.times is not None and not 1 <= cmd.times <= MAX_COUNT:
        raise InvalidValue(f"--count {cmd.times} is not valid; give 1 to {MAX_COUNT}")
    cur = _currency_of(plan, cmd.account)
    to = None
    if kind == "transfer":
        if cmd.to is None:
            raise InvalidValue("a scheduled transfer needs --to ACCOUNT (and -a for the sender)")
        to = cmd.to
        if to == cmd.account:
            raise Denied(f"cannot transfer from '{to}' to itself")
        target = _currency_of(plan, to)
        if target != cur:
            raise Denied(
                f"cannot transfer between {cmd.account} ({cur.code}) and {to} "
                f"({target.code}): the currencies differ"
            )
        if cmd.category is not None:
            raise InvalidValue("a transfer between your own accounts has no category")
        if cmd.payee is not None:
            raise InvalidValue("a transfer has no payee")
    elif cmd.to is not None:
        raise InvalidValue(f"--to is for a transfer; a {kind} concerns one account (-a)")
    if kind == "withdraw" and cmd.payee is not None:
        text(cmd.payee, "payee")
    amount = parse_amount(cmd.amount, cur)
    schedule = Schedule(
        name=name,
        kind=kind,
        amount=amount,
        currency=cur.code,
        account=cmd.account,
        every=every,
        start=cmd.start,
        until=cmd.until,
        times=cmd.times,
        to=to,
        payee=text(cmd.payee, "payee") or None,
        memo=text(cmd.memo, "memo") or None,
        category=None if cmd.category is None else check_category(cmd.category),
    )
    plan.add_ledger_wide(EventType.SCHEDULE_CREATED, cmd.date, schedule.details())
    return plan.decision()


def _currency_of(plan: Plan, name: str) -> Currency:
    """The currency of account `name`, which must be open; the default account, not opened
    yet, will be opened in the default currency by the first posting."""
    check_account_name(name)
    account = plan.state.accounts.get(name)
    if account is None and name == DEFAULT_ACCOUNT:
        return currency(DEFAULT_CURRENCY)
    if account is None:
        raise Denied(unknown_account(name, [*plan.state.accounts, DEFAULT_ACCOUNT]))
    if account.closed:
        raise Denied(f"account '{name}' is closed")
    return account.currency


def schedule_of(plan: Plan, name: str) -> Schedule:
    check_schedule_name(name)
    found = plan.state.schedules.get(name)
    if found is None:
        raise Denied(f"no schedule '{name}' (`ledger schedule list` shows them)")
    return found


def _stop(plan: Plan, cmd: StopSchedule) -> Decision:
    schedule = schedule_of(plan, cmd.name)
    if schedule.stopped is not None:
        raise Denied(
            f"schedule '{schedule.name}' is already stopped: nothing after "
            f"{schedule.stopped.isoformat()}"
        )
    check_too_early(cmd.last_day)
    details = {"schedule": schedule.name, "stopped_after": cmd.last_day.isoformat()}
    plan.add_ledger_wide(EventType.SCHEDULE_STOPPED, cmd.date, details)
    return plan.decision()


def _occurrence(plan: Plan, name: str, day: date) -> Schedule:
    """The schedule `name`, which must have an occurrence on `day` not yet posted or
    skipped."""
    schedule = schedule_of(plan, name)
    if not schedule.falls_on(day):
        near = next(schedule.occurrences(date.max, since=day), None)
        hint = f"; the next is on {near.isoformat()}" if near else ""
        raise Denied(f"schedule '{name}' has no occurrence on {day.isoformat()}{hint}")
    handled = plan.state.occurrences.get((name, day.isoformat()))
    if handled is not None:
        ref, how = handled
        raise Denied(
            f"the occurrence of {name} on {day.isoformat()} is already {how} (ref {ref})"
        )
    return schedule


def _skip(plan: Plan, cmd: SkipOccurrence) -> Decision:
    schedule = _occurrence(plan, cmd.schedule, cmd.occurrence)
    details = {
        "schedule": schedule.name,
        "occurrence": cmd.occurrence.isoformat(),
        "reason": text(cmd.reason, "reason"),
    }
    plan.add_ledger_wide(EventType.OCCURRENCE_SKIPPED, cmd.date, details)
    return plan.decision()


def command_for(schedule: Schedule, day: date, *, force: bool = False) -> Command:
    """The command an occurrence of `schedule` on `day` describes."""
    typed = format_amount(schedule.amount, currency(schedule.currency))
    account, payee, memo, category = (
        schedule.account, schedule.payee, schedule.memo, schedule.category
    )
    # A category the schedule gives says so in the result line and the log.
    source = None if category is None else f"schedule {schedule.name}"
    match schedule.kind:
        case "deposit":
            return Deposit(typed, day, account, payee, memo, force, category, (), source)
        case "check":
            return WriteCheck(
                typed, day, account, None, payee, memo, force, False, category, (), source
            )
        case "withdraw":
            return Withdraw(typed, day, account, memo, force, False, category, (), payee, source)
        case "fee":
            return ChargeFee(typed, day, account, payee, memo, force, category, (), source)
    assert schedule.to is not None
    return Transfer(typed, day, account, schedule.to, memo, force)


def _post(plan: Plan, cmd: PostOccurrence, decide_in: Decide) -> Decision:
    schedule = _occurrence(plan, cmd.schedule, cmd.occurrence)
    start = len(plan.events)
    decide_in(plan, command_for(schedule, cmd.occurrence, force=cmd.force))
    link = {"schedule": schedule.name, "occurrence": cmd.occurrence.isoformat()}
    plan.events[start:] = [
        event._replace(details={**event.details, **link}) if event.type in MONEY_TYPES else event
        for event in plan.events[start:]
    ]
    return plan.decision()
