"""The parts of Connect's JSON this client reads, as documented by Creditsafe.

Connect reports are large and differ per country, so these structs accept
unknown fields and declare only what is mapped into the common report.
Field names follow the Connect API (camelCase on the wire):

- search ``GET /companies``: ``{"totalSize", "companies": [{"id" (connectId),
  "country", "regNo", "vatNo", "safeNo", "name", "address": {"simpleValue",
  "street", "houseNo", "city", "postCode", "province"}, "status", ...}]}``;
- report ``GET /companies/{connectId}``: ``{"correlationId", "report":
  {"companyId", "companySummary", "companyIdentification": {"basicInformation"},
  "creditScore": {"currentCreditRating": {"commonValue", "commonDescription",
  "creditLimit": {"value", "currency"}, "providerValue": {"value", "minValue",
  "maxValue"}, "providerDescription"}}, "financialStatements": [...],
  "paymentData": {"dbt", ...}, "negativeInformation": {"countyCourtJudgements":
  {"registered": {"exact": [...]}}}, ...}}``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

__all__ = [
    "ReportResponse",
    "Scalar",
    "SearchResponse",
    "WireAddress",
    "WireBasicInformation",
    "WireCompany",
    "WireRange",
    "WireRating",
    "WireReport",
    "WireSummary",
]

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
Number = Decimal  # msgspec reads a Decimal from a JSON number or a numeric string
# Fields the API documents as strings but that may arrive as numbers; msgspec
# cannot combine str and Decimal in one union, the mapping converts them.
Scalar = str | int | float


class _Wire(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of the Connect shapes: camelCase names, unknown fields ignored."""


class WireAddress(_Wire, frozen=True, kw_only=True):
    simple_value: str | None = None
    street: str | None = None
    house_no: str | None = None
    city: str | None = None
    post_code: str | None = None
    province: str | None = None
    country: str | None = None


class WireCompany(_Wire, frozen=True, kw_only=True):
    id: NonEmpty
    name: NonEmpty
    country: str | None = None
    reg_no: str | None = None
    # Documented as a list of VAT numbers; some countries answer a single string.
    vat_no: str | list[str] | None = None
    safe_no: str | None = None
    address: WireAddress | None = None
    status: str | None = None


class SearchResponse(_Wire, frozen=True, kw_only=True):
    companies: list[WireCompany] = msgspec.field(default_factory=list)
    total_size: int | None = None


class WireAmount(_Wire, frozen=True, kw_only=True):
    # Connect sends the limit as a string ("50000") or a number; "" means none.
    value: Scalar | None = None
    currency: str | None = None


class WireRange(_Wire, frozen=True, kw_only=True):
    value: Scalar | None = None
    min_value: Scalar | None = None
    max_value: Scalar | None = None


class WireRating(_Wire, frozen=True, kw_only=True):
    common_value: str | None = None
    common_description: str | None = None
    credit_limit: WireAmount | None = None
    provider_value: WireRange | None = None
    provider_description: str | None = None


class WireCreditScore(_Wire, frozen=True, kw_only=True):
    current_credit_rating: WireRating | None = None


class WireLegalForm(_Wire, frozen=True, kw_only=True):
    description: str | None = None


class WireBasicInformation(_Wire, frozen=True, kw_only=True):
    business_name: str | None = None
    registered_company_name: str | None = None
    company_registration_number: str | None = None
    vat_registration_number: str | None = None
    company_registration_date: str | None = None
    legal_form: WireLegalForm | None = None
    contact_address: WireAddress | None = None


class WireIdentification(_Wire, frozen=True, kw_only=True):
    basic_information: WireBasicInformation | None = None


class WireSummary(_Wire, frozen=True, kw_only=True):
    business_name: str | None = None
    country: str | None = None
    company_number: str | None = None
    company_registration_number: str | None = None


class WireContactInformation(_Wire, frozen=True, kw_only=True):
    main_address: WireAddress | None = None


class WirePaymentData(_Wire, frozen=True, kw_only=True):
    dbt: Number | None = None
    industry_dbt: Number | None = msgspec.field(default=None, name="industryDBT")


class WireJudgment(_Wire, frozen=True, kw_only=True):
    ccj_date: str | None = None
    ccj_amount: Number | None = None
    court: str | None = None
    case_number: str | None = None
    ccj_status: str | None = None
    currency: str | None = None


class WireJudgmentLists(_Wire, frozen=True, kw_only=True):
    exact: list[WireJudgment] = msgspec.field(default_factory=list)


class WireJudgments(_Wire, frozen=True, kw_only=True):
    registered: WireJudgmentLists | None = None


class WireNegativeInformation(_Wire, frozen=True, kw_only=True):
    county_court_judgements: WireJudgments | None = None


class WireProfitAndLoss(_Wire, frozen=True, kw_only=True):
    revenue: Number | None = None
    profit_after_tax: Number | None = None


class WireBalanceSheet(_Wire, frozen=True, kw_only=True):
    total_shareholders_equity: Number | None = None


class WireStatement(_Wire, frozen=True, kw_only=True):
    year_end_date: str | None = None
    currency: str | None = None
    profit_and_loss: WireProfitAndLoss | None = None
    balance_sheet: WireBalanceSheet | None = None


class WireReport(_Wire, frozen=True, kw_only=True):
    company_id: str | None = None
    company_summary: WireSummary | None = None
    company_identification: WireIdentification | None = None
    credit_score: WireCreditScore | None = None
    contact_information: WireContactInformation | None = None
    financial_statements: list[WireStatement] = msgspec.field(default_factory=list)
    payment_data: WirePaymentData | None = None
    negative_information: WireNegativeInformation | None = None


class ReportResponse(_Wire, frozen=True, kw_only=True):
    report: WireReport
    correlation_id: str | None = None
