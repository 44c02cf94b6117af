"""Exact money: parsing user input into integer minor units and printing them back.

No float is ever involved: text is matched by a regular expression and converted with `int`,
and printed back with integer arithmetic.
"""

# No postponed annotations: typing.NamedTuple would compile each string annotation into a
# ForwardRef, doubling what defining a record costs at every start-up (see store/base.py).

import re
from functools import cache
from typing import NamedTuple

from ledger_cli.errors import InvalidValue


class Currency(NamedTuple):
    code: str
    decimals: int
    symbols: tuple[str, ...]


_CURRENCIES = [
    Currency("USD", 2, ("$", "US$")),
    Currency("EUR", 2, ("€",)),
    Currency("GBP", 2, ("£",)),
    Currency("CHF", 2, ()),
    Currency("CAD", 2, ("$", "CA$")),
    Currency("AUD", 2, ("$", "A$")),
    Currency("NZD", 2, ("$", "NZ$")),
    Currency("SEK", 2, ()),
    Currency("NOK", 2, ()),
    Currency("DKK", 2, ()),
    Currency("PLN", 2, ()),
    Currency("CZK", 2, ()),
    Currency("MXN", 2, ("$",)),
    Currency("INR", 2, ("₹",)),
    Currency("CNY", 2, ()),
    Currency("JPY", 0, ("¥",)),
    Currency("KRW", 0, ("₩",)),
    Currency("ISK", 0, ()),
    Currency("KWD", 3, ()),
    Currency("BHD", 3, ()),
]
CURRENCIES: dict[str, Currency] = {c.code: c for c in _CURRENCIES}
DEFAULT_CURRENCY = "USD"

# The largest amount and the largest balance magnitude, in minor units of any currency.
# With |balance| <= MAX_MINOR and |amount| <= MAX_MINOR, every sum the tool forms (balance +
# amount, and totals over up to 9,000 accounts) stays exact in a signed 64-bit integer.
MAX_MINOR = 10**15 - 1

@cache
def _number() -> re.Pattern[str]:
    """The form of a typed amount (compiled on first use: only writes parse amounts)."""
    return re.compile(
        r"""
        (?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)  # 10000 or 10,000 (commas group thousands)
        (?:\.(?P<frac>[0-9]+))?                  # a fraction: 10000.5, 10000.50
        """,
        re.VERBOSE | re.ASCII,
    )


def stored_currency(code: object) -> Currency:
    """The currency a stored code names. A log may hold one this version does not know (a
    hand-made backup, an edited file): it counts as the default currency, so that such a log
    can still be shown and restored (the typed code is checked by `currency`)."""
    return CURRENCIES.get(str(code), CURRENCIES[DEFAULT_CURRENCY])


def currency(code: str) -> Currency:
    """The currency for an ISO 4217 code the tool knows, else InvalidValue naming it."""
    found = CURRENCIES.get(code.upper())
    if found is None:
        known = ", ".join(sorted(CURRENCIES))
        raise InvalidValue(f"unknown currency {code!r}; known: {known}")
    return found


@cache
def _exponent() -> re.Pattern[str]:
    return re.compile(r"[0-9.,]+e[+-]?[0-9]+")


@cache
def _prefixes(cur: Currency) -> tuple[str, ...]:
    """The symbols and the code a typed amount may start with, longest first, upper case."""
    return tuple(p.upper() for p in sorted((*cur.symbols, cur.code), key=len, reverse=True))


def parse_amount(
    text: str, cur: Currency, *, what: str = "amount", allow_zero: bool = False
) -> int:
    """Parse a positive amount typed by a user into minor units of `cur`.

    Accepts `10000`, `10000.5`, `10,000.50` and a leading currency symbol or code
    (`$10,000.50`, `USD 10`). Everything else is an InvalidValue that names the value: signs,
    zero, NaN, infinity, exponents, more decimals than the currency has (even zeros: `2.500`
    may mean 2,500), stray characters, and anything above MAX_MINOR.
    """
    shown = text if len(text) <= 40 else text[:37] + "..."
    body = text.strip()
    if not body:
        raise InvalidValue(f"{what} is empty; give a positive number such as 10000 or 12.50")
    if not body[0].isdigit():
        for prefix in _prefixes(cur):
            if body.upper().startswith(prefix):
                body = body[len(prefix) :].strip()
                break
    if body.startswith("-"):
        raise InvalidValue(f"{what} {shown!r} is negative; amounts are always positive")
    lowered = body.lower()
    if lowered.lstrip("+") in {"nan", "inf", "infinity", "snan"}:
        raise InvalidValue(f"{what} {shown!r} is not a finite number")
    if _exponent().fullmatch(lowered):
        raise InvalidValue(f"{what} {shown!r} uses exponent notation; write the digits out")
    match = _number().fullmatch(body)
    if match is None or not (match["int"] or match["frac"]):
        comma = re.fullmatch(r"([0-9]{1,3}(?:\.[0-9]{3})*|[0-9]+),([0-9]{1,2})", body, re.ASCII)
        if comma is not None:
            # `12,50`, `1.234,56`: a decimal comma, as much of Europe writes it.
            typed = f"{comma[1].replace('.', '')}.{comma[2]}"
            raise InvalidValue(
                f"{what} {shown!r} is not a number: ',' groups thousands here and '.' is the "
                f"decimal mark; if ',' is yours, type {typed}"
            )
        raise InvalidValue(f"{what} {shown!r} is not a number; give digits such as 10000 or 12.50")
    whole = match["int"].replace(",", "")
    frac = match["frac"] or ""
    significant = frac.rstrip("0")
    if len(whole.lstrip("0")) > 18:
        raise InvalidValue(
            f"{what} {shown!r} is above the maximum of {format_amount(MAX_MINOR, cur)}"
        )
    if len(frac) > cur.decimals:
        raise InvalidValue(_too_many_decimals(what, shown, match["int"], frac, cur))
    minor: int = int(whole or "0") * 10**cur.decimals + (
        int(significant.ljust(cur.decimals, "0")) if cur.decimals else 0
    )
    if minor == 0 and not allow_zero:
        raise InvalidValue(f"{what} {shown!r} is zero; it must be greater than 0")
    if minor > MAX_MINOR:
        raise InvalidValue(
            f"{what} {shown!r} is above the maximum of {format_amount(MAX_MINOR, cur)}"
        )
    return minor


def _too_many_decimals(what: str, shown: str, whole: str, frac: str, cur: Currency) -> str:
    """More decimals than the currency has, zeros included: `2.500` may be 2,500 written
    with a '.' grouping thousands (as in much of Europe) as well as 2.50. The message names
    each reading the digits allow, and the form to type for it; money is never guessed."""
    has = f"{cur.code} has {cur.decimals}" if cur.decimals else f"{cur.code} has none"
    readings = []
    if len(frac) == 3 and whole[:1] not in ("", "0") and "," not in whole:
        readings.append(f"if '.' groups thousands, type {whole}{frac}")
    significant = frac.rstrip("0")
    if len(significant) <= cur.decimals:
        typed = whole.replace(",", "") or "0"
        if cur.decimals:
            typed += "." + significant.ljust(cur.decimals, "0")
        meant = f"{typed.rstrip('0').rstrip('.')}" if cur.decimals else typed
        readings.append(f"if it means {meant}, type {typed}" if readings else f"type {typed}")
    tail = f": {'; '.join(readings)}" if readings else ""
    return f"{what} {shown!r} has too many decimals ({len(frac)}; {has}){tail}"


def format_amount(minor: int, cur: Currency, *, grouping: bool = False) -> str:
    """Print minor units with the currency's decimals: 600000 -> "6000.00" (or "6,000.00")."""
    whole, fraction = divmod(abs(minor), 10**cur.decimals)
    sign = "-" if minor < 0 else ""
    digits = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{digits}.{fraction:0{cur.decimals}d}" if cur.decimals else sign + digits


def parse_signed(text: str, cur: Currency, what: str) -> int:
    """A balance as a bank prints it: may be negative (`-12.50`, `(12.50)`) or zero."""
    body = text.strip()
    negative = body.startswith("-") or (body.startswith("(") and body.endswith(")"))
    body = body.strip("()").removeprefix("-").strip()
    minor = parse_amount(body, cur, what=what, allow_zero=True)
    return -minor if negative else minor
