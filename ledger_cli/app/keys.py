"""Idempotency keys (`--id` on a command, `id` in an import row): one rule for both.

The first command made under a key is remembered with its fingerprint (domain.commands): its
ref when it was recorded, its message when it was denied. The same key again with the same
command appends nothing and answers as the first time did; with another command it is denied;
and a key whose first command was denied is denied again with the same message, even if the
command would now pass, so that a retry never changes the outcome. Keys live beside the log,
not in it: a denial under a key is the one thing a denied command writes.
"""

from __future__ import annotations

from ledger_cli.errors import Denied
from ledger_cli.store.base import KeyRecord, Store


class Keys:
    """The keys of one write transaction: those stored before it, and those it sets (kept
    until the writer appends its batch)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._set: dict[str, KeyRecord] = {}  # every key this transaction set
        self._pending: list[KeyRecord] = []  # those not stored yet

    def earlier(self, key: str, fingerprint: str, option: str) -> str | None:
        """The ref the first command under `key` was recorded as, when it was this same
        command; None when `key` is new. Denied when it was another command, and again when
        this command was denied."""
        first = self._set.get(key) or self._store.key(key)
        if first is None:
            return None
        if first.fingerprint != fingerprint:
            what = f"recorded as {first.ref}" if first.ref else "denied"
            hint = "; use a new key for a new command" if option == "--id" else ""
            raise Denied(
                f"{option} {key!r} was already used for a different command ({what}){hint}"
            )
        if first.ref is None:
            raise Denied(first.message or f"the command under {option} {key!r} was denied")
        return first.ref

    def unused(self, key: str) -> bool:
        return key not in self._set and self._store.key(key) is None

    def remember(self, record: KeyRecord) -> None:
        self._set[record.key] = record
        self._pending.append(record)

    def take(self) -> list[KeyRecord]:
        """The keys set since the last call, to be stored with the rows of the batch."""
        pending, self._pending = self._pending, []
        return pending
