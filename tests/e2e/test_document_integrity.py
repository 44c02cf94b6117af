"""Documents (SPEC 13) and their integrity, through the installed `ledger` and the real `sqlite3`
shell: what `reconcile` says when a stored document is altered, removed or resized behind the
append-only triggers (exit 3, problem kind `document`, at the seq of the DocumentAttached event
that first named it, and a warning for the dropped trigger), that the database itself refuses
UPDATE and DELETE on `documents`, and that stored bytes no event names are only a warning.

Then the NDJSON backup: a round trip (`export --format ndjson`, `restore`, from a file and from
standard input) keeps the digest, the listing and every byte of every document (a PDF, a PNG,
1 MiB and a little over 3 MiB of random bytes, which takes several pieces); a version 1 backup
still restores; `restore` verifies before it writes (an altered piece, a missing document, bad
base64, document lines in a version 1 backup: refused, no file left behind). Last, `export` of
about 40 MiB of documents streams them in flat memory (max RSS of the child under 100 MiB).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    LedgerProcess,
    copy_ledger,
    event_count,
    ledger_env,
    ledger_executable,
    one_line_error,
    require_sqlite_shell,
    sqlite_shell,
)

require_sqlite_shell()

TODAY = "2026-03-31"
MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TODAY", TODAY)
    monkeypatch.setenv("LEDGER_NO_REMINDERS", "1")


# -- real files --------------------------------------------------------------------------------


def pdf_bytes(seed: bytes = b"") -> bytes:
    """A small but well-formed-looking PDF: the magic, a page object, some binary, the trailer."""
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nstream\n"
        + hashlib.sha256(b"receipt" + seed).digest() * 40
        + b"\nendstream\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    """The PNG signature and an IHDR chunk, then some bytes: enough for a media type."""
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00"
        b"\x00\x90\x91h6" + bytes(range(256)) * 3
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def shell(db: Path, sql: str) -> subprocess.CompletedProcess[str]:
    """The `sqlite3` shell on `db`, whatever it answers (for the statements it must refuse)."""
    return subprocess.run(
        ["sqlite3", "-bail", str(db)], input=sql, capture_output=True, text=True, timeout=60
    )


def stored(db: Path) -> dict[str, tuple[int, str]]:
    """sha256 -> (size column, hex of the content) of every stored document, by the shell."""
    out = sqlite_shell(db, "SELECT sha256, size, hex(content) FROM documents ORDER BY id;")
    rows = [line.split("|") for line in out.splitlines()]
    return {digest: (int(size), content.lower()) for digest, size, content in rows}


def attach_seqs(run_ledger: LedgerProcess, db: Path) -> dict[str, list[int]]:
    """sha256 -> the seqs of the DocumentAttached events naming it, from `audit --json`."""
    found: dict[str, list[int]] = {}
    for event in run_ledger.ok_json("audit", db=db):
        if event["type"] == "DocumentAttached":
            found.setdefault(event["sha256"], []).append(event["seq"])
    return found


# -- the template for the tampering tests ------------------------------------------------------


@dataclass
class Template:
    path: Path
    files: dict[str, bytes]  # "png", "pdf" -> their bytes
    refs: dict[str, str]  # what -> transaction reference
    seqs: dict[str, list[int]]  # sha256 -> seqs of the events attaching it


@pytest.fixture(scope="module")
def _template_cache() -> dict[str, Template]:
    return {}


@pytest.fixture
def template(
    _template_cache: dict[str, Template],
    run_ledger: LedgerProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Template:
    """A ledger with a PNG attached to a check, then a PDF attached to a deposit and (the same
    bytes, stored once) to a second check: built by the first test that needs it."""
    if "template" not in _template_cache:
        _template_cache["template"] = _build(run_ledger, tmp_path_factory.mktemp("template"))
    return _template_cache["template"]


def _build(run_ledger: LedgerProcess, folder: Path) -> Template:
    db = folder / "template.db"
    files = {"png": png_bytes(), "pdf": pdf_bytes()}
    refs = {
        "salary": run_ledger.ref("deposit", "2500", "--payee", "Acme", db=db),
        "rent": run_ledger.ref("check", "900", "--payee", "Landlord", db=db),
        "hardware": run_ledger.ref("check", "84.20", "--payee", "O'Brien's", db=db),
        "cash": run_ledger.ref("withdraw", "60", db=db),
    }
    png = write(folder / "scan.png", files["png"])
    pdf = write(folder / "invoice.pdf", files["pdf"])
    run_ledger.ok("attach", refs["rent"], str(png), db=db)
    run_ledger.ok("attach", refs["salary"], str(pdf), "--note", "payslip", db=db)
    run_ledger.ok("attach", refs["hardware"], str(pdf), db=db)
    sqlite_shell(db, "PRAGMA wal_checkpoint(TRUNCATE);")
    assert event_count(db) == 8  # checking opened, four entries, three attached documents
    seqs = attach_seqs(run_ledger, db)
    assert [len(seqs[sha(files["png"])]), len(seqs[sha(files["pdf"])])] == [1, 2]
    assert sorted(stored(db)) == sorted([sha(files["png"]), sha(files["pdf"])])
    return Template(db, files, refs, seqs)


@pytest.fixture
def books(template: Template, ledger_db: Path) -> Path:
    """A copy of the template as this test's ledger."""
    copy_ledger(template.path, ledger_db)
    return ledger_db


def broken(run_ledger: LedgerProcess) -> dict[str, Any]:
    """`reconcile` (text, then JSON) on a damaged ledger: exit 3 both times, one error line on
    stderr naming the first problem; the JSON report."""
    code, out, err = run_ledger.run("reconcile")
    assert code == 3, (out, err)
    assert out.startswith("BROKEN"), out
    assert "document" in one_line_error(err, 3)
    code, out, err = run_ledger.run("reconcile", "--json")
    assert code == 3, (out, err)
    one_line_error(err, 3)
    report: dict[str, Any] = json.loads(out)
    assert report["ok"] is False
    return report


def trigger_gone(report: dict[str, Any], name: str) -> None:
    assert any(name in warning and "gone" in warning for warning in report["warnings"]), report


# -- the database refuses edits; reconcile sees the ones that bypass it ----------------------


def test_an_intact_ledger_with_documents_reconciles(run_ledger: LedgerProcess, books: Path) -> None:
    code, out, err = run_ledger.run("reconcile")
    assert (code, err) == (0, "")
    assert out.startswith("OK: 8 events verified")
    report = run_ledger.ok_json("reconcile")
    assert (report["ok"], report["events"], report["problems"], report["warnings"]) == (
        True, 8, [], []
    )


def test_the_database_refuses_update_and_delete_of_documents(
    run_ledger: LedgerProcess, template: Template, books: Path
) -> None:
    """Before any trigger is dropped, the sqlite3 shell cannot edit or remove a document."""
    before = stored(books)
    pdf = sha(template.files["pdf"])
    same_length = "00" * len(template.files["pdf"])
    refused = shell(
        books, f"UPDATE documents SET content = X'{same_length}' WHERE sha256 = '{pdf}';"
    )
    assert refused.returncode != 0
    assert "documents are append-only: UPDATE refused" in refused.stderr
    refused = shell(books, f"UPDATE documents SET size = size + 1 WHERE sha256 = '{pdf}';")
    assert refused.returncode != 0 and "UPDATE refused" in refused.stderr
    refused = shell(books, f"DELETE FROM documents WHERE sha256 = '{pdf}';")
    assert refused.returncode != 0
    assert "documents are append-only: DELETE refused" in refused.stderr
    assert stored(books) == before
    out = books.with_name("out.pdf")
    run_ledger.ok("docs", "get", pdf[:8], "-o", str(out))
    assert out.read_bytes() == template.files["pdf"]
    assert run_ledger.ok_json("reconcile")["ok"] is True


def test_altered_bytes_of_a_document_are_found_at_the_event_that_first_attached_it(
    run_ledger: LedgerProcess, template: Template, books: Path
) -> None:
    pdf = sha(template.files["pdf"])
    first = template.seqs[pdf][0]
    altered = bytearray(template.files["pdf"])
    altered[len(altered) // 2] ^= 0x01  # one bit, the same length
    sqlite_shell(
        books,
        "DROP TRIGGER documents_no_update;\n"
        f"UPDATE documents SET content = X'{altered.hex()}' WHERE sha256 = '{pdf}';",
    )
    assert stored(books)[pdf] == (len(altered), altered.hex())
    report = broken(run_ledger)
    assert [(p["seq"], p["kind"]) for p in report["problems"]] == [(first, "document")]
    assert pdf[:12] in report["problems"][0]["detail"]
    assert "no longer hash" in report["problems"][0]["detail"]
    assert run_ledger.ok_json("docs", template.refs["salary"])[0]["seq"] == first
    trigger_gone(report, "documents_no_update")
    code, out, _ = run_ledger.run("reconcile")
    assert "documents_no_update is gone" in out


def test_a_deleted_document_is_found_at_every_event_that_attaches_it(
    run_ledger: LedgerProcess, template: Template, books: Path
) -> None:
    pdf = sha(template.files["pdf"])
    sqlite_shell(
        books, f"DROP TRIGGER documents_no_delete;\nDELETE FROM documents WHERE sha256 = '{pdf}';"
    )
    assert list(stored(books)) == [sha(template.files["png"])]
    report = broken(run_ledger)
    problems = report["problems"]
    assert problems[0]["seq"] == template.seqs[pdf][0]
    assert [(p["seq"], p["kind"]) for p in problems] == [
        (seq, "document") for seq in template.seqs[pdf]
    ]
    assert all("no such document is stored" in p["detail"] for p in problems), problems
    trigger_gone(report, "documents_no_delete")


@pytest.mark.parametrize(
    "edit",
    [
        # the size column alone (the CHECK that ties it to the content turned off)
        "PRAGMA ignore_check_constraints = ON;\n"
        "UPDATE documents SET size = size + 1 WHERE sha256 = '{sha}';",
        # the content cut by a byte and the size column made to agree with it
        "UPDATE documents SET size = size - 1, content = substr(content, 1, size - 1) "
        "WHERE sha256 = '{sha}';",
    ],
    ids=["size-column", "truncated-content"],
)
def test_a_changed_size_is_found(
    run_ledger: LedgerProcess, template: Template, books: Path, edit: str
) -> None:
    png = sha(template.files["png"])
    sqlite_shell(books, "DROP TRIGGER documents_no_update;\n" + edit.format(sha=png))
    assert stored(books)[png][0] != len(template.files["png"])
    report = broken(run_ledger)
    assert report["problems"][0]["seq"] == template.seqs[png][0]
    assert {p["kind"] for p in report["problems"]} == {"document"}
    assert {p["seq"] for p in report["problems"]} == {template.seqs[png][0]}
    trigger_gone(report, "documents_no_update")


def test_stored_bytes_that_no_event_names_are_a_warning(
    run_ledger: LedgerProcess, books: Path
) -> None:
    orphan = b"%PDF-1.4 a receipt nobody attached\n"
    sqlite_shell(
        books,
        "INSERT INTO documents (sha256, size, content) VALUES "
        f"('{sha(orphan)}', {len(orphan)}, X'{orphan.hex()}');",
    )
    code, out, err = run_ledger.run("reconcile")
    assert (code, err) == (0, "")
    assert out.startswith("OK: 8 events verified")
    assert f"warning: the stored document {sha(orphan)[:12]} is named by no event" in out
    report = run_ledger.ok_json("reconcile")
    assert (report["ok"], report["problems"]) == (True, [])
    assert report["warnings"] == [f"the stored document {sha(orphan)[:12]} is named by no event"]
    assert event_count(books) == 8


# -- the backup: a round trip, and restore verifying before it writes -------------------------


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def write_lines(path: Path, values: list[dict[str, Any]]) -> Path:
    text = "".join(json.dumps(v, ensure_ascii=False, separators=(",", ":")) + "\n" for v in values)
    path.write_text(text, "utf-8")
    return path


def export(run_ledger: LedgerProcess, target: Path) -> Path:
    result = run_ledger.ok("export", "--format", "ndjson", errors="surrogateescape")
    target.write_text(result.stdout, "utf-8", errors="surrogateescape")
    return target


@dataclass
class Shelf:
    """A ledger with four documents of four kinds, and its backup."""

    path: Path
    files: dict[str, bytes]  # name -> bytes, in the order attached
    backup: Path


@pytest.fixture(scope="module")
def _shelf_cache() -> dict[str, Shelf]:
    return {}


@pytest.fixture
def shelf(
    _shelf_cache: dict[str, Shelf],
    run_ledger: LedgerProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Shelf:
    """The shelf, built with `ledger` by the first test that needs it (the tests only read
    it and its backup)."""
    if "shelf" not in _shelf_cache:
        _shelf_cache["shelf"] = _fill_shelf(run_ledger, tmp_path_factory.mktemp("shelf"))
    return _shelf_cache["shelf"]


def _fill_shelf(run_ledger: LedgerProcess, folder: Path) -> Shelf:
    db = folder / "shelf.db"
    rng = random.Random(13)
    files = {
        "invoice.pdf": pdf_bytes(b"shelf"),
        "scan.png": png_bytes(),
        "one-mib.bin": rng.randbytes(MIB),
        "three-mib.bin": rng.randbytes(3 * MIB + 1000),  # four pieces of at most 1 MiB
    }
    refs = [
        run_ledger.ref("deposit", "5000", "--payee", "Acme", db=db),
        run_ledger.ref("check", "120.50", "--payee", "Office Depot", db=db),
        run_ledger.ref("withdraw", "40", db=db),
    ]
    for n, (name, data) in enumerate(files.items()):
        attached = run_ledger.ok_json(
            "attach", refs[n % len(refs)], str(write(folder / name, data)), "--note", f"note {n}",
            db=db,
        )
        assert attached["document"]["sha256"] == sha(data)
    result = run_ledger.ok("export", "--format", "ndjson", db=db)
    backup = folder / "backup.ndjson"
    backup.write_text(result.stdout, "utf-8")
    return Shelf(db, files, backup)


def same_books(run_ledger: LedgerProcess, shelf: Shelf, restored: Path, tmp_path: Path) -> None:
    """The restored ledger is the shelf's: digest, listing, every byte, and it reconciles."""
    original = shelf.path
    digest = run_ledger.ok("digest", db=original).stdout
    assert run_ledger.ok("digest", db=restored).stdout == digest
    listing = run_ledger.ok_json("docs", db=restored)
    assert listing == run_ledger.ok_json("docs", db=original)
    assert [doc["name"] for doc in listing] == list(shelf.files)
    for doc in listing:
        out = tmp_path / f"out-{doc['name']}"
        written = run_ledger.ok_json("docs", "get", doc["sha256"], "-o", str(out), db=restored)
        assert written["size"] == len(shelf.files[doc["name"]])
        assert out.read_bytes() == shelf.files[doc["name"]]
    assert run_ledger.ok_json("reconcile", db=restored)["ok"] is True


def test_a_backup_with_documents_restores_the_same_books(
    run_ledger: LedgerProcess, shelf: Shelf, tmp_path: Path
) -> None:
    values = lines_of(shelf.backup)
    assert values[0]["format"] == "ledger-backup" and values[0]["version"] == 2
    pieces: dict[str, list[dict[str, Any]]] = {}
    for value in values:
        if "document" in value:
            pieces.setdefault(value["document"], []).append(value)
    assert sorted(pieces) == sorted(sha(data) for data in shelf.files.values())
    big = pieces[sha(shelf.files["three-mib.bin"])]
    assert [piece["offset"] for piece in big] == [0, MIB, 2 * MIB, 3 * MIB]
    assert b"".join(base64.b64decode(p["data"]) for p in big) == shelf.files["three-mib.bin"]

    restored = tmp_path / "restored.db"
    run_ledger.ok("--db", str(restored), "restore", str(shelf.backup))
    same_books(run_ledger, shelf, restored, tmp_path)


def test_restore_from_standard_input_with_documents(
    run_ledger: LedgerProcess, shelf: Shelf, tmp_path: Path
) -> None:
    restored = tmp_path / "from-stdin.db"
    run_ledger.ok("--db", str(restored), "restore", "-", stdin=shelf.backup.read_bytes())
    same_books(run_ledger, shelf, restored, tmp_path)


def test_a_version_1_backup_still_restores(
    run_ledger: LedgerProcess, ledger_db: Path, tmp_path: Path
) -> None:
    first = run_ledger.ref("deposit", "300", "--payee", "Acme")
    run_ledger.ok("check", "45", "--payee", "Grocer")
    run_ledger.ok("void", first, "--reason", "twice")
    values = lines_of(export(run_ledger, tmp_path / "v2.ndjson"))
    assert values[0]["version"] == 2
    values[0]["version"] = 1
    old = write_lines(tmp_path / "v1.ndjson", values)
    restored = tmp_path / "restored.db"
    run_ledger.ok("--db", str(restored), "restore", str(old))
    assert run_ledger.ok("digest", db=restored).stdout == run_ledger.ok("digest").stdout
    assert event_count(restored) == event_count(ledger_db)


def nothing_restored(run_ledger: LedgerProcess, backup: Path, tmp_path: Path, code: int) -> str:
    """`restore` of `backup` into a new file is refused with `code`; no file is left behind.
    The error line."""
    target = tmp_path / "never.db"
    line = run_ledger.denied("--db", str(target), "restore", str(backup), code=code)
    assert "nothing was restored" in line
    assert sorted(p.name for p in tmp_path.glob("never.db*")) == []
    return line


def test_restore_refuses_an_altered_piece_of_a_document(
    run_ledger: LedgerProcess, shelf: Shelf, tmp_path: Path
) -> None:
    values = lines_of(shelf.backup)
    target = sha(shelf.files["three-mib.bin"])
    piece = next(v for v in values if v.get("document") == target and v["offset"] == MIB)
    data = piece["data"]
    middle = len(data) // 2
    piece["data"] = data[:middle] + ("B" if data[middle] != "B" else "C") + data[middle + 1 :]
    decoded = base64.b64decode(piece["data"], validate=True)
    assert len(decoded) == MIB and decoded != base64.b64decode(data)
    line = nothing_restored(run_ledger, write_lines(tmp_path / "x.ndjson", values), tmp_path, 3)
    assert target[:12] in line


def test_restore_refuses_a_backup_without_a_document_an_event_attaches(
    run_ledger: LedgerProcess, shelf: Shelf, tmp_path: Path
) -> None:
    target = sha(shelf.files["scan.png"])
    values = [v for v in lines_of(shelf.backup) if v.get("document") != target]
    line = nothing_restored(run_ledger, write_lines(tmp_path / "x.ndjson", values), tmp_path, 3)
    assert target[:12] in line and "does not carry" in line


def test_restore_refuses_a_document_line_that_is_not_base64(
    run_ledger: LedgerProcess, shelf: Shelf, tmp_path: Path
) -> None:
    values = lines_of(shelf.backup)
    piece = next(v for v in values if v.get("document") == sha(shelf.files["invoice.pdf"]))
    piece["data"] = "!" + piece["data"][1:]
    line = nothing_restored(run_ledger, write_lines(tmp_path / "x.ndjson", values), tmp_path, 1)
    assert "base64" in line


def test_restore_refuses_document_lines_in_a_version_1_backup(
    run_ledger: LedgerProcess, shelf: Shelf, tmp_path: Path
) -> None:
    values = lines_of(shelf.backup)
    values[0]["version"] = 1
    first = 1 + next(n for n, v in enumerate(values) if "document" in v)
    line = nothing_restored(run_ledger, write_lines(tmp_path / "x.ndjson", values), tmp_path, 1)
    assert f"line {first}:" in line


# -- memory ------------------------------------------------------------------------------------

_MEASURE = """
import resource, subprocess, sys
with open(sys.argv[2], "wb") as out:
    done = subprocess.run([sys.argv[1], "export", "--format", "ndjson"], stdout=out)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_export_streams_40_mib_of_documents_in_flat_memory(
    run_ledger: LedgerProcess, ledger_db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    hashes = []
    for n in range(8):
        data = os.urandom(5 * MIB)
        hashes.append(sha(data))
        entry = run_ledger.ref("deposit", str(100 + n), "--payee", f"client {n}")
        run_ledger.ok("attach", entry, str(write(folder / f"r{n}.bin", data)))
        del data
    target = tmp_path / "backup.ndjson"
    # A fresh interpreter whose only child is the export: its RUSAGE_CHILDREN is that one.
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, ledger_executable(), str(target)],
        capture_output=True, text=True, env=ledger_env(ledger_db), timeout=60, check=True,
    )
    code, max_kib = map(int, done.stdout.split())
    assert code == 0, done.stderr
    assert target.stat().st_size > 8 * 5 * MIB * 4 // 3
    assert max_kib < 100 * 1024, f"export peaked at {max_kib / 1024:.1f} MiB"
    found: dict[str, Any] = {}
    with target.open("rb") as stream:
        header = json.loads(stream.readline())
        assert header["version"] == 2
        for raw in stream:
            if raw.startswith(b'{"document"'):
                value = json.loads(raw)
                found.setdefault(value["document"], hashlib.sha256()).update(
                    base64.b64decode(value["data"])
                )
    assert {key: digest.hexdigest() for key, digest in found.items()} == {h: h for h in hashes}
