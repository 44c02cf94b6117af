"""The queries: questions asked of one moment of the log (balance, history, audit, reconcile,
digest). Nothing here writes, and nothing here imports the write side (commands, decider)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ledger_cli import chain, projections
from ledger_cli.accounts import check_account_name, unknown_account
from ledger_cli.dates import format_recorded
from ledger_cli.errors import Denied
from ledger_cli.store import Store


@contextmanager
def read(path: Path, *, damaged_ok: bool = False) -> Iterator[Queries]:
    """A read-only view of one moment of the ledger; a missing file is NoLedger, never
    created. `damaged_ok` lets `reconcile` look at a log whose table was rebuilt."""
    with (
        Store.open(path, write=False, damaged_ok=damaged_ok) as store,
        store.snapshot(),
    ):
        yield Queries(store)


@dataclass(frozen=True)
class Difference:
    """The answer of `diff`: an account's balance as of a day at two knowledge times, and
    the events recorded in between that explain the change."""

    account: projections.AccountInfo
    as_of: date | None
    known_at: datetime
    to_known_at: datetime
    before: int
    after: int
    rows: list[chain.Row]


@dataclass(frozen=True)
class Reconciliation:
    verifier: chain.Verifier
    findings: list[chain.Finding]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.findings


class Queries:
    """Questions asked of the log. Nothing here writes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._head = store.head()[0]
        # The read models answer only when they describe exactly this log (readmodel.py).
        self._fast = store.read_models_current()
        self._account_rows = list(store.account_rows())
        self.accounts = projections.accounts(self._account_rows)

    def account(self, name: str, known_at: datetime | None = None) -> projections.AccountInfo:
        """The account `name` as the ledger knew it at `known_at` (default: now)."""
        return self._find(name, self._accounts_known(known_at), known_at)

    def _find(
        self,
        name: str,
        known: dict[str, projections.AccountInfo],
        known_at: datetime | None,
    ) -> projections.AccountInfo:
        check_account_name(name)
        found = known.get(name)
        if found is None:
            when = f" at {format_recorded(known_at)}" if known_at and name in self.accounts else ""
            raise Denied(
                unknown_account(name, list(known))
                if not when
                else f"no account '{name}'{when}; it was opened later"
            )
        return found

    def _accounts_known(self, known_at: datetime | None) -> dict[str, projections.AccountInfo]:
        if known_at is None:
            return self.accounts
        known = format_recorded(known_at)
        return projections.accounts(row for row in self._account_rows if row.recorded_at <= known)

    def balance(
        self, name: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> projections.Balance:
        return self._balance(self.account(name, known_at), as_of, known_at)

    def balances(
        self, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[projections.Balance]:
        known = self._accounts_known(known_at)
        return [self._balance(known[name], as_of, known_at) for name in sorted(known)]

    def _balance(
        self, info: projections.AccountInfo, as_of: date | None, known_at: datetime | None
    ) -> projections.Balance:
        known = format_recorded(known_at) if known_at else None
        total = self._sum(info.name, as_of, known)
        return projections.Balance(info.name, info.currency, total, as_of, known)

    def _sum(self, name: str, as_of: date | None, known: str | None) -> int:
        """The balance of `name` as of `as_of` (None: every entry), as known at `known`.

        From the read models when they are current: the day totals give the balance as it is
        known now, and what was recorded after `known` (found by seq, since recorded times
        only grow) is taken back out; whichever side of the cut is shorter is summed."""
        if not self._fast:
            return self.store.sum_amounts(name, as_of, known)
        cut = self._cut(known)
        if cut < self._head and cut < self._head - cut:
            return self.store.sum_amounts(name, as_of, None, seqs=(1, cut))
        now = self.store.current_balance(name) if as_of is None else self.store.day_sum(name, as_of)
        if now is None:
            return self.store.sum_amounts(name, as_of, known)
        if cut == self._head:
            return now
        return now - self.store.sum_amounts(name, as_of, None, seqs=(cut + 1, self._head))

    def _cut(self, known: str | None) -> int:
        """The last seq recorded at or before `known` (binary search: recorded times never
        go backwards in an intact log)."""
        if known is None or self.store.recorded_at(self._head) <= known:
            return self._head
        low, high = 0, self._head
        while low < high:
            middle = (low + high + 1) // 2
            if self.store.recorded_at(middle) <= known:
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
    ) -> Iterator[projections.RegisterLine]:
        """The register of `name`: its money-moving rows in effective order, each with the
        running balance of everything before it. With `limit`, the last rows are read from
        the end and their balances worked back from the balance as of `as_of`; with `since`,
        the rows before it are summed, not read."""
        self.account(name, known_at)
        known = format_recorded(known_at) if known_at else None
        return self._marked(name, known, self._register(name, since, as_of, known, limit))

    def _marked(
        self, name: str, known: str | None, lines: Iterator[projections.RegisterLine]
    ) -> Iterator[projections.RegisterLine]:
        """Each line with the cleared status of its entry, as known at `known`: from the read
        models, line by line, when they are current and `known` is now; otherwise from the
        account's status events recorded by then."""
        if self._fast and self._cut(known) == self._head:

            def status_of(ref: str) -> str:
                return self.store.status(ref, name)
        else:
            statuses = self._statuses(name, known)

            def status_of(ref: str) -> str:
                return statuses.get(ref, "")

        for line in lines:
            status = status_of(line.row.ref)
            yield line if not status else dataclasses.replace(line, status=status)

    def _statuses(self, name: str, known: str | None) -> dict[str, str]:
        """ref -> status for the entries of `name`, from its status events recorded by
        `known`."""
        rows = self.store.filtered_rows(account=name, known_at=known, status_only=True)
        return projections.statuses(rows)

    def cleared_balance(
        self, name: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> projections.Balance:
        """The balance the bank should show: only the entries it has (cleared or
        reconciled), as of `as_of`, as known at `known_at`."""
        info = self.account(name, known_at)
        known = format_recorded(known_at) if known_at else None
        statuses = self._statuses(name, known)
        rows = self.store.filtered_rows(
            account=name, as_of=as_of, known_at=known, money_only=True
        )
        total = sum(row.amount for row in rows if statuses.get(row.ref))
        return projections.Balance(info.name, info.currency, total, as_of, known, cleared=True)

    def cleared_balances(
        self, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[projections.Balance]:
        known = self._accounts_known(known_at)
        return [self.cleared_balance(name, as_of, known_at) for name in sorted(known)]

    def _register(
        self,
        name: str,
        since: date | None,
        as_of: date | None,
        known: str | None,
        limit: int | None,
    ) -> Iterator[projections.RegisterLine]:
        if not self._fast:
            rows = self.store.filtered_rows(
                account=name, as_of=as_of, known_at=known, money_only=True, effective_order=True
            )
            return projections.register(rows, since=since, limit=limit)
        register = functools.partial(
            self.store.filtered_rows,
            account=name,
            as_of=as_of,
            since=since,
            seqs=(1, self._cut(known)),
            money_only=True,
            effective_order=True,
        )
        if limit is not None:
            newest = list(register(newest_first=True, limit=limit))
            if not newest:
                return iter(())
            opening = self._sum(name, as_of, known) - sum(row.amount for row in newest)
            return projections.register(reversed(newest), opening=opening)
        opening = 0
        if since is not None:
            opening = self._sum(name, since - timedelta(days=1), known) if since > date.min else 0
        rows = register()
        return projections.register(rows, opening=opening)

    def diff(
        self, name: str, as_of: date | None, known_at: datetime, to_known_at: datetime
    ) -> Difference:
        """Why the balance of `name` as of `as_of` differs between two knowledge times: both
        balances, and the money-moving events recorded in between that are effective by then."""
        info = self.account(name, to_known_at)
        before = self._sum(name, as_of, format_recorded(known_at))
        after = self._sum(name, as_of, format_recorded(to_known_at))
        rows = self.store.filtered_rows(
            account=name,
            as_of=as_of,
            known_at=format_recorded(to_known_at),
            unknown_at=format_recorded(known_at),
            money_only=True,
        )
        return Difference(info, as_of, known_at, to_known_at, before, after, list(rows))

    def diffs(
        self, as_of: date | None, known_at: datetime, to_known_at: datetime
    ) -> list[Difference]:
        known = self._accounts_known(to_known_at)
        return [self.diff(name, as_of, known_at, to_known_at) for name in sorted(known)]

    def audit(
        self, *, as_of: date | None = None, known_at: datetime | None = None
    ) -> Iterator[chain.Row]:
        return self.store.filtered_rows(
            as_of=as_of, known_at=format_recorded(known_at) if known_at else None
        )

    def reconcile(
        self,
        digest: tuple[int, str] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Reconciliation:
        """Verify both chains of the whole log, and that it still holds the `digest` event;
        then that the read models agree with it. A fast pass in SQLite (fastcheck.py) does
        it when the log is intact; otherwise the Python verifier finds what is wrong."""
        from ledger_cli import fastcheck

        strict = self.store.is_strict()
        seq, hash_, _ = self.store.head()
        balances = (
            fastcheck.log_is_clean(self.store.conn, seq, progress, str(self.store.path))
            if strict
            else None
        )
        if balances is not None:
            verifier = chain.Verifier.passed(seq, seq, hash_, balances)
        else:
            verifier = chain.verify(self.store.rows())
        findings = list(verifier.findings)
        if not strict:
            findings.append(chain.Finding(0, "schema", "the events table is no longer STRICT"))
        warnings = [
            f"the guard trigger {name} is gone: the database no longer refuses edits"
            for name in self.store.missing_guards()
        ]
        warnings += [
            f"seq {row.seq} ({row.ref}, {row.type} on {row.account}, dated {row.date}) was "
            "recorded with --force into a period sealed by a reconciled statement"
            for row in self.store.forced_rows()
        ]
        if digest is not None:
            seq, expected = digest
            row = self.store.row_at(seq)
            if seq == 0 and expected == chain.GENESIS:
                pass  # the empty prefix: every log holds it
            elif row is None:
                findings.append(
                    chain.Finding(
                        seq,
                        "digest",
                        f"the log ends at seq {verifier.head_seq}; the digest names seq {seq} "
                        "(truncated or rewritten)",
                    )
                )
            elif row.hash != expected:
                findings.append(
                    chain.Finding(
                        seq, "digest", f"seq {seq} no longer has the hash of the digest (rewritten)"
                    )
                )
        findings.sort(key=lambda finding: finding.seq)
        if not findings and self._fast:
            # The log is intact: the read models must say what it says.
            wrong = self.store.read_model_mismatches(verifier.balances)
            findings.extend(
                chain.Finding(
                    verifier.head_seq,
                    "read-model",
                    f"the read models disagree with the log on {name}; run `ledger rebuild`",
                )
                for name in wrong
            )
        return Reconciliation(verifier, findings, warnings)

    def head(self) -> tuple[int, str]:
        seq, hash_, _ = self.store.head()
        return seq, hash_
