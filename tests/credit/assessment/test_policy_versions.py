"""Policy versions: default, drafts, immutability, simulation == activation, past decisions kept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from arplatform.auth.tokens import Role
from tests.credit.assessment.helpers import assess, customer, history, post
from tests.support import Api, TenantHandle


def _policies(api: Api, tenant: TenantHandle) -> list[dict[str, Any]]:
    response = api.client.get("/v1/credit-policies", headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def _stricter(document: dict[str, Any]) -> dict[str, Any]:
    """Fewer points for everyone, half the sales multiple and shorter terms everywhere."""
    tiers = [
        {
            **tier,
            "sales_multiple": str(Decimal(tier["sales_multiple"]) / 2),
            "max_terms_days": tier["max_terms_days"] // 2,
        }
        for tier in document["tiers"]
    ]
    return {**document, "tiers": tiers, "scorecard": {**document["scorecard"], "base": 40}}


def test_a_new_tenant_has_the_default_policy_as_version_1(api: Api) -> None:
    tenant = api.new_tenant()
    [policy] = _policies(api, tenant)
    assert (policy["number"], policy["status"]) == (1, "active")
    assert [t["name"] for t in policy["document"]["tiers"]] == ["priority", "standard", "watch"]
    assert [t["review_interval_days"] for t in policy["document"]["tiers"]] == [365, 90, 30]


def test_only_drafts_change_and_a_bad_document_is_refused(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers(Role.CREDIT_MANAGER)
    draft = post(api, tenant, "/v1/credit-policies", {"note": "Tighter"}, Role.CREDIT_MANAGER)
    assert (draft["number"], draft["status"]) == (2, "draft")
    url = f"/v1/credit-policies/{draft['id']}"
    changed = api.client.patch(
        url, json={"document": _stricter(draft["document"])}, headers={**headers, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["document"]["scorecard"]["base"] == 40
    no_zero_tier = {
        **draft["document"],
        "tiers": [{**t, "min_score": t["min_score"] + 1} for t in draft["document"]["tiers"]],
    }
    refused = api.client.patch(
        url, json={"document": no_zero_tier}, headers={**headers, "If-Match": '"2"'}
    )
    assert refused.status_code == 422, refused.text
    [active] = [p for p in _policies(api, tenant) if p["status"] == "active"]
    frozen = api.client.patch(
        f"/v1/credit-policies/{active['id']}",
        json={"note": "edited"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert frozen.status_code == 409, frozen.text


def test_simulation_lists_exactly_what_activation_then_changes(api: Api) -> None:
    tenant = api.new_tenant()
    good, late = customer(api, tenant), customer(api, tenant)
    history(api, tenant, good["id"], days_late=0)
    history(api, tenant, late["id"], days_late=25)
    first = [assess(api, tenant, c["id"]) for c in (good, late)]
    assert all(a["status"] == "decided" and a["policy_version"] == 1 for a in first)
    draft = post(api, tenant, "/v1/credit-policies", {}, Role.CREDIT_MANAGER)
    url = f"/v1/credit-policies/{draft['id']}"
    api.client.patch(
        url, json={"document": _stricter(draft["document"])}, headers=tenant.headers()
    ).raise_for_status()
    simulated = post(api, tenant, f"{url}/simulate", None, Role.CREDIT_MANAGER)
    assert simulated["customers"] == 2 and simulated["changes"], simulated
    untouched = api.client.get(f"/v1/customers/{late['id']}", headers=tenant.headers()).json()
    assert untouched["risk_tier"] == first[1]["risk_tier"]  # simulating wrote nothing

    activated = api.client.post(f"{url}/activate", headers={**tenant.headers(), "If-Match": '"2"'})
    assert activated.status_code == 200, activated.text
    assert activated.json()["applied"] == simulated
    for change in simulated["changes"]:
        now = api.client.get(f"/v1/customers/{change['customer_id']}", headers=tenant.headers())
        body = now.json()
        assert (body["risk_tier"], body["credit_limit"], body["payment_terms"]["days"]) == (
            change["tier_to"],
            change["limit_to"],
            change["terms_to"],
        )
    statuses = {p["number"]: p["status"] for p in _policies(api, tenant)}
    assert statuses == {1: "retired", 2: "active"}


def test_past_decisions_keep_their_version_and_reasons(api: Api) -> None:
    tenant = api.new_tenant()
    late = customer(api, tenant)
    history(api, tenant, late["id"], days_late=23)
    before = assess(api, tenant, late["id"])
    assert before["policy_version"] == 1
    assert any("average 23 days late" in reason for reason in before["reasons"]), before
    draft = post(api, tenant, "/v1/credit-policies", {}, Role.CREDIT_MANAGER)
    url = f"/v1/credit-policies/{draft['id']}"
    api.client.patch(
        url, json={"document": _stricter(draft["document"])}, headers=tenant.headers()
    ).raise_for_status()
    api.client.post(f"{url}/activate", headers=tenant.headers()).raise_for_status()
    after = assess(api, tenant, late["id"])
    assert after["policy_version"] == 2 and after["score"] < before["score"]
    listed = api.client.get(
        f"/v1/customers/{late['id']}/assessments", headers=tenant.headers(Role.VIEWER)
    ).json()["data"]
    assert [a["id"] for a in listed] == [before["id"], listed[1]["id"], after["id"]]
    activation = listed[1]  # the activation recorded its decision for the changed customer
    assert (activation["policy_version"], activation["trigger"]) == (
        2,
        "policy version 2 activated",
    )
    assert activation["reasons"][0] == "policy version 2 activated"
    assert listed[0] == before  # the old decision is exactly as it was
    one = api.client.get(f"/v1/credit-assessments/{before['id']}", headers=tenant.headers())
    assert one.json() == before
