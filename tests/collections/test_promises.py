"""Promises to pay: kept by payments allocated by the date, broken (once) when not."""

from __future__ import annotations

from tests.collections.helpers import events, holds, run_day
from tests.ledger.helpers import customer, get, invoice, pay, post
from tests.support import Api

PROMISE = {"amount": "60", "made_on": "2026-02-15", "promised_date": "2026-02-28"}


def test_a_promise_covered_in_time_is_kept(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="100")
    body = {**PROMISE, "customer_id": buyer, "invoice_ids": [bill["id"]], "source": "phone"}
    promise = post(api, tenant, "/v1/promises", body, status=201)
    assert (promise["status"], promise["paid_amount"]) == ("open", "0.00")
    (hold,) = holds(api, tenant, "2026-02-20")
    assert (hold.paused_by, str(hold.paused_until), str(hold.promise_id)) == (
        "promise",
        "2026-02-28",
        promise["id"],
    )
    assert hold.disputed_amount == 0 and hold.plan_id is None
    assert holds(api, tenant, "2026-03-01") == []  # escalation resumes after the date

    pay(api, tenant, buyer, "40", received_on="2026-02-10", auto_allocate=True)  # before made_on
    pay(api, tenant, buyer, "35", received_on="2026-02-20", auto_allocate=True)
    run_day(api, tenant, "2026-02-21")
    assert get(api, tenant, f"/v1/promises/{promise['id']}")["status"] == "open"  # 35 of 60
    pay(api, tenant, buyer, "25", received_on="2026-02-28", auto_allocate=True)
    run_day(api, tenant, "2026-03-02")
    kept = get(api, tenant, f"/v1/promises/{promise['id']}")
    assert (kept["status"], kept["closed_on"], kept["paid_amount"]) == (
        "kept",
        "2026-02-28",
        "60.00",
    )
    assert events(api, tenant, "promise.broken") == []


def test_a_promise_not_covered_by_its_date_breaks_once(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    invoice(api, tenant, buyer, price="100")
    body = {**PROMISE, "customer_id": buyer, "source": "email"}  # about all invoices
    promise = post(api, tenant, "/v1/promises", body, status=201)
    pay(api, tenant, buyer, "50", received_on="2026-02-27", auto_allocate=True)
    assert run_day(api, tenant, "2026-02-28")["promise.broken"] == 0  # the day is not over
    pay(api, tenant, buyer, "10", received_on="2026-03-01", auto_allocate=True)  # too late
    assert run_day(api, tenant, "2026-03-01")["promise.broken"] == 1
    assert run_day(api, tenant, "2026-03-01")["promise.broken"] == 0
    assert run_day(api, tenant, "2026-03-02")["promise.broken"] == 0
    broken = get(api, tenant, f"/v1/promises/{promise['id']}")
    assert (broken["status"], broken["closed_on"], broken["paid_amount"]) == (
        "broken",
        "2026-03-01",
        "50.00",
    )
    (event,) = events(api, tenant, "promise.broken")
    assert event["resource_id"] == promise["id"]
    assert (event["data"]["amount"], event["data"]["paid_amount"]) == ("60.00", "50.00")
    listed = api.client.get(
        "/v1/promises", params={"customer_id": buyer, "status": "broken"}, headers=tenant.headers()
    )
    assert [p["id"] for p in listed.json()["data"]] == [promise["id"]]


def test_bad_promises_are_refused_and_store_nothing(api: Api) -> None:
    tenant = api.new_tenant()
    buyer, other = customer(api, tenant), customer(api, tenant)
    foreign = invoice(api, tenant, other, price="10")
    base = {**PROMISE, "customer_id": buyer, "source": "letter"}
    cases = [
        ({**base, "amount": "0"}, 422, "amount"),
        ({**base, "amount": "1.234"}, 422, "amount"),
        ({**base, "promised_date": "2026-02-14"}, 422, "promised_date"),
        ({**base, "invoice_ids": [foreign["id"]]}, 422, "invoice_ids[0]"),
        ({**base, "customer_id": other, "invoice_ids": [foreign["id"]] * 2}, 422, "invoice_ids"),
        ({**base, "customer_id": "018f0000-0000-7000-8000-000000000000"}, 422, "customer_id"),
        ({**base, "source": "pigeon"}, 400, None),
        ({**base, "status": "kept"}, 400, None),
    ]
    for body, status, field in cases:
        response = api.client.post("/v1/promises", json=body, headers=tenant.headers())
        assert response.status_code == status, (body, response.text)
        if field:
            assert response.json()["errors"][0]["field"] == field
    assert get(api, tenant, "/v1/promises")["data"] == []
