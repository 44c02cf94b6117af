"""Traps a new user hit in the first hour (issue "Mistakes, and the way back"), each with the
exact reproduction: the ones in the write path's rules and messages. (The way back itself,
unvoid and amend, is tests/cli/test_corrections.py; --dry-run is tests/e2e/test_dry_run.py.)"""

from __future__ import annotations

from conftest import denied, ok, ok_json


def test_a_sealed_void_suggests_a_later_date_as_well_as_force() -> None:
    """Bug 13: the sealed-period denial of a void suggested only --force, though a void
    dated after the statement date is the honest way to record it."""
    ok("deposit", "1000", "--date", "2026-03-01")
    ok("check", "100", "--date", "2026-03-05", "--payee", "Landlord")
    ok("clear", "T1", "T2", "--date", "2026-03-31")
    ok("reconcile", "-a", "checking", "--statement-date", "2026-03-31",
       "--statement-balance", "900")
    assert denied("void", "T2") == (
        "ledger: checking is reconciled with a statement through 2026-03-31; an entry dated "
        "2026-03-05 would change that period (date it after 2026-03-31 with --date, or use "
        "--force to record it on 2026-03-05 anyway (flagged))"
    )
    assert ok("void", "T2", "--date", "2026-04-01").startswith("Voided T2 (check 1 to Landlord")
    # Other entries cannot honestly move: only --force is offered.
    assert denied("deposit", "5", "--date", "2026-03-15").endswith(
        "(use --force to record it anyway; it is flagged)"
    )


def test_a_zero_padded_euro_amount_is_denied_naming_both_readings() -> None:
    """Trap 2: `deposit 2.500` on a EUR account recorded 2.50 where a European user meant
    two thousand five hundred."""
    ok("open", "giro", "--currency", "EUR", "--date", "2026-03-01")
    assert denied("deposit", "2.500", "-a", "giro") == (
        "ledger: amount '2.500' has too many decimals (3; EUR has 2): if '.' groups "
        "thousands, type 2500; if it means 2.5, type 2.50"
    )
    assert ok_json("balance", "-a", "giro")["balance"] == "0.00"  # type: ignore[index]
    ok("deposit", "2500", "-a", "giro")
    assert ok_json("balance", "-a", "giro")["balance"] == "2500.00"  # type: ignore[index]


def test_an_account_cannot_be_closed_before_its_opening_day() -> None:
    """A review found `close --date` before the opening day accepted, now that entries may
    predate the opening: the close would come before the account existed."""
    ok("open", "sav", "--date", "2026-03-10")
    assert denied("close", "sav", "--date", "2026-03-05") == (
        "ledger: sav was opened on 2026-03-10; it cannot be closed on 2026-03-05, before that"
    )
    ok("close", "sav", "--date", "2026-03-10")


def test_a_decimal_comma_amount_says_what_to_type() -> None:
    """A review: `deposit 12,50` on a EUR account said only "not a number"."""
    ok("open", "giro", "--currency", "EUR", "--date", "2026-03-01")
    assert denied("deposit", "12,50", "-a", "giro") == (
        "ledger: amount '12,50' is not a number: ',' groups thousands here and '.' is the "
        "decimal mark; if ',' is yours, type 12.50"
    )
    assert denied("deposit", "1.234,56", "-a", "giro").endswith("type 1234.56")
