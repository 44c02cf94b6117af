"""Shell completion in real shells: the committed scripts are what the app generates; bash's
completion function (driven through COMP_WORDS/COMP_CWORD and the _LEDGER_COMPLETE protocol)
offers commands, the accounts of the ledger in LEDGER_DB or --db, and the refs `void` takes;
zsh (in a pseudo-terminal, pressing Tab) and fish (`complete -C`) when they are installed
(README, "Shell completion")."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, ledger_executable, ok, ref

from ledger_cli.cli.completion import SHELLS

COMPLETIONS = REPO / "completions"


def shell_env(**extra: str) -> dict[str, str]:
    """The test's environment (LEDGER_DB, HOME...) with the installed `ledger` on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(ledger_executable()).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


@pytest.fixture
def books() -> dict[str, str]:
    refs = {}
    refs["salary"] = ref("deposit", "1000", "--date", "2026-03-01", "--payee", "Salary")
    ok("open", "savings", "--date", "2026-03-01")
    ok("open", "old", "--date", "2026-03-01")
    ok("close", "old", "--date", "2026-03-02")
    refs["rent"] = ref("check", "400", "--date", "2026-03-03", "--payee", "Landlord")
    refs["lost"] = ref("check", "10", "--date", "2026-03-04", "--payee", "Bob")
    refs["void"] = ref("void", refs["lost"])
    refs["save"] = ref("transfer", "100", "--from", "checking", "--to", "savings",
                       "--date", "2026-03-05")
    return refs


# -- the committed scripts ----------------------------------------------------------------------


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_committed_scripts_are_what_the_app_generates(shell: str) -> None:
    result = subprocess.run(
        [ledger_executable()], env=shell_env(_LEDGER_COMPLETE=f"source_{shell}"),
        capture_output=True, text=True, timeout=60, check=True,
    )
    committed = (COMPLETIONS / SHELLS[shell]).read_text(encoding="utf-8")
    assert committed == result.stdout.strip() + "\n"


def test_generate_check_agrees() -> None:
    result = subprocess.run(
        [sys.executable, str(COMPLETIONS / "generate.py"), "--check"],
        env=shell_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr


# -- bash -----------------------------------------------------------------------------------------


def bash(words: list[str], **env: str) -> list[str]:
    """What bash's completion function puts in COMPREPLY for the command line `words`, the
    last of which is the word being completed."""
    script = "\n".join([
        f"source {shlex.quote(str(COMPLETIONS / 'ledger.bash'))}",
        f"COMP_WORDS=({' '.join(shlex.quote(word) for word in words)})",
        f"COMP_CWORD={len(words) - 1}",
        "_ledger_completion ledger",
        'printf "%s\\n" "${COMPREPLY[@]}"',
    ])
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script], env=shell_env(**env),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [line for line in result.stdout.splitlines() if line]


def test_bash_completes_commands() -> None:
    assert bash(["ledger", "dep"]) == ["deposit"]
    assert bash(["ledger", "de"]) == ["demo", "deposit", "detach"]
    assert bash(["ledger", "exp"]) == ["export"]
    assert {"rebuild", "reconcile", "restore"} <= set(bash(["ledger", "re"]))


@pytest.mark.usefixtures("books")
def test_bash_completes_the_accounts_of_the_ledger() -> None:
    assert bash(["ledger", "balance", "-a", ""]) == ["checking", "old", "savings"]
    assert bash(["ledger", "balance", "--account", "sa"]) == ["savings"]
    assert bash(["ledger", "deposit", "5", "-a", "ch"]) == ["checking"]
    assert bash(["ledger", "transfer", "5", "--from", "s"]) == ["savings"]
    assert bash(["ledger", "transfer", "5", "--from", "savings", "--to", "c"]) == ["checking"]
    assert bash(["ledger", "chart", "-a", ""]) == ["checking", "old", "savings"]
    assert bash(["ledger", "close", ""]) == ["checking", "savings"]  # not the closed one


def test_bash_completes_accounts_of_the_db_option(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    ok("--db", str(other), "open", "travel", "--date", "2026-03-01")
    assert bash(["ledger", "--db", str(other), "balance", "-a", ""]) == ["travel"]
    assert bash(["ledger", "balance", "-a", ""], LEDGER_DB=str(other)) == ["travel"]


def test_bash_completes_the_refs_void_takes(books: dict[str, str]) -> None:
    offered = bash(["ledger", "void", ""])
    assert set(offered) == {books["salary"], books["rent"], books["save"]}  # not void, voided
    assert bash(["ledger", "void", books["rent"]]) == [books["rent"]]


def test_bash_offers_nothing_without_a_ledger_and_creates_none(
    tmp_path: Path, ledger_db: Path
) -> None:
    assert bash(["ledger", "balance", "-a", ""]) == []
    assert bash(["ledger", "void", ""]) == []
    assert not ledger_db.exists()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a ledger at all")
    assert bash(["ledger", "balance", "-a", ""], LEDGER_DB=str(garbage)) == []
    assert bash(["ledger", "--db", str(tmp_path / "no" / "x.db"), "void", ""]) == []


# -- zsh and fish ---------------------------------------------------------------------------------

ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PS1="%% "; autoload -Uz compinit; compinit -u -D; source {script}; print READY'
zpty -r z out '*READY*'
for line in "$@"; do
  zpty -w -n z "$line"$'\t'
  # Print the edited line, marked so that the echo of what was typed does not match.
  zpty -w z $'\x01print -r -- @@$((6*7))@@ \x05'
  zpty -r z out '*@@42@@*'$'\r'
  print -r -- "${{out##*@@42@@ }}"
done
zpty -d z
"""


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
@pytest.mark.usefixtures("books")
def test_zsh_completes_on_tab(tmp_path: Path) -> None:
    driver = tmp_path / "driver.zsh"
    driver.write_text(ZSH_DRIVER.format(script=shlex.quote(str(COMPLETIONS / "_ledger"))),
                      encoding="utf-8")
    result = subprocess.run(
        ["zsh", "-f", str(driver), "ledger dep", "ledger balance -a sa", "ledger void T2"],
        env=shell_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = [line.rstrip("\r ") for line in result.stdout.splitlines()]
    assert lines == ["ledger deposit", "ledger balance -a savings", "ledger void T2"]


def fish(line: str) -> list[str]:
    source = shlex.quote(str(COMPLETIONS / "ledger.fish"))
    script = f"source {source}; complete -C {shlex.quote(line)}"
    result = subprocess.run(["fish", "--no-config", "-c", script], env=shell_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [entry.split("\t")[0] for entry in result.stdout.splitlines()]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes(books: dict[str, str]) -> None:
    assert fish("ledger dep") == ["deposit"]
    assert fish("ledger balance -a ") == ["checking", "old", "savings"]
    assert set(fish("ledger void ")) == {books["salary"], books["rent"], books["save"]}
