"""The scorecard: assessment inputs to points, a tier, a limit and terms, with reasons.

Pure functions without I/O. Every factor moves the score in one direction only
(a better input never costs points), tiers are ordered by points and a better
tier is never stricter (``policy_schema`` checks that), so better inputs never
give a worse tier, a lower limit or shorter terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from arplatform.credit.policy_schema import PolicyDocument, Scorecard, TierRules
from arplatform.money import Rounding, format_amount, round_money

RATING_SCORES = {"A": 90, "B": 70, "C": 50, "D": 30, "E": 10}
COUNTRY_GRADES = {"A": 0, "B": 1, "C": 2, "D": 3, "E": 4}
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How the customer paid this tenant over the policy's window (customer currency).

    ``avg_days_late`` and ``share_paid_late`` cover invoices settled in the window;
    ``delay_trend`` is how many days later the last quarter's settled invoices were
    paid than the window's on average (negative: paying sooner; None: too few).
    """

    invoices_settled: int = 0
    avg_days_late: Decimal = ZERO
    share_paid_late: Decimal = ZERO
    delay_trend: Decimal | None = None
    open_overdue: Decimal = ZERO
    avg_monthly_sales: Decimal = ZERO
    broken_promises: int = 0
    open_disputes: int = 0
    #: Not scored: what the customer owes now, to tell who is over a new limit.
    open_receivables: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything the scorecard looks at; ``bureau_limit`` is in the customer's currency."""

    behaviour: Behaviour = field(default_factory=Behaviour)
    bureau_score: int | None = None
    bureau_rating: str | None = None
    bureau_limit: Decimal | None = None
    country_rating: str | None = None
    years_in_business: int | None = None
    legal_events: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    score: int
    tier: TierRules
    limit: Decimal
    terms_days: int
    reasons: list[str]


def _points(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _bureau(inputs: Inputs, card: Scorecard) -> tuple[int, str]:
    if inputs.bureau_score is not None:
        score, label = inputs.bureau_score, f"bureau score {inputs.bureau_score}/100"
    elif inputs.bureau_rating in RATING_SCORES:
        score = RATING_SCORES[inputs.bureau_rating]
        label = f"bureau rating {inputs.bureau_rating}"
    else:
        return 0, "no bureau score"
    return _points(Decimal(card.bureau_weight) * (score - 50) / 50), label


def _capped(value: Decimal, cap: int) -> int:
    return min(_points(value), cap)


def _behaviour(b: Behaviour, card: Scorecard, currency: str) -> list[tuple[int, str]]:
    factors: list[tuple[int, str]] = []
    if b.invoices_settled:
        days = b.avg_days_late.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        factors.append(
            (
                -_capped(b.avg_days_late * Decimal(card.per_day_late), card.days_late_cap),
                f"average {days} days late over {b.invoices_settled} settled invoices",
            )
        )
        share = (b.share_paid_late * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        factors.append(
            (-_points(b.share_paid_late * card.per_late_share), f"{share}% of invoices paid late")
        )
    if b.delay_trend is not None and b.delay_trend > 0:
        factors.append(
            (
                -_capped(b.delay_trend * Decimal(card.per_trend_day), card.trend_cap),
                f"paying {_points(b.delay_trend)} days later last quarter than over the year",
            )
        )
    if b.open_overdue > 0:
        months = b.open_overdue / b.avg_monthly_sales if b.avg_monthly_sales > 0 else Decimal(12)
        factors.append(
            (
                -_capped(months * card.per_overdue_month, card.overdue_cap),
                f"{format_amount(b.open_overdue, currency)} {currency} overdue",
            )
        )
    if b.broken_promises:
        factors.append(
            (-b.broken_promises * card.per_broken_promise, f"{b.broken_promises} broken promises")
        )
    if b.open_disputes:
        factors.append((-b.open_disputes * card.per_open_dispute, f"{b.open_disputes} disputes"))
    return factors


def _company(inputs: Inputs, card: Scorecard) -> list[tuple[int, str]]:
    factors: list[tuple[int, str]] = []
    if inputs.legal_events:
        factors.append(
            (-inputs.legal_events * card.per_legal_event, f"{inputs.legal_events} legal events")
        )
    if inputs.country_rating in COUNTRY_GRADES:
        grade = COUNTRY_GRADES[inputs.country_rating]
        factors.append((-grade * card.per_country_grade, f"country risk {inputs.country_rating}"))
    if inputs.years_in_business is not None:
        years = max(inputs.years_in_business, 0)
        bonus = _capped(
            Decimal(years) * Decimal(card.per_year_in_business), card.years_in_business_cap
        )
        factors.append((bonus, f"{years} years in business"))
    return factors


def score(inputs: Inputs, card: Scorecard, currency: str) -> tuple[int, list[str]]:
    """Points from 0 to 100 and one plain-words reason per factor that counted."""
    factors = [_bureau(inputs, card), *_behaviour(inputs.behaviour, card, currency)]
    factors.extend(_company(inputs, card))
    total = card.base + sum(points for points, _ in factors)
    reasons = [f"{label} ({points:+d})" if points else label for points, label in factors]
    return max(0, min(100, total)), reasons


def tier_for(points: int, document: PolicyDocument) -> TierRules:
    """The best tier whose ``min_score`` the points reach (one tier starts at 0)."""
    return next(tier for tier in document.ranked() if points >= tier.min_score)


def recommended_limit(
    tier: TierRules,
    inputs: Inputs,
    document: PolicyDocument,
    currency: str,
    cap: Decimal | None,
    rounding: Rounding = Rounding.DOWN,
) -> tuple[Decimal, str]:
    """The tier's limit rule applied; ``cap`` is the tier's cap in ``currency`` (None: none)."""
    if tier.prepayment_required:
        return round_money(ZERO, currency), "prepayment required: no credit"
    sales = inputs.behaviour.avg_monthly_sales
    limit = sales * Decimal(tier.sales_multiple)
    how = [f"{tier.sales_multiple} x average monthly sales {format_amount(sales, currency)}"]
    if document.limit_from_bureau and inputs.bureau_limit is not None:
        limit = min(limit, inputs.bureau_limit)
        how.append(f"bureau limit {format_amount(inputs.bureau_limit, currency)}")
    if cap is not None:
        limit = min(limit, cap)
        how.append(f"cap {format_amount(cap, currency)}")
    rounded = round_money(max(limit, ZERO), currency, rounding)
    return rounded, f"limit {format_amount(rounded, currency)} {currency}: lower of " + ", ".join(
        how
    )


def decide(
    inputs: Inputs, document: PolicyDocument, currency: str, caps: dict[str, Decimal | None]
) -> Outcome:
    """Score, tier, limit and terms for ``inputs`` under ``document``.

    ``caps`` holds each tier's ``limit_cap`` converted to ``currency``.
    """
    points, reasons = score(inputs, document.scorecard, currency)
    tier = tier_for(points, document)
    limit, why = recommended_limit(tier, inputs, document, currency, caps.get(tier.name))
    reasons = [*reasons, f"score {points}/100: tier {tier.name}", why]
    return Outcome(
        score=points, tier=tier, limit=limit, terms_days=tier.max_terms_days, reasons=reasons
    )
