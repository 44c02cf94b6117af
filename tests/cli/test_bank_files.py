"""Bank statement files as banks write them, and a `statement` that says what it did not do.

Real exports: `;` or tab between fields, a decimal comma (`-1.234,56`), lines about the
account above the table, day-first dates; `tests/fixtures/german-bank.csv` and
`tests/fixtures/preamble-bank.csv` are two of them. A row that cannot be recorded (unreadable,
dated after today, in a sealed period) is denied and named by its line: the other rows are
recorded and the command exits 1 (SPEC 11). Also: the likely causes of a statement that does
not reconcile look for two entries that make up the difference, and `import` of a bank's file
points at `statement`.
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from conftest import FIXTURES, LedgerProcess, cli, denied, ok, ok_json, one_line_error

from ledger_cli.domain.mismatch import likely_causes
from ledger_cli.domain.money import CURRENCIES
from ledger_cli.domain.state import AccountState
from ledger_cli.domain.statements import Entry

GERMAN = FIXTURES / "german-bank.csv"
PREAMBLE = FIXTURES / "preamble-bank.csv"
GERMAN_COLUMNS = (
    "--date-column", "Buchungstag", "--description-column", "Verwendungszweck",
    "--amount-column", "Betrag", "--date-format", "%d.%m.%Y",
)


def write(path: Path, *lines: str) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def balance(account: str = "checking") -> Decimal:
    return Decimal(ok_json("balance", "-a", account)["balance"])


def history(account: str = "checking") -> list[tuple[str, str, str, str]]:
    """(date, type, amount, cleared mark) of each row of the register."""
    rows = ok_json("history", "-a", account)
    return [(r["date"], r["type"], r["amount"], r["cleared"]) for r in rows]


def audit() -> list[dict[str, Any]]:
    return list(ok_json("audit"))


def statement(*args: str) -> tuple[int, Any, str]:
    """`statement ARGS --json`: (exit code, the report, and the failure on stderr, after any
    warnings, as the one line `ledger: MESSAGE` it is without --json; "" for none)."""
    code, out, err = cli("statement", *args, "--json")
    warnings = [line for line in err.splitlines(True) if line.startswith("ledger: warning: ")]
    rest = err[len("".join(warnings)):]
    assert "".join(warnings) + rest == err, err  # the warnings come first
    if not rest:
        return code, json.loads(out), ""
    assert rest.endswith("\n") and rest.count("\n") == 1, rest
    failure = json.loads(rest)
    assert failure["code"] == code == 1, (failure, code)
    return code, json.loads(out), one_line_error(f"ledger: {failure['error']}\n")


def decisions(report: Any) -> list[tuple[int, str, str]]:
    return [(r["line"], r["amount"], r["decision"]) for r in report["rows"]]


# -- a German bank's export ------------------------------------------------------------------


def german_register() -> None:
    ok("open", "giro", "--currency", "EUR", "--date", "2026-09-30")
    ok("deposit", "2500", "-a", "giro", "--date", "2026-10-01", "--payee", "Müller GmbH")
    ok("withdraw", "1234.56", "-a", "giro", "--date", "2026-10-03", "-m", "Miete")


GERMAN_ROWS = [
    (2, "2026-10-01", "2500.00", "Gehalt Oktober Müller GmbH", "matched"),
    (3, "2026-10-02", "-1234.56", "Miete Oktober Hausverwaltung Schäfer", "matched"),
    (4, "2026-10-05", "-12.80", "Bäckerei Köhler", "added"),
    (5, "2026-10-15", "150.00", "Überweisung Jürgen Groß", "added"),
    (6, "2026-10-30", "-4.90", "Kontoführung Entgelt", "added"),
    (7, "2026-10-31", "1000.00", "Erstattung Nebenkosten; Abrechnung 2025", "added"),
]


def test_a_german_export_with_decimal_commas_is_matched_and_added_exactly() -> None:
    german_register()
    code, report, err = statement(str(GERMAN), "-a", "giro", *GERMAN_COLUMNS, "--decimal-comma",
                                  "--delimiter", ";")
    assert (code, err) == (0, ""), err
    assert [(r["line"], r["date"], r["amount"], r["description"], r["decision"])
            for r in report["rows"]] == GERMAN_ROWS
    assert report["counts"]["matched"] == 2 and report["counts"]["added"] == 4
    assert report["balance"] == "2397.74"
    assert balance("giro") == Decimal("2397.74")
    assert [row[3] for row in history("giro")] == ["c"] * 6
    texts = [r["payee"] or r["memo"] for r in ok_json("history", "-a", "giro")]
    assert texts[2:] == [row[3] for row in GERMAN_ROWS[2:]]  # umlauts intact


def test_a_semicolon_file_and_its_decimal_comma_are_found_from_the_file() -> None:
    """No --delimiter, no --decimal-comma: the header line is `;`-separated, and the amounts
    have decimal commas (`-1.234,56`, `-12,80`) and none a decimal point."""
    german_register()
    code, report, err = statement(str(GERMAN), "-a", "giro", *GERMAN_COLUMNS)
    assert (code, err) == (0, ""), err
    assert [(r["line"], r["date"], r["amount"], r["description"], r["decision"])
            for r in report["rows"]] == GERMAN_ROWS
    assert balance("giro") == Decimal("2397.74")


def test_an_ambiguous_amount_is_denied_naming_both_readings(tmp_path: Path) -> None:
    """`1.234` in a file of decimal commas could still be 1,234.00 or 1.234: that row is
    denied naming both readings, the rest recorded; once the option says which, it is the
    only new row."""
    german_register()
    path = write(tmp_path / "umsatz.csv", "Buchungstag;Verwendungszweck;Betrag",
                 "01.10.2026;Gehalt;2.500,00", "05.10.2026;Bäckerei;-12,80",
                 "31.10.2026;Erstattung;1.234")
    code, report, err = statement(path, "-a", "giro", *GERMAN_COLUMNS)
    assert code == 1
    assert decisions(report) == [(2, "2500.00", "matched"), (3, "-12.80", "added"),
                                 (4, None, "denied")]
    reason = report["rows"][2]["reason"]
    assert reason == (
        "amount '1.234' is ambiguous: 1234.00 with a decimal comma, 1.234 with a decimal "
        "point; say which with --decimal-comma or --decimal-point"
    )
    assert err == (
        f"ledger: 1 of 3 rows denied (line 4: {reason}); the rest was recorded (cleared as "
        f"{report['clearing_ref']})"
    )
    assert balance("giro") == Decimal("1252.64")
    code, report, err = statement(path, "-a", "giro", *GERMAN_COLUMNS, "--decimal-comma")
    assert (code, err) == (0, "")
    assert [r["decision"] for r in report["rows"]] == ["duplicate", "duplicate", "added"]
    assert balance("giro") == Decimal("2486.64")


def test_decimal_comma_amounts_are_exact(tmp_path: Path) -> None:
    ok("open", "giro", "--currency", "EUR", "--date", "2026-01-01")
    path = write(tmp_path / "amounts.csv", "Datum;Text;Betrag",
                 "2026-02-01;A;1.234,56", "2026-02-02;B;-1.234,56", "2026-02-03;C;1234,56",
                 "2026-02-04;D;-0,01", "2026-02-05;E;12.345.678,90", "2026-02-06;F;7")
    code, report, _ = statement(path, "-a", "giro", "--decimal-comma", "--dry-run",
                                "--date-column", "Datum", "--amount-column", "Betrag")
    assert code == 0
    assert [r["amount"] for r in report["rows"]] == [
        "1234.56", "-1234.56", "1234.56", "-0.01", "12345678.90", "7.00"
    ]
    assert report["balance"] == str(Decimal("1234.56") * 1 + Decimal("12345678.90") + 7
                                    - Decimal("0.01"))


def test_a_decimal_comma_without_the_flag_is_denied_not_misread(tmp_path: Path) -> None:
    """In a comma-separated file nothing is detected: `1.234,56` is the row's denial,
    naming its line and value and the option; the other rows are recorded."""
    ok("deposit", "100", "--date", "2026-03-01")
    path = write(tmp_path / "eu.csv", "Date,Description,Amount", "2026-03-01,PAY,100.00",
                 '2026-03-02,RENT,"-1.234,56"', "2026-03-03,COFFEE,-4.50")
    code, report, err = statement(path)
    assert code == 1
    assert decisions(report) == [(2, "100.00", "matched"), (3, None, "denied"),
                                 (4, "-4.50", "added")]
    assert report["rows"][1]["reason"] == (
        "amount '-1.234,56' has a decimal comma; give --decimal-comma to read it as -1234.56"
    )
    assert "line 3" in err and "'-1.234,56'" in err and "--decimal-comma" in err, err
    assert balance() == Decimal("95.50")


def test_with_decimal_comma_a_decimal_point_amount_is_denied(tmp_path: Path) -> None:
    ok("open", "checking", "--date", "2026-01-01")
    path = write(tmp_path / "us.csv", "Date,Description,Amount", '2026-03-02,RENT,"1,234.56"',
                 "2026-03-03,COFFEE,\"-4,50\"")
    code, report, err = statement(path, "--decimal-comma")
    assert code == 1
    assert decisions(report) == [(2, None, "denied"), (3, "-4.50", "added")]
    assert report["rows"][0]["reason"] == (
        "amount '1,234.56' is not written with a decimal comma (such as 1.234,56), "
        "as --decimal-comma says"
    )
    assert err.startswith("ledger: 1 of 2 rows denied (line 2: amount '1,234.56'"), err
    assert balance() == Decimal("-4.50")


def test_decimal_point_says_which_reading_of_an_ambiguous_amount(tmp_path: Path) -> None:
    ok("open", "checking", "--date", "2026-01-01")
    path = write(tmp_path / "jp.csv", "Date;Description;Amount", "2026-03-02;A;1,234",
                 "2026-03-03;B;-2.500")
    code, report, err = statement(path, "--dry-run")
    assert code == 1 and [r["decision"] for r in report["rows"]] == ["denied", "denied"]
    assert report["rows"][0]["reason"] == (
        "amount '1,234' is ambiguous: 1234.00 with a decimal point, 1.234 with a decimal "
        "comma; say which with --decimal-comma or --decimal-point"
    )
    assert err.endswith("; dry run, nothing was written"), err
    _, report, _ = statement(path, "--dry-run", "--decimal-point")
    assert [r["amount"] for r in report["rows"]] == ["1234.00", None]
    assert report["rows"][1]["reason"] == "amount '-2.500' has 3 decimals; USD has 2"
    _, report, _ = statement(path, "--dry-run", "--decimal-comma")
    assert [r["amount"] for r in report["rows"]] == [None, "-2500.00"]


# -- delimiters ------------------------------------------------------------------------------


def test_delimiters_given_and_detected(tmp_path: Path) -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    rows = [("Date", "Description", "Amount"), ("2026-03-01", "PAY", "100.00"),
            ("2026-03-02", "COFFEE", "-4.50")]
    for name, sep, options in [
        ("semi.csv", ";", ("--delimiter", ";")),
        ("semi-found.csv", ";", ()),
        ("tab.tsv", "\t", ("--delimiter", "tab")),
        ("tab-escaped.tsv", "\t", ("--delimiter", "\\t")),
        ("tab-found.tsv", "\t", ()),
        ("pipe.txt", "|", ()),
    ]:
        path = write(tmp_path / name, *(sep.join(row) for row in rows))
        code, report, err = statement(path, "--dry-run", *options)
        assert (code, err) == (0, ""), (name, err)
        assert decisions(report) == [(2, "100.00", "matched"), (3, "-4.50", "added")], name

    path = write(tmp_path / "comma.csv", *(",".join(row) for row in rows))
    for bad in ("ab", "", "\\n", '"', "1"):
        line = denied("statement", path, "--delimiter", bad)
        assert f"--delimiter {bad!r}" in line, line
    line = denied("statement", path, "--delimiter", ";")
    assert line.startswith("ledger: no header line in the first 50 lines of ") and "';'" in line
    assert balance() == Decimal("100.00")


# -- lines above the header ------------------------------------------------------------------


def preamble_register() -> None:
    ok("deposit", "2000", "--date", "2026-11-02", "--payee", "Acme")
    ok("withdraw", "84.37", "--date", "2026-11-08", "-m", "groceries")


def test_a_preamble_above_the_header_is_skipped_and_line_numbers_stay_true() -> None:
    preamble_register()
    code, report, err = statement(str(PREAMBLE))
    assert (code, err) == (0, ""), err
    assert [(r["line"], r["amount"], r["decision"], r["reason"]) for r in report["rows"]] == [
        (5, "2000.00", "matched", "same amount, same date"),
        (6, "-84.37", "matched", "same amount, dates 1 day apart"),
        (7, "-12.00", "added", "FeeCharged, category uncategorized (no rule or payee match)"),
        (8, "0.41", "added", "InterestPaid, category uncategorized (no rule or payee match)"),
    ]
    assert balance() == Decimal("1904.04")  # the bank's own Balance column on the last row
    assert [row[3] for row in history()] == ["c"] * 4


def test_skip_lines_skips_exactly_that_many(tmp_path: Path) -> None:
    preamble_register()
    code, report, _ = statement(str(PREAMBLE), "--skip-lines", "3", "--dry-run")
    assert code == 0 and [r["line"] for r in report["rows"]] == [5, 6, 7, 8]
    line = denied("statement", str(PREAMBLE), "--skip-lines", "2")
    assert line.startswith("ledger: line 3 (after --skip-lines 2) is not a header line: "), line
    assert "a date column (" in line and "posting date" in line, line
    assert "--skip-lines 'x'" in denied("statement", str(PREAMBLE), "--skip-lines", "x")
    # a preamble line that is also a bad row later: the real line is named
    path = write(tmp_path / "late.csv", "Bank of Example", "", "Date,Description,Amount",
                 "2026-11-02,PAYROLL,2000.00", "2026-11-31,IMPOSSIBLE,-1.00")
    code, report, err = statement(path, "--dry-run")
    assert code == 1 and decisions(report) == [(4, "2000.00", "matched"), (5, "-1.00", "denied")]
    assert report["rows"][1]["reason"] == (
        "date '2026-11-31' is not a date in the format YYYY-MM-DD, MM/DD/YYYY or MM/DD/YY "
        "(see --date-format)"
    )
    assert "line 5: date '2026-11-31'" in err


def test_no_header_names_what_was_looked_for(tmp_path: Path) -> None:
    ok("open", "checking", "--date", "2026-01-01")
    lines = [f"preamble line {n}" for n in range(60)] + ["Date,Description,Amount",
                                                         "2026-03-01,PAY,1.00"]
    line = denied("statement", write(tmp_path / "deep.csv", *lines))
    assert line == (
        "ledger: no header line in the first 50 lines of the statement holds a date column "
        "(date, posting date, posted date, post date, transaction date, trans date, booking "
        "date, value date) and an amount column (amount, transaction amount, value) or a "
        "debit and a credit column (debit, debits, withdrawal, withdrawals, money out, paid "
        "out; credit, credits, deposit, deposits, money in, paid in), separated by ',' ';' "
        "tab or '|'; name the columns with --date-column and --amount-column (or "
        "--debit-column and --credit-column), or skip lines with --skip-lines N"
    )
    assert "'Nope'" in denied("statement", str(PREAMBLE), "--date-column", "Nope")
    assert "empty" in denied("statement", write(tmp_path / "empty.csv"))


# -- dates -----------------------------------------------------------------------------------


def test_day_first_dates_are_never_read_month_first(tmp_path: Path) -> None:
    """Without --date-format, MM/DD/YYYY is a default; but a file in which some date can only
    be day-first (13/03/2026) has its other slash dates (05/03/2026) denied, not misread."""
    ok("open", "checking", "--date", "2026-01-01")
    path = write(tmp_path / "uk.csv", "Date,Description,Amount", "05/03/2026,COFFEE,-4.50",
                 "13/03/2026,TEA,-3.00", "2026-03-14,CAKE,-2.00")
    code, report, err = statement(path, "--dry-run")
    assert code == 1
    assert decisions(report) == [(2, "-4.50", "denied"), (3, "-3.00", "denied"),
                                 (4, "-2.00", "added")]
    assert report["rows"][0]["reason"] == (
        "date '05/03/2026' may be day-first: line 3 has '13/03/2026'; give --date-format "
        "%d/%m/%Y (or %m/%d/%Y)"
    )
    code, report, _ = statement(path, "--dry-run", "--date-format", "%d/%m/%Y")
    assert code == 1  # the ISO date is not in the format given: named, not guessed
    assert [(r["date"], r["decision"]) for r in report["rows"]] == [
        ("2026-03-05", "added"), ("2026-03-13", "added"), (None, "denied")
    ]
    assert report["rows"][2]["reason"] == (
        "date '2026-03-14' is not a date in the format %d/%m/%Y (see --date-format)"
    )


def test_a_currency_column_that_names_another_currency_denies_the_row(tmp_path: Path) -> None:
    ok("open", "giro", "--currency", "EUR", "--date", "2026-01-01")
    path = write(tmp_path / "cur.csv", "Datum;Betrag;Währung", "2026-02-01;10,00;EUR",
                 "2026-02-02;20,00;USD", "2026-02-03;30,00;")
    code, report, err = statement(path, "-a", "giro", "--date-column", "Datum",
                                  "--amount-column", "Betrag")
    assert code == 1
    assert decisions(report) == [(2, "10.00", "added"), (3, "20.00", "denied"),
                                 (4, "30.00", "added")]
    assert report["rows"][1]["reason"] == "the row is in USD; giro is in EUR"
    assert balance("giro") == Decimal("40.00")


# -- a denied row: the rest is recorded, exit 1 ----------------------------------------------


def sealed_ledger() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("clear", "T1")
    ok("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
       "--statement-balance", "1000")


def test_a_denied_row_exits_1_after_recording_the_others(tmp_path: Path) -> None:
    """The reproduction: a fee dated in the sealed March and an April deposit. Before, the
    deposit was recorded, the fee silently not, and the exit status was 0."""
    sealed_ledger()
    path = write(tmp_path / "s6.csv", "Date,Description,Amount", "2026-03-20,LATE FEE,-5.00",
                 "2026-04-02,DEPOSIT,50.00")
    before = audit()
    code, out, err = cli("statement", path, "--dry-run")
    assert code == 1
    assert one_line_error(err).startswith("ledger: 1 of 2 rows denied (line 2: dated "), err
    assert err.endswith("; dry run, nothing was written\n"), err
    assert "line 2: 2026-03-20 -5.00 'LATE FEE': denied: dated 2026-03-20" in out, out
    assert audit() == before

    code, out, err = cli("statement", path)
    assert code == 1
    assert one_line_error(err) == (
        "ledger: 1 of 2 rows denied (line 2: dated 2026-03-20, in the period checking is "
        "reconciled through 2026-03-31: a statement adds nothing there; if the bank booked "
        "it then, enter it with --force); the rest was recorded (cleared as T5)"
    )
    assert "use --force to record it anyway" not in out  # statement has no --force
    assert "line 3: 2026-04-02 50.00 'DEPOSIT': added T4" in out, out
    assert balance() == Decimal("1050.00")
    assert history()[-1] == ("2026-04-02", "FundsDeposited", "50.00", "c")
    # running it again is safe: the recorded row is a duplicate, the denied one still denied
    code, report, err = statement(path)
    assert code == 1 and [r["decision"] for r in report["rows"]] == ["denied", "duplicate"]
    assert err.endswith("; nothing was recorded"), err
    assert balance() == Decimal("1050.00")


def test_an_unreadable_row_is_denied_and_the_rest_recorded(tmp_path: Path) -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    path = write(tmp_path / "bad.csv", "Date,Description,Amount", "2026-03-01,PAY,100.00",
                 "2026-03-02,COFFEE,four fifty", "2026-03-03,SHORT", "2026-03-04,TEA,-3.00")
    code, out, err = cli("statement", path)
    assert code == 1
    assert one_line_error(err) == (
        "ledger: 2 of 4 rows denied (line 3: amount 'four fifty' is not a number; line 4: 2 "
        "fields where the header has 3); the rest was recorded (cleared as T3)"
    )
    assert out.splitlines()[1:3] == [
        "line 3: 2026-03-02 'COFFEE': denied: amount 'four fifty' is not a number",
        "line 4: denied: 2 fields where the header has 3",
    ], out
    assert balance() == Decimal("97.00")


def test_a_future_dated_row_names_its_line_not_a_ref_that_does_not_exist(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    """The reproduction: one deposit, a statement row dated three days ahead, --dry-run. It
    said 'T2 is dated ...' of a T2 the ledger does not have, and refused the whole file."""
    today = date.today()
    ahead = today + timedelta(days=3)
    run_ledger.ok("deposit", "100", "--date", today.isoformat())
    path = write(tmp_path / "fut.csv", "Date,Description,Amount",
                 f"{today.isoformat()},DEPOSIT,100.00", f"{ahead.isoformat()},FUTURE,-10.00")
    code, out, err = run_ledger.run("statement", path, "--dry-run")
    assert code == 1
    assert "T2" not in err, err
    assert one_line_error(err) == (
        f"ledger: 1 of 2 rows denied (line 3: dated {ahead.isoformat()}, after today "
        f"({today.isoformat()}): a bank books nothing ahead); dry run, nothing was written"
    )
    assert "line 2: " in out and "matched T1" in out, out
    code, out, err = run_ledger.run("statement", path)
    assert code == 1 and "the rest was recorded (cleared as T2)" in err, err
    assert json.loads(run_ledger.ok("history", "--json").stdout)[0]["cleared"] == "c"


# -- why a statement does not reconcile: two entries ----------------------------------------


def test_two_outstanding_entries_that_add_up_to_the_difference_are_named() -> None:
    """The reproduction: a check of 500.00 and a fee of 0.42 outstanding, the statement
    500.42 lower. It said 'no single entry explains it'."""
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "500", "--date", "2026-03-03")
    ok("fee", "0.42", "--date", "2026-03-05")
    ok("clear", "T1")
    code, out, err = cli("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
                         "--statement-balance", "499.58", "--json")
    assert code == 1 and "differs" in json.loads(err)["error"]
    causes = json.loads(out)["likely_causes"]
    assert causes == [
        "T2 (CheckWritten 1 of 2026-03-03, -500.00) and T3 (FeeCharged of 2026-03-05, -0.42) "
        "are not cleared and together equal the difference: if the bank has both, "
        "`ledger clear T2 T3`"
    ]
    code, out, _ = cli("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
                       "--statement-balance", "499.58")
    assert "`ledger clear T2 T3`" in out and "no single entry" not in out, out


def test_a_cleared_entry_the_bank_lacks_and_one_it_has_are_named() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("deposit", "80", "--date", "2026-03-02")  # T2, cleared, the bank does not have it
    ok("withdraw", "20.50", "--date", "2026-03-03")  # T3, not cleared, the bank has it
    ok("clear", "T1", "T2")
    code, out, _ = cli("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
                       "--statement-balance", "979.50", "--json")
    assert code == 1
    assert json.loads(out)["likely_causes"] == [
        "T3 (CashWithdrawn of 2026-03-03, -20.50) is not cleared and T2 (FundsDeposited of "
        "2026-03-02, 80.00) is: if the bank has T3 and not T2, `ledger clear T3` and "
        "`ledger unclear T2`"
    ]


def test_two_cleared_entries_the_bank_does_not_have_yet_are_named() -> None:
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("deposit", "30", "--date", "2026-03-30")
    ok("deposit", "12.50", "--date", "2026-03-31")
    ok("clear", "T1", "T2", "T3")
    code, out, _ = cli("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
                       "--statement-balance", "1000", "--json")
    assert code == 1
    assert json.loads(out)["likely_causes"] == [
        "T2 (FundsDeposited of 2026-03-30, 30.00) and T3 (FundsDeposited of 2026-03-31, 12.50) "
        "are cleared and together account for the difference: the bank may not have either yet"
    ]


def test_the_pair_search_is_fast_and_capped() -> None:
    """60,000 outstanding checks: the pair is found in well under a second (no n-squared
    search), and where many pairs fit, only a few are listed."""
    account = AccountState("checking", CURRENCIES["USD"], 0, date(2026, 1, 1))

    def check(n: int, minor: int) -> Entry:
        return Entry(n, f"T{n}", "CheckWritten", date(2026, 3, 1), minor, n, None, "")

    # even amounts of 1,000.02 and more, and two odd ones that make up the difference
    entries = [check(n, -(100_000 + 2 * n)) for n in range(1, 60_001)]
    entries[4], entries[8] = check(5, -1001), check(9, -2003)
    started = time.perf_counter()
    causes = likely_causes(account, entries, -3004)
    assert time.perf_counter() - started < 1.0
    assert causes == [
        "T5 (CheckWritten 5 of 2026-03-01, -10.01) and T9 (CheckWritten 9 of 2026-03-01, "
        "-20.03) are not cleared and together equal the difference: if the bank has both, "
        "`ledger clear T5 T9`"
    ]
    many = [check(n, -(1000 + 7 * n)) for n in range(1, 60_001)]
    causes = likely_causes(account, many, -(2000 + 7 * 14))
    assert len([c for c in causes if "together equal the difference" in c]) == 3, causes


# -- import of a bank's file ---------------------------------------------------------------


def test_import_of_a_bank_export_points_at_statement(tmp_path: Path) -> None:
    bank = tmp_path / "bank.csv"
    bank.write_bytes((FIXTURES / "march-statement.csv").read_bytes())
    line = denied("import", str(bank))
    assert line == (
        "ledger: line 1: unknown column 'posting date'; the columns are date, type, amount, "
        "account, payee, memo, number, to, category, split, id (a bank's export is read by "
        f"`ledger statement {bank}`)"
    )
    line = denied("import", "-", stdin="Date,Amount,Payee\n2026-03-01,10,X\n")
    assert line == (
        "ledger: line 1: the header has no 'type' column (a bank's export is read by "
        "`ledger statement FILE`)"
    )

