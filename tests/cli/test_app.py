"""The root group (cli/app.py): every command is listed and loaded from its module only when it
runs, and a command imports only what it uses. What a process has imported is what its start-up
costs (bench/startup.py measures the time); here it is checked by name, so that a heavy import
creeping onto a simple command's path fails a test."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from conftest import cli, ledger_env, ok

from ledger_cli.cli.app import COMMANDS, command_name


def test_the_command_table_names_every_command_of_every_module() -> None:
    defined: dict[str, str] = {}
    for module in sorted(set(COMMANDS.values())):
        commands: typer.Typer = importlib.import_module(f"ledger_cli.cli.{module}").commands
        names = [command_name(info) for info in commands.registered_commands]
        # A command of commands (`rule add`, `rule list`) is listed under its group's name.
        names += [str(group.name) for group in commands.registered_groups]
        for name in names:
            assert name not in defined, name
            defined[name] = module
    assert defined == COMMANDS


def test_help_lists_the_commands_in_the_tables_order() -> None:
    code, out, _ = cli("--help")
    assert code == 0
    # A command's line starts two spaces in; its summary may wrap onto deeper lines.
    lines = out.split("Commands:", 1)[1].splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("  ") and line[2] != " "]
    assert listed == list(COMMANDS)


# What a process imported, one name a line on stderr after the command ran (through the console
# entry, as the installed `ledger` runs it; the probe itself imports nothing).
PROBE = """
import sys
sys.argv = ["ledger", *sys.argv[1:]]
from ledger_cli.cli.main import main
code = 0
try:
    main()
except SystemExit as exit:
    code = exit.code or 0
sys.stdout.flush()
sys.stderr.write(f"\\n--modules-- {code}\\n" + "\\n".join(sorted(sys.modules)))
"""

HEAVY = {"rich", "plotext", "sqlite_utils", "platformdirs", "decimal", "dataclasses", "csv"}


def imported(db: Path, *args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
        env=ledger_env(db), timeout=60,
    )
    report = result.stderr.split("\n--modules-- ", 1)[1]
    code, _, names = report.partition("\n")
    assert code == "0", result.stderr  # the command itself succeeded
    return set(names.splitlines())


def top(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.fixture
def small_ledger(ledger_db: Path) -> Path:
    ok("deposit", "100", "--date", "2026-03-01")
    ok("check", "40", "--date", "2026-03-02")
    return ledger_db


def test_a_balance_loads_no_write_side_and_nothing_heavy(small_ledger: Path) -> None:
    modules = imported(small_ledger, "balance")
    assert "ledger_cli.cli.queries" in modules
    for name in ("ledger_cli.cli.writes", "ledger_cli.cli.integrity", "ledger_cli.cli.terminal",
                 "ledger_cli.app.writer", "ledger_cli.app.service", "ledger_cli.domain.decider",
                 "ledger_cli.domain.commands", "ledger_cli.store.chain", "hashlib", "json"):
        assert name not in modules, name
    assert not top(modules) & HEAVY


def test_a_deposit_loads_no_query_side_and_nothing_heavy(small_ledger: Path) -> None:
    modules = imported(small_ledger, "deposit", "5")
    assert "ledger_cli.app.writer" in modules
    for name in ("ledger_cli.app.queries", "ledger_cli.app.verify", "ledger_cli.app.monthend",
                 "ledger_cli.domain.clearing", "ledger_cli.store.sqlite.fastcheck",
                 "ledger_cli.store.sqlite.rebuild", "_hashlib"):
        assert name not in modules, name
    assert not top(modules) & HEAVY


def test_only_the_command_being_run_is_built(small_ledger: Path) -> None:
    modules = imported(small_ledger, "history")
    assert "ledger_cli.cli.queries" in modules
    assert not {"ledger_cli.cli.writes", "ledger_cli.cli.monthend", "ledger_cli.cli.terminal"} & (
        modules
    )


def test_help_loads_every_command_module(small_ledger: Path) -> None:
    modules = imported(small_ledger, "--help")
    assert {f"ledger_cli.cli.{module}" for module in COMMANDS.values()} <= modules


@pytest.mark.parametrize(("typed", "suggested"), [
    ("depost", "'deposit', 'report', 'export'"),
    ("balanse", "'balance'"),
    ("hist", "'history', 'digest'"),
])
def test_an_unknown_command_gets_the_nearest_names(typed: str, suggested: str) -> None:
    code, _, err = cli(typed, "5")
    assert code == 2
    assert f"No such command '{typed}'. Did you mean {suggested}?" in err


def test_a_command_with_no_near_name_gets_none() -> None:
    code, _, err = cli("xyzzy")
    assert code == 2
    assert "No such command 'xyzzy'." in err and "Did you mean" not in err
