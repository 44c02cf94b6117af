"""One moment of the log, as the queries see it: its head, the knowledge times a report answers
from, the accounts as known at any time, and each account's balance summed from the read models
(or from the log when they do not describe the moment asked about). The queries (queries.py,
register.py, report.py) build on it; nothing here writes.

The read models answer when they describe exactly the log (their position is its head);
otherwise, and for what they do not hold, the log itself is read. Either way the answer is
the same (tests/app/test_read_models.py).
"""

from __future__ import annotations

from datetime import date, datetime

from ledger_cli.app import projections
from ledger_cli.app.results import AccountInfo
from ledger_cli.domain.accounts import check_account_name, unknown_account
from ledger_cli.domain.dates import format_recorded, now_utc
from ledger_cli.domain.events import ACCOUNT_TYPES
from ledger_cli.domain.money import stored_currency
from ledger_cli.errors import Denied
from ledger_cli.store.base import Row, RowFilter, Store


class Snapshot:
    """One moment of the log. Nothing here writes."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._head = store.head()
        # The read models answer only when they describe exactly this log (readmodels.py).
        self._fast = store.read_models_current()
        self._rows_of_accounts: list[Row] | None = None
        if self._fast:
            self.accounts = {
                record.name: AccountInfo(
                    record.name,
                    stored_currency(record.currency),
                    record.opened_on,
                    record.closed,
                )
                for record in store.accounts()
            }
        else:
            self.accounts = projections.accounts(self._account_rows())

    def _account_rows(self) -> list[Row]:
        """The log's AccountOpened and AccountClosed rows (what it knew of them when)."""
        if self._rows_of_accounts is None:
            rows = self._store.rows(RowFilter(types=ACCOUNT_TYPES))
            self._rows_of_accounts = list(rows)
        return self._rows_of_accounts

    def head(self) -> tuple[int, str]:
        return self._head.seq, self._head.hash

    def knowledge(self, known_at: datetime | None) -> str | None:
        """The knowledge time a report answers from, in the stored form that `--known-at`
        takes back (every JSON report carries it as `known_at`), so that the same query given
        it as `--known-at` reproduces the report exactly, whatever was recorded since.

        Without `known_at`: the head's recorded time (None for an empty log: nothing is
        known). A `known_at` before the head: that instant. One at or after the head (`now`,
        `today`, a day in the future): the head's recorded time, since nothing was recorded
        after it, while the instant given would take in what is recorded later; on an
        empty log, this instant (whatever is recorded later is recorded after it)."""
        head = self._head.recorded_at
        if known_at is None:
            return head or None
        given = format_recorded(known_at)
        return min(given, head or format_recorded(now_utc()))

    @property
    def store(self) -> Store:
        """The store these queries read (for the query modules beside this one)."""
        return self._store

    def accounts_known(self, known_at: datetime | None) -> dict[str, AccountInfo]:
        """The accounts as the ledger knew them at `known_at` (None: now)."""
        return self._accounts_known(known_at)

    @staticmethod
    def known_text(known_at: datetime | None) -> str | None:
        """A knowledge time in the stored form of recorded times."""
        return format_recorded(known_at) if known_at else None

    def reads_now(self, known: str | None) -> bool:
        """Whether the read models answer for what was known at `known`: they are current,
        and nothing was recorded after `known`."""
        return self._fast and self._cut(known) == self._head.seq

    def known_filter(self, known: str | None, types: tuple[str, ...]) -> RowFilter:
        """The rows of `types` recorded by `known` (by seq when the read models are current:
        recorded times only grow in an intact log)."""
        if self._fast:
            return RowFilter(seqs=(1, self._cut(known)), types=types)
        return RowFilter(known_at=known, types=types)

    @property
    def uses_read_models(self) -> bool:
        """Whether the read models answer: they describe exactly this log."""
        return self._fast

    def account(self, name: str, known_at: datetime | None = None) -> AccountInfo:
        """The account `name` as the ledger knew it at `known_at` (default: now)."""
        check_account_name(name)
        known = self._accounts_known(known_at)
        found = known.get(name)
        if found is None:
            if known_at is not None and name in self.accounts:
                raise Denied(
                    f"no account '{name}' at {format_recorded(known_at)}; it was opened later"
                )
            raise Denied(unknown_account(name, list(known)))
        return found

    def _accounts_known(self, known_at: datetime | None) -> dict[str, AccountInfo]:
        if known_at is None:
            return self.accounts
        known = format_recorded(known_at)
        return projections.accounts(
            row for row in self._account_rows() if row.recorded_at <= known
        )

    def balance_at(self, name: str, as_of: date | None, known: str | None) -> int:
        """The balance of `name` as of `as_of` (None: every entry), as known at `known`
        (the stored form)."""
        return self._sum(name, as_of, known)

    def cut(self, known: str | None) -> int:
        """The last seq recorded at or before `known` (None: the head)."""
        return self._cut(known)

    def account_rows(self) -> list[Row]:
        """The log's AccountOpened and AccountClosed rows."""
        return self._account_rows()

    def _sum(self, name: str, as_of: date | None, known: str | None) -> int:
        """The balance of `name` as of `as_of` (None: every entry), as known at `known`.

        From the read models when they are current: the day totals give the balance as it is
        known now, and what was recorded after `known` (found by seq, since recorded times
        only grow) is taken back out; whichever side of the cut is shorter is summed."""
        store = self._store
        if not self._fast:
            return store.total(RowFilter(account=name, as_of=as_of, known_at=known))
        head = self._head.seq
        cut = self._cut(known)
        if cut < head and cut < head - cut:
            return store.total(RowFilter(account=name, as_of=as_of, seqs=(1, cut)))
        now = store.balance(name) if as_of is None else store.balance_by_day(name, as_of)
        if now is None:
            return store.total(RowFilter(account=name, as_of=as_of, known_at=known))
        if cut == head:
            return now
        return now - store.total(RowFilter(account=name, as_of=as_of, seqs=(cut + 1, head)))

    def _cut(self, known: str | None) -> int:
        """The last seq recorded at or before `known` (binary search: recorded times never
        go backwards in an intact log)."""
        head = self._head
        if known is None or head.recorded_at <= known:
            return head.seq
        low, high = 0, head.seq
        while low < high:
            middle = (low + high + 1) // 2
            row = self._store.row_at(middle)
            if (row.recorded_at if row else "") <= known:
                low = middle
            else:
                high = middle - 1
        return low
