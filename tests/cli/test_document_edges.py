"""Edges of receipts found in review: `docs get` never replaces what is not a regular file, a
bad `docs missing --over` is named before any row, and a backup cut inside a document is
refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import cli, ok, ok_json, one_line_error

PDF = b"%PDF-1.4 a receipt\n" * 10


def _attached(tmp_path: Path) -> str:
    ok("deposit", "100", "--date", "2026-03-01")
    receipt = tmp_path / "r.pdf"
    receipt.write_bytes(PDF)
    return str(ok_json("attach", "T1", str(receipt))["document"]["sha256"])


def test_docs_get_refuses_a_target_that_is_not_a_regular_file(tmp_path: Path) -> None:
    sha = _attached(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for extra in ((), ("--force",)):
        code, out, err = cli("docs", "get", sha[:8], "-o", str(fifo), *extra)
        assert code == 1 and out == ""
        assert "not a regular file" in one_line_error(err)
    assert fifo.is_fifo()
    code, _, err = cli("docs", "get", sha[:8], "-o", "")
    assert code == 1 and "-o is empty" in one_line_error(err)


def test_a_bad_over_is_named_before_any_row(tmp_path: Path) -> None:
    _attached(tmp_path)
    ok("open", "yen", "--currency", "JPY")
    ok("deposit", "5000", "-a", "yen", "--date", "2026-03-02")
    code, out, err = cli("docs", "missing", "--all", "--over", "10.5", "--json")
    assert code == 1 and out == "", out
    assert "10.5" in one_line_error(err)


def test_a_backup_that_ends_inside_a_document_is_refused(tmp_path: Path) -> None:
    _attached(tmp_path)
    backup = ok("export", "--format", "ndjson")
    lines = backup.splitlines()
    header = json.loads(lines[0])
    piece = next(json.loads(line) for line in lines if '"document"' in line)
    # A header with no event and a document whose size is more than its one piece.
    cut = {**piece, "size": piece["size"] + 10}
    text = json.dumps({**header, "events": 0, "head": None}) + "\n" + json.dumps(cut) + "\n"
    target = tmp_path / "new.db"
    code, out, err = cli("--db", str(target), "restore", "-", stdin=text)
    assert code == 3, (out, err)
    assert "ends inside document" in one_line_error(err)
    assert not target.exists()
