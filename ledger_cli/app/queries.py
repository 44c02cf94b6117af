"""The queries: questions asked of one moment of the log (balance, history, audit, diff, the
head, and what the exports and completion read). Nothing here writes, and nothing here imports
the write side (commands, decider). The moment itself is snapshot.py's, the register
register.py's; `report` (report.py) and the categories' settings (categories.py) take a
Queries too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING

from ledger_cli.app.register import Register
from ledger_cli.app.results import AccountInfo, Balance, Difference
from ledger_cli.domain.dates import format_recorded, now_utc
from ledger_cli.domain.events import MONEY_TYPES
from ledger_cli.errors import InvalidValue
from ledger_cli.store.backends import open_store
from ledger_cli.store.base import Order, Progress, Row, RowFilter
from ledger_cli.store.url import Location

if TYPE_CHECKING:
    from ledger_cli.app.verify import Reconciliation


@contextmanager
def read(path: Location, *, damaged_ok: bool = False) -> Iterator[Queries]:
    """A read-only view of one moment of the ledger; a missing file is NoLedger, never
    created. `damaged_ok` lets `reconcile` look at a log whose table was rebuilt."""
    with open_store(path, write=False, damaged_ok=damaged_ok) as store, store.snapshot():
        yield Queries(store)


class Queries(Register):
    """Questions asked of the log. Nothing here writes."""

    def balance(
        self, name: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> Balance:
        return self._balance(self.account(name, known_at), as_of, known_at)

    def balances(
        self, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[Balance]:
        known = self._accounts_known(known_at)
        return [self._balance(known[name], as_of, known_at) for name in sorted(known)]

    def _balance(self, info: AccountInfo, as_of: date | None, known_at: datetime | None) -> Balance:
        known = self.known_text(known_at)
        total = self._sum(info.name, as_of, known)
        return Balance(
            info.name, info.currency, total, as_of, self.knowledge(known_at),
            known_given=known_at is not None,
        )

    def diff(
        self, name: str, as_of: date | None, known_at: datetime, to_known_at: datetime | None
    ) -> Difference:
        """Why the balance of `name` as of `as_of` differs between two knowledge times
        (`to_known_at` None: everything recorded): both balances, and the money-moving
        events recorded in between that are effective by then. Both times are compared and
        reported as `knowledge` resolves them; the later must not be before the earlier."""
        earlier, later = self._diff_times(known_at, to_known_at)
        info = self.account(name, to_known_at)
        before = self._sum(name, as_of, earlier)
        after = self._sum(name, as_of, later)
        rows = self._store.rows(
            RowFilter(
                account=name, as_of=as_of, known_at=later, unknown_at=earlier, types=MONEY_TYPES
            )
        )
        return Difference(info, as_of, earlier, later, before, after, list(rows))

    def _diff_times(self, known_at: datetime, to_known_at: datetime | None) -> tuple[str, str]:
        """The two knowledge times of a diff, resolved (`knowledge`). Refused when the later
        given is before the earlier, once both are resolved: two times after the head know
        the same. (Without `to_known_at` the later is the head's time, never before.)"""
        now = format_recorded(now_utc())
        earlier = self.knowledge(known_at) or now  # only an empty log knows nothing
        later = self.knowledge(to_known_at) or max(now, earlier)
        if later < earlier:
            raise InvalidValue(f"--to-known-at {later} is before --known-at {earlier}")
        return earlier, later

    def diffs(
        self, as_of: date | None, known_at: datetime, to_known_at: datetime | None
    ) -> list[Difference]:
        self._diff_times(known_at, to_known_at)
        known = self._accounts_known(to_known_at)
        return [self.diff(name, as_of, known_at, to_known_at) for name in sorted(known)]

    def audit(
        self, *, as_of: date | None = None, known_at: datetime | None = None
    ) -> Iterator[Row]:
        """Every event in append order, effective by `as_of`, recorded by `known_at`."""
        known = self.known_text(known_at)
        return self._store.rows(RowFilter(as_of=as_of, known_at=known))

    def log(self, known_at: datetime | None = None) -> tuple[Row | None, Iterator[Row]]:
        """The last row recorded by `known_at` (None: an empty log), and every row up to it:
        the log as it was then, for a backup."""
        where = RowFilter(known_at=self.known_text(known_at))
        head = next(self._store.rows(where, order=Order.LOG_NEWEST, limit=1), None)
        return head, self._store.rows(where)

    def transaction(self, ref: str) -> list[Row]:
        """The rows of one transaction, in seq order."""
        return list(self._store.rows(RowFilter(ref=ref)))

    def latest_entries(self, limit: int) -> Iterator[Row]:
        """The newest money-moving rows, newest first, at most `limit`."""
        return self._store.rows(RowFilter(types=MONEY_TYPES), order=Order.LOG_NEWEST, limit=limit)

    def reconcile(
        self, digest: tuple[int, str] | None = None, progress: Progress | None = None
    ) -> Reconciliation:
        """Verify the whole log (verify.py)."""
        from ledger_cli.app.verify import reconcile

        return reconcile(self._store, digest, progress, read_models=self._fast)
