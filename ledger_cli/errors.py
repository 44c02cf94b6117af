"""The one exception hierarchy of the tool, each class carrying its exit code (the README's "Exit
codes").

Only the CLI entry point turns these into a message and an exit status; every other layer
raises them, translating foreign errors (sqlite3, OSError) where they happen.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    DENIED = 1
    INTEGRITY = 3
    STORAGE = 4
    INTERNAL = 70
    OUTPUT = 74
    # 2 (usage) is click's own; 130 (SIGINT) and 143 (SIGTERM) are interrupts.Interrupted's.


class LedgerError(Exception):
    """Base of every error a user can cause; `str(error)` is the one line shown to them."""

    exit_code: ExitCode = ExitCode.DENIED


class Denied(LedgerError):
    """A command was validated against the current state and refused; nothing was written."""


class InvalidValue(LedgerError):
    """A value given on the command line is not valid (amount, date, account name, reference)."""


class NoLedger(LedgerError):
    """A query named a ledger file that does not exist (queries never create one)."""


class IntegrityFailure(LedgerError):
    """`reconcile` or `audit` found a broken running-balance or hash chain."""

    exit_code = ExitCode.INTEGRITY


class StorageError(LedgerError):
    """The file is unreadable, not a ledger, from a newer version, or locked past the timeout."""

    exit_code = ExitCode.STORAGE


class OutputError(LedgerError):
    """The answer could not be written (a full disk, a closed stdout). A write command that
    got this far was recorded, and the message says under which reference."""

    exit_code = ExitCode.OUTPUT
