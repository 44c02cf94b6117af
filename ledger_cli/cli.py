"""The commands: each parses its options, builds a command or query, makes one service call
and renders the answer. The application and its error handling are in app.py."""

import os
import sys
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Annotated

import typer

from ledger_cli.accounts import DEFAULT_ACCOUNT
from ledger_cli.app import app, ledger_file
from ledger_cli.completion import complete_account, complete_open_account, complete_ref
from ledger_cli.dates import check_not_too_far_ahead, parse_date, parse_known_at
from ledger_cli.errors import IntegrityFailure, InvalidValue, OutputError
from ledger_cli.options import (
    MONEY_COMMAND,
    Account,
    AmountCommand,
    AsCsv,
    AsJson,
    AsOf,
    Force,
    IdKey,
    KnownAt,
    Memo,
    Payee,
    WriteDate,
    effective_date,
    idempotency_key,
    output_format,
    parse_digest,
    when,
    whole_number,
)
from ledger_cli.output import Output

if TYPE_CHECKING:
    from ledger_cli.commands import Command
    from ledger_cli.queries import Queries, Reconciliation


def _run(ctx: typer.Context, command: "Command", as_json: bool, key: str | None) -> None:
    """The write path: one service call, one line of output."""
    from ledger_cli import render
    from ledger_cli.service import Ledger

    file = ledger_file(ctx)
    ledger = Ledger(file.path, create_folder=file.create_folder)
    outcome = ledger.execute(command, key=idempotency_key(key))
    try:
        render.outcome(Output(), outcome, as_json=as_json)
    except BrokenPipeError:
        raise
    except OSError as error:
        # Say that it was recorded, so that nobody retries it.
        raise OutputError(
            f"recorded as {outcome.ref}, but the output could not be written: "
            f"{error.strerror or error}"
        ) from error


def _read(ctx: typer.Context, *, damaged_ok: bool = False) -> "AbstractContextManager[Queries]":
    """The read path: a snapshot of the log; it never creates a file."""
    from ledger_cli.queries import read

    return read(ledger_file(ctx).path, damaged_ok=damaged_ok)


# -- commands ------------------------------------------------------------------------------------


@app.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
def deposit(
    ctx: typer.Context,
    amount: Annotated[
        str, typer.Argument(metavar="AMOUNT", help="Amount, e.g. 10000, 10,000.50 or $12.50.")
    ],
    account: Account = DEFAULT_ACCOUNT,
    date_: WriteDate = None,
    payee: Payee = None,
    memo: Memo = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
) -> None:
    """Record a deposit (FundsDeposited).

    \b
    Example:
      ledger deposit 10000 --payee "Salary" --date 2026-03-01
    """
    from ledger_cli.commands import Deposit

    _run(ctx, Deposit(amount, effective_date(date_), account, payee, memo, force), as_json, key)


@app.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
def check(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount of the check.")],
    account: Account = DEFAULT_ACCOUNT,
    number: Annotated[
        str | None,
        typer.Option(
            "--number", "-n", help="Check number (default: the next after the account's highest)."
        ),
    ] = None,
    payee: Payee = None,
    memo: Memo = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
) -> None:
    """Write a check (CheckWritten); denied beyond balance + overdraft limit.

    \b
    Example:
      ledger check 4000 --payee "Landlord" --number 101
    """
    from ledger_cli.commands import WriteCheck

    number_ = whole_number(number, "--number")
    cmd = WriteCheck(amount, effective_date(date_), account, number_, payee, memo, force)
    _run(ctx, cmd, as_json, key)


@app.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
def withdraw(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount of cash taken out.")],
    account: Account = DEFAULT_ACCOUNT,
    memo: Memo = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
) -> None:
    """Record an ATM or cash withdrawal (CashWithdrawn).

    \b
    Example:
      ledger withdraw 300 -m "ATM Main St"
    """
    from ledger_cli.commands import Withdraw

    _run(ctx, Withdraw(amount, effective_date(date_), account, memo, force), as_json, key)


@app.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
def transfer(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount to move.")],
    source: Annotated[
        str,
        typer.Option("--from", help="Account the money leaves.", autocompletion=complete_account),
    ],
    target: Annotated[
        str,
        typer.Option("--to", help="Account the money goes to.", autocompletion=complete_account),
    ],
    memo: Memo = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
) -> None:
    """Move money between two accounts of one currency (TransferSent + TransferReceived).

    \b
    Example:
      ledger transfer 500 --from checking --to savings
    """
    from ledger_cli.commands import Transfer

    cmd = Transfer(amount, effective_date(date_), source, target, memo, force)
    _run(ctx, cmd, as_json, key)


@app.command()
def void(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            metavar="REF",
            help="Reference of the transaction to reverse.",
            autocompletion=complete_ref,
        ),
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is voided.")] = None,
    date_: Annotated[
        str | None,
        typer.Option("--date", help="Effective date (default: that of the voided entry)."),
    ] = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
) -> None:
    """Reverse a whole transaction with compensating events (TransactionVoided).

    \b
    Example:
      ledger void T3 --reason "check lost in the mail"
    """
    on = check_not_too_far_ahead(parse_date(date_)) if date_ is not None else None
    from ledger_cli.commands import Void

    _run(ctx, Void(ref.strip(), on, reason, force), as_json, key)


@app.command("open")
def open_(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Account name: a-z, 0-9, '-', '_', ':'.")
    ],
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217 code.")] = "USD",
    overdraft_limit: Annotated[
        str, typer.Option("--overdraft-limit", help="How far below zero debits may go.")
    ] = "0",
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
) -> None:
    """Open an account (AccountOpened). `checking` opens itself on first use.

    \b
    Example:
      ledger open savings --currency USD --overdraft-limit 0
    """
    from ledger_cli.commands import OpenAccount

    _run(ctx, OpenAccount(name, effective_date(date_), currency, overdraft_limit), as_json, key)


@app.command()
def close(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="Account to close; its balance must be 0.",
            autocompletion=complete_open_account,
        ),
    ],
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
) -> None:
    """Close an account whose balance is zero (AccountClosed).

    \b
    Example:
      ledger close savings
    """
    from ledger_cli.commands import CloseAccount

    _run(ctx, CloseAccount(name, effective_date(date_)), as_json, key)


@app.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
def fee(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount the bank charged.")],
    account: Account = DEFAULT_ACCOUNT,
    payee: Payee = None,
    memo: Memo = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
) -> None:
    """Record a bank fee (FeeCharged). The bank already took it, so it is recorded even
    below the overdraft limit, with a warning.

    \b
    Example:
      ledger fee 12 -m "monthly service fee" --date 2026-03-31
    """
    from ledger_cli.commands import ChargeFee

    cmd = ChargeFee(amount, effective_date(date_), account, payee, memo, force)
    _run(ctx, cmd, as_json, key)


@app.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
def interest(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Interest the bank paid.")],
    account: Account = DEFAULT_ACCOUNT,
    payee: Payee = None,
    memo: Memo = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
) -> None:
    """Record interest paid by the bank (InterestPaid).

    \b
    Example:
      ledger interest 1.37 --date 2026-03-31
    """
    from ledger_cli.commands import PayInterest

    cmd = PayInterest(amount, effective_date(date_), account, payee, memo, force)
    _run(ctx, cmd, as_json, key)


Refs = Annotated[
    list[str],
    typer.Argument(
        metavar="REF...", help="References of the transactions.", autocompletion=complete_ref
    ),
]
OneAccount = Annotated[
    str | None,
    typer.Option("--account", "-a", help="Only the entries in this account (default: all)."),
]


@app.command()
def clear(
    ctx: typer.Context,
    refs: Refs,
    account: OneAccount = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
) -> None:
    """Mark transactions as cleared: the bank has them (TransactionCleared).

    \b
    Example:
      ledger clear T3 T4 T7
    """
    from ledger_cli.commands import Clear

    cmd = Clear(tuple(ref.strip() for ref in refs), effective_date(date_), account)
    _run(ctx, cmd, as_json, key)


@app.command()
def unclear(
    ctx: typer.Context,
    refs: Refs,
    account: OneAccount = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
) -> None:
    """Take back a clearing (TransactionUncleared); a reconciled entry needs --force.

    \b
    Example:
      ledger unclear T7
    """
    from ledger_cli.commands import Unclear

    cmd = Unclear(tuple(ref.strip() for ref in refs), effective_date(date_), account, force)
    _run(ctx, cmd, as_json, key)


@app.command()
def statement(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(metavar="FILE", help="The bank's CSV export; - for standard input.")
    ],
    account: Account = DEFAULT_ACCOUNT,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show every decision; write nothing.")
    ] = False,
    no_add: Annotated[
        bool,
        typer.Option("--no-add", help="Only clear matches; list unmatched rows, add nothing."),
    ] = False,
    window: Annotated[
        str, typer.Option("--window", help="Days a match's dates may differ (checks: any).")
    ] = "10",
    date_column: Annotated[str | None, typer.Option("--date-column", metavar="NAME")] = None,
    amount_column: Annotated[
        str | None,
        typer.Option("--amount-column", metavar="NAME", help="One signed amount column."),
    ] = None,
    debit_column: Annotated[
        str | None, typer.Option("--debit-column", metavar="NAME", help="Money out.")
    ] = None,
    credit_column: Annotated[
        str | None, typer.Option("--credit-column", metavar="NAME", help="Money in.")
    ] = None,
    description_column: Annotated[
        str | None, typer.Option("--description-column", metavar="NAME")
    ] = None,
    number_column: Annotated[
        str | None, typer.Option("--number-column", metavar="NAME", help="Check numbers.")
    ] = None,
    negate: Annotated[
        bool,
        typer.Option("--negate", help="The amount column shows money out as positive."),
    ] = False,
    date_format: Annotated[
        str | None,
        typer.Option(
            "--date-format",
            metavar="FORMAT",
            help="strptime format, e.g. %d.%m.%Y (default: YYYY-MM-DD, MM/DD/YYYY, MM/DD/YY).",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Match a bank statement to the register: each row is matched to an uncleared entry
    (same amount; same check number, or dates within --window days) and cleared; a row that
    matches nothing is added as a new transaction (fee, interest, deposit, withdrawal or
    check) and cleared; a row imported before is skipped.

    \b
    Example:
      ledger statement march.csv -a checking --dry-run
    """
    from ledger_cli import bankcsv, render
    from ledger_cli.dates import today
    from ledger_cli.importfile import open_lines
    from ledger_cli.service import Ledger

    days = whole_number(window, "--window") if window.strip() != "0" else 0
    columns = bankcsv.Columns(
        date_column,
        amount_column,
        debit_column,
        credit_column,
        description_column,
        number_column,
        negate,
        date_format,
    )
    with open_lines(source) as stream:
        # Read before the ledger is locked: a slow pipe must not hold other writers up.
        lines = list(stream)
    result = Ledger(ledger_file(ctx).path).statement(
        account,
        lambda cur: bankcsv.read_statement(lines, account, cur, columns),
        window=days or 0,
        add=not no_add,
        dry_run=dry_run,
        today=today(),
    )
    render.statement(Output(), result, as_json=as_json)


@app.command("import")
def import_(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(metavar="FILE", help="A CSV or NDJSON file; - for standard input.")
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv or ndjson (default: from the file name, else from its first line).",
            metavar="FORMAT",
        ),
    ] = None,
    skip_denied: Annotated[
        bool,
        typer.Option(
            "--skip-denied", help="Report denied rows and import the others (default: none)."
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Import many commands at once: CSV with a header (date,type,amount and optionally
    account,payee,memo,number,to,id) or NDJSON with the same keys. All or nothing: a denied
    row stops the import, naming its line, and nothing is appended.

    \b
    Example:
      ledger import march.csv
      printf 'date,type,amount\\n2026-03-01,deposit,100\\n' | ledger import -
    """
    from ledger_cli import render
    from ledger_cli.importfile import open_rows
    from ledger_cli.service import Ledger

    file = ledger_file(ctx)
    with open_rows(source, fmt) as rows:
        ledger = Ledger(file.path, create_folder=file.create_folder)
        result = ledger.import_rows(rows, skip_denied=skip_denied)
    render.imported(Output(), result, as_json=as_json)


# -- queries -------------------------------------------------------------------------------------


@app.command()
def balance(
    ctx: typer.Context,
    account: Account = DEFAULT_ACCOUNT,
    all_: Annotated[bool, typer.Option("--all", help="Every account.")] = False,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    cleared: Annotated[
        bool,
        typer.Option("--cleared", help="Only cleared and reconciled entries: the bank's view."),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """The balance of an account, as of any day, as known at any time.

    \b
    Examples:
      ledger balance
      ledger balance -a savings --as-of 2026-03-01
      ledger balance --all --json
    """
    from ledger_cli import render

    day, known = when(as_of, known_at)
    with _read(ctx) as q:
        if cleared:
            items = (
                q.cleared_balances(day, known) if all_ else [q.cleared_balance(account, day, known)]
            )
        else:
            items = q.balances(day, known) if all_ else [q.balance(account, day, known)]
    render.balances(Output(), items, as_json=as_json, single=not all_)


@app.command()
def history(
    ctx: typer.Context,
    account: Account = DEFAULT_ACCOUNT,
    since: Annotated[
        str | None, typer.Option("--since", help="Show entries effective on or after this day.")
    ] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    limit: Annotated[
        str | None, typer.Option("--limit", help="Keep the last N rows up to --as-of.")
    ] = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """The register: entries in effective order with a running balance.

    \b
    Examples:
      ledger history
      ledger history --since 2026-03-01 --as-of 2026-03-31 --csv
    """
    from ledger_cli import listings

    fmt = output_format(as_json, as_csv)
    start = parse_date(since, "--since") if since is not None else None
    day, known = when(as_of, known_at)
    rows = whole_number(limit, "--limit")
    with _read(ctx) as q:
        lines = q.history(account, since=start, as_of=day, known_at=known, limit=rows)
        listings.history(Output(), lines, q.account(account), fmt=fmt)


@app.command()
def audit(
    ctx: typer.Context,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Every event in append order with every stored field and its hash; exit 3 when the
    chain is broken.

    \b
    Examples:
      ledger audit
      ledger audit --json > audit.json
    """
    from ledger_cli import listings

    fmt = output_format(as_json, as_csv)
    day, known = when(as_of, known_at)
    with _read(ctx) as q:
        listings.audit(Output(), q.audit(as_of=day, known_at=known), q.accounts, fmt=fmt)
        check = q.reconcile()
    _fail_if_broken(check)


@app.command()
def reconcile(
    ctx: typer.Context,
    digest_: Annotated[
        str | None,
        typer.Option(
            "--digest",
            help="A digest SEQ:HASH saved earlier; the log must still "
            "hold exactly that event at that place.",
            metavar="SEQ:HASH",
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", "-a", help="With a statement: the account it is for."),
    ] = None,
    statement_date: Annotated[
        str | None,
        typer.Option("--statement-date", help="The last day the bank statement covers."),
    ] = None,
    statement_balance: Annotated[
        str | None,
        typer.Option("--statement-balance", help="The statement's ending balance."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Verify every account's running-balance chain and the log's hash chain; exit 3
    naming the first broken seq. With a bank statement (-a, --statement-date,
    --statement-balance): then compare the cleared balance with the statement's; equal, the
    cleared entries are marked reconciled (StatementReconciled) and the period is sealed;
    different, the difference, the outstanding entries and likely causes (exit 1).

    \b
    Examples:
      ledger reconcile
      ledger reconcile --digest "$(cat saved-digest.txt)"
      ledger reconcile -a checking --statement-date 2026-03-31 --statement-balance 5,310.42
    """
    from ledger_cli import render
    from ledger_cli.output import progress_bar

    given = [value is not None for value in (account, statement_date, statement_balance)]
    if any(given):
        if not all(given):
            raise InvalidValue(
                "a statement reconciliation needs -a, --statement-date and --statement-balance"
            )
        if digest_ is not None:
            raise InvalidValue("--digest cannot be combined with a statement reconciliation")
        assert account is not None and statement_date is not None
        assert statement_balance is not None
        _reconcile_statement(ctx, account, statement_date, statement_balance, as_json)
        return
    expected = parse_digest(digest_) if digest_ is not None else None
    with _read(ctx, damaged_ok=True) as q:
        events = q.head()[0]
        with progress_bar("verifying", events if events >= 200_000 else None) as advance:
            result = q.reconcile(expected, advance)
    render.reconciliation(Output(), result, as_json=as_json)
    _fail_if_broken(result)


@app.command()
def digest(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Print the head of the log as SEQ:HASH, to keep and check later with
    `reconcile --digest`.

    \b
    Example:
      ledger digest > saved-digest.txt
    """
    from ledger_cli import render

    with _read(ctx) as q:
        seq, hash_ = q.head()
    render.digest(Output(), seq, hash_, as_json=as_json)


@app.command()
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
    all_: Annotated[bool, typer.Option("--all", help="Every account.")] = False,
    as_of: AsOf = None,
    to_known_at: Annotated[
        str,
        typer.Option(
            "--to-known-at", help="The later knowledge time (default: now).", metavar="WHEN"
        ),
    ] = "now",
    as_json: AsJson = False,
) -> None:
    """Why a balance changed since it was reported: the balance as of a day, as known at two
    times, and the events recorded in between that explain the difference.

    \b
    Example:
      ledger diff --as-of 2026-03-31 --known-at 2026-04-02
    """
    from ledger_cli import render
    from ledger_cli.errors import InvalidValue

    day, earlier = when(as_of, known_at)
    later = parse_known_at(to_known_at, "--to-known-at")
    assert earlier is not None
    if later < earlier:
        raise InvalidValue("--to-known-at must not be before --known-at")
    with _read(ctx) as q:
        if all_:
            items = q.diffs(day, earlier, later)
        else:
            items = [q.diff(account, day, earlier, later)]
        render.diffs(Output(), items, as_json=as_json, single=not all_)


@app.command()
def rebuild(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Verify the log, then derive every read model again from it alone. The answers of
    every query stay the same; use it after copying a ledger by hand or if a query is slow.

    \b
    Example:
      ledger rebuild
    """
    from ledger_cli import render
    from ledger_cli.service import Ledger

    result = Ledger(ledger_file(ctx).path).rebuild()
    if not result.ok:
        render.reconciliation(Output(), result, as_json=as_json)
        _fail_if_broken(result)
    render.rebuilt(Output(), result, as_json=as_json)


def _reconcile_statement(
    ctx: typer.Context, account: str, day: str, balance: str, as_json: bool
) -> None:
    from ledger_cli import render
    from ledger_cli.dates import today
    from ledger_cli.domain import StatementDoesNotMatch
    from ledger_cli.service import Ledger

    on = parse_date(day, "--statement-date")
    if on > today():
        # A statement covers days that are over; a future date would seal them in advance.
        raise InvalidValue(
            f"--statement-date {day!r} is in the future; a statement ends today at the latest"
        )
    try:
        ledger = Ledger(ledger_file(ctx).path)
        check, outcome, outstanding = ledger.reconcile_statement(account, on, balance)
    except StatementDoesNotMatch as mismatch:
        render.statement_mismatch(Output(), mismatch, on, as_json=as_json)
        raise
    if outcome is None:
        render.reconciliation(Output(), check, as_json=as_json)
        _fail_if_broken(check)
        return
    render.outcome(Output(), outcome, as_json=as_json, outstanding=outstanding)


def _fail_if_broken(result: "Reconciliation") -> None:
    """Exit 3 naming the first failing seq (the report itself is already printed)."""
    if not result.ok:
        first = result.findings[0]
        raise IntegrityFailure(
            f"the log is broken at seq {first.seq} ({first.kind}): {first.detail}"
        )


def main() -> None:
    """The console script."""
    _only_the_invoked_command(sys.argv[1:])
    app()


def _only_the_invoked_command(args: list[str]) -> None:
    """Keep only the command the arguments name: typer builds every registered command at
    start-up, which costs more than running a query. `ledger --help`, an unknown command and
    shell completion still see them all."""
    if any(name.startswith("_LEDGER_COMPLETE") for name in os.environ):
        return
    words = iter(args)
    wanted = None
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            wanted = word
            break
    commands = app.registered_commands
    chosen = [info for info in commands if _name(info) == wanted]
    if chosen:
        app.registered_commands = chosen


def _name(info: typer.models.CommandInfo) -> str:
    return info.name or (info.callback.__name__ if info.callback else "").replace("_", "-")


# The commands of issue 7 (export, restore, chart) register themselves on import.
import ledger_cli.cli_terminal  # noqa: E402, F401
