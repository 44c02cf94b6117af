"""The write commands: each parses its options, builds a command, makes one service call and
prints the result (app.write). `import` makes many commands from a file."""

from typing import Annotated

import typer

from ledger_cli.cli.app import chosen_file, write
from ledger_cli.cli.completion import (
    complete_account,
    complete_import_format,
    complete_open_account,
    complete_ref,
)
from ledger_cli.cli.options import (
    MONEY_COMMAND,
    Account,
    AmountCommand,
    AsJson,
    Category,
    DryRun,
    Force,
    IdKey,
    Memo,
    Payee,
    Split,
    WriteDate,
    category_or_split,
    chosen_date,
    date_help,
    effective_date,
    whole_number,
)
from ledger_cli.domain.accounts import DEFAULT_ACCOUNT
from ledger_cli.domain.commands import (
    Amend,
    ChargeFee,
    Clear,
    CloseAccount,
    Deposit,
    OpenAccount,
    PayInterest,
    Transfer,
    Unclear,
    Unvoid,
    Void,
    Withdraw,
    WriteCheck,
)

commands = typer.Typer()

# The corrections' --date: by default, the day of what they correct.
VoidDate = Annotated[
    str | None,
    typer.Option("--date", help=date_help("that of the voided entry"), metavar="DAY"),
]
UnvoidDate = Annotated[
    str | None, typer.Option("--date", help=date_help("that of the void"), metavar="DAY")
]
AmendDate = Annotated[
    str | None,
    typer.Option("--date", help=date_help("that of the entry amended"), metavar="DAY"),
]


def _plain_entry(
    name: str,
    kind: type[Deposit | ChargeFee | PayInterest],
    summary: str,
    amount_help: str,
    example: str,
) -> None:
    """deposit, fee and interest: one amount into or out of one account, and the same options
    (their commands share their fields: domain.commands._PlainEntry)."""

    def command(
        ctx: typer.Context,
        amount: Annotated[str, typer.Argument(metavar="AMOUNT", help=amount_help)],
        account: Account = DEFAULT_ACCOUNT,
        payee: Payee = None,
        memo: Memo = None,
        category: Category = None,
        split: Split = None,
        date_: WriteDate = None,
        as_json: AsJson = False,
        key: IdKey = None,
        force: Force = False,
        dry_run: DryRun = False,
    ) -> None:
        chosen, parts = category_or_split(ctx, category, split)
        entry = kind(amount, effective_date(date_), account, payee, memo, force, chosen, parts)
        write(ctx, entry, as_json, key, dry_run)

    command.__doc__ = f"{summary}\n\n\b\nExample:\n  {example}"
    commands.command(name, cls=AmountCommand, context_settings=MONEY_COMMAND)(command)


_plain_entry(
    "deposit",
    Deposit,
    "Record a deposit (FundsDeposited).",
    "Amount, e.g. 10000, 10,000.50 or $12.50.",
    'ledger deposit 10000 --payee "Acme Corp" -c income:salary --date 2026-03-01',
)


@commands.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
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
    category: Category = None,
    split: Split = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
    dry_run: DryRun = False,
) -> None:
    """Write a check (CheckWritten); denied beyond balance + overdraft limit.

    \b
    Examples:
      ledger check 4000 --payee "Landlord" --number 101 -c home:rent
      ledger check 62.50 --payee "Corner Grocer" --split food=50 --split household=12.50
    """
    number_ = whole_number(number, "--number")
    chosen, parts = category_or_split(ctx, category, split)
    cmd = WriteCheck(
        amount, effective_date(date_), account, number_, payee, memo, force, False, chosen, parts
    )
    write(ctx, cmd, as_json, key, dry_run)


@commands.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
def withdraw(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount of cash taken out.")],
    account: Account = DEFAULT_ACCOUNT,
    memo: Memo = None,
    category: Category = None,
    split: Split = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
    dry_run: DryRun = False,
) -> None:
    """Record an ATM or cash withdrawal (CashWithdrawn).

    \b
    Example:
      ledger withdraw 300 -m "ATM Main St" -c cash
    """
    chosen, parts = category_or_split(ctx, category, split)
    cmd = Withdraw(amount, effective_date(date_), account, memo, force, False, chosen, parts)
    write(ctx, cmd, as_json, key, dry_run)


@commands.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
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
    dry_run: DryRun = False,
) -> None:
    """Move money between two accounts of one currency (TransferSent + TransferReceived).

    \b
    Example:
      ledger transfer 500 --from checking --to savings
    """
    cmd = Transfer(amount, effective_date(date_), source, target, memo, force)
    write(ctx, cmd, as_json, key, dry_run)


@commands.command()
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
    date_: VoidDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
    dry_run: DryRun = False,
) -> None:
    """Reverse a whole transaction with compensating events (TransactionVoided).

    \b
    Example:
      ledger void T3 --reason "check lost in the mail"
    """
    on = chosen_date(date_)
    write(ctx, Void(ref.strip(), on, reason, force), as_json, key, dry_run)


@commands.command()
def unvoid(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            metavar="REF",
            help="The voided transaction, or the void itself.",
            autocompletion=complete_ref,
        ),
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is restored.")] = None,
    date_: UnvoidDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
    dry_run: DryRun = False,
) -> None:
    """Reverse a void (VoidReversed): the entry is restored as it was, with its cleared
    status and check number; it can be voided again later.

    \b
    Example:
      ledger unvoid T8
    """
    on = chosen_date(date_)
    write(ctx, Unvoid(ref.strip(), on, reason, force), as_json, key, dry_run)


@commands.command(cls=AmountCommand, context_settings=MONEY_COMMAND)
def amend(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            metavar="REF", help="The transaction to correct.", autocompletion=complete_ref
        ),
    ],
    amount: Annotated[
        str | None, typer.Option("--amount", help="The right amount.", metavar="AMOUNT")
    ] = None,
    payee: Annotated[
        str | None, typer.Option("--payee", help="The right payee ('' removes it).")
    ] = None,
    memo: Annotated[
        str | None, typer.Option("--memo", "-m", help="The right memo ('' removes it).")
    ] = None,
    date_: AmendDate = None,
    number: Annotated[
        str | None, typer.Option("--number", "-n", help="The right check number.", metavar="N")
    ] = None,
    category: Category = None,
    split: Split = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
    dry_run: DryRun = False,
) -> None:
    """Correct a transaction (TransactionVoided + its replacement, which `amends` it): the
    original is voided and recorded again with the fields given changed, in one command.
    A check keeps its number unless --number is given.

    \b
    Example:
      ledger amend T8 --payee "Landlord" --amount 4000
    """
    on = chosen_date(date_)
    number_ = whole_number(number, "--number")
    chosen, parts = category_or_split(ctx, category, split)
    cmd = Amend(ref.strip(), amount, payee, memo, on, number_, force, chosen, parts)
    write(ctx, cmd, as_json, key, dry_run)


@commands.command("open")
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
    dry_run: DryRun = False,
) -> None:
    """Open an account (AccountOpened). `checking` opens itself on first use.

    \b
    Example:
      ledger open savings --currency USD --overdraft-limit 0
    """
    cmd = OpenAccount(name, effective_date(date_), currency, overdraft_limit)
    write(ctx, cmd, as_json, key, dry_run)


@commands.command()
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
    dry_run: DryRun = False,
) -> None:
    """Close an account whose balance is zero (AccountClosed).

    \b
    Example:
      ledger close savings
    """
    write(ctx, CloseAccount(name, effective_date(date_)), as_json, key, dry_run)


_plain_entry(
    "fee",
    ChargeFee,
    "Record a bank fee (FeeCharged). The bank already took it, so it is recorded even\n"
    "below the overdraft limit, with a warning.",
    "Amount the bank charged.",
    'ledger fee 12 -m "monthly service fee" --date 2026-03-31',
)
_plain_entry(
    "interest",
    PayInterest,
    "Record interest paid by the bank (InterestPaid).",
    "Interest the bank paid.",
    "ledger interest 1.37 --date 2026-03-31",
)

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


@commands.command()
def clear(
    ctx: typer.Context,
    refs: Refs,
    account: OneAccount = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """Mark transactions as cleared: the bank has them (TransactionCleared).

    \b
    Example:
      ledger clear T3 T4 T7
    """
    cmd = Clear(tuple(ref.strip() for ref in refs), effective_date(date_), account)
    write(ctx, cmd, as_json, key, dry_run)


@commands.command()
def unclear(
    ctx: typer.Context,
    refs: Refs,
    account: OneAccount = None,
    date_: WriteDate = None,
    as_json: AsJson = False,
    key: IdKey = None,
    force: Force = False,
    dry_run: DryRun = False,
) -> None:
    """Take back a clearing (TransactionUncleared); a reconciled entry needs --force.

    \b
    Example:
      ledger unclear T7
    """
    cmd = Unclear(tuple(ref.strip() for ref in refs), effective_date(date_), account, force)
    write(ctx, cmd, as_json, key, dry_run)


@commands.command("import")
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
            autocompletion=complete_import_format,
        ),
    ] = None,
    skip_denied: Annotated[
        bool,
        typer.Option(
            "--skip-denied", help="Report denied rows and import the others (default: none)."
        ),
    ] = False,
    as_json: AsJson = False,
    dry_run: DryRun = False,
) -> None:
    """Import many commands at once: CSV with a header (date,type,amount and optionally
    account,payee,memo,number,to,category,split,id; a split is food=30;home=12.50) or NDJSON
    with the same keys. All or nothing: a denied
    row stops the import, naming its line, and nothing is appended.

    \b
    Example:
      ledger import march.csv
      printf 'date,type,amount\\n2026-03-01,deposit,100\\n' | ledger import -
    """
    from ledger_cli.app.service import Ledger
    from ledger_cli.interop.files import open_rows
    from ledger_cli.view.outcome import imported
    from ledger_cli.view.output import Output

    file = chosen_file(ctx)
    with open_rows(source, fmt) as rows:
        ledger = Ledger(file.path, create_folder=file.create_folder)
        result = ledger.import_rows(rows, skip_denied=skip_denied, dry_run=dry_run)
    imported(Output(), result, as_json=as_json)
