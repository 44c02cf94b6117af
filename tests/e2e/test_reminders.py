"""The reminder (README, "What is coming"): when scheduled occurrences are due, the write
commands and `balance` print one line on stderr, `ledger: 2 scheduled entries are due: ledger
due` -- only when stderr is a terminal, never with --json, never with LEDGER_NO_REMINDERS=1;
and it never changes the exit status or stdout.

The installed `ledger` runs in a subprocess with its stderr on a pseudo-terminal (the slave
end of pty.openpty(), closed in the test once the child has it; the master read by a thread
until EOF or EIO, which Linux returns once every slave is closed) and its stdout on a pipe.
A terminal turns "\\n" into "\\r\\n"; the helper turns it back.
"""

from __future__ import annotations

import errno
import os
import pty
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import LedgerProcess, ledger_env, ledger_executable, ok, ok_json, one_line_error

TODAY = "2026-03-31"
TWO_DUE = "ledger: 2 scheduled entries are due: ledger due\n"
ONE_DUE = "ledger: 1 scheduled entry is due: ledger due\n"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TODAY", TODAY)
    monkeypatch.delenv("LEDGER_NO_REMINDERS", raising=False)


def on_terminal(
    db: Path | None, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """`ledger ARGS` with stderr on a pseudo-terminal, stdout on a pipe: (exit code, stdout,
    what reached the terminal). `db` None leaves LEDGER_DB out of the environment."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError as error:
                if error.errno == errno.EIO:  # every slave end closed, all read
                    return
                raise
            if not data:
                return
            chunks.append(data)

    environment = ledger_env(db, **(env or {}))
    if db is None:
        environment.pop("LEDGER_DB", None)
    try:
        try:
            proc = subprocess.Popen(
                [ledger_executable(), *args], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=slave, env=environment,
            )
        finally:
            os.close(slave)  # the child holds its own; EOF comes when it exits
        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        try:
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(timeout=60)
        assert not reader.is_alive(), "the terminal never reached EOF"
    finally:
        os.close(master)
    err = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert "Traceback" not in err, (args, err)
    assert "internal error" not in err, (args, err)
    return proc.returncode, out.decode("utf-8"), err


@pytest.fixture
def two_due(run_ledger: LedgerProcess) -> LedgerProcess:
    """Checking with 1,000.00, and a monthly rent check from 2026-02-28: two occurrences
    due by today (2026-02-28, 2026-03-28)."""
    # set up in-process (the same file); what is checked runs in a subprocess
    ok("deposit", "1000", "--date", "2026-02-01")
    ok("schedule", "add", "rent", "check", "100", "--every", "month", "--start", "2026-02-28",
       "--payee", "Landlord")
    assert len(ok_json("due")) == 2
    return run_ledger


def test_balance_on_a_terminal_reminds_once_of_two_due(two_due: LedgerProcess) -> None:
    code, out, err = on_terminal(two_due.db, "balance")
    assert (code, out, err) == (0, "checking: 1,000.00 USD\n", TWO_DUE)


def test_a_write_on_a_terminal_reminds_once_after_its_result(two_due: LedgerProcess) -> None:
    code, out, err = on_terminal(two_due.db, "deposit", "1")
    assert code == 0
    assert out.startswith("Deposited 1.00 to checking (ref "), out
    assert out.count("\n") == 1 and out.endswith("balance of checking: 1,001.00\n"), out
    assert err == TWO_DUE
    assert ok_json("balance")["balance"] == "1001.00"  # the write did happen


@pytest.mark.parametrize(
    "args",
    [["withdraw", "5", "-m", "cash"], ["check", "20", "--payee", "Shop"],
     ["open", "savings"], ["balance", "--all"], ["balance", "-a", "checking"]],
    ids=["withdraw", "check", "open", "balance-all", "balance-account"],
)
def test_other_writes_and_balances_remind_too(two_due: LedgerProcess, args: list[str]) -> None:
    code, out, err = on_terminal(two_due.db, *args)
    assert code == 0, (out, err)
    assert out != ""
    assert err == TWO_DUE


def test_one_due_is_said_in_the_singular(run_ledger: LedgerProcess) -> None:
    ok("deposit", "1000", "--date", "2026-02-01")
    # due today: on or before today counts
    ok("schedule", "add", "rent", "check", "100", "--every", "month", "--start", "2026-03-31")
    assert on_terminal(run_ledger.db, "balance") == (0, "checking: 1,000.00 USD\n", ONE_DUE)
    code, _, err = on_terminal(run_ledger.db, "deposit", "1")
    assert (code, err) == (0, ONE_DUE)


def test_the_count_is_taken_after_the_write(two_due: LedgerProcess) -> None:
    # skipping one of the two is itself a write: one is left
    code, out, err = on_terminal(two_due.db, "due", "--skip", "rent", "--date", "2026-02-28")
    assert code == 0 and out != "", (out, err)
    assert err == ONE_DUE
    # a schedule added with an occurrence already due: two again
    code, out, err = on_terminal(two_due.db, "schedule", "add", "gym", "withdraw", "30",
                                 "--every", "month", "--start", "2026-03-15")
    assert code == 0 and out.startswith("Scheduled gym:"), (out, err)
    assert err == TWO_DUE


def test_nothing_due_means_no_reminder(run_ledger: LedgerProcess) -> None:
    ok("deposit", "1000", "--date", "2026-02-01")
    assert on_terminal(run_ledger.db, "balance") == (0, "checking: 1,000.00 USD\n", "")
    # a schedule whose first occurrence is after today is not due yet
    code, _, err = on_terminal(run_ledger.db, "schedule", "add", "rent", "check", "100",
                               "--every", "month", "--start", "2026-04-01")
    assert (code, err) == (0, "")
    assert on_terminal(run_ledger.db, "balance") == (0, "checking: 1,000.00 USD\n", "")
    code, _, err = on_terminal(run_ledger.db, "deposit", "1")
    assert (code, err) == (0, "")
    # ... until that day comes
    code, out, err = on_terminal(run_ledger.db, "balance", env={"LEDGER_TODAY": "2026-04-01"})
    assert (code, out, err) == (0, "checking: 1,001.00 USD\n", ONE_DUE)


@pytest.mark.parametrize("args", [["balance", "--json"], ["deposit", "1", "--json"],
                                  ["balance", "--all", "--json"]],
                         ids=["balance", "deposit", "balance-all"])
def test_no_reminder_with_json(two_due: LedgerProcess, args: list[str]) -> None:
    code, out, err = on_terminal(two_due.db, *args)
    assert (code, err) == (0, "")
    assert out.startswith(("{", "["))


@pytest.mark.parametrize("args", [["balance"], ["deposit", "1"]], ids=["balance", "deposit"])
def test_no_reminder_with_ledger_no_reminders(two_due: LedgerProcess, args: list[str]) -> None:
    code, out, err = on_terminal(two_due.db, *args, env={"LEDGER_NO_REMINDERS": "1"})
    assert (code, err) == (0, "")
    assert out != ""


@pytest.mark.parametrize("args", [["balance"], ["deposit", "1"]], ids=["balance", "deposit"])
def test_no_reminder_when_stderr_is_a_pipe(two_due: LedgerProcess, args: list[str]) -> None:
    result = two_due.ok(*args)
    assert result.stderr == ""
    assert result.stdout != ""


def test_no_reminder_once_due_post_has_posted_them(two_due: LedgerProcess) -> None:
    code, out, err = on_terminal(two_due.db, "due", "--post")
    assert code == 0 and out.count("\n") == 2, (out, err)
    assert err == ""
    assert on_terminal(two_due.db, "balance") == (0, "checking: 800.00 USD\n", "")
    code, _, err = on_terminal(two_due.db, "deposit", "1")
    assert (code, err) == (0, "")


def test_a_dry_run_of_a_write_prints_no_reminder(two_due: LedgerProcess) -> None:
    code, out, err = on_terminal(two_due.db, "deposit", "1", "--dry-run")
    assert code == 0
    assert out.startswith("Dry run, nothing written: Deposited 1.00"), out
    assert err == ""
    assert ok_json("balance")["balance"] == "1000.00"
    # a dry run of --post neither posts nor reminds
    code, out, err = on_terminal(two_due.db, "due", "--post", "--dry-run")
    assert (code, err) == (0, "")
    assert len(ok_json("due")) == 2


def test_the_reminder_never_changes_stdout_or_the_exit_status(two_due: LedgerProcess) -> None:
    piped = two_due.ok("balance")
    code, out, err = on_terminal(two_due.db, "balance")
    assert (code, out) == (piped.returncode, piped.stdout)
    assert err == TWO_DUE
    quiet = on_terminal(two_due.db, "balance", env={"LEDGER_NO_REMINDERS": "1"})
    assert quiet == (0, piped.stdout, "")
    for args in (["balance", "--all"], ["balance", "--as-of", "2026-02-15"]):
        piped = two_due.ok(*args)
        code, out, err = on_terminal(two_due.db, *args)
        assert (code, out, err) == (0, piped.stdout, TWO_DUE), args


def test_a_refused_write_is_its_one_line_only(two_due: LedgerProcess) -> None:
    """A denied write exits 1 with its one line, on a terminal too; nothing was recorded."""
    code, out, err = on_terminal(two_due.db, "withdraw", "5000")
    assert (code, out) == (1, "")
    assert one_line_error(err, 1).startswith("ledger: insufficient funds in checking"), err
    code, out, err = on_terminal(two_due.db, "deposit", "not-money")
    assert (code, out) == (1, "")
    one_line_error(err, 1)
    assert ok_json("balance")["balance"] == "1000.00"


def test_the_reminder_reads_the_file_given_by_db(two_due: LedgerProcess, tmp_path: Path) -> None:
    """With --db instead of LEDGER_DB, the reminder counts what is due in that file."""
    code, out, err = on_terminal(None, "--db", str(two_due.db), "balance")
    assert (code, out, err) == (0, "checking: 1,000.00 USD\n", TWO_DUE)
    other = tmp_path / "other.db"
    code, _, err = on_terminal(None, "--db", str(other), "deposit", "5")
    assert (code, err) == (0, "")  # a new ledger, nothing scheduled


def test_after_posting_one_schedule_by_name_the_rest_is_still_counted(
    two_due: LedgerProcess,
) -> None:
    ok("schedule", "add", "gym", "withdraw", "30", "--every", "month", "--start", "2026-03-15")
    code, _, err = on_terminal(two_due.db, "balance")
    assert (code, err) == (0, "ledger: 3 scheduled entries are due: ledger due\n")
    assert [item["schedule"] for item in ok_json("due", "--post", "rent")["posted"]] == [
        "rent", "rent"
    ]
    assert on_terminal(two_due.db, "balance") == (0, "checking: 800.00 USD\n", ONE_DUE)
