"""The records that queries answer with and the view prints: an account, a balance, a line of
the register, the answer of `diff`. (A record made by one module alone lives beside it:
`Reconciliation` in verify.py, `Series` in series.py; what a write did is in outcomes.py.)
Nothing here prints.

Records are named tuples: immutable, and quick to make by the million (a register line per
row). Defining one costs about a tenth of a millisecond, and every command's start-up pays
for the classes it loads, so a module holds the records its readers need together.
"""

# No postponed annotations: typing.NamedTuple would compile each string annotation into a
# ForwardRef, doubling what defining a record costs at every start-up (see store/base.py).

from datetime import date
from typing import Any, NamedTuple

from ledger_cli.domain.money import Currency
from ledger_cli.store.base import Row


class AccountInfo(NamedTuple):
    name: str
    currency: Currency
    opened_on: str
    closed: bool


class Balance(NamedTuple):
    account: str
    currency: Currency
    balance: int
    as_of: date | None
    known_at: str | None  # the knowledge time it answers from (Queries.knowledge)
    cleared: bool = False  # only the entries the bank has (cleared or reconciled)
    known_given: bool = False  # --known-at was given (the text then says known at when)


class RegisterLine(NamedTuple):
    """One row of the register: a money-moving event and the running balance after it."""

    row: Row
    details: dict[str, Any]
    balance: int
    status: str = ""  # "" | "c" cleared | "R" reconciled with a statement
    voided_by: str | None = None  # the void that cancels this entry, as known then
    # A void's (or a void reversal's) payee when its own details have none: the payee of the
    # entry it concerns, so that a register filtered by payee sums to the right amount.
    payee: str | None = None
    category: str | None = None  # as known then; None for a transfer, or a split:
    split: str | None = None  # its parts, "cat=minor;cat=minor" (categories.decode_split)
    documents: tuple[str, ...] = ()  # the SHA-256 of each document attached to it, as known then


class Difference(NamedTuple):
    """The answer of `diff`: an account's balance as of a day at two knowledge times, and
    the events recorded in between that explain the change."""

    account: AccountInfo
    as_of: date | None
    known_at: str  # both knowledge times as reported (Queries.knowledge)
    to_known_at: str
    before: int
    after: int
    rows: list[Row]
