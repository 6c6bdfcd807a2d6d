"""Credit bureau contract: look companies up, fetch credit reports, optional monitoring."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Protocol

import msgspec

from arplatform.plugins.contracts.common import Address, CountryCode, Dto, Money

__all__ = [
    "AlertType",
    "CommonRating",
    "CompanyMatch",
    "CompanyQuery",
    "CompanyRef",
    "CreditBureau",
    "CreditReport",
    "KeyFinancials",
    "LegalEvent",
    "LegalEventType",
    "MonitoringAlert",
    "MonitoringCreditBureau",
    "PaymentBehaviour",
]

Score = Annotated[int, msgspec.Meta(ge=0, le=100)]
# msgspec cannot constrain Decimal, so the range is checked in __post_init__.
Probability = Annotated[Decimal, msgspec.Meta(description="between 0 and 1")]


def _check_probability(name: str, value: Decimal | None) -> None:
    if value is not None and not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"{name} must be between 0 and 1, got {value}")


class CommonRating(enum.StrEnum):
    """The platform's rating scale; providers map their own scale onto it.

    A: minimal risk, B: low, C: average, D: high, E: very high or insolvent.
    """

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


class LegalEventType(enum.StrEnum):
    JUDGMENT = "judgment"
    LIEN = "lien"
    INSOLVENCY = "insolvency"
    SUIT = "suit"
    OTHER = "other"


class AlertType(enum.StrEnum):
    SCORE_CHANGE = "score_change"
    RATING_CHANGE = "rating_change"
    LIMIT_CHANGE = "limit_change"
    LEGAL_EVENT = "legal_event"
    INSOLVENCY = "insolvency"
    COMPANY_CHANGE = "company_change"
    OTHER = "other"


class CompanyQuery(Dto, frozen=True, kw_only=True):
    """What the core knows about a buyer when searching; at least ``name`` or an id."""

    country: CountryCode
    name: str | None = None
    registration_id: str | None = None
    vat_id: str | None = None
    city: str | None = None
    postal_code: str | None = None
    max_results: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10


class CompanyRef(Dto, frozen=True, kw_only=True):
    """The provider's own handle on a company; the core stores it and passes it back."""

    provider_company_id: str
    country: CountryCode


class CompanyMatch(Dto, frozen=True, kw_only=True):
    """One search hit; ``confidence`` is the provider's match quality from 0 to 1."""

    ref: CompanyRef
    name: str
    address: Address | None = None
    registration_id: str | None = None
    vat_id: str | None = None
    confidence: Probability | None = None

    def __post_init__(self) -> None:
        _check_probability("confidence", self.confidence)


class PaymentBehaviour(Dto, frozen=True, kw_only=True):
    """How the company pays its suppliers, as the bureau observed it.

    ``days_beyond_terms`` is the weighted average delay past due date;
    ``payment_index`` is a paydex-like 0-100 index where 80 means on time.
    """

    days_beyond_terms: Decimal | None = None
    payment_index: Score | None = None
    experiences_count: int | None = None


class LegalEvent(Dto, frozen=True, kw_only=True):
    type: LegalEventType
    event_date: dt.date
    description: str | None = None
    amount: Money | None = None
    court_or_registry: str | None = None
    resolved_date: dt.date | None = None


class KeyFinancials(Dto, frozen=True, kw_only=True):
    """Headline figures of one fiscal year."""

    fiscal_year_end: dt.date
    turnover: Money | None = None
    equity: Money | None = None
    net_income: Money | None = None
    employees: int | None = None


class CreditReport(Dto, frozen=True, kw_only=True):
    """A credit report in the platform's common shape.

    ``score`` is normalised to 0-100 (higher is safer); the provider's native
    score goes in ``provider_score``. ``provider_ids`` holds other identifiers
    the bureau knows (e.g. ``{"duns": "..."}``). ``valid_until`` is when the core
    should fetch a fresh report at the latest.
    """

    ref: CompanyRef
    name: str
    report_date: dt.date
    address: Address | None = None
    registration_id: str | None = None
    vat_id: str | None = None
    legal_form: str | None = None
    founded: dt.date | None = None
    provider_ids: dict[str, str] = msgspec.field(default_factory=dict)
    score: Score | None = None
    provider_score: str | None = None
    rating: CommonRating | None = None
    probability_of_default: Probability | None = None
    recommended_limit: Money | None = None
    payment_behaviour: PaymentBehaviour | None = None
    legal_events: tuple[LegalEvent, ...] = ()
    financials: tuple[KeyFinancials, ...] = ()
    valid_until: dt.date | None = None

    def __post_init__(self) -> None:
        _check_probability("probability_of_default", self.probability_of_default)


class MonitoringAlert(Dto, frozen=True, kw_only=True):
    """A change the bureau noticed on a monitored company; ``alert_id`` is unique."""

    alert_id: str
    ref: CompanyRef
    type: AlertType
    occurred_at: dt.datetime
    summary: str
    new_score: Score | None = None
    new_rating: CommonRating | None = None


class CreditBureau(Protocol):
    """A credit bureau provider (``kind = "credit_bureau"``).

    ``search_company`` returns the best matches first, an empty list when
    nothing matches. ``fetch_report`` raises ``PermanentProviderError`` for an
    unknown reference. Set ``supports_monitoring = True`` only when the class
    also implements ``MonitoringCreditBureau``.
    """

    key: ClassVar[str]
    kind: ClassVar[str]
    display_name: ClassVar[str]
    Config: ClassVar[type[msgspec.Struct]]
    Secrets: ClassVar[type[msgspec.Struct] | None]
    supports_monitoring: ClassVar[bool]

    def __init__(self, config: Any, secrets: Any) -> None: ...

    async def search_company(self, query: CompanyQuery) -> list[CompanyMatch]: ...

    async def fetch_report(self, ref: CompanyRef) -> CreditReport: ...


class MonitoringCreditBureau(CreditBureau, Protocol):
    """A credit bureau that also watches companies and reports changes.

    ``start_monitoring`` and ``stop_monitoring`` are idempotent.
    ``poll_alerts(since)`` returns every alert that occurred at or after
    ``since`` (an aware UTC datetime); the core de-duplicates by ``alert_id``.
    """

    async def start_monitoring(self, ref: CompanyRef) -> None: ...

    async def stop_monitoring(self, ref: CompanyRef) -> None: ...

    async def poll_alerts(self, since: dt.datetime) -> list[MonitoringAlert]: ...
