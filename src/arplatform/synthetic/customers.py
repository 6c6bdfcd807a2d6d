"""Synthetic customers: names, countries, VAT numbers, terms and payment behaviour."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from stdnum import luhn
from stdnum.iso7064 import mod_11_10

from arplatform.money import minor_units


class Profile(StrEnum):
    """How a customer pays; drives every settlement the generator plans."""

    PROMPT = "prompt"  # on or before the due date
    SLOW = "slow"  # 5-30 days late
    CHRONIC_LATE = "chronic_late"  # 30-120 days late, often in parts
    DEFAULTING = "defaulting"  # stops paying at some point; old debt is written off


PROFILE_MIX = (
    (Profile.PROMPT, 0.45),
    (Profile.SLOW, 0.30),
    (Profile.CHRONIC_LATE, 0.15),
    (Profile.DEFAULTING, 0.10),
)

#: Customer countries per tenant currency (the first is the tenant's home country).
COUNTRIES: dict[str, tuple[tuple[str, int], ...]] = {
    "EUR": (("DE", 40), ("FR", 15), ("NL", 10), ("IT", 10), ("ES", 8), ("BE", 6), ("AT", 6),
            ("FI", 3), ("IE", 2)),
    "JPY": (("JP", 85), ("KR", 5), ("TW", 5), ("SG", 5)),
    "BHD": (("BH", 75), ("SA", 10), ("AE", 10), ("KW", 5)),
    "GBP": (("GB", 85), ("IE", 8), ("NL", 7)),
    "USD": (("US", 85), ("CA", 10), ("MX", 5)),
    "CHF": (("CH", 80), ("DE", 10), ("AT", 5), ("FR", 5)),
}  # fmt: skip
OTHER_COUNTRIES = (("US", 30), ("GB", 20), ("DE", 20), ("SG", 15), ("AE", 15))

#: (standard, reduced) VAT rate in whole percent; integers keep line tax exact.
TAX_RATES = {
    "DE": (19, 7), "FR": (20, 10), "NL": (21, 9), "IT": (22, 10), "ES": (21, 10),
    "BE": (21, 6), "AT": (20, 10), "FI": (24, 14), "IE": (23, 13), "JP": (10, 8),
    "KR": (10, 10), "TW": (5, 5), "SG": (9, 9), "BH": (10, 10), "SA": (15, 15),
    "AE": (5, 5), "KW": (0, 0), "GB": (20, 5), "US": (0, 0), "CA": (5, 5),
    "MX": (16, 16), "CH": (8, 3),
}  # fmt: skip
LANGUAGES = {
    "DE": "de", "AT": "de", "CH": "de", "FR": "fr", "BE": "nl", "NL": "nl", "IT": "it",
    "ES": "es", "MX": "es", "FI": "fi", "JP": "ja", "KR": "ko", "TW": "zh", "BH": "ar",
    "SA": "ar", "AE": "ar", "KW": "ar",
}  # fmt: skip
LEGAL_FORMS = {
    "DE": ("GmbH", "AG", "GmbH & Co. KG"), "AT": ("GmbH", "AG"), "CH": ("AG", "GmbH", "SA"),
    "FR": ("SAS", "SARL", "SA"), "BE": ("BV", "SRL", "NV"), "NL": ("B.V.", "N.V."),
    "IT": ("S.r.l.", "S.p.A."), "ES": ("S.L.", "S.A."), "FI": ("Oy", "Oyj"),
    "IE": ("Ltd", "DAC"), "GB": ("Ltd", "PLC", "LLP"), "US": ("Inc.", "LLC", "Corp."),
    "CA": ("Inc.", "Ltd."), "MX": ("S.A. de C.V.",), "JP": ("K.K.", "G.K."),
    "KR": ("Co., Ltd.",), "TW": ("Co., Ltd.",), "SG": ("Pte. Ltd.",),
    "BH": ("W.L.L.", "B.S.C."), "SA": ("LLC",), "AE": ("LLC", "FZE"), "KW": ("W.L.L.",),
}  # fmt: skip
NAME_FIRST = (
    "Atlas", "Nordwind", "Orion", "Falcon", "Silverline", "Bluewater", "Alpine", "Summit",
    "Harbor", "Redwood", "Granite", "Meridian", "Polaris", "Cedar", "Horizon", "Evergreen",
    "Ironbridge", "Sunrise", "Crescent", "Pioneer", "Lakeside", "Northstar", "Riverside",
    "Keystone", "Beacon", "Highland", "Oakridge", "Stellar", "Coastal", "Vertex", "Aurora",
    "Pinnacle", "Westgate", "Kestrel", "Sterling", "Fjord", "Sakura", "Delta", "Zenith", "Amber",
)  # fmt: skip
NAME_MIDDLE = ("Global", "Nordic", "United", "Euro", "Pacific", "Central", "Modern", "Royal")
NAME_LAST = (
    "Logistics", "Foods", "Metals", "Textiles", "Systems", "Pharma", "Builders", "Trading",
    "Electronics", "Plastics", "Paper", "Motors", "Furniture", "Solar", "Farms", "Optics",
    "Chemicals", "Tools", "Packaging", "Engineering", "Retail", "Wholesale", "Machinery",
    "Dairy", "Beverages", "Software", "Hospitality", "Timber", "Ceramics", "Automotive",
)  # fmt: skip
METHODS = ("bank_transfer", "cheque", "card")
METHOD_WEIGHTS = (90, 5, 5)

#: Typical invoice size in major units of a currency worth one euro (scaled per currency).
MEDIAN_INVOICE_EUR = 1200.0
EUR_VALUE = {
    "JPY": 160.0, "KRW": 1450.0, "BHD": 0.41, "KWD": 0.33, "OMR": 0.42, "JOD": 0.77,
    "TND": 3.4, "IQD": 1400.0, "GBP": 0.85, "USD": 1.08, "CHF": 0.95, "SEK": 11.5,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyntheticCustomer:
    """A customer with the hidden parameters that drive its invoices and payments.

    Days are proleptic Gregorian ordinals (``date.toordinal()``).
    """

    index: int
    external_ref: str
    profile: Profile
    country: str
    record: dict[str, object]
    terms: tuple[str, int]  # ("net" | "eom", days)
    weight: float  # relative share of the tenant's invoices
    amount_scale: float  # median invoice net amount, in minor units
    active_from: int
    active_until: int  # the last day an invoice is issued
    default_on: int | None  # defaulting customers pay nothing from this day on
    method: str
    tax_rates: tuple[int, int]


def country_mix(currency: str) -> tuple[tuple[str, int], ...]:
    return COUNTRIES.get(currency, OTHER_COUNTRIES)


def _digits(rng: random.Random, count: int) -> str:
    return str(rng.randrange(10 ** (count - 1), 10**count))


def vat_number(rng: random.Random, country: str) -> str | None:
    """A VAT number with valid check digits for the countries it knows, else None."""
    if country == "DE":
        body = _digits(rng, 8)
        return f"DE{body}{mod_11_10.calc_check_digit(body)}"
    if country == "FR":
        siren = _digits(rng, 8)
        siren += luhn.calc_check_digit(siren)
        return f"FR{int(siren + '12') % 97:02d}{siren}"
    if country == "IT":
        body = _digits(rng, 7) + f"{rng.randint(1, 100):03d}"
        return f"IT{body}{luhn.calc_check_digit(body)}"
    if country == "BE":
        body = "0" + _digits(rng, 7)
        return f"BE{body}{97 - int(body) % 97:02d}"
    return None


def _profiles(rng: random.Random, count: int) -> list[Profile]:
    """The mix by largest remainder, shuffled, so every run has the intended proportions."""
    quotas = [(profile, share * count) for profile, share in PROFILE_MIX]
    counts = {profile: int(quota) for profile, quota in quotas}
    by_remainder = sorted(quotas, key=lambda q: q[1] - int(q[1]), reverse=True)
    for profile, _ in by_remainder[: count - sum(counts.values())]:
        counts[profile] += 1
    profiles = [profile for profile, _ in PROFILE_MIX for _ in range(counts[profile])]
    rng.shuffle(profiles)
    return profiles


def _name(rng: random.Random, country: str) -> str:
    middle = f" {rng.choice(NAME_MIDDLE)}" if rng.random() < 0.3 else ""
    form = rng.choice(LEGAL_FORMS.get(country, ("Ltd",)))
    return f"{rng.choice(NAME_FIRST)}{middle} {rng.choice(NAME_LAST)} {form}"


def _terms(rng: random.Random) -> tuple[str, int]:
    return rng.choices((("net", 14), ("net", 30), ("net", 60), ("eom", 30)), (2, 5, 2, 1))[0]


def _record(
    rng: random.Random, ref: str, country: str, currency: str, terms: tuple[str, int]
) -> dict[str, object]:
    record: dict[str, object] = {
        "type": "customer",
        "external_ref": ref,
        "legal_name": _name(rng, country),
        "country": country,
        "currency": currency,
    }
    vat = vat_number(rng, country) if rng.random() < 0.85 else None
    if vat is not None:
        record["vat_number"] = vat
    record["language"] = LANGUAGES.get(country, "en")
    if terms[0] == "net":
        record["payment_terms_days"] = terms[1]
    return record


def plan_customers(
    seed: int, count: int, currency: str, start: int, end: int
) -> list[SyntheticCustomer]:
    """The tenant's customers for days ``start``..``end`` (ordinals), same for the same seed."""
    rng = random.Random(f"arplatform-synthetic-customers:{seed}")  # noqa: S311 (reproducible, not secret)
    countries, weights = zip(*country_mix(currency), strict=True)
    home = countries[0]
    median = MEDIAN_INVOICE_EUR * EUR_VALUE.get(currency, 1.0) * 10 ** minor_units(currency)
    span = end - start
    customers = []
    for index, profile in enumerate(_profiles(rng, count)):
        ref = f"C{index + 1:06d}"
        country = rng.choices(countries, weights)[0]
        terms = _terms(rng)
        active_from = start if rng.random() < 0.75 else start + int(rng.uniform(0, 0.7) * span)
        default_on, active_until = None, end
        if profile is Profile.DEFAULTING:
            default_on = active_from + int(rng.uniform(0.25, 0.95) * (end - active_from))
            active_until = min(end, default_on + rng.randint(30, 90))
        customers.append(
            SyntheticCustomer(
                index=index,
                external_ref=ref,
                profile=profile,
                country=country,
                record=_record(rng, ref, country, currency, terms),
                terms=terms,
                weight=min(rng.paretovariate(1.2), 40.0),
                amount_scale=median * rng.lognormvariate(0.0, 0.8),
                active_from=active_from,
                active_until=active_until,
                default_on=default_on,
                method=_method(rng, profile),
                # exports and intra-EU reverse charge carry no VAT
                tax_rates=TAX_RATES.get(country, (0, 0)) if country == home else (0, 0),
            )
        )
    return customers


def _method(rng: random.Random, profile: Profile) -> str:
    if profile is Profile.PROMPT and rng.random() < 0.4:
        return "direct_debit"
    return rng.choices(METHODS, METHOD_WEIGHTS)[0]
