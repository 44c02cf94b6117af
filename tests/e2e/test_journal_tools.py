"""The journal formats, checked by the real tools: hledger reads `export --format hledger`, its
balances agree with `ledger balance --all`, and its balance assertions (ours) pass; bean-check
does the same for `export --format beancount` (README, "Export"). .ci/run installs hledger
(Debian's package); beancount comes with the `test` extra."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ok, ref

HLEDGER = shutil.which("hledger")
BEAN_CHECK = shutil.which("bean-check", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")


def needs(tool: str | None, name: str) -> None:
    if tool is None:
        if os.environ.get("CI"):
            raise RuntimeError(f"{name} is missing in CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")


@pytest.fixture
def books() -> None:
    """Deposits, checks, cash, transfers both ways between two accounts, voids of a check, a
    deposit and a transfer, back-dated entries (before entries already recorded), and
    accounts in currencies with 0 and 3 decimals."""
    ok("open", "checking", "--date", "2026-01-01")
    ok("open", "savings", "--date", "2026-01-01")
    ok("deposit", "10000", "--date", "2026-03-01", "--payee", "Salary")
    ok("check", "4000", "--date", "2026-03-03", "--payee", "Landlord", "-m", "March rent")
    ok("withdraw", "300", "--date", "2026-03-04", "-m", "ATM")
    ok("transfer", "1500", "--from", "checking", "--to", "savings", "--date", "2026-03-05")
    power = ref("check", "120.50", "--date", "2026-03-06", "--payee", "Power; Co")
    ok("void", power, "--reason", "lost in the mail")
    bonus = ref("deposit", "99.99", "--date", "2026-03-07", "--payee", "Bonus")
    ok("void", bonus)
    back = ref("transfer", "250", "--from", "savings", "--to", "checking", "--date", "2026-03-08")
    ok("void", back, "--date", "2026-03-20")
    ok("deposit", "75.25", "--date", "2026-02-15", "--payee", "Back-dated refund")
    ok("check", "42", "--date", "2026-02-20", "--payee", 'Quote "me"', "-m", "a; b | c")
    ok("transfer", "10", "--from", "savings", "--to", "checking", "--date", "2026-02-01")
    ok("open", "yen", "--currency", "JPY", "--date", "2026-01-01")
    ok("deposit", "5000", "-a", "yen", "--date", "2026-03-02")
    ok("withdraw", "1200", "-a", "yen", "--date", "2026-03-09")
    ok("open", "dinar", "--currency", "KWD", "--date", "2026-01-01")
    ok("deposit", "1.5", "-a", "dinar", "--date", "2026-03-02")
    ok("withdraw", "0.125", "-a", "dinar", "--date", "2026-03-03")


def ours(*when: str) -> dict[str, str]:
    """`ledger balance --all` as {account: "amount CODE"}."""
    return {
        item["account"]: f"{item['balance']} {item['currency']}"
        for item in json.loads(ok("balance", "--all", "--json", *when))
    }


def hledger_balances(journal: Path) -> dict[str, str]:
    result = subprocess.run(
        [str(HLEDGER), "-f", str(journal), "balance", "-O", "csv", "--flat", "--no-total",
         "assets"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    return {row["account"].removeprefix("assets:"): row["balance"] for row in rows}


def by_value(amounts: dict[str, str], accounts: dict[str, str]) -> dict[str, tuple[Decimal, str]]:
    """Each of our accounts' amount in `amounts` as (value, currency); hledger leaves out
    accounts at zero, and writes zero without a currency."""
    found = {}
    for name, ours_text in accounts.items():
        code = ours_text.split()[1]
        text = amounts.get(name, "0")
        number, _, unit = text.partition(" ")
        found[name] = (Decimal(number.replace(",", "")), unit or code)
    return found


@pytest.mark.usefixtures("books")
@pytest.mark.parametrize("when", [(), ("--as-of", "2026-03-06"), ("--as-of", "2026-02-28")])
def test_hledger_balance_agrees_and_its_assertions_pass(
    tmp_path: Path, when: tuple[str, ...]
) -> None:
    needs(HLEDGER, "hledger")
    journal = tmp_path / "export.journal"
    ok("export", "--format", "hledger", "-o", str(journal), *when)
    expected = ours(*when)
    assert by_value(hledger_balances(journal), expected) == by_value(expected, expected)
    # `check` parses the journal and verifies every balance assertion (and, strictly, that
    # every account and commodity is declared).
    for check in (["check"], ["check", "--strict"]):
        result = subprocess.run([str(HLEDGER), "-f", str(journal), *check],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr


@pytest.mark.usefixtures("books")
def test_hledger_catches_a_wrong_assertion(tmp_path: Path) -> None:
    needs(HLEDGER, "hledger")
    journal = tmp_path / "export.journal"
    text = ok("export", "--format", "hledger")
    head, tail = text.rsplit("balance assertions", 1)
    journal.write_text(head + "balance assertions" + tail.replace(" USD = ", " USD = 1", 1),
                       encoding="utf-8")
    result = subprocess.run([str(HLEDGER), "-f", str(journal), "balance"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "balance assertion" in result.stderr


def bean_balances(path: Path) -> dict[str, Decimal]:
    from beancount import loader
    from beancount.core import data

    entries, errors, _ = loader.load_file(str(path))
    assert not errors, errors
    totals: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for post in entry.postings:
                assert post.units is not None and post.units.number is not None
                totals[post.account] = totals.get(post.account, Decimal(0)) + post.units.number
    return totals


@pytest.mark.usefixtures("books")
@pytest.mark.parametrize("when", [(), ("--as-of", "2026-03-06")])
def test_bean_check_passes_and_balances_agree(tmp_path: Path, when: tuple[str, ...]) -> None:
    needs(BEAN_CHECK, "bean-check")
    path = tmp_path / "export.beancount"
    ok("export", "--format", "beancount", "-o", str(path), *when)
    result = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    totals = bean_balances(path)
    for name, text in ours(*when).items():
        account = "Assets:" + name.capitalize()
        assert totals.get(account, Decimal(0)) == Decimal(text.split()[0]), name


@pytest.mark.usefixtures("books")
def test_bean_check_catches_a_wrong_balance(tmp_path: Path) -> None:
    needs(BEAN_CHECK, "bean-check")
    path = tmp_path / "export.beancount"
    text = ok("export", "--format", "beancount")
    path.write_text(text.replace(" balance Assets:Checking", " balance Assets:Savings", 1),
                    encoding="utf-8")
    result = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
