"""What promises and plans count: money received in their window, nothing booked before it."""

from __future__ import annotations

from tests.collections.helpers import events, run_day
from tests.ledger.helpers import customer, get, invoice, pay, post
from tests.support import Api

PROMISE = {"made_on": "2026-02-15", "promised_date": "2026-03-01", "source": "phone"}


def test_a_plan_cannot_be_backdated_over_payments_already_booked(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="1000")  # due 2026-02-09
    items = [{"invoice_id": bill["id"]}]
    pay(api, tenant, buyer, "400", received_on="2026-03-10", allocations=items)
    schedule = [{"due_date": "2026-03-15"}, {"due_date": "2026-04-15"}]
    body = {"customer_id": buyer, "items": items, "schedule": schedule}
    for day in ("2026-03-01", "2026-03-10"):  # the 400 would count twice
        response = api.client.post(
            "/v1/payment-plans", json={**body, "agreed_on": day}, headers=tenant.headers()
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "agreed_on"
    plan = post(api, tenant, "/v1/payment-plans", {**body, "agreed_on": "2026-03-11"}, status=201)
    assert [row["amount"] for row in plan["schedule"]] == ["300.00", "300.00"]
    run_day(api, tenant, "2026-04-01")
    broken = get(api, tenant, f"/v1/payment-plans/{plan['id']}")
    assert (broken["status"], broken["paid_amount"]) == ("broken", "0.00")


def test_an_unapplied_payment_keeps_a_promise(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    invoice(api, tenant, buyer, price="500")
    body = {**PROMISE, "customer_id": buyer, "amount": "500"}
    promise = post(api, tenant, "/v1/promises", body, status=201)
    pay(api, tenant, buyer, "500", received_on="2026-02-20")  # not applied: the customer's credit
    run_day(api, tenant, "2026-03-05")
    kept = get(api, tenant, f"/v1/promises/{promise['id']}")
    assert (kept["status"], kept["closed_on"], kept["paid_amount"]) == (
        "kept",
        "2026-02-20",
        "500.00",
    )
    assert events(api, tenant, "promise.broken") == []


def test_only_reversals_of_payments_in_the_window_count_against_a_promise(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="300")
    to_bill = [{"invoice_id": bill["id"]}]
    early = pay(api, tenant, buyer, "100", received_on="2026-02-01", allocations=to_bill)
    kept = post(
        api,
        tenant,
        "/v1/promises",
        {**PROMISE, "customer_id": buyer, "amount": "50", "invoice_ids": [bill["id"]]},
        status=201,
    )
    pay(api, tenant, buyer, "50", received_on="2026-02-20", allocations=to_bill)
    post(
        api,
        tenant,
        f"/v1/payments/{early['id']}/reverse",
        {"reversed_on": "2026-02-22", "reason": "Bounced"},
    )
    run_day(api, tenant, "2026-03-05")
    assert get(api, tenant, f"/v1/promises/{kept['id']}")["status"] == "kept"

    other = customer(api, tenant)
    invoice(api, tenant, other, price="300")
    broken = post(
        api, tenant, "/v1/promises", {**PROMISE, "customer_id": other, "amount": "50"}, status=201
    )
    bounced = pay(api, tenant, other, "50", received_on="2026-02-20", auto_allocate=True)
    post(
        api,
        tenant,
        f"/v1/payments/{bounced['id']}/reverse",
        {"reversed_on": "2026-02-25", "reason": "Bounced"},
    )
    run_day(api, tenant, "2026-03-05")
    got = get(api, tenant, f"/v1/promises/{broken['id']}")
    assert (got["status"], got["paid_amount"]) == ("broken", "0.00")


def test_money_paid_elsewhere_or_credited_is_not_paid_towards_a_promise(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    promised, other = (invoice(api, tenant, buyer, price="100") for _ in range(2))
    body = {**PROMISE, "customer_id": buyer, "amount": "60", "invoice_ids": [promised["id"]]}
    promise = post(api, tenant, "/v1/promises", body, status=201)
    pay(
        api,
        tenant,
        buyer,
        "70",
        received_on="2026-02-20",
        allocations=[{"invoice_id": other["id"]}],
    )
    note = {
        "customer_id": buyer,
        "amount": "60",
        "issue_date": "2026-02-21",
        "invoice_id": promised["id"],
    }
    post(api, tenant, "/v1/credit-notes", note, status=201)
    run_day(api, tenant, "2026-03-05")
    got = get(api, tenant, f"/v1/promises/{promise['id']}")
    assert (got["status"], got["paid_amount"]) == ("broken", "0.00")


def test_a_credit_note_lowers_what_a_plan_requires_but_is_not_paid(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="100")
    items = [{"invoice_id": bill["id"]}]
    schedule = [{"due_date": "2026-03-15"}, {"due_date": "2026-04-15"}]
    body = {"customer_id": buyer, "agreed_on": "2026-03-01", "items": items, "schedule": schedule}
    plan = post(api, tenant, "/v1/payment-plans", body, status=201)
    note = {
        "customer_id": buyer,
        "amount": "30",
        "issue_date": "2026-03-05",
        "invoice_id": bill["id"],
    }
    post(api, tenant, "/v1/credit-notes", note, status=201)
    pay(api, tenant, buyer, "20", received_on="2026-03-14", allocations=items)
    pay(api, tenant, buyer, "50", received_on="2026-04-10")  # unapplied credit counts
    assert run_day(api, tenant, "2026-04-20")["plan.broken"] == 0
    done = get(api, tenant, f"/v1/payment-plans/{plan['id']}")
    assert (done["status"], done["closed_on"], done["paid_amount"]) == (
        "completed",
        "2026-04-10",
        "70.00",
    )
