"""The register queries: `history` (one account, or every account as one register), with each
line's running balance, cleared status, the void that cancels it and its category, all as
known at the moment asked about, and the filters of SPEC 11; the cleared balance the bank
should show; the first entry of an account. Nothing here writes.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ledger_cli.app import projections
from ledger_cli.app.results import Balance, RegisterLine
from ledger_cli.app.snapshot import Snapshot
from ledger_cli.domain.events import MONEY_TYPES, STATUS_TYPES, EventType
from ledger_cli.store.base import Order, RowFilter

if TYPE_CHECKING:
    from ledger_cli.app.filters import Categories, LineFilter

# The events that void an entry and that reverse a void (a tuple of a fixed order, as the
# store writes it into SQL; see events.py).
VOID_TYPES = (EventType.TRANSACTION_VOIDED, EventType.VOID_REVERSED)


class Register(Snapshot):
    """The register of one moment of the log."""

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
        known = self.known_text(known_at)
        categories = self._categories(name, known)
        keep = None if where is None else where.test(info.currency)
        if keep is not None and limit is not None and self._fast:
            newest = self._newest_matching(name, as_of, known, since, limit, keep, categories)
            marked = self._marked(name, known, iter(newest))
            return self._documented(known, self._voided(name, known, marked, few=True))
        read = None if keep is not None else limit
        lines = self._marked(name, known, self._register(name, since, as_of, known, read))
        voided = self._voided(name, known, lines, few=read is not None)
        lines = self._documented(known, (categories.line(line) for line in voided))
        if keep is None:
            return lines
        kept = (line for line in lines if keep(line))
        return kept if limit is None else iter(deque(kept, maxlen=limit))

    def _documented(
        self, known: str | None, lines: Iterator[RegisterLine]
    ) -> Iterator[RegisterLine]:
        """Each line with the documents attached to its transaction as known at `known` (a
        ledger without documents reads one empty index for them)."""
        from ledger_cli.app.documents import known_attachments

        attached = known_attachments(self, known)
        if not attached:
            return lines
        return (
            line._replace(documents=tuple(doc.sha256 for doc in attached[line.row.ref]))
            if line.row.ref in attached else line
            for line in lines
        )

    def _categories(self, name: str, known: str | None) -> Categories:
        """The categories of the lines of `name` as known at `known` (filters.Categories)."""
        from ledger_cli.app.filters import Categories, recategorized

        return Categories(recategorized(self, known, name), lambda ref: self._entry(ref, name))

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
        known = self.known_text(known_at)
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

    def _entry(self, ref: str, name: str) -> tuple[str, dict[str, object]] | None:
        """The type and details of transaction `ref`'s entry in account `name`."""
        where = RowFilter(account=name, ref=ref, types=MONEY_TYPES)
        for row in self._store.rows(where, limit=1):
            return row.type, projections.parse_details(row.details)
        return None

    def _payee_of(self, ref: str, name: str) -> str | None:
        """The payee of transaction `ref`'s entry in account `name`, if it has one."""
        found = self._entry(ref, name)
        payee = found[1].get("payee") if found is not None else None
        return payee if isinstance(payee, str) else None

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
        known = self.known_text(known_at)
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
