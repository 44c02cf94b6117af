"""Which ledger a command works on: `--db`, else the environment variable LEDGER_DB, else
`ledger.db` in the platform's user data folder (created, 0700, on the first write). An empty
`--db` or LEDGER_DB is an error, never the default file: a script whose variable came out
empty must not write into the user's own books."""

import os
from pathlib import Path

from ledger_cli.errors import InvalidValue


class LedgerFile:
    """The file a command works on; only the default location's folder may be created."""

    __slots__ = ("path", "create_folder")

    def __init__(self, path: Path, create_folder: bool) -> None:
        self.path = path
        self.create_folder = create_folder


def ledger_file(db: Path | str | None) -> LedgerFile:
    """The ledger `--db` names, else LEDGER_DB, else ledger.db in the platform's user data
    folder. InvalidValue when the one given is empty (or only blanks)."""
    if db is not None:
        if not str(db).strip():
            raise InvalidValue("--db is empty: give the ledger file")
    else:
        db = os.environ.get("LEDGER_DB")
        if db is not None and not db.strip():
            raise InvalidValue(
                "LEDGER_DB is set but empty: set it to a ledger file, or unset it to use the "
                "default one"
            )
    if db is not None:
        return LedgerFile(Path(db).expanduser(), create_folder=False)
    from platformdirs import user_data_path

    return LedgerFile(user_data_path("ledger", appauthor=False) / "ledger.db", True)
