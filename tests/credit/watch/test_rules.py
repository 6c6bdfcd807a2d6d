"""Pure rules of credit watch: conversion rounding, the next worse tier, the daily fan-out."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from arplatform.credit.exposure import Context, PartKind, compared_in, measure
from arplatform.credit.fx import Quote, convert, same_currency
from arplatform.credit.policy_schema import PolicyDocument
from arplatform.credit.signals import worse_tier
from arplatform.credit.watch_jobs import SIGNALS_DAILY, SIGNALS_TENANT, SIGNALS_TENANT_JOB
from arplatform.integrations.providers import load_providers
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.runtime import JobContext
from arplatform.money import Rounding, quantum
from arplatform.tenants.models import Tenant
from tests.credit.watch.helpers import alerts
from tests.ledger.helpers import customer, invoice
from tests.support import Api

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("10000"), places=8)


@given(amounts, rates, st.sampled_from(["EUR", "JPY", "BHD"]), st.sampled_from(list(Rounding)))
def test_conversion_is_the_product_rounded_once_to_the_target_minor_unit(
    amount: Decimal, rate: Decimal, target: str, rounding: Rounding
) -> None:
    converted = convert(amount, Quote("USD", target, rate, None), rounding)
    exact = amount * rate
    step = quantum(target)
    assert converted == converted.quantize(step)  # exactly the target's decimals
    assert abs(converted - exact) < step
    if rounding in (Rounding.HALF_UP, Rounding.HALF_EVEN):
        assert abs(converted - exact) <= step / 2
    if rounding is Rounding.DOWN:
        assert converted <= exact
    if rounding is Rounding.UP:
        assert converted >= exact


def test_the_next_worse_tier_follows_the_ranks() -> None:
    document = PolicyDocument()  # priority (0), standard (1), watch (2)
    assert worse_tier(document, "priority") == "standard"
    assert worse_tier(document, "standard") == "watch"
    assert worse_tier(document, "watch") is None  # already the worst
    assert worse_tier(document, None) is None
    assert worse_tier(document, "unknown") is None


def test_the_daily_actors_fan_out_and_run_the_detectors(api: Api) -> None:
    tenant, other = api.new_tenant("A"), api.new_tenant("B")
    invoice(api, tenant, customer(api, tenant), price="10")  # one customer: all receivables
    settings, db = api.settings, api.app.state.db

    async def run() -> list[uuid.UUID]:
        providers = load_providers(settings)
        async with db.session(tenant.tenant_id, actor="test") as session, session.begin():
            ctx = JobContext(session, tenant.tenant_id, {"as_of": "2026-11-27"}, settings, db,
                             providers)  # fmt: skip
            await SIGNALS_TENANT.fn(ctx)
        async with db.session(None, actor="test") as session, session.begin():
            await SIGNALS_DAILY.fn(JobContext(session, None, {}, settings, db, providers))
        async with db.session(None, actor="test") as session:
            stmt = select(OutboxMessage.tenant_id).where(OutboxMessage.actor == SIGNALS_TENANT_JOB)
            return list((await session.scalars(stmt)).all())

    queued = api.run(run)
    assert queued.count(tenant.tenant_id) == queued.count(other.tenant_id) == 1
    [alert] = alerts(api, tenant)
    assert (alert["signal"], alert["facts"]["share"]) == ("concentration", "1.0000")


def test_an_inverse_rate_divides_by_the_recorded_rate_and_rounds_the_half_once() -> None:
    quote = Quote("USD", "EUR", Decimal("3"), None, inverse=True)  # 1 EUR = 3 USD
    # 0.015 / 3 = 0.005 exactly: half up gives 0.01; a reciprocal cut to 12 places
    # (0.333333333333) would give 0.004999999999995 and round it down to 0.00.
    assert convert(Decimal("0.015"), quote, Rounding.HALF_UP) == Decimal("0.01")
    assert convert(Decimal("0.015"), quote, Rounding.HALF_EVEN) == Decimal("0.00")
    assert convert(Decimal("100.00"), quote, Rounding.HALF_UP) == Decimal("33.33")
    assert quote.per_unit == Decimal("0.333333333333")


def _ctx() -> Context:
    return Context(Tenant(currency="EUR", rounding="half_up"), date(2026, 11, 27))


def test_each_currency_is_summed_across_kinds_before_it_is_converted() -> None:
    usd = Quote("USD", "EUR", Decimal("0.5"), date(2026, 1, 1))
    rows = [
        (PartKind.RECEIVABLES, "USD", Decimal("0.01")),
        (PartKind.COMMITMENTS, "USD", Decimal("0.01")),
        (PartKind.INVOICE, "EUR", Decimal("1.00")),
    ]
    quotes = {"USD": usd, "EUR": same_currency("EUR")}
    exposure = measure(uuid.uuid4(), rows, ("USD", Decimal("10")), quotes, _ctx(), "EUR")
    # each 0.01 USD alone is 0.005 → 0.01 EUR (a half, rounded up); together 0.02 USD = 0.01 EUR
    assert [p.converted for p in exposure.parts if p.currency == "USD"] == [Decimal("0.01")] * 2
    assert exposure.total == Decimal("1.01")
    assert exposure.limit == Decimal("5.00")


def test_one_currency_throughout_is_compared_in_it_without_a_rate() -> None:
    assert compared_in("USD", {"USD"}, "EUR") == "USD"
    assert compared_in("USD", {"USD", "GBP"}, "EUR") == "EUR"
    assert compared_in(None, {"USD"}, "EUR") == "EUR"
    rows = [
        (PartKind.RECEIVABLES, "USD", Decimal("999.99")),
        (PartKind.UNAPPLIED, "USD", Decimal("-0.00")),
        (PartKind.INVOICE, "USD", Decimal("0.01")),
    ]
    quotes = {"USD": same_currency("USD")}
    exposure = measure(uuid.uuid4(), rows, ("USD", Decimal("1000")), quotes, _ctx(), "USD")
    assert (exposure.currency, exposure.total, exposure.available) == (
        "USD",
        Decimal("1000.00"),
        Decimal("0.00"),
    )
