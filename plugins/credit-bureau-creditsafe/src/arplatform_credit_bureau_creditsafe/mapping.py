"""Pure mapping from Connect's shapes to the platform's credit report (no I/O).

- ``commonValue`` A-E is Creditsafe's international rating and maps one to
  one onto ``CommonRating``; any other value (``"X"``, empty) means no rating.
- ``providerValue`` is the local score; with a numeric ``minValue``/``maxValue``
  it is rescaled to 0-100 (half up), without a range it is used when it
  already lies in 0-100. Its text is kept as ``provider_score``.
- ``creditLimit`` becomes ``recommended_limit``, rounded half up to the
  currency's minor unit; no limit, a non-numeric value or an unknown
  currency gives none.
- ``paymentData.dbt`` is the days beyond terms; registered exact county court
  judgments become ``judgment`` legal events; each financial statement gives
  revenue, profit after tax and shareholders' equity of its year.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

from arplatform.money import is_currency, round_money
from arplatform.plugins.contracts.common import Address, Money
from arplatform.plugins.contracts.credit_bureau import (
    CommonRating,
    CompanyMatch,
    CompanyRef,
    CreditReport,
    KeyFinancials,
    LegalEvent,
    LegalEventType,
    PaymentBehaviour,
)
from arplatform_credit_bureau_creditsafe.wire import (
    Scalar,
    WireAddress,
    WireBasicInformation,
    WireCompany,
    WireRange,
    WireRating,
    WireReport,
    WireSummary,
)

__all__ = [
    "MappingError",
    "common_rating",
    "company_match",
    "credit_report",
    "normalised_score",
    "to_decimal",
]


class MappingError(ValueError):
    """The report lacks something every report must have (e.g. a name)."""


def to_decimal(value: Scalar | Decimal | None) -> Decimal | None:
    """A finite decimal from a Connect number or numeric string, else ``None``."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except decimal.InvalidOperation:
        return None
    return number if number.is_finite() else None


def common_rating(value: str | None) -> CommonRating | None:
    try:
        return CommonRating((value or "").strip().upper())
    except ValueError:
        return None


def normalised_score(
    value: Scalar | None, low: Scalar | None = None, high: Scalar | None = None
) -> int | None:
    """The provider score on 0-100 (higher is safer), or ``None`` if it is not numeric."""
    score, bottom, top = to_decimal(value), to_decimal(low), to_decimal(high)
    if score is None:
        return None
    if bottom is not None and top is not None and top > bottom:
        scaled = (score - bottom) * 100 / (top - bottom)
    elif 0 <= score <= 100:
        scaled = score
    else:
        return None
    whole = int(scaled.quantize(Decimal(1), rounding=decimal.ROUND_HALF_UP))
    return min(max(whole, 0), 100)


def company_match(company: WireCompany, query_country: str, exact_id: bool) -> CompanyMatch:
    """One search hit; ``exact_id`` when it was found by registration or VAT number."""
    country = _country(company.country) or query_country
    vat_ids = [company.vat_no] if isinstance(company.vat_no, str) else company.vat_no or []
    return CompanyMatch(
        ref=CompanyRef(provider_company_id=company.id, country=country),
        name=company.name,
        address=_address(company.address, country),
        registration_id=company.reg_no or None,
        vat_id=next((v for v in vat_ids if v), None),
        confidence=Decimal(1) if exact_id else None,
    )


def credit_report(ref: CompanyRef, report: WireReport, today: dt.date) -> CreditReport:
    """The common report for ``ref``; raises ``MappingError`` when it has no name."""
    identification = report.company_identification
    basic = (identification and identification.basic_information) or WireBasicInformation()
    summary = report.company_summary or WireSummary()
    name = basic.registered_company_name or basic.business_name or summary.business_name
    if not name:
        raise MappingError("the report names no company")
    rating = report.credit_score.current_credit_rating if report.credit_score else None
    rating = rating or WireRating()
    provider = rating.provider_value or WireRange()
    contact = report.contact_information.main_address if report.contact_information else None
    provider_ids = {"connect_id": ref.provider_company_id}
    if summary.company_number:
        provider_ids["company_number"] = summary.company_number
    provider_score = "" if provider.value is None else str(provider.value).strip()
    return CreditReport(
        ref=ref,
        name=name,
        report_date=today,
        address=_address(basic.contact_address or contact, ref.country),
        registration_id=basic.company_registration_number
        or summary.company_registration_number
        or None,
        vat_id=basic.vat_registration_number or None,
        legal_form=basic.legal_form.description if basic.legal_form else None,
        founded=_date(basic.company_registration_date),
        provider_ids=provider_ids,
        score=normalised_score(provider.value, provider.min_value, provider.max_value),
        provider_score=provider_score or None,
        rating=common_rating(rating.common_value),
        recommended_limit=_limit(rating),
        payment_behaviour=_payment(report),
        legal_events=_legal_events(report, _limit_currency(rating), today),
        financials=_financials(report),
    )


def _limit(rating: WireRating) -> Money | None:
    limit = rating.credit_limit
    currency = _limit_currency(rating)
    amount = to_decimal(limit.value) if limit else None
    if amount is None or currency is None or amount < 0:
        return None
    return Money(amount=round_money(amount, currency), currency=currency)


def _limit_currency(rating: WireRating) -> str | None:
    limit = rating.credit_limit
    currency = (limit.currency or "").strip().upper() if limit else ""
    return currency if is_currency(currency) else None


def _payment(report: WireReport) -> PaymentBehaviour | None:
    dbt = report.payment_data.dbt if report.payment_data else None
    return None if dbt is None else PaymentBehaviour(days_beyond_terms=dbt)


def _legal_events(
    report: WireReport, fallback_currency: str | None, today: dt.date
) -> tuple[LegalEvent, ...]:
    negative = report.negative_information
    judgments = negative.county_court_judgements if negative else None
    exact = judgments.registered.exact if judgments and judgments.registered else []
    events = []
    for ccj in exact:
        currency = (ccj.currency or "").upper() or fallback_currency
        amount = None
        if ccj.ccj_amount is not None and currency and is_currency(currency):
            amount = Money(amount=round_money(ccj.ccj_amount, currency), currency=currency)
        when = _date(ccj.ccj_date)
        description = " ".join(
            part
            for part in (
                "County court judgment",
                ccj.case_number and f"case {ccj.case_number}",
                ccj.ccj_status and f"({ccj.ccj_status})",
                None if when else "(date not reported)",
            )
            if part
        )
        events.append(
            LegalEvent(
                type=LegalEventType.JUDGMENT,
                # A judgment without a date still counts; it is dated to the report.
                event_date=when or today,
                description=description,
                amount=amount,
                court_or_registry=ccj.court or None,
            )
        )
    return tuple(events)


def _financials(report: WireReport) -> tuple[KeyFinancials, ...]:
    years = []
    for statement in report.financial_statements:
        year_end = _date(statement.year_end_date)
        if year_end is None:
            continue
        currency = (statement.currency or "").upper()
        pnl, balance = statement.profit_and_loss, statement.balance_sheet
        years.append(
            KeyFinancials(
                fiscal_year_end=year_end,
                turnover=_money(pnl.revenue if pnl else None, currency),
                net_income=_money(pnl.profit_after_tax if pnl else None, currency),
                equity=_money(balance.total_shareholders_equity if balance else None, currency),
            )
        )
    return tuple(sorted(years, key=lambda y: y.fiscal_year_end, reverse=True))


def _money(amount: Decimal | None, currency: str) -> Money | None:
    if amount is None or not is_currency(currency):
        return None
    return Money(amount=round_money(amount, currency), currency=currency)


def _address(address: WireAddress | None, country: str) -> Address | None:
    if address is None:
        return None
    street = " ".join(p for p in (address.street, address.house_no) if p)
    line = street or address.simple_value
    return Address(
        lines=(line,) if line else (),
        postal_code=address.post_code or None,
        city=address.city or None,
        region=address.province or None,
        country=_country(address.country) or country,
    )


def _country(code: str | None) -> str | None:
    code = (code or "").strip().upper()
    return code if len(code) == 2 and code.isalpha() and code.isascii() else None


def _date(value: str | None) -> dt.date | None:
    """The date of Connect's ``2004-03-01T00:00:00Z`` (or ``2004-03-01``)."""
    try:
        return dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
