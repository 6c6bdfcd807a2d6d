"""A written-off or cancelled invoice leaves collection: its disputes close, plans don't break."""

from __future__ import annotations

from tests.collections.helpers import events, holds, run_day
from tests.ledger.helpers import customer, get, invoice, pay, post
from tests.support import Api

SCHEDULE = [{"due_date": "2026-03-15"}, {"due_date": "2026-04-15"}]


def test_writing_off_closes_the_open_disputes(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="100")
    body = {
        "invoice_id": bill["id"],
        "amount": "40",
        "reason": "pricing",
        "opened_on": "2026-02-01",
    }
    dispute = post(api, tenant, "/v1/disputes", body, status=201)
    write_off = {"written_off_on": "2026-03-01", "reason": "Insolvency"}
    post(api, tenant, f"/v1/invoices/{bill['id']}/write-off", write_off)
    closed = get(api, tenant, f"/v1/disputes/{dispute['id']}")
    assert (closed["status"], closed["outcome"], closed["closed_on"]) == (
        "closed",
        "written_off",
        "2026-03-01",
    )
    assert (closed["accepted_amount"], closed["credit_note_id"]) == ("0.00", None)
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["disputed"] is False
    (event,) = events(api, tenant, "dispute.resolved")
    assert event["data"]["outcome"] == "written_off"
    resolve = {"resolved_on": "2026-03-05"}
    post(api, tenant, f"/v1/disputes/{dispute['id']}/resolve", resolve, status=409)
    assert get(api, tenant, "/v1/credit-notes")["data"] == []
    assert [h.disputed_amount for h in holds(api, tenant, "2026-02-15")] == [40]  # history kept


def test_cancelling_closes_disputes_and_the_plan_of_nothing_but_it(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="100")
    body = {"invoice_id": bill["id"], "reason": "duplicate", "opened_on": "2026-02-01"}
    dispute = post(api, tenant, "/v1/disputes", body, status=201)
    plan_body = {"customer_id": buyer, "agreed_on": "2026-03-01", "schedule": SCHEDULE}
    plan = post(api, tenant, "/v1/payment-plans", plan_body, status=201)
    post(api, tenant, f"/v1/invoices/{bill['id']}/cancel", {"cancelled_on": "2026-03-03"})
    closed = get(api, tenant, f"/v1/disputes/{dispute['id']}")
    assert (closed["status"], closed["outcome"]) == ("closed", "cancelled")
    ended = get(api, tenant, f"/v1/payment-plans/{plan['id']}")
    assert (ended["status"], ended["closed_on"]) == ("cancelled", "2026-03-03")
    assert run_day(api, tenant, "2026-05-01")["plan.broken"] == 0
    assert events(api, tenant, "plan.broken") == []


def test_a_plan_does_not_break_over_written_off_debt(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    lost, kept = invoice(api, tenant, buyer, price="600"), invoice(api, tenant, buyer, price="400")
    plan_body = {"customer_id": buyer, "agreed_on": "2026-03-01", "schedule": SCHEDULE}
    plan = post(api, tenant, "/v1/payment-plans", plan_body, status=201)
    to_lost, to_kept = [{"invoice_id": lost["id"]}], [{"invoice_id": kept["id"]}]
    assert plan["amount"] == "1000.00"  # 500 due 03-15, 500 due 04-15
    pay(api, tenant, buyer, "500", received_on="2026-03-10", allocations=to_lost)
    write_off = {"written_off_on": "2026-03-20", "reason": "Insolvency"}
    post(api, tenant, f"/v1/invoices/{lost['id']}/write-off", write_off)
    assert get(api, tenant, f"/v1/payment-plans/{plan['id']}")["status"] == "active"
    pay(api, tenant, buyer, "400", received_on="2026-04-14", allocations=to_kept)
    assert run_day(api, tenant, "2026-04-30")["plan.broken"] == 0
    done = get(api, tenant, f"/v1/payment-plans/{plan['id']}")
    assert (done["status"], done["paid_amount"]) == ("completed", "900.00")

    other = customer(api, tenant)
    only = invoice(api, tenant, other, price="100")
    plan_body = {**plan_body, "customer_id": other}
    alone = post(api, tenant, "/v1/payment-plans", plan_body, status=201)
    post(api, tenant, f"/v1/invoices/{only['id']}/write-off", write_off)
    ended = get(api, tenant, f"/v1/payment-plans/{alone['id']}")
    assert (ended["status"], ended["closed_on"]) == ("cancelled", "2026-03-20")
    assert events(api, tenant, "plan.broken") == []
