"""The docs keep up with the app: every command is in the README and has an example in --help,
and the README's two commands are the ones CI runs."""

from __future__ import annotations

import re

import pytest
from conftest import REPO
from typer.testing import CliRunner

from ledger_cli.cli.app import app

README = (REPO / "README.md").read_text(encoding="utf-8")
CORE = ["deposit", "check", "withdraw", "transfer", "void", "open", "close", "balance",
        "history", "audit", "reconcile", "digest", "diff", "rebuild"]


def registered_commands() -> list[str]:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    section = result.output.split("Commands:", 1)[1]
    return re.findall(r"^  (\w+)", section, re.M)


# Every command the app has, so that a new one fails these tests until it is documented.
COMMANDS = registered_commands()


def test_the_app_has_at_least_the_core_commands() -> None:
    assert set(CORE) <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme_with_an_example(command: str) -> None:
    assert f"`{command}" in README
    assert re.search(rf"`ledger {command}\b", README), f"no example of `ledger {command}`"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_an_example(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert re.search(rf"Examples?:\s+ledger {command}\b", result.output), result.output


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert len(commands) >= 2
    test_command = commands[1].strip()
    assert "pytest" in test_command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_exit_codes_are_documented() -> None:
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 130 |"):
        assert code in README
