"""`ledger report` (SPEC 11) through the command line: sections, parents and their subtotals,
periods and their labels, the filters, budgets, JSON and CSV, the table on an 80-column
terminal, the chart, and a report reproduced with --known-at after later corrections."""

from __future__ import annotations

import pytest
from conftest import cli, denied, ok, ok_json, ref


def _household() -> dict[str, str]:
    ok("open", "savings", "--date", "2026-01-01")
    refs = {
        "jan-salary": ref(
            "deposit", "3000", "--payee", "Acme", "-c", "income:salary", "--date", "2026-01-15"
        ),
        "rent": ref("check", "1200", "-c", "home:rent", "--date", "2026-01-20"),
        "groceries": ref("check", "80.50", "-c", "food:groceries", "--date", "2026-01-21"),
        "split": ref(
            "check",
            "60",
            "--split",
            "food:groceries=45",
            "--split",
            "home=15",
            "--date",
            "2026-02-03",
        ),
        "refund": ref("deposit", "20", "-c", "food:groceries", "--date", "2026-02-04"),
        "feb-salary": ref("deposit", "3000", "--payee", "Acme", "--date", "2026-02-15"),
        "transfer": ref(
            "transfer", "500", "--from", "checking", "--to", "savings", "--date", "2026-02-16"
        ),
        "dinner": ref("withdraw", "35", "-c", "food:dining", "--date", "2026-03-02"),
        "interest": ref(
            "interest", "1.25", "-a", "savings", "-c", "income:interest", "--date", "2026-03-31"
        ),
    }
    return refs


def _amounts(report: dict[str, object]) -> dict[str, dict[str, str]]:
    return {row["category"]: row["amounts"] for row in report["rows"]}  # type: ignore[index, union-attr]


def test_the_report_has_sections_parents_and_totals_per_month() -> None:
    _household()
    report = ok_json("report")
    assert report["by"] == "month"
    assert report["currency"] == "USD"
    assert report["periods"] == ["2026-01", "2026-02", "2026-03"]
    rows = [(r["category"], r["depth"], r["section"], r["total"]) for r in report["rows"]]
    assert rows == [
        ("income", 1, "income", "6001.25"),
        ("income:interest", 2, "income", "1.25"),
        ("income:salary", 2, "income", "6000.00"),
        ("food", 1, "spending", "140.50"),
        ("food:dining", 2, "spending", "35.00"),
        ("food:groceries", 2, "spending", "105.50"),
        ("home", 1, "spending", "1215.00"),
        ("home:rent", 2, "spending", "1200.00"),
    ]
    amounts = _amounts(report)
    # A refund lowers its category's spending; a split counts in each of its categories.
    assert amounts["food:groceries"] == {"2026-01": "80.50", "2026-02": "25.00", "2026-03": "0.00"}
    assert amounts["home"] == {"2026-01": "1200.00", "2026-02": "15.00", "2026-03": "0.00"}
    # The transfer to savings is neither income nor spending.
    assert report["totals"] == {
        "income": {"2026-01": "3000.00", "2026-02": "3000.00", "2026-03": "1.25"},
        "spending": {"2026-01": "1280.50", "2026-02": "40.00", "2026-03": "35.00"},
        "net": {"2026-01": "1719.50", "2026-02": "2960.00", "2026-03": "-33.75"},
    }


def test_voids_unvoids_and_categorize_move_the_money_between_categories() -> None:
    refs = _household()
    ok("void", refs["rent"])
    ok("categorize", refs["dinner"], "-c", "fun")
    report = ok_json("report", "--by", "quarter")
    totals = {row["category"]: row["total"] for row in report["rows"]}
    assert "home:rent" not in totals and totals["home"] == "15.00"
    assert totals["fun"] == "35.00" and "food:dining" not in totals
    ok("unvoid", refs["rent"])
    totals = {row["category"]: row["total"] for row in ok_json("report", "--by", "year")["rows"]}
    assert totals["home:rent"] == "1200.00"


@pytest.mark.parametrize(
    ("by", "labels"),
    [
        ("quarter", ["2026-Q1"]),
        ("year", ["2026"]),
        ("week", ["2026-W03", "2026-W04", "2026-W05", "2026-W06"]),
    ],
)
def test_period_labels(by: str, labels: list[str]) -> None:
    ok("deposit", "10", "-c", "gifts", "--date", "2026-01-15")
    ok("deposit", "10", "-c", "gifts", "--date", "2026-02-02")
    assert ok_json("report", "--by", by)["periods"] == labels


def test_since_and_as_of_cut_the_first_and_last_periods() -> None:
    _household()
    report = ok_json("report", "--since", "2026-01-21", "--as-of", "2026-02-10")
    assert (report["since"], report["as_of"]) == ("2026-01-21", "2026-02-10")
    assert report["periods"] == ["2026-01", "2026-02"]
    assert report["totals"]["spending"] == {"2026-01": "80.50", "2026-02": "40.00"}
    assert report["totals"]["income"] == {"2026-01": "0.00", "2026-02": "0.00"}


def test_depth_category_and_account_filters() -> None:
    _household()
    top = ok_json("report", "--depth", "1")
    assert [row["category"] for row in top["rows"]] == ["income", "food", "home"]
    assert top["totals"] == ok_json("report")["totals"]
    food = ok_json("report", "-c", "food")
    assert [row["category"] for row in food["rows"]] == ["food", "food:dining", "food:groceries"]
    assert food["totals"]["spending"] == {
        "2026-01": "80.50",
        "2026-02": "25.00",
        "2026-03": "35.00",
    }
    savings = ok_json("report", "-a", "savings")
    assert [row["category"] for row in savings["rows"]] == ["income", "income:interest"]
    assert denied("report", "-a", "savngs") == (
        "ledger: no account 'savngs'; did you mean 'savings'?"
    )


def test_report_by_payee() -> None:
    _household()
    report = ok_json("report", "--payee", "--by", "year")
    totals = {row["payee"]: (row["section"], row["total"]) for row in report["rows"]}
    assert totals["Acme"] == ("income", "6000.00")
    assert totals["(no payee)"][0] == "spending"


def test_budgets_show_budget_actual_what_is_left_and_the_periods_over() -> None:
    _household()
    ok("budget", "food", "100", "--from", "2026-01")
    ok("budget", "food", "30", "--from", "2026-03")
    report = ok_json("report", "--budget")
    food = next(row for row in report["rows"] if row["category"] == "food")
    assert food["budget"] == {"2026-01": "100.00", "2026-02": "100.00", "2026-03": "30.00"}
    assert food["left"] == {"2026-01": "19.50", "2026-02": "75.00", "2026-03": "-5.00"}
    assert food["over"] == ["2026-03"]
    groceries = next(row for row in report["rows"] if row["category"] == "food:groceries")
    assert (groceries["budget"], groceries["left"], groceries["over"]) == (None, None, [])
    quarter = ok_json("report", "--budget", "--by", "quarter")
    food = next(row for row in quarter["rows"] if row["category"] == "food")
    assert (food["budget"], food["over"]) == ({"2026-Q1": "230.00"}, [])
    text = ok("report", "--budget")
    assert "food      2026-03   30.00   35.00  -5.00  OVER" in text
    assert denied("report", "--budget", "--by", "week") == (
        "ledger: --budget needs --by month, quarter or year (budgets are monthly)"
    )


def test_a_budget_without_spending_still_shows() -> None:
    ok("deposit", "100", "-c", "income", "--date", "2026-03-01")
    ok("budget", "travel", "200", "--from", "2026-03")
    rows = ok_json("report", "--budget")["rows"]
    travel = next(row for row in rows if row["category"] == "travel")
    assert (travel["total"], travel["left"]) == ("0.00", {"2026-03": "200.00"})


def test_known_at_reproduces_the_report_as_printed() -> None:
    refs = _household()
    printed = ok_json("report")
    ok("categorize", refs["groceries"], "-c", "fun")
    ok("void", refs["rent"])
    ok("deposit", "99", "-c", "gifts", "--date", "2026-01-05")
    ok("budget", "food", "1", "--from", "2026-01")
    assert ok_json("report") != printed
    assert ok_json("report", "--known-at", printed["known_at"]) == printed


def test_csv_has_a_line_per_row_and_the_totals() -> None:
    ok("deposit", "100", "-c", "income:salary", "--date", "2026-03-01")
    ok("check", "40", "-c", "food", "--date", "2026-04-01")
    assert ok("report", "--csv").splitlines() == [
        "currency,section,category,depth,2026-03,2026-04,total",
        "USD,income,income,1,100.00,0.00,100.00",
        "USD,income,income:salary,2,100.00,0.00,100.00",
        "USD,spending,food,1,0.00,40.00,40.00",
        "USD,total,income,0,100.00,0.00,100.00",
        "USD,total,spending,0,0.00,40.00,40.00",
        "USD,total,net,0,100.00,-40.00,60.00",
    ]


def test_every_currency_has_its_own_report() -> None:
    ok("deposit", "100", "-c", "gifts", "--date", "2026-03-01")
    ok("open", "euro", "--currency", "EUR", "--date", "2026-03-01")
    ok("deposit", "50", "-a", "euro", "-c", "gifts", "--date", "2026-03-02")
    reports = ok_json("report")
    assert [(r["currency"], r["totals"]["income"]) for r in reports] == [
        ("EUR", {"2026-03": "50.00"}),
        ("USD", {"2026-03": "100.00"}),
    ]


def test_the_table_fits_80_columns_and_says_what_it_left_out() -> None:
    ok("deposit", "100000", "-c", "income:salary", "--date", "2025-01-01")
    for month in range(1, 13):
        ok("check", "1234.56", "-c", "home:rent", "--date", f"2025-{month:02d}-03")
    code, out, err = cli("report", env={"COLUMNS": "80"})
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80, out
    assert lines[1].split()[-1] == "total" and "2025-12" in lines[1]
    assert "2025-01" not in lines[1]
    assert lines[-1] == "(8 earlier months left out to fit 80 columns; the total covers them)"
    rent = next(line for line in lines if line.strip().startswith("rent"))
    assert rent.split()[-1] == "14,814.72"  # the total covers every period
    wide = cli("report", env={"COLUMNS": "250"})[1]
    assert "left out" not in wide and "2025-01" in wide


def test_text_report_sections_and_totals() -> None:
    ok("deposit", "100", "-c", "income:salary", "--date", "2026-03-01")
    ok("check", "40", "-c", "food:groceries", "--date", "2026-03-02")
    out = ok("report", "--known-at", "now")
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0].startswith("By category and month (USD), as known at ")
    assert lines[1:] == [
        "category        2026-03   total",
        "INCOME",
        "  income         100.00  100.00",
        "    salary       100.00  100.00",
        "SPENDING",
        "  food            40.00   40.00",
        "    groceries     40.00   40.00",
        "income total     100.00  100.00",
        "spending total    40.00   40.00",
        "net               60.00   60.00",
    ]


def test_an_empty_report_and_bad_options() -> None:
    ok("open", "savings")
    assert ok("report").endswith(": nothing was spent or received in these periods.\n")
    assert ok_json("report")["rows"] == []
    assert denied("report", "--by", "day") == (
        "ledger: --by 'day' is not one of month, quarter, year, week"
    )
    assert denied("report", "--since", "2026-03-02", "--as-of", "2026-03-01") == (
        "ledger: --since 2026-03-02 is after --as-of 2026-03-01"
    )
    assert denied("report", "--chart", "--json").startswith("ledger: --chart draws in the terminal")


def test_the_chart_draws_spending_per_category() -> None:
    pytest.importorskip("plotext")
    ok("deposit", "100", "-c", "income", "--date", "2026-03-01")
    ok("check", "40", "-c", "food:groceries", "--date", "2026-03-02")
    ok("check", "25", "-c", "home", "--date", "2026-03-03")
    out = ok("report", "--chart")
    assert "spending by category, 2026-03 to 2026-03 (USD)" in out
    assert out.splitlines()[-2:] == ["  food: 40.00", "  home: 25.00"]


def test_a_budget_is_cut_to_the_months_the_report_covers() -> None:
    ok("deposit", "1000", "-c", "income", "--date", "2026-09-01")
    ok("budget", "food", "300", "--from", "2026-09")
    ok("check", "40", "-c", "food", "--date", "2026-10-03")
    year = ok_json(
        "report", "--budget", "--by", "year", "--since", "2026-10-01", "--as-of", "2026-10-31"
    )
    food = next(row for row in year["rows"] if row["category"] == "food")
    assert (food["budget"], food["left"]) == ({"2026": "300.00"}, {"2026": "260.00"})
    quarter = ok_json("report", "--budget", "--by", "quarter", "--as-of", "2026-10-15")
    food = next(row for row in quarter["rows"] if row["category"] == "food")
    assert food["budget"] == {"2026-Q3": "300.00", "2026-Q4": "300.00"}


def test_no_budget_before_it_starts_and_never_over_there() -> None:
    ok("deposit", "1000", "-c", "income", "--date", "2026-09-01")
    ok("check", "80", "-c", "food:dining", "--date", "2026-09-02")
    ok("budget", "food:dining", "50", "--from", "2026-10")
    ok("check", "60", "-c", "food:dining", "--date", "2026-10-02")
    report = ok_json("report", "--budget")
    dining = next(row for row in report["rows"] if row["category"] == "food:dining")
    assert dining["budget"] == {"2026-09": None, "2026-10": "50.00"}
    assert dining["left"] == {"2026-09": None, "2026-10": "-10.00"}
    assert dining["over"] == ["2026-10"]
    text = ok("report", "--budget")
    assert "2026-09  " not in text.split("Budget and actual")[1]


def test_a_report_known_before_the_first_event_says_so() -> None:
    ok("deposit", "10", "-c", "gifts", "--date", "2026-03-01")
    assert ok("report", "--known-at", "2020-01-01").endswith(
        ": nothing was spent or received in these periods.\n"
    )
    assert ok_json("report", "--known-at", "2020-01-01")["rows"] == []


def test_long_category_names_keep_the_table_within_80_columns() -> None:
    ok("deposit", "100", "-c", "income:salary", "--date", "2026-01-01")
    deep = "household:maintenance:plumbing-and-heating:emergency-call-outs:weekend"
    for month in range(1, 13):
        ok("check", "1", "-c", deep, "--date", f"2026-{month:02d}-02")
    out = cli("report", env={"COLUMNS": "80"})[1]
    assert max(len(line) for line in out.splitlines()) <= 80, out
    assert "\n        emergency-call-ou… " in out  # a child by its last level, cut
    assert "\n    salary " in out


def test_csv_by_payee_names_its_column_payee() -> None:
    ok("deposit", "10", "--payee", "Acme", "-c", "gifts", "--date", "2026-03-01")
    assert ok("report", "--payee", "--csv").splitlines()[0] == (
        "currency,section,payee,depth,2026-03,total"
    )
