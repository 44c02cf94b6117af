"""A corpus of malformed input: bad amounts, dates, account names, references and options, each
given to the installed `ledger` against a ledger that already holds a few entries.

Every case must fail cleanly and change nothing:

- the exact exit code: 1 for a value that is not valid or a command that is denied, 2 only for
  click's own usage errors (unknown command or option, missing argument or option value);
- for exit 1, stderr is exactly one non-empty line, `ledger: ...`, naming what was wrong; click's
  usage errors print a usage block of several lines instead, so for exit 2 the LAST line
  (`Error: ...`) must say what was wrong;
- nothing on stdout, no 'Traceback' anywhere;
- the ledger untouched: the .db file byte-identical, and no write-ahead log left holding
  frames (a non-empty -wal could hold a change that the .db bytes do not show yet).

Each case works on its own copy of one prepared ledger, so the cases run in a thread pool.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from conftest import json_requested, ledger_process, one_line_error

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit, OpenAccount, Transfer, Void, WriteCheck

HEX = "ab" * 32  # a well-formed hash


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]  # `{deposit}`, `{void}`, `{opened}` stand for refs of the ledger
    code: int  # the exit code it must give (README, "Exit codes")
    says: str  # a fragment the error line must contain (the bad value, or what is wrong)
    bug: str | None = None  # a known product bug: the case is a strict xfail


def case(name: str, code: int, says: str, *args: str, bug: str | None = None) -> Case:
    return Case(name, args, code, says, bug)


NOT_UTF8 = "\udcff"  # the byte 0xff in argv, as Python decodes it


CASES = [
    # -- amounts: exit 1, naming the value ---------------------------------------------------
    case("amount-negative", 1, "'-5'", "deposit", "-5"),
    case("amount-negative-cents", 1, "'-0.01'", "deposit", "-0.01"),
    case("amount-negative-symbol", 1, "negative", "deposit", "$-5"),
    case("amount-zero", 1, "'0'", "deposit", "0"),
    case("amount-zero-decimals", 1, "'0.00'", "deposit", "0.00"),
    case("amount-zero-check", 1, "'0'", "check", "0"),
    case("amount-empty", 1, "empty", "deposit", ""),
    case("amount-blank", 1, "empty", "deposit", "   "),
    case("amount-nan", 1, "'NaN'", "deposit", "NaN"),
    case("amount-nan-lower", 1, "'nan'", "withdraw", "nan"),
    case("amount-inf", 1, "'inf'", "deposit", "inf"),
    case("amount-infinity", 1, "'Infinity'", "check", "Infinity"),
    case("amount-minus-inf", 1, "'-inf'", "deposit", "-inf"),
    case("amount-minus-nan", 1, "'-nan'", "withdraw", "-nan"),
    case("amount-plus-inf", 1, "'+inf'", "deposit", "+inf"),
    case("amount-exponent", 1, "'1e3'", "deposit", "1e3"),
    case("amount-exponent-upper", 1, "'1E3'", "deposit", "1E3"),
    case("amount-exponent-negative", 1, "'5e-2'", "withdraw", "5e-2"),
    case("amount-exponent-decimal", 1, "'1.5e2'", "check", "1.5e2"),
    case("amount-three-decimals", 1, "'1.234'", "deposit", "1.234"),
    case("amount-many-decimals", 1, "'0.0001'", "check", "0.0001"),
    case("amount-bad-grouping", 1, "'1,00,0'", "deposit", "1,00,0"),
    case("amount-bad-grouping-4", 1, "'1,0000'", "deposit", "1,0000"),
    case("amount-trailing-comma", 1, "'100,'", "deposit", "100,"),
    case("amount-letters", 1, "'abc'", "deposit", "abc"),
    case("amount-trailing-letters", 1, "'12abc'", "deposit", "12abc"),
    case("amount-hex", 1, "'0x10'", "deposit", "0x10"),
    case("amount-space-inside", 1, "'1 000'", "deposit", "1 000"),
    case("amount-two-points", 1, "'1..5'", "deposit", "1..5"),
    case("amount-point-only", 1, "'.'", "deposit", "."),
    case("amount-symbol-after", 1, "'5$'", "deposit", "5$"),
    case("amount-other-currency-symbol", 1, "'€5'", "deposit", "€5"),
    case("amount-arabic-digits", 1, "'١٢٣'", "deposit", "١٢٣"),
    case("amount-fraction-char", 1, "'½'", "deposit", "½"),
    case("amount-huge", 1, "maximum", "deposit", "99999999999999999999"),
    case("amount-above-max", 1, "maximum", "deposit", "10000000000000"),
    case("amount-balance-past-max", 1, "maximum", "deposit", "9999999999999.99"),
    case("amount-only-symbol", 1, "'$'", "deposit", "$"),
    case("amount-double-symbol", 1, "'$$5'", "deposit", "$$5"),
    case("amount-not-utf8", 1, "not a number", "deposit", f"5{NOT_UTF8}"),
    case("amount-jpy-decimals", 1, "'1.5'", "deposit", "1.5", "-a", "yen"),
    case("amount-transfer-negative", 1, "'-5'", "transfer", "-5", "--from", "checking", "--to",
         "savings"),
    case("amount-transfer-zero", 1, "'0'", "transfer", "0", "--from", "checking", "--to",
         "savings"),
    case("amount-check-overdraws", 1, "insufficient funds", "check", "5000"),
    case("amount-withdraw-overdraws", 1, "insufficient funds", "withdraw", "901"),
    case("amount-transfer-overdraws", 1, "insufficient funds", "transfer", "100", "--from",
         "savings", "--to", "checking"),
    # -- dates: exit 1, naming the value -----------------------------------------------------
    case("date-feb-30", 1, "'2026-02-30'", "deposit", "5", "--date", "2026-02-30"),
    case("date-month-13", 1, "'2026-13-01'", "deposit", "5", "--date", "2026-13-01"),
    case("date-not-leap", 1, "'2027-02-29'", "check", "5", "--date", "2027-02-29"),
    case("date-typo-word", 1, "'yesterdayy'", "deposit", "5", "--date", "yesterdayy"),
    case("date-empty", 1, "--date", "deposit", "5", "--date", ""),
    case("date-unpadded", 1, "'2026-3-1'", "withdraw", "5", "--date", "2026-3-1"),
    case("date-with-time", 1, "'2026-03-01T10:00'", "deposit", "5", "--date",
         "2026-03-01T10:00"),
    case("date-us-style", 1, "'03/01/2026'", "deposit", "5", "--date", "03/01/2026"),
    case("date-year-zero", 1, "'0000-01-01'", "deposit", "5", "--date", "0000-01-01"),
    case("date-five-digit-year", 1, "'10000-01-01'", "deposit", "5", "--date", "10000-01-01"),
    case("date-open", 1, "'2026-02-31'", "open", "newacct", "--date", "2026-02-31"),
    case("date-void", 1, "'2026-02-30'", "void", "{deposit}", "--date", "2026-02-30"),
    case("date-transfer", 1, "'tomorrow'", "transfer", "5", "--from", "checking", "--to",
         "savings", "--date", "tomorrow"),
    case("as-of-feb-30", 1, "'2026-02-30'", "balance", "--as-of", "2026-02-30"),
    case("as-of-month-13", 1, "'2026-13-01'", "balance", "--as-of", "2026-13-01"),
    case("as-of-typo-word", 1, "'yesterdayy'", "balance", "--as-of", "yesterdayy"),
    case("as-of-empty", 1, "--as-of", "balance", "--as-of", ""),
    case("as-of-offset-25h", 1, "'2026-03-01T10:00+25:00'", "balance", "--as-of",
         "2026-03-01T10:00+25:00"),
    case("as-of-hour-25", 1, "'2026-03-01T25:00'", "history", "--as-of", "2026-03-01T25:00"),
    case("as-of-audit", 1, "'2026-13-01'", "audit", "--as-of", "2026-13-01"),
    case("known-at-offset-25h", 1, "'2026-03-01T10:00+25:00'", "balance", "--known-at",
         "2026-03-01T10:00+25:00"),
    case("known-at-feb-30", 1, "'2026-02-30'", "history", "--known-at", "2026-02-30"),
    case("known-at-words", 1, "'last week'", "balance", "--known-at", "last week"),
    case("known-at-empty", 1, "--known-at", "audit", "--known-at", ""),
    case("as-of-beyond-range", 1, "out of the range", "balance", "--as-of",
         "9999-12-31T23:59:59-01:00"),
    case("known-at-before-range", 1, "out of the range", "balance", "--known-at",
         "0001-01-01T00:00:00+01:00"),
    case("as-of-week-60", 1, "'2026-W60'", "balance", "--as-of", "2026-W60"),
    case("as-of-not-utf8", 1, "--as-of", "balance", "--as-of", f"2026{NOT_UTF8}"),
    case("since-feb-30", 1, "'2026-02-30'", "history", "--since", "2026-02-30"),
    case("since-word", 1, "'tomorrow'", "history", "--since", "tomorrow"),
    # -- account names: exit 1 ---------------------------------------------------------------
    case("account-uppercase", 1, "'Checking'", "deposit", "5", "-a", "Checking"),
    case("account-space", 1, "'my account'", "deposit", "5", "-a", "my account"),
    case("account-sql", 1, "DROP TABLE", "deposit", "5", "-a", "x'; DROP TABLE events; --"),
    case("account-unicode", 1, "'chéquing'", "check", "5", "-a", "chéquing"),
    case("account-too-long", 1, "'" + "a" * 65 + "'", "deposit", "5", "-a", "a" * 65),
    case("account-empty", 1, "''", "deposit", "5", "-a", ""),
    case("account-unknown", 1, "did you mean 'checking'", "deposit", "5", "-a", "chekcing"),
    case("account-newline", 1, "'a\\nb'", "withdraw", "5", "-a", "a\nb"),
    case("account-not-utf8", 1, "is not valid", "deposit", "5", "-a", f"ch{NOT_UTF8}ecking"),
    case("memo-not-utf8", 1, "memo is not valid UTF-8", "deposit", "5", "-m", f"m{NOT_UTF8}"),
    case("payee-not-utf8", 1, "payee is not valid UTF-8", "check", "5", "--payee",
         f"p{NOT_UTF8}"),
    case("account-balance-unknown", 1, "'nope'", "balance", "-a", "nope"),
    case("account-balance-upper", 1, "'NOPE'", "balance", "-a", "NOPE"),
    case("account-history-space", 1, "'x y'", "history", "-a", "x y"),
    case("open-uppercase", 1, "'Savings2'", "open", "Savings2"),
    case("open-space", 1, "'a b'", "open", "a b"),
    case("open-sql", 1, "DROP TABLE", "open", "'; DROP TABLE events;--"),
    case("open-empty", 1, "''", "open", ""),
    case("open-too-long", 1, "'" + "b" * 65 + "'", "open", "b" * 65),
    case("open-unicode", 1, "'ünïcode'", "open", "ünïcode"),
    case("open-exists", 1, "'savings' already exists", "open", "savings"),
    case("close-not-zero", 1, "'checking'", "close", "checking"),
    case("close-unknown", 1, "'nosuch'", "close", "nosuch"),
    case("transfer-to-itself", 1, "itself", "transfer", "5", "--from", "checking", "--to",
         "checking"),
    case("transfer-to-upper", 1, "'Savings'", "transfer", "5", "--from", "checking", "--to",
         "Savings"),
    case("transfer-to-unknown", 1, "'nosuch'", "transfer", "5", "--from", "checking", "--to",
         "nosuch"),
    case("transfer-currencies", 1, "currencies differ", "transfer", "5", "--from", "checking",
         "--to", "yen"),
    # -- references to void: exit 1 ----------------------------------------------------------
    case("void-unknown", 1, "'T9999'", "void", "T9999"),
    case("void-empty", 1, "''", "void", ""),
    case("void-sql", 1, "OR '1'='1", "void", "T1' OR '1'='1"),
    case("void-sql-drop", 1, "DROP TABLE", "void", "'; DROP TABLE events; --"),
    case("void-lowercase", 1, "'t1'", "void", "t1"),
    case("void-not-utf8", 1, "", "void", f"T{NOT_UTF8}"),
    case("void-reason-not-utf8", 1, "reason is not valid UTF-8", "void", "{deposit}",
         "--reason", f"r{NOT_UTF8}"),
    case("void-a-void", 1, "itself a void", "void", "{void}"),
    case("void-twice", 1, "already voided", "void", "{voided}"),
    case("void-no-money", 1, "moves no money", "void", "{opened}"),
    # -- option values: exit 1 ---------------------------------------------------------------
    case("limit-negative", 1, "'-1'", "history", "--limit", "-1"),
    case("limit-zero", 1, "'0'", "history", "--limit", "0"),
    case("limit-letters", 1, "'abc'", "history", "--limit", "abc"),
    case("limit-decimal", 1, "'1.5'", "history", "--limit", "1.5"),
    case("limit-arabic-digit", 1, "--limit", "history", "--limit", "١"),
    case("limit-huge", 1, "too large", "history", "--limit", "9" * 30),
    case("number-zero", 1, "'0'", "check", "5", "--number", "0"),
    case("number-negative", 1, "'-3'", "check", "5", "--number", "-3"),
    case("number-letters", 1, "'x'", "check", "5", "--number", "x"),
    case("number-huge", 1, "too large", "check", "5", "--number", "9" * 25),
    case("number-arabic-digit", 1, "--number", "check", "5", "--number", "٣"),
    case("number-used", 1, "already used", "check", "5", "--number", "1"),
    case("digest-garbage", 1, "'malformed'", "reconcile", "--digest", "malformed"),
    case("digest-short-hash", 1, "'5:xyz'", "reconcile", "--digest", "5:xyz"),
    case("digest-bad-seq", 1, "SEQ:HASH", "reconcile", "--digest", f"abc:{HEX}"),
    case("digest-negative-seq", 1, "SEQ:HASH", "reconcile", "--digest", f"-1:{HEX}"),
    case("digest-empty", 1, "SEQ:HASH", "reconcile", "--digest", ""),
    case("digest-not-utf8", 1, "SEQ:HASH", "reconcile", "--digest", f"1:{NOT_UTF8}"),
    case("digest-seq-beyond-64-bits", 1, "--digest", "reconcile", "--digest",
         f"9223372036854775808:{HEX}"),
    case("digest-no-colon", 1, "SEQ:HASH", "reconcile", "--digest", HEX),
    case("overdraft-negative", 1, "'-5'", "open", "od1", "--overdraft-limit", "-5"),
    case("overdraft-letters", 1, "'abc'", "open", "od2", "--overdraft-limit", "abc"),
    case("overdraft-exponent", 1, "'1e3'", "open", "od3", "--overdraft-limit", "1e3"),
    case("overdraft-decimals", 1, "'1.234'", "open", "od4", "--overdraft-limit", "1.234"),
    case("overdraft-empty", 1, "empty", "open", "od6", "--overdraft-limit", ""),
    case("overdraft-huge", 1, "maximum", "open", "od7", "--overdraft-limit", "9" * 20),
    case("overdraft-jpy-decimals", 1, "'1.5'", "open", "od5", "--currency", "JPY",
         "--overdraft-limit", "1.5"),
    case("currency-unknown", 1, "'XYZ'", "open", "cur1", "--currency", "XYZ"),
    case("currency-empty", 1, "''", "open", "cur2", "--currency", ""),
    case("currency-short", 1, "'US'", "open", "cur3", "--currency", "US"),
    case("json-and-csv-history", 1, "--json and --csv", "history", "--json", "--csv"),
    case("json-and-csv-audit", 1, "--json and --csv", "audit", "--json", "--csv"),
    # -- usage errors (click's own): exit 2 --------------------------------------------------
    case("usage-unknown-option", 2, "--bogus", "deposit", "5", "--bogus"),
    case("usage-unknown-option-transfer", 2, "--bogus", "transfer", "5", "--from", "checking",
         "--to", "savings", "--bogus"),
    case("usage-unknown-option-query", 2, "--bogus", "balance", "--bogus"),
    case("usage-unknown-short-option", 2, "-x", "check", "5", "-x"),
    case("usage-unknown-command", 2, "frobnicate", "frobnicate"),
    case("usage-unknown-global-option", 2, "--nope", "--nope", "balance"),
    case("usage-missing-amount", 2, "AMOUNT", "deposit"),
    case("usage-missing-amount-with-option", 2, "AMOUNT", "check", "--date", "2026-03-05"),
    case("usage-missing-ref", 2, "REF", "void"),
    case("usage-missing-name", 2, "NAME", "open"),
    case("usage-missing-date-value", 2, "--date", "deposit", "5", "--date"),
    case("usage-missing-limit-value", 2, "--limit", "history", "--limit"),
    case("usage-missing-account-value", 2, "-a", "balance", "-a"),
    case("usage-missing-digest-value", 2, "--digest", "reconcile", "--digest"),
    case("usage-missing-to", 2, "--to", "transfer", "5", "--from", "checking"),
    case("usage-extra-argument", 2, "extra", "deposit", "5", "extra"),
    case("usage-flag-with-value", 2, "--json", "balance", "--json=yes"),
]
assert len(CASES) >= 100, len(CASES)
assert len({c.name for c in CASES}) == len(CASES)


# -- the prepared ledger and the runs -----------------------------------------------------------


@dataclass
class Base:
    path: Path
    refs: dict[str, str]
    audit: str  # `ledger audit --json` of the prepared ledger


@dataclass
class Outcome:
    args: list[str]
    code: int
    out: str
    err: str
    before: str  # sha256 of the .db
    after: str
    files: list[str]  # the case folder after the run
    wal_size: int  # of a -wal left behind, 0 when none
    audit: str | None  # `audit --json` after the run, for a sample of cases


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus_run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `ledger` on `db` as the corpus runs it (`ledger_process`: no checks of its
    own, in a thread pool), with bytes that are not UTF-8 in its output shown as U+FFFD and a
    30 s wait for a lock."""
    return ledger_process(*args, db=db, env={"LEDGER_BUSY_TIMEOUT": "30"}, errors="replace")


def build_base(folder: Path) -> Base:
    db = folder / "base.db"
    ledger = Ledger(db)
    day = date(2026, 3, 1)
    deposit = ledger.execute(Deposit("1000", day, payee="Salary")).ref
    opened = ledger.execute(OpenAccount("savings", day)).ref
    ledger.execute(OpenAccount("yen", day, currency="JPY"))
    ledger.execute(WriteCheck("100", date(2026, 3, 2), number=1, payee="Landlord"))
    voided = ledger.execute(Deposit("50", date(2026, 3, 3))).ref
    void = ledger.execute(Void(voided, None, "twice")).ref
    ledger.execute(Transfer("10", date(2026, 3, 4), "checking", "savings"))
    refs = {"deposit": deposit, "opened": opened, "voided": voided, "void": void}
    result = corpus_run(db, "audit", "--json")
    assert result.returncode == 0, result.stderr
    assert not db.with_name(db.name + "-wal").exists()
    return Base(db, refs, result.stdout)


def _run_case(index: int, spec: Case, base: Base, folder: Path) -> Outcome:
    where = folder / f"{index:03d}"
    where.mkdir()
    db = where / "ledger.db"
    db.write_bytes(base.path.read_bytes())
    before = sha256(db)
    args = [arg.format(**base.refs) if "{" in arg else arg for arg in spec.args]
    result = corpus_run(db, *args)
    wal = db.with_name(db.name + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    after = sha256(db)
    files = sorted(p.name for p in where.iterdir())
    audit = corpus_run(db, "audit", "--json").stdout if index % 10 == 0 or wal_size else None
    return Outcome(args, result.returncode, result.stdout, result.stderr, before, after, files,
                   wal_size, audit)


@pytest.fixture(scope="session")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Base, dict[str, Outcome]]:
    folder = tmp_path_factory.mktemp("bad-input")
    base = build_base(folder)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {c.name: pool.submit(_run_case, i, c, base, folder) for i, c in enumerate(CASES)}
        return base, {name: future.result() for name, future in futures.items()}


def test_the_prepared_ledger_holds_a_few_entries(
    outcomes: tuple[Base, dict[str, Outcome]],
) -> None:
    base, _ = outcomes
    rows = json.loads(base.audit)
    assert [row["type"] for row in rows] == [
        "AccountOpened", "FundsDeposited", "AccountOpened", "AccountOpened", "CheckWritten",
        "FundsDeposited", "TransactionVoided", "TransferSent", "TransferReceived",
    ]
    balance = corpus_run(base.path, "balance", "--all", "--json")
    assert balance.returncode == 0
    assert {b["account"]: b["balance"] for b in json.loads(balance.stdout)} == {
        "checking": "890.00", "savings": "10.00", "yen": "0",
    }


PARAMS = [
    pytest.param(
        c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else []
    )
    for c in CASES
]


@pytest.mark.parametrize("spec", PARAMS)
def test_malformed_input_fails_cleanly_and_changes_nothing(
    outcomes: tuple[Base, dict[str, Outcome]], spec: Case
) -> None:
    base, results = outcomes
    result = results[spec.name]
    context = (result.args, result.code, result.out, result.err)

    assert "Traceback" not in result.err + result.out, context
    assert result.code == spec.code, context
    assert result.out == "", context
    if spec.code == 1:
        # exactly one non-empty line, saying what was wrong (with --json, a JSON object)
        assert result.err.startswith("{") == json_requested(result.args), context
        line = one_line_error(result.err, 1)
        assert "internal error" not in line, context
        assert spec.says in line, context
    else:
        # click's own message: a usage block of several lines (or, for an option missing its
        # value, the error alone); the last line names the problem
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert lines, context
        if len(lines) > 1:
            assert lines[0].startswith("Usage: ledger"), context
        assert lines[-1].startswith("Error: "), context
        assert spec.says in lines[-1], context

    # nothing changed: the file's bytes, no log left holding frames, no stray file
    assert result.after == result.before, context
    assert result.wal_size == 0, context
    assert set(result.files) <= {"ledger.db", "ledger.db-wal", "ledger.db-shm"}, result.files
    if result.audit is not None:
        assert result.audit == base.audit
