"""The fast pass of reconcile (store/sqlite/fastcheck.py) against the Python verifier
(store/chain.py), with small chunks and forced parallel ranges, so that every chunk and range
boundary is exercised: it must call a log clean exactly when the verifier finds nothing, and
give the same balances."""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit, OpenAccount, Transfer, Void, Withdraw, WriteCheck
from ledger_cli.errors import Denied
from ledger_cli.store import base, chain
from ledger_cli.store.sqlite import fastcheck

DAY = date(2026, 3, 1)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fastcheck") / "ledger.db"
    ledger = Ledger(path)
    ledger.execute(OpenAccount("checking", DAY))
    ledger.execute(OpenAccount("savings", DAY))
    rng = random.Random(7)
    for n in range(70):
        on = DAY + timedelta(days=rng.randrange(20))
        choice = rng.randrange(5)
        try:
            if choice == 0:
                ledger.execute(Deposit(f"{rng.randrange(1, 500)}.{n % 100:02d}", on))
            elif choice == 1:
                ledger.execute(WriteCheck(str(rng.randrange(1, 50)), on, payee=f"p{n}"))
            elif choice == 2:
                ledger.execute(Withdraw("3", on, memo='quote " and \\ back'))
            elif choice == 3:
                ledger.execute(Transfer("7", on, "checking", "savings"))
            else:
                ledger.execute(Void(f"T{rng.randrange(3, n + 3)}"))
        except Denied:
            pass
    return path


def fast(path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool) -> dict[str, int] | None:
    monkeypatch.setattr(fastcheck, "CHUNK", 7)
    monkeypatch.setattr(fastcheck, "_PARALLEL_FROM", 1 if parallel else 10**9)
    conn = sqlite3.connect(path)
    try:
        head = conn.execute("SELECT max(seq) FROM events").fetchone()[0]
        return fastcheck.log_is_clean(conn, head, None, str(path) if parallel else None)
    finally:
        conn.close()


def verified(path: Path) -> chain.Verifier:
    conn = sqlite3.connect(path)
    try:
        rows = [base.Row(*row) for row in conn.execute(
            f"SELECT {', '.join(base.COLUMNS)} FROM events ORDER BY seq"
        )]
    finally:
        conn.close()
    return chain.verify(rows)


@pytest.mark.parametrize("parallel", [False, True])
def test_a_clean_log_is_clean_with_the_verifiers_balances(
    template: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    verifier = verified(template)
    assert not verifier.findings
    assert fast(template, monkeypatch, parallel) == verifier.balances


def _tampered(template: Path, tmp_path: Path, *statements: str) -> Path:
    path = tmp_path / "tampered.db"
    shutil.copy(template, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DROP TRIGGER events_append_at_head")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path


def _relink(path: Path, start: int) -> None:
    """Recompute every hash from `start` on, as a careful forger would."""
    conn = sqlite3.connect(path)
    rows = [base.Row(*row) for row in conn.execute(
        f"SELECT {', '.join(base.COLUMNS)} FROM events ORDER BY seq"
    )]
    previous = rows[start - 2].hash if start > 1 else base.GENESIS
    for row in rows[start - 1:]:
        fixed = row._replace(prev_hash=previous)
        digest = chain.link_hash(previous, fixed)
        conn.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (previous, digest, row.seq)
        )
        previous = digest
    conn.commit()
    conn.close()


TAMPERS = {
    "amount": ["UPDATE events SET amount = amount - 1 WHERE seq = {seq} AND amount < 0"],
    "balance": ["UPDATE events SET balance = balance + 1 WHERE seq = {seq}"],
    "payee": ["UPDATE events SET details = '{{\"payee\":\"x\"}}' WHERE seq = {seq}"],
    "date": ["UPDATE events SET date = '2026-02-30' WHERE seq = {seq}"],
    "recorded": ["UPDATE events SET recorded_at = '2000-01-01T00:00:00.000000Z' WHERE seq = {seq}"],
    "delete": ["DELETE FROM events WHERE seq = {seq}"],
    "hash": ["UPDATE events SET hash = replace(hash, substr(hash, 1, 1), 'g') WHERE seq = {seq}"],
}


@pytest.mark.parametrize("relink", [False, True])
@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_a_tampered_log_is_never_called_clean(
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    parallel: bool,
    relink: bool,
) -> None:
    head = verified(template).head_seq
    for seq in (1, 7, 8, 15, head // 2, head // 2 + 1, head - 1, head):
        statements = [s.format(seq=seq) for s in TAMPERS[kind]]
        path = _tampered(template, tmp_path, *statements)
        if relink and kind not in ("delete", "hash"):
            _relink(path, seq)
        findings = verified(path).findings
        answer = fast(path, monkeypatch, parallel)
        if findings:
            assert answer is None, (kind, seq, findings)
        else:  # the tamper happened to change nothing (e.g. no negative amount there)
            assert answer == verified(path).balances
