"""The JSON bodies the stand-in Connect API serves, in Connect's documented shapes."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["address", "rating", "report", "search_entry", "statement"]

_DESCRIPTIONS = {"A": "Very Low Risk", "B": "Low Risk", "C": "Moderate Risk", "D": "High Risk"}


def address(street: str | None, postal_code: str | None, city: str | None) -> dict[str, Any]:
    return {
        "simpleValue": ", ".join(p for p in (street, postal_code, city) if p),
        "street": street,
        "city": city,
        "postCode": postal_code,
    }


def search_entry(
    connect_id: str,
    name: str,
    country: str,
    reg_no: str | None,
    vat_no: str | None,
    address: dict[str, Any],
) -> dict[str, Any]:
    """One item of ``companies`` in a ``GET /companies`` answer."""
    return {
        "id": connect_id,
        "country": country,
        "regNo": reg_no,
        "vatNo": [vat_no] if vat_no else [],
        "safeNo": connect_id.rsplit("-", 1)[-1],
        "name": name,
        "address": address,
        "status": "Active",
        "type": "Ltd",
        "officeType": "HeadOffice",
    }


def report(
    connect_id: str,
    name: str,
    country: str,
    reg_no: str | None,
    vat_no: str | None,
    address: dict[str, Any],
    *,
    rating: dict[str, Any],
    dbt: int | None,
    ccjs: list[dict[str, Any]],
    financials: list[dict[str, Any]],
) -> dict[str, Any]:
    """The ``report`` object of a ``GET /companies/{connectId}`` answer."""
    return {
        "companyId": connect_id,
        "language": "EN",
        "companySummary": {
            "businessName": name,
            "country": country,
            "companyNumber": connect_id,
            "companyRegistrationNumber": reg_no,
            "companyStatus": {"status": "Active", "description": "Active"},
        },
        "companyIdentification": {
            "basicInformation": {
                "businessName": name,
                "registeredCompanyName": name,
                "companyRegistrationNumber": reg_no,
                "vatRegistrationNumber": vat_no,
                "country": country,
                "companyRegistrationDate": "2004-03-01T00:00:00Z",
                "legalForm": {"description": "Private limited company"},
                "contactAddress": {**address, "country": country},
            }
        },
        "creditScore": {"currentCreditRating": rating},
        "financialStatements": financials,
        "paymentData": {} if dbt is None else {"dbt": dbt, "industryDBT": 11},
        "negativeInformation": {
            "ccjSummary": {"numberOfExact": len(ccjs)},
            "countyCourtJudgements": {"registered": {"exact": ccjs, "possible": []}},
        },
    }


def rating(
    common: str | None, score: int | None, limit: Decimal | None, currency: str
) -> dict[str, Any]:
    """``creditScore.currentCreditRating``; ``None`` arguments leave their part out."""
    current: dict[str, Any] = {}
    if common is not None:
        current["commonValue"] = common
        current["commonDescription"] = _DESCRIPTIONS.get(common, "Not Rated")
    if score is not None:
        current["providerValue"] = {"maxValue": "100", "minValue": "1", "value": str(score)}
        current["providerDescription"] = _DESCRIPTIONS.get(common or "", "Not Rated")
    if limit is not None:
        current["creditLimit"] = {"currency": currency, "value": str(limit)}
    return current


def statement(figures: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """One ``financialStatements`` item (the global GGS format)."""
    return {
        "type": "GlobalFinancialsGGS",
        "yearEndDate": figures["yearEndDate"],
        "numberOfWeeks": 52,
        "currency": figures.get("currency", currency),
        "consolidatedAccounts": False,
        "profitAndLoss": {
            "revenue": figures.get("revenue"),
            "profitAfterTax": figures.get("profitAfterTax"),
        },
        "balanceSheet": {"totalShareholdersEquity": figures.get("totalShareholdersEquity")},
    }
