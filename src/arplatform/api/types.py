"""Bounded field types shared by request and response schemas."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import iso4217
import msgspec
import pycountry


def _currency_codes() -> list[str]:
    return sorted(c.code for c in iso4217.Currency if c.exponent is not None)


def _country_codes() -> list[str]:
    return sorted(country.alpha_2 for country in pycountry.countries)


#: ISO 4217 currencies that have a minor unit (what invoices are issued in).
CurrencyCode = StrEnum("CurrencyCode", {code: code for code in _currency_codes()})  # type: ignore[misc]
#: ISO 3166-1 alpha-2 countries.
CountryCode = StrEnum("CountryCode", {code: code for code in _country_codes()})  # type: ignore[misc]

Amount = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?$",
        max_length=17,
        description="A non-negative decimal string; at most the currency's decimals",
        examples=["1250.00"],
    ),
]
Quantity = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,4})?$",
        max_length=14,
        description="A non-negative decimal string with at most four decimals",
        examples=["3"],
    ),
]
Percent = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$",
        max_length=6,
        description="A percentage from 0 to 100, at most two decimals",
        examples=["20"],
    ),
]
#: Control characters, C0 and C1 (PostgreSQL refuses NUL).
CONTROL = r"\x00-\x1f\x7f-\x9f"
#: Blanks spelled out: ``\s`` means different sets in Python's ``re`` (which checks
#: the input) and in ECMA regexes (which the OpenAPI schema's clients use).
BLANK = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
#: Printable text: no control characters, no outer blanks.
TEXT_PATTERN = rf"^[^{CONTROL}{BLANK}]([^{CONTROL}]*[^{CONTROL}{BLANK}])?$"
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
#: An e-mail address as mail servers accept it (no blanks or controls, a dotted domain).
Email = Annotated[
    str,
    msgspec.Meta(
        max_length=254,
        pattern=rf"^[^@{CONTROL}{BLANK}]{{1,64}}@[A-Za-z0-9.-]{{1,185}}\.[A-Za-z]{{2,24}}$",
    ),
]
#: Free text over several lines (a letter, a template): anything but NUL.
PROSE_PATTERN = r"^[^\x00]*$"
#: A client's own reference: printable ASCII, no outer blanks.
REFERENCE_PATTERN = r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$"
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=REFERENCE_PATTERN)]
#: A company or tax identifier as written ("Berlin (Charlottenburg) HRB 12345 B");
#: checked and compacted per country by the service.
Identifier = Annotated[str, msgspec.Meta(min_length=2, max_length=50, pattern=TEXT_PATTERN)]
Language = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$",
        max_length=35,
        description="BCP 47 language tag",
        examples=["en", "zh-Hans"],
    ),
]


class StrictStruct(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields (``id``, ``tenant_id``, ``status``…) are refused."""

    def __post_init__(self) -> None:
        # Python's ``$`` also matches before a final line break, ECMA's (the schema's)
        # does not: refuse what the published patterns refuse.
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str) and value.endswith("\n"):
                raise ValueError(f"`{name}` must not end with a line break")
