"""Where the answer goes, through the installed `ledger`: a reader that closes the pipe early
is not an error; output that cannot be written (a full disk, a closed stdout) is exit 74 and a
write says under which ref it was recorded (README, "Exit codes")."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import LedgerProcess, ledger_env, ledger_executable

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit


@pytest.fixture(scope="module")
def long_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few hundred events with long memos: every listing is far larger than a pipe buffer."""
    path = tmp_path_factory.mktemp("long") / "ledger.db"
    book = Ledger(path)
    for i in range(300):
        book.execute(
            Deposit(
                "1,234.56",
                date(2026, 1, 1) + timedelta(days=i % 200),
                payee=f"payee {i}",
                memo=f"memo {i} " + "x" * 400,
            )
        )
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("audit",),
        ("audit", "--json"),
        ("audit", "--csv"),
        ("history",),
        ("history", "--json"),
        ("history", "--csv"),
    ],
)
def test_a_reader_that_closes_the_pipe_is_not_an_error(
    long_ledger: Path, args: tuple[str, ...]
) -> None:
    process = subprocess.Popen(
        [ledger_executable(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=ledger_env(long_ledger),
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    err = process.stderr.read()
    process.stderr.close()
    assert first.strip() != b""
    assert code == 0, err
    assert err == b""


def test_output_that_cannot_be_written_is_exit_74_and_says_the_write_was_recorded(
    run_ledger: LedgerProcess, ledger_db: Path
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this machine")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ledger_cli", "deposit", "100"], stdout=full,
            stderr=subprocess.PIPE, text=True, env=ledger_env(ledger_db),
        )
        assert result.returncode == 74
        assert result.stderr == (
            "ledger: recorded as T1, but the output could not be written: "
            "No space left on device\n"
        )
        query = subprocess.run(
            [sys.executable, "-m", "ledger_cli", "balance"], stdout=full,
            stderr=subprocess.PIPE, text=True, env=ledger_env(ledger_db),
        )
        assert query.returncode == 74
        assert query.stderr == "ledger: cannot write the output: No space left on device\n"
    assert run_ledger("balance").stdout == "checking: 100.00 USD\n"


def test_a_closed_stdout_still_records_the_command(
    ledger_db: Path, run_ledger: LedgerProcess
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ledger_cli", "deposit", "7"], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, env=ledger_env(ledger_db),
        pass_fds=(), close_fds=True,
        preexec_fn=lambda: os.close(1),
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert run_ledger("balance").stdout == "checking: 7.00 USD\n"
