"""Reconcile's fast pass on PostgreSQL (store/postgres/fastcheck.py), on the run's server: the
parallel passes on connections that share the reader's snapshot give the same answer as the
serial ones, on a clean log and on one a superuser edited behind the triggers."""

from __future__ import annotations

from datetime import date

import pytest

from ledger_cli.app.writer import writing
from ledger_cli.domain.commands import Deposit, OpenAccount, Transfer, WriteCheck
from ledger_cli.store import backends
from ledger_cli.store.postgres import fastcheck
from ledger_cli.store.url import DatabaseUrl

DAY = date(2026, 3, 1)
TEXT = 'Zoë "quoted" \\ back\nslash\ttab \x1b \u2028 😀'


@pytest.fixture
def ledger(pg_url: str) -> DatabaseUrl:
    url = DatabaseUrl(pg_url)
    with backends.open_store(url, write=True) as store, writing(store) as writer:
        writer.apply(OpenAccount("savings", DAY))
        for i in range(40):
            writer.apply(Deposit("12.34", DAY, payee=f"{TEXT} {i}", memo="%s ? %%"))
            writer.apply(WriteCheck("1.01", DAY, payee=TEXT))
            writer.apply(Transfer("2", DAY, source="checking", target="savings"))
    return url


def quick(url: DatabaseUrl, parallel_from: int, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setattr(fastcheck, "PARALLEL_FROM", parallel_from)
    with backends.open_store(url, write=False, damaged_ok=True) as store, store.snapshot():
        found = store.quick_check(store.head().seq, None)
        # The snapshot is still usable after the pass (the verifier reads it next).
        assert store.head().seq == 162
        return found


@pytest.mark.parametrize("parallel_from", [1, 10**9], ids=["parallel", "serial"])
def test_a_clean_log_is_clean_with_its_last_balances(
    ledger: DatabaseUrl, parallel_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {"checking": 40 * (1234 - 101 - 200), "savings": 40 * 200}
    assert quick(ledger, parallel_from, monkeypatch) == expected


@pytest.mark.parametrize("parallel_from", [1, 10**9], ids=["parallel", "serial"])
@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE events SET amount = amount + 1 WHERE seq = 50",
        "UPDATE events SET details = replace(details, 'Zoë', 'Zoe') WHERE seq = 7",
        "UPDATE events SET recorded_at = '2026-13-01T00:00:00.000000Z' WHERE seq = 162",
        "DELETE FROM events WHERE seq = 30",
        "UPDATE events SET balance = balance + 5, amount = amount + 5 WHERE seq = 162",
    ],
    ids=["amount", "details", "recorded", "deleted", "balance-and-amount"],
)
def test_an_edited_log_is_not_clean(
    ledger: DatabaseUrl, pg_server: object, parallel_from: int, edit: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import psycopg

    with psycopg.connect(ledger.secret) as conn:
        conn.execute("ALTER TABLE events DISABLE TRIGGER ALL")
        conn.execute(edit.encode())
        conn.execute("ALTER TABLE events ENABLE TRIGGER ALL")
    monkeypatch.setattr(fastcheck, "PARALLEL_FROM", parallel_from)
    with backends.open_store(ledger, write=False, damaged_ok=True) as store, store.snapshot():
        assert store.quick_check(store.head().seq, None) is None
        assert store.head().seq in (161, 162)  # still readable after the pass
