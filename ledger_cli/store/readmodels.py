"""The read models, backend-neutral: what appended events change in them.

Read models are tables derived from the log that keep writes and queries fast at any length.
They are a cache of the log, never a source of truth:

- every write updates them in its own transaction, from the events it appends (`Changes`,
  saved by the backend), so they always describe exactly the log up to their position (the seq
  and hash of the last event they include);
- a backend can drop their contents and derive them again from the log alone (rebuild);
- a query uses them only when their position is the head of the log, and otherwise reads the
  log itself, so a stale or missing read model costs speed, never a wrong answer.

They hold: each account (currency, limit, opening day, closed, balance, last entry day, highest
check number, the day it is sealed through), each transaction (its date and void links: a void
reversed by `unvoid` leaves its transaction voided by nothing), which ref holds each check
number (the last to write it, or the check an unvoid restored), each account's net movement per
effective day, the bank status of each (ref, account) entry ("" , "c" cleared or "R"
reconciled), the fingerprints of bank statement rows already cleared, and the position.
"""

from __future__ import annotations

from ledger_cli.domain.events import MONEY_TYPES, STATUS_TYPES, Event, EventType, status_changes


class Changes:
    """What appended events change in the read models, gathered event by event (`add`) and
    saved by the backend. Every appended event belongs to a new reference, and a command's
    events are contiguous, so a new reference starts where the ref changes."""

    def __init__(self) -> None:
        self.accounts: set[str] = set()
        self.transactions: list[tuple[str, str, str | None, None]] = []
        self.voided: list[tuple[str | None, str]] = []  # (voided_by or None, voided ref)
        self.checks: list[tuple[str, int, str]] = []
        self.days: dict[tuple[str, str], int | None] = {}
        self.statuses: dict[tuple[str, str], str] = {}  # (ref, account) -> status
        self.statement_rows: list[tuple[str, str, str]] = []
        self.head: tuple[int, str] | None = None  # (seq, hash) of the last event

    def add(self, event: Event, hash_: str) -> None:
        """Gather what `event`, stored with `hash_`, changes."""
        self.accounts.add(event.account)
        voids = event.details.get("voids") if event.type == EventType.TRANSACTION_VOIDED else None
        if not self.transactions or self.transactions[-1][0] != event.ref:
            voided = str(voids) if voids is not None else None
            self.transactions.append((event.ref, event.date.isoformat(), voided, None))
            if voided is not None:
                self.voided.append((event.ref, voided))
        if event.type == EventType.CHECK_WRITTEN and "number" in event.details:
            self.checks.append((event.account, int(event.details["number"]), event.ref))
        elif event.type == EventType.VOID_REVERSED:
            restored = str(event.details["restores"])
            self.voided.append((None, restored))
            if "number" in event.details:
                self.checks.append((event.account, int(event.details["number"]), restored))
        if event.type in MONEY_TYPES:
            key = (event.account, event.date.isoformat())
            before = self.days.get(key, 0)
            self.days[key] = None if before is None else before + event.amount
        if event.type in STATUS_TYPES:
            self._status(event)
        self.head = (event.seq, hash_)

    def _status(self, event: Event) -> None:
        for ref, status in status_changes(event.type, event.details):
            self.statuses[(ref, event.account)] = status
        if event.type == EventType.TRANSACTION_CLEARED and "fingerprint" in event.details:
            row = (event.account, str(event.details["fingerprint"]), event.ref)
            self.statement_rows.append(row)
