"""Exposure in the tenant currency: receivables and commitments per currency, dated FX rates."""

from __future__ import annotations

import uuid
from decimal import Decimal

from tests.credit.watch.helpers import buyer, fx_rate
from tests.ledger.helpers import get, invoice, pay
from tests.support import Api


def test_exposure_sums_receivables_and_commitments_with_dated_rates(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant, limit="1000.00")
    invoice(api, tenant, cust, price="300")
    paid = invoice(api, tenant, cust, price="100")
    pay(api, tenant, cust, "100", allocations=[{"invoice_id": paid["id"]}])
    fx_rate(api, tenant, "USD", "EUR", "0.80", "2026-01-01")
    fx_rate(api, tenant, "USD", "EUR", "0.90", "2026-06-01")
    fx_rate(api, tenant, "USD", "EUR", "0.10", "2099-01-01")  # not yet in force
    invoice(api, tenant, cust, price="100", currency="USD")
    response = api.client.post(
        "/v1/commitments",
        json={
            "customer_id": cust,
            "amount": "50.00",
            "reference": "PO-1",
            "expected_invoice_date": "2026-12-15",
        },
        headers=tenant.headers(),
    )
    assert response.status_code == 201, response.text

    exposure = get(api, tenant, f"/v1/customers/{cust}/exposure")
    assert exposure["currency"] == "EUR"
    assert (exposure["limit"], exposure["exposure"], exposure["available"]) == (
        "1000.00",
        "440.00",
        "560.00",
    )
    assert (exposure["open_receivables"], exposure["commitments"]) == ("390.00", "50.00")
    usd = next(p for p in exposure["composition"] if p["currency"] == "USD")
    assert usd == {
        "kind": "open_receivables",
        "currency": "USD",
        "amount": "100.00",
        "converted": "90.00",
        "rate": "0.9",
        "rate_date": "2026-06-01",
    }

    commitment = response.json()
    closed = api.client.patch(
        f"/v1/commitments/{commitment['id']}",
        json={"status": "closed"},
        headers={**tenant.headers(), "If-Match": response.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.text
    assert get(api, tenant, f"/v1/customers/{cust}/exposure")["exposure"] == "390.00"


def test_an_inverse_rate_is_used_and_rounded_half_up(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant)
    invoice(api, tenant, cust, price="100.01", currency="GBP")
    fx_rate(api, tenant, "EUR", "GBP", "0.86", "2026-01-01")  # recorded the other way round
    exposure = get(api, tenant, f"/v1/customers/{cust}/exposure")
    # 100.01 / 0.86 = 116.290697… → 116.29; no limit: nothing available to show
    assert (exposure["exposure"], exposure["limit"], exposure["available"]) == (
        "116.29",
        None,
        None,
    )
    assert Decimal(exposure["composition"][0]["rate"]) == Decimal("1.162790697674")


def test_a_missing_rate_is_a_conflict_never_one_to_one(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant)
    invoice(api, tenant, cust, price="10", currency="CHF")
    response = api.client.get(f"/v1/customers/{cust}/exposure", headers=tenant.headers())
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"] == "/problems/missing-fx-rate"
    assert "CHF" in problem["detail"]


def test_fx_rates_refuse_bad_input_and_duplicates(api: Api) -> None:
    tenant = api.new_tenant()
    fx_rate(api, tenant, "USD", "EUR", "0.9", "2026-01-01")
    for body, status in (
        ({"base": "USD", "quote": "EUR", "rate": "0.95", "valid_from": "2026-01-01"}, 409),
        ({"base": "EUR", "quote": "EUR", "rate": "1", "valid_from": "2026-01-01"}, 422),
        ({"base": "USD", "quote": "EUR", "rate": "0", "valid_from": "2026-02-01"}, 422),
        ({"base": "USD", "quote": "EUR", "rate": 0.9, "valid_from": "2026-02-01"}, 400),
    ):
        response = api.client.post("/v1/fx-rates", json=body, headers=tenant.headers())
        assert response.status_code == status, response.text
    listed = api.client.get("/v1/fx-rates?base=USD", headers=tenant.headers()).json()
    assert [r["rate"] for r in listed["data"]] == ["0.9"]


def test_commitments_are_listed_per_customer_and_checked(api: Api) -> None:
    tenant = api.new_tenant()
    one, other = buyer(api, tenant), buyer(api, tenant)
    created = api.client.post(
        "/v1/commitments",
        json={"customer_id": one, "amount": "10.00", "reference": "PO-9", "currency": "USD"},
        headers=tenant.headers(),
    ).json()
    assert (created["currency"], created["status"]) == ("USD", "open")
    for customer_id, count in ((one, 1), (other, 0)):
        listed = get(api, tenant, f"/v1/commitments?customer_id={customer_id}")["data"]
        assert len(listed) == count
    for body in (
        {"customer_id": one, "amount": "10.001", "reference": "PO-10"},
        {"customer_id": one, "amount": "0", "reference": "PO-11"},
        {"customer_id": str(uuid.uuid4()), "amount": "1.00", "reference": "PO-12"},
    ):
        bad = api.client.post("/v1/commitments", json=body, headers=tenant.headers())
        assert bad.status_code == 422, bad.text
    gone = api.client.delete(f"/v1/commitments/{created['id']}", headers=tenant.headers())
    assert gone.status_code == 204
    assert get(api, tenant, "/v1/commitments")["data"] == []
