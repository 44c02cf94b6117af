"""The register's categories and filters (SPEC 11): the category each line of `history` has,
as known at the moment asked about, and which lines `--category`, `--payee`, `--search`,
`--min` and `--max` keep. The running balance of a kept line still counts every entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ledger_cli.app.projections import parse_details
from ledger_cli.app.results import RegisterLine
from ledger_cli.domain.categories import UNCATEGORIZED, decode_split, within
from ledger_cli.domain.events import CATEGORY_TYPES, TRANSFER_TYPES, EventType
from ledger_cli.domain.money import Currency, parse_amount
from ledger_cli.errors import InvalidValue

if TYPE_CHECKING:
    from ledger_cli.app.snapshot import Snapshot

_VOIDS = (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)


class LineFilter(NamedTuple):
    """What `history` keeps; amounts as typed (read in each account's currency)."""

    category: str | None = None  # a prefix: the category or one of its children
    payee: str | None = None  # contained in the payee, any case
    search: str | None = None  # contained in the payee or the memo, any case
    minimum: str | None = None  # on the absolute amount
    maximum: str | None = None

    def test(self, cur: Currency) -> Callable[[RegisterLine], bool]:
        """The test of a line of an account in `cur`."""
        low = None if self.minimum is None else _amount(self.minimum, cur, "--min")
        high = None if self.maximum is None else _amount(self.maximum, cur, "--max")
        if low is not None and high is not None and low > high:
            raise InvalidValue(
                f"--min {self.minimum} is more than --max {self.maximum}: nothing could match"
            )
        payee = None if self.payee is None else self.payee.casefold()
        search = None if self.search is None else self.search.casefold()

        def keep(line: RegisterLine) -> bool:
            amount = abs(line.row.amount)
            if low is not None and amount < low or high is not None and amount > high:
                return False
            who = str(line.details.get("payee") or line.payee or "").casefold()
            if payee is not None and payee not in who:
                return False
            if search is not None:
                memo = str(line.details.get("memo") or "").casefold()
                if search not in who and search not in memo:
                    return False
            if self.category is not None:
                names = (
                    [name for name, _ in decode_split(line.split)]
                    if line.split is not None
                    else [line.category] if line.category is not None else []
                )
                if not any(within(name, self.category) for name in names):
                    return False
            return True

        return keep


def _amount(text: str, cur: Currency, what: str) -> int:
    return parse_amount(text, cur, what=what, allow_zero=True)


class Categories:
    """The category of each register line as known at a moment: the last TransactionCategorized
    of its transaction recorded by then (`overrides`), else its own. A void and a reversal
    name the category of what they concern; one recorded before categories existed names
    none, and takes that of its entry (`entry_details`: the details of a ref's entry)."""

    def __init__(
        self,
        overrides: dict[str, dict[str, object]],
        entry_details: Callable[[str], tuple[str, dict[str, object]] | None],
    ) -> None:
        self._overrides = overrides
        self._entry = entry_details
        self._targets: dict[str, tuple[str | None, str | None]] = {}

    def of(self, ref: str, kind: str, details: dict[str, object]) -> tuple[str | None, str | None]:
        """(category, split) of an event; (None, None) for a transfer, which has none."""
        if kind in TRANSFER_TYPES:
            return None, None
        chosen = self._overrides.get(ref, details)
        if "split" in chosen:
            return None, str(chosen["split"])
        if "category" in chosen:
            return str(chosen["category"]), None
        target = details.get("voids") or details.get("restores")
        if kind in _VOIDS and isinstance(target, str):
            if target not in self._targets:
                found = self._entry(target)
                self._targets[target] = (
                    (None, None) if found is None else self.of(target, found[0], found[1])
                )
            return self._targets[target]
        return UNCATEGORIZED, None

    def line(self, line: RegisterLine) -> RegisterLine:
        category, split = self.of(line.row.ref, line.row.type, line.details)
        return line._replace(category=category, split=split)


def recategorized(
    snapshot: Snapshot, known: str | None, account: str | None = None
) -> dict[str, dict[str, object]]:
    """ref -> the details of the last TransactionCategorized of it recorded by `known` (of
    the entries of `account`, or of every account)."""
    found: dict[str, dict[str, object]] = {}
    # All the types of the partial index, so that SQLite uses it (its WHERE must read the same).
    for row in snapshot.store.rows(snapshot.known_filter(known, CATEGORY_TYPES)):
        if row.type == EventType.TRANSACTION_CATEGORIZED and account in (None, row.account):
            details = parse_details(row.details)
            found[str(details.get("categorizes"))] = details
    return found
