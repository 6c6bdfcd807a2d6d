"""FX in assessment inputs: inverse rates, a missing rate keeps the customer as it is; terms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from arplatform.credit.inputs import load_rates, missing_rates
from arplatform.credit.policies import ensure_active_policy
from arplatform.tenants.service import current_tenant
from tests.credit.assessment.helpers import customer, history, post, today
from tests.support import Api, TenantHandle


def _capped_draft(api: Api, tenant: TenantHandle, cap: str) -> str:
    draft = post(api, tenant, "/v1/credit-policies", {})
    tiers = [{**tier, "limit_cap": cap} for tier in draft["document"]["tiers"]]
    url = f"/v1/credit-policies/{draft['id']}"
    body = {"document": {**draft["document"], "tiers": tiers}}
    api.client.patch(url, json=body, headers=tenant.headers()).raise_for_status()
    return url


def test_a_rate_recorded_the_other_way_round_is_divided_not_multiplied(api: Api) -> None:
    tenant = api.new_tenant()
    rate = {"base": "USD", "quote": "EUR", "valid_from": "2026-01-01", "rate": "0.9"}
    post(api, tenant, "/v1/fx-rates", rate)

    async def work() -> tuple[Decimal | None, tuple[str, ...], tuple[str, ...]]:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            owner = await current_tenant(session)
            rates = await load_rates(session, owner, {"USD", "GBP"}, {"EUR"}, today())
            document = (await ensure_active_policy(session)).document
            tiers = [msgspec.structs.replace(t, limit_cap="9000.00") for t in document.tiers]
            capped = msgspec.structs.replace(document, tiers=tiers)
            return (
                rates.convert(Decimal("9000.00"), "EUR", "USD"),
                missing_rates(capped, "USD", None, rates),
                missing_rates(capped, "GBP", None, rates),
            )

    converted, usd_missing, gbp_missing = api.run(work)
    assert converted == Decimal("10000.00")  # 9000 / 0.9, never 9000 x 0.9 = 8100
    assert usd_missing == () and gbp_missing == ("EUR→GBP",)


def test_a_missing_rate_keeps_the_customer_and_flags_it_in_simulation_and_activation(
    api: Api,
) -> None:
    tenant = api.new_tenant()
    post(
        api,
        tenant,
        "/v1/fx-rates",
        {"base": "USD", "quote": "EUR", "valid_from": "2026-01-01", "rate": "0.9"},
    )
    pounds = customer(api, tenant, currency="GBP", credit_limit="5000.00")
    dollars = customer(api, tenant, currency="USD")
    history(api, tenant, dollars["id"], days_late=0)
    url = _capped_draft(api, tenant, "900.00")
    simulated = post(api, tenant, f"{url}/simulate", None)
    by_id: dict[str, Any] = {c["customer_id"]: c for c in simulated["changes"]}
    kept = by_id[pounds["id"]]
    assert kept["missing_rates"] == ["EUR→GBP"]
    assert (kept["limit_from"], kept["limit_to"]) == ("5000.00", "5000.00")
    assert Decimal(by_id[dollars["id"]]["limit_to"]) <= Decimal("1000.00")  # 900 EUR in USD
    assert simulated["missing_rates"] == 1

    activated = post(api, tenant, f"{url}/activate", None)
    assert activated["applied"]["changes"] == simulated["changes"]
    after = api.client.get(f"/v1/customers/{pounds['id']}", headers=tenant.headers()).json()
    assert after["credit_limit"] == "5000.00"  # never cut to 0.00 for want of a rate
    [decision] = api.client.get(
        f"/v1/customers/{pounds['id']}/assessments", headers=tenant.headers()
    ).json()["data"]
    assert decision["status"] == "manual_review" and "EUR→GBP" in decision["reasons"][-1]


def test_a_customer_without_terms_keeps_the_invoice_default_not_the_tier_maximum(
    api: Api,
) -> None:
    tenant = api.new_tenant()
    good = customer(api, tenant)
    history(api, tenant, good["id"], days_late=0)
    draft = post(api, tenant, "/v1/credit-policies", {})
    tiers = [{**tier, "max_terms_days": 60} for tier in draft["document"]["tiers"]]
    url = f"/v1/credit-policies/{draft['id']}"
    body = {"document": {**draft["document"], "tiers": tiers}}
    api.client.patch(url, json=body, headers=tenant.headers()).raise_for_status()
    simulated = post(api, tenant, f"{url}/simulate", None)
    [change] = [c for c in simulated["changes"] if c["customer_id"] == good["id"]]
    assert change["terms_from"] is None
    assert change["terms_to"] is None  # net 30 already applies; never lengthened to 60
