"""The commands: each parses its options, builds a command or query, makes one service call
and renders the answer. The application and its error handling are in app.py."""

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Annotated

import typer

from ledger_cli.accounts import DEFAULT_ACCOUNT
from ledger_cli.app import app, ledger_file
from ledger_cli.dates import check_not_too_far_ahead, parse_date, parse_known_at
from ledger_cli.errors import IntegrityFailure, OutputError
from ledger_cli.options import (
    MONEY_COMMAND,
    Account,
    AmountCommand,
    AsCsv,
    AsJson,
    AsOf,
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
) -> None:
    """Record a deposit (FundsDeposited).

    \b
    Example:
      ledger deposit 10000 --payee "Salary" --date 2026-03-01
    """
    from ledger_cli.commands import Deposit

    _run(ctx, Deposit(amount, effective_date(date_), account, payee, memo), as_json, key)


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
) -> None:
    """Write a check (CheckWritten); denied beyond balance + overdraft limit.

    \b
    Example:
      ledger check 4000 --payee "Landlord" --number 101
    """
    from ledger_cli.commands import WriteCheck

    cmd = WriteCheck(
        amount, effective_date(date_), account, whole_number(number, "--number"), payee, memo
    )
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
) -> None:
    """Record an ATM or cash withdrawal (CashWithdrawn).

    \b
    Example:
      ledger withdraw 300 -m "ATM Main St"
    """
    from ledger_cli.commands import Withdraw

    _run(ctx, Withdraw(amount, effective_date(date_), account, memo), as_json, key)


@app.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
def transfer(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount to move.")],
    source: Annotated[str, typer.Option("--from", help="Account the money leaves.")],
    target: Annotated[str, typer.Option("--to", help="Account the money goes to.")],
    memo: Memo = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
) -> None:
    """Move money between two accounts of one currency (TransferSent + TransferReceived).

    \b
    Example:
      ledger transfer 500 --from checking --to savings
    """
    from ledger_cli.commands import Transfer

    _run(ctx, Transfer(amount, effective_date(date_), source, target, memo), as_json, key)


@app.command()
def void(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="Reference of the transaction to reverse.")
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is voided.")] = None,
    date_: Annotated[
        str | None,
        typer.Option("--date", help="Effective date (default: that of the voided entry)."),
    ] = None,
    as_json: AsJson = False,
    key: IdKey = None,
) -> None:
    """Reverse a whole transaction with compensating events (TransactionVoided).

    \b
    Example:
      ledger void T3 --reason "check lost in the mail"
    """
    on = check_not_too_far_ahead(parse_date(date_)) if date_ is not None else None
    from ledger_cli.commands import Void

    _run(ctx, Void(ref.strip(), on, reason), as_json, key)


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
        str, typer.Argument(metavar="NAME", help="Account to close; its balance must be 0.")
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
    as_json: AsJson = False,
) -> None:
    """Verify every account's running-balance chain and the log's hash chain; exit 3
    naming the first broken seq.

    \b
    Examples:
      ledger reconcile
      ledger reconcile --digest "$(cat saved-digest.txt)"
    """
    from ledger_cli import render
    from ledger_cli.output import progress_bar

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


def _fail_if_broken(result: "Reconciliation") -> None:
    """Exit 3 naming the first failing seq (the report itself is already printed)."""
    if not result.ok:
        first = result.findings[0]
        raise IntegrityFailure(
            f"the log is broken at seq {first.seq} ({first.kind}): {first.detail}"
        )


def main() -> None:
    """The console script."""
    app()
