"""`ledger export`: the ledger written for the tools around it, streamed line by line as it is
read: the register as CSV (registercsv.py), the event log as the NDJSON backup that `restore`
reads (backup.py), and the books as an hledger journal or a beancount file (journal.py)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import IO

from ledger_cli.app.queries import Queries
from ledger_cli.errors import InvalidValue

FORMATS = ("csv", "ndjson", "hledger", "beancount")

# The format an -o file's name implies when --format is not given.
SUFFIXES = {
    ".csv": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".journal": "hledger",
    ".hledger": "hledger",
    ".ledger": "hledger",
    ".beancount": "beancount",
    ".bean": "beancount",
}


def choose_format(given: str | None, output: str | None) -> str:
    """The format `--format` names, else the one the -o file's name implies."""
    if given is None:
        given = SUFFIXES.get(Path(output).suffix.lower()) if output else None
        if given is None:
            raise InvalidValue(f"give --format: one of {', '.join(FORMATS)}")
    fmt = given.strip().lower()
    if fmt not in FORMATS:
        raise InvalidValue(f"--format {given!r} is not one of {', '.join(FORMATS)}")
    return fmt


def export(
    q: Queries,
    fmt: str,
    out: IO[str],
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    documents: Path | None = None,
) -> None:
    """Write the ledger that `q` reads to `out` in `fmt`, as of a day and as known at a time;
    for beancount, with its documents written into the folder `documents`."""
    if documents is not None and fmt != "beancount":
        raise InvalidValue("--documents goes with --format beancount")
    if fmt == "ndjson":
        from ledger_cli.interop import backup

        if as_of is not None:
            raise InvalidValue(
                "--as-of cannot be used with --format ndjson: a backup is the whole log "
                "(--known-at gives the log as it was at a time)"
            )
        backup.write(q, out, known_at)
    elif fmt == "csv":
        from ledger_cli.interop import registercsv

        registercsv.write(q, out, as_of, known_at)
    else:
        from ledger_cli.interop import beancount, hledger
        from ledger_cli.interop.journal import Journal

        journal = Journal(q, as_of, known_at)
        if fmt == "hledger":
            hledger.write(journal, out)
        else:
            beancount.write(journal, out, documents_folder(documents))


def documents_folder(given: Path | None) -> Path | None:
    """The folder `--documents` names, created when its parent exists."""
    if given is None:
        return None
    folder = given.expanduser()
    try:
        folder.mkdir(exist_ok=True)
    except FileExistsError:
        raise InvalidValue(f"--documents {given}: not a folder") from None
    except OSError as error:
        raise InvalidValue(f"--documents {given}: {error.strerror or error}") from None
    return folder
