"""Help text a new user reads (issue "Mistakes, and the way back", friction): placeholders by
kind, summaries never cut off, help on every option, dates that say `today` works, and
completion of an option's few choices."""

from __future__ import annotations

import re
import subprocess

import pytest
import typer
from conftest import cli, ledger_env, ledger_executable

from ledger_cli.cli.app import COMMANDS, app


def _command(name: str) -> typer.core.TyperCommand:
    group = typer.main.get_command(app)
    ctx = group.make_context("ledger", [name], resilient_parsing=True)
    return group.get_command(ctx, name)


def _help(*args: str) -> str:
    code, out, err = cli(*args, "--help")
    assert code == 0, err
    return out


@pytest.mark.parametrize("name", COMMANDS)
def test_usage_and_options_show_placeholders_by_kind(name: str) -> None:
    text = _help(name)
    usage = text.splitlines()[0]
    assert "{" not in usage and "<" not in usage, usage
    assert not re.search(r"<[a-z]+>", text), text  # typer's `<str>`, `<path>`
    command = _command(name)
    for param in command.params:
        if param.param_type_name == "option" and not getattr(param, "is_flag", False):
            assert param.metavar and param.metavar.isupper(), (name, param.opts, param.metavar)
    for option, kind in [("--date", "DAY"), ("--as-of", "WHEN"), ("--known-at", "WHEN"),
                         ("--limit", "N"), ("--account", "NAME"), ("--amount", "AMOUNT")]:
        if re.search(rf"{option}(?![\w-])", text):
            assert re.search(rf"{option} {kind}\b", text), (name, option)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_and_argument_has_help(name: str) -> None:
    for param in _command(name).params:
        assert getattr(param, "help", None), (name, param.name)


DATED = [name for name in COMMANDS if any("--date" in p.opts for p in _command(name).params)]


def test_the_write_commands_take_a_date() -> None:
    assert {"deposit", "check", "void", "unvoid", "amend", "open", "clear"} <= set(DATED)


@pytest.mark.parametrize("name", DATED)
def test_a_write_date_says_today_and_yesterday_work(name: str) -> None:
    text = " ".join(_help(name).split())
    match = re.search(r"--date DAY (.*?)(?= --|$)", text)
    assert match is not None, text
    assert "'today'" in match.group(1) and "'yesterday'" in match.group(1), match.group(1)


def test_the_command_list_is_never_cut_off_mid_sentence() -> None:
    text = _help()
    listing = text[text.index("Commands:"):]
    assert "..." not in listing, listing
    for name in COMMANDS:
        assert re.search(rf"^  {name} ", listing, re.M), name
    summary = " ".join(listing[listing.index("  check "):listing.index("  withdraw ")].split())
    assert summary == "check Write a check (CheckWritten); denied beyond balance + overdraft limit."


def test_the_default_of_to_known_at_is_said_once() -> None:
    text = " ".join(_help("diff").split())
    option = text[text.index("--to-known-at WHEN"):text.index("--json")]
    assert option.count("default") == 1, option
    assert "[default" not in option


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("ledger export --format ", ["csv", "ndjson", "hledger", "beancount"]),
        ("ledger export --format h", ["hledger"]),
        ("ledger import x.csv --format ", ["csv", "ndjson"]),
        ("ledger chart --by ", ["day", "week", "month"]),
        ("ledger chart --by m", ["month"]),
    ],
)
def test_an_options_choices_complete(words: str, offered: list[str]) -> None:
    parts = words.split(" ")
    env = ledger_env(_LEDGER_COMPLETE="complete_bash", COMP_WORDS=words,
                     COMP_CWORD=str(len(parts) - 1))
    done = subprocess.run([ledger_executable()], env=env, capture_output=True, text=True,
                          timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == offered
