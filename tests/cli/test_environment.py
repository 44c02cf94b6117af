"""The environment and the shape of a failure (README, "Files and environment" and "Exit codes").

- `LEDGER_DB` set but empty, or `--db ''`, is an error (exit 1, one line), never the default file;
- `LEDGER_BUSY_TIMEOUT` is a number of seconds from 0 to 3600, and anything else is an error
  naming the variable and the value, for writes and queries alike;
- with `--json` on the command, a failure is one JSON object on stderr, `{"error", "code"}`,
  with the exit code it names: denials and invalid values (1), usage (2), integrity (3),
  storage (4); without it, one line `ledger: MESSAGE`;
- `--db` after the command is a usage error that says where it goes.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import LedgerProcess, cli, denied, event_count, ok

WRITES_AND_QUERIES = [("deposit", "5"), ("balance",), ("history",), ("audit",)]


def default_file(tmp_path: Path) -> Path:
    """Where platformdirs puts the default ledger for this test (conftest's XDG_DATA_HOME)."""
    return tmp_path / "home" / ".local" / "share" / "ledger" / "ledger.db"


def json_failure(expected: int, code: int, out: str, err: str) -> dict[str, object]:
    """A failure under --json (exit `expected`; then what `cli` returned): nothing on stdout,
    one JSON object on stderr (one line) with exactly the keys error and code, and the exit
    code it names; that object."""
    assert code == expected, (code, out, err)
    assert out == "", out
    assert err.endswith("\n") and err.count("\n") == 1, err
    failure = json.loads(err)
    assert isinstance(failure, dict) and set(failure) == {"error", "code"}, failure
    assert failure["code"] == code, (failure, code)
    assert isinstance(failure["error"], str) and failure["error"], failure
    assert not failure["error"].startswith("ledger:"), failure
    return failure


# -- LEDGER_DB and --db ------------------------------------------------------------------------


@pytest.mark.parametrize("args", WRITES_AND_QUERIES, ids=" ".join)
@pytest.mark.parametrize("value", ["", "  "], ids=["empty", "blank"])
def test_an_empty_ledger_db_is_an_error_not_the_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], value: str
) -> None:
    monkeypatch.chdir(tmp_path)  # a blank name would be a file here
    line = denied(*args, env={"LEDGER_DB": value})
    assert line == (
        "ledger: LEDGER_DB is set but empty: set it to a ledger file, or unset it to use the "
        "default one"
    )
    assert not default_file(tmp_path).exists()
    assert not default_file(tmp_path).parent.exists()
    assert not (tmp_path / value).is_file()


def test_an_empty_ledger_db_through_the_installed_ledger(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    line = run_ledger.denied("deposit", "5", env={"LEDGER_DB": ""})
    assert line.startswith("ledger: LEDGER_DB is set but empty")
    assert not default_file(tmp_path).parent.exists()


@pytest.mark.parametrize("args", WRITES_AND_QUERIES, ids=" ".join)
def test_an_empty_db_option_is_an_error(
    tmp_path: Path, ledger_db: Path, args: tuple[str, ...]
) -> None:
    assert denied("--db", "", *args) == "ledger: --db is empty: give the ledger file"
    assert denied("--db=", *args) == "ledger: --db is empty: give the ledger file"
    assert not default_file(tmp_path).parent.exists()
    assert not ledger_db.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_db_after_the_command_says_where_it_goes(tmp_path: Path, ledger_db: Path) -> None:
    other = tmp_path / "other.db"
    for args in (
        ("balance", "--db", str(other)),
        ("balance", f"--db={other}"),
        ("deposit", "5", "--db", str(other)),
    ):
        code, out, err = cli(*args)
        assert (code, out) == (2, ""), (args, err)
        hint = f"it goes before the command: ledger --db FILE {args[0]}"
        assert f"Error: No such option: --db ({hint})" in err, err
        assert "Traceback" not in err
    failure = json_failure(2, *cli("history", "--json", "--db", str(other)))
    assert failure["error"] == (
        "No such option: --db (it goes before the command: ledger --db FILE history)"
    )
    assert not other.exists() and not ledger_db.exists()
    # where it goes, it works
    ok("--db", str(other), "deposit", "5")
    assert ok("--db", str(other), "balance") == "checking: 5.00 USD\n"


# -- LEDGER_BUSY_TIMEOUT -----------------------------------------------------------------------

BAD_TIMEOUTS = ["abc", "-1", "-0.5", "nan", "NaN", "inf", "-inf", "infinity", "1e400", "1e3",
                "0x10", "3601", "10s", "1,5", "", "   ", "٣"]


@pytest.mark.parametrize("value", BAD_TIMEOUTS)
@pytest.mark.parametrize("args", [("deposit", "5"), ("balance",)], ids=" ".join)
def test_a_busy_timeout_that_is_not_seconds_is_an_error(
    ledger_db: Path, args: tuple[str, ...], value: str
) -> None:
    ok("deposit", "10")
    line = denied(*args, env={"LEDGER_BUSY_TIMEOUT": value})
    assert line == (
        f"ledger: LEDGER_BUSY_TIMEOUT={value!r} is not valid: give the seconds to wait for "
        "another process's write, a number from 0 to 3600 such as 10 or 0.5"
    )
    assert event_count(ledger_db) == 2


@pytest.mark.parametrize("value", ["0", "0.5", " 2 ", "10", "3600", "3600.0", ".5", "7."])
def test_a_busy_timeout_in_seconds_is_accepted(ledger_db: Path, value: str) -> None:
    env = {"LEDGER_BUSY_TIMEOUT": value}
    ok("deposit", "10", env=env)
    assert ok("balance", env=env) == "checking: 10.00 USD\n"


def test_a_bad_busy_timeout_under_json(ledger_db: Path) -> None:
    ok("deposit", "10")
    failure = json_failure(
        1, *cli("deposit", "5", "--json", env={"LEDGER_BUSY_TIMEOUT": "abc"})
    )
    assert str(failure["error"]).startswith("LEDGER_BUSY_TIMEOUT='abc' is not valid")


# -- failures under --json ---------------------------------------------------------------------


def test_a_denial_under_json(ledger_db: Path) -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    failure = json_failure(1, *cli("withdraw", "100.01", "--date", "2026-03-02", "--json"))
    assert str(failure["error"]).startswith(
        "insufficient funds in checking for a withdrawal of 100.01: "
    ), failure
    # without --json, the same message as one line
    assert denied("withdraw", "100.01", "--date", "2026-03-02") == f"ledger: {failure['error']}"
    assert event_count(ledger_db) == 2


def test_an_invalid_amount_under_json(ledger_db: Path) -> None:
    failure = json_failure(1, *cli("deposit", "abc", "--json"))
    assert "'abc'" in str(failure["error"]) and "is not a number" in str(failure["error"])
    failure = json_failure(1, *cli("deposit", "--json", "-inf"))
    assert "'-inf'" in str(failure["error"])
    assert not ledger_db.exists()


def test_a_missing_ledger_under_json(ledger_db: Path) -> None:
    failure = json_failure(1, *cli("balance", "--json"))
    assert failure["error"] == f"no ledger at {ledger_db}"
    assert denied("balance") == f"ledger: no ledger at {ledger_db}"
    assert not ledger_db.exists()


def test_an_empty_ledger_db_under_json() -> None:
    failure = json_failure(1, *cli("balance", "--json", env={"LEDGER_DB": ""}))
    assert str(failure["error"]).startswith("LEDGER_DB is set but empty")


def test_a_file_that_is_not_a_ledger_under_json(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, not even close" * 100)
    failure = json_failure(4, *cli("--db", str(junk), "deposit", "5", "--json"))
    assert failure["error"] == f"{junk} is not a ledger file (not an SQLite database)"
    failure = json_failure(4, *cli("--db", str(junk), "balance", "--json"))
    assert failure["error"] == f"{junk} is not a ledger file (not an SQLite database)"


def test_an_integrity_failure_under_json(ledger_db: Path) -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    # The events table rebuilt without STRICT (and so without its guards), by hand.
    conn = sqlite3.connect(ledger_db, isolation_level=None)
    try:
        conn.executescript(
            "CREATE TABLE events2 AS SELECT * FROM events; DROP TABLE events; "
            "ALTER TABLE events2 RENAME TO events;"
        )
    finally:
        conn.close()
    message = (
        f"{ledger_db}: the events table was rebuilt without its STRICT types; "
        "run `ledger reconcile`"
    )
    for args in (("deposit", "5"), ("balance",)):
        failure = json_failure(3, *cli(*args, "--json"))
        assert failure["error"] == message
        assert denied(*args, code=3) == f"ledger: {message}"
    assert event_count(ledger_db) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("balance", "--bogus", "--json"), "No such option: --bogus"),
        (("deposit", "--json"), "Missing argument 'AMOUNT'."),
        (("deposit", "5", "--nope", "--json"), "No such option: --nope"),
        (("--json", "balance"), "No such option: --json"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else "",
)
def test_a_usage_error_under_json(ledger_db: Path, args: tuple[str, ...], message: str) -> None:
    failure = json_failure(2, *cli(*args))
    assert str(failure["error"]).startswith(message), failure
    assert not ledger_db.exists()


def test_json_after_a_double_dash_is_not_an_option(ledger_db: Path) -> None:
    # `--` ends the options: what follows is an argument, and the failure is one line.
    code, out, err = cli("deposit", "--", "--json")
    assert (code, out) == (1, "")
    assert err.startswith("ledger: ") and "'--json'" in err, err


def test_a_usage_error_without_json_is_click_s_own(ledger_db: Path) -> None:
    code, out, err = cli("balance", "--bogus")
    assert (code, out) == (2, "")
    assert "Error: No such option: --bogus" in err
    assert not err.lstrip().startswith("{")
