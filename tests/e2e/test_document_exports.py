"""Documents (SPEC 13; README, "Receipts: documents hashed into the log") leaving the ledger,
through the installed `ledger` and the real tools around it.

- `export --format hledger` tags each entry with `document:<12 hex>` per document, in attach
  order, on its `; ref:` line; hledger (when installed; required under CI, as in
  test_journal_tools.py) checks the journal and finds the tags.
- `export --format beancount --documents DIR` writes each document once into DIR as
  `<12 hex>-<name>` with its exact bytes and adds a `document` directive per document, dated on
  the entry, on its account, with its absolute path, linked to the entry (`^T2`); bean-check
  passes, and fails once a written file is removed; a second export into DIR succeeds;
  `--documents` goes with beancount only; detached documents and entries after `--as-of` are
  left out.
- docs/FORMAT.md's "Verify a receipt yourself", its two sh blocks run as written with the real
  `sqlite3` shell and `sha256sum`.
- `reconcile` says how many stored documents it re-hashed (and nothing when there are none).
- Bytes altered behind the dropped trigger `documents_no_update`: `docs get` (to a file, to a
  pipe) and the NDJSON backup are refused with exit 3 and write nothing.
- `amend` gives the replacement the original's documents.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, LedgerProcess, assert_refused, backup_copy, sqlite_shell

TODAY = "2026-03-31"
FORMAT = REPO / "docs" / "FORMAT.md"

# The tools, found as tests/e2e/test_journal_tools.py finds them: hledger on PATH (CI installs
# it: .ci/run), bean-check beside the interpreter (beancount is in the `test` extra).
HLEDGER = shutil.which("hledger")
BEAN_CHECK = shutil.which("bean-check", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
SQLITE3 = shutil.which("sqlite3")
SHA256SUM = shutil.which("sha256sum")


def needs(tool: str | None, name: str) -> None:
    """test_journal_tools.py's policy: a missing tool skips the test, except in CI."""
    if tool is None:
        if os.environ.get("CI"):
            raise RuntimeError(f"{name} is missing in CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")


def bean_check() -> str:
    """bean-check is a test dependency (the `test` extra): never skipped."""
    if BEAN_CHECK is None:
        pytest.fail("bean-check is not installed (pip install -e '.[test]' installs beancount)")
    return BEAN_CHECK


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TODAY", TODAY)
    monkeypatch.setenv("LEDGER_NO_REMINDERS", "1")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def short(data: bytes) -> str:
    return sha(data)[:12]


def pdf(size: int = 3000) -> bytes:
    """A PDF's magic and trailer around random bytes: a real file, unique each time."""
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + os.urandom(size) + b"\ntrailer\n%%EOF\n"


def png(size: int = 2000) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(size)


def put(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, cwd=cwd,
                          check=False)


# -- the books ---------------------------------------------------------------------------------


@dataclass
class Books:
    template: Path  # the ledger file every test copies
    refs: dict[str, str]  # what -> its transaction's ref
    files: dict[str, bytes]  # file name -> its bytes
    dates: dict[str, str]  # what -> its entry's date
    docs: dict[str, list[str]]  # what -> the names of its documents now, in attach order


def _build(run_ledger: LedgerProcess, folder: Path) -> Books:
    db = folder / "template.db"
    source = folder / "scans"
    source.mkdir()
    invoice = pdf()
    photo = png()
    while sha(photo) > sha(invoice):  # the second attached sorts first
        photo = png()
    files = {"invoice.pdf": invoice, "photo.png": photo, "bank letter.pdf": pdf(),
             "wrong.pdf": pdf()}
    for name, data in files.items():
        put(source, name, data)

    def r(*args: str) -> str:
        return run_ledger.ref(*args, db=db)

    def do(*args: str) -> None:
        run_ledger.ok(*args, db=db)

    refs = {
        "salary": r("deposit", "2500", "--date", "2026-03-01", "--payee", "Acme"),
        "shop": r("check", "120.40", "--date", "2026-03-05", "--payee", "Shop"),
    }
    do("open", "savings", "--date", "2026-03-01")
    refs["interest"] = r("deposit", "50", "-a", "savings", "--date", "2026-03-10",
                         "--payee", "Bank")
    refs["wrong"] = r("check", "30", "--date", "2026-03-15", "--payee", "Wrong")
    refs["cash"] = r("withdraw", "60", "--date", "2026-03-20")
    do("attach", refs["shop"], str(source / "invoice.pdf"), "--note", "invoice")
    do("attach", refs["shop"], str(source / "photo.png"))
    do("attach", refs["interest"], str(source / "bank letter.pdf"))
    do("attach", refs["cash"], str(source / "photo.png"))
    do("attach", refs["wrong"], str(source / "wrong.pdf"))
    do("detach", refs["wrong"], sha(files["wrong.pdf"])[:8], "--reason", "mistake")
    dates = {"salary": "2026-03-01", "shop": "2026-03-05", "interest": "2026-03-10",
             "wrong": "2026-03-15", "cash": "2026-03-20"}
    docs = {"salary": [], "shop": ["invoice.pdf", "photo.png"], "interest": ["bank letter.pdf"],
            "wrong": [], "cash": ["photo.png"]}
    listed = [(d["ref"], d["name"]) for d in run_ledger.ok_json("docs", db=db)]
    assert listed == [(refs["shop"], "invoice.pdf"), (refs["shop"], "photo.png"),
                      (refs["interest"], "bank letter.pdf"), (refs["cash"], "photo.png")]
    return Books(db, refs, files, dates, docs)


@pytest.fixture(scope="module")
def _template_cache() -> dict[str, Books]:
    return {}


@pytest.fixture
def books(
    _template_cache: dict[str, Books], run_ledger: LedgerProcess, ledger_db: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Books:
    """This test's ledger: a copy of the template built by the first test that needs it. A
    salary without a document; a check with an invoice then a photo (attached in that order,
    the photo's hash sorting first, so that the order cannot be the hashes'); a deposit on
    savings with the bank's letter; a cash withdrawal with the same photo (stored once); a
    check whose only document was detached."""
    if "books" not in _template_cache:
        _template_cache["books"] = _build(run_ledger, tmp_path_factory.mktemp("template"))
    books = _template_cache["books"]
    backup_copy(books.template, ledger_db)
    return books


# -- hledger -----------------------------------------------------------------------------------


def tag_lines(journal: str) -> dict[str, str]:
    """ref -> the `; ref:...` tag line of its entry."""
    found = {}
    for line in journal.splitlines():
        match = re.fullmatch(r"    ; ref:(T\d+)(?:, .*)?", line)
        if match:
            assert match.group(1) not in found, line
            found[match.group(1)] = line
    return found


def test_hledger_journal_tags_each_document_in_attach_order(
    run_ledger: LedgerProcess, books: Books
) -> None:
    text = run_ledger.ok("export", "--format", "hledger").stdout
    lines = tag_lines(text)
    assert set(books.refs.values()) <= set(lines)
    for what, ref in books.refs.items():
        expected = [short(books.files[name]) for name in books.docs[what]]
        assert re.findall(r"document:([0-9a-f]+)", lines[ref]) == expected, (what, lines[ref])
    # the tags follow the ref on the one tag line, comma-separated
    shop = books.refs["shop"]
    invoice, photo = short(books.files["invoice.pdf"]), short(books.files["photo.png"])
    assert lines[shop] == f"    ; ref:{shop}, document:{invoice}, document:{photo}"
    # the detached document appears nowhere
    assert short(books.files["wrong.pdf"]) not in text
    assert text.count("document:") == 4


def test_hledger_checks_the_journal_and_finds_the_tags(
    run_ledger: LedgerProcess, books: Books, tmp_path: Path
) -> None:
    needs(HLEDGER, "hledger")
    assert HLEDGER is not None
    journal = tmp_path / "books.journal"
    run_ledger.ok("export", "--format", "hledger", "-o", str(journal))
    for check in (["check"], ["check", "--strict"]):
        result = run(HLEDGER, "-f", str(journal), *check)
        assert result.returncode == 0, result.stderr
    result = run(HLEDGER, "-f", str(journal), "tags")
    assert result.returncode == 0, result.stderr
    assert "document" in result.stdout.split()
    # every transaction with a document tag, with its tags, as hledger reads them
    result = run(HLEDGER, "-f", str(journal), "print", "-O", "json", "tag:document")
    assert result.returncode == 0, result.stderr
    tagged = {}
    for txn in json.loads(result.stdout):
        tags = [tuple(tag) for tag in txn["ttags"]]
        ref = next(value for name, value in tags if name == "ref")
        tagged[ref] = [value for name, value in tags if name == "document"]
    assert tagged == {
        books.refs[what]: [short(books.files[name]) for name in names]
        for what, names in books.docs.items() if names
    }
    # one document's tag finds both entries that have it
    photo = short(books.files["photo.png"])
    result = run(HLEDGER, "-f", str(journal), "print", "-O", "json", f"tag:document={photo}")
    assert result.returncode == 0, result.stderr
    found = {dict(map(tuple, txn["ttags"]))["ref"] for txn in json.loads(result.stdout)}
    assert found == {books.refs["shop"], books.refs["cash"]}


# -- beancount ---------------------------------------------------------------------------------

DIRECTIVE = re.compile(r'(\d{4}-\d{2}-\d{2}) document (\S+) "((?:[^"\\]|\\.)*)" \^(T\d+)')
ACCOUNTS = {"salary": "Assets:Checking", "shop": "Assets:Checking",
            "interest": "Assets:Savings", "wrong": "Assets:Checking", "cash": "Assets:Checking"}


def directives(text: str) -> list[tuple[str, str, str, str]]:
    """Every `document` directive line: (date, account, path, linked ref)."""
    found = []
    for line in text.splitlines():
        if " document " in line:
            match = DIRECTIVE.fullmatch(line)
            assert match, line
            found.append((match.group(1), match.group(2), match.group(3), match.group(4)))
    return found


def header(text: str, ref: str) -> str:
    """The first line of the entry of `ref`, the one before its `ref:` metadata."""
    lines = text.splitlines()
    return lines[lines.index(f'  ref: "{ref}"') - 1]


def expected_directives(books: Books, folder: Path, *whats: str) -> list[tuple[str, ...]]:
    return [
        (books.dates[what], ACCOUNTS[what],
         str((folder / f"{short(books.files[name])}-{name}").absolute()), books.refs[what])
        for what in whats
        for name in books.docs[what]
    ]


def test_beancount_documents_are_written_once_and_linked_to_their_entries(
    run_ledger: LedgerProcess, books: Books, tmp_path: Path
) -> None:
    folder = tmp_path / "export" / "receipts"  # its parent exists, it does not
    folder.parent.mkdir()
    out = tmp_path / "export" / "books.beancount"
    done = run_ledger.ok("export", "--format", "beancount", "--documents", str(folder),
                         "-o", str(out))
    assert done.stdout == ""
    assert folder.is_dir()
    # one file per document (the photo of two entries once), named by hash, the exact bytes
    kept = ["invoice.pdf", "photo.png", "bank letter.pdf"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{short(books.files[name])}-{name}" for name in kept
    )
    for name in kept:
        assert (folder / f"{short(books.files[name])}-{name}").read_bytes() == books.files[name]
    text = out.read_text(encoding="utf-8")
    found = directives(text)
    assert found == expected_directives(books, folder, "shop", "interest", "cash")
    assert all(Path(path).is_absolute() for _, _, path, _ in found)
    # each entry with documents carries its link on its header line; the others do not
    for what, ref in books.refs.items():
        line = header(text, ref)
        assert line.startswith(f"{books.dates[what]} "), line
        assert line.endswith(f" ^{ref}") == bool(books.docs[what]), line
    # the detached document is not exported
    assert short(books.files["wrong.pdf"]) not in text
    result = run(bean_check(), str(out))
    assert result.returncode == 0, result.stdout + result.stderr


def test_bean_check_fails_when_a_written_document_is_removed_and_a_new_export_restores_it(
    run_ledger: LedgerProcess, books: Books, tmp_path: Path
) -> None:
    folder = tmp_path / "receipts"
    out = tmp_path / "books.beancount"
    args = ("export", "--format", "beancount", "--documents", str(folder), "-o", str(out))
    run_ledger.ok(*args)
    assert run(bean_check(), str(out)).returncode == 0
    gone = folder / f"{short(books.files['bank letter.pdf'])}-bank letter.pdf"
    gone.unlink()
    result = run(bean_check(), str(out))
    assert result.returncode != 0
    assert str(gone) in result.stdout + result.stderr
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    # a second export into the same folder succeeds, and writes the missing file again
    run_ledger.ok(*args)
    assert gone.read_bytes() == books.files["bank letter.pdf"]
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p != gone} == before
    assert len(list(folder.iterdir())) == 3
    result = run(bean_check(), str(out))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_second_export_rewrites_a_written_document_whose_bytes_changed(
    run_ledger: LedgerProcess, books: Books, tmp_path: Path
) -> None:
    """A file of the right name and size but other bytes is not taken for the document."""
    folder = tmp_path / "receipts"
    out = tmp_path / "books.beancount"
    args = ("export", "--format", "beancount", "--documents", str(folder), "-o", str(out))
    run_ledger.ok(*args)
    written = folder / f"{short(books.files['bank letter.pdf'])}-bank letter.pdf"
    original = written.read_bytes()
    written.write_bytes(bytes(len(original)))  # same size, other bytes
    run_ledger.ok(*args)
    assert written.read_bytes() == original


def test_beancount_without_documents_links_nothing(
    run_ledger: LedgerProcess, books: Books
) -> None:
    text = run_ledger.ok("export", "--format", "beancount").stdout
    assert directives(text) == []
    assert "^T" not in text


def test_documents_with_hledger_is_refused_and_writes_nothing(
    run_ledger: LedgerProcess, books: Books, tmp_path: Path
) -> None:
    folder = tmp_path / "receipts"
    out = tmp_path / "books.journal"
    line = run_ledger.denied("export", "--format", "hledger", "--documents", str(folder),
                             "-o", str(out))
    assert "--documents" in line and "beancount" in line
    assert not folder.exists()
    assert leftovers(tmp_path, "books.journal") == []


def test_as_of_leaves_out_the_documents_of_later_entries(
    run_ledger: LedgerProcess, books: Books, tmp_path: Path
) -> None:
    folder = tmp_path / "receipts"
    out = tmp_path / "books.beancount"
    run_ledger.ok("export", "--format", "beancount", "--documents", str(folder),
                  "--as-of", "2026-03-08", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    # the check of 2026-03-05 keeps both; the savings deposit (03-10) and the cash (03-20) are
    # after the day exported, and so are their directives and the letter only they have
    assert directives(text) == expected_directives(books, folder, "shop")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{short(books.files[name])}-{name}" for name in ("invoice.pdf", "photo.png")
    )
    result = run(bean_check(), str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    hledger = run_ledger.ok("export", "--format", "hledger", "--as-of", "2026-03-08").stdout
    assert hledger.count("document:") == 2


# -- the auditor's recipe ----------------------------------------------------------------------


def receipt_recipe() -> list[str]:
    """The sh blocks of FORMAT.md's "Verify a receipt yourself", as written."""
    text = FORMAT.read_text(encoding="utf-8")
    start = text.index("### Verify a receipt yourself")
    end = text.index("\n## ", start)
    blocks = re.findall(r"```sh\n(.*?)```", text[start:end], re.S)
    assert len(blocks) == 2, blocks
    assert "'SHA256'" in blocks[1], blocks[1]
    return blocks


def test_the_documented_receipt_recipe_works_with_sqlite3_and_sha256sum(
    run_ledger: LedgerProcess, books: Books, ledger_db: Path, tmp_path: Path
) -> None:
    needs(SQLITE3, "sqlite3")
    if SHA256SUM is None:
        pytest.skip("sha256sum is not installed")
    listing, extract = receipt_recipe()
    folder = tmp_path / "auditor"
    folder.mkdir()
    backup_copy(ledger_db, folder / "ledger.db")
    result = run("bash", "-c", listing, cwd=folder)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["seq", "entry", "name", "sha256"], lines
    rows = [line.split() for line in lines[1:] if not set(line) <= {"-", " "}]
    attached = [
        (event["seq"], event["attaches"], event["name"], event["sha256"])
        for event in run_ledger.ok_json("audit") if event["type"] == "DocumentAttached"
    ]
    assert len(attached) == 5  # the detached one is still in the log
    # `bank letter.pdf` has a space: the column is wider than a word
    assert sorted(
        (int(row[0]), row[1], " ".join(row[2:-1]), row[-1]) for row in rows
    ) == sorted(attached)
    letter = books.files["bank letter.pdf"]
    result = run("bash", "-c", extract.replace("'SHA256'", f"'{sha(letter)}'"), cwd=folder)
    assert result.returncode == 0, result.stderr
    # the shell prints the bytes writefile wrote, then sha256sum the hash the log names
    assert result.stdout.splitlines() == [str(len(letter)), f"{sha(letter)}  receipt.pdf"]
    assert (folder / "receipt.pdf").read_bytes() == letter


# -- reconcile ---------------------------------------------------------------------------------


def test_reconcile_says_how_many_stored_documents_it_re_hashed(
    run_ledger: LedgerProcess, books: Books
) -> None:
    # five attaches of four stored documents (the photo twice, the detached one kept)
    out = run_ledger.ok("reconcile").stdout
    assert out.startswith("OK: "), out
    assert "; 4 documents re-hashed; " in out
    report = run_ledger.ok_json("reconcile")
    assert report["ok"] is True and report["documents"] == 4


def test_reconcile_of_one_document_and_of_none(
    run_ledger: LedgerProcess, tmp_path: Path
) -> None:
    ref = run_ledger.ref("deposit", "100")
    out = run_ledger.ok("reconcile").stdout
    assert out.startswith("OK: ") and "document" not in out, out
    assert run_ledger.ok_json("reconcile")["documents"] == 0
    run_ledger.ok("attach", ref, str(put(tmp_path, "slip.pdf", pdf())))
    out = run_ledger.ok("reconcile").stdout
    assert "; 1 document re-hashed; " in out, out


# -- altered bytes are never handed out --------------------------------------------------------


@pytest.fixture
def altered(books: Books, ledger_db: Path) -> Books:
    """The invoice's stored bytes altered (one bit, the same length) by the sqlite3 shell,
    behind the dropped trigger documents_no_update."""
    needs(SQLITE3, "sqlite3")
    invoice = books.files["invoice.pdf"]
    changed = bytearray(invoice)
    changed[len(changed) // 2] ^= 0x01
    sqlite_shell(
        ledger_db,
        "DROP TRIGGER documents_no_update;\n"
        f"UPDATE documents SET content = X'{changed.hex()}' WHERE sha256 = '{sha(invoice)}';",
    )
    out = sqlite_shell(ledger_db, f"SELECT hex(content) FROM documents WHERE sha256 = "
                                  f"'{sha(invoice)}';")
    assert out.strip().lower() == changed.hex()
    return books


def leftovers(folder: Path, name: str) -> list[str]:
    """Files in `folder` that are `name` or a temporary file for it."""
    return sorted(p.name for p in folder.iterdir() if name in p.name)


def test_docs_get_of_altered_bytes_exits_3_and_writes_no_file(
    run_ledger: LedgerProcess, altered: Books, tmp_path: Path
) -> None:
    invoice = sha(altered.files["invoice.pdf"])
    out = tmp_path / "out.pdf"
    line = run_ledger.denied("docs", "get", invoice[:8], "-o", str(out), code=3)
    assert invoice[:12] in line and "altered" in line
    assert leftovers(tmp_path, "out.pdf") == []
    # the other documents are intact and still come out
    photo = altered.files["photo.png"]
    run_ledger.ok("docs", "get", sha(photo)[:8], "-o", str(tmp_path / "photo.png"))
    assert (tmp_path / "photo.png").read_bytes() == photo


def test_docs_get_of_altered_bytes_to_a_pipe_exits_3_and_writes_nothing(
    run_ledger: LedgerProcess, altered: Books
) -> None:
    invoice = sha(altered.files["invoice.pdf"])
    result = run_ledger("docs", "get", invoice[:8], "-o", "-", errors="surrogateescape")
    line = assert_refused(result.returncode, result.stdout, result.stderr, expected=3)
    assert invoice[:12] in line


def test_ndjson_export_of_altered_bytes_exits_3_and_leaves_no_file(
    run_ledger: LedgerProcess, altered: Books, tmp_path: Path
) -> None:
    line = run_ledger.denied("export", "--format", "ndjson", "-o", str(tmp_path / "b.ndjson"),
                             code=3)
    assert sha(altered.files["invoice.pdf"])[:12] in line
    assert leftovers(tmp_path, "b.ndjson") == []


def test_beancount_documents_export_of_altered_bytes_exits_3(
    run_ledger: LedgerProcess, altered: Books, tmp_path: Path
) -> None:
    folder = tmp_path / "receipts"
    code, out, err = run_ledger.run("export", "--format", "beancount", "--documents",
                                    str(folder), "-o", str(tmp_path / "books.beancount"))
    name = f"{short(altered.files['invoice.pdf'])}-invoice.pdf"
    written = folder / name
    # whatever it writes, never other bytes under the invoice's name
    assert not written.exists() or written.read_bytes() == altered.files["invoice.pdf"]
    assert code == 3, (code, out, err)
    assert leftovers(tmp_path, "books.beancount") == []


# -- amend -------------------------------------------------------------------------------------


def test_amend_gives_the_replacement_both_documents(
    run_ledger: LedgerProcess, books: Books
) -> None:
    shop = books.refs["shop"]
    before = run_ledger.ok_json("docs", shop)
    result = run_ledger.ok_json("amend", shop, "--amount", "125.40")
    new = result["ref"]
    assert new != shop
    types = [event["type"] for event in result["events"]]
    assert types == ["TransactionVoided", "CheckWritten", "DocumentAttached",
                     "DocumentAttached"], types
    history = {row["ref"]: row for row in run_ledger.ok_json("history")}
    assert history[new]["amount"] == "-125.40"

    def kept(docs: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [(d["sha256"], d["name"], d["note"], d["size"], d["media_type"]) for d in docs]

    replacement = run_ledger.ok_json("docs", new)
    assert [d["ref"] for d in replacement] == [new, new]
    assert kept(replacement) == kept(before)
    assert kept(replacement) == [
        (sha(books.files["invoice.pdf"]), "invoice.pdf", "invoice",
         len(books.files["invoice.pdf"]), "application/pdf"),
        (sha(books.files["photo.png"]), "photo.png", None, len(books.files["photo.png"]),
         "image/png"),
    ]
    assert run_ledger.ok_json("docs", shop) == before  # the voided original keeps them
    missing = {row["ref"] for row in run_ledger.ok_json("docs", "missing", "--all")}
    assert new not in missing and shop not in missing
    assert missing == {books.refs["salary"], books.refs["wrong"]}
    assert run_ledger.ok_json("reconcile")["ok"] is True
    # and the journal tags the replacement with them
    lines = tag_lines(run_ledger.ok("export", "--format", "hledger").stdout)
    assert re.findall(r"document:([0-9a-f]+)", lines[new]) == [
        short(books.files["invoice.pdf"]), short(books.files["photo.png"])
    ]
