"""What is coming (SPEC 12), command by command through the CLI: `schedule add` (its result line,
its JSON, its refusals, --dry-run and --id), `schedule list`, `schedule stop`, `due` (listing,
--post, --skip) and `forecast` (text, JSON, the overdraft warning, --all, --known-at, --chart),
on a ledger whose today is fixed (LEDGER_TODAY=2026-03-31).

Every refusal is checked to leave the log as it was (`event_count`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import cli, denied, event_count, just_before, ok, ok_json

TODAY = "2026-03-31"

# The fields SPEC 12 names for each listing; the product may add more.
SCHEDULE_FIELDS = (
    "name type amount account to every start until count next payee category stopped".split()
)
DUE_FIELDS = ["schedule", "date", "type", "amount", "account"]
FORECAST_FIELDS = [
    "account", "currency", "from", "through", "start_balance", "items", "lowest",
    "first_overdraft",
]
ITEM_FIELDS = ["date", "source", "ref", "schedule", "type", "amount", "balance"]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TODAY", TODAY)


def _only(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The fields SPEC names, each of which must be there."""
    assert set(fields) <= set(record), (fields, record)
    return {field: record[field] for field in fields}


def _rent(*extra: str) -> str:
    return ok("schedule", "add", "rent", "check", "4000", "--every", "month",
              "--start", "2026-04-01", "--payee", "Landlord", *extra)


def _funded(amount: str = "5000") -> None:
    ok("deposit", amount, "--date", "2026-03-01")  # opens checking: T1, events 1 and 2


def _audit_row(ref: str) -> dict[str, Any]:
    rows = [row for row in ok_json("audit") if row["ref"] == ref]
    assert len(rows) == 1, rows
    return rows[0]


# -- schedule add -----------------------------------------------------------------------------


def test_schedule_add_prints_one_result_line() -> None:
    _funded()
    assert _rent() == (
        "Scheduled rent: check of 4,000.00 on checking (to Landlord) every month from "
        "2026-04-01 (ref T2)\n"
    )
    ok("open", "savings")
    assert ok("schedule", "add", "sav", "transfer", "100", "--every", "2weeks", "--to",
              "savings", "--count", "3", "--start", "2026-03-01") == (
        "Scheduled sav: transfer of 100.00 from checking to savings every 2weeks from "
        "2026-03-01, 3 times (ref T4)\n"
    )
    assert ok("schedule", "add", "gym", "withdraw", "30", "--every", "week", "--start",
              "2026-03-20", "--until", "2026-04-30") == (
        "Scheduled gym: withdrawal of 30.00 on checking every week from 2026-03-20 until "
        "2026-04-30 (ref T5)\n"
    )


def test_schedule_add_start_defaults_to_today() -> None:
    _funded()
    assert ok("schedule", "add", "pay", "deposit", "10", "--every", "week") == (
        f"Scheduled pay: deposit of 10.00 on checking every week from {TODAY} (ref T2)\n"
    )
    assert ok_json("schedule", "list")[0]["start"] == TODAY


def test_schedule_add_json_names_the_event_with_no_account_or_money() -> None:
    _funded()
    assert json.loads(_rent("--json")) == {
        "ref": "T2",
        "events": [
            {"seq": 3, "type": "ScheduleCreated", "account": None, "amount": None,
             "balance": None}
        ],
        "balance": None,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "10", "--every", "month", "--until", "2026-05-01", "--count", "3"],
         "use either --until or --count, not both"),
        (["transfer", "10", "--every", "month", "--to", "savings", "-c", "food"],
         "a transfer between your own accounts has no category"),
    ],
)
def test_schedule_add_usage_errors_exit_2(
    args: list[str], message: str, ledger_db: Path
) -> None:
    _funded()
    ok("open", "savings")
    before = event_count(ledger_db)
    code, out, err = cli("schedule", "add", "x", *args)
    assert code == 2, (code, out, err)
    assert out == ""
    assert message in err
    assert event_count(ledger_db) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "check", "10", "--every", "month", "-a", "chekcing"],
         "ledger: no account 'chekcing'; did you mean 'checking'?"),
        (["x", "check", "10", "--every", "fortnightly"],
         "ledger: --every 'fortnightly' is not a period; use day, week, 2weeks, month, "
         "quarter, year, or N days, weeks, months or years (N from 1 to 1000)"),
        (["rent", "check", "10", "--every", "month"],
         "ledger: schedule 'rent' already exists (`ledger schedule list` shows it)"),
        (["x", "transfer", "10", "--every", "month"],
         "ledger: a scheduled transfer needs --to ACCOUNT (and -a for the sender)"),
        (["x", "chek", "10", "--every", "month"],
         "ledger: 'chek' is not something a schedule repeats; use deposit, check, withdraw, "
         "fee, transfer"),
        (["x", "check", "10", "--every", "month", "--count", "0"],
         "ledger: --count '0' is not valid; give a whole number, 1 or more"),
        (["x", "check", "10", "--every", "month", "--start", "2026-04-01",
          "--until", "2026-03-01"],
         "ledger: --until 2026-03-01 is before --start 2026-04-01"),
    ],
)
def test_schedule_add_denials_exit_1_and_write_nothing(
    args: list[str], message: str, ledger_db: Path
) -> None:
    _funded()
    _rent()
    before = event_count(ledger_db)
    assert denied("schedule", "add", *args) == message
    assert event_count(ledger_db) == before


def test_schedule_add_denial_under_json_is_one_json_object(ledger_db: Path) -> None:
    _funded()
    code, out, err = cli("schedule", "add", "x", "check", "10", "--every", "fortnightly",
                         "--json")
    assert (code, out) == (1, "")
    failure = json.loads(err)
    assert failure["code"] == 1 and "'fortnightly' is not a period" in failure["error"]


def test_schedule_add_dry_run_writes_nothing(ledger_db: Path) -> None:
    _funded()
    before = event_count(ledger_db)
    out = _rent("--dry-run")
    assert out == (
        "Dry run, nothing written: Scheduled rent: check of 4,000.00 on checking (to Landlord) "
        "every month from 2026-04-01 (ref T2)\n"
    )
    found = json.loads(_rent("--dry-run", "--json"))
    assert found["dry_run"] is True
    assert [event["type"] for event in found["events"]] == ["ScheduleCreated"]
    assert event_count(ledger_db) == before
    assert ok_json("schedule", "list") == []
    # The name is still free.
    assert "(ref T2)" in _rent()


def test_schedule_add_dry_run_on_no_ledger_creates_no_file(ledger_db: Path) -> None:
    assert "Dry run, nothing written: Scheduled rent:" in _rent("--dry-run")
    assert not ledger_db.exists()


def test_schedule_add_with_the_same_id_again_appends_nothing(ledger_db: Path) -> None:
    _funded()
    first = _rent("--id", "rent-1")
    count = event_count(ledger_db)
    code, out, err = cli("schedule", "add", "rent", "check", "4000", "--every", "month",
                         "--start", "2026-04-01", "--payee", "Landlord", "--id", "rent-1")
    assert code == 0
    assert out == first
    assert err == (
        "ledger: warning: already recorded as T2 under this --id; nothing was appended\n"
    )
    assert event_count(ledger_db) == count
    assert denied("schedule", "add", "rent", "check", "4001", "--every", "month",
                  "--start", "2026-04-01", "--payee", "Landlord", "--id", "rent-1") == (
        "ledger: --id 'rent-1' was already used for a different command (recorded as T2); "
        "use a new key for a new command"
    )
    assert event_count(ledger_db) == count


# -- schedule list and stop -------------------------------------------------------------------


def _three_schedules() -> None:
    _funded()
    ok("open", "savings")  # T2
    _rent("-c", "home:rent")  # T3
    ok("schedule", "add", "sav", "transfer", "100", "--every", "2weeks", "--to", "savings",
       "--count", "3", "--start", "2026-03-01", "-m", "nest egg")  # T4
    ok("schedule", "add", "gym", "withdraw", "30", "--every", "week", "--start",
       "2026-03-20", "--until", "2026-04-30")  # T5


def test_schedule_list_with_no_schedules() -> None:
    _funded()
    assert ok("schedule", "list") == (
        "No schedules. Add one: ledger schedule add rent check 1500 --every month\n"
    )
    assert ok_json("schedule", "list") == []


def test_schedule_list_text() -> None:
    _three_schedules()
    assert ok("schedule", "list").splitlines() == [
        "name  type          amount  account              every   from        ends              "
        "next        payee     category",
        "gym   withdrawal     30.00  checking             week    2026-03-20  until 2026-04-30  "
        "2026-03-20",
        "rent  check       4,000.00  checking             month   2026-04-01                    "
        "2026-04-01  Landlord  home:rent",
        "sav   transfer      100.00  checking -> savings  2weeks  2026-03-01  3 times           "
        "2026-03-01",
    ]


def test_schedule_list_json_has_the_fields_spec_names() -> None:
    _three_schedules()
    listed = ok_json("schedule", "list")
    assert [_only(record, SCHEDULE_FIELDS) for record in listed] == [
        {"name": "gym", "type": "withdraw", "amount": "30.00", "account": "checking",
         "to": None, "every": "week", "start": "2026-03-20", "until": "2026-04-30",
         "count": None, "next": "2026-03-20", "payee": None, "category": None,
         "stopped": None},
        {"name": "rent", "type": "check", "amount": "4000.00", "account": "checking",
         "to": None, "every": "month", "start": "2026-04-01", "until": None, "count": None,
         "next": "2026-04-01", "payee": "Landlord", "category": "home:rent", "stopped": None},
        {"name": "sav", "type": "transfer", "amount": "100.00", "account": "checking",
         "to": "savings", "every": "2weeks", "start": "2026-03-01", "until": None,
         "count": 3, "next": "2026-03-01", "payee": None, "category": None, "stopped": None},
    ]


def test_schedule_list_next_advances_after_posts_and_skips() -> None:
    _three_schedules()
    ok("due", "--post", "sav")  # 03-01, 03-15, 03-29: all three of its occurrences
    ok("due", "--skip", "gym", "--date", "2026-03-20")
    nexts = {record["name"]: record["next"] for record in ok_json("schedule", "list")}
    assert nexts == {"gym": "2026-03-27", "rent": "2026-04-01", "sav": None}
    assert "3 times           ended" in ok("schedule", "list")
    ok("due", "--post", "gym")
    assert ok_json("schedule", "list")[0]["next"] == "2026-04-03"


def test_schedule_stop_is_listed_and_known_at_before_it_is_not() -> None:
    _three_schedules()
    assert ok("schedule", "stop", "rent", "--date", "2026-06-30") == (
        "Stopped schedule rent: no occurrence after 2026-06-30 (ref T6)\n"
    )
    rent = ok_json("schedule", "list")[1]
    assert (rent["name"], rent["stopped"], rent["next"]) == ("rent", "2026-06-30", "2026-04-01")
    assert "stopped after 2026-06-30" in ok("schedule", "list")
    before_stop = just_before(_audit_row("T6")["recorded_at"])
    earlier = ok_json("schedule", "list", "--known-at", before_stop)[1]
    assert (earlier["name"], earlier["stopped"]) == ("rent", None)
    # No occurrence after the stop.
    dates = [item["date"] for item in ok_json("due", "--through", "2026-12-31")
             if item["schedule"] == "rent"]
    assert dates == ["2026-04-01", "2026-05-01", "2026-06-01"]


def test_schedule_stop_defaults_to_today_and_refuses_twice(ledger_db: Path) -> None:
    _funded()
    ok("schedule", "add", "pay", "deposit", "10", "--every", "week", "--start", "2026-03-01")
    assert ok("schedule", "stop", "pay") == (
        f"Stopped schedule pay: no occurrence after {TODAY} (ref T3)\n"
    )
    assert ok_json("schedule", "list")[0]["stopped"] == TODAY
    count = event_count(ledger_db)
    assert denied("schedule", "stop", "pay") == (
        f"ledger: schedule 'pay' is already stopped: nothing after {TODAY}"
    )
    assert denied("schedule", "stop", "nosuch") == (
        "ledger: no schedule 'nosuch' (`ledger schedule list` shows them)"
    )
    assert event_count(ledger_db) == count


# -- due: the listing -------------------------------------------------------------------------


def test_due_lists_what_is_due_in_date_order() -> None:
    _three_schedules()
    assert ok("due").splitlines() == [
        "5 scheduled entries are due through 2026-03-31 (ledger due --post records them):",
        "date        schedule  type        amount  account              payee",
        "2026-03-01  sav       transfer    100.00  checking -> savings",
        "2026-03-15  sav       transfer    100.00  checking -> savings",
        "2026-03-20  gym       withdrawal   30.00  checking",
        "2026-03-27  gym       withdrawal   30.00  checking",
        "2026-03-29  sav       transfer    100.00  checking -> savings",
    ]


def test_due_json() -> None:
    _three_schedules()
    assert [_only(item, DUE_FIELDS) for item in ok_json("due")] == [
        {"schedule": "sav", "date": "2026-03-01", "type": "transfer", "amount": "100.00",
         "account": "checking"},
        {"schedule": "sav", "date": "2026-03-15", "type": "transfer", "amount": "100.00",
         "account": "checking"},
        {"schedule": "gym", "date": "2026-03-20", "type": "withdraw", "amount": "30.00",
         "account": "checking"},
        {"schedule": "gym", "date": "2026-03-27", "type": "withdraw", "amount": "30.00",
         "account": "checking"},
        {"schedule": "sav", "date": "2026-03-29", "type": "transfer", "amount": "100.00",
         "account": "checking"},
    ]


def test_due_with_nothing_due() -> None:
    _funded()
    _rent()  # first on 04-01: nothing today
    assert ok("due") == f"Nothing is due through {TODAY}.\n"
    assert ok_json("due") == []
    assert ok("due", "--through", "2026-03-15") == "Nothing is due through 2026-03-15.\n"


def test_due_through_a_day_ahead_and_a_name_filter() -> None:
    _three_schedules()
    ahead = ok_json("due", "--through", "2026-04-07")
    assert [(item["schedule"], item["date"]) for item in ahead] == [
        ("sav", "2026-03-01"), ("sav", "2026-03-15"), ("gym", "2026-03-20"),
        ("gym", "2026-03-27"), ("sav", "2026-03-29"), ("rent", "2026-04-01"),
        ("gym", "2026-04-03"),
    ]
    assert ok("due", "--through", "2026-04-07").startswith(
        "7 scheduled entries are due through 2026-04-07 "
    )
    only = ok_json("due", "rent", "gym", "--through", "2026-04-07")
    assert [(item["schedule"], item["date"]) for item in only] == [
        ("gym", "2026-03-20"), ("gym", "2026-03-27"), ("rent", "2026-04-01"),
        ("gym", "2026-04-03"),
    ]


def test_due_with_an_unknown_name_is_refused() -> None:
    _three_schedules()
    assert denied("due", "nosuch") == (
        "ledger: no schedule 'nosuch' (schedules: gym, rent, sav)"
    )
    assert denied("due", "--post", "nosuch").startswith("ledger: no schedule 'nosuch'")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dry-run"], "ledger: --dry-run goes with --post or --skip; plain `due` only lists"),
        (["--force"], "ledger: --force goes with --post or --skip; plain `due` only lists"),
        (["--date", "2026-04-01"], "ledger: --date goes with --skip NAME"),
        (["--through", "garbage"],
         "ledger: --through 'garbage' is not a date; use YYYY-MM-DD, 'today' or 'yesterday'"),
    ],
)
def test_due_listing_refusals(args: list[str], message: str) -> None:
    _three_schedules()
    assert denied("due", *args) == message


# -- due --post -------------------------------------------------------------------------------


def test_due_post_records_each_occurrence_on_its_due_day(ledger_db: Path) -> None:
    _three_schedules()
    code, out, err = cli("due", "--post")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Transferred 100.00 from checking to savings for schedule sav due 2026-03-01 (ref T6); "
        "balance of checking: 4,900.00",
        "Transferred 100.00 from checking to savings for schedule sav due 2026-03-15 (ref T7); "
        "balance of checking: 4,800.00",
        "Withdrew 30.00 from checking for schedule gym due 2026-03-20 (ref T8); category "
        "uncategorized (no rule or payee match); balance of checking: 4,770.00",
        "Withdrew 30.00 from checking for schedule gym due 2026-03-27 (ref T9); category "
        "uncategorized (no rule or payee match); balance of checking: 4,740.00",
        "Transferred 100.00 from checking to savings for schedule sav due 2026-03-29 (ref T10); "
        "balance of checking: 4,640.00",
    ]
    assert [(b["account"], b["balance"]) for b in ok_json("balance", "--all")] == [
        ("checking", "4640.00"), ("savings", "300.00"),
    ]
    # A second run: nothing left, nothing appended.
    count = event_count(ledger_db)
    assert ok("due", "--post") == f"Nothing is due through {TODAY}; nothing posted.\n"
    assert event_count(ledger_db) == count
    assert ok("due") == f"Nothing is due through {TODAY}.\n"

    rows = ok_json("history")
    linked = [(row["ref"], row["date"], row["type"], row["schedule"], row["occurrence"])
              for row in rows if row["schedule"] is not None]
    assert linked == [
        ("T6", "2026-03-01", "TransferSent", "sav", "2026-03-01"),
        ("T7", "2026-03-15", "TransferSent", "sav", "2026-03-15"),
        ("T8", "2026-03-20", "CashWithdrawn", "gym", "2026-03-20"),
        ("T9", "2026-03-27", "CashWithdrawn", "gym", "2026-03-27"),
        ("T10", "2026-03-29", "TransferSent", "sav", "2026-03-29"),
    ]
    # The deposit that opened the ledger is linked to no schedule.
    assert (rows[0]["schedule"], rows[0]["occurrence"]) == (None, None)
    audit = [(row["ref"], row["type"], row["schedule"], row["occurrence"])
             for row in ok_json("audit") if row["ref"] in ("T6", "T8")]
    assert audit == [
        ("T6", "TransferSent", "sav", "2026-03-01"),
        ("T6", "TransferReceived", "sav", "2026-03-01"),
        ("T8", "CashWithdrawn", "gym", "2026-03-20"),
    ]


def test_due_post_check_carries_the_payee_and_category() -> None:
    _funded()
    _rent("-c", "home:rent", "-m", "flat 2")
    out = ok("due", "--post", "--through", "2026-04-01")
    assert out == (
        "Check 1 to Landlord for 4,000.00 written on checking for schedule rent due 2026-04-01 "
        "(ref T3); category home:rent (schedule rent); balance of checking: 1,000.00\n"
    )
    row = ok_json("history")[-1]
    assert (row["date"], row["payee"], row["memo"], row["number"], row["category"],
            row["amount"]) == ("2026-04-01", "Landlord", "flat 2", 1, "home:rent", "-4000.00")


def test_due_post_only_the_named_schedules_and_through_a_day_ahead() -> None:
    _three_schedules()
    out = ok("due", "--post", "gym", "--through", "2026-04-10")
    assert [line.split(" for schedule ")[1].split(" (ref")[0] for line in out.splitlines()] == [
        "gym due 2026-03-20", "gym due 2026-03-27", "gym due 2026-04-03", "gym due 2026-04-10",
    ]
    dated = [(row["date"], row["occurrence"]) for row in ok_json("history")
             if row["schedule"] == "gym"]
    assert dated == [
        ("2026-03-20", "2026-03-20"), ("2026-03-27", "2026-03-27"),
        ("2026-04-03", "2026-04-03"), ("2026-04-10", "2026-04-10"),
    ]
    # Only the named schedule was touched.
    assert {item["schedule"] for item in ok_json("due", "--through", "2026-04-10")} == {
        "sav", "rent"
    }
    assert ok_json("schedule", "list")[0]["next"] == "2026-04-17"


def test_due_post_through_more_than_a_year_ahead_is_refused(ledger_db: Path) -> None:
    _three_schedules()
    count = event_count(ledger_db)
    assert denied("due", "--post", "--through", "2027-06-01") == (
        "ledger: --through 2027-06-01 is too far ahead: a write may be dated at most 366 days "
        "after today (up to 2027-04-01)"
    )
    assert event_count(ledger_db) == count


def test_due_post_dry_run_posts_nothing(ledger_db: Path) -> None:
    _three_schedules()
    count = event_count(ledger_db)
    due_before = ok_json("due")
    out = ok("due", "--post", "--dry-run")
    lines = out.splitlines()
    assert len(lines) == 5
    assert all(line.startswith("Dry run, nothing written: ") for line in lines)
    assert "for schedule sav due 2026-03-01 (ref T6)" in lines[0]
    found = ok_json("due", "--post", "--dry-run")
    assert found["dry_run"] is True
    assert [(p["schedule"], p["date"]) for p in found["posted"]] == [
        (item["schedule"], item["date"]) for item in due_before
    ]
    assert event_count(ledger_db) == count
    assert ok_json("due") == due_before


def test_a_denied_occurrence_is_reported_stays_due_and_the_others_are_recorded() -> None:
    _funded("5000")
    _rent()  # T2, 4,000.00 on 04-01
    ok("schedule", "add", "rent2", "check", "4000", "--every", "month", "--start",
       "2026-04-01", "--payee", "Landlord")  # T3
    ok("schedule", "add", "pay", "deposit", "50", "--every", "month", "--start", "2026-04-01")
    code, out, err = cli("due", "--post", "--through", "2026-04-01")
    assert code == 1
    assert [line.split(" (ref")[0] for line in out.splitlines()] == [
        "Deposited 50.00 to checking for schedule pay due 2026-04-01",
        "Check 1 to Landlord for 4,000.00 written on checking for schedule rent due 2026-04-01",
    ]
    assert err.splitlines() == [
        "ledger: rent2 due 2026-04-01 was not posted: insufficient funds in checking for check "
        "2 of 4,000.00: balance 1,050.00, overdraft limit 0.00; it stays due",
        "ledger: 1 occurrence was denied and stays due; the others were recorded",
    ]
    assert ok("balance") == "checking: 1,050.00 USD\n"
    assert [(item["schedule"], item["date"]) for item in ok_json("due", "--through",
                                                                 "2026-04-01")] == [
        ("rent2", "2026-04-01")
    ]
    # Again: it is tried again, and denied again.
    code, out, err = cli("due", "--post", "--through", "2026-04-01", "--json")
    assert code == 1
    assert json.loads(out) == {
        "through": "2026-04-01",
        "posted": [],
        "denied": [
            {"schedule": "rent2", "date": "2026-04-01",
             "reason": "insufficient funds in checking for check 2 of 4,000.00: balance "
                       "1,050.00, overdraft limit 0.00"}
        ],
    }
    assert json.loads(err) == {
        "error": "1 occurrence was denied and stays due; the others were recorded", "code": 1
    }


def test_due_post_json_lists_what_was_posted() -> None:
    _funded()
    ok("schedule", "add", "gym", "withdraw", "30", "--every", "week", "--start", "2026-03-24")
    found = ok_json("due", "--post")
    assert set(found) == {"through", "posted", "denied"}
    assert found["through"] == TODAY
    assert found["denied"] == []
    assert [(p["schedule"], p["date"], p["ref"], p["balance"]) for p in found["posted"]] == [
        ("gym", "2026-03-24", "T3", "4970.00"),
        ("gym", "2026-03-31", "T4", "4940.00"),
    ]
    assert found["posted"][0]["events"] == [
        {"seq": 4, "type": "CashWithdrawn", "account": "checking", "amount": "-30.00",
         "balance": "4970.00"}
    ]
    assert ok_json("due", "--post") == {"through": TODAY, "posted": [], "denied": []}


def test_a_post_into_a_sealed_period_is_denied_unless_forced() -> None:
    _funded("500")
    ok("schedule", "add", "fee", "fee", "2", "--every", "month", "--start", "2026-03-10")
    ok("reconcile", "-a", "checking", "--statement-date", "2026-03-20",
       "--statement-balance", "0")  # nothing cleared: the statement shows 0.00
    code, out, err = cli("due", "--post")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "ledger: fee due 2026-03-10 was not posted: checking is reconciled with a statement "
        "through 2026-03-20; an entry dated 2026-03-10 would change that period (use --force "
        "to record it anyway; it is flagged); it stays due",
        "ledger: 1 occurrence was denied and stays due; the others were recorded",
    ]
    assert [(item["schedule"], item["date"]) for item in ok_json("due")] == [
        ("fee", "2026-03-10")
    ]
    assert ok("due", "--post", "--force") == (
        "Fee of 2.00 charged to checking for schedule fee due 2026-03-10 (ref T4); category "
        "uncategorized (no rule or payee match); balance of checking: 498.00\n"
    )
    assert ok_json("due") == []
    row = _audit_row("T4")
    assert (row["schedule"], row["occurrence"], row["forced"]) == ("fee", "2026-03-10", True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--known-at", "2026-03-01"],
         "ledger: --known-at applies to the listing; --post records what is due now"),
        (["--id", "k"],
         "ledger: --post needs no --id: an occurrence is posted at most once anyway"),
    ],
)
def test_due_post_refusals(args: list[str], message: str, ledger_db: Path) -> None:
    _three_schedules()
    count = event_count(ledger_db)
    assert denied("due", "--post", *args) == message
    assert event_count(ledger_db) == count


def test_due_post_and_skip_together_are_a_usage_error() -> None:
    _three_schedules()
    code, out, err = cli("due", "--post", "--skip", "sav", "--date", "2026-03-01")
    assert (code, out) == (2, "")
    assert "use either --post or --skip, not both" in err


# -- due --skip -------------------------------------------------------------------------------


def test_a_skipped_occurrence_is_neither_due_nor_forecast(ledger_db: Path) -> None:
    _three_schedules()
    assert ok("due", "--skip", "gym", "--date", "2026-03-27") == (
        "Skipped the occurrence of gym due 2026-03-27 (ref T6)\n"
    )
    assert ("gym", "2026-03-27") not in [
        (item["schedule"], item["date"]) for item in ok_json("due")
    ]
    assert ("gym", "2026-03-20") in [(item["schedule"], item["date"]) for item in ok_json("due")]
    # A future one: not in the forecast.
    skipped = ok_json("due", "--skip", "rent", "--date", "2026-05-01")
    assert skipped["ref"] == "T7"
    assert [event["type"] for event in skipped["events"]] == ["OccurrenceSkipped"]
    items = ok_json("forecast", "--through", "2026-06-30")["items"]
    rent = [item["date"] for item in items if item["schedule"] == "rent"]
    assert rent == ["2026-04-01", "2026-06-01"]
    # The skipped 03-27 of gym is not projected either; 03-20, overdue, is (as today).
    gym = [(item["date"], item["due"]) for item in items if item["schedule"] == "gym"]
    assert gym == [
        (TODAY, "2026-03-20"), ("2026-04-03", "2026-04-03"), ("2026-04-10", "2026-04-10"),
        ("2026-04-17", "2026-04-17"), ("2026-04-24", "2026-04-24"),
    ]
    # --post leaves it out.
    ok("due", "--post")
    posted = [(row["schedule"], row["occurrence"]) for row in ok_json("history")
              if row["schedule"] == "gym"]
    assert posted == [("gym", "2026-03-20")]
    count = event_count(ledger_db)
    assert denied("due", "--skip", "gym", "--date", "2026-03-27") == (
        "ledger: the occurrence of gym on 2026-03-27 is already skipped (ref T6)"
    )
    assert event_count(ledger_db) == count


def test_skip_needs_a_day_that_is_an_occurrence(ledger_db: Path) -> None:
    _three_schedules()
    count = event_count(ledger_db)
    assert denied("due", "--skip", "gym", "--date", "2026-03-22") == (
        "ledger: schedule 'gym' has no occurrence on 2026-03-22; the next is on 2026-03-27"
    )
    assert denied("due", "--skip", "gym") == (
        "ledger: say which occurrence: ledger due --skip gym --date DAY"
    )
    assert denied("due", "--skip", "nosuch", "--date", "2026-04-01") == (
        "ledger: no schedule 'nosuch' (`ledger schedule list` shows them)"
    )
    assert event_count(ledger_db) == count


def test_skip_of_an_occurrence_already_posted_is_refused(ledger_db: Path) -> None:
    _three_schedules()
    ok("due", "--post", "gym")
    count = event_count(ledger_db)
    message = denied("due", "--skip", "gym", "--date", "2026-03-20")
    assert "gym" in message and "2026-03-20" in message
    assert event_count(ledger_db) == count


def test_skip_dry_run_writes_nothing(ledger_db: Path) -> None:
    _three_schedules()
    count = event_count(ledger_db)
    assert ok("due", "--skip", "gym", "--date", "2026-03-20", "--dry-run") == (
        "Dry run, nothing written: Skipped the occurrence of gym due 2026-03-20 (ref T6)\n"
    )
    assert event_count(ledger_db) == count
    assert ("gym", "2026-03-20") in [(item["schedule"], item["date"]) for item in ok_json("due")]


# -- forecast ---------------------------------------------------------------------------------


def test_forecast_text() -> None:
    _funded()
    _rent()
    ok("deposit", "250", "--date", "2026-04-15", "--payee", "Aunt")  # T3, post-dated
    assert ok("forecast", "--through", "2026-05-01").splitlines() == [
        "Forecast of checking (USD) from 2026-03-31 through 2026-05-01",
        "date        source    ref/schedule  type     payee        amount    balance",
        "2026-03-31  today                                                  5,000.00",
        "2026-04-01  schedule  rent          check    Landlord  -4,000.00   1,000.00",
        "2026-04-15  entry     T3            deposit  Aunt         250.00   1,250.00",
        "2026-05-01  schedule  rent          check    Landlord  -4,000.00  -2,750.00",
        "Lowest: -2,750.00 on 2026-05-01.",
        "First day below the overdraft limit of 0.00: 2026-05-01 (-2,750.00).",
    ]


def test_forecast_json_with_a_post_dated_entry() -> None:
    _funded()
    _rent()
    ok("deposit", "250", "--date", "2026-04-15", "--payee", "Aunt")  # T3, post-dated
    code, out, err = cli("forecast", "--through", "2026-05-01", "--json")
    assert code == 0
    found = json.loads(out)
    assert _only(found, FORECAST_FIELDS) == {
        "account": "checking",
        "currency": "USD",
        "from": TODAY,
        "through": "2026-05-01",
        "start_balance": "5000.00",
        "items": found["items"],
        "lowest": {"date": "2026-05-01", "balance": "-2750.00"},
        "first_overdraft": {"date": "2026-05-01", "balance": "-2750.00"},
    }
    assert [_only(item, ITEM_FIELDS) for item in found["items"]] == [
        {"date": "2026-04-01", "source": "schedule", "ref": None, "schedule": "rent",
         "type": "check", "amount": "-4000.00", "balance": "1000.00"},
        {"date": "2026-04-15", "source": "entry", "ref": "T3", "schedule": None,
         "type": "deposit", "amount": "250.00", "balance": "1250.00"},
        {"date": "2026-05-01", "source": "schedule", "ref": None, "schedule": "rent",
         "type": "check", "amount": "-4000.00", "balance": "-2750.00"},
    ]
    assert err == (
        "ledger: warning: checking would fall to -2,750.00 on 2026-05-01, below its overdraft "
        "limit of 0.00 (ledger forecast)\n"
    )


def test_the_start_balance_leaves_out_post_dated_entries() -> None:
    _funded()
    ok("check", "100", "--date", "2026-04-02")  # T2, post-dated
    found = ok_json("forecast", "--through", "2026-04-30")
    assert found["start_balance"] == "5000.00"
    assert [(i["date"], i["source"], i["ref"], i["amount"], i["balance"])
            for i in found["items"]] == [("2026-04-02", "entry", "T2", "-100.00", "4900.00")]
    assert found["lowest"] == {"date": "2026-04-02", "balance": "4900.00"}
    assert found["first_overdraft"] is None


def test_overdue_occurrences_are_dated_today() -> None:
    _three_schedules()
    items = ok_json("forecast", "--through", "2026-04-05")["items"]
    # Within a day: money out before money in, then by schedule name (app/schedules.py).
    assert [(i["date"], i["schedule"], i["due"], i["amount"], i["balance"]) for i in items] == [
        (TODAY, "gym", "2026-03-20", "-30.00", "4970.00"),
        (TODAY, "gym", "2026-03-27", "-30.00", "4940.00"),
        (TODAY, "sav", "2026-03-01", "-100.00", "4840.00"),
        (TODAY, "sav", "2026-03-15", "-100.00", "4740.00"),
        (TODAY, "sav", "2026-03-29", "-100.00", "4640.00"),
        ("2026-04-01", "rent", "2026-04-01", "-4000.00", "640.00"),
        ("2026-04-03", "gym", "2026-04-03", "-30.00", "610.00"),
    ]
    assert "sav (due 2026-03-01)" in ok("forecast", "--through", "2026-04-05")


def test_the_receiving_account_of_a_scheduled_transfer_forecasts_it() -> None:
    _three_schedules()
    items = ok_json("forecast", "-a", "savings", "--through", "2026-04-30")["items"]
    assert [(i["date"], i["schedule"], i["amount"], i["balance"]) for i in items] == [
        (TODAY, "sav", "100.00", "100.00"),
        (TODAY, "sav", "100.00", "200.00"),
        (TODAY, "sav", "100.00", "300.00"),
    ]


def test_the_overdraft_warning_respects_the_limit() -> None:
    ok("open", "spare", "--overdraft-limit", "100")
    ok("deposit", "50", "-a", "spare", "--date", "2026-03-01")
    ok("schedule", "add", "fee", "withdraw", "100", "-a", "spare", "--every", "month",
       "--start", "2026-04-10")
    # 04-10: -50.00, within the limit of 100.00: no warning.
    code, out, err = cli("forecast", "-a", "spare", "--through", "2026-04-30")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "Never below the overdraft limit of 100.00."
    found = ok_json("forecast", "-a", "spare", "--through", "2026-04-30")
    assert found["first_overdraft"] is None
    assert found["lowest"] == {"date": "2026-04-10", "balance": "-50.00"}
    # 05-10: -150.00, below minus the limit: a warning, and still exit 0.
    code, out, err = cli("forecast", "-a", "spare", "--through", "2026-05-31")
    assert code == 0
    assert err == (
        "ledger: warning: spare would fall to -150.00 on 2026-05-10, below its overdraft limit "
        "of 100.00 (ledger forecast)\n"
    )
    assert out.splitlines()[-1] == (
        "First day below the overdraft limit of 100.00: 2026-05-10 (-150.00)."
    )


def test_the_forecast_runs_90_days_by_default() -> None:
    _funded()
    ok("schedule", "add", "pay", "deposit", "1", "--every", "day", "--start", "2026-04-01")
    found = ok_json("forecast")
    assert (found["from"], found["through"]) == (TODAY, "2026-06-29")
    assert found["items"][-1]["date"] == "2026-06-29"
    assert len(found["items"]) == 90
    assert found["items"][-1]["balance"] == "5090.00"
    assert ok("forecast").splitlines()[0] == (
        "Forecast of checking (USD) from 2026-03-31 through 2026-06-29"
    )


def test_forecast_all_gives_one_per_account() -> None:
    _three_schedules()
    found = ok_json("forecast", "--all", "--through", "2026-04-30")
    assert isinstance(found, list)
    assert [(f["account"], f["start_balance"], f["through"]) for f in found] == [
        ("checking", "5000.00", "2026-04-30"), ("savings", "0.00", "2026-04-30"),
    ]
    text = ok("forecast", "--all", "--through", "2026-04-30")
    assert "Forecast of checking (USD) from 2026-03-31 through 2026-04-30" in text
    assert "\n\nForecast of savings (USD) from 2026-03-31 through 2026-04-30\n" in text


def test_forecast_refusals() -> None:
    _three_schedules()
    assert denied("forecast", "-a", "savings", "--all") == (
        "ledger: -a/--account and --all cannot be used together"
    )
    assert denied("forecast", "-a", "chekcing") == (
        "ledger: no account 'chekcing'; did you mean 'checking'?"
    )
    assert denied("forecast", "--through", "2026-03-01") == (
        "ledger: --through 2026-03-01 is before today (2026-03-31)"
    )
    assert denied("forecast", "--chart", "--json") == (
        "ledger: --chart and --json cannot be used together"
    )


def test_known_at_reproduces_an_earlier_forecast_and_due_listing() -> None:
    _three_schedules()
    ok("deposit", "20", "--date", "2026-04-20")  # T6, post-dated
    before = ok_json("forecast", "--through", "2026-05-31")
    before_text = ok("forecast", "--through", "2026-05-31")
    before_due = ok_json("due")
    ok("due", "--post")
    ok("due", "--skip", "rent", "--date", "2026-04-01")
    ok("void", "T6")
    ok("schedule", "stop", "gym")
    after = ok_json("forecast", "--through", "2026-05-31")
    assert after["items"] != before["items"]
    assert ok_json("due") == []
    known = before["known_at"]
    assert ok_json("forecast", "--through", "2026-05-31", "--known-at", known) == before
    assert ok("forecast", "--through", "2026-05-31", "--known-at", known) == before_text
    assert ok_json("due", "--known-at", known) == before_due


def test_forecast_chart_draws_a_picture() -> None:
    pytest.importorskip("plotext")
    _funded()
    _rent()
    code, out, err = cli("forecast", "--chart", "--through", "2026-05-01")
    assert code == 0
    assert "checking (USD): projected balance; flat line: overdraft limit" in out
    for day in ("2026-03-31", "2026-05-01"):
        assert day in out
    assert "\x1b[" not in out  # NO_COLOR, and not a terminal
    assert err == (
        "ledger: warning: checking would fall to -3,000.00 on 2026-05-01, below its overdraft "
        "limit of 0.00 (ledger forecast)\n"
    )


def test_schedule_stop_json_names_the_event() -> None:
    _three_schedules()
    assert ok_json("schedule", "stop", "gym") == {
        "ref": "T6",
        "events": [
            {"seq": 7, "type": "ScheduleStopped", "account": None, "amount": None,
             "balance": None}
        ],
        "balance": None,
    }


def test_skip_refusal_under_json_is_one_json_object() -> None:
    _three_schedules()
    code, out, err = cli("due", "--skip", "gym", "--date", "2026-03-21", "--json")
    assert (code, out) == (1, "")
    assert json.loads(err) == {
        "error": "schedule 'gym' has no occurrence on 2026-03-21; the next is on 2026-03-27",
        "code": 1,
    }


def test_with_nothing_lower_the_lowest_point_is_today() -> None:
    _funded()
    ok("schedule", "add", "pay", "deposit", "10", "--every", "week", "--start", "2026-04-01")
    found = ok_json("forecast", "--through", "2026-04-30")
    assert found["lowest"] == {"date": TODAY, "balance": "5000.00"}
    assert found["first_overdraft"] is None
    assert ok("forecast", "--through", "2026-04-30").splitlines()[-2:] == [
        "Lowest: 5,000.00 on 2026-03-31.",
        "Never below the overdraft limit of 0.00.",
    ]


def test_a_voided_post_dated_check_does_not_warn_of_an_overdraft() -> None:
    ok("deposit", "600", "--date", "2026-03-01")  # T1
    ok("check", "500", "--date", "2026-04-20")  # T2, post-dated
    ok("void", "T2")  # T3, effective 2026-04-20 too
    ok("withdraw", "500")  # T4, today: 100.00 left, on every day from now on
    assert ok_json("balance", "--as-of", "2026-04-20")["balance"] == "100.00"
    code, out, err = cli("forecast", "--through", "2026-04-30", "--json")
    assert code == 0
    found = json.loads(out)
    assert found["first_overdraft"] is None
    assert found["lowest"]["balance"] == "100.00"
    assert err == ""
