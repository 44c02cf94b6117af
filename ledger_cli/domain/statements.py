"""The records of a bank statement reconciliation: a row of the bank's statement, and an entry of
the register as a statement sees it."""

# No postponed annotations: typing.NamedTuple would compile each string annotation into a
# ForwardRef, doubling what defining a record costs at every start-up (see store/base.py).

from datetime import date
from typing import NamedTuple


class StatementRow(NamedTuple):
    """One row of a bank's statement, with the fingerprint that recognises it later. A row
    with a `problem` cannot be recorded (an amount or date that cannot be read, another
    currency, ...): it is denied, and its date and amount are None where they could not be
    read."""

    line: int  # the line of the file the row starts on
    date: date | None
    amount: int | None  # signed minor units: money in is positive
    description: str
    number: int | None
    fingerprint: str
    problem: str | None = None
    document: str = ""  # a file the row names (a Receipt column), resolved beside the file


class Entry(NamedTuple):
    """One money-moving entry of an account, as a statement sees it."""

    seq: int
    ref: str
    type: str
    date: date
    amount: int
    number: int | None
    payee: str | None
    status: str
    void: bool = False  # cancels out with its void before the bank had it: matches no row
