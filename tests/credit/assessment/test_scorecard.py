"""The scorecard: better inputs never give a worse tier, a lower limit or shorter terms."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arplatform.credit.policy_schema import PolicyDocument, TierRules
from arplatform.credit.scorecard import Behaviour, Inputs, decide

DOCUMENT = PolicyDocument()
CAPPED = PolicyDocument(
    tiers=[
        msgspec.structs.replace(tier, limit_cap=cap)
        for tier, cap in zip(DOCUMENT.ranked(), ["90000", "40000", "5000"], strict=True)
    ]
)
money = st.decimals(min_value=0, max_value=500_000, places=2)
days = st.decimals(min_value=0, max_value=120, places=2)
share = st.decimals(min_value=0, max_value=1, places=4)
counts = st.integers(min_value=0, max_value=10)

behaviours = st.builds(
    Behaviour,
    invoices_settled=st.integers(min_value=0, max_value=200),
    avg_days_late=days,
    share_paid_late=share,
    delay_trend=st.none() | st.decimals(min_value=-60, max_value=60, places=2),
    open_overdue=money,
    avg_monthly_sales=money,
    broken_promises=counts,
    open_disputes=counts,
)
inputs = st.builds(
    Inputs,
    behaviour=behaviours,
    bureau_score=st.none() | st.integers(min_value=0, max_value=100),
    bureau_rating=st.none() | st.sampled_from("ABCDE"),
    bureau_limit=st.none() | money,
    country_rating=st.none() | st.sampled_from("ABCDE"),
    years_in_business=st.none() | st.integers(min_value=0, max_value=80),
    legal_events=counts,
)


def _better(data: st.DataObject, worse: Inputs) -> Inputs:
    """``worse`` improved on some factors (never worsened on any)."""
    b = worse.behaviour

    def down(most: Decimal) -> Decimal:
        drawn: Decimal = data.draw(st.decimals(min_value=0, max_value=most, places=4))
        return drawn

    behaviour = replace(
        b,
        avg_days_late=down(b.avg_days_late),
        share_paid_late=down(b.share_paid_late),
        delay_trend=None if b.delay_trend is None else b.delay_trend - down(Decimal(30)),
        open_overdue=down(b.open_overdue),
        avg_monthly_sales=b.avg_monthly_sales + down(Decimal(10_000)),
        broken_promises=data.draw(st.integers(0, b.broken_promises)),
        open_disputes=data.draw(st.integers(0, b.open_disputes)),
    )
    score = worse.bureau_score
    return replace(
        worse,
        behaviour=behaviour,
        bureau_score=None if score is None else data.draw(st.integers(score, 100)),
        bureau_limit=None if worse.bureau_limit is None else worse.bureau_limit + down(Decimal(9)),
        country_rating=None
        if worse.country_rating is None
        else data.draw(st.sampled_from("ABCDE"[: "ABCDE".index(worse.country_rating) + 1])),
        years_in_business=None
        if worse.years_in_business is None
        else worse.years_in_business + data.draw(st.integers(0, 20)),
        legal_events=data.draw(st.integers(0, worse.legal_events)),
    )


@pytest.mark.parametrize("document", [DOCUMENT, CAPPED], ids=["default", "capped"])
@settings(max_examples=300, deadline=None)
@given(worse=inputs, data=st.data())
def test_better_inputs_never_give_a_worse_outcome(
    document: PolicyDocument, worse: Inputs, data: st.DataObject
) -> None:
    better = _better(data, worse)
    caps = {t.name: None if t.limit_cap is None else Decimal(t.limit_cap) for t in document.tiers}
    before, after = (decide(i, document, "EUR", caps) for i in (worse, better))
    assert after.score >= before.score
    assert after.tier.rank <= before.tier.rank
    assert after.limit >= before.limit
    assert after.terms_days >= before.terms_days


@settings(max_examples=200, deadline=None)
@given(given_inputs=inputs)
def test_the_outcome_is_within_the_rules(given_inputs: Inputs) -> None:
    outcome = decide(given_inputs, DOCUMENT, "EUR", {})
    assert 0 <= outcome.score <= 100
    assert outcome.score >= outcome.tier.min_score
    assert outcome.limit == outcome.limit.quantize(Decimal("0.01")) >= 0
    assert outcome.limit <= given_inputs.behaviour.avg_monthly_sales * Decimal(
        outcome.tier.sales_multiple
    )
    if given_inputs.bureau_limit is not None:
        assert outcome.limit <= given_inputs.bureau_limit


def test_reasons_are_plain_words() -> None:
    behaviour = Behaviour(
        invoices_settled=12,
        avg_days_late=Decimal(23),
        share_paid_late=Decimal("0.5"),
        avg_monthly_sales=Decimal(10_000),
        broken_promises=2,
    )
    outcome = decide(
        Inputs(behaviour=behaviour, bureau_score=41, bureau_limit=Decimal(15_000)),
        DOCUMENT,
        "EUR",
        {},
    )
    text = " | ".join(outcome.reasons)
    assert "bureau score 41/100 (-5)" in text
    assert "average 23 days late over 12 settled invoices (-23)" in text
    assert "50% of invoices paid late (-10)" in text
    assert "2 broken promises (-10)" in text
    assert f"score {outcome.score}/100: tier {outcome.tier.name}" in text
    assert outcome.limit == Decimal("10000.00")  # watch: 1 x sales, below the bureau's 15,000


def test_a_ladder_where_a_better_tier_is_stricter_is_refused() -> None:
    tiers = DOCUMENT.ranked()
    assert DOCUMENT.problems() == []
    stricter = [msgspec.structs.replace(tiers[0], max_terms_days=7), *tiers[1:]]
    assert PolicyDocument(tiers=stricter).problems() == [
        ("tiers", "tier `priority` is stricter than the worse tier `standard`")
    ]
    no_floor = [msgspec.structs.replace(t, min_score=t.min_score + 5) for t in tiers]
    assert [f for f, _ in PolicyDocument(tiers=no_floor).problems()] == ["tiers"]
    assert isinstance(tiers[0], TierRules)
