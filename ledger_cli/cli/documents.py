"""The commands of receipts (SPEC 13): `attach`, `detach`, and `docs` (the listing, `docs get`,
`docs missing`). Each parses its options, makes one service or query call and prints the
answer (view/documents.py, view/register.py)."""

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ledger_cli.cli.app import chosen_file, read, write
from ledger_cli.cli.completion import complete_account, complete_ref
from ledger_cli.cli.options import AsCsv, AsJson, AsOf, DryRun, IdKey, output_format, when
from ledger_cli.domain.accounts import DEFAULT_ACCOUNT
from ledger_cli.domain.dates import parse_date, today
from ledger_cli.errors import InvalidValue
from ledger_cli.store.url import Location


class DocsGroup(TyperGroup):
    """`docs` lists the documents unless its first word is one of its commands: `docs`,
    `docs T4` and `docs --json` are `docs list ...`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return list(super().parse_args(ctx, args))


commands = typer.Typer()
docs = typer.Typer(
    cls=DocsGroup,
    help="The documents (receipts, invoices) attached to entries: list them, write one out, "
    "or find the entries that have none.\n\n\b\nExamples:\n  ledger docs\n  ledger docs T4\n"
    "  ledger docs get 3fa2b1c4 -o receipt.pdf\n  ledger docs missing --over 50",
)
commands.add_typer(docs, name="docs")

Sha256 = Annotated[
    str,
    typer.Argument(
        metavar="SHA256", help="The document's SHA-256, or its first 8 or more hex digits."
    ),
]
Ref = Annotated[
    str,
    typer.Argument(metavar="REF", help="The transaction.", autocompletion=complete_ref),
]


@commands.command()
def attach(
    ctx: typer.Context,
    ref: Ref,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="The document: a PDF, a photo, any file up to 25 MiB.",
            exists=False, dir_okay=True, resolve_path=False,
        ),
    ],
    note: Annotated[
        str | None, typer.Option("--note", help="A note kept with the document.")
    ] = None,
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """Attach a document to a transaction (DocumentAttached): its SHA-256, size, name and
    media type go into the log, its bytes into the ledger file, once for the same bytes.
    `reconcile` checks them ever after.

    \b
    Examples:
      ledger attach T4 receipt.pdf
      ledger attach T7 scan.png --note "parking, client visit"
    """
    from ledger_cli.app.documents import read_file
    from ledger_cli.app.service import Document
    from ledger_cli.domain.commands import AttachDocument

    content = read_file(file, str(file))
    command = AttachDocument(
        ref.strip(), content.sha256, content.size, content.name, content.media_type, today(),
        note,
    )
    write(ctx, command, as_json, key, dry_run, Document(content.sha256, content.data))


@commands.command()
def detach(
    ctx: typer.Context,
    ref: Ref,
    sha256: Sha256,
    reason: Annotated[str | None, typer.Option("--reason", help="Why.")] = None,
    as_json: AsJson = False,
    key: IdKey = None,
    dry_run: DryRun = False,
) -> None:
    """Detach a document from a transaction (DocumentDetached): it leaves the listing of
    REF; its bytes and its history stay, as for every event.

    \b
    Example:
      ledger detach T4 3fa2b1c4 --reason "the wrong receipt"
    """
    from ledger_cli.domain.commands import DetachDocument

    write(ctx, DetachDocument(ref.strip(), sha256, today(), reason), as_json, key, dry_run)


@docs.command("list")
def docs_list(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            metavar="[REF]", help="Only this transaction's documents.",
            autocompletion=complete_ref,
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """The documents attached now, in the order attached (`ledger docs` for short).

    \b
    Examples:
      ledger docs
      ledger docs T4 --json
    """
    from ledger_cli.app.documents import listing
    from ledger_cli.view.documents import listing as show
    from ledger_cli.view.output import Output

    chosen = None if ref is None else ref.strip()
    with read(ctx) as q:
        found = listing(q, chosen)
    show(Output(), found, chosen, as_json=as_json)


@docs.command("get")
def docs_get(
    ctx: typer.Context,
    sha256: Sha256,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", metavar="PATH",
            help="Where to write its bytes; '-' for standard output (not a terminal).",
        ),
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
    as_json: AsJson = False,
) -> None:
    """Write a document's exact bytes to PATH (or to standard output with -o -).

    \b
    Examples:
      ledger docs get 3fa2b1c4 -o receipt.pdf
      ledger docs get 3fa2b1c4 -o - | sha256sum
    """
    from ledger_cli.app.documents import check_stored, chunks, find
    from ledger_cli.view.documents import written
    from ledger_cli.view.output import Output

    if output == "-":
        if as_json:
            raise InvalidValue("--json prints to standard output; give -o PATH with it")
        if sys.stdout.isatty():
            raise InvalidValue(
                "standard output is a terminal; give -o PATH, or pipe it (-o - | ...)"
            )
    with read(ctx) as q:
        found = find(q, sha256)
        if output == "-":
            check_stored(q, found.sha256, found.size)  # nothing altered reaches the pipe
            out = sys.stdout.buffer
            for piece in chunks(q, found.sha256, found.size):
                out.write(piece)
            out.flush()
            return
        pieces = chunks(q, found.sha256, found.size)
        target = _write_file(output, force, pieces, chosen_file(ctx).path)
    written(Output(), found.sha256, found.size, str(target), as_json=as_json)


def _write_file(
    path: str, force: bool, pieces: Iterable[bytes], ledger: Location
) -> Path:
    """Write `pieces` to `path` whole or not at all (a temporary file beside it, renamed),
    private to the user; an existing file only with `force`."""
    from ledger_cli.interop.atomicfile import refuse_the_ledger, replacing

    if not path.strip():
        raise InvalidValue("-o is empty; give a file name, or - for standard output")
    target = Path(path).expanduser()
    try:
        if target.is_dir():
            raise InvalidValue(f"-o {path} is a folder; give a file name")
        if target.exists() and not target.is_file():
            # A device or a pipe is never replaced by a file (as root, /dev/null would be).
            raise InvalidValue(
                f"{path} is not a regular file; use -o - and redirect standard output"
            )
        if target.exists() and not force:
            raise InvalidValue(f"{path} exists; use --force to overwrite it")
    except OSError as error:
        raise InvalidValue(f"cannot write {path}: {error.strerror or error}") from None
    refuse_the_ledger(target, path, ledger)
    with replacing(target, path, binary=True) as stream:
        for piece in pieces:
            stream.write(piece)
    return target


@docs.command("missing")
def docs_missing(
    ctx: typer.Context,
    over: Annotated[
        str | None,
        typer.Option(
            "--over", metavar="AMOUNT", help="Only entries of more than AMOUNT (either sign)."
        ),
    ] = None,
    account: Annotated[
        str, typer.Option("--account", "-a", help="Account name.", autocompletion=complete_account)
    ] = DEFAULT_ACCOUNT,
    all_: Annotated[bool, typer.Option("--all", help="Every account.")] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="Only entries effective on or after this day.")
    ] = None,
    as_of: AsOf = None,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """The money entries without a document: deposits, checks, withdrawals, fees and
    interest that are not voided (a transfer between your own accounts, a void and its
    reversal need none), as rows of `history`.

    \b
    Examples:
      ledger docs missing
      ledger docs missing --all --over 250 --since 2026-01-01
    """
    from ledger_cli.app.documents import missing
    from ledger_cli.cli.queries import check_account_or_all
    from ledger_cli.domain.money import Currency, parse_amount
    from ledger_cli.view.output import Output
    from ledger_cli.view.register import Asked
    from ledger_cli.view.register import history as listing

    check_account_or_all(ctx, all_)
    fmt = output_format(as_json, as_csv)
    start = parse_date(since, "--since") if since is not None else None
    day, _ = when(as_of, None)
    bounds: dict[str, int] = {}

    def bound(cur: Currency) -> int:
        if over is None:
            return 0
        if cur.code not in bounds:
            bounds[cur.code] = parse_amount(over, cur, what="--over", allow_zero=True)
        return bounds[cur.code]

    where = "any account" if all_ else account
    above = f" of more than {over}" if over is not None else ""
    nothing = f"Every entry{above} in {where} has a document."
    with read(ctx) as q:
        asked = Asked(
            start, day, q.knowledge(None), False, over is not None, nothing,
            f"Entries{above} without a document in",
        )
        if all_:
            every = q.accounts
            for info in every.values():
                bound(info.currency)  # a bad --over is named before any row is printed
            lines = missing(
                q.history_all(since=start, as_of=day),
                lambda line: bound(every[line.row.account].currency),
            )
            listing(Output(), lines, None, fmt=fmt, asked=asked, accounts=every)
        else:
            info = q.account(account)
            if over is not None:
                bound(info.currency)  # a bad --over is named even when nothing is listed
            lines = missing(
                q.history(account, since=start, as_of=day), lambda _: bound(info.currency)
            )
            listing(Output(), lines, info, fmt=fmt, asked=asked)
