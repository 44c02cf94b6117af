"""The typer application: global options (--db, --debug, --version), which file a command
works on, and `LedgerGroup.invoke`, the one place where errors become a message on stderr and
an exit status (SPEC section 8). No traceback reaches a user unless --debug or LEDGER_DEBUG=1
asks for it.
"""

import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ledger_cli import __version__
from ledger_cli.errors import ExitCode, LedgerError, OutputError


@dataclass
class Settings:
    db: Path | None
    debug: bool


def _debug_env() -> bool:
    return os.environ.get("LEDGER_DEBUG", "").strip().lower() not in ("", "0", "false", "no")


def _debugging(ctx: typer.Context) -> bool:
    settings = ctx.find_object(Settings)
    return settings.debug if settings is not None else _debug_env()


class LedgerGroup(TyperGroup):
    """Turns every error into one line on stderr and the documented exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):
            raise
        except LedgerError as error:
            return self.invoke_failed(ctx, error)
        except BrokenPipeError:
            # The reader went away (`ledger audit | head`): not an error of ours.
            sys.stderr.close()
            raise typer.Exit(ExitCode.OK) from None
        except OSError as error:
            # Only writing the answer can fail this way: storage errors are translated.
            return self.invoke_failed(
                ctx, OutputError(f"cannot write the output: {error.strerror or error}")
            )
        except Exception as error:
            if _debugging(ctx):
                traceback.print_exc()
            typer.echo(
                f"ledger: internal error: {type(error).__name__}: {error} "
                "(run with --debug for the traceback, and please report it)",
                err=True,
            )
            raise typer.Exit(ExitCode.INTERNAL) from error

    def invoke_failed(self, ctx: Any, error: LedgerError) -> Any:
        """One line on stderr and the error's exit code."""
        if _debugging(ctx):
            traceback.print_exc()
        from ledger_cli.output import clean

        typer.echo(f"ledger: {clean(str(error))}", err=True)
        raise typer.Exit(error.exit_code) from error


app = typer.Typer(
    cls=LedgerGroup,
    name="ledger",
    help="An event-sourced checkbook register: every command appends immutable events to a "
    "hash-chained SQLite log; every query replays it, at any point in time.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"ledger {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="LEDGER_DB", help="The ledger file (env LEDGER_DB)."),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks (also: LEDGER_DEBUG=1).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    """An event-sourced checkbook register for the command line."""
    ctx.obj = Settings(db=db, debug=debug or _debug_env())


@dataclass(frozen=True)
class LedgerFile:
    """The file a command works on; only the default location's folder may be created."""

    path: Path
    create_folder: bool


def ledger_file(ctx: typer.Context) -> LedgerFile:
    """--db, else LEDGER_DB, else ledger.db in the platform's user data folder."""
    settings = ctx.find_object(Settings)
    if settings is not None and settings.db is not None:
        return LedgerFile(settings.db.expanduser(), create_folder=False)
    from platformdirs import user_data_path

    return LedgerFile(user_data_path("ledger", appauthor=False) / "ledger.db", True)
