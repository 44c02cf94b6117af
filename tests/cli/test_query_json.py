"""Reports that can be reproduced: every query's JSON names the knowledge time it answered
from (`known_at`), in the form `--known-at` takes back, so that the same command with
`--known-at SAVED` prints the same JSON however many back-dated entries and voids came since
(README, "Time: effective dates and recorded times"). And the query options that cannot be
combined are refused, never ignored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import RECORDED_AT, cli, denied, just_before, ok, ok_json, ref


def head_recorded_at() -> str:
    """The recorded time of the last event, as audit prints it."""
    return str(ok_json("audit")[-1]["recorded_at"])


@pytest.fixture
def books() -> dict[str, str]:
    """Two accounts, a check, a transfer; then what was known is the head."""
    refs = {
        "salary": ref("deposit", "1000", "--date", "2026-03-01", "--payee", "Salary"),
        "open": ref("open", "savings", "--date", "2026-03-01"),
        "rent": ref("check", "400", "--date", "2026-03-03", "--payee", "Landlord"),
        "move": ref("transfer", "100", "--from", "checking", "--to", "savings",
                    "--date", "2026-03-04"),
    }
    return refs


# -- known_at in every JSON ---------------------------------------------------------------------


@pytest.mark.usefixtures("books")
def test_without_known_at_every_json_names_the_heads_recorded_time() -> None:
    head = head_recorded_at()
    assert RECORDED_AT.fullmatch(head)
    assert ok_json("balance")["known_at"] == head
    assert [item["known_at"] for item in ok_json("balance", "--all")] == [head, head]
    assert ok_json("balance", "--cleared")["known_at"] == head
    history = ok_json("history")
    assert len(history) == 3 and {row["known_at"] for row in history} == {head}
    audit = ok_json("audit")
    assert len(audit) == 6 and {row["known_at"] for row in audit} == {head}
    chart = ok_json("chart")
    assert chart and {period["known_at"] for period in chart} == {head}
    assert ok_json("reconcile")["known_at"] == head
    assert ok_json("digest")["known_at"] == head
    early = just_before(head)
    diff = ok_json("diff", "--known-at", early)
    assert (diff["known_at"], diff["to_known_at"]) == (early, head)


@pytest.mark.usefixtures("books")
def test_a_known_at_before_the_head_is_reported_as_given() -> None:
    early = just_before(head_recorded_at())
    assert ok_json("balance", "--known-at", early)["known_at"] == early
    assert {row["known_at"] for row in ok_json("history", "--known-at", early)} == {early}
    assert {row["known_at"] for row in ok_json("audit", "--known-at", early)} == {early}
    # the same instant in another spelling is reported in the stored form
    moment = datetime.strptime(early, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    spelled = moment.astimezone(datetime.now().astimezone().tzinfo).isoformat()
    assert ok_json("balance", "--known-at", spelled)["known_at"] == early


@pytest.mark.usefixtures("books")
@pytest.mark.parametrize("later", ["now", "today", "2099-12-31"])
def test_a_known_at_after_the_head_is_reported_as_the_heads_time(later: str) -> None:
    """Nothing was recorded after the head: the report is the head's, and saying so keeps it
    reproducible (the end of today, or a day in 2099, would take in what is written later)."""
    head = head_recorded_at()
    assert ok_json("balance", "--known-at", later)["known_at"] == head
    assert ok("balance", "--known-at", later) == f"checking: 500.00 USD (known at {head})\n"
    assert {row["known_at"] for row in ok_json("history", "--known-at", later)} == {head}


QUERIES: list[tuple[str, ...]] = [
    ("balance",),
    ("balance", "--all"),
    ("balance", "--as-of", "2026-03-03"),
    ("balance", "--cleared"),
    ("history",),
    ("history", "-a", "savings"),
    ("history", "--since", "2026-03-02", "--as-of", "2026-03-03"),
    ("history", "--limit", "2"),
    ("audit",),
    ("audit", "--as-of", "2026-03-03"),
    ("chart", "--by", "day"),
]


def saved_known_at(answer: Any) -> str:
    found = {item["known_at"] for item in answer} if isinstance(answer, list) else {
        answer["known_at"]
    }
    assert len(found) == 1, found
    return str(found.pop())


@pytest.mark.usefixtures("books")
@pytest.mark.parametrize("given", [None, "now", "today"])
@pytest.mark.parametrize("query", QUERIES, ids=" ".join)
def test_known_at_saved_from_a_report_reproduces_it_after_back_dated_writes(
    query: tuple[str, ...], given: str | None
) -> None:
    """Save known_at from a first report, append a back-dated deposit, a void and a new
    account: the same query with `--known-at SAVED` prints the very same JSON."""
    extra = () if given is None else ("--known-at", given)
    first = ok_json(*query, *extra)
    saved = saved_known_at(first)
    ok("deposit", "55", "--date", "2026-03-02", "--payee", "Late")
    ok("deposit", "7", "-a", "savings", "--date", "2026-03-01")
    rent = next(row["ref"] for row in ok_json("history") if row["payee"] == "Landlord")
    ok("void", rent)
    ok("open", "cash", "--date", "2026-03-01")
    assert ok_json(*query) != first  # the report changed...
    assert ok_json(*query, "--known-at", saved) == first  # ...and is reproduced


@pytest.mark.usefixtures("books")
def test_diff_json_reproduces_with_its_known_at_and_to_known_at() -> None:
    early = just_before(head_recorded_at())
    first = ok_json("diff", "--known-at", early)
    ok("deposit", "55", "--date", "2026-03-02")
    again = ok_json("diff", "--known-at", first["known_at"], "--to-known-at",
                    first["to_known_at"])
    assert again == first
    assert first["difference"] == "-100.00"  # the transfer out, recorded at the head
    assert ok_json("diff", "--known-at", first["to_known_at"])["difference"] == "55.00"


def test_an_empty_ledger_knows_nothing_yet(ledger_db: Path) -> None:
    """A ledger with its schema and no event (a write that was rolled back, a restore's
    target): reconcile and digest say known_at null; lists are empty."""
    from ledger_cli.store.sqlite.store import SqliteStore

    with SqliteStore.open(ledger_db, write=True) as store, store.transaction():
        pass
    assert ok_json("reconcile")["known_at"] is None
    assert ok_json("digest") == {"seq": 0, "hash": "0" * 64, "digest": f"0:{'0' * 64}",
                                 "known_at": None}
    assert ok_json("balance", "--all") == []
    assert ok_json("audit") == []


# -- bug: `diff --known-at today` named an option that was not given ----------------------------


def test_diff_known_at_today_without_to_known_at_is_an_empty_diff() -> None:
    """Reproduction: `ledger diff --known-at today` failed with "--to-known-at must not be
    before --known-at" (the end of today is after now, the default of --to-known-at). Both
    times know everything recorded: no change."""
    ok("deposit", "100")
    head = head_recorded_at()
    code, out, err = cli("diff", "--known-at", "today")
    assert (code, err) == (0, ""), err
    assert out.splitlines()[-1] == "  no change: nothing effective by then was recorded in between."
    answer = ok_json("diff", "--known-at", "today")
    assert (answer["known_at"], answer["to_known_at"], answer["difference"]) == (
        head, head, "0.00"
    )
    assert answer["events"] == []
    answer = ok_json("diff", "--all", "--known-at", "2099-01-01")
    assert [item["difference"] for item in answer] == ["0.00"]


def test_diff_refuses_times_in_the_wrong_order_naming_both_options() -> None:
    ok("deposit", "100")
    head = head_recorded_at()
    early = just_before(head)
    message = denied("diff", "--known-at", head, "--to-known-at", early)
    assert message == f"ledger: --to-known-at {early} is before --known-at {head}"
    # later than everything recorded, both know the same: not an error
    assert ok_json("diff", "--known-at", "2099-01-02", "--to-known-at", "2099-01-01")[
        "events"] == []


# -- options that cannot be combined are refused, never ignored ------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("balance", "--all", "-a", "savings"),
         "ledger: -a/--account and --all cannot be used together"),
        (("balance", "--all", "--account", "checking"),
         "ledger: -a/--account and --all cannot be used together"),
        (("balance", "--all", "--cleared", "-a", "savings"),
         "ledger: -a/--account and --all cannot be used together"),
        (("history", "--all", "-a", "savings"),
         "ledger: -a/--account and --all cannot be used together"),
        (("diff", "--all", "-a", "savings", "--known-at", "today"),
         "ledger: -a/--account and --all cannot be used together"),
        (("history", "--json", "--csv"), "ledger: --json and --csv cannot be used together"),
        (("history", "--all", "--json", "--csv"),
         "ledger: --json and --csv cannot be used together"),
        (("audit", "--json", "--csv"), "ledger: --json and --csv cannot be used together"),
    ],
)
def test_combinations_that_would_be_ignored_are_refused(
    args: tuple[str, ...], message: str
) -> None:
    ok("open", "savings", "--date", "2026-03-01")
    ok("deposit", "5", "-a", "savings", "--date", "2026-03-01")
    if "--json" not in args:
        assert denied(*args) == message
        return
    # with --json, the failure is one JSON object on stderr (README, "Exit codes")
    code, out, err = cli(*args)
    assert (code, out) == (1, "")
    assert json.loads(err) == {"error": message.removeprefix("ledger: "), "code": 1}


def test_all_alone_and_account_alone_still_work() -> None:
    ok("deposit", "10", "--date", "2026-03-01")
    ok("open", "savings", "--date", "2026-03-01")
    assert [b["account"] for b in ok_json("balance", "--all")] == ["checking", "savings"]
    assert ok_json("balance", "-a", "savings")["balance"] == "0.00"
    # the default account spelled out is still an account given: refused with --all too
    assert "cannot be used together" in denied("balance", "--all", "-a", "checking")


def test_a_query_with_known_at_never_reports_a_time_after_now() -> None:
    ok("deposit", "10")
    before = datetime.now(UTC)
    reported = ok_json("balance", "--known-at", "2099-01-01")["known_at"]
    assert datetime.strptime(reported, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) <= (
        before + timedelta(seconds=1)
    )
    assert json.loads(ok("balance", "--json", "--known-at", reported)) == ok_json("balance")
