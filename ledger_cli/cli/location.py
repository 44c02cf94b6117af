"""Which ledger a command works on: `--db`, else the environment variable LEDGER_DB, else
`ledger.db` in the platform's user data folder (created, 0700, on the first write)."""

import os
from pathlib import Path


class LedgerFile:
    """The file a command works on; only the default location's folder may be created."""

    __slots__ = ("path", "create_folder")

    def __init__(self, path: Path, create_folder: bool) -> None:
        self.path = path
        self.create_folder = create_folder


def ledger_file(db: Path | str | None) -> LedgerFile:
    """The ledger `--db` names, else LEDGER_DB, else ledger.db in the platform's user data
    folder."""
    if db is None:
        db = os.environ.get("LEDGER_DB") or None
    if db is not None:
        return LedgerFile(Path(db).expanduser(), create_folder=False)
    from platformdirs import user_data_path

    return LedgerFile(user_data_path("ledger", appauthor=False) / "ledger.db", True)
