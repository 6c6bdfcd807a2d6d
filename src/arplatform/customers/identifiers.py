"""Company identifiers checked with python-stdnum where the country has a validator."""

from __future__ import annotations

from typing import Any

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.util import get_cc_module

#: The national company-register number per country, where python-stdnum knows it.
REGISTRATION_MODULES = {
    "au": "abn",
    "br": "cnpj",
    "ca": "bn",
    "ch": "uid",
    "cn": "uscc",
    "de": "handelsregisternummer",
    "dk": "cvr",
    "es": "cif",
    "fi": "ytunnus",
    "fr": "siren",
    "jp": "cn",
    "no": "orgnr",
    "pl": "regon",
    "se": "orgnr",
    "sg": "uen",
    "tw": "ubn",
    "us": "ein",
}


class IdentifierError(ValueError):
    """An identifier that fails its country's check."""


def _module(country: str, name: str | None) -> Any:
    if name is None:
        return None
    try:
        return get_cc_module(country.lower(), name)
    except ImportError:
        return None


def _normalise(module: Any, value: str, label: str, country: str) -> str:
    if module is None:
        return value.strip()
    try:
        compact: str = module.validate(value)
    except ValidationError as exc:
        raise IdentifierError(f"{value!r} is not a valid {country} {label}: {exc}") from None
    return compact


def normalise_vat(country: str, value: str) -> str:
    """The compact VAT number; refused when the country's check digits do not match.

    EU numbers keep their country prefix (``DE136695976``), as on invoices and in VIES.
    """
    prefix = "EL" if country.upper() == "GR" else country.upper()
    if country.lower() in eu_vat.MEMBER_STATES:
        compact = value.replace(" ", "").upper()
        with_prefix = compact if compact[:2].isalpha() else prefix + compact
        number = _normalise(eu_vat, with_prefix, "VAT number", country)
        if not number.startswith(prefix):
            raise IdentifierError(f"{value!r} is not a {country} VAT number")
        return number
    return _normalise(_module(country, "vat"), value, "VAT number", country)


def normalise_registration(country: str, value: str) -> str:
    """The compact company-register number, checked where the country has a validator."""
    module = _module(country, REGISTRATION_MODULES.get(country.lower()))
    return _normalise(module, value, "registration number", country)
