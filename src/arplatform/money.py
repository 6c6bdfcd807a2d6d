"""Money rules: ISO 4217 currencies, minor units and explicit rounding."""

from __future__ import annotations

import decimal
from decimal import Decimal
from enum import StrEnum
from functools import cache

import iso4217


class Rounding(StrEnum):
    """Rounding modes a tenant may choose; ``half_up`` is the commercial default."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"
    UP = "up"

    @property
    def decimal_mode(self) -> str:
        return {
            Rounding.HALF_UP: decimal.ROUND_HALF_UP,
            Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
            Rounding.DOWN: decimal.ROUND_DOWN,
            Rounding.UP: decimal.ROUND_UP,
        }[self]


class MoneyError(ValueError):
    """An amount or currency that cannot be accepted."""


@cache
def minor_units(currency: str) -> int:
    """Decimals of ``currency`` per ISO 4217 (EUR 2, JPY 0, BHD 3)."""
    try:
        exponent = iso4217.Currency(currency).exponent
    except ValueError:
        raise MoneyError(f"{currency!r} is not an ISO 4217 currency code") from None
    if exponent is None:  # funds and metals such as XAU have no minor unit
        raise MoneyError(f"{currency!r} is not a currency that invoices can be issued in")
    return int(exponent)


def is_currency(code: str) -> bool:
    try:
        minor_units(code)
    except MoneyError:
        return False
    return True


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str, rounding: Rounding = Rounding.HALF_UP) -> Decimal:
    """``amount`` rounded to the minor unit of ``currency`` with an explicit mode."""
    return amount.quantize(quantum(currency), rounding=rounding.decimal_mode)


def parse_decimal(text: str, places: int) -> Decimal:
    """A client's decimal string, refused when it has more than ``places`` decimals."""
    try:
        value = Decimal(text)
    except decimal.InvalidOperation:
        raise MoneyError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise MoneyError(f"{text!r} is not a finite number")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places:
        raise MoneyError(f"{text} has more than {places} decimals")
    return value


def parse_amount(text: str, currency: str) -> Decimal:
    """A client's amount, refused when it has more decimals than ``currency`` allows."""
    places = minor_units(currency)
    try:
        return parse_decimal(text, places)
    except MoneyError:
        raise MoneyError(f"{text} has more decimals than {currency} allows ({places})") from None


def format_amount(amount: Decimal, currency: str) -> str:
    """The wire form: a plain decimal string with exactly the currency's decimals."""
    return f"{round_money(amount, currency):f}"
