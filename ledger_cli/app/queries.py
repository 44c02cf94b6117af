"""The queries: questions asked of one moment of the log (balance, history, audit, diff, the
head, and what the exports and completion read). Nothing here writes, and nothing here imports
the write side (commands, decider).

The read models answer when they describe exactly the log (their position is its head);
otherwise, and for what they do not hold, the log itself is read. Either way the answer is
the same (tests/app/test_read_models.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ledger_cli.app import projections
from ledger_cli.app.results import AccountInfo, Balance, Difference, RegisterLine
from ledger_cli.domain.accounts import check_account_name, unknown_account
from ledger_cli.domain.dates import format_recorded
from ledger_cli.domain.events import ACCOUNT_TYPES, MONEY_TYPES, STATUS_TYPES
from ledger_cli.domain.money import stored_currency
from ledger_cli.errors import Denied
from ledger_cli.store.backends import open_store
from ledger_cli.store.base import Order, Progress, Row, RowFilter, Store

if TYPE_CHECKING:
    from ledger_cli.app.verify import Reconciliation


@contextmanager
def read(path: Path, *, damaged_ok: bool = False) -> Iterator[Queries]:
    """A read-only view of one moment of the ledger; a missing file is NoLedger, never
    created. `damaged_ok` lets `reconcile` look at a log whose table was rebuilt."""
    with open_store(path, write=False, damaged_ok=damaged_ok) as store, store.snapshot():
        yield Queries(store)


class Queries:
    """Questions asked of the log. Nothing here writes."""

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
        known = format_recorded(known_at) if known_at else None
        return Balance(info.name, info.currency, self._sum(info.name, as_of, known), as_of, known)

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

    def history(
        self,
        name: str,
        *,
        since: date | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[RegisterLine]:
        """The register of `name`: its money-moving rows in effective order, each with the
        running balance of everything before it. With `limit`, the last rows are read from
        the end and their balances worked back from the balance as of `as_of`; with `since`,
        the rows before it are summed, not read."""
        self.account(name, known_at)
        known = format_recorded(known_at) if known_at else None
        return self._marked(name, known, self._register(name, since, as_of, known, limit))

    def _marked(
        self, name: str, known: str | None, lines: Iterator[RegisterLine]
    ) -> Iterator[RegisterLine]:
        """Each line with the cleared status of its entry, as known at `known`: from the read
        models, line by line, when they are current and `known` is now; otherwise from the
        account's status events recorded by then."""
        if self._fast and self._cut(known) == self._head.seq:
            store = self._store

            def status_of(ref: str) -> str:
                return store.entry_status(ref, name) or ""
        else:
            statuses = self._statuses(name, known)

            def status_of(ref: str) -> str:
                return statuses.get(ref, "")

        for line in lines:
            status = status_of(line.row.ref)
            yield line._replace(status=status) if status else line

    def _statuses(self, name: str, known: str | None) -> dict[str, str]:
        """ref -> status for the entries of `name`, from its status events recorded by
        `known`."""
        rows = self._store.rows(RowFilter(account=name, known_at=known, types=STATUS_TYPES))
        return projections.statuses(rows)

    def cleared_balance(
        self, name: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> Balance:
        """The balance the bank should show: only the entries it has (cleared or
        reconciled), as of `as_of`, as known at `known_at`."""
        info = self.account(name, known_at)
        known = format_recorded(known_at) if known_at else None
        statuses = self._statuses(name, known)
        rows = self._store.rows(
            RowFilter(account=name, as_of=as_of, known_at=known, types=MONEY_TYPES)
        )
        total = sum(row.amount for row in rows if statuses.get(row.ref))
        return Balance(info.name, info.currency, total, as_of, known, cleared=True)

    def cleared_balances(
        self, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[Balance]:
        known = self._accounts_known(known_at)
        return [self.cleared_balance(name, as_of, known_at) for name in sorted(known)]

    def _register(
        self,
        name: str,
        since: date | None,
        as_of: date | None,
        known: str | None,
        limit: int | None,
    ) -> Iterator[RegisterLine]:
        store = self._store
        if not self._fast:
            rows = store.rows(
                RowFilter(account=name, as_of=as_of, known_at=known, types=MONEY_TYPES),
                order=Order.REGISTER,
            )
            return projections.register(rows, since=since, limit=limit)
        where = RowFilter(
            account=name, as_of=as_of, since=since, seqs=(1, self._cut(known)), types=MONEY_TYPES
        )
        if limit is not None:
            newest = list(store.rows(where, order=Order.REGISTER_NEWEST, limit=limit))
            if not newest:
                return iter(())
            opening = self._sum(name, as_of, known) - sum(row.amount for row in newest)
            return projections.register(reversed(newest), opening=opening)
        opening = 0
        if since is not None:
            opening = self._sum(name, since - timedelta(days=1), known) if since > date.min else 0
        return projections.register(store.rows(where, order=Order.REGISTER), opening=opening)

    def diff(
        self, name: str, as_of: date | None, known_at: datetime, to_known_at: datetime
    ) -> Difference:
        """Why the balance of `name` as of `as_of` differs between two knowledge times: both
        balances, and the money-moving events recorded in between that are effective by then."""
        info = self.account(name, to_known_at)
        before = self._sum(name, as_of, format_recorded(known_at))
        after = self._sum(name, as_of, format_recorded(to_known_at))
        rows = self._store.rows(
            RowFilter(
                account=name,
                as_of=as_of,
                known_at=format_recorded(to_known_at),
                unknown_at=format_recorded(known_at),
                types=MONEY_TYPES,
            )
        )
        return Difference(info, as_of, known_at, to_known_at, before, after, list(rows))

    def diffs(
        self, as_of: date | None, known_at: datetime, to_known_at: datetime
    ) -> list[Difference]:
        known = self._accounts_known(to_known_at)
        return [self.diff(name, as_of, known_at, to_known_at) for name in sorted(known)]

    def audit(
        self, *, as_of: date | None = None, known_at: datetime | None = None
    ) -> Iterator[Row]:
        """Every event in append order, effective by `as_of`, recorded by `known_at`."""
        known = format_recorded(known_at) if known_at else None
        return self._store.rows(RowFilter(as_of=as_of, known_at=known))

    def log(self, known_at: datetime | None = None) -> tuple[Row | None, Iterator[Row]]:
        """The last row recorded by `known_at` (None: an empty log), and every row up to it:
        the log as it was then, for a backup."""
        where = RowFilter(known_at=format_recorded(known_at) if known_at else None)
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
