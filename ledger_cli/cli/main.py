"""The console script. `ledger --version` is answered here, before the CLI framework is
imported (it is most of a command's start-up time); everything else goes to the typer app."""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from ledger_cli import __version__

        sys.stdout.write(f"ledger {__version__}\n")
        return
    from ledger_cli.cli.app import app

    app()
