"""The credit policy document: risk tiers, the scorecard, warning signals, bureau limits.

A policy version stores one ``PolicyDocument`` as JSON. Every decision names the
version it was made under, so a document is never edited once it has been active.
Decimals in the document are written as strings (``"0.9"``).
"""

from __future__ import annotations

import enum
import itertools
from decimal import Decimal
from typing import Annotated

import msgspec
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import KwargDefinition

from arplatform.api.types import Amount, StrictStruct
from arplatform.customers.schemas import TierName


class ExposureCheck(enum.StrEnum):
    """What issuing an invoice that takes exposure over the limit does."""

    BLOCK = "block"
    WARN = "warn"
    APPROVE = "approve"


class Signal(enum.StrEnum):
    PAYMENT_DELAY_TREND = "payment_delay_trend"
    BROKEN_PROMISE = "broken_promise"
    DUNNING_LEVEL = "dunning_level"
    BUREAU_SCORE_DROP = "bureau_score_drop"
    BUREAU_ALERT = "bureau_alert"
    EXPOSURE_NEAR_LIMIT = "exposure_near_limit"
    CONCENTRATION = "concentration"


class SignalAction(enum.StrEnum):
    ALERT = "alert"
    REASSESS = "reassess"
    PROPOSE_DOWNGRADE = "propose_downgrade"
    HOLD = "hold"


Days = Annotated[int, msgspec.Meta(ge=0, le=3650)]
Points = Annotated[int, msgspec.Meta(ge=0, le=100)]
Rank = Annotated[int, msgspec.Meta(ge=0, le=99)]
#: A factor from 0 to 100 with at most two decimals, written as a string ("0.5").
Factor = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$",
        max_length=6,
        description="A decimal from 0 to 100, at most two decimals",
        examples=["2"],
    ),
]


#: A decimal from 0 to 1000, as a string ("0.9") or a number; the schema says both.
Threshold = Annotated[
    Decimal | None,
    KwargDefinition(
        schema_extra={
            "oneOf": [
                Schema(
                    type=OpenAPIType.STRING,
                    pattern=r"^(1000(\.0{1,4})?|[0-9]{1,3}(\.[0-9]{1,4})?)$",
                    examples=["0.9"],
                ),
                Schema(type=OpenAPIType.NUMBER, minimum=0, maximum=1000),
                Schema(type=OpenAPIType.NULL),
            ]
        }
    ),
]


def _check_range(name: str, value: Decimal | None, low: Decimal, high: Decimal) -> None:
    if value is not None and not (value.is_finite() and low <= value <= high):
        raise ValueError(f"`{name}` must be between {low} and {high}")


class SignalRule(StrictStruct, kw_only=True):
    """A warning signal and what it triggers (an alert is always raised).

    ``threshold`` per signal: ``exposure_near_limit`` exposure/limit ratio (0.9),
    ``concentration`` share of the tenant's receivables (0.25), ``dunning_level``
    level number (4), ``bureau_score_drop`` points (15), ``payment_delay_trend``
    days (10); ``broken_promise`` and ``bureau_alert`` take none.
    """

    signal: Signal
    threshold: Threshold = None
    actions: Annotated[list[SignalAction], msgspec.Meta(max_length=4)] = msgspec.field(
        default_factory=lambda: [SignalAction.ALERT]
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_range("threshold", self.threshold, Decimal(0), Decimal(1000))


class TierRules(StrictStruct, kw_only=True):
    """One risk tier: who falls in it (``min_score``) and what they get.

    The recommended limit is the lower of the bureau's recommended limit (when the
    policy's ``limit_from_bureau`` and the report gives one) and ``sales_multiple``
    x the customer's average monthly sales, capped at ``limit_cap`` (in the tenant's
    currency), and 0 when prepayment is required. ``rank`` 0 is the best tier; a
    better tier is never stricter than a worse one (multiple, cap, terms, prepayment).
    """

    name: TierName
    rank: Rank
    min_score: Points
    max_terms_days: Annotated[int, msgspec.Meta(ge=0, le=365)]
    sales_multiple: Factor = "2"
    limit_cap: Amount | None = None
    prepayment_required: bool = False
    guarantee_required: bool = False
    review_interval_days: Annotated[int, msgspec.Meta(ge=1, le=730)] = 90
    dunning_plan: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] | None = None
    exposure_check: ExposureCheck = ExposureCheck.WARN

    def __post_init__(self) -> None:
        super().__post_init__()


class Scorecard(StrictStruct, kw_only=True):
    """Points from 0 to 100: ``base`` plus bonuses, minus penalties, clamped.

    The bureau score (0 to 100) moves the total by ``bureau_weight`` x (score - 50) / 50;
    no bureau score moves it by nothing. Penalties are capped where named ``*_cap``.
    """

    base: Points = 60
    bureau_weight: Points = 30
    per_day_late: Factor = "1"
    days_late_cap: Points = 30
    per_late_share: Points = 20
    per_trend_day: Factor = "0.5"
    trend_cap: Points = 15
    #: Penalty when the open overdue amount is a full month of sales (pro rata, capped).
    per_overdue_month: Points = 10
    overdue_cap: Points = 20
    per_broken_promise: Points = 5
    per_open_dispute: Points = 3
    per_legal_event: Points = 15
    #: Penalty per country risk grade below A (A=0 … E=4).
    per_country_grade: Points = 4
    per_year_in_business: Factor = "1"
    years_in_business_cap: Points = 10


def _signals() -> list[SignalRule]:
    A, R = SignalAction.ALERT, SignalAction.REASSESS
    return [
        SignalRule(signal=Signal.EXPOSURE_NEAR_LIMIT, threshold=Decimal("0.9"), actions=[A, R]),
        SignalRule(signal=Signal.CONCENTRATION, threshold=Decimal("0.25"), actions=[A]),
        SignalRule(signal=Signal.DUNNING_LEVEL, threshold=Decimal(4), actions=[A, R]),
        SignalRule(signal=Signal.BROKEN_PROMISE, actions=[A]),
        SignalRule(signal=Signal.PAYMENT_DELAY_TREND, threshold=Decimal(10), actions=[A, R]),
        SignalRule(signal=Signal.BUREAU_SCORE_DROP, threshold=Decimal(15), actions=[A, R]),
        SignalRule(signal=Signal.BUREAU_ALERT, actions=[A, R]),
    ]


#: The signals a policy watches unless it says otherwise.
DEFAULT_SIGNALS: list[SignalRule] = _signals()


def default_tiers() -> list[TierRules]:
    """``priority`` / ``standard`` / ``watch``: yearly, quarterly and monthly reviews."""
    return [
        TierRules(
            name="priority",
            rank=0,
            min_score=70,
            max_terms_days=60,
            sales_multiple="3",
            review_interval_days=365,
            exposure_check=ExposureCheck.WARN,
        ),
        TierRules(
            name="standard",
            rank=1,
            min_score=45,
            max_terms_days=30,
            sales_multiple="2",
            review_interval_days=90,
            exposure_check=ExposureCheck.APPROVE,
        ),
        TierRules(
            name="watch",
            rank=2,
            min_score=0,
            max_terms_days=14,
            sales_multiple="1",
            review_interval_days=30,
            exposure_check=ExposureCheck.BLOCK,
        ),
    ]


def _cap(tier: TierRules) -> Decimal:
    return Decimal("Infinity") if tier.limit_cap is None else Decimal(tier.limit_cap)


def _ladder_problems(ranked: list[TierRules]) -> list[str]:
    """Better tiers need more points and are never stricter: better inputs never hurt."""
    problems = []
    for better, worse in itertools.pairwise(ranked):
        if better.min_score <= worse.min_score:
            problems.append(
                f"tier `{better.name}` must need a higher `min_score` than `{worse.name}`"
            )
        if (
            Decimal(better.sales_multiple) < Decimal(worse.sales_multiple)
            or _cap(better) < _cap(worse)
            or better.max_terms_days < worse.max_terms_days
            or (better.prepayment_required and not worse.prepayment_required)
        ):
            problems.append(f"tier `{better.name}` is stricter than the worse tier `{worse.name}`")
    return problems


class PolicyDocument(StrictStruct, kw_only=True):
    """A tenant's credit policy: tiers (one must have ``min_score`` 0), scorecard, signals.

    ``report_max_age_days``: a stored bureau report younger than this is reused.
    ``daily_bureau_spend_cap``: paid bureau fetches per day for the tenant (null: no cap).
    ``credit_manager_authority``: the largest limit a ``credit_manager`` may set
    without approval (null: unlimited); ``admin`` is unlimited, ``collector`` has none.
    ``sales_months``: the window of the average monthly sales and payment behaviour.
    ``limit_from_bureau``: the bureau's recommended limit bounds the limit.
    """

    tiers: Annotated[list[TierRules], msgspec.Meta(min_length=1, max_length=20)] = msgspec.field(
        default_factory=default_tiers
    )
    scorecard: Scorecard = msgspec.field(default_factory=Scorecard)
    signals: Annotated[list[SignalRule], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=_signals
    )
    report_max_age_days: Annotated[int, msgspec.Meta(ge=0, le=730)] = 90
    daily_bureau_spend_cap: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = 50
    credit_manager_authority: Amount | None = None
    sales_months: Annotated[int, msgspec.Meta(ge=1, le=36)] = 12
    limit_from_bureau: bool = True

    def problems(self) -> list[tuple[str, str]]:
        """``(field, message)`` for each rule across fields the document breaks.

        Checked when a version is written (a 422), not when decoding: the rules
        span fields, so no schema can state them.
        """
        found: list[tuple[str, str]] = []
        names = [tier.name for tier in self.tiers]
        ranks = [tier.rank for tier in self.tiers]
        if len(set(names)) != len(names) or len(set(ranks)) != len(ranks):
            found.append(("tiers", "tier names and ranks must be unique"))
        else:
            found.extend(("tiers", message) for message in _ladder_problems(self.ranked()))
        if min(tier.min_score for tier in self.tiers) != 0:
            found.append(
                ("tiers", "one tier must have `min_score` 0 so that every score has a tier")
            )
        if len({rule.signal for rule in self.signals}) != len(self.signals):
            found.append(("signals", "each signal may appear once"))
        return found

    def tier(self, name: str | None) -> TierRules | None:
        """The rules of the tier called ``name``, if the policy has it."""
        return next((tier for tier in self.tiers if tier.name == name), None)

    def ranked(self) -> list[TierRules]:
        """Tiers from best (rank 0) to worst."""
        return sorted(self.tiers, key=lambda tier: tier.rank)

    def signal_rule(self, signal: Signal) -> SignalRule | None:
        return next((rule for rule in self.signals if rule.signal == signal), None)
