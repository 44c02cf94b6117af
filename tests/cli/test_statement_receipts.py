"""A bank statement's receipts (README, "Receipts: documents hashed into the log"; SPEC 13 with
SPEC 11's `statement`): a `Receipt` column (or `Document`, `Attachment`, `Voucher`, `Receipt
file`, `Beleg`) names a file in the statement's folder, whatever the current folder is (the
current folder for `-`). It is attached to the entry the row matched or added, noted "from the
bank statement", and `statement --json` gives it per row as `"document": {"ref", "sha256",
"name"}` (null for none). A receipt that cannot be read denies its row, named by its line, and
nothing of that row is recorded while the others are (exit 1). `--dry-run` reports the same and
writes nothing; a second import attaches nothing again; the same file named by two rows is
stored once; an entry that has the document already gets no second one."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import cli, event_count, ok, ok_json, one_line_error, ref

TODAY = "2026-03-31"
NOTE = "from the bank statement"
HEADER = "Date,Description,Amount,Receipt"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TODAY", TODAY)
    monkeypatch.setenv("LEDGER_NO_REMINDERS", "1")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf() -> bytes:
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + os.urandom(1500) + b"\ntrailer\n%%EOF\n"


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(800)


@pytest.fixture
def bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The statement's folder, with a receipt for the check and one for a fee; the current
    folder is another one, holding files of the same names but other bytes, so that a receipt
    looked for there would be the wrong one."""
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "shop.pdf").write_bytes(pdf())
    (folder / "fee.png").write_bytes(png())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "shop.pdf").write_bytes(pdf())
    (elsewhere / "fee.png").write_bytes(png())
    monkeypatch.chdir(elsewhere)
    return folder


def file_sha(folder: Path, name: str) -> str:
    return sha((folder / name).read_bytes())


def csv_file(folder: Path, *rows: str, header: str = HEADER, name: str = "march.csv") -> Path:
    path = folder / name
    path.write_text("".join(line + "\n" for line in (header, *rows)), encoding="utf-8")
    return path


def register() -> dict[str, str]:
    """A salary and a check of 120.00 on 2026-03-05 (what the statement's first row matches)."""
    return {
        "salary": ref("deposit", "1000", "--date", "2026-03-01", "--payee", "Acme"),
        "shop": ref("check", "120", "--date", "2026-03-05", "--payee", "Shop"),
    }


def statement(*args: str, stdin: str | None = None) -> tuple[int, dict[str, Any], str]:
    """`statement ARGS --json`: (exit code, the report, the failure as `ledger: ...` or "")."""
    code, out, err = cli("statement", *args, "--json", stdin=stdin)
    report = json.loads(out)
    if code == 0:
        assert err == "", err
        return code, report, ""
    assert code == 1, (code, err)
    return code, report, one_line_error(err, 1)


def docs(entry: str) -> list[tuple[str, str, str | None]]:
    """(sha256, name, note) of each document of `entry`, in attach order."""
    return [(d["sha256"], d["name"], d["note"]) for d in ok_json("docs", entry)]


def attach_events() -> list[dict[str, Any]]:
    """The DocumentAttached events of the log: seq, ref, the entry, the document's hash."""
    return [
        {key: event[key] for key in ("seq", "ref", "attaches", "sha256")}
        for event in ok_json("audit") if event["type"] == "DocumentAttached"
    ]


def stored_documents(db: Path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute("SELECT sha256, size FROM documents ORDER BY id"))
    finally:
        conn.close()


def rows_by_line(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {row["line"]: row for row in report["rows"]}


def history() -> dict[str, dict[str, Any]]:
    return {row["ref"]: row for row in ok_json("history")}


# -- the receipt goes to the entry the row matched or added ------------------------------------


def test_receipts_are_attached_to_the_matched_and_the_added_entry(
    bank: Path, ledger_db: Path
) -> None:
    refs = register()
    (bank / "receipts").mkdir()
    (bank / "receipts" / "tea.pdf").write_bytes(pdf())
    path = csv_file(bank, "2026-03-05,CHECK 1,-120.00,shop.pdf",
                    "2026-03-10,BANK FEE,-5.00,fee.png",
                    "2026-03-12,TEA ROOM,-2.00,receipts/tea.pdf",
                    "2026-03-13,COFFEE,-3.00,")
    code, report, err = statement(str(path), "-a", "checking")
    assert (code, err) == (0, "")
    rows = rows_by_line(report)
    assert [(r["line"], r["decision"]) for r in report["rows"]] == [
        (2, "matched"), (3, "added"), (4, "added"), (5, "added")
    ]
    assert rows[2]["ref"] == refs["shop"]
    fee, tea, coffee = rows[3]["ref"], rows[4]["ref"], rows[5]["ref"]
    # the statement's folder, not the current one: the bytes of bank/, not of elsewhere/
    expected = {
        refs["shop"]: [(file_sha(bank, "shop.pdf"), "shop.pdf", NOTE)],
        fee: [(file_sha(bank, "fee.png"), "fee.png", NOTE)],
        tea: [(file_sha(bank, "receipts/tea.pdf"), "tea.pdf", NOTE)],
        coffee: [],
        refs["salary"]: [],
    }
    assert {entry: docs(entry) for entry in expected} == expected
    # per row, the document attached: its attach's ref, hash and name; null for none
    attaches = {event["attaches"]: event["ref"] for event in attach_events()}
    assert len(attaches) == 3
    for line, entry in ((2, refs["shop"]), (3, fee), (4, tea)):
        (digest, name, _), = expected[entry]
        assert rows[line]["document"] == {"ref": attaches[entry], "sha256": digest,
                                          "name": name}, rows[line]
        assert f"receipt {name} attached as {attaches[entry]}" in rows[line]["reason"]
    assert rows[5]["document"] is None
    # every row is cleared, as without receipts
    marks = history()
    assert [marks[entry]["cleared"] for entry in (refs["shop"], fee, tea, coffee)] == ["c"] * 4
    assert marks[fee]["amount"] == "-5.00" and marks[fee]["documents"] == [
        file_sha(bank, "fee.png")
    ]
    assert ok_json("reconcile")["documents"] == 3


def test_a_relative_statement_path_finds_the_receipt_beside_the_statement(bank: Path) -> None:
    refs = register()
    path = csv_file(bank, "2026-03-05,CHECK 1,-120.00,shop.pdf")
    code, out, err = cli("statement", os.path.relpath(path), "-a", "checking")
    assert (code, err) == (0, ""), err
    assert os.path.relpath(path) == os.path.join("..", "bank", "march.csv")
    assert docs(refs["shop"]) == [(file_sha(bank, "shop.pdf"), "shop.pdf", NOTE)]
    attached = attach_events()[0]["ref"]
    assert out.splitlines()[0] == (
        f"line 2: 2026-03-05 -120.00 'CHECK 1': matched {refs['shop']} (seq 3): same amount, "
        f"same date; receipt shop.pdf attached as {attached}"
    )


def test_a_statement_on_standard_input_finds_receipts_in_the_current_folder(
    bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register()
    monkeypatch.chdir(bank)
    text = f"{HEADER}\n2026-03-10,BANK FEE,-5.00,fee.png\n"
    code, report, _ = statement("-", stdin=text)
    assert code == 0
    (row,) = report["rows"]
    assert row["decision"] == "added"
    assert row["document"]["sha256"] == file_sha(bank, "fee.png")
    assert docs(row["ref"]) == [(file_sha(bank, "fee.png"), "fee.png", NOTE)]


# -- a receipt that cannot be attached denies its row ------------------------------------------


def test_a_missing_receipt_denies_its_row_and_records_nothing_of_it(
    bank: Path, ledger_db: Path
) -> None:
    refs = register()
    (bank / "tea.pdf").write_bytes(pdf())
    path = csv_file(bank, "2026-03-05,CHECK 1,-120.00,gone.pdf",
                    "2026-03-10,BANK FEE,-5.00,missing.png",
                    "2026-03-12,TEA ROOM,-2.00,tea.pdf")
    code, report, err = statement(str(path))
    assert code == 1
    assert err.startswith("ledger: 2 of 3 rows denied (line 2: receipt: "), err
    assert "gone.pdf" in err and "line 3: receipt: " in err and "missing.png" in err, err
    assert err.endswith("; the rest was recorded (cleared as "
                        f"{report['clearing_ref']})"), err
    rows = rows_by_line(report)
    for line, name in ((2, "gone.pdf"), (3, "missing.png")):
        row = rows[line]
        assert row["decision"] == "denied" and row["ref"] is None and row["document"] is None
        assert row["reason"].startswith("receipt: ") and name in row["reason"], row
    assert rows[4]["decision"] == "added"
    assert docs(rows[4]["ref"]) == [(file_sha(bank, "tea.pdf"), "tea.pdf", NOTE)]
    # the check the first row matches is not cleared, and has no document; no fee was added
    marks = history()
    assert marks[refs["shop"]]["cleared"] == ""
    assert docs(refs["shop"]) == []
    assert [row["amount"] for row in marks.values()] == ["1000.00", "-120.00", "-2.00"]
    assert ok_json("balance")["balance"] == "878.00"
    assert len(stored_documents(ledger_db)) == 1
    # once the receipt is there, the same statement records that row, and only that one
    (bank / "gone.pdf").write_bytes(pdf())
    code, report, err = statement(str(path))
    assert code == 1 and "missing.png" in err and "gone.pdf" not in err, err
    assert [r["decision"] for r in report["rows"]] == ["matched", "denied", "duplicate"]
    assert history()[refs["shop"]]["cleared"] == "c"
    assert docs(refs["shop"]) == [(file_sha(bank, "gone.pdf"), "gone.pdf", NOTE)]


def test_an_empty_receipt_or_a_folder_denies_the_row(bank: Path, ledger_db: Path) -> None:
    register()
    (bank / "empty.pdf").write_bytes(b"")
    (bank / "scans").mkdir()
    path = csv_file(bank, "2026-03-10,BANK FEE,-5.00,empty.pdf",
                    "2026-03-11,ATM,-40.00,scans")
    before = event_count(ledger_db)
    code, report, err = statement(str(path))
    assert code == 1
    assert err == (
        "ledger: 2 of 2 rows denied (line 2: receipt: empty.pdf is empty; there is nothing to "
        "keep; line 3: receipt: scans is a folder, not a file); nothing was recorded"
    )
    assert [r["decision"] for r in report["rows"]] == ["denied", "denied"]
    assert event_count(ledger_db) == before
    assert stored_documents(ledger_db) == []


# -- a dry run, a second import ----------------------------------------------------------------


def test_dry_run_writes_nothing_and_reports_what_the_run_does(bank: Path, ledger_db: Path) -> None:
    register()
    path = csv_file(bank, "2026-03-05,CHECK 1,-120.00,shop.pdf",
                    "2026-03-10,BANK FEE,-5.00,fee.png",
                    "2026-03-11,ATM,-40.00,gone.pdf")
    before = event_count(ledger_db)
    dry_code, dry, dry_err = statement(str(path), "--dry-run")
    assert dry["dry_run"] is True
    assert dry_code == 1 and dry_err.endswith("; dry run, nothing was written"), dry_err
    assert event_count(ledger_db) == before
    assert stored_documents(ledger_db) == []
    assert attach_events() == []
    code, report, err = statement(str(path))
    assert (code, report["dry_run"]) == (1, False)
    assert report["rows"] == dry["rows"]
    assert [r["document"] is not None for r in report["rows"]] == [True, True, False]
    assert (report["counts"], report["clearing_ref"], report["balance"]) == (
        dry["counts"], dry["clearing_ref"], dry["balance"]
    )
    assert dry_err.replace("dry run, nothing was written", "") == err.split("the rest was")[0]
    assert len(stored_documents(ledger_db)) == 2


def test_importing_the_same_statement_again_attaches_nothing_again(
    bank: Path, ledger_db: Path
) -> None:
    register()
    path = csv_file(bank, "2026-03-05,CHECK 1,-120.00,shop.pdf",
                    "2026-03-10,BANK FEE,-5.00,fee.png")
    assert statement(str(path))[0] == 0
    events, attached = event_count(ledger_db), attach_events()
    assert len(attached) == 2
    code, report, _ = statement(str(path))
    assert code == 0
    assert [(r["decision"], r["document"]) for r in report["rows"]] == [("duplicate", None)] * 2
    assert event_count(ledger_db) == events
    assert attach_events() == attached
    assert len(stored_documents(ledger_db)) == 2


# -- the same document twice -------------------------------------------------------------------


def test_one_receipt_named_by_two_rows_is_stored_once_and_attached_to_both(
    bank: Path, ledger_db: Path
) -> None:
    register()
    path = csv_file(bank, "2026-03-10,BANK FEE,-5.00,fee.png",
                    "2026-03-20,BANK FEE,-7.50,fee.png")
    code, report, _ = statement(str(path))
    assert code == 0
    first, second = (row["ref"] for row in report["rows"])
    digest = file_sha(bank, "fee.png")
    assert stored_documents(ledger_db) == [(digest, (bank / "fee.png").stat().st_size)]
    assert docs(first) == docs(second) == [(digest, "fee.png", NOTE)]
    assert [row["document"]["sha256"] for row in report["rows"]] == [digest, digest]
    assert sorted(e["attaches"] for e in attach_events()) == sorted([first, second])


def test_an_entry_that_already_has_the_receipt_gets_no_second_one(
    bank: Path, ledger_db: Path
) -> None:
    refs = register()
    ok("attach", refs["shop"], str(bank / "shop.pdf"), "--note", "mine")
    path = csv_file(bank, "2026-03-05,CHECK 1,-120.00,shop.pdf")
    before = attach_events()
    code, report, _ = statement(str(path))
    assert code == 0
    (row,) = report["rows"]
    assert (row["decision"], row["ref"], row["document"]) == ("matched", refs["shop"], None)
    assert "receipt" not in row["reason"]
    assert docs(refs["shop"]) == [(file_sha(bank, "shop.pdf"), "shop.pdf", "mine")]
    assert attach_events() == before
    assert history()[refs["shop"]]["cleared"] == "c"
    assert len(stored_documents(ledger_db)) == 1


# -- the column's names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column", ["Receipt", "receipt", "Document", "Attachment", "Voucher", "Receipt File", "Beleg"]
)
def test_every_name_of_the_receipt_column_attaches(bank: Path, column: str) -> None:
    register()
    path = csv_file(bank, "2026-03-10,BANK FEE,-5.00,fee.png",
                    header=f"Date,Description,Amount,{column}")
    code, report, _ = statement(str(path))
    assert code == 0
    (row,) = report["rows"]
    assert docs(row["ref"]) == [(file_sha(bank, "fee.png"), "fee.png", NOTE)]


def test_an_empty_receipt_cell_or_no_receipt_column_attaches_nothing(
    bank: Path, ledger_db: Path
) -> None:
    refs = register()
    path = csv_file(bank, "2026-03-05,CHECK 1,-120.00,", "2026-03-10,BANK FEE,-5.00,  ")
    code, report, _ = statement(str(path))
    assert code == 0
    assert [(r["decision"], r["document"]) for r in report["rows"]] == [
        ("matched", None), ("added", None)
    ]
    other = csv_file(bank, "2026-03-11,ATM,-40.00", header="Date,Description,Amount",
                     name="plain.csv")
    code, plain, _ = statement(str(other))
    assert code == 0 and plain["rows"][0]["document"] is None
    assert attach_events() == []
    assert stored_documents(ledger_db) == []
    assert docs(refs["shop"]) == []


@pytest.mark.parametrize("cell", ["../outside.pdf", "/etc/hostname"])
def test_a_receipt_outside_the_statements_folder_denies_its_row(
    tmp_path: Path, ledger_db: Path, cell: str
) -> None:
    """A bank file cannot pull in a file from elsewhere: a receipt cell names a file inside
    the statement's folder, relative to it."""
    folder = tmp_path / "bank"
    folder.mkdir()
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-1.4 not the bank's\n")
    ok("deposit", "100", "--date", "2026-03-01")
    csv = folder / "march.csv"
    csv.write_text(f"Date,Description,Amount,Receipt\n2026-03-02,SHOP,-5.00,{cell}\n",
                   encoding="utf-8")
    before = event_count(ledger_db)
    code, out, err = cli("statement", str(csv), "-a", "checking")
    assert code == 1, (out, err)
    line = one_line_error(err)
    assert "line 2" in line and "not a file in the statement's folder" in line, line
    assert event_count(ledger_db) == before
