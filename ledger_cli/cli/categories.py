"""The write commands of where the money went (SPEC 11): `categorize`, `rule add/list/remove`
and `budget`. Each parses its options, builds a command, makes one service call and prints
the result (app.write); `rule list` and `budget` without arguments are queries."""

from typing import Annotated

import typer

from ledger_cli.cli.app import read, write
from ledger_cli.cli.completion import complete_ref
from ledger_cli.cli.options import (
    AsJson,
    Category,
    DryRun,
    IdKey,
    KnownAt,
    Split,
    category_or_split,
    when,
    whole_number,
)
from ledger_cli.domain.commands import AddRule, Categorize, RemoveRule, SetBudget
from ledger_cli.domain.dates import today
from ledger_cli.errors import InvalidValue

commands = typer.Typer()
rules = typer.Typer(
    help="Rules that categorise entries by their payee, and a bank statement's rows by their "
    "description: the first rule that matches wins.\n\n\b\nExamples:\n"
    '  ledger rule add "GROCER" -c food:groceries\n  ledger rule list\n  ledger rule remove 1',
    no_args_is_help=True,
)
commands.add_typer(rules, name="rule")


@commands.command()
def categorize(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            metavar="REF", help="The money transaction to categorise.", autocompletion=complete_ref
        ),
    ],
    category: Category = None,
    split: Split = None,
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """Set the category of a transaction from now on (TransactionCategorized). It moves no
    money, so a period sealed by a statement does not bound it; reports known before it keep
    the category it had.

    \b
    Examples:
      ledger categorize T4 -c food:groceries
      ledger categorize T4 --split food=50 --split household=12.50
    """
    chosen, parts = category_or_split(ctx, category, split)
    write(ctx, Categorize(ref.strip(), today(), chosen, parts), as_json, key, dry_run)


@rules.command("add")
def rule_add(
    ctx: typer.Context,
    pattern: Annotated[
        str,
        typer.Argument(
            metavar="PATTERN", help="Text the payee or the row's description contains (any case)."
        ),
    ],
    category: Annotated[
        str,
        typer.Option("--category", "-c", help="The category it gives.", metavar="NAME"),
    ],
    payee: Annotated[
        str | None,
        typer.Option("--payee", help="The payee of the entries `statement` adds for such rows."),
    ] = None,
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """Add a rule (RuleAdded): entries whose payee, and statement rows whose description,
    contain PATTERN get its category.

    \b
    Example:
      ledger rule add "GROCER" -c food:groceries --payee "Corner Grocer"
    """
    write(ctx, AddRule(pattern, category, today(), payee), as_json, key, dry_run)


@rules.command("list")
def rule_list(
    ctx: typer.Context, known_at: KnownAt = None, as_json: AsJson = False
) -> None:
    """The rules in force, in the order they apply. --json gives [{"id", "pattern",
    "category", "payee"}].

    \b
    Example:
      ledger rule list
    """
    from ledger_cli.app.categories import rules as listed
    from ledger_cli.view.categories import rule_listing
    from ledger_cli.view.output import Output

    _, known = when(None, known_at)
    with read(ctx) as q:
        found = listed(q, known)
    rule_listing(Output(), found, as_json=as_json)


@rules.command("remove")
def rule_remove(
    ctx: typer.Context,
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="The rule's id (rule list).")],
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """Remove a rule (RuleRemoved); what it categorised keeps its category.

    \b
    Example:
      ledger rule remove 2
    """
    number = whole_number(rule_id, "rule id")
    assert number is not None
    write(ctx, RemoveRule(number, today()), as_json, key, dry_run)


@commands.command()
def budget(
    ctx: typer.Context,
    category: Annotated[
        str | None, typer.Argument(metavar="CATEGORY", help="A spending category.")
    ] = None,
    amount: Annotated[
        str | None, typer.Argument(metavar="AMOUNT", help="Its monthly budget; 0 removes it.")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help="The first month, YYYY-MM (default: this month).", metavar="MONTH"
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="Its currency (default: that of the accounts)."),
    ] = None,
    known_at: KnownAt = None,
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """Set the monthly budget of a spending category from a month on (BudgetSet); a budget
    on a parent (food) covers its children. Without arguments, list the budgets: --json
    gives [{"category", "currency", "from", "amount"}]. `report --budget` compares them.

    \b
    Examples:
      ledger budget food 400 --from 2026-03
      ledger budget
    """
    if category is None:
        from ledger_cli.view.categories import budget_listing
        from ledger_cli.view.output import Output

        if start is not None or currency is not None or dry_run or key is not None:
            raise InvalidValue(
                "--from, --currency, --id and --dry-run set a budget: give CATEGORY AMOUNT"
            )
        from ledger_cli.app.categories import budgets as steps_of

        _, known = when(None, known_at)
        with read(ctx) as q:
            steps = steps_of(q, known)
        budget_listing(Output(), steps, as_json=as_json)
        return
    if amount is None:
        raise InvalidValue(
            f"give the monthly budget of {category}: ledger budget {category} AMOUNT"
        )
    if known_at is not None:
        raise InvalidValue("--known-at applies to the listing, not to setting a budget")
    month = start if start is not None else today().strftime("%Y-%m")
    write(ctx, SetBudget(category, amount, month, today(), currency), as_json, key, dry_run)
