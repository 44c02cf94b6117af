"""The queries: questions asked of one moment of the log (balance, history, audit, diff, the
head, and what the exports and completion read). Nothing here writes, and nothing here imports
the write side (commands, decider).

The read models answer when they describe exactly the log (their position is its head);
otherwise, and for what they do not hold, the log itself is read. Either way the answer is
the same (tests/app/test_read_models.py).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ledger_cli.app import projections
from ledger_cli.app.results import AccountInfo, Balance, Difference, RegisterLine
from ledger_cli.domain.accounts import check_account_name, unknown_account
from ledger_cli.domain.dates import format_recorded, now_utc
from ledger_cli.domain.events import (
    ACCOUNT_TYPES,
    CATEGORY_TYPES,
    MONEY_TYPES,
    STATUS_TYPES,
    EventType,
)
from ledger_cli.domain.money import stored_currency
from ledger_cli.errors import Denied, InvalidValue
from ledger_cli.store.backends import open_store
from ledger_cli.store.base import Order, Progress, Row, RowFilter, Store

if TYPE_CHECKING:
    from ledger_cli.app.filters import Categories, LineFilter
    from ledger_cli.app.verify import Reconciliation

# The events that void an entry and that reverse a void (a tuple of a fixed order, as the
# store writes it into SQL; see events.py).
VOID_TYPES = (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)


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
        total = self._sum(info.name, as_of, known)
        return Balance(
            info.name, info.currency, total, as_of, self.knowledge(known_at),
            known_given=known_at is not None,
        )

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
        where: LineFilter | None = None,
    ) -> Iterator[RegisterLine]:
        """The register of `name`: its money-moving rows in effective order, each with the
        running balance of everything before it and its category as known at `known_at`.
        With `limit`, the last rows are read from the end and their balances worked back
        from the balance as of `as_of`; with `since`, the rows before it are summed, not
        read. `where` keeps the lines it matches (the balances still count every entry)."""
        info = self.account(name, known_at)
        known = format_recorded(known_at) if known_at else None
        categories = self._categories(name, known)
        keep = None if where is None else where.test(info.currency)
        if keep is not None and limit is not None and self._fast:
            newest = self._newest_matching(name, as_of, known, since, limit, keep, categories)
            marked = self._marked(name, known, iter(newest))
            return self._voided(name, known, marked, few=True)
        read = None if keep is not None else limit
        lines = self._marked(name, known, self._register(name, since, as_of, known, read))
        voided = self._voided(name, known, lines, few=read is not None)
        lines = (categories.line(line) for line in voided)
        if keep is None:
            return lines
        kept = (line for line in lines if keep(line))
        return kept if limit is None else iter(deque(kept, maxlen=limit))

    def _categories(self, name: str, known: str | None) -> Categories:
        """The categories of the lines of `name` as known at `known` (filters.Categories)."""
        from ledger_cli.app.filters import Categories, overrides_of

        # All the types of the partial index, so that SQLite uses it (its WHERE must read the
        # same), and only the categorisations of this account's entries.
        rows = self._store.rows(self.known_filter(known, CATEGORY_TYPES))
        overrides = overrides_of(
            row
            for row in rows
            if row.type == EventType.TRANSACTION_CATEGORIZED and row.account == name
        )

        def entry(ref: str) -> tuple[str, dict[str, object]] | None:
            where = RowFilter(account=name, ref=ref, types=MONEY_TYPES)
            for row in self._store.rows(where, limit=1):
                return row.type, projections.parse_details(row.details)
            return None

        return Categories(overrides, entry)

    def _newest_matching(
        self,
        name: str,
        as_of: date | None,
        known: str | None,
        since: date | None,
        limit: int,
        keep: Callable[[RegisterLine], bool],
        categories: Categories,
    ) -> list[RegisterLine]:
        """The last `limit` lines that `keep` matches, read from the newest back (so a filter
        that matches recent entries reads few rows), their balances worked back from the
        balance as of `as_of`."""
        where = RowFilter(
            account=name, as_of=as_of, since=since, seqs=(1, self._cut(known)), types=MONEY_TYPES
        )
        running = self._sum(name, as_of, known)
        found: list[RegisterLine] = []
        for row in self._store.rows(where, order=Order.REGISTER_NEWEST):
            details = projections.parse_details(row.details)
            line = categories.line(RegisterLine(row, details, running))
            running -= row.amount
            if row.type in VOID_TYPES and not line.details.get("payee"):
                target = line.details.get("voids") or line.details.get("restores")
                if isinstance(target, str):
                    line = line._replace(payee=self._payee_of(target, name))
            if keep(line):
                found.append(line)
                if len(found) == limit:
                    break
        found.reverse()
        return found

    def history_all(
        self,
        *,
        since: date | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        limit: int | None = None,
        where: LineFilter | None = None,
    ) -> Iterator[RegisterLine]:
        """The registers of every account known at `known_at`, as one: every line in
        effective order (date, then seq), each with its own account's running balance.
        `limit` keeps the last lines of them all (each among its account's last)."""
        registers = [
            self.history(
                name, since=since, as_of=as_of, known_at=known_at, limit=limit, where=where
            )
            for name in sorted(self._accounts_known(known_at))
        ]
        merged = heapq.merge(*registers, key=lambda line: (line.row.date, line.row.seq))
        return merged if limit is None else iter(deque(merged, maxlen=limit))

    def first_entry(self, name: str, known_at: datetime | None = None) -> str | None:
        """The effective date of the first money-moving entry of `name` as known at
        `known_at`, None when there is none."""
        known = format_recorded(known_at) if known_at else None
        where = (
            RowFilter(account=name, seqs=(1, self._cut(known)), types=MONEY_TYPES)
            if self._fast
            else RowFilter(account=name, known_at=known, types=MONEY_TYPES)
        )
        first = next(self._store.rows(where, order=Order.REGISTER, limit=1), None)
        return first.date if first else None

    def _voided(
        self, name: str, known: str | None, lines: Iterable[RegisterLine], *, few: bool
    ) -> Iterator[RegisterLine]:
        """Each line with the void that cancels its entry as known at `known`, and each void
        or reversal with the payee of the entry it concerns when it has none of its own
        (details `payee`, else that of the entry its `voids` or `restores` names).

        The void of an entry is read from the read models, line by line, for `few` lines
        known now; otherwise it is folded from the account's voids and void reversals
        recorded by then (projections.voided_by), and since a void is always recorded after
        what it voids, for `few` lines only from the first of them on."""
        store = self._store
        if few:
            lines = list(lines)
        now = self._fast and self._cut(known) == self._head.seq
        if few and now:

            def void_of(ref: str) -> str | None:
                found = store.find_transaction(ref)
                return found.voided_by if found is not None else None
        else:
            first = min((line.row.seq for line in lines), default=self._head.seq) if few else 1
            # As _register reads: by seq from the read models, by recorded time from the log.
            last = self._cut(known) if self._fast else self._head.seq
            voided: dict[str, str] = {}
            if first < last:
                where = RowFilter(
                    account=name,
                    known_at=None if self._fast else known,
                    seqs=(first + 1, last) if few else (1, last),
                    types=VOID_TYPES,
                )
                voided = projections.voided_by(store.rows(where))

            def void_of(ref: str) -> str | None:
                return voided.get(ref)
        payees: dict[str, str | None] = {}
        for line in lines:
            found = void_of(line.row.ref)
            if found is not None:
                line = line._replace(voided_by=found)
            if line.row.type in VOID_TYPES and not line.details.get("payee"):
                target = line.details.get("voids") or line.details.get("restores")
                if isinstance(target, str):
                    if target not in payees:
                        payees[target] = self._payee_of(target, name)
                    if payees[target]:
                        line = line._replace(payee=payees[target])
            yield line

    def _payee_of(self, ref: str, name: str) -> str | None:
        """The payee of transaction `ref`'s entry in account `name`, if it has one."""
        where = RowFilter(account=name, ref=ref, types=MONEY_TYPES)
        for row in self._store.rows(where, limit=1):
            payee = projections.parse_details(row.details).get("payee")
            return payee if isinstance(payee, str) else None
        return None

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
        return Balance(
            info.name, info.currency, total, as_of, self.knowledge(known_at), cleared=True,
            known_given=known_at is not None,
        )

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
