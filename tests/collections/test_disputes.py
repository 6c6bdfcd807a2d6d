"""Disputes: amounts held back from dunning, resolution by credit note or rejection."""

from __future__ import annotations

from tests.collections.helpers import events, holds
from tests.ledger.helpers import customer, get, invoice, post
from tests.support import Api


def test_dispute_lifecycle_with_partial_acceptance(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="500")
    dispute = post(
        api,
        tenant,
        "/v1/disputes",
        {"invoice_id": bill["id"], "amount": "200", "reason": "quality", "opened_on": "2026-02-12"},
        status=201,
    )
    assert (dispute["status"], dispute["amount"], dispute["currency"]) == ("open", "200.00", "EUR")
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["disputed"] is True
    (opened,) = events(api, tenant, "dispute.opened")
    assert opened["resource_id"] == dispute["id"] and opened["data"]["reason"] == "quality"

    (hold,) = holds(api, tenant, "2026-02-20")
    assert (hold.disputed_amount, hold.open_amount, hold.paused_by) == (200, 500, None)
    assert holds(api, tenant, "2026-02-11") == []  # not yet disputed on that day

    resolved = post(
        api,
        tenant,
        f"/v1/disputes/{dispute['id']}/resolve",
        {"accepted_amount": "75.50", "resolved_on": "2026-03-01"},
    )
    assert (resolved["status"], resolved["outcome"]) == ("resolved", "partially_accepted")
    assert resolved["accepted_amount"] == "75.50" and resolved["credit_note_id"]
    note = get(api, tenant, f"/v1/credit-notes/{resolved['credit_note_id']}")
    assert (note["amount"], note["invoice_id"]) == ("75.50", bill["id"])
    after = get(api, tenant, f"/v1/invoices/{bill['id']}")
    assert (after["disputed"], after["open_amount"], after["status"]) == (
        False,
        "424.50",
        "partially_paid",
    )
    assert holds(api, tenant, "2026-03-01") == []  # the rest is due (and dunned) again
    assert holds(api, tenant, "2026-02-28")[0].disputed_amount == 200  # history stays
    (closed,) = events(api, tenant, "dispute.resolved")
    assert closed["data"]["outcome"] == "partially_accepted"
    assert closed["data"]["accepted_amount"] == "75.50"


def test_full_acceptance_rejection_and_the_flag(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="300")
    base = {"invoice_id": bill["id"], "opened_on": "2026-02-01"}
    first = post(api, tenant, "/v1/disputes", {**base, "amount": "100", "reason": "pricing"}, 201)
    rest = post(api, tenant, "/v1/disputes", {**base, "reason": "duplicate"}, 201)
    assert rest["amount"] == "200.00"  # the whole open, undisputed amount
    full = post(api, tenant, "/v1/disputes", {**base, "reason": "other"}, 409)
    assert "disputed in full" in full["detail"]

    accepted = post(api, tenant, f"/v1/disputes/{first['id']}/resolve", {})
    assert (accepted["outcome"], accepted["accepted_amount"]) == ("accepted", "100.00")
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["disputed"] is True  # one still open
    rejected = post(
        api, tenant, f"/v1/disputes/{rest['id']}/reject", {"note": "Delivered as ordered"}
    )
    assert (rejected["status"], rejected["outcome"]) == ("rejected", "rejected")
    assert rejected["resolution_note"] == "Delivered as ordered"
    after = get(api, tenant, f"/v1/invoices/{bill['id']}")
    assert (after["disputed"], after["open_amount"]) == (False, "200.00")
    outcomes = [e["data"]["outcome"] for e in events(api, tenant, "dispute.resolved")]
    assert outcomes == ["accepted", "rejected"]
    again = post(api, tenant, f"/v1/disputes/{rest['id']}/resolve", {}, 409)
    assert "rejected already" in again["detail"]
    listed = api.client.get(
        "/v1/disputes",
        params={"invoice_id": bill["id"], "status": "open"},
        headers=tenant.headers(),
    )
    assert listed.json()["data"] == []


def test_a_dispute_is_spread_latest_instalment_first(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    schedule = [{"due_date": "2026-02-01"}, {"due_date": "2026-03-01"}]
    split = invoice(api, tenant, buyer, price="100", due_date=None, instalments=schedule)
    body = {"invoice_id": split["id"], "amount": "70", "reason": "quantity"}
    post(api, tenant, "/v1/disputes", {**body, "opened_on": "2026-01-20"}, 201)
    found = holds(api, tenant, "2026-02-10", customer_id=buyer)
    assert sorted(h.disputed_amount for h in found) == [20, 50]


def test_bad_disputes_are_refused_and_store_nothing(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="100")
    base = {"invoice_id": bill["id"], "reason": "pricing"}
    cases = [
        ({**base, "amount": "100.01"}, 422, "amount"),
        ({**base, "amount": "0"}, 422, "amount"),
        ({**base, "amount": "10.001"}, 422, "amount"),
        ({**base, "opened_on": "2025-12-31"}, 422, "opened_on"),
        ({**base, "reason": "bored"}, 400, None),
        ({**base, "status": "resolved"}, 400, None),
        ({**base, "invoice_id": "018f0000-0000-7000-8000-000000000000"}, 422, "invoice_id"),
    ]
    for body, status, field in cases:
        response = api.client.post("/v1/disputes", json=body, headers=tenant.headers())
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        if field:
            assert response.json()["errors"][0]["field"] == field
    assert get(api, tenant, "/v1/disputes")["data"] == []
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["disputed"] is False
    dispute = post(api, tenant, "/v1/disputes", {**base, "amount": "40"}, 201)
    url = f"/v1/disputes/{dispute['id']}"
    post(api, tenant, f"{url}/resolve", {"accepted_amount": "40.01"}, 422)
    post(api, tenant, f"{url}/resolve", {"resolved_on": "2020-01-01"}, 422)
    stale = api.client.post(
        f"{url}/reject", json={}, headers={**tenant.headers(), "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    assert get(api, tenant, url)["status"] == "open"
    assert get(api, tenant, "/v1/credit-notes")["data"] == []
