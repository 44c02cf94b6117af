"""The gentle reminder (SPEC 12): after a write and after `balance`, one line on stderr when
scheduled entries are due ("2 scheduled entries are due: ledger due"). Only for a person at a
terminal: never with --json, never when stderr is not a terminal, never with
LEDGER_NO_REMINDERS=1; and never a failure of its own (whatever goes wrong, it says nothing)."""

import os
import sys

from ledger_cli.store.url import Location


def wanted(as_json: bool) -> bool:
    """Whether a reminder may be printed at all: checked before the ledger is read."""
    if as_json or os.environ.get("LEDGER_NO_REMINDERS", "").strip() not in ("", "0"):
        return False
    stream = sys.stderr
    return stream is not None and stream.isatty()


def remind(path: Location, as_json: bool) -> None:
    """The reminder for the ledger at `path`, when one is wanted and something is due."""
    if not wanted(as_json):
        return
    try:
        from ledger_cli.app.queries import read
        from ledger_cli.app.schedules import overdue
        from ledger_cli.domain.dates import today

        with read(path) as q:
            count = overdue(q, today())
        if count:
            from ledger_cli.view.schedules import reminder_line

            sys.stderr.write(f"ledger: {reminder_line(count)}\n")
            sys.stderr.flush()
    except Exception:  # a reminder never fails a command that did its work
        return
