"""`ledger demo`: a month of a checking account's register, written into a throwaway ledger
through the one write path and shown by the views the queries use. The user's own ledger
(`--db`, LEDGER_DB, the default file) is never opened."""

import os
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ledger_cli.cli.app import fail_if_broken
from ledger_cli.cli.options import AsJson
from ledger_cli.domain.accounts import DEFAULT_ACCOUNT
from ledger_cli.domain.commands import Command, Deposit, Withdraw, WriteCheck
from ledger_cli.errors import InvalidValue

if TYPE_CHECKING:
    from ledger_cli.view.output import Output

commands = typer.Typer()

# The register of the README's tour: what each entry is typed as, and the command it makes.
REGISTER: list[tuple[list[str], Command]] = [
    (
        ["deposit", "10000", "--date", "2026-03-01", "--payee", "Salary", "-c", "income:salary"],
        Deposit("10000", date(2026, 3, 1), payee="Salary", category="income:salary"),
    ),
    (
        ["check", "4000", "--date", "2026-03-03", "--payee", "Landlord", "-c", "home:rent"],
        WriteCheck("4000", date(2026, 3, 3), payee="Landlord", category="home:rent"),
    ),
    (
        ["withdraw", "200", "--date", "2026-03-05", "-m", "ATM Main St", "-c", "cash"],
        Withdraw("200", date(2026, 3, 5), memo="ATM Main St", category="cash"),
    ),
    (
        [
            "check", "1250.50", "--date", "2026-03-28", "--payee", "Power company",
            "-c", "home:utilities",
        ],
        WriteCheck(
            "1250.50", date(2026, 3, 28), payee="Power company", category="home:utilities"
        ),
    ),
    (
        ["deposit", "2500", "--date", "2026-03-30", "--payee", "Refund", "-c", "income:refunds"],
        Deposit("2500", date(2026, 3, 30), payee="Refund", category="income:refunds"),
    ),
]


@commands.command()
def demo(
    ctx: typer.Context,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            help="Write the demo ledger to PATH, a new file, and keep it (default: a "
            "temporary folder, removed at the end).",
            metavar="PATH",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Show what the tool does on a month of a checking account's register, in a throwaway
    ledger: your own ledger is never opened, and nothing is left behind (unless --keep).

    \b
    Examples:
      ledger demo
      ledger demo --keep demo.db && ledger --db demo.db history
    """
    from ledger_cli.view.output import Output, clean

    # Only a --db typed on this command line (LEDGER_DB is the environment's, not a request).
    source = ctx.parent.get_parameter_source("db") if ctx.parent is not None else None
    if source is not None and source.name == "COMMANDLINE":
        raise InvalidValue(
            "demo does not use --db: it writes a throwaway ledger (--keep PATH keeps it)"
        )
    keep = keep.expanduser() if keep is not None else None
    output = Output()
    with _demo_ledger(keep) as path:
        if as_json:
            output.json({"ledger": None if keep is None else str(keep), **_run(path, None)})
            return
        if keep is None:
            output.line(
                "A throwaway ledger in a temporary folder, removed at the end; "
                "your own ledger is not touched."
            )
        else:
            output.line(clean(f"A new ledger at {keep}, kept; your own ledger is not touched."))
        _run(path, output)
    if keep is None:
        output.line("The throwaway ledger is removed. Start your own books: ledger deposit AMOUNT")
    else:
        output.line(clean(f"Go on with it: ledger --db {shlex.quote(str(keep))} history"))


@contextmanager
def _demo_ledger(keep: Path | None) -> Iterator[Path]:
    """The demo's ledger file: in a new temporary folder, removed afterwards, or `keep`,
    which must not exist yet (claimed atomically; removed again if the demo fails)."""
    if keep is None:
        from tempfile import TemporaryDirectory

        with TemporaryDirectory(prefix="ledger-demo-") as folder:
            yield Path(folder).joinpath("ledger.db")
        return
    if not keep.parent.is_dir():
        raise InvalidValue(f"--keep {str(keep)!r}: the folder {str(keep.parent)!r} does not exist")
    try:
        # An empty file is a ledger to be: the first write makes it one (store/sqlite).
        os.close(os.open(keep, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise InvalidValue(
            f"--keep {str(keep)!r} already exists; the demo writes only a new file"
        ) from None
    except OSError as error:
        raise InvalidValue(f"--keep {str(keep)!r}: {error.strerror or error}") from None
    try:
        yield keep
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            keep.with_name(keep.name + suffix).unlink(missing_ok=True)
        raise


def _run(path: Path, output: "Output | None") -> dict[str, Any]:
    """Write the register into `path` and ask the queries. With an `output`, each part is
    printed as its own command prints it, under that command as typed; without one, the parts
    are returned as the JSON each command gives."""
    from ledger_cli.app.queries import read
    from ledger_cli.app.report import Options as ReportOptions
    from ledger_cli.app.report import report as build
    from ledger_cli.app.service import Ledger
    from ledger_cli.view.audit import audit
    from ledger_cli.view.categories import report
    from ledger_cli.view.outcome import outcome, record
    from ledger_cli.view.register import history
    from ledger_cli.view.reports import balances, reconciliation

    document: dict[str, Any] = {"commands": []}
    ledger = Ledger(path)
    for words, command in REGISTER:
        result = ledger.execute(command)
        if output is None:
            document["commands"].append({"command": _typed(words), "result": record(result)})
        else:
            output.line(f"# {_typed(words)}")
            outcome(output, result, as_json=False)
    account = DEFAULT_ACCOUNT
    with read(path) as q:
        check = q.reconcile()
        shows: dict[str, Callable[[Output, bool], None]] = {
            "balance": lambda out, js: balances(out, [q.balance(account)], as_json=js, single=True),
            "history": lambda out, js: history(
                out, q.history(account), q.account(account), fmt="json" if js else "text"
            ),
            "report": lambda out, js: report(
                out, build(q, ReportOptions()), fmt="json" if js else "text"
            ),
            "audit": lambda out, js: audit(
                out, q.audit(), q.accounts, fmt="json" if js else "text"
            ),
            "reconcile": lambda out, js: reconciliation(out, check, as_json=js),
        }
        for name, show in shows.items():
            if output is None:
                document[name] = _json_of(show)
            else:
                output.line(f"# {_typed([name])}")
                show(output, False)
    fail_if_broken(check)
    return document


def _typed(words: list[str]) -> str:
    return shlex.join(["ledger", *words])


def _json_of(show: "Callable[[Output, bool], None]") -> Any:
    """What a view prints as JSON, parsed, so that the demo's one document holds each part
    exactly as its own command gives it."""
    import io
    import json

    from ledger_cli.view.output import Output

    buffer = io.StringIO()
    show(Output(out=buffer, terminal=False), True)
    return json.loads(buffer.getvalue())
