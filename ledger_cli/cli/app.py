"""The typer application: the global options (--db, --debug, --version), which ledger a command
works on, and the root group, which loads a command's module only when that command runs and
is the one place where errors become a message on stderr and an exit status. No traceback
reaches a user unless --debug or LEDGER_DEBUG=1 asks for it.
"""

import importlib
import os
import sys
import traceback
from difflib import get_close_matches
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from ledger_cli import __version__, interrupts
from ledger_cli.errors import ExitCode, IntegrityFailure, LedgerError, OutputError
from ledger_cli.interrupts import SIGINT, Interrupted

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from ledger_cli.app.queries import Queries
    from ledger_cli.app.service import Document
    from ledger_cli.app.verify import Reconciliation
    from ledger_cli.cli.location import LedgerFile
    from ledger_cli.domain.commands import Command

# Every command, in the order `ledger --help` lists them, and the module of ledger_cli.cli that
# defines it. Only the module of the command being run is imported (tests/cli/test_app.py
# checks this table against the modules).
COMMANDS = {
    "demo": "demo",
    "deposit": "writes",
    "check": "writes",
    "withdraw": "writes",
    "transfer": "writes",
    "void": "writes",
    "unvoid": "writes",
    "amend": "writes",
    "open": "writes",
    "close": "writes",
    "fee": "writes",
    "interest": "writes",
    "clear": "writes",
    "unclear": "writes",
    "statement": "monthend",
    "import": "writes",
    "categorize": "categories",
    "rule": "categories",
    "budget": "categories",
    "schedule": "schedules",
    "due": "schedules",
    "attach": "documents",
    "detach": "documents",
    "balance": "queries",
    "history": "queries",
    "report": "report",
    "forecast": "schedules",
    "docs": "documents",
    "audit": "integrity",
    "reconcile": "integrity",
    "digest": "integrity",
    "diff": "queries",
    "rebuild": "integrity",
    "export": "terminal",
    "restore": "terminal",
    "chart": "terminal",
}


_ARGS = "ledger.args"  # ctx.meta: the words typed after `ledger`


class Settings:
    """The global options, kept on the context for the command."""

    __slots__ = ("db", "debug")

    def __init__(self, db: str | None, debug: bool) -> None:
        self.db = db
        self.debug = debug


def _debug_env() -> bool:
    return os.environ.get("LEDGER_DEBUG", "").strip().lower() not in ("", "0", "false", "no")


def _debugging(ctx: typer.Context) -> bool:
    settings = ctx.find_object(Settings)
    return settings.debug if settings is not None else _debug_env()


class LedgerGroup(TyperGroup):
    """The root group: builds a command from its module when it is asked for, and turns every
    error into one line on stderr and the documented exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(f"ledger_cli.cli.{COMMANDS[cmd_name]}")
            commands: typer.Typer = module.commands
            from ledger_cli.cli.options import LedgerCommand  # plain usage, placeholders

            group = next((g for g in commands.registered_groups if g.name == cmd_name), None)
            if group is not None:
                # A command of commands (`rule add`, `rule list`): each is a LedgerCommand.
                assert group.typer_instance is not None
                for info in group.typer_instance.registered_commands:
                    if info.cls in (None, TyperCommand):
                        info.cls = LedgerCommand
                self.commands[cmd_name] = typer.main.get_group_from_info(
                    group,
                    pretty_exceptions_short=True,
                    suggest_commands=True,
                    rich_markup_mode=None,
                )
                return self.commands[cmd_name]
            info = next(i for i in commands.registered_commands if command_name(i) == cmd_name)
            if info.cls in (None, TyperCommand):
                info.cls = LedgerCommand
            self.commands[cmd_name] = typer.main.get_command_from_info(
                info, pretty_exceptions_short=True, rich_markup_mode=None
            )
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """`ledger --help`: each command with the whole first sentence of its help, wrapped,
        never cut off mid-sentence."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        # typer suggests from the commands already built, and this group builds them lazily.
        if args and not ctx.resilient_parsing and not args[0].startswith("-"):
            if args[0] not in COMMANDS:
                matches = get_close_matches(args[0], list(COMMANDS))
                hint = f" Did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
                ctx.fail(f"No such command {args[0]!r}.{hint}")
        return super().resolve_command(ctx, args)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The words as typed, for `--json` when a failure comes before the command's own
        # options are parsed (a usage error of the root is raised here).
        ctx.meta[_ARGS] = list(args)
        try:
            return list(super().parse_args(ctx, args))
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as error:
            self.usage_failed(ctx, error)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except (Interrupted, KeyboardInterrupt) as error:
            # Before a commit (after it, signals only get noted: interrupts.py): nothing
            # was recorded.
            stop = error if isinstance(error, Interrupted) else Interrupted(SIGINT)
            self.report(ctx, str(stop), stop.exit_code)
            raise typer.Exit(stop.exit_code) from error
        except typer.TyperException as error:
            # click's own: usage (exit 2), a bad parameter.
            self.usage_failed(ctx, error)
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
            wrapped = interrupts.cause(error)
            if wrapped is not None:
                # An interruption the interpreter wrapped (interrupts.cause): nothing recorded.
                self.report(ctx, str(wrapped), wrapped.exit_code)
                raise typer.Exit(wrapped.exit_code) from error
            if _debugging(ctx):
                traceback.print_exc()
            self.report(
                ctx,
                f"internal error: {type(error).__name__}: {error} "
                "(run with --debug for the traceback, and please report it)",
                ExitCode.INTERNAL,
            )
            raise typer.Exit(ExitCode.INTERNAL) from error

    def invoke_failed(self, ctx: Any, error: LedgerError) -> Any:
        """One line on stderr (with --json, one JSON object) and the error's exit code."""
        if _debugging(ctx):
            traceback.print_exc()
        self.report(ctx, str(error), error.exit_code)
        raise typer.Exit(error.exit_code) from error

    def usage_failed(self, ctx: Any, error: Any) -> None:
        """click's own errors: with --json one JSON object and its exit code; else click
        shows it (usage, then the message), once `--db` after a command is explained."""
        if ctx.invoked_subcommand and (
            getattr(error, "option_name", None) == "--db"
            or getattr(error, "message", None) == "No such option: --db"
        ):
            error.message = (
                "No such option: --db (it goes before the command: "
                f"ledger --db FILE {ctx.invoked_subcommand})"
            )
            error.possibilities = None
        if self.json_requested(ctx):
            message = error.format_message() if hasattr(error, "format_message") else error
            code = getattr(error, "exit_code", 2)
            self.report(ctx, str(message), code)
            raise typer.Exit(code) from error

    def report(self, ctx: Any, message: str, code: int) -> None:
        from ledger_cli.cli.failures import report

        report(message, code, self.json_requested(ctx))

    def json_requested(self, ctx: Any) -> bool:
        """`--json` among the words typed, before a `--`, and not the value of an option
        (`--memo --json`); the options are the root's and the command's."""
        takes_value: set[str] = set()
        name = ctx.invoked_subcommand
        for command in (self, self.commands.get(name) if name else None):
            for param in command.params if command is not None else ():
                if param.param_type_name == "option" and not getattr(param, "is_flag", False):
                    takes_value.update(param.opts, param.secondary_opts)
        words = iter(ctx.meta.get(_ARGS, ()))
        for word in words:
            if word == "--":
                return False
            if word == "--json":
                return True
            if word in takes_value:
                next(words, None)
        return False


def command_name(info: typer.models.CommandInfo) -> str:
    """The name a command is typed as."""
    return info.name or (info.callback.__name__ if info.callback else "").replace("_", "-")


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
        str | None,
        typer.Option(
            "--db",
            envvar="LEDGER_DB",
            metavar="FILE",
            help="The ledger file, before the command (default: ledger.db in the user data "
            "folder).",
        ),
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
    source = ctx.get_parameter_source("db")
    if source is None or source.name != "COMMANDLINE":
        db = None  # LEDGER_DB, read (and checked) where the file is chosen: location.py
    ctx.obj = Settings(db=db, debug=debug or _debug_env())


def chosen_file(ctx: typer.Context) -> "LedgerFile":
    """The ledger of the command being run."""
    from ledger_cli.cli.location import ledger_file

    settings = ctx.find_object(Settings)
    return ledger_file(settings.db if settings is not None else None)


def write(
    ctx: typer.Context,
    command: "Command",
    as_json: bool,
    key: str | None,
    dry_run: bool = False,
    document: "Document | None" = None,
) -> None:
    """The write path of a single command: one service call, one line of output. A
    `dry_run` prints the same, marked, and writes nothing. `document`: the bytes an
    AttachDocument names."""
    from ledger_cli.app.service import Ledger
    from ledger_cli.domain.commands import check_key
    from ledger_cli.view.outcome import outcome
    from ledger_cli.view.output import Output

    file = chosen_file(ctx)
    ledger = Ledger(file.path, create_folder=file.create_folder)
    key = None if key is None else check_key(key)
    result = ledger.execute(command, key=key, dry_run=dry_run, document=document)
    try:
        outcome(Output(), result, as_json=as_json)
    except BrokenPipeError:
        raise
    except OSError as error:
        # Say that it was recorded, so that nobody retries it.
        raise OutputError(
            f"recorded as {result.ref}, but the output could not be written: "
            f"{error.strerror or error}"
        ) from error
    if not dry_run:
        from ledger_cli.cli.reminders import remind

        remind(file.path, as_json)


def read(ctx: typer.Context, *, damaged_ok: bool = False) -> "AbstractContextManager[Queries]":
    """The read path: a snapshot of the log; it never creates a file."""
    from ledger_cli.app.queries import read as snapshot

    return snapshot(chosen_file(ctx).path, damaged_ok=damaged_ok)


def fail_if_broken(result: "Reconciliation") -> None:
    """Exit 3 naming the first failing seq (the report itself is already printed)."""
    if not result.ok:
        first = result.findings[0]
        raise IntegrityFailure(
            f"the log is broken at seq {first.seq} ({first.kind}): {first.detail}"
        )
