"""The credit check at issue: block, warn or approval per the customer's tier."""

from __future__ import annotations

from typing import Any

from tests.credit.watch.helpers import alerts, approve, buyer, with_default_policy
from tests.ledger.helpers import get, invoice, pay
from tests.support import Api, TenantHandle


def _issue(api: Api, tenant: TenantHandle, cust: str, price: str, **extra: Any) -> Any:
    body = {
        "customer_id": cust,
        "issue_date": "2026-11-02",
        "due_date": "2026-12-02",
        "lines": [{"description": "Goods", "quantity": "1", "unit_price": price}],
        **extra,
    }
    return api.client.post("/v1/invoices", json=body, headers=tenant.headers())


def test_without_a_policy_over_the_limit_is_blocked_with_the_figures(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant, limit="500.00")
    invoice(api, tenant, cust, price="300")
    blocked = _issue(api, tenant, cust, "250")
    assert blocked.status_code == 409, blocked.text
    problem = blocked.json()
    assert problem["type"] == "/problems/credit-limit-exceeded"
    assert "takes exposure to 550.00 EUR" in problem["detail"]
    assert "credit limit of 500.00 EUR (available before it: 200.00 EUR)" in problem["detail"]
    assert get(api, tenant, f"/v1/customers/{cust}/exposure")["exposure"] == "300.00"
    assert _issue(api, tenant, cust, "200").status_code == 201  # exactly up to the limit


def test_a_customer_without_a_limit_is_not_checked(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant)
    assert _issue(api, tenant, cust, "999999").status_code == 201


def test_warn_mode_issues_with_a_warning_and_an_alert(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, limit="100.00", risk_tier="priority")
    response = _issue(api, tenant, cust, "150")
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "issued"
    assert response.headers["Credit-Check"] == "warned"
    assert "over the credit limit of 100.00 EUR" in response.headers["Credit-Warning"]
    [alert] = alerts(api, tenant, customer_id=cust)
    assert alert["signal"] == "exposure_near_limit"
    assert alert["facts"]["exposure"] == "150.00"
    assert alert["actions"] == ["alert", "reassess"]
    assert alert["policy_version"] == 1


def test_approve_mode_keeps_a_draft_until_the_request_is_approved(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, limit="100.00", risk_tier="standard")
    pending = _issue(api, tenant, cust, "150")
    assert pending.status_code == 202, pending.text
    draft = pending.json()
    assert draft["status"] == "draft" and draft["number"] is None
    assert pending.headers["Credit-Check"] == "pending_approval"
    approval_id = pending.headers["Credit-Approval"]
    issue_path = f"/v1/invoices/{draft['id']}/issue"
    again = api.client.post(issue_path, headers=tenant.headers())
    assert again.status_code == 202  # still pending: the same request, not a second one
    assert again.headers["Credit-Approval"] == approval_id

    approve(api, tenant, approval_id)
    issued = api.client.post(issue_path, headers=tenant.headers())
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued"
    assert issued.headers["Credit-Check"] == "approved"
    assert get(api, tenant, f"/v1/customers/{cust}/exposure")["available"] == "-50.00"


def test_the_watch_tier_blocks(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, limit="100.00", risk_tier="watch")
    within_terms = {"due_date": "2026-11-16"}  # the watch tier allows 14 days at most
    blocked = _issue(api, tenant, cust, "100.01", **within_terms)
    assert blocked.status_code == 409
    assert blocked.json()["type"] == "/problems/credit-limit-exceeded"
    assert _issue(api, tenant, cust, "100.00", **within_terms).status_code == 201


def test_a_replayed_request_repeats_the_credit_verdict(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, limit="100.00", risk_tier="standard")
    body = {
        "customer_id": cust,
        "issue_date": "2026-11-02",
        "due_date": "2026-12-02",
        "lines": [{"description": "Goods", "quantity": "1", "unit_price": "150"}],
    }
    headers = {**tenant.headers(), "Idempotency-Key": "order-4711"}
    first = api.client.post("/v1/invoices", json=body, headers=headers)
    assert first.status_code == 202, first.text
    retry = api.client.post("/v1/invoices", json=body, headers=headers)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.status_code == 202 and retry.json() == first.json()
    for name in ("Credit-Check", "Credit-Approval", "Credit-Warning", "ETag", "Location"):
        assert retry.headers[name] == first.headers[name], name


def test_a_missing_rate_at_issue_is_a_conflict_and_stores_nothing(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant, limit="500.00")
    response = _issue(api, tenant, cust, "10", currency="CHF", number="CHF-1")
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/missing-fx-rate"
    assert get(api, tenant, f"/v1/invoices?customer_id={cust}")["data"] == []


def test_one_currency_needs_no_rate_and_the_limit_is_reached_exactly(api: Api) -> None:
    tenant = api.new_tenant()  # a EUR tenant, no USD rate recorded at all
    cust = buyer(api, tenant, limit="1000.00", currency="USD")
    assert _issue(api, tenant, cust, "999.99").status_code == 201
    assert _issue(api, tenant, cust, "0.01").status_code == 201  # exactly at the limit
    exposure = get(api, tenant, f"/v1/customers/{cust}/exposure")
    assert (exposure["currency"], exposure["exposure"], exposure["available"]) == (
        "USD",
        "1000.00",
        "0.00",
    )
    assert _issue(api, tenant, cust, "0.01").status_code == 409


def test_a_prepayment_makes_room_under_the_limit(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant, limit="100.00")
    pay(api, tenant, cust, "50.00")  # nothing to allocate it to: the customer's credit
    assert _issue(api, tenant, cust, "150.00").status_code == 201
    exposure = get(api, tenant, f"/v1/customers/{cust}/exposure")
    assert (exposure["open_receivables"], exposure["unapplied_credit"]) == ("150.00", "-50.00")
    assert (exposure["exposure"], exposure["available"]) == ("100.00", "0.00")
    credit = next(p for p in exposure["composition"] if p["kind"] == "unapplied_credit")
    assert (credit["amount"], credit["converted"]) == ("-50.00", "-50.00")
    assert _issue(api, tenant, cust, "0.01").status_code == 409
