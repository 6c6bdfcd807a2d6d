"""Approval authority: no self-approval, limits within the approver's authority (converted),
credit fields on customers only for roles with authority, stale requests after activation."""

from __future__ import annotations

from typing import Any

from arplatform.auth.tokens import Role
from tests.credit.assessment.helpers import customer, post
from tests.support import Api, TenantHandle


def _get(api: Api, tenant: TenantHandle, path: str, **params: Any) -> Any:
    response = api.client.get(path, params=params, headers=tenant.headers())
    assert response.status_code == 200, response.text
    return response.json()


def _decide(api: Api, tenant: TenantHandle, approval_id: str, verb: str, role: Role) -> Any:
    return api.client.post(
        f"/v1/credit-approvals/{approval_id}/{verb}", headers=tenant.headers(role)
    )


def _authority(api: Api, tenant: TenantHandle, amount: str) -> None:
    draft = post(api, tenant, "/v1/credit-policies", {})
    url = f"/v1/credit-policies/{draft['id']}"
    document = {**draft["document"], "credit_manager_authority": amount}
    api.client.patch(url, json={"document": document}, headers=tenant.headers()).raise_for_status()
    api.client.post(f"{url}/activate", headers=tenant.headers()).raise_for_status()


def _ask_limit(api: Api, tenant: TenantHandle, customer_id: str, limit: str, role: Role) -> Any:
    body = {
        "kind": "limit_change",
        "customer_id": customer_id,
        "credit_limit": limit,
        "reason": "Larger orders from spring",
    }
    return post(api, tenant, "/v1/credit-approvals", body, role)


def test_nobody_approves_their_own_request(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    request = _ask_limit(api, tenant, buyer["id"], "400.00", Role.CREDIT_MANAGER)
    own = _decide(api, tenant, request["id"], "approve", Role.CREDIT_MANAGER)
    assert own.status_code == 403, own.text
    assert _get(api, tenant, f"/v1/customers/{buyer['id']}")["credit_limit"] is None
    _decide(api, tenant, request["id"], "approve", Role.ADMIN).raise_for_status()
    assert _get(api, tenant, f"/v1/customers/{buyer['id']}")["credit_limit"] == "400.00"


def test_a_manager_approves_only_within_its_authority_and_the_admin_decision_is_audited(
    api: Api,
) -> None:
    tenant = api.new_tenant()
    _authority(api, tenant, "500.00")
    buyer = customer(api, tenant)
    request = _ask_limit(api, tenant, buyer["id"], "10000.00", Role.COLLECTOR)
    above = _decide(api, tenant, request["id"], "approve", Role.CREDIT_MANAGER)
    assert above.status_code == 403, above.text
    assert _get(api, tenant, f"/v1/credit-approvals/{request['id']}")["status"] == "pending"
    _decide(api, tenant, request["id"], "approve", Role.ADMIN).raise_for_status()
    audit = _get(api, tenant, "/v1/audit-events", entity_id=buyer["id"])["data"]
    [change] = [e for e in audit if e["action"] == "update"]
    assert change["after"]["credit_limit"] == "10000.00"
    assert change["actor"] == f"client:{tenant.admin.client_id}"


def test_the_tenant_currency_authority_is_converted_to_the_customer_currency(api: Api) -> None:
    tenant = api.new_tenant()
    _authority(api, tenant, "500.00")  # EUR, the tenant currency
    rate = {"base": "USD", "quote": "EUR", "valid_from": "2026-01-01", "rate": "0.5"}
    post(api, tenant, "/v1/fx-rates", rate)
    buyer = customer(api, tenant, currency="USD")
    url, headers = f"/v1/customers/{buyer['id']}", tenant.headers(Role.CREDIT_MANAGER)
    within = api.client.patch(url, json={"credit_limit": "900.00"}, headers=headers)
    assert within.status_code == 200, within.text  # 900 USD = 450 EUR
    above = api.client.patch(url, json={"credit_limit": "1100.00"}, headers=headers)
    assert above.status_code == 403, above.text  # 1100 USD = 550 EUR
    assert above.json()["errors"][0]["field"] == "credit_limit"


def test_a_collector_sets_no_credit_fields_on_customers(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers(Role.COLLECTOR)
    body = {"legal_name": "Neu GmbH", "country": "DE", "currency": "EUR"}
    refused = api.client.post(
        "/v1/customers", json={**body, "credit_limit": "1.00"}, headers=headers
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["errors"][0]["field"] == "credit_limit"
    created = api.client.post("/v1/customers", json=body, headers=headers)
    assert created.status_code == 201, created.text
    url = f"/v1/customers/{created.json()['id']}"
    for field, value in (("risk_tier", "priority"), ("payment_terms", {"days": 90})):
        response = api.client.patch(url, json={field: value}, headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["field"] == field
    renamed = api.client.patch(url, json={"legal_name": "Neu AG"}, headers=headers)
    assert renamed.status_code == 200, renamed.text


def test_activation_supersedes_pending_requests_made_under_the_old_version(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    ask = {"kind": "tier_change", "customer_id": buyer["id"], "reason": "Pays on the dot"}
    request = post(api, tenant, "/v1/credit-approvals", {**ask, "risk_tier": "priority"})
    _authority(api, tenant, "1000.00")  # version 2 activated
    stale = _get(api, tenant, f"/v1/credit-approvals/{request['id']}")
    assert (stale["status"], stale["decision_note"]) == (
        "rejected",
        "superseded: policy version 2 was activated",
    )
    late = _decide(api, tenant, request["id"], "approve", Role.CREDIT_MANAGER)
    assert late.status_code == 409, late.text
    assert _get(api, tenant, f"/v1/customers/{buyer['id']}")["risk_tier"] != "priority"
