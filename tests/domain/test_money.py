"""Money (domain/money.py): what `parse_amount` accepts and denies, and `format_amount`
(README, "Commands": amounts are exact).

Amounts are exact integer minor units; no float is involved anywhere on their path.
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ledger_cli
from ledger_cli.domain.money import (
    CURRENCIES,
    MAX_MINOR,
    Currency,
    currency,
    format_amount,
    parse_amount,
)
from ledger_cli.errors import InvalidValue

USD = CURRENCIES["USD"]
EUR = CURRENCIES["EUR"]
JPY = CURRENCIES["JPY"]
KWD = CURRENCIES["KWD"]

ALL_CURRENCIES = [CURRENCIES[code] for code in sorted(CURRENCIES)]


# --- accepted forms -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("10000", 1_000_000),
        ("10000.5", 1_000_050),
        ("10,000.50", 1_000_050),
        ("$10,000.50", 1_000_050),
        ("10.50", 1_050),
        ("0.01", 1),
        ("1", 100),
        ("1,234,567.89", 123_456_789),
        ("US$12.30", 1_230),
        ("USD 12.30", 1_230),
        ("  42.00  ", 4_200),
        # values whose float products are not exact (0.29 * 100 == 28.999999999999996)
        ("0.29", 29),
        ("1.15", 115),
        ("4.35", 435),
        ("9999999999999.99", MAX_MINOR),
    ],
)
def test_usd_accepted_forms_are_exact_minor_units(text: str, minor: int) -> None:
    result = parse_amount(text, USD)
    assert result == minor
    assert type(result) is int


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("10000", 10_000),
        ("10,000", 10_000),
        ("¥10,000", 10_000),
        ("1", 1),
        ("999999999999999", MAX_MINOR),
    ],
)
def test_jpy_has_no_decimals(text: str, minor: int) -> None:
    result = parse_amount(text, JPY)
    assert result == minor
    assert type(result) is int


def test_decimals_follow_the_currency() -> None:
    assert JPY.decimals == 0
    assert USD.decimals == 2
    assert EUR.decimals == 2
    assert parse_amount("12.5", EUR) == 1_250
    assert parse_amount("€12.50", EUR) == 1_250
    assert parse_amount("1.234", KWD) == 1_234


def test_currency_lookup_is_case_insensitive_and_denies_unknown_codes() -> None:
    assert currency("usd") is USD
    assert currency("JPY") is JPY
    with pytest.raises(InvalidValue, match="'XYZ'"):
        currency("XYZ")


# --- denials ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("-5", "negative"),
        ("-0.01", "negative"),
        ("-$5", "negative"),
        ("$-5", "negative"),
        ("-inf", "negative"),
        ("0", "zero"),
        ("0.00", "zero"),
        ("$0", "zero"),
        ("000.00", "zero"),
        ("000.000", "too many decimals"),
        ("10.500", "too many decimals"),
        ("NaN", "not a finite number"),
        ("nan", "not a finite number"),
        ("sNaN", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("inf", "not a finite number"),
        ("+inf", "not a finite number"),
        ("1e5", "exponent"),
        ("1E5", "exponent"),
        ("1.5e-3", "exponent"),
        ("2e+2", "exponent"),
        ("10.001", "too many decimals"),
        ("0.005", "too many decimals"),
        ("10.5001", "too many decimals"),
        ("abc", "not a number"),
        ("12abc", "not a number"),
        ("1,00", "not a number"),
        ("10 000", "not a number"),
        ("1.2.3", "not a number"),
        ("5.", "not a number"),
        ("$", "not a number"),
        ("0x10", "not a number"),
        ("١٠", "not a number"),
        ("10000000000000", "above the maximum"),
        ("10,000,000,000,000.00", "above the maximum"),
        ("99999999999999999999", "above the maximum"),
    ],
)
def test_usd_denials_name_the_value(text: str, why: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_amount(text, USD)
    message = str(caught.value)
    assert repr(text) in message
    assert why in message


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_empty_amount_is_denied(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_amount(text, USD)
    assert "empty" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("10.5", "too many decimals"),
        ("0.1", "too many decimals"),
        ("1000000000000000", "above the maximum"),
        ("0", "zero"),
    ],
)
def test_jpy_denials_name_the_value(text: str, why: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_amount(text, JPY)
    message = str(caught.value)
    assert repr(text) in message
    assert why in message


def test_maximum_is_exactly_max_minor_and_is_named() -> None:
    assert MAX_MINOR == 10**15 - 1
    assert parse_amount("9999999999999.99", USD) == MAX_MINOR
    with pytest.raises(InvalidValue) as caught:
        parse_amount("10000000000000.00", USD)
    assert "9999999999999.99" in str(caught.value)
    # Every sum of a balance and an amount within the bound fits a signed 64-bit integer,
    # and so do totals over thousands of accounts.
    assert 2 * MAX_MINOR <= 2**63 - 1
    assert 9_000 * MAX_MINOR <= 2**63 - 1


def test_zero_is_allowed_only_when_asked() -> None:
    assert parse_amount("0", USD, allow_zero=True) == 0
    assert parse_amount("0.00", USD, what="overdraft limit", allow_zero=True) == 0
    with pytest.raises(InvalidValue, match="^overdraft limit '-1' is negative"):
        parse_amount("-1", USD, what="overdraft limit", allow_zero=True)


# --- formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "cur", "plain", "grouped"),
    [
        (600_000, USD, "6000.00", "6,000.00"),
        (1, USD, "0.01", "0.01"),
        (0, USD, "0.00", "0.00"),
        (-1_234, USD, "-12.34", "-12.34"),
        (-123_456_789, EUR, "-1234567.89", "-1,234,567.89"),
        (MAX_MINOR, USD, "9999999999999.99", "9,999,999,999,999.99"),
        (-MAX_MINOR, USD, "-9999999999999.99", "-9,999,999,999,999.99"),
        (1_000, JPY, "1000", "1,000"),
        (MAX_MINOR, JPY, "999999999999999", "999,999,999,999,999"),
        (1_234, KWD, "1.234", "1.234"),
    ],
)
def test_format_amount_prints_the_currency_decimals(
    minor: int, cur: Currency, plain: str, grouped: str
) -> None:
    assert format_amount(minor, cur) == plain
    assert format_amount(minor, cur, grouping=True) == grouped


currencies = st.sampled_from(ALL_CURRENCIES)
positive = st.integers(min_value=1, max_value=MAX_MINOR)
bounded = st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR)


@given(n=positive, cur=currencies, grouping=st.booleans())
def test_format_then_parse_round_trips(n: int, cur: Currency, grouping: bool) -> None:
    text = format_amount(n, cur, grouping=grouping)
    result = parse_amount(text, cur)
    assert result == n
    assert type(result) is int


@given(n=positive, cur=currencies)
def test_round_trip_with_symbol_prefix_and_trailing_zeros_denied(n: int, cur: Currency) -> None:
    prefix = cur.symbols[0] if cur.symbols else cur.code + " "
    text = prefix + format_amount(n, cur, grouping=True)
    assert parse_amount(text, cur) == n
    # Zeros past the currency's decimals are denied: `2.500` may mean 2,500 (SPEC 2).
    padded = format_amount(n, cur) + ("000" if cur.decimals else ".000")
    with pytest.raises(InvalidValue, match="too many decimals"):
        parse_amount(padded, cur)


@given(n=bounded, cur=currencies)
def test_format_is_exact_for_every_amount_in_range(n: int, cur: Currency) -> None:
    text = format_amount(n, cur)
    decimals = cur.decimals
    pattern = r"-?[0-9]+" + (rf"\.[0-9]{{{decimals}}}" if decimals else "")
    assert re.fullmatch(pattern, text)
    assert Decimal(text).scaleb(decimals) == n
    if n == 0:
        with pytest.raises(InvalidValue, match="zero"):
            parse_amount(text, cur)
    elif n < 0:
        with pytest.raises(InvalidValue, match="negative"):
            parse_amount(text, cur)
    else:
        assert parse_amount(text, cur) == n


@given(n=st.integers(min_value=MAX_MINOR + 1, max_value=10**30), cur=currencies)
def test_anything_above_the_maximum_is_denied(n: int, cur: Currency) -> None:
    text = format_amount(n, cur)
    with pytest.raises(InvalidValue, match="above the maximum"):
        parse_amount(text, cur)


@given(whole=st.integers(0, 10**6), extra=st.integers(1, 9), cur=currencies)
def test_one_significant_decimal_too_many_is_denied(whole: int, extra: int, cur: Currency) -> None:
    decimals = cur.decimals
    text = f"{whole}." + "0" * decimals + str(extra)
    with pytest.raises(InvalidValue) as caught:
        parse_amount(text, cur)
    assert "too many decimals" in str(caught.value)
    assert repr(text) in str(caught.value)


# --- no float anywhere --------------------------------------------------------------------

# The only float-typed values in the package: a fuzzy-match cutoff for account-name hints,
# the busy timeout and the pause between lock attempts in seconds, and a path join. None is
# an amount.
_ALLOWED = {
    ("accounts.py", "cutoff=0.6"),
    ("connection.py", "time.sleep(0.01)"),
    ("connection.py", "busy_timeout_ms() / 1000"),
    ("connection.py", "timeout=SQLITE_WAIT_MS / 1000"),
    ("location.py", 'user_data_path("ledger", appauthor=False) / "ledger.db"'),
}


def _float_uses(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        is_float = (
            (isinstance(node, ast.Constant) and isinstance(node.value, float))
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"float", "round"}
            )
            or (isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Div))
        )
        if is_float:
            line = lines[node.lineno - 1]
            if not any(path.name == name and snippet in line for name, snippet in _ALLOWED):
                found.append((node.lineno, line.strip()))
    return found


def test_no_float_in_the_package() -> None:
    package = Path(ledger_cli.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert {p.name for p in modules} >= {"money.py", "decider.py", "service.py", "outcome.py"}
    offenders = {p.name: uses for p in modules if (uses := _float_uses(p))}
    assert offenders == {}


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        (
            "2.500",
            "EUR",
            "amount '2.500' has too many decimals (3; EUR has 2): if '.' groups thousands, "
            "type 2500; if it means 2.5, type 2.50",
        ),
        (
            "10.555",
            "USD",
            "amount '10.555' has too many decimals (3; USD has 2): if '.' groups thousands, "
            "type 10555",
        ),
        ("100.0", "JPY", "amount '100.0' has too many decimals (1; JPY has none): type 100"),
        (
            "1,234.500",
            "USD",
            "amount '1,234.500' has too many decimals (3; USD has 2): type 1234.50",
        ),
        ("0.005", "USD", "amount '0.005' has too many decimals (3; USD has 2)"),
    ],
)
def test_more_decimals_than_the_currency_names_each_reading(
    text: str, code: str, message: str
) -> None:
    """`deposit 2.500` on a EUR account recorded 2.50 where a European meant 2,500: more
    decimals than the currency has are denied even when they are zeros, naming both
    readings and the form to type for each (issue: the way back, trap 2)."""
    with pytest.raises(InvalidValue) as caught:
        parse_amount(text, currency(code))
    assert str(caught.value) == message
