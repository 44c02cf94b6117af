"""`ledger history` as a user reads it: voided entries say so and by which ref (as known at
--known-at), a void shows the payee of what it voids, `--all` lists every account in one
register, an empty answer says what was asked, and the plain-text table stays aligned
whatever characters the payees hold."""

from __future__ import annotations

import csv
import io
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import (
    LedgerProcess,
    denied,
    empty_read_models,
    just_before,
    minor,
    ok,
    ok_json,
    ref,
)

from ledger_cli.app.projections import voided_by
from ledger_cli.store.base import Row

# -- voided entries and voids ---------------------------------------------------------------


@pytest.fixture
def voided() -> dict[str, str]:
    """A salary, a phone bill voided with a reason, a rent check; refs by name."""
    refs = {"salary": ref("deposit", "1000", "--date", "2026-03-01", "--payee", "Salary")}
    refs["phone"] = ref("check", "184.30", "--date", "2026-03-05", "--payee", "Phone Co",
                        "-m", "March bill")
    refs["rent"] = ref("check", "400", "--date", "2026-03-06", "--payee", "Landlord")
    refs["void"] = ref("void", refs["phone"], "--reason", "paid twice")
    return refs


def rows_by_ref(*args: str) -> dict[str, dict[str, object]]:
    return {str(row["ref"]): row for row in ok_json("history", *args)}


def test_a_voided_entry_names_its_void_and_the_void_shows_the_payee(
    voided: dict[str, str],
) -> None:
    rows = rows_by_ref()
    phone, void = rows[voided["phone"]], rows[voided["void"]]
    assert phone["voided_by"] == voided["void"]
    assert (void["voids"], void["payee"], void["voided_by"]) == (voided["phone"], "Phone Co", None)
    assert void["amount"] == "184.30" and void["reason"] == "paid twice"
    assert rows[voided["rent"]]["voided_by"] is None
    assert rows[voided["salary"]]["voided_by"] is None
    # filtering by payee gives the right sum: the bill and its void net out
    assert sum(minor(str(r["amount"])) for r in rows.values() if r["payee"] == "Phone Co") == 0
    assert all(row["amends"] is None for row in rows.values())


def test_the_text_register_marks_the_voided_entry(voided: dict[str, str]) -> None:
    lines = {line.split()[2]: line for line in ok("history").splitlines()[2:]}
    phone, void = lines[voided["phone"]], lines[voided["void"]]
    assert f"March bill; voided by {voided['void']}" in phone
    assert "Phone Co" in void and f"void of {voided['phone']}: paid twice" in void
    assert "voided" not in lines[voided["rent"]]


def test_voided_by_is_as_known_at_known_at(voided: dict[str, str]) -> None:
    """Known just before the void was recorded, the bill was not voided (and the void is not
    there); known at the void, it was."""
    audit = ok_json("audit")
    void_recorded = next(r["recorded_at"] for r in audit if r["ref"] == voided["void"])
    before = rows_by_ref("--known-at", just_before(void_recorded))
    assert voided["void"] not in before
    assert before[voided["phone"]]["voided_by"] is None
    at = rows_by_ref("--known-at", void_recorded)
    assert at[voided["phone"]]["voided_by"] == voided["void"]
    # --limit and --since read other paths; the same answer
    limited = rows_by_ref("--limit", "2", "--known-at", just_before(void_recorded))
    assert limited[voided["phone"]]["voided_by"] is None
    assert rows_by_ref("--limit", "3")[voided["phone"]]["voided_by"] == voided["void"]
    since = rows_by_ref("--since", "2026-03-05")
    assert since[voided["phone"]]["voided_by"] == voided["void"]
    assert since[voided["void"]]["payee"] == "Phone Co"


def test_the_log_gives_the_same_voids_when_the_read_models_are_stale(
    voided: dict[str, str], ledger_db: Path
) -> None:
    """From the read models (current) or from the log (emptied by hand), every path of the
    register says the same: whole, --limit, --since, --known-at."""
    ok("unvoid", voided["phone"])
    ok("void", voided["rent"])
    audit = ok_json("audit")
    asks = [(), ("--limit", "2"), ("--limit", "4"), ("--since", "2026-03-06"),
            ("--known-at", just_before(audit[-1]["recorded_at"])),
            ("--limit", "3", "--known-at", audit[-3]["recorded_at"])]
    fast = [ok_json("history", *args) for args in asks]
    assert fast[0][-1]["voided_by"] is None and fast[0][-2]["voided_by"] is not None
    empty_read_models(ledger_db)
    assert [ok_json("history", *args) for args in asks] == fast


def test_csv_and_export_carry_voided_by(voided: dict[str, str]) -> None:
    table = {row["ref"]: row for row in csv.DictReader(io.StringIO(ok("history", "--csv")))}
    assert table[voided["phone"]]["voided_by"] == voided["void"]
    assert table[voided["void"]]["payee"] == "Phone Co"
    assert table[voided["rent"]]["voided_by"] == ""
    exported = list(csv.DictReader(io.StringIO(ok("export", "--format", "csv"))))
    assert {row["ref"]: row["voided_by"] for row in exported} == {
        key: value["voided_by"] for key, value in table.items()
    }


def test_a_voided_transfer_is_marked_in_both_accounts() -> None:
    ok("deposit", "500", "--date", "2026-03-01")
    ok("open", "savings", "--date", "2026-03-01")
    move = ref("transfer", "200", "--from", "checking", "--to", "savings", "--date", "2026-03-02")
    void = ref("void", move)
    for account in ("checking", "savings"):
        rows = rows_by_ref("-a", account)
        assert rows[move]["voided_by"] == void, account
        assert rows[void]["voids"] == move and rows[void]["voided_by"] is None


def test_an_unvoided_entry_is_no_longer_voided_and_can_be_voided_again(
    voided: dict[str, str],
) -> None:
    phone, void = voided["phone"], voided["void"]
    unvoid = ref("unvoid", phone)
    rows = rows_by_ref()
    assert rows[phone]["voided_by"] is None
    assert (rows[unvoid]["type"], rows[unvoid]["payee"]) == ("VoidReversed", "Phone Co")
    assert (rows[unvoid]["unvoids"], rows[unvoid]["restores"]) == (void, phone)
    assert rows[unvoid]["amount"] == "-184.30" and rows[unvoid]["balance"] == "815.70"
    text = {line.split()[2]: line for line in ok("history").splitlines()[2:]}
    assert f"unvoid of {void}, restores {phone}" in text[unvoid]
    assert "voided" not in text[phone]
    # as known when only the void was recorded, it was voided
    audit = ok_json("audit")
    unvoided_at = next(r["recorded_at"] for r in audit if r["ref"] == unvoid)
    assert rows_by_ref("--known-at", just_before(unvoided_at))[phone]["voided_by"] == void
    again = ref("void", phone)
    assert rows_by_ref()[phone]["voided_by"] == again
    assert rows_by_ref("--known-at", unvoided_at)[phone]["voided_by"] is None


def test_an_amended_entry_names_its_void_and_its_replacement(voided: dict[str, str]) -> None:
    rent = voided["rent"]
    ok("amend", rent, "--amount", "450")
    rows = ok_json("history")
    void = next(r for r in rows if r["voids"] == rent)
    new = next(r for r in rows if r["amends"] == rent)
    assert next(r for r in rows if r["ref"] == rent)["voided_by"] == void["ref"]
    assert (void["amended_by"], void["payee"]) == (new["ref"], "Landlord")
    assert (new["payee"], new["amount"], new["voided_by"]) == ("Landlord", "-450.00", None)
    text = {line.split()[2]: line for line in ok("history").splitlines()[2:]}
    assert f"amends {rent}" in text[str(new["ref"])]
    assert f"void of {rent}" in text[str(void["ref"])]
    assert f"voided by {void['ref']}" in text[rent]
    assert rows[-1]["balance"] == "550.00"  # 1,000.00 - 450.00


def row(seq: int, ref_: str, kind: str, details: str) -> Row:
    return Row(seq, ref_, kind, "checking", 0, 0, "2026-03-01", "2026-03-01T00:00:00.000000Z",
               details, "", "")


def test_voided_by_follows_voids_and_their_reversals() -> None:
    """The latest void of a ref, unless a VoidReversed restoring it came after; voided again
    after that, by the new void. Keys read: TransactionVoided `voids`, VoidReversed
    `restores`."""
    log = [
        row(1, "T1", "CheckWritten", '{"payee": "A"}'),
        row(2, "T2", "CheckWritten", '{"payee": "B"}'),
        row(3, "T3", "TransactionVoided", '{"voids": "T1"}'),
        row(4, "T4", "TransactionVoided", '{"voids": "T2", "amended_by": "T5"}'),
        row(5, "T6", "VoidReversed", '{"unvoids": "T3", "restores": "T1"}'),
    ]
    assert voided_by(log) == {"T2": "T4"}
    assert voided_by(log[:3]) == {"T1": "T3"}
    again = [*log, row(6, "T7", "TransactionVoided", '{"voids": "T1"}')]
    assert voided_by(again) == {"T1": "T7", "T2": "T4"}
    assert voided_by([row(1, "T3", "TransactionVoided", "not json")]) == {}


# -- history --all ---------------------------------------------------------------------------


@pytest.fixture
def accounts() -> None:
    ok("deposit", "1000", "--date", "2026-03-01", "--payee", "Salary")  # T1
    ok("open", "savings", "--date", "2026-03-01")  # T2
    ok("open", "yen", "--currency", "JPY", "--date", "2026-03-01")  # T3
    ok("deposit", "5000", "-a", "yen", "--date", "2026-03-02")  # T4
    ok("transfer", "300", "--from", "checking", "--to", "savings", "--date", "2026-03-03")  # T5
    ok("check", "50", "--date", "2026-03-02", "--payee", "Grocer")  # T6, back-dated
    ok("deposit", "20", "-a", "savings", "--date", "2026-03-01")  # T7


@pytest.mark.usefixtures("accounts")
def test_history_all_is_one_register_in_effective_order_with_each_accounts_balance() -> None:
    rows = ok_json("history", "--all")
    assert [(r["date"], r["ref"], r["account"], r["amount"], r["balance"]) for r in rows] == [
        ("2026-03-01", "T1", "checking", "1000.00", "1000.00"),
        ("2026-03-01", "T7", "savings", "20.00", "20.00"),
        ("2026-03-02", "T4", "yen", "5000", "5000"),
        ("2026-03-02", "T6", "checking", "-50.00", "950.00"),
        ("2026-03-03", "T5", "checking", "-300.00", "650.00"),
        ("2026-03-03", "T5", "savings", "300.00", "320.00"),
    ]
    assert [r["currency"] for r in rows] == ["USD", "USD", "JPY", "USD", "USD", "USD"]
    # each account's rows are exactly its own register
    for account in ("checking", "savings", "yen"):
        own = [r for r in rows if r["account"] == account]
        assert own == ok_json("history", "-a", account), account


@pytest.mark.usefixtures("accounts")
def test_history_all_with_since_as_of_limit_and_known_at() -> None:
    rows = ok_json("history", "--all", "--since", "2026-03-02", "--as-of", "2026-03-02")
    assert [(r["ref"], r["account"], r["balance"]) for r in rows] == [
        ("T4", "yen", "5000"), ("T6", "checking", "950.00"),
    ]
    last = ok_json("history", "--all", "--limit", "2")
    assert [(r["ref"], r["account"], r["balance"]) for r in last] == [
        ("T5", "checking", "650.00"), ("T5", "savings", "320.00"),
    ]
    audit = ok_json("audit")
    t5 = next(r["recorded_at"] for r in audit if r["ref"] == "T5")
    known = ok_json("history", "--all", "--known-at", t5)
    assert [r["ref"] for r in known] == ["T1", "T4", "T5", "T5"]
    assert {r["known_at"] for r in known} == {t5}


@pytest.mark.usefixtures("accounts")
def test_history_all_as_text_and_csv() -> None:
    out = ok("history", "--all")
    lines = out.splitlines()
    assert lines[0] == "Register of every account (JPY, USD)"
    header = lines[1].split()
    assert header[:4] == ["date", "recorded", "account", "ref"]
    yen = next(line for line in lines if " T4 " in line)
    assert yen.split()[2] == "yen" and yen.split()[-2:] == ["5,000", "5,000"]
    table = list(csv.DictReader(io.StringIO(ok("history", "--all", "--csv"))))
    assert [(r["account"], r["currency"], r["ref"]) for r in table][:3] == [
        ("checking", "USD", "T1"), ("savings", "USD", "T7"), ("yen", "JPY", "T4"),
    ]
    assert "cannot be used together" in denied("history", "--all", "-a", "yen")


def test_history_all_on_accounts_without_entries() -> None:
    ok("open", "savings", "--date", "2026-03-01")
    assert ok("history", "--all") == "No entries in any account.\n"
    assert ok_json("history", "--all") == []


# -- an empty answer says what was asked ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2026-04-01"), "No entries in checking since 2026-04-01."),
        (("--as-of", "2026-02-28"), "No entries in checking as of 2026-02-28."),
        (("--since", "2026-03-02", "--as-of", "2026-03-04"),
         "No entries in checking from 2026-03-02 to 2026-03-04."),
        (("--since", "2026-04-01", "--limit", "5"), "No entries in checking since 2026-04-01."),
        (("-a", "savings"), "No entries in savings."),
        (("-a", "savings", "--since", "2026-01-01"), "No entries in savings since 2026-01-01."),
        (("--all", "--since", "2026-04-01"), "No entries in any account since 2026-04-01."),
        (("--all", "--as-of", "2026-02-01"), "No entries in any account as of 2026-02-01."),
    ],
)
def test_no_entries_says_what_was_asked(args: tuple[str, ...], message: str) -> None:
    ok("deposit", "10", "--date", "2026-03-01")
    ok("deposit", "20", "--date", "2026-03-05")
    ok("open", "savings", "--date", "2026-03-01")
    assert ok("history", *args) == message + "\n"
    assert ok_json("history", *args) == []


def test_no_entries_known_at_a_time_before_them() -> None:
    ok("open", "checking", "--date", "2026-03-01")
    opened = ok_json("audit")[0]["recorded_at"]
    ok("deposit", "10", "--date", "2026-03-01")
    assert ok("history", "--known-at", opened) == (
        f"No entries in checking (known at {opened}).\n"
    )


# -- the plain-text table is aligned as the text is displayed ----------------------------------


def display_width(text: str) -> int:
    """Terminal cells, by the wcwidth rules (an independent measure, for the test):
    combining marks and zero-width characters take none, wide East Asian characters two."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


PAYEES = ["Cafe\u0301", "Caf\u00e9", "\u65e5\u672c\u306e\u5e97", "Zero\u200bWidth", "Plain"]


def test_piped_history_columns_start_at_the_same_display_column(
    run_ledger: LedgerProcess,
) -> None:
    """Reproduction: a payee written as e + U+0301 ("Cafe\u0301") shifted the later columns
    of its row in piped output. Every row's memo starts, and every amount ends, at the
    column of its header, counted in displayed cells."""
    for number, payee in enumerate(PAYEES, 1):
        run_ledger.ok("deposit", f"{number}0", "--date", f"2026-03-0{number}", "--payee", payee,
                      "-m", f"memo{number}")
    out = run_ledger.ok("history").stdout
    header, *rows = out.splitlines()[1:]
    memo_at = header.index("memo")
    amount_end = header.index("amount") + len("amount")
    assert len(rows) == len(PAYEES)
    for number, line in enumerate(rows, 1):
        memo = line.index(f"memo{number}")
        assert display_width(line[:memo]) == memo_at, (number, line)
        amount = f"{number}0.00"
        end = line.index(amount, memo) + len(amount)
        assert display_width(line[:end]) == amount_end, (number, line)


def test_a_wide_payee_widens_its_column_by_its_display_width() -> None:
    ok("deposit", "1", "--date", "2026-03-01", "--payee", "\u65e5\u672c\u306e\u5e97")
    header = ok("history").splitlines()[1]
    # the payee column is as wide as the header or the payee's 8 cells, whichever is wider
    assert header.index("memo") - header.index("payee") == 8 + 2


def test_the_register_sums_exactly() -> None:
    """The JSON amounts add up to the last balance (Decimal, never float)."""
    for amount in ("0.10", "0.20", "1234567.89"):
        ok("deposit", amount, "--date", "2026-03-01")
    rows = ok_json("history")
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal(rows[-1]["balance"])
