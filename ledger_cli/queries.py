"""The queries: questions asked of one moment of the log (balance, history, audit, reconcile,
digest). Nothing here writes, and nothing here imports the write side (commands, decider)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
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
        total = self.store.sum_amounts(info.name, as_of, known)
        return projections.Balance(info.name, info.currency, total, as_of, known)

    def history(
        self,
        name: str,
        *,
        since: date | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[projections.RegisterLine]:
        self.account(name, known_at)
        rows = self.store.filtered_rows(
            account=name,
            as_of=as_of,
            known_at=format_recorded(known_at) if known_at else None,
            money_only=True,
            effective_order=True,
        )
        return projections.register(rows, since=since, limit=limit)

    def audit(
        self, *, as_of: date | None = None, known_at: datetime | None = None
    ) -> Iterator[chain.Row]:
        return self.store.filtered_rows(
            as_of=as_of, known_at=format_recorded(known_at) if known_at else None
        )

    def reconcile(self, digest: tuple[int, str] | None = None) -> Reconciliation:
        """Verify both chains of the whole log, and that it still holds the `digest` event."""
        verifier = chain.verify(self.store.rows())
        findings = list(verifier.findings)
        if not self.store.is_strict():
            findings.append(chain.Finding(0, "schema", "the events table is no longer STRICT"))
        warnings = [
            f"the guard trigger {name} is gone: the database no longer refuses edits"
            for name in self.store.missing_guards()
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
        return Reconciliation(verifier, findings, warnings)

    def head(self) -> tuple[int, str]:
        seq, hash_, _ = self.store.head()
        return seq, hash_
