"""Which ledger a command works on: `--db`, else the environment variable LEDGER_DB, else
`ledger.db` in the platform's user data folder (created, 0700, on the first write). `--db`
and LEDGER_DB may also be a PostgreSQL URL (store/url.py). An empty
`--db` or LEDGER_DB is an error, never the default file: a script whose variable came out
empty must not write into the user's own books."""

import os
from pathlib import Path

from ledger_cli.errors import InvalidValue
from ledger_cli.store.url import DatabaseUrl, Location, is_database_url


class LedgerFile:
    """The ledger a command works on (a file, or a database URL); only the default
    location's folder may be created."""

    __slots__ = ("path", "create_folder")

    def __init__(self, path: Location, create_folder: bool) -> None:
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
    if db is not None and is_database_url(str(db)):
        return LedgerFile(DatabaseUrl(str(db)), create_folder=False)
    if db is not None:
        return LedgerFile(Path(db).expanduser(), create_folder=False)
    from platformdirs import user_data_path

    return LedgerFile(user_data_path("ledger", appauthor=False) / "ledger.db", True)
