"""Limit changes above the caller's authority become approval requests; approving applies them."""

from __future__ import annotations

import uuid
from typing import Any

from arplatform.auth.tokens import Role
from arplatform.credit.approvals import approved_over_limit, request_approval
from tests.credit.assessment.helpers import (
    assess,
    blocking_tiers,
    customer,
    first_of_a_31_day_month,
    history,
    post,
)
from tests.support import Api, TenantHandle


def _get(api: Api, tenant: TenantHandle, path: str, **params: Any) -> Any:
    response = api.client.get(path, params=params, headers=tenant.headers())
    assert response.status_code == 200, response.text
    return response.json()


def _decide(api: Api, tenant: TenantHandle, approval_id: str, verb: str, role: Role) -> Any:
    return api.client.post(
        f"/v1/credit-approvals/{approval_id}/{verb}", headers=tenant.headers(role)
    )


def test_a_collector_raising_a_limit_needs_a_credit_manager(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    history(api, tenant, buyer["id"], days_late=0)
    pending = assess(api, tenant, buyer["id"], Role.COLLECTOR)
    assert pending["status"] == "pending_approval" and pending["approval_id"], pending
    still = _get(api, tenant, f"/v1/customers/{buyer['id']}")
    assert (still["risk_tier"], still["credit_limit"]) == (None, None)
    [request] = _get(api, tenant, "/v1/credit-approvals", status="pending")["data"]
    assert request["id"] == pending["approval_id"] and request["kind"] == "limit_change"
    assert request["proposed"]["credit_limit"] == pending["recommended_limit"]
    assert request["policy_version"] == 1

    refused = _decide(api, tenant, request["id"], "approve", Role.COLLECTOR)
    assert refused.status_code == 403
    approved = _decide(api, tenant, request["id"], "approve", Role.CREDIT_MANAGER)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    after = _get(api, tenant, f"/v1/customers/{buyer['id']}")
    assert (after["risk_tier"], after["credit_limit"]) == (
        pending["risk_tier"],
        pending["recommended_limit"],
    )
    again = _decide(api, tenant, request["id"], "reject", Role.CREDIT_MANAGER)
    assert again.status_code == 409

    audit = _get(api, tenant, "/v1/audit-events", entity_id=buyer["id"])["data"]
    limits = [e["after"]["credit_limit"] for e in audit if e["action"] == "update"]
    assert limits and limits[-1] is not None  # the limit change is in the audit log


def test_a_credit_manager_is_bounded_by_the_tenant_authority(api: Api) -> None:
    tenant = api.new_tenant()
    draft = post(api, tenant, "/v1/credit-policies", {}, Role.CREDIT_MANAGER)
    url = f"/v1/credit-policies/{draft['id']}"
    document = {**draft["document"], "credit_manager_authority": "500.00"}
    api.client.patch(url, json={"document": document}, headers=tenant.headers()).raise_for_status()
    activated = api.client.post(f"{url}/activate", headers=tenant.headers(Role.CREDIT_MANAGER))
    assert activated.status_code == 403  # activation is an admin's
    api.client.post(f"{url}/activate", headers=tenant.headers()).raise_for_status()
    buyer = customer(api, tenant)
    history(api, tenant, buyer["id"], days_late=0)
    assert assess(api, tenant, buyer["id"], Role.CREDIT_MANAGER)["status"] == "pending_approval"
    assert assess(api, tenant, buyer["id"], Role.ADMIN)["status"] == "decided"
    # the admin's decision was applied: the credit manager's request is superseded
    [request] = _get(api, tenant, "/v1/credit-approvals", kind="limit_change")["data"]
    assert (request["status"], request["decision_note"]) == (
        "rejected",
        "superseded by a newer decision",
    )


def test_a_limit_cut_needs_no_approval(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant, credit_limit="900000.00")
    history(api, tenant, buyer["id"], days_late=40)
    decided = assess(api, tenant, buyer["id"], Role.COLLECTOR)
    assert decided["status"] == "decided"
    assert (
        _get(api, tenant, f"/v1/customers/{buyer['id']}")["credit_limit"]
        == (decided["recommended_limit"])
    )


def test_invoice_over_limit_requests_are_idempotent_and_found_once_approved(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = uuid.UUID(customer(api, tenant)["id"])
    invoice = post(
        api,
        tenant,
        "/v1/invoices",
        {
            "customer_id": str(buyer),
            "number": "INV-OVER-1",
            "issue_date": "2026-11-20",
            "lines": [{"description": "Goods", "quantity": "1", "unit_price": "500.00"}],
        },
    )
    invoice_id = uuid.UUID(invoice["id"])

    async def ask() -> tuple[uuid.UUID, uuid.UUID]:
        async with api.app.state.db.session(tenant.tenant_id, actor="test") as s, s.begin():
            kwargs: dict[str, Any] = {
                "kind": "invoice_over_limit",
                "customer_id": buyer,
                "proposed": {"amount": "500.00"},
                "reason": "exposure over the limit",
                "requested_by": "test",
                "invoice_id": invoice_id,
            }
            first = await request_approval(s, **kwargs)
            second = await request_approval(s, **kwargs)
            return first.id, second.id

    first, second = api.run(ask)
    assert first == second

    async def found() -> uuid.UUID | None:
        async with api.app.state.db.session(tenant.tenant_id) as s:
            row = await approved_over_limit(s, invoice_id)
            return None if row is None else row.id

    assert api.run(found) is None
    _decide(api, tenant, str(first), "approve", Role.CREDIT_MANAGER).raise_for_status()
    assert api.run(found) == first
    assert _get(api, tenant, f"/v1/customers/{buyer}")["credit_limit"] is None  # only marked


def test_a_collector_asks_for_a_tier_change_that_a_manager_approves(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    ask = {"kind": "tier_change", "customer_id": buyer["id"], "reason": "Pays on the dot"}
    for bad in ({**ask, "risk_tier": "gold"}, {**ask, "kind": "limit_change"}):
        refused = api.client.post(
            "/v1/credit-approvals", json=bad, headers=tenant.headers(Role.COLLECTOR)
        )
        assert refused.status_code == 422, refused.text
    too_precise = {**ask, "kind": "limit_change", "credit_limit": "10.001"}
    refused = api.client.post("/v1/credit-approvals", json=too_precise, headers=tenant.headers())
    assert refused.status_code in (400, 422), refused.text
    request = post(
        api, tenant, "/v1/credit-approvals", {**ask, "risk_tier": "priority"}, Role.COLLECTOR
    )
    assert (request["status"], request["proposed"]) == ("pending", {"risk_tier": "priority"})
    _decide(api, tenant, request["id"], "approve", Role.CREDIT_MANAGER).raise_for_status()
    assert _get(api, tenant, f"/v1/customers/{buyer['id']}")["risk_tier"] == "priority"


def _issue_on_the_1st(api: Api, tenant: TenantHandle, customer_id: str) -> Any:
    body = {
        "customer_id": customer_id,
        "issue_date": first_of_a_31_day_month().isoformat(),
        "lines": [{"description": "Goods", "quantity": "1", "unit_price": "100"}],
    }
    return api.client.post("/v1/invoices", json=body, headers=tenant.headers())


def test_approving_fits_the_terms_the_customer_has_then_not_the_days_proposed(api: Api) -> None:
    tenant = api.new_tenant()
    blocking_tiers(api, tenant, 45)
    net_60 = {"kind": "net", "days": 60, "basis": "invoice_date"}
    buyer = customer(api, tenant, payment_terms=net_60)
    history(api, tenant, buyer["id"], days_late=0)
    pending = assess(api, tenant, buyer["id"], Role.COLLECTOR)
    assert pending["status"] == "pending_approval", pending
    request = _get(api, tenant, f"/v1/credit-approvals/{pending['approval_id']}")
    assert request["proposed"]["payment_terms_days"] == 45  # net 60 cut to net 45
    assert "payment_terms_kind" not in request["proposed"]
    eom_45 = {"kind": "end_of_month", "days": 45, "basis": "invoice_date"}
    edited = api.client.patch(
        f"/v1/customers/{buyer['id']}", json={"payment_terms": eom_45}, headers=tenant.headers()
    )
    assert edited.status_code == 200, edited.text

    _decide(api, tenant, request["id"], "approve", Role.CREDIT_MANAGER).raise_for_status()
    terms = _get(api, tenant, f"/v1/customers/{buyer['id']}")["payment_terms"]
    assert (terms["kind"], terms["days"]) == ("end_of_month", 15)  # not end of month + 45
    issued = _issue_on_the_1st(api, tenant, buyer["id"])
    assert issued.status_code == 201, issued.text
    assert issued.headers["Credit-Check"] == "within_limit"


def test_approving_a_stored_request_without_a_kind_fits_the_current_terms(api: Api) -> None:
    tenant = api.new_tenant()
    blocking_tiers(api, tenant, 45)
    eom_45 = {"kind": "end_of_month", "days": 45, "basis": "delivery_date"}
    buyer = customer(api, tenant, payment_terms=eom_45)

    async def ask() -> uuid.UUID:
        async with api.app.state.db.session(tenant.tenant_id, actor="test") as s, s.begin():
            request = await request_approval(
                s,
                kind="limit_change",
                customer_id=uuid.UUID(buyer["id"]),
                proposed={
                    "risk_tier": "standard",
                    "credit_limit": "100000.00",
                    "payment_terms_days": 45,
                },
                reason="an older request: days only",
                requested_by="test",
            )
            return request.id

    approval_id = api.run(ask)
    _decide(api, tenant, str(approval_id), "approve", Role.ADMIN).raise_for_status()
    terms = _get(api, tenant, f"/v1/customers/{buyer['id']}")["payment_terms"]
    assert {k: terms[k] for k in eom_45} == {**eom_45, "days": 15, "basis": "invoice_date"}
    issued = _issue_on_the_1st(api, tenant, buyer["id"])
    assert issued.status_code == 201, issued.text
