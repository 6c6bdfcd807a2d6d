"""The holds dunning reads: disputed amounts, and pauses by plan (first) or promise."""

from __future__ import annotations

from tests.collections.helpers import holds
from tests.ledger.helpers import customer, invoice, post
from tests.support import Api


def test_plan_before_promise_and_disputes_alongside(api: Api) -> None:
    tenant = api.new_tenant()
    buyer, bystander = customer(api, tenant), customer(api, tenant)
    planned, promised = (invoice(api, tenant, buyer, price=p) for p in ("100", "60"))
    invoice(api, tenant, bystander, price="10")
    promise = {
        "customer_id": buyer,
        "amount": "50",
        "made_on": "2026-03-01",
        "promised_date": "2026-03-31",
        "source": "portal",
    }
    post(api, tenant, "/v1/promises", promise, status=201)
    plan = {
        "customer_id": buyer,
        "agreed_on": "2026-03-05",
        "items": [{"invoice_id": planned["id"]}],
        "schedule": [{"due_date": "2026-04-30"}],
    }
    plan_id = post(api, tenant, "/v1/payment-plans", plan, status=201)["id"]
    dispute = {"invoice_id": promised["id"], "amount": "15", "reason": "not_delivered"}
    post(api, tenant, "/v1/disputes", {**dispute, "opened_on": "2026-03-03"}, status=201)

    def by_invoice(day: str) -> dict[str, tuple[str | None, str]]:
        return {
            str(h.invoice_id): (h.paused_by, f"{h.disputed_amount:f}")
            for h in holds(api, tenant, day, customer_id=buyer)
        }

    a, b = planned["id"], promised["id"]
    assert by_invoice("2026-02-28") == {}
    assert by_invoice("2026-03-02") == {a: ("promise", "0"), b: ("promise", "0")}
    assert by_invoice("2026-03-10") == {a: ("plan", "0"), b: ("promise", "15")}
    assert by_invoice("2026-04-01") == {a: ("plan", "0"), b: (None, "15")}
    everyone = holds(api, tenant, "2026-04-01")
    assert {str(h.customer_id) for h in everyone} == {buyer}
    assert {str(h.plan_id) for h in everyone if h.plan_id} == {plan_id}
