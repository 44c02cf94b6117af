"""Month end (README, "Month end: clearing and reconciling with the bank"): clearing, bank
statements and statement reconciliation, end to end.

Everything runs through the installed `ledger` in subprocesses. The month-end scenario is a real
March: 20 register entries written with the CLI (payroll, rent and utility checks, ATM cash, a
tax refund), and `tests/fixtures/march-statement.csv`, a US bank's export (`Posting Date,
Description,Check Number,Debit,Credit,Balance`, MM/DD/YYYY, newest first, quoted thousands) that
holds 17 of them (check 101 clears two weeks after it was written), a monthly service fee and an
interest payment. Every expected figure is computed here from the register and the fixture, never
taken from the product's answers.

The register is written once per module (20 processes) and copied into each test's ledger file.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, LedgerProcess, copy_ledger, just_before, one_line_error

MARCH = FIXTURES / "march-statement.csv"
STATEMENT_DATE = "2026-03-31"
STATEMENT_BALANCE = Decimal("3905.38")  # the fixture's ending balance (checked against it)
FEE = Decimal("-12.00")
INTEREST = Decimal("1.37")
FINGERPRINT = re.compile(r"[0-9a-f]{32}")
# What a row that only the bank knows is added as, after its event type: no rule, no payee seen.
UNCATEGORIZED = ", category uncategorized (no rule or payee match)"
DECISION_LINE = re.compile(
    r"^line (?P<line>\d+): (?P<date>\d{4}-\d\d-\d\d) (?P<amount>-?\d+\.\d\d)"
    r"(?: no\. (?P<number>\d+))? '(?P<description>.*)': (?P<decision>matched|added) "
    r"(?P<ref>T\d+) \(seq (?P<seq>\d+)\): (?P<reason>.+)$"
)


@dataclass(frozen=True)
class Planned:
    """One register entry of the March scenario and where the bank's statement has it."""

    args: tuple[str, ...]
    amount: Decimal  # signed
    day: str
    number: int | None = None
    posted: str | None = None  # the statement's posting date; None: not on the statement


def _deposit(amount: str, day: str, payee: str, posted: str | None) -> Planned:
    return Planned(("deposit", amount, "--payee", payee), Decimal(amount.replace(",", "")), day,
                   None, posted)


def _check(amount: str, number: int, day: str, payee: str, posted: str | None) -> Planned:
    args = ("check", amount, "--number", str(number), "--payee", payee)
    return Planned(args, -Decimal(amount.replace(",", "")), day, number, posted)


def _withdraw(amount: str, day: str, memo: str, posted: str | None) -> Planned:
    return Planned(("withdraw", amount, "-m", memo), -Decimal(amount), day, None, posted)


REGISTER: tuple[Planned, ...] = (
    _deposit("3,000.00", "2026-03-01", "Acme Corp payroll", "2026-03-01"),
    _check("1,250.00", 101, "2026-03-02", "Oak Street Properties", "2026-03-16"),  # rent
    _withdraw("60.00", "2026-03-03", "ATM Main St", "2026-03-03"),
    _check("84.37", 102, "2026-03-04", "City Water Utility", "2026-03-04"),
    _deposit("150.00", "2026-03-05", "Refund, hardware store", "2026-03-05"),
    _check("212.45", 103, "2026-03-07", "Dr. Patel", None),  # outstanding
    _withdraw("40.00", "2026-03-08", "ATM Elm Ave", "2026-03-08"),
    _check("96.12", 104, "2026-03-10", "Springfield Gas Co", "2026-03-10"),
    _deposit("250.00", "2026-03-13", "Freelance client", "2026-03-13"),
    _deposit("3,000.00", "2026-03-15", "Acme Corp payroll", "2026-03-15"),
    _check("450.00", 105, "2026-03-16", "State Auto Insurance", "2026-03-16"),
    _withdraw("100.00", "2026-03-18", "ATM Main St", "2026-03-18"),
    _check("73.50", 106, "2026-03-19", "Hardware store", "2026-03-19"),
    _deposit("45.00", "2026-03-21", "Sold the old bike", "2026-03-21"),
    _check("310.00", 107, "2026-03-23", "Main St Garage", "2026-03-23"),
    _withdraw("20.00", "2026-03-24", "ATM Elm Ave", "2026-03-24"),
    _check("125.00", 108, "2026-03-25", "Springfield Electric", "2026-03-25"),
    _deposit("80.00", "2026-03-27", "Jordan Lee (Zelle)", "2026-03-27"),
    _check("64.99", 109, "2026-03-29", "Phone company", None),  # outstanding
    _deposit("500.00", "2026-03-30", "IRS tax refund", None),  # deposit in transit
)
OUTSTANDING = tuple(i for i, p in enumerate(REGISTER) if p.posted is None)
ON_STATEMENT = tuple(i for i, p in enumerate(REGISTER) if p.posted is not None)
LATE_CHECK = 1  # check 101, written 2026-03-02, cleared 2026-03-16


@dataclass(frozen=True)
class Written:
    """A register entry as the ledger recorded it."""

    ref: str
    seq: int  # the seq of its money event


@dataclass(frozen=True)
class BankRow:
    line: int
    day: str
    description: str
    number: int | None
    amount: Decimal
    balance: Decimal


# -- helpers -------------------------------------------------------------------------------------


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", "")) if text.strip() else Decimal(0)


def bank_rows(path: Path = MARCH) -> list[BankRow]:
    """The fixture read independently of the product (csv module, Decimal)."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            month, day, year = record["Posting Date"].split("/")
            number = record["Check Number"].strip()
            rows.append(
                BankRow(
                    line=reader.line_num,
                    day=f"{year}-{month}-{day}",
                    description=record["Description"],
                    number=int(number) if number else None,
                    amount=money(record["Credit"]) - money(record["Debit"]),
                    balance=money(record["Balance"]),
                )
            )
    return rows


def row_of(planned: Planned, rows: list[BankRow]) -> BankRow:
    found = [r for r in rows if r.day == planned.posted and r.amount == planned.amount]
    assert len(found) == 1, (planned, found)
    return found[0]


def one_line(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The single line a refusal prints on stderr (exit `code`), whatever it prints on stdout
    (a statement that does not reconcile still shows its report)."""
    assert result.returncode == code, (result.args, result.stdout, result.stderr)
    return one_line_error(result.stderr)


def audit(run: LedgerProcess, db: Path | None = None) -> list[dict[str, Any]]:
    return list(run.ok_json("audit", db=db))


def history(
    run: LedgerProcess, account: str = "checking", db: Path | None = None
) -> list[dict[str, Any]]:
    return list(run.ok_json("history", "-a", account, db=db))


def cleared_marks(
    run: LedgerProcess, account: str = "checking", db: Path | None = None
) -> dict[str, str]:
    return {row["ref"]: row["cleared"] for row in history(run, account, db)}


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def dec(text: str) -> Decimal:
    return Decimal(text)


# -- the March register, written once ------------------------------------------------------------


@dataclass(frozen=True)
class March:
    path: Path  # a ledger holding the 20 entries
    written: tuple[Written, ...]  # by REGISTER index

    def ref(self, index: int) -> str:
        return self.written[index].ref

    def install(self, target: Path) -> None:
        copy_ledger(self.path, target)


@pytest.fixture(scope="module")
def march(tmp_path_factory: pytest.TempPathFactory) -> March:
    folder = tmp_path_factory.mktemp("march")
    db = folder / "march.db"
    real = LedgerProcess(db)
    written = []
    for planned in REGISTER:
        done = real(*planned.args, "--date", planned.day, "--json",
                    env={"HOME": str(folder / "home")})
        assert done.returncode == 0, (planned, done.stdout, done.stderr)
        outcome = json.loads(done.stdout)
        event = outcome["events"][-1]
        assert dec(event["amount"]) == planned.amount
        written.append(Written(outcome["ref"], event["seq"]))
    return March(db, tuple(written))


@pytest.fixture
def register(march: March, ledger_db: Path) -> Iterator[March]:
    """This test's ledger file holds the 20 March entries, nothing cleared."""
    march.install(ledger_db)
    yield march


@pytest.fixture
def imported(register: March, run_ledger: LedgerProcess) -> March:
    """... and the March statement has been imported (17 matched, fee and interest added)."""
    run_ledger.ok("statement", str(MARCH), "-a", "checking")
    return register


def expected_decisions(march: March) -> dict[int, tuple[str, str, int, str] | str]:
    """Fixture line -> (matched, ref, seq, reason fragment) for the register's rows, or the
    reason of a row that only the bank knows: the event type it is added as, and its category."""
    rows = bank_rows()
    expected: dict[int, tuple[str, str, int, str] | str] = {}
    for index in ON_STATEMENT:
        planned, done = REGISTER[index], march.written[index]
        row = row_of(planned, rows)
        reason = (
            f"same amount and check number {planned.number}" if planned.number else "same amount"
        )
        expected[row.line] = ("matched", done.ref, done.seq, reason)
    for row in rows:
        if row.line not in expected:
            kind = "FeeCharged" if row.amount < 0 else "InterestPaid"
            expected[row.line] = kind + UNCATEGORIZED
    return expected


# -- 1. the month end ----------------------------------------------------------------------------


def test_the_fixture_is_a_consistent_bank_statement() -> None:
    """The statement's running balance adds up and holds exactly 17 register entries, a fee and
    interest; check 101 posted on another day than it was written."""
    rows = bank_rows()
    assert len(rows) == 19
    chronological = sorted(rows, key=lambda r: (r.day, -r.line))
    running = Decimal(0)
    for row in chronological:
        running += row.amount
        assert row.balance == running, row
    assert running == STATEMENT_BALANCE
    on_statement = [row_of(REGISTER[i], rows) for i in ON_STATEMENT]
    assert len(on_statement) == 17 and len({r.line for r in on_statement}) == 17
    extra = [r for r in rows if r not in on_statement]
    assert sorted(r.amount for r in extra) == [FEE, INTEREST]
    late = row_of(REGISTER[LATE_CHECK], rows)
    assert late.number == 101 and late.day != REGISTER[LATE_CHECK].day
    assert (date.fromisoformat(late.day) - date.fromisoformat(REGISTER[LATE_CHECK].day)).days > 10
    assert sum(p.amount for p in REGISTER if p.posted) + FEE + INTEREST == STATEMENT_BALANCE


def test_month_end_statement_and_reconcile(register: March, run_ledger: LedgerProcess) -> None:
    march = register
    expected = expected_decisions(march)

    # statement: every row is decided, with its reason
    done = run_ledger.ok("statement", str(MARCH), "-a", "checking")
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 20, done.stdout
    added: dict[str, str] = {}  # event type -> ref
    seen: list[int] = []
    for text in lines[:-1]:
        found = DECISION_LINE.match(text)
        assert found is not None, text
        seen.append(int(found["line"]))
        want = expected[seen[-1]]
        if isinstance(want, tuple):
            assert found["decision"] == "matched", text
            assert (found["ref"], int(found["seq"])) == want[1:3], text
            assert want[3] in found["reason"], text
        else:
            assert found["decision"] == "added" and found["reason"] == want, text
            added[want.removesuffix(UNCATEGORIZED)] = found["ref"]
    assert seen == list(range(2, 21))
    late = next(t for t in lines if " no. 101 " in t)
    assert "check number 101" in late and "14 days apart" in late, late
    summary = re.fullmatch(r"17 matched, 2 added; cleared as (T\d+)\.", lines[-1])
    assert summary is not None, lines[-1]
    clearing_ref = summary[1]

    # reconcile: equal, recorded, and exactly the 3 outstanding entries listed
    result = run_ledger.ok_json(
        "reconcile", "-a", "checking", "--statement-date", STATEMENT_DATE,
        "--statement-balance", "3,905.38",
    )
    assert [e["type"] for e in result["events"]] == ["StatementReconciled"]
    outstanding = {
        e["ref"]: (dec(e["amount"]), e["number"], e["date"]) for e in result["outstanding"]
    }
    assert len(result["outstanding"]) == 3
    assert outstanding == {
        march.ref(i): (REGISTER[i].amount, REGISTER[i].number, REGISTER[i].day) for i in OUTSTANDING
    }

    # the bank's view equals the statement; the register's includes what is outstanding
    cleared = run_ledger.ok_json("balance", "--cleared", "--as-of", STATEMENT_DATE)
    assert dec(cleared["balance"]) == STATEMENT_BALANCE
    total = run_ledger.ok_json("balance", "--as-of", STATEMENT_DATE)
    assert dec(total["balance"]) == STATEMENT_BALANCE + sum(REGISTER[i].amount for i in OUTSTANDING)

    # history: the 17, the fee and the interest reconciled; the 3 blank
    reconciled = {march.ref(i) for i in ON_STATEMENT} | set(added.values())
    assert len(reconciled) == 19
    marks = cleared_marks(run_ledger)
    assert marks == {**dict.fromkeys(reconciled, "R"), **{march.ref(i): "" for i in OUTSTANDING}}

    # audit: who cleared what (with the rows' fingerprints), what the bank added, the statement
    events = audit(run_ledger)
    clearing = [e for e in events if e["type"] == "TransactionCleared"]
    assert {e["ref"] for e in clearing} == {clearing_ref}
    assert sorted(e["clears"] for e in clearing) == sorted(reconciled)
    assert all(e["account"] == "checking" for e in clearing)
    fingerprints = [e["fingerprint"] for e in clearing]
    assert all(isinstance(f, str) and FINGERPRINT.fullmatch(f) for f in fingerprints)
    assert len(set(fingerprints)) == 19
    fees = [e for e in events if e["type"] == "FeeCharged"]
    interest = [e for e in events if e["type"] == "InterestPaid"]
    assert [(e["ref"], dec(e["amount"]), e["date"]) for e in fees] == [
        (added["FeeCharged"], FEE, STATEMENT_DATE)
    ]
    assert [(e["ref"], dec(e["amount"]), e["date"]) for e in interest] == [
        (added["InterestPaid"], INTEREST, STATEMENT_DATE)
    ]
    assert fees[0]["payee"] == "MONTHLY SERVICE FEE"
    statements = [e for e in events if e["type"] == "StatementReconciled"]
    assert len(statements) == 1
    assert statements[0]["ref"] == result["ref"]
    assert statements[0]["date"] == STATEMENT_DATE
    assert statements[0]["account"] == "checking"
    assert dec(statements[0]["statement_balance"]) == STATEMENT_BALANCE
    assert sorted(statements[0]["refs"].split(",")) == sorted(reconciled)


# -- 2. dry run ----------------------------------------------------------------------------------


def test_dry_run_shows_every_decision_and_writes_nothing(
    register: March, run_ledger: LedgerProcess
) -> None:
    expected = expected_decisions(register)
    untouched = audit(run_ledger)

    done = run_ledger.ok("statement", str(MARCH), "-a", "checking", "--dry-run")
    lines = done.stdout.strip().splitlines()
    # What the real run prints, marked: the ref of the clearing it would record included.
    assert re.fullmatch(
        r"Dry run, nothing written: 17 matched, 2 added; cleared as T\d+\.", lines[-1]
    ), lines[-1]
    decided = {}
    for text in lines[:-1]:
        found = DECISION_LINE.match(text)
        assert found is not None, text
        decided[int(found["line"])] = found
    assert sorted(decided) == sorted(expected) == list(range(2, 21))
    for line, want in expected.items():
        if isinstance(want, tuple):
            assert decided[line]["decision"] == "matched"
            assert (decided[line]["ref"], int(decided[line]["seq"])) == want[1:3]
        else:
            assert (decided[line]["decision"], decided[line]["reason"]) == ("added", want)
    assert audit(run_ledger) == untouched

    preview = run_ledger.ok_json("statement", str(MARCH), "-a", "checking", "--dry-run")
    assert preview["dry_run"] is True and preview["account"] == "checking"
    assert preview["counts"] == {
        "matched": 17, "added": 2, "duplicate": 0, "unmatched": 0, "denied": 0
    }
    assert len(preview["rows"]) == 19
    for row in preview["rows"]:
        want = expected[row["line"]]
        assert row["reason"], row
        assert isinstance(row["seq"], int) and row["ref"], row
        if isinstance(want, tuple):
            assert (row["decision"], row["ref"], row["seq"]) == want[:3], row
        else:
            assert (row["decision"], row["reason"]) == ("added", want), row
            assert (row["category"], row["rule"]) == ("uncategorized", None), row
    assert audit(run_ledger) == untouched
    assert set(cleared_marks(run_ledger).values()) == {""}

    # the preview was exactly what the real import then does
    real = run_ledger.ok_json("statement", str(MARCH), "-a", "checking")
    assert real["dry_run"] is False
    assert real["rows"] == preview["rows"]
    assert len(audit(run_ledger)) == len(untouched) + 2 + 19  # fee, interest, 19 clearings


# -- 3. duplicates -------------------------------------------------------------------------------


def test_reimporting_the_same_statement_adds_and_clears_nothing(
    imported: March, run_ledger: LedgerProcess
) -> None:
    events = audit(run_ledger)
    clearing_ref = next(e["ref"] for e in events if e["type"] == "TransactionCleared")
    again = run_ledger.ok_json("statement", str(MARCH), "-a", "checking")
    assert again["counts"] == {
        "matched": 0, "added": 0, "duplicate": 19, "unmatched": 0, "denied": 0
    }
    assert again["clearing_ref"] is None
    assert [r["line"] for r in again["rows"]] == list(range(2, 21))
    assert {(r["decision"], r["ref"]) for r in again["rows"]} == {("duplicate", clearing_ref)}
    assert audit(run_ledger) == events


def test_identical_rows_are_separate_transactions_across_statements(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    run_ledger.ok("deposit", "1000", "--date", "2026-02-27")
    header = "Date,Description,Amount"
    coffee = "2026-03-02,COFFEE BEAN #12,-4.50"
    parking = "2026-03-03,CITY PARKING METER,-2.00"
    first = write_csv(tmp_path / "first.csv", header, coffee, coffee, parking)
    result = run_ledger.ok_json("statement", str(first), "-a", "checking")
    assert [r["decision"] for r in result["rows"]] == ["added", "added", "added"]
    assert len({r["ref"] for r in result["rows"]}) == 3
    rows = history(run_ledger)
    coffees = [r for r in rows if dec(r["amount"]) == Decimal("-4.50")]
    assert len(coffees) == 2 and {r["cleared"] for r in coffees} == {"c"}

    # a later statement repeats the parking row and has a second, identical one: only it is new
    second = write_csv(tmp_path / "second.csv", header, parking, parking)
    result = run_ledger.ok_json("statement", str(second), "-a", "checking")
    assert [r["decision"] for r in result["rows"]] == ["duplicate", "added"]
    rows = history(run_ledger)
    assert len([r for r in rows if dec(r["amount"]) == Decimal("-2.00")]) == 2
    assert len(rows) == 1 + 3 + 1
    assert dec(run_ledger.ok_json("balance")["balance"]) == 1000 - 2 * Decimal("4.50") - 2 * 2


# -- 4. a statement that does not reconcile ------------------------------------------------------


def reconcile_args(balance: str) -> tuple[str, ...]:
    return (
        "reconcile", "-a", "checking", "--statement-date", STATEMENT_DATE,
        "--statement-balance", balance,
    )


def mismatch(
    run: LedgerProcess, balance: str, difference: str, db: Path | None = None
) -> tuple[str, Any]:
    """Text and JSON of a statement reconciliation that must not match: exit 1, one line on
    stderr naming the difference, and `recorded: false`."""
    text = run(*reconcile_args(balance), db=db)
    line = one_line(text)
    assert difference in line and "nothing was recorded" in line, line
    assert f"difference         {difference}" in text.stdout, text.stdout
    as_json = run(*reconcile_args(balance), "--json", db=db)
    assert difference in one_line(as_json)
    report = json.loads(as_json.stdout)
    assert report["recorded"] is False
    assert report["difference"] == difference.replace(",", "")
    assert dec(report["statement_balance"]) == money(balance)
    return text.stdout, report


def test_a_mismatched_statement_names_the_difference_and_records_nothing(
    imported: March, run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    march = imported
    untouched = audit(run_ledger)
    outstanding = {march.ref(i) for i in OUTSTANDING}
    check_103 = OUTSTANDING[0]
    assert REGISTER[check_103].number == 103

    # the bank has check 103 after all: the difference is that check
    balance = str(STATEMENT_BALANCE + REGISTER[check_103].amount)
    text, report = mismatch(run_ledger, balance, "-212.45")
    assert dec(report["cleared_balance"]) == STATEMENT_BALANCE
    assert {e["ref"] for e in report["outstanding"]} == outstanding
    assert len(report["outstanding"]) == 3
    named = [c for c in report["likely_causes"] if march.ref(check_103) in c]
    assert named and f"ledger clear {march.ref(check_103)}" in named[0], report["likely_causes"]
    assert f"`ledger clear {march.ref(check_103)}`" in text
    assert all(ref in text for ref in outstanding), text
    assert "transposed" not in " ".join(report["likely_causes"])

    # 27.00 too much: two digits transposed somewhere
    text, report = mismatch(run_ledger, str(STATEMENT_BALANCE + 27), "27.00")
    assert any("transposed" in c for c in report["likely_causes"]), report["likely_causes"]
    assert "transposed" in text
    assert not any("ledger clear" in c for c in report["likely_causes"])
    assert {e["ref"] for e in report["outstanding"]} == outstanding

    assert audit(run_ledger) == untouched
    assert set(cleared_marks(run_ledger).values()) == {"c", ""}  # nothing became R

    # an entry entered with the wrong sign: a 50.00 refund recorded as a withdrawal
    other = tmp_path / "sign.db"
    run_ledger.ok("deposit", "1000", "--date", "2026-03-01", db=other)
    wrong = run_ledger.ok_json("withdraw", "50", "--date", "2026-03-10", "-m", "refund", db=other)
    run_ledger.ok("clear", "T1", wrong["ref"], db=other)
    untouched = audit(run_ledger, db=other)
    text, report = mismatch(run_ledger, "1,050.00", "100.00", db=other)
    causes = [c for c in report["likely_causes"] if wrong["ref"] in c]
    assert causes and "wrong sign" in causes[0], report["likely_causes"]
    assert "wrong sign" in text
    assert report["outstanding"] == []
    assert audit(run_ledger, db=other) == untouched


# -- 5. sealed periods ---------------------------------------------------------------------------


def test_a_reconciled_period_is_sealed_and_forced_writes_are_flagged(
    imported: March, run_ledger: LedgerProcess
) -> None:
    march = imported
    run_ledger.ok("open", "savings", "--date", "2026-01-01")
    run_ledger.ok(*reconcile_args(str(STATEMENT_BALANCE)))
    check_103, check_109 = OUTSTANDING[0], OUTSTANDING[1]
    payroll = 0
    writes: list[tuple[str, ...]] = [
        ("deposit", "5", "--date", "2026-03-15"),
        ("deposit", "5", "--date", STATEMENT_DATE),
        ("check", "5", "--number", "200", "--payee", "Late entry", "--date", "2026-03-15"),
        ("withdraw", "5", "--date", "2026-03-15"),
        ("transfer", "5", "--from", "checking", "--to", "savings", "--date", "2026-03-15"),
        ("fee", "5", "--date", "2026-03-15"),
        ("interest", "0.50", "--date", "2026-03-15"),
        ("void", march.ref(check_103), "--reason", "lost"),
        ("unclear", march.ref(payroll)),
    ]
    untouched = audit(run_ledger)
    for args in writes:
        line = run_ledger.denied(*args)
        assert "--force" in line, (args, line)
    assert audit(run_ledger) == untouched
    # another account is not sealed
    run_ledger.ok("deposit", "5", "-a", "savings", "--date", "2026-03-15")

    forced: dict[int, str] = {}  # seq -> type
    for args in writes[:1] + writes[2:]:
        result = run_ledger.ok_json(*args, "--force")
        for event in result["events"]:
            if event["account"] == "checking":
                forced[event["seq"]] = event["type"]
    assert sorted(forced.values()) == sorted(
        [
            "FundsDeposited", "CheckWritten", "CashWithdrawn", "TransferSent", "FeeCharged",
            "InterestPaid", "TransactionVoided", "TransactionUncleared",
        ]
    )
    events = {e["seq"]: e for e in audit(run_ledger)}
    assert {seq: e["forced"] for seq, e in events.items() if seq in forced} == dict.fromkeys(
        forced, 1
    )
    assert {seq for seq, e in events.items() if e["forced"]} == set(forced)
    assert cleared_marks(run_ledger)[march.ref(payroll)] == ""

    # after the statement date, no --force needed and nothing flagged
    later = run_ledger.ok_json("deposit", "5", "--date", "2026-04-01")
    voided = run_ledger.ok_json("void", march.ref(check_109), "--date", "2026-04-02")
    seqs = [e["seq"] for e in later["events"] + voided["events"]]
    assert not any(e["forced"] for e in audit(run_ledger) if e["seq"] in seqs)

    # every later reconcile names each forced seq
    plain = run_ledger("reconcile")
    assert plain.returncode == 0, (plain.stdout, plain.stderr)
    for seq in forced:
        assert re.search(rf"\bseq {seq}\b", plain.stdout + plain.stderr), (seq, plain)
    warnings = run_ledger.ok_json("reconcile")["warnings"]
    for seq in forced:
        assert any(re.search(rf"\bseq {seq}\b", w) for w in warnings), (seq, warnings)

    # a statement may not end on or before the sealed date, even when it matches
    for day in (STATEMENT_DATE, "2026-03-20"):
        line = run_ledger.denied(
            "reconcile", "-a", "checking", "--statement-date", day,
            "--statement-balance", str(STATEMENT_BALANCE),
        )
        assert "2026-03-31" in line, line
    # April's may: the payroll deposit is no longer cleared, nothing else was
    april = run_ledger.ok_json(
        "reconcile", "-a", "checking", "--statement-date", "2026-04-30",
        "--statement-balance", str(STATEMENT_BALANCE - REGISTER[payroll].amount),
    )
    assert [e["type"] for e in april["events"]] == ["StatementReconciled"]


def test_reconcile_reports_forced_writes_as_warnings(run_ledger: LedgerProcess) -> None:
    """The warnings are part of reconcile's report (stdout), as the guard-trigger ones are."""
    run_ledger.ok("deposit", "100", "--date", "2026-03-01")
    run_ledger.ok("clear", "T1")
    run_ledger.ok("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
                  "--statement-balance", "100")
    seq = run_ledger.ok_json("deposit", "5", "--date", "2026-03-02", "--force")["events"][0]["seq"]
    plain = run_ledger("reconcile")
    assert plain.returncode == 0
    assert re.search(rf"^warning: seq {seq}\b.*--force", plain.stdout, re.M), plain.stdout


# -- 6. clear and unclear ------------------------------------------------------------------------


def test_clear_unclear_cleared_balance_fee_and_interest(run_ledger: LedgerProcess) -> None:
    pay = run_ledger.ref("deposit", "500", "--date", "2026-03-01")
    run_ledger.ok("open", "savings", "--date", "2026-03-01")
    first_transfer = run_ledger.ref("transfer", "100", "--from", "checking", "--to", "savings",
                                    "--date", "2026-03-02")
    check = run_ledger.ref("check", "40", "--number", "7", "--date", "2026-03-03")
    second_transfer = run_ledger.ref("transfer", "20", "--from", "checking", "--to", "savings",
                                     "--date", "2026-03-04")
    late = run_ledger.ref("deposit", "60", "--date", "2026-03-20")

    assert "T99" in run_ledger.denied("clear", "T99")
    run_ledger.ok("clear", pay)
    assert pay in run_ledger.denied("clear", pay)
    assert check in run_ledger.denied("unclear", check)
    assert "T99" in run_ledger.denied("unclear", "T99")

    # a transfer: both sides, unless -a names one
    both = run_ledger.ok_json("clear", first_transfer)
    one = run_ledger.ok_json("clear", second_transfer, "-a", "savings")
    assert sorted(e["account"] for e in both["events"]) == ["checking", "savings"]
    assert [e["account"] for e in one["events"]] == ["savings"]
    assert cleared_marks(run_ledger, "savings") == {first_transfer: "c", second_transfer: "c"}
    assert cleared_marks(run_ledger) == {
        pay: "c", first_transfer: "c", check: "", second_transfer: "", late: "",
    }
    events = audit(run_ledger)
    clears = sorted(
        (e["clears"], e["account"]) for e in events if e["type"] == "TransactionCleared"
    )
    assert clears == sorted(
        [(pay, "checking"), (first_transfer, "checking"), (first_transfer, "savings"),
         (second_transfer, "savings")]
    )

    run_ledger.ok("clear", late)
    late_cleared_at = next(
        e["recorded_at"] for e in audit(run_ledger)
        if e["type"] == "TransactionCleared" and e["clears"] == late
    )
    pay_cleared_at = next(
        e["recorded_at"] for e in events if e["type"] == "TransactionCleared" and e["clears"] == pay
    )

    def cleared(*args: str) -> Decimal:
        return dec(run_ledger.ok_json("balance", "--cleared", *args)["balance"])

    assert cleared() == 500 - 100 + 60
    assert cleared("--as-of", "2026-03-10") == 500 - 100
    assert cleared("--as-of", "2026-03-01") == 500
    assert cleared("--known-at", just_before(late_cleared_at)) == 500 - 100
    assert cleared("--known-at", late_cleared_at) == 500 - 100 + 60
    assert cleared("--as-of", "2026-03-10", "--known-at", just_before(pay_cleared_at)) == 0
    assert cleared("--as-of", "2026-03-10", "--known-at", pay_cleared_at) == 500
    assert cleared("-a", "savings") == 120
    total = dec(run_ledger.ok_json("balance")["balance"])
    assert total == 500 - 100 - 40 - 20 + 60

    run_ledger.ok("unclear", late)
    assert cleared() == 500 - 100
    assert cleared("--known-at", late_cleared_at) == 500 - 100 + 60  # what was known then
    then = run_ledger.ok_json("history", "--known-at", just_before(late_cleared_at))
    assert {r["ref"]: r["cleared"] for r in then}[late] == ""
    then = run_ledger.ok_json("history", "--known-at", late_cleared_at)
    assert {r["ref"]: r["cleared"] for r in then}[late] == "c"
    assert cleared_marks(run_ledger)[late] == ""

    # the bank's fee is recorded even below the overdraft limit, with a warning
    run_ledger.denied("withdraw", "1000", "--date", "2026-03-25")
    fee = run_ledger("fee", "1000", "--date", "2026-03-25", "--payee", "OVERDRAFT FEE")
    assert fee.returncode == 0, fee.stderr
    assert "warning" in fee.stderr and "overdraft" in fee.stderr, fee.stderr
    assert dec(run_ledger.ok_json("balance")["balance"]) == total - 1000
    paid = run_ledger.ok_json("interest", "1.37", "--date", "2026-03-31")
    assert [(e["type"], dec(e["amount"])) for e in paid["events"]] == [("InterestPaid", INTEREST)]
    assert dec(paid["balance"]) == total - 1000 + INTEREST


# -- voids ---------------------------------------------------------------------------------------


def test_voided_entries_and_voids_never_match_a_statement_row(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    run_ledger.ok("deposit", "100", "--date", "2026-03-01")
    check = run_ledger.ok_json("check", "10", "--number", "7", "--date", "2026-03-02")
    void = run_ledger.ok_json("void", check["ref"], "--reason", "torn up")
    path = write_csv(tmp_path / "s.csv", "Date,Description,Check Number,Amount",
                     "2026-03-02,REVERSAL,,10.00", "2026-03-02,DEBIT,,-10.00",
                     "2026-03-01,DEPOSIT,,100.00")
    result = run_ledger.ok_json("statement", str(path), "-a", "checking", "--dry-run")
    decided = [(r["decision"], r["ref"]) for r in result["rows"]]
    assert decided[2] == ("matched", "T1")
    assert decided[0][0] == decided[1][0] == "added", decided
    assert not {check["ref"], void["ref"]} & {ref for _, ref in decided}


def test_a_voided_check_is_not_outstanding(run_ledger: LedgerProcess) -> None:
    run_ledger.ok("deposit", "100", "--date", "2026-03-01")
    check = run_ledger.ok_json("check", "10", "--number", "7", "--date", "2026-03-02")
    void = run_ledger.ok_json("void", check["ref"], "--reason", "torn up")
    run_ledger.ok("clear", "T1")
    result = run_ledger.ok_json(*reconcile_args("100"))
    assert [e["type"] for e in result["events"]] == ["StatementReconciled"]
    listed = {e["ref"] for e in result["outstanding"]}
    assert not listed & {check["ref"], void["ref"]}, result["outstanding"]


# -- 7. bank CSV variants ------------------------------------------------------------------------


def rows_of(result: Any) -> list[tuple[str, str, str, int | None]]:
    return [(r["date"], r["amount"], r["description"], r["number"]) for r in result["rows"]]


def test_bank_csv_variants(run_ledger: LedgerProcess, tmp_path: Path) -> None:
    run_ledger.ok("deposit", "1000", "--date", "2026-03-01")
    coffee = run_ledger.ok_json("withdraw", "4.50", "--date", "2026-03-04", "-m", "coffee")
    untouched = audit(run_ledger)

    def preview(name: str, lines: list[str], *options: str) -> Any:
        path = write_csv(tmp_path / name, *lines)
        return run_ledger.ok_json("statement", str(path), "-a", "checking", "--dry-run",
                                  *options)

    def refused(name: str, lines: list[str], *options: str) -> str:
        path = write_csv(tmp_path / name, *lines)
        return run_ledger.denied("statement", str(path), "-a", "checking", *options)

    # one signed Amount column, MM/DD/YYYY and MM/DD/YY
    signed = preview("signed.csv", ["Date,Description,Amount", "03/05/2026,COFFEE,-4.50",
                                    "03/06/26,REFUND,20.00"])
    assert rows_of(signed) == [("2026-03-05", "-4.50", "COFFEE", None),
                               ("2026-03-06", "20.00", "REFUND", None)]
    assert (signed["rows"][0]["decision"], signed["rows"][0]["ref"]) == ("matched", coffee["ref"])
    assert (signed["rows"][1]["decision"], signed["rows"][1]["reason"]) == (
        "added", "FundsDeposited" + UNCATEGORIZED
    )

    # --negate: the bank shows money out as positive
    negated = preview("negate.csv", ["Transaction Date,Payee,Amount", "2026-03-05,COFFEE,4.50",
                                     "2026-03-06,PAYCHECK,-20.00"], "--negate")
    assert rows_of(negated) == [("2026-03-05", "-4.50", "COFFEE", None),
                                ("2026-03-06", "20.00", "PAYCHECK", None)]
    assert negated["rows"][0]["ref"] == coffee["ref"]

    # parentheses are negative; quoted thousands
    parens = preview("parens.csv", ["Date,Description,Amount", "2026-03-05,COFFEE,(4.50)",
                                    '2026-03-06,BONUS,"1,234.56"'])
    assert rows_of(parens) == [("2026-03-05", "-4.50", "COFFEE", None),
                               ("2026-03-06", "1234.56", "BONUS", None)]

    # a European export: --date-format and named columns, one of them check numbers
    european = ["Buchungstag,Verwendungszweck,Betrag,Scheck", "05.03.2026,KAFFEE,-4.50,",
                "06.03.2026,SCHECK 12,-30.00,12"]
    named = preview(
        "named.csv", european, "--date-format", "%d.%m.%Y", "--date-column", "Buchungstag",
        "--amount-column", "Betrag", "--description-column", "Verwendungszweck",
        "--number-column", "Scheck",
    )
    assert rows_of(named) == [("2026-03-05", "-4.50", "KAFFEE", None),
                              ("2026-03-06", "-30.00", "SCHECK 12", 12)]
    assert [r["decision"] for r in named["rows"]] == ["matched", "added"]
    assert named["rows"][1]["reason"] == "CheckWritten" + UNCATEGORIZED
    split = preview(
        "split.csv", ["When,What,Out,In", "2026-03-05,COFFEE,4.50,", "2026-03-06,PAY,,20.00"],
        "--date-column", "When", "--description-column", "What", "--debit-column", "Out",
        "--credit-column", "In",
    )
    assert rows_of(split) == [("2026-03-05", "-4.50", "COFFEE", None),
                              ("2026-03-06", "20.00", "PAY", None)]

    # what cannot be read: one line, exit 1
    assert "date" in refused("nodate.csv", ["Description,Amount", "COFFEE,-4.50"])
    assert "amount" in refused("noamount.csv", ["Date,Description", "2026-03-05,COFFEE"])
    assert "Nope" in refused("nope.csv", ["Date,Description,Amount", "2026-03-05,X,-1.00"],
                             "--date-column", "Nope")
    # a row that cannot be read is denied, named by its line; the others are recorded (here:
    # a dry run), and the exit status is 1
    def row_denied(name: str, lines: list[str], *options: str) -> str:
        path = write_csv(tmp_path / name, *lines)
        result = run_ledger("statement", str(path), "-a", "checking", "--dry-run", *options)
        assert "denied" in result.stdout, result.stdout
        return one_line(result)

    line = row_denied("baddate.csv", ["Date,Description,Amount", "2026-03-05,COFFEE,-4.50",
                                      "2026-02-30,IMPOSSIBLE,-1.00"])
    assert "line 3" in line and "2026-02-30" in line, line
    line = row_denied("european.csv", european[:2], "--date-column", "Buchungstag",
                      "--amount-column", "Betrag")
    assert "line 2" in line and "05.03.2026" in line, line
    assert audit(run_ledger) == untouched  # dry runs and refusals wrote nothing

    # --no-add: matches are cleared, the rest only listed
    path = write_csv(tmp_path / "noadd.csv", "Date,Description,Amount", "2026-03-05,COFFEE,-4.50",
                     "2026-03-09,ATM WITHDRAWAL,-60.00", "2026-03-10,DEPOSIT,75.00")
    done = run_ledger.ok("statement", str(path), "-a", "checking", "--no-add")
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("line 2:") and f"matched {coffee['ref']}" in lines[0], lines
    assert lines[1].startswith("line 3:") and lines[1].endswith("unmatched"), lines
    assert lines[2].startswith("line 4:") and lines[2].endswith("unmatched"), lines
    assert lines[3].startswith("1 matched, 2 unmatched"), lines
    events = audit(run_ledger)
    assert [e["type"] for e in events[len(untouched):]] == ["TransactionCleared"]
    assert [(r["ref"], r["cleared"]) for r in history(run_ledger)] == [
        ("T1", ""), (coffee["ref"], "c")
    ]


def test_a_withdrawal_only_the_bank_shows_is_added_even_past_the_overdraft_limit(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    """The bank already paid it: the row is recorded (with a warning), not denied."""
    run_ledger.ok("deposit", "50", "--date", "2026-03-01")
    statement = tmp_path / "bank.csv"
    statement.write_text(
        "Date,Description,Amount\n2026-03-01,DEPOSIT,50.00\n2026-03-03,CARD PAYMENT,-80.00\n",
        encoding="utf-8",
    )
    result = run_ledger("statement", str(statement), "-a", "checking", "--json")
    assert result.returncode == 0, result.stderr
    decisions = [row["decision"] for row in json.loads(result.stdout)["rows"]]
    assert decisions == ["matched", "added"]
    assert "below its overdraft limit" in result.stderr
    balance = json.loads(run_ledger("balance", "--json").stdout)["balance"]
    assert balance == "-30.00"
    # A withdrawal the user starts is still held to the limit.
    assert run_ledger("withdraw", "1").returncode == 1


# -- 8. statements: odd check numbers, dates too far ahead, bounced deposits --------------------


def test_statement_check_number_with_superscript_digit_is_not_a_traceback(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    run_ledger("deposit", "1000", "--date", "2026-01-05", check=True)
    run_ledger("check", "100", "--date", "2026-01-10", check=True)
    csv_file = tmp_path / "bank.csv"
    csv_file.write_text(
        "Date,Amount,Description,Check Number\n2026-01-12,-100.00,CHECK,\u00b2\n",
        encoding="utf-8",
    )
    result = run_ledger("statement", str(csv_file), "-a", "checking")
    assert result.returncode in (0, 1), result.stderr
    assert "internal error" not in result.stderr


def test_statement_date_too_far_ahead_is_refused(run_ledger: LedgerProcess) -> None:
    run_ledger("deposit", "1000", "--date", "2026-01-05", check=True)
    run_ledger("clear", "T1", check=True)
    result = run_ledger(
        "reconcile", "-a", "checking", "--statement-date", "2062-01-31",
        "--statement-balance", "1000",
    )
    assert result.returncode == 1, result.stdout
    # Had it been recorded, every later write (dated before 2062) would need --force.
    assert run_ledger("deposit", "5").returncode == 0


def test_statement_matches_the_void_of_a_cleared_deposit(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    run_ledger("deposit", "1000", "--date", "2026-01-02", check=True)
    run_ledger("deposit", "500", "--date", "2026-01-05", "--payee", "Client", check=True)
    run_ledger("clear", "T1", "T2", check=True)  # the bank has both
    run_ledger("void", "T2", "--date", "2026-01-09", "--reason", "bounced", check=True)  # T4
    csv_file = tmp_path / "bank.csv"
    csv_file.write_text(
        "Date,Amount,Description\n2026-01-09,-500.00,RETURNED DEPOSIT ITEM\n", encoding="utf-8"
    )
    result = run_ledger("statement", str(csv_file), "-a", "checking")
    assert result.returncode == 0, result.stderr
    assert "matched T4" in result.stdout, result.stdout  # actual: added T5 (CashWithdrawn)
    balance = run_ledger("balance", "--json")
    assert '"1000.00"' in balance.stdout  # actual: 500.00, the bounce counted twice
