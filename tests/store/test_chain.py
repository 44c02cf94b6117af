"""The hash chain, backend-neutral (store/chain.py): how new events are linked at the head, and
that the quick-to-load SHA-256 a write uses gives the digests of hashlib's."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from ledger_cli.domain.events import EventType, NewEvent
from ledger_cli.store.base import GENESIS, Head, Row
from ledger_cli.store.chain import SHA256, Chain, canonical, link_hash, to_event, verify

RECORDED = "2026-03-01T12:00:00.000000Z"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"abc",
        "0" * 64 + '[1,"T1","FundsDeposited","checking",100,100,"2026-03-01"]',
        "Café 日本 \U0001f600".encode(),
        "\udcff bytes that are not UTF-8".encode("utf-8", "surrogateescape"),
        bytes(range(256)) * 40,
    ],
    ids=["empty", "abc", "canonical", "unicode", "surrogates", "long"],
)
def test_the_sha256_a_write_uses_is_hashlibs(data: str | bytes) -> None:
    raw = data if isinstance(data, bytes) else data.encode()
    assert SHA256(raw).hexdigest() == hashlib.sha256(raw).hexdigest()


def test_abc_has_the_published_sha256() -> None:
    # FIPS 180-2, appendix B.1
    assert SHA256(b"abc").hexdigest() == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def deposits(*amounts: int) -> list[NewEvent]:
    balance = 0
    events = []
    for number, amount in enumerate(amounts, start=1):
        balance += amount
        events.append(
            NewEvent(f"T{number}", EventType.FUNDS_DEPOSITED, "checking", amount, balance,
                     date(2026, 3, number), {"payee": "Employer"})
        )
    return events


def test_link_chains_each_row_from_the_one_before() -> None:
    rows = Chain(Head(0, GENESIS, ""), RECORDED).link(deposits(100, 250))
    assert [row.seq for row in rows] == [1, 2]
    assert rows[0].prev_hash == GENESIS
    assert rows[1].prev_hash == rows[0].hash
    for row in rows:
        assert row.hash == link_hash(row.prev_hash, row)
        assert row.hash == hashlib.sha256((row.prev_hash + canonical(row)).encode()).hexdigest()
    assert rows[0].details == '{"payee":"Employer"}'
    assert verify(rows).findings == []


def test_a_chain_records_after_its_head_even_when_the_clock_reads_earlier() -> None:
    later = "2026-03-02T00:00:00.000000Z"
    rows = Chain(Head(4, "a" * 64, later), RECORDED).link(deposits(100))
    # The clock went back: just after the head, so that a report's known_at (the head's
    # time) never covers this later write.
    assert rows[0].recorded_at == "2026-03-02T00:00:00.000001Z"
    assert (rows[0].seq, rows[0].prev_hash) == (5, "a" * 64)
    same = Chain(Head(4, "a" * 64, RECORDED), RECORDED).link(deposits(100))
    assert same[0].recorded_at > RECORDED
    # A head not in the stored form (an edited file): never before it.
    assert Chain(Head(4, "a" * 64, "edited"), RECORDED).link(deposits(1))[0].recorded_at == "edited"


def test_follows_and_advance() -> None:
    chain = Chain(Head(0, GENESIS, ""), RECORDED)
    first, second = chain.link(deposits(100, 5))
    assert chain.follows(first) and not chain.follows(second)
    chain.advance(first)
    assert chain.follows(second) and not chain.follows(first)
    assert (chain.seq, chain.hash) == (1, first.hash)


def test_to_event_reads_the_stored_row() -> None:
    row = Row(3, "T2", "CheckWritten", "checking", -400, 600, "2026-03-03", RECORDED,
              '{"number":7,"payee":"Landlord"}', GENESIS, "b" * 64)
    event = to_event(row)
    assert event.date == date(2026, 3, 3)
    assert event.details == {"number": 7, "payee": "Landlord"}
    assert (event.seq, event.ref, event.amount, event.balance) == (3, "T2", -400, 600)
    assert event.recorded_at == RECORDED
