"""Matching a company query against delivered reports: pure functions, no I/O.

Identifiers are compared without spaces, dots, dashes or case; a VAT id
also matches without its two-letter country prefix. Names are compared
without accents, punctuation, case and common legal-form words ("GmbH",
"SARL", "Ltd"...), so "Brasserie du Pont S.A.R.L." finds "BRASSERIE DU PONT".
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from arplatform.plugins.contracts.credit_bureau import CompanyQuery, CreditReport

__all__ = ["ID_MATCH", "NAME_MATCH", "PARTIAL_NAME_MATCH", "confidence", "id_key", "name_key"]

ID_MATCH = Decimal(1)
NAME_MATCH = Decimal("0.9")
PARTIAL_NAME_MATCH = Decimal("0.6")

_LEGAL_FORMS = frozenset(
    {
        "ab",
        "ag",
        "aps",
        "as",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "kg",
        "kgaa",
        "limited",
        "llc",
        "llp",
        "ltd",
        "mbh",
        "nv",
        "oy",
        "plc",
        "sa",
        "sarl",
        "sas",
        "sasu",
        "se",
        "spa",
        "srl",
        "sro",
        "ug",
    }
)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def id_key(value: str | None) -> str:
    """A registration or VAT id reduced to upper-case letters and digits."""
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def name_key(value: str | None) -> str:
    """A company name without accents, punctuation, case and legal-form words."""
    plain = unicodedata.normalize("NFKD", value or "")
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    # "S.A.R.L." must become "sarl", not "s a r l": drop dots before splitting.
    words = _NOT_ALNUM.sub(" ", plain.replace(".", "")).split()
    return " ".join(word for word in words if word not in _LEGAL_FORMS)


def confidence(query: CompanyQuery, report: CreditReport) -> Decimal | None:
    """How well ``report`` answers ``query`` (1 for an id match), ``None`` if it does not."""
    if report.ref.country != query.country:
        return None
    if _same_id(query.registration_id, report.registration_id) or _same_vat(
        query.vat_id, report.vat_id
    ):
        return ID_MATCH
    wanted, known = name_key(query.name), name_key(report.name)
    if not wanted or not known:
        return None
    if wanted == known:
        return NAME_MATCH
    wanted_words, known_words = set(wanted.split()), set(known.split())
    if wanted_words <= known_words or known_words <= wanted_words:
        return PARTIAL_NAME_MATCH
    return None


def _same_id(left: str | None, right: str | None) -> bool:
    return bool(id_key(left)) and id_key(left) == id_key(right)


def _same_vat(left: str | None, right: str | None) -> bool:
    a, b = id_key(left), id_key(right)
    if not a or not b:
        return False
    return a == b or _without_prefix(a) == _without_prefix(b)


def _without_prefix(vat: str) -> str:
    return vat[2:] if len(vat) > 2 and vat[:2].isalpha() else vat
