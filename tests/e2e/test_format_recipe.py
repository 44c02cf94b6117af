"""docs/FORMAT.md's verification recipe, run word for word against a ledger the tool wrote."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import REPO

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import Deposit, OpenAccount, Transfer, Void, WriteCheck
from ledger_cli.domain.dates import parse_date

FORMAT = REPO / "docs" / "FORMAT.md"


def recipe() -> str:
    blocks = re.findall(r"```python\n(.*?)```", FORMAT.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "FORMAT.md must hold exactly one python recipe"
    return blocks[0]


def write_sample(path: Path) -> str:
    ledger = Ledger(path)
    day = parse_date("2026-03-01")
    ledger.execute(Deposit("10000", day, payee="Café Ünïcode \"quoted\""))
    ledger.execute(WriteCheck("4000", day, payee="Landlord", memo="rent\tmarch"))
    ledger.execute(OpenAccount("savings", day))
    moved = ledger.execute(Transfer("500", day, "checking", "savings", memo="[red]x[/red]"))
    ledger.execute(Void(moved.ref, reason="mistake"))
    with ledger.query() as q:
        seq, head = q.head()
    return f"{seq}:{head}"


def run_recipe(tmp_path: Path, db: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "verify.py"
    script.write_text(recipe(), encoding="utf-8")
    return subprocess.run([sys.executable, str(script), str(db)], capture_output=True,
                          text=True, timeout=60)


def test_recipe_verifies_a_ledger_the_tool_wrote(tmp_path: Path, ledger_db: Path) -> None:
    head = write_sample(ledger_db)
    result = run_recipe(tmp_path, ledger_db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"OK 8 events, head {head}"


def test_recipe_catches_an_edited_amount(tmp_path: Path, ledger_db: Path) -> None:
    write_sample(ledger_db)
    with sqlite3.connect(ledger_db) as conn:
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("UPDATE events SET amount = -390000, balance = 610000 WHERE seq = 3")
    result = run_recipe(tmp_path, ledger_db)
    assert result.returncode == 1
    assert result.stderr.strip() == "hash chain broken at seq 3"


def test_format_documents_the_schema_the_tool_creates(ledger_db: Path) -> None:
    write_sample(ledger_db)
    with sqlite3.connect(ledger_db) as conn:
        (ddl,) = conn.execute("SELECT sql FROM sqlite_schema WHERE name = 'events'").fetchone()
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    text = FORMAT.read_text(encoding="utf-8")
    assert " ".join(ddl.split()) in " ".join(text.split())
    assert f"`{app_id}`" in text
