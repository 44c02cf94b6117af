"""`ledger restore`: an NDJSON backup back into an empty ledger, event for event (same seq,
recorded times and hashes); a backup that does not verify is refused naming its line, and
nothing is written."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from conftest import denied, ok, ref

from ledger_cli.app.service import Ledger
from ledger_cli.errors import LedgerError
from ledger_cli.interop import backup


def books() -> None:
    ok("deposit", "10000", "--date", "2026-03-01", "--payee", "Salary é")
    ok("check", "4000", "--date", "2026-03-03", "--payee", "Landlord", "-m", "rent")
    ok("open", "savings", "--date", "2026-03-01")
    transfer = ref("transfer", "500", "--from", "checking", "--to", "savings",
                   "--date", "2026-03-05")
    ok("void", transfer, "--reason", "oops")
    ok("deposit", "75.25", "--date", "2026-03-02", "--payee", "Late")
    ok("withdraw", "20", "--date", "2026-03-09")
    salary = json.loads(ok("history", "--json"))[0]["ref"]
    ok("clear", salary)  # a cleared mark: a read model of its own
    ok("fee", "2.50", "--date", "2026-03-10", "-m", "service")


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    books()
    path = tmp_path / "backup.ndjson"
    ok("export", "--format", "ndjson", "-o", str(path))
    return path


def test_round_trip_gives_the_same_log_audit_digest_and_answers(
    saved: Path, tmp_path: Path
) -> None:
    target = tmp_path / "restored.db"
    out = ok("--db", str(target), "restore", str(saved))
    digest = ok("digest").strip()
    assert out.startswith("Restored ")
    assert out.rstrip().endswith(f"digest {digest}")
    assert ok("--db", str(target), "digest").strip() == digest
    assert ok("--db", str(target), "audit", "--json") == ok("audit", "--json")
    assert ok("--db", str(target), "reconcile", "--json") == ok("reconcile", "--json")
    for query in (["balance", "--all", "--json"], ["history", "--json"],
                  ["balance", "--as-of", "2026-03-02", "--json"], ["balance", "--cleared"]):
        assert ok("--db", str(target), *query) == ok(*query)
    # The restored ledger goes on like the original: the next write chains after the head.
    then = ["deposit", "1", "--date", "2026-03-10"]
    assert ok("--db", str(target), *then) == ok(*then)  # the same ref, the same balance
    assert ok("--db", str(target), "reconcile").startswith("OK")


def test_restore_reads_standard_input_and_prints_json(saved: Path, tmp_path: Path) -> None:
    target = tmp_path / "restored.db"
    result = json.loads(ok("--db", str(target), "restore", "-", "--json",
                           stdin=saved.read_text(encoding="utf-8")))
    seq, hash_ = ok("digest").strip().split(":")
    assert result == {"path": str(target), "events": int(seq),
                      "head": {"seq": int(seq), "hash": hash_}}
    assert ok("--db", str(target), "audit", "--json") == ok("audit", "--json")


def test_a_known_at_backup_restores_the_log_as_it_was(tmp_path: Path, ledger_db: Path) -> None:
    ok("deposit", "100", "--date", "2026-03-01")
    digest = ok("digest").strip()
    with sqlite3.connect(ledger_db) as conn:
        recorded = conn.execute("SELECT max(recorded_at) FROM events").fetchone()[0]
    ok("deposit", "50", "--date", "2026-03-02")
    path = tmp_path / "then.ndjson"
    ok("export", "-f", "ndjson", "--known-at", recorded, "-o", str(path))
    ok("--db", str(tmp_path / "then.db"), "restore", str(path))
    assert ok("--db", str(tmp_path / "then.db"), "digest").strip() == digest


def test_restore_only_into_an_empty_ledger(saved: Path, ledger_db: Path) -> None:
    before = ok("audit", "--json")
    assert "already holds" in denied("restore", str(saved), code=1)
    assert ok("audit", "--json") == before
    empty = ledger_db.parent / "empty.db"
    empty.touch()
    ok("--db", str(empty), "restore", str(saved))


def test_what_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    target = ["--db", str(tmp_path / "new.db"), "restore"]
    assert "cannot read" in denied(*target, str(tmp_path / "missing.ndjson"), code=1)
    assert "it is a folder" in denied(*target, str(tmp_path), code=1)
    assert "not a ledger backup" in denied(*target, "-", stdin="", code=1)
    assert "line 1: not a ledger backup" in denied(
        *target, "-", stdin='{"date":"2026-03-01","type":"deposit","amount":"1"}\n', code=1)
    header = '{"format":"ledger-backup","version":3,"events":0,"head":null}\n'
    assert "version 3" in denied(*target, "-", stdin=header, code=1)
    assert not (tmp_path / "new.db").exists()


def test_an_empty_backup_restores_an_empty_ledger(tmp_path: Path) -> None:
    header = '{"format":"ledger-backup","version":1,"events":0,"head":null}\n'
    ok("--db", str(tmp_path / "new.db"), "restore", "-", stdin=header)


def corrupt(text: bytes, position: int) -> bytes:
    return text[:position] + bytes([text[position] ^ 0x01]) + text[position + 1:]


def line_of(text: bytes, position: int) -> int:
    return text[:position].count(b"\n") + 1


def test_one_byte_changed_is_refused_naming_its_line(saved: Path, tmp_path: Path) -> None:
    """Every byte counts: a sample of positions on every line, each bit-flipped, is refused
    with the number of the line that holds it, and no ledger file is created."""
    original = saved.read_bytes()
    rng = random.Random(7)
    starts = [0] + [i + 1 for i, byte in enumerate(original) if byte == ord("\n")][:-1]
    positions = {start + rng.randrange(0, 40) for start in starts}
    positions |= set(rng.sample(range(len(original)), 60)) | {len(original) - 1}
    target = tmp_path / "restored.db"
    bad = tmp_path / "bad.ndjson"
    for position in sorted(positions):
        bad.write_bytes(corrupt(original, position))
        with pytest.raises(LedgerError) as refused:
            backup.restore(Ledger(target), str(bad))
        message = str(refused.value)
        assert f"line {line_of(original, position)}" in message, (position, message)
        assert int(refused.value.exit_code) in (1, 3)
        assert "nothing was restored" in message
        assert not target.exists()


def test_a_changed_amount_is_an_integrity_failure_at_its_line(saved: Path) -> None:
    lines = saved.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if '"FundsDeposited"' in line)
    lines[number] = lines[number].replace('"amount":1000000', '"amount":1000001')
    message = denied("--db", str(saved.parent / "r.db"), "restore", "-", code=3,
                     stdin="".join(lines))
    assert f"line {number + 1} (seq {number}) does not verify" in message
    assert not (saved.parent / "r.db").exists()


def test_a_truncated_backup_is_refused(saved: Path) -> None:
    lines = saved.read_text(encoding="utf-8").splitlines(keepends=True)
    message = denied("--db", str(saved.parent / "r.db"), "restore", "-", code=3,
                     stdin="".join(lines[:-2]))
    assert "truncated" in message and "line 1" in message


def test_a_removed_line_is_a_gap(saved: Path) -> None:
    lines = saved.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[3]
    message = denied("--db", str(saved.parent / "r.db"), "restore", "-", code=3,
                     stdin="".join(lines))
    assert "line 4 (seq 4) does not verify: gap" in message


def test_a_transaction_across_a_batch_is_restored_whole(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer writes its rows in batches; a transaction of several rows (a transfer, its
    void, a clearing) that a batch boundary would cut is restored whole, with read models
    equal to the original's."""
    from ledger_cli.app import writer

    monkeypatch.setattr(writer, "BATCH", 1)  # a batch after every row it can
    target = tmp_path / "restored.db"
    ok("--db", str(target), "restore", str(saved))
    assert ok("--db", str(target), "reconcile", "--json") == ok("reconcile", "--json")
    for query in (["balance", "--all", "--json"], ["history", "-a", "savings", "--json"],
                  ["balance", "--cleared"]):
        assert ok("--db", str(target), *query) == ok(*query)


def test_a_backup_naming_an_unknown_currency_restores_it_as_the_default(tmp_path: Path) -> None:
    """A hand-made backup whose chain verifies may name a currency this version does not know;
    it restores, and counts as USD (as queries and the read models read it)."""
    from ledger_cli.store.base import GENESIS, Row
    from ledger_cli.store.chain import link_hash

    fields = (1, "T1", "AccountOpened", "travel", 0, 0, "2026-03-01",
              "2026-03-01T00:00:00.000000Z", '{"currency":"XXX","overdraft_limit":0}')
    row = Row(*fields, GENESIS, link_hash(GENESIS, fields))
    path = tmp_path / "made.ndjson"
    header = {"format": "ledger-backup", "version": 1, "events": 1,
              "head": {"seq": 1, "hash": row.hash}}
    path.write_text(json.dumps(header) + "\n" + json.dumps(row._asdict()) + "\n")
    target = tmp_path / "restored.db"
    assert ok("--db", str(target), "restore", str(path)).startswith("Restored 1 events")
    assert ok("--db", str(target), "balance", "-a", "travel") == "travel: 0.00 USD\n"
