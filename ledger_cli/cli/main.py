"""The console script. It first takes over SIGINT and SIGTERM (ledger_cli/interrupts.py), so that
Ctrl-C at any moment of the tool's run, its imports included, is one line and exit 130 (143
for SIGTERM), and never stops a write that has begun to commit. `ledger --version` is answered
here, before the CLI framework is imported (it is most of a command's start-up time);
everything else goes to the typer app, whose root group reports every other failure."""

import sys


def main() -> None:
    # First of all, with the C module the interpreter has already loaded: from here on the
    # two signals are noted, and acted on once main() can report them.
    import _signal  # type: ignore[import-not-found]

    noted: list[int] = []
    for signum in (_signal.SIGINT, _signal.SIGTERM):
        _signal.signal(signum, lambda signum, frame: noted.append(signum))
    from ledger_cli import interrupts
    from ledger_cli.cli.failures import json_requested, report

    interrupts.install(noted)
    try:
        try:
            interrupts.arm()
            if sys.argv[1:] == ["--version"]:
                from ledger_cli import __version__

                sys.stdout.write(f"ledger {__version__}\n")
                return
            from ledger_cli.cli.app import app

            app()
        finally:
            interrupts.disarm()
    except BaseException as error:
        # Stopped outside a command (while starting, or between its parts): nothing was
        # recorded. (A command's own interruption is reported by the root group.)
        # (A SystemExit is an exit already decided and reported, whatever caused it.)
        stop = None if isinstance(error, SystemExit) else interrupts.cause(error)
        if stop is None:
            raise
        report(str(stop), stop.exit_code, json_requested(sys.argv[1:]))
        sys.exit(stop.exit_code)
