"""Shared fixtures. Every test gets its own ledger file: no test touches a real home."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def ledger_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point LEDGER_DB at a fresh file in a temporary folder; keep HOME away from the user's."""
    path = tmp_path / "ledger.db"
    monkeypatch.setenv("LEDGER_DB", str(path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    monkeypatch.delenv("LEDGER_DEBUG", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("NO_COLOR", "1")
    yield path


def ledger_executable() -> str:
    """The installed `ledger` console script, next to the running interpreter."""
    candidate = Path(sys.executable).parent / "ledger"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("ledger")
    if found is None:
        pytest.fail("the `ledger` console script is not installed (pip install -e '.[test]')")
    return found


@pytest.fixture
def run_ledger(ledger_db: Path) -> object:
    """Run the installed `ledger` in a subprocess: `run_ledger("deposit", "10")`."""

    def run(*args: str, db: Path | None = None, check: bool = False,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environ = dict(os.environ)
        environ["LEDGER_DB"] = str(db or ledger_db)
        environ.update(env or {})
        return subprocess.run(
            [ledger_executable(), *args], capture_output=True, text=True, env=environ,
            check=check, timeout=60,
        )

    return run
