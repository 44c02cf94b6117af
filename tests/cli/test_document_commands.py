"""Receipts and documents through the CLI (SPEC 13): `attach` (its result line and JSON, the
media types, the 25 MiB bound, every refusal writing nothing, `--dry-run`, `--id`), the
content-addressed store (the same bytes kept once), `detach` (by hash or prefix, its refusals,
the bytes and history staying), the `docs` listing, `docs get` (exact bytes to a file or to a
pipe, never to a terminal), the marks `history` gives entries with documents (JSON, CSV, text,
`--known-at`), and `docs missing` (which entries need a voucher, its filters, its rows in the
`history` format)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import pty
import re
import select
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    cli,
    denied,
    event_count,
    just_before,
    ledger_env,
    ledger_executable,
    ok,
    ok_json,
    ref,
    sqlite_shell,
)

MIB = 1024 * 1024
LIMIT = 25 * MIB

# A small but real PDF and PNG: what a scanned receipt starts with.
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
    b"%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)

DOC_KEYS = {"ref", "sha256", "name", "size", "media_type", "note", "seq", "recorded_at"}


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TODAY", "2026-03-31")
    monkeypatch.setenv("LEDGER_NO_REMINDERS", "1")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def stored(db: Path) -> tuple[int, int]:
    """(rows, sum of sizes) of the `documents` table: what bytes the file keeps."""
    conn = sqlite3.connect(db)
    try:
        found = conn.execute("SELECT count(*), coalesce(sum(size), 0) FROM documents").fetchone()
        return int(found[0]), int(found[1])
    finally:
        conn.close()


def checkpointed_size(db: Path) -> int:
    """The size of the ledger file with its write-ahead log folded into it."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return os.path.getsize(db)


def history_rows(*args: str) -> list[dict[str, Any]]:
    return list(ok_json("history", *args))


def row_of(rows: list[dict[str, Any]], reference: str) -> dict[str, Any]:
    found = [row for row in rows if row["ref"] == reference]
    assert len(found) == 1, (reference, rows)
    return found[0]


def deposit(amount: str = "1000", payee: str = "Employer", date: str = "2026-03-01") -> str:
    return ref("deposit", amount, "--payee", payee, "--date", date)


# -- attach: the result ------------------------------------------------------------------------


def test_attach_prints_the_file_its_type_size_hash_the_entry_and_the_new_ref(
    tmp_path: Path, ledger_db: Path
) -> None:
    entry = deposit()
    assert entry == "T1"
    receipt = put(tmp_path, "receipt.pdf", PDF)
    out = ok("attach", entry, str(receipt))
    assert out == (
        f"Attached receipt.pdf (application/pdf, {len(PDF)} bytes, sha256 {sha(PDF)[:12]}) "
        "to T1 (deposit from Employer, 1,000.00, 2026-03-01) (ref T2); "
        "balance of checking: 1,000.00\n"
    )
    assert event_count(ledger_db) == 3  # AccountOpened, FundsDeposited, DocumentAttached
    assert stored(ledger_db) == (1, len(PDF))


def test_attach_json_gives_the_document_and_its_sha256_is_that_of_the_file(
    tmp_path: Path,
) -> None:
    entry = deposit()
    receipt = put(tmp_path, "receipt.pdf", PDF)
    found = ok_json("attach", entry, str(receipt), "--note", "lunch with a client")
    assert found["ref"] == "T2"
    assert [(e["type"], e["account"], e["amount"]) for e in found["events"]] == [
        ("DocumentAttached", "checking", "0.00")
    ]
    assert found["balance"] == "1000.00"
    assert found["document"] == {
        "ref": "T1",
        "sha256": hashlib.sha256(receipt.read_bytes()).hexdigest(),
        "name": "receipt.pdf",
        "size": len(PDF),
        "media_type": "application/pdf",
        "note": "lunch with a client",
    }
    assert "dry_run" not in found


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("receipt.pdf", PDF, "application/pdf"),
        ("scan.png", PNG, "image/png"),
        ("receipt", PDF, "application/pdf"),  # no extension: the first bytes say what it is
        ("scan", PNG, "image/png"),
        ("photo.pdf", PNG, "image/png"),  # the bytes, not a misleading name
        ("note.txt", b"paid cash, no receipt\n", "text/plain"),
        ("blob", b"\x01\x02\x03 not a known kind", "application/octet-stream"),
    ],
)
def test_attach_names_the_media_type(
    tmp_path: Path, name: str, data: bytes, media_type: str
) -> None:
    entry = deposit()
    found = ok_json("attach", entry, str(put(tmp_path, name, data)))["document"]
    assert (found["name"], found["media_type"], found["size"], found["sha256"]) == (
        name, media_type, len(data), sha(data)
    )
    assert ok_json("docs", entry)[0]["media_type"] == media_type


def test_attach_one_mebibyte_of_random_bytes_keeps_them_exactly(
    tmp_path: Path, ledger_db: Path
) -> None:
    data = os.urandom(MIB)
    entry = deposit()
    path = put(tmp_path, "random.bin", data)
    out = ok("attach", entry, str(path))
    assert out.startswith(f"Attached random.bin (application/octet-stream, 1.0 MiB, sha256 "
                          f"{sha(data)[:12]}) to T1 ")
    assert stored(ledger_db) == (1, MIB)
    target = tmp_path / "back.bin"
    ok("docs", "get", sha(data), "-o", str(target))
    assert target.read_bytes() == data


def test_attach_accepts_exactly_25_mib(tmp_path: Path, ledger_db: Path) -> None:
    entry = deposit()
    path = tmp_path / "big.pdf"
    with path.open("wb") as stream:
        stream.write(b"%PDF-1.7\n")
        stream.truncate(LIMIT)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    found = ok_json("attach", entry, str(path))["document"]
    assert (found["size"], found["sha256"], found["media_type"]) == (
        LIMIT, digest, "application/pdf"
    )
    assert stored(ledger_db) == (1, LIMIT)


def too_large(tmp_path: Path) -> Path:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as stream:
        stream.write(b"%PDF-1.7\n")
        stream.truncate(LIMIT + 1)  # sparse: nothing is read before the size is checked
    return path


def test_attach_refuses_one_byte_more_than_25_mib(tmp_path: Path, ledger_db: Path) -> None:
    entry = deposit()
    before = event_count(ledger_db)
    line = denied("attach", entry, str(too_large(tmp_path)))
    assert "huge.pdf" in line and "MiB" in line
    assert "at most 25 MiB" in line
    assert event_count(ledger_db) == before
    assert stored(ledger_db) == (0, 0)


def test_the_too_large_message_shows_a_size_above_the_limit(tmp_path: Path) -> None:
    entry = deposit()
    line = denied("attach", entry, str(too_large(tmp_path)))
    assert "is 26,214,401 bytes" in line and "(26,214,400 bytes)" in line, line


# -- attach: refusals write nothing ------------------------------------------------------------


def refusal_case(case: str, tmp_path: Path) -> tuple[str, str, str]:
    """(REF, FILE, a word of the message) for one kind of refused attach, on books with a
    deposit T1 that has a document, `open savings` (T3)."""
    if case == "missing file":
        return "T1", str(tmp_path / "nowhere.pdf"), "no file"
    if case == "folder":
        (tmp_path / "scans").mkdir()
        return "T1", str(tmp_path / "scans"), "is a folder"
    if case == "device":
        return "T1", "/dev/null", "not a regular file"
    if case == "empty file":
        return "T1", str(put(tmp_path, "empty.pdf", b"")), "is empty"
    if case == "unknown ref":
        return "T9", str(put(tmp_path, "other.png", PNG)), "no transaction 'T9'"
    if case == "ref of an open":
        return "T3", str(put(tmp_path, "other.png", PNG)), "T3 moves no money"
    if case == "ref of an attach":
        return "T2", str(put(tmp_path, "other.png", PNG)), "T2 moves no money"
    if case == "same document again":
        return "T1", str(put(tmp_path, "copy.pdf", PDF)), "T1 already has this document"
    raise AssertionError(case)


REFUSALS = [
    "missing file", "folder", "device", "empty file", "unknown ref", "ref of an open",
    "ref of an attach", "same document again",
]


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("case", REFUSALS)
def test_refused_attach_writes_nothing(
    case: str, as_json: bool, tmp_path: Path, ledger_db: Path
) -> None:
    entry = deposit()  # T1: opens checking and deposits, one transaction that moves money
    assert ok_json("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)))["ref"] == "T2"
    assert ref("open", "savings") == "T3"
    reference, path, words = refusal_case(case, tmp_path)
    before, rows = event_count(ledger_db), stored(ledger_db)
    line = denied("attach", reference, path, *(["--json"] if as_json else []))
    assert words in line, line
    assert event_count(ledger_db) == before
    assert stored(ledger_db) == rows == (1, len(PDF))
    assert [doc["sha256"] for doc in ok_json("docs")] == [sha(PDF)]


def test_refusals_name_the_file(tmp_path: Path) -> None:
    deposit()
    missing = tmp_path / "nowhere.pdf"
    assert denied("attach", "T1", str(missing)) == f"ledger: no file {missing}"
    empty = put(tmp_path, "empty.pdf", b"")
    assert denied("attach", "T1", str(empty)) == (
        f"ledger: {empty} is empty; there is nothing to keep"
    )
    assert denied("attach", "T1", "/dev/null").startswith(
        "ledger: /dev/null is not a regular file"
    )


def test_the_first_deposit_ref_also_opens_the_account_and_takes_documents(
    tmp_path: Path,
) -> None:
    entry = deposit()
    types = [e["type"] for e in ok_json("audit") if e["ref"] == entry]
    assert types == ["AccountOpened", "FundsDeposited"]
    assert ok_json("attach", entry, str(put(tmp_path, "r.pdf", PDF)))["document"]["ref"] == entry


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
def test_attach_refuses_an_unreadable_file(tmp_path: Path, ledger_db: Path) -> None:
    deposit()
    path = put(tmp_path, "secret.pdf", PDF)
    path.chmod(0)
    before = event_count(ledger_db)
    line = denied("attach", "T1", str(path))
    assert "cannot read" in line and "secret.pdf" in line
    assert event_count(ledger_db) == before
    assert stored(ledger_db) == (0, 0)


def test_attach_refuses_a_named_pipe_without_waiting(
    tmp_path: Path, run_ledger: Any, ledger_db: Path
) -> None:
    deposit()
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    before = event_count(ledger_db)
    try:
        line = run_ledger.denied("attach", "T1", str(fifo), timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("ledger attach on a named pipe hung")
    assert "not a regular file" in line
    assert event_count(ledger_db) == before


# -- the same bytes are stored once ------------------------------------------------------------


def test_the_same_bytes_on_two_refs_are_stored_once(tmp_path: Path, ledger_db: Path) -> None:
    data = os.urandom(MIB)
    first, second = deposit(), deposit("50", "Shop")
    path = put(tmp_path, "invoice.bin", data)
    start = checkpointed_size(ledger_db)
    ok("attach", first, str(path))
    once = checkpointed_size(ledger_db)
    assert once - start >= MIB  # the first attach stores the bytes
    assert stored(ledger_db) == (1, MIB)
    ok("attach", second, str(put(tmp_path, "same-again.bin", data)))
    twice = checkpointed_size(ledger_db)
    assert stored(ledger_db) == (1, MIB)
    assert twice - once < MIB, (start, once, twice)
    assert [(d["ref"], d["sha256"], d["name"]) for d in ok_json("docs")] == [
        (first, sha(data), "invoice.bin"), (second, sha(data), "same-again.bin")
    ]


# -- --dry-run and --id ------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_says_so(tmp_path: Path, ledger_db: Path) -> None:
    entry = deposit()
    path = put(tmp_path, "receipt.pdf", PDF)
    before = event_count(ledger_db)
    out = ok("attach", entry, str(path), "--dry-run")
    assert out.startswith(
        f"Dry run, nothing written: Attached receipt.pdf (application/pdf, {len(PDF)} bytes, "
        f"sha256 {sha(PDF)[:12]}) to T1 "
    ), out
    found = ok_json("attach", entry, str(path), "--dry-run")
    assert found["dry_run"] is True
    assert found["document"]["sha256"] == sha(PDF)
    assert event_count(ledger_db) == before
    assert stored(ledger_db) == (0, 0)
    assert ok_json("docs") == []
    # What the dry run showed is what the real one does.
    assert ok_json("attach", entry, str(path))["ref"] == found["ref"]


def test_dry_run_on_a_missing_ledger_creates_no_file(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    path = put(tmp_path, "receipt.pdf", PDF)
    line = denied("--db", str(missing), "attach", "T1", str(path), "--dry-run")
    assert "T1" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt.pdf"]


def test_the_same_id_with_the_same_file_appends_nothing_another_file_is_denied(
    tmp_path: Path, ledger_db: Path
) -> None:
    entry = deposit()
    path = put(tmp_path, "receipt.pdf", PDF)
    first = ok_json("attach", entry, str(path), "--id", "receipt-1")
    count = event_count(ledger_db)
    code, out, err = cli("attach", entry, str(path), "--id", "receipt-1")
    assert code == 0, err
    assert f"(ref {first['ref']})" in out
    assert "already recorded" in err and "nothing was appended" in err
    assert event_count(ledger_db) == count
    line = denied("attach", entry, str(put(tmp_path, "other.png", PNG)), "--id", "receipt-1")
    assert "receipt-1" in line and "different command" in line
    assert event_count(ledger_db) == count
    assert stored(ledger_db) == (1, len(PDF))
    assert [d["sha256"] for d in ok_json("docs")] == [sha(PDF)]


# -- detach ------------------------------------------------------------------------------------


def test_detach_by_full_hash_keeps_the_bytes_and_the_history(
    tmp_path: Path, ledger_db: Path
) -> None:
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)))
    found = ok_json("detach", entry, sha(PDF), "--reason", "wrong receipt")
    assert found["document"] == {"ref": entry, "sha256": sha(PDF)}
    assert [e["type"] for e in found["events"]] == ["DocumentDetached"]
    assert ok_json("docs", entry) == []
    assert ok("docs", entry) == f"No documents are attached to {entry}.\n"
    target = tmp_path / "back.pdf"
    ok("docs", "get", sha(PDF), "-o", str(target))
    assert target.read_bytes() == PDF
    assert stored(ledger_db) == (1, len(PDF))
    events = [e for e in ok_json("audit") if e["type"].startswith("Document")]
    assert [(e["type"], e["sha256"], e["attaches"], e["detaches"]) for e in events] == [
        ("DocumentAttached", sha(PDF), entry, None),
        ("DocumentDetached", sha(PDF), None, entry),
    ]
    assert events[1]["reason"] == "wrong receipt"


def test_detach_by_an_eight_digit_prefix(tmp_path: Path) -> None:
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)))
    ok("attach", entry, str(put(tmp_path, "scan.png", PNG)))
    out = ok("detach", entry, sha(PNG)[:8], "--reason", "duplicate")
    assert out.startswith(f"Detached document {sha(PNG)[:12]} from {entry} ")
    assert "duplicate" in out and "its bytes and its history stay" in out
    assert [d["sha256"] for d in ok_json("docs", entry)] == [sha(PDF)]


def test_detach_refusals_write_nothing(tmp_path: Path, ledger_db: Path) -> None:
    first, second = deposit(), deposit("50", "Shop")
    ok("attach", first, str(put(tmp_path, "receipt.pdf", PDF)))
    ok("attach", second, str(put(tmp_path, "scan.png", PNG)))
    before = event_count(ledger_db)
    # Attached, but to another entry: the message lists this one's documents.
    line = denied("detach", first, sha(PNG))
    assert line == (
        f"ledger: no document {sha(PNG)} attached to {first} "
        f"(its documents: {sha(PDF)[:12]} receipt.pdf)"
    )
    line = denied("detach", first, sha(PDF)[:7])
    assert "too short" in line and "at least 8" in line
    assert "not a SHA-256" in denied("detach", first, "receipt1")
    assert "not a SHA-256" in denied("detach", first, "g" * 64)
    assert "no transaction 'T9'" in denied("detach", "T9", sha(PDF))
    # Once detached, it is no longer there to detach.
    ok("detach", first, sha(PDF))
    count = event_count(ledger_db)
    assert "(its documents: none)" in denied("detach", first, sha(PDF), "--json")
    assert event_count(ledger_db) == count == before + 1


def test_reattaching_after_a_detach_works(tmp_path: Path, ledger_db: Path) -> None:
    entry = deposit()
    path = put(tmp_path, "receipt.pdf", PDF)
    first = ok_json("attach", entry, str(path))
    ok("detach", entry, sha(PDF)[:8])
    again = ok_json("attach", entry, str(path), "--note", "the right one after all")
    listed = ok_json("docs", entry)
    assert [(d["sha256"], d["note"]) for d in listed] == [(sha(PDF), "the right one after all")]
    assert listed[0]["seq"] == again["events"][0]["seq"] > first["events"][0]["seq"]
    assert stored(ledger_db) == (1, len(PDF))


# -- the docs listing --------------------------------------------------------------------------


def test_docs_json_gives_exactly_the_documented_fields(tmp_path: Path) -> None:
    first, second = deposit(), deposit("50", "Shop")
    one = ok_json("attach", first, str(put(tmp_path, "receipt.pdf", PDF)), "--note", "rent")
    two = ok_json("attach", second, str(put(tmp_path, "scan.png", PNG)))
    audit = {e["seq"]: e for e in ok_json("audit")}
    listed = ok_json("docs")
    assert [set(d) for d in listed] == [DOC_KEYS, DOC_KEYS]
    seq1, seq2 = one["events"][0]["seq"], two["events"][0]["seq"]
    assert listed == [
        {"ref": first, "sha256": sha(PDF), "name": "receipt.pdf", "size": len(PDF),
         "media_type": "application/pdf", "note": "rent", "seq": seq1,
         "recorded_at": audit[seq1]["recorded_at"]},
        {"ref": second, "sha256": sha(PNG), "name": "scan.png", "size": len(PNG),
         "media_type": "image/png", "note": None, "seq": seq2,
         "recorded_at": audit[seq2]["recorded_at"]},
    ]
    assert ok_json("docs", second) == listed[1:]


def test_docs_text_lists_the_documents(tmp_path: Path) -> None:
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)), "--note", "parking")
    seq = ok_json("docs")[0]["seq"]
    lines = ok("docs", entry).splitlines()
    assert lines[0] == f"Documents of {entry}"
    assert lines[1].split() == ["ref", "sha256", "name", "type", "size", "seq", "note"]
    assert lines[2].split() == [
        entry, sha(PDF)[:12], "receipt.pdf", "application/pdf", str(len(PDF)), "bytes",
        str(seq), "parking",
    ]
    assert len(lines) == 3
    assert ok("docs").splitlines()[0] == "Documents"


def test_docs_with_nothing_attached(ledger_db: Path) -> None:
    entry = deposit()
    assert ok("docs") == "No documents are attached.\n"
    assert ok("docs", entry) == f"No documents are attached to {entry}.\n"
    assert ok_json("docs") == []


def test_docs_of_an_unknown_ref_is_refused() -> None:
    deposit()
    assert denied("docs", "T9") == "ledger: no transaction 'T9'"
    assert denied("docs", "T9", "--json") == "ledger: no transaction 'T9'"


def test_docs_on_a_missing_ledger(tmp_path: Path, ledger_db: Path) -> None:
    for args in (["docs"], ["docs", "T1"], ["docs", "missing"],
                 ["docs", "get", "12345678", "-o", str(tmp_path / "x")]):
        line = denied(*args)
        assert line == f"ledger: no ledger at {ledger_db}", (args, line)
    assert not ledger_db.exists()
    assert list(tmp_path.iterdir()) == []


# -- docs get ----------------------------------------------------------------------------------


def test_docs_get_writes_the_exact_bytes(tmp_path: Path) -> None:
    data = os.urandom(MIB // 2) + b"\r\n\x00\r" + PNG
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "scan.bin", data)))
    target = tmp_path / "out.bin"
    out = ok("docs", "get", sha(data)[:8], "-o", str(target))
    assert out == f"Wrote document {sha(data)[:12]} (512.0 KiB) to {target}\n"
    assert target.read_bytes() == data
    other = tmp_path / "again.bin"
    found = ok_json("docs", "get", sha(data).upper(), "-o", str(other))
    assert found == {"sha256": sha(data), "size": len(data), "path": str(other)}
    assert other.read_bytes() == data


def test_docs_get_overwrites_only_with_force(tmp_path: Path) -> None:
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)))
    target = put(tmp_path, "taken.pdf", b"someone else's file")
    line = denied("docs", "get", sha(PDF), "-o", str(target))
    assert "exists" in line and "--force" in line
    assert target.read_bytes() == b"someone else's file"
    ok("docs", "get", sha(PDF), "-o", str(target), "--force")
    assert target.read_bytes() == PDF


def test_docs_get_refuses_a_folder_an_unknown_or_short_prefix(tmp_path: Path) -> None:
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)))
    folder = tmp_path / "out"
    folder.mkdir()
    assert "is a folder" in denied("docs", "get", sha(PDF), "-o", str(folder))
    assert list(folder.iterdir()) == []
    unknown = "0123abcd" if not sha(PDF).startswith("0123abcd") else "fedc9876"
    target = tmp_path / "x.pdf"
    assert denied("docs", "get", unknown, "-o", str(target)) == (
        f"ledger: no document {unknown} in this ledger"
    )
    line = denied("docs", "get", sha(PDF)[:7], "-o", str(target))
    assert "too short" in line and "at least 8" in line
    assert "not a SHA-256" in denied("docs", "get", "zz" * 4, "-o", str(target))
    assert "not a SHA-256" in denied("docs", "get", sha(PDF) + "0", "-o", str(target))
    assert not target.exists()


def test_docs_get_refuses_an_ambiguous_prefix(tmp_path: Path, ledger_db: Path) -> None:
    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 shell is not installed")
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)))
    twin = sha(PDF)[:8] + "0" * 56  # bytes stored by hand under a hash sharing its prefix
    sqlite_shell(
        ledger_db, f"INSERT INTO documents (sha256, size, content) VALUES ('{twin}', 1, x'00');"
    )
    target = tmp_path / "x.pdf"
    line = denied("docs", "get", sha(PDF)[:8], "-o", str(target))
    assert "names 2 documents" in line and "more digits" in line
    assert not target.exists()
    ok("docs", "get", sha(PDF), "-o", str(target))  # the whole hash still names it
    assert target.read_bytes() == PDF


def test_docs_get_to_a_pipe_writes_the_exact_bytes(tmp_path: Path, ledger_db: Path) -> None:
    data = PNG + os.urandom(64 * 1024) + b"\r\n\r\n"
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "scan.png", data)))
    done = subprocess.run(
        [ledger_executable(), "docs", "get", sha(data)[:10], "-o", "-"],
        capture_output=True, env=ledger_env(ledger_db), timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert done.stdout == data


def test_docs_get_to_stdout_is_refused_on_a_terminal(tmp_path: Path, ledger_db: Path) -> None:
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)))
    master, slave = pty.openpty()
    try:
        done = subprocess.run(
            [ledger_executable(), "docs", "get", sha(PDF), "-o", "-"],
            stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
            env=ledger_env(ledger_db), timeout=60, check=False,
        )
        os.close(slave)
        slave = -1
        shown = b""
        while select.select([master], [], [], 0.2)[0]:
            try:
                piece = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not piece:
                break
            shown += piece
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    assert done.returncode == 1
    assert b"%PDF" not in shown, shown
    err = done.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("ledger: "), err
    assert "terminal" in err


def test_docs_get_to_stdout_with_json_is_refused(tmp_path: Path) -> None:
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)))
    assert "-o PATH" in denied("docs", "get", sha(PDF), "-o", "-", "--json")


# -- history marks -----------------------------------------------------------------------------


def test_history_json_lists_the_documents_of_each_entry(tmp_path: Path) -> None:
    first, second, bare = deposit(), deposit("50", "Shop"), deposit("7", "Nobody")
    ok("attach", first, str(put(tmp_path, "receipt.pdf", PDF)))
    ok("attach", second, str(put(tmp_path, "scan.png", PNG)))
    ok("attach", second, str(put(tmp_path, "receipt2.pdf", PDF)))
    rows = history_rows()
    assert row_of(rows, first)["documents"] == [sha(PDF)]
    assert row_of(rows, second)["documents"] == [sha(PNG), sha(PDF)]  # in the order attached
    assert row_of(rows, bare)["documents"] == []
    assert all("documents" in row for row in rows)


def test_a_transfers_document_shows_on_both_sides(tmp_path: Path) -> None:
    deposit()
    ok("open", "savings")
    moved = ref("transfer", "200", "--from", "checking", "--to", "savings")
    ok("attach", moved, str(put(tmp_path, "slip.pdf", PDF)))
    sent = row_of(history_rows(), moved)
    received = row_of(history_rows("-a", "savings"), moved)
    assert (sent["type"], received["type"]) == ("TransferSent", "TransferReceived")
    assert sent["documents"] == received["documents"] == [sha(PDF)]


def test_history_csv_joins_the_documents_with_semicolons(tmp_path: Path) -> None:
    first, second, bare = deposit(), deposit("50", "Shop"), deposit("7", "Nobody")
    ok("attach", first, str(put(tmp_path, "receipt.pdf", PDF)))
    ok("attach", second, str(put(tmp_path, "receipt.pdf", PDF)))
    ok("attach", second, str(put(tmp_path, "scan.png", PNG)))
    rows = {row["ref"]: row for row in csv.DictReader(io.StringIO(ok("history", "--csv")))}
    assert rows[first]["documents"] == sha(PDF)
    assert rows[second]["documents"] == f"{sha(PDF)};{sha(PNG)}"
    assert rows[bare]["documents"] == ""


def text_row(reference: str, *args: str) -> str:
    found = [line for line in ok("history", *args).splitlines()
             if re.search(rf"\s{reference}\s", line)]
    assert len(found) == 1, found
    return found[0]


def test_history_text_shows_doc_and_n_docs_in_the_memo_column(tmp_path: Path) -> None:
    second, bare = deposit("50", "Shop"), deposit("700", "Nobody")
    first = ref("check", "120", "--payee", "Landlord", "-m", "rent", "--date", "2026-03-02")
    ok("attach", first, str(put(tmp_path, "receipt.pdf", PDF)))
    ok("attach", second, str(put(tmp_path, "receipt.pdf", PDF)))
    ok("attach", second, str(put(tmp_path, "scan.png", PNG)))
    assert f"rent; doc {sha(PDF)[:12]}" in text_row(first)
    assert sha(PDF)[:13] not in text_row(first)
    assert "2 docs" in text_row(second)
    assert "doc" not in text_row(bare)


def test_history_known_at_before_the_attach_and_after_a_detach(tmp_path: Path) -> None:
    entry = deposit()
    ok("attach", entry, str(put(tmp_path, "receipt.pdf", PDF)))
    attached_at = ok_json("docs")[0]["recorded_at"]
    before = history_rows("--known-at", just_before(attached_at))
    assert row_of(before, entry)["documents"] == []
    assert "doc" not in text_row(entry, "--known-at", just_before(attached_at))
    assert row_of(history_rows("--known-at", attached_at), entry)["documents"] == [sha(PDF)]
    ok("detach", entry, sha(PDF)[:8])
    assert row_of(history_rows(), entry)["documents"] == []
    assert "doc" not in text_row(entry)
    # What the ledger knew between the attach and the detach still has it.
    assert row_of(history_rows("--known-at", attached_at), entry)["documents"] == [sha(PDF)]


# -- docs missing ------------------------------------------------------------------------------


def books(tmp_path: Path) -> dict[str, str]:
    """Every kind of entry on checking (and a deposit on savings); the withdrawal has a
    document. The name of each entry -> its ref."""
    refs = {
        "salary": deposit("1000", "Employer", "2026-01-05"),
        "rent": ref("check", "100", "--payee", "Landlord", "--date", "2026-01-10"),
        "shop": ref("check", "100.01", "--payee", "Shop", "--date", "2026-02-01"),
        "cash": ref("withdraw", "40", "--date", "2026-02-03"),
        "fee": ref("fee", "5", "--date", "2026-02-28"),
        "interest": ref("interest", "2.50", "--date", "2026-03-01"),
    }
    ok("open", "savings", "--date", "2026-01-01")
    refs["transfer"] = ref("transfer", "200", "--from", "checking", "--to", "savings",
                           "--date", "2026-03-02")
    refs["gift"] = deposit("300", "Gift", "2026-03-03")
    refs["void"] = ref("void", refs["gift"])
    refs["aunt"] = ref("deposit", "150", "-a", "savings", "--payee", "Aunt",
                       "--date", "2026-03-04")
    ok("attach", refs["cash"], str(put(tmp_path, "atm.png", PNG)))
    return refs


def missing_refs(*args: str) -> list[str]:
    return [row["ref"] for row in ok_json("docs", "missing", *args)]


def test_docs_missing_lists_only_the_voucher_entries_without_a_document(
    tmp_path: Path,
) -> None:
    refs = books(tmp_path)
    rows = ok_json("docs", "missing")
    assert [row["ref"] for row in rows] == [
        refs[name] for name in ("salary", "rent", "shop", "fee", "interest")
    ]
    assert [row["type"] for row in rows] == [
        "FundsDeposited", "CheckWritten", "CheckWritten", "FeeCharged", "InterestPaid"
    ]
    # Not the withdrawal (it has a document), the transfer, the voided gift or its void.
    for name in ("cash", "transfer", "gift", "void"):
        assert refs[name] not in [row["ref"] for row in rows]
    text = ok("docs", "missing")
    assert text.splitlines()[0] == "Entries without a document in checking (USD)"
    for name in ("salary", "rent", "shop", "fee", "interest"):
        assert re.search(rf"\s{refs[name]}\s", text), name
    for name in ("cash", "transfer", "gift", "void"):
        assert not re.search(rf"\s{refs[name]}\s", text), name


def test_docs_missing_over_keeps_amounts_strictly_above_either_sign(tmp_path: Path) -> None:
    refs = books(tmp_path)
    # The salary (1,000.00) and the check of 100.01; not the check of exactly 100.00.
    assert missing_refs("--over", "100") == [refs["salary"], refs["shop"]]
    assert missing_refs("--over", "100.00") == [refs["salary"], refs["shop"]]
    assert missing_refs("--over", "99.99") == [refs["salary"], refs["rent"], refs["shop"]]
    assert missing_refs("--over", "$1,000") == []
    assert missing_refs("--over", "999.99") == [refs["salary"]]


def test_docs_missing_accounts_since_and_as_of(tmp_path: Path) -> None:
    refs = books(tmp_path)
    every = ok_json("docs", "missing", "--all")
    assert [(row["account"], row["ref"]) for row in every] == [
        ("checking", refs[name]) for name in ("salary", "rent", "shop", "fee", "interest")
    ] + [("savings", refs["aunt"])]
    assert missing_refs("-a", "savings") == [refs["aunt"]]
    assert missing_refs("--since", "2026-02-01") == [refs["shop"], refs["fee"], refs["interest"]]
    assert missing_refs("--as-of", "2026-02-28") == [
        refs["salary"], refs["rent"], refs["shop"], refs["fee"]  # the day included
    ]
    assert missing_refs("--since", "2026-02-01", "--as-of", "2026-02-27") == [refs["shop"]]
    assert missing_refs("--all", "--over", "120") == [refs["salary"], refs["aunt"]]
    assert "no account 'nosuch'" in denied("docs", "missing", "-a", "nosuch")


def test_docs_missing_rows_are_history_rows_with_the_same_balances(tmp_path: Path) -> None:
    books(tmp_path)
    register = {row["seq"]: row for row in history_rows()}
    for args in ([], ["--since", "2026-02-01"], ["--over", "50"]):
        rows = ok_json("docs", "missing", *args)
        assert rows, args
        for row in rows:
            full = register[row["seq"]]
            assert list(row) == list(full), args
            assert row["balance"] == full["balance"], (args, row)
            assert {k: v for k, v in row.items() if k != "known_at"} == {
                k: v for k, v in full.items() if k != "known_at"
            }
    savings = {row["seq"]: row for row in history_rows("-a", "savings")}
    for row in ok_json("docs", "missing", "-a", "savings"):
        assert row["balance"] == savings[row["seq"]]["balance"] == "350.00"
    header = ok("docs", "missing", "--csv").splitlines()[0]
    assert header == ok("history", "--csv").splitlines()[0]


def test_docs_missing_follows_attach_and_detach(tmp_path: Path) -> None:
    refs = books(tmp_path)
    ok("attach", refs["fee"], str(put(tmp_path, "statement.pdf", PDF)))
    assert refs["fee"] not in missing_refs()
    ok("detach", refs["fee"], sha(PDF)[:8])
    assert refs["fee"] in missing_refs()


def test_docs_missing_when_every_entry_has_a_document(tmp_path: Path) -> None:
    refs = books(tmp_path)
    ok("attach", refs["aunt"], str(put(tmp_path, "card.pdf", PDF)))
    assert ok("docs", "missing", "-a", "savings") == (
        "Every entry in savings has a document.\n"
    )
    assert ok_json("docs", "missing", "-a", "savings") == []
    assert ok("docs", "missing", "--over", "1000") == (
        "Every entry of more than 1000 in checking has a document.\n"
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [("abc", "not a number"), ("1.234", "too many decimals"), ("-5", "negative")],
)
def test_docs_missing_refuses_a_bad_over(tmp_path: Path, value: str, words: str) -> None:
    books(tmp_path)
    line = denied("docs", "missing", "--over", value)
    assert f"--over '{value}'" in line and words in line, line
    assert words in denied("docs", "missing", "--over", value, "--json")
