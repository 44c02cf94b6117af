"""The command line's vocabulary: shared options, the amount-taking command class, and the
parsing of option values into dates, numbers and formats (exit 1 when a value is not valid)."""

from datetime import date, datetime
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from ledger_cli.cli.completion import complete_account, complete_category
from ledger_cli.domain.dates import (
    check_write_date,
    parse_as_of,
    parse_date,
    parse_known_at,
    today,
)
from ledger_cli.errors import InvalidValue

# The placeholder of each option's value, by kind (SPEC: AMOUNT, DAY, WHEN, N, REF, NAME,
# FILE), for the options that do not name their own.
PLACEHOLDERS = {
    "--account": "NAME",
    "--from": "NAME",
    "--to": "NAME",
    "--payee": "TEXT",
    "--memo": "TEXT",
    "--reason": "TEXT",
    "--date": "DAY",
    "--since": "DAY",
    "--statement-date": "DAY",
    "--as-of": "WHEN",
    "--known-at": "WHEN",
    "--to-known-at": "WHEN",
    "--limit": "N",
    "--number": "N",
    "--window": "N",
    "--skip-lines": "N",
    "--amount": "AMOUNT",
    "--overdraft-limit": "AMOUNT",
    "--statement-balance": "AMOUNT",
    "--currency": "CODE",
    "--category": "NAME",
    "--split": "CATEGORY=AMOUNT",
    "--min": "AMOUNT",
    "--max": "AMOUNT",
    "--search": "TEXT",
    "--depth": "N",
    "--db": "FILE",
    "--output": "FILE",
    "--keep": "FILE",
}


class LedgerCommand(TyperCommand):
    """Every command: its usage line names arguments plainly (`AMOUNT`, not typer's
    `{AMOUNT}`), and each option's value has a placeholder of its kind (PLACEHOLDERS),
    never a type name such as `<str>`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            flag = getattr(param, "is_flag", False)
            if param.param_type_name == "option" and param.metavar is None and not flag:
                param.metavar = placeholder(param.opts)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [
            piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
            for piece in super().collect_usage_pieces(ctx)
        ]


def placeholder(names: list[str]) -> str:
    """The placeholder of an option's value: by kind, else its long name in capitals."""
    for name in names:
        if name in PLACEHOLDERS:
            return PLACEHOLDERS[name]
    long = max(names, key=len)
    return long.lstrip("-").replace("-", "_").upper()


class AmountCommand(LedgerCommand):
    """A command whose AMOUNT may start with '-', so that `ledger deposit -5` is denied with
    a clear message (exit 1) instead of being taken for an option; any other unknown option
    is still a usage error (exit 2)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        takes_value = {}
        for param in self.get_params(ctx):
            for name in (*param.opts, *param.secondary_opts):
                takes_value[name] = not getattr(param, "is_flag", False)
        words = iter(args)
        for word in words:
            if word == "--":
                break
            name = word.split("=", 1)[0]
            if name in takes_value:
                if takes_value[name] and "=" not in word:
                    next(words, None)
            elif takes_value.get(word[:2]):
                pass  # a short option with its value attached: -asavings, -n101
            elif word.lower() in _NOT_NUMBERS:
                # `-inf`, `-nan`: click would read them as bundled short options.
                raise InvalidValue(f"amount {word!r} is not a finite number")
            elif word.startswith("-") and (len(word) == 1 or word[1].isalpha() or word[1] == "-"):
                ctx.fail(f"No such option: {name}")
        return list(super().parse_args(ctx, args))


MONEY_COMMAND = {"ignore_unknown_options": True}
_NOT_NUMBERS = {f"-{word}" for word in ("inf", "infinity", "nan", "snan")}

Account = Annotated[
    str, typer.Option("--account", "-a", help="Account name.", autocompletion=complete_account)
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AsCsv = Annotated[bool, typer.Option("--csv", help="Print CSV.")]
def date_help(default: str) -> str:
    """The help of a write's `--date`: the forms it takes, and what `default` is."""
    return f"Effective date: YYYY-MM-DD, 'today' or 'yesterday' (default: {default})."


WriteDate = Annotated[
    str | None,
    typer.Option("--date", help=date_help("today, local time"), metavar="DAY"),
]
Memo = Annotated[str | None, typer.Option("--memo", "-m", help="A note kept with the entry.")]
Payee = Annotated[str | None, typer.Option("--payee", help="Who paid or was paid.")]
Category = Annotated[
    str | None,
    typer.Option(
        "--category",
        "-c",
        help="What it was for: lowercase levels joined by ':' (food:groceries). Default: "
        "the first matching rule's, else the payee's last, else 'uncategorized'.",
        autocompletion=complete_category,
    ),
]
Split = Annotated[
    list[str] | None,
    typer.Option(
        "--split",
        help="A part in one category, CATEGORY=AMOUNT, repeated; the parts add up to the "
        "amount exactly. Instead of -c.",
    ),
]


def category_or_split(
    ctx: typer.Context, category: str | None, split: list[str] | None
) -> tuple[str | None, tuple[str, ...]]:
    """-c and --split, which exclude each other (a usage error, exit 2)."""
    if category is not None and split:
        raise typer.BadParameter("use either -c/--category or --split, not both", ctx=ctx)
    return category, tuple(split or ())
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Include entries effective on or before WHEN. A bare date includes the WHOLE "
        "day (unlike hledger's and ledger-cli's end dates). WHEN: YYYY-MM-DD, an ISO 8601 "
        "date-time, 'today', 'yesterday'.",
        metavar="WHEN",
    ),
]
KnownAt = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        help="Include only events recorded at or before WHEN (a bare date: the end of that "
        "day; 'now'); audit's recorded_at is accepted verbatim.",
        metavar="WHEN",
    ),
]


Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Record it even in a period sealed by a reconciled statement (it is flagged).",
    ),
]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Decide the command and print what it would record; write nothing."
    ),
]
IdKey = Annotated[
    str | None,
    typer.Option(
        "--id",
        help="Idempotency key: the same key again with the same command appends nothing and "
        "prints the first result; with another command it is denied.",
        metavar="KEY",
    ),
]


def effective_date(text: str | None) -> date:
    """The effective date of a write: today by default, never far in the future."""
    return today() if text is None else check_write_date(parse_date(text))


def chosen_date(text: str | None) -> date | None:
    """A `--date` whose default is the command's to decide (a void: the voided entry's)."""
    return None if text is None else effective_date(text)


def whole_number(text: str | None, option: str) -> int | None:
    """An option's whole number (1 or more), or None when it was not given."""
    from ledger_cli.domain.numbers import whole_number as parse

    return None if text is None else parse(text, option)


def output_format(as_json: bool, as_csv: bool) -> str:
    if as_json and as_csv:
        raise InvalidValue("--json and --csv cannot be used together")
    return "json" if as_json else "csv" if as_csv else "text"


def when(as_of: str | None, known_at: str | None) -> tuple[date | None, datetime | None]:
    """The two time options of a query, parsed (None where not given)."""
    day = parse_as_of(as_of) if as_of is not None else None
    known = parse_known_at(known_at) if known_at is not None else None
    return day, known


def parse_digest(text: str) -> tuple[int, str]:
    seq, _, hash_ = text.strip().partition(":")
    hash_ = hash_.lower()
    if not (
        seq.isascii()
        and seq.isdigit()
        and len(seq) <= 18
        and len(hash_) == 64
        and all(c in "0123456789abcdef" for c in hash_)
    ):
        raise InvalidValue(f"--digest {text!r} is not of the form SEQ:HASH (as `digest` prints)")
    return int(seq), hash_
