"""Payment plans: an even or given schedule, completed when kept, broken (once) when missed."""

from __future__ import annotations

from typing import Any

from arplatform.auth.tokens import Role
from tests.collections.helpers import events, holds, run_day
from tests.ledger.helpers import customer, get, invoice, pay, post
from tests.support import Api, TenantHandle

SCHEDULE = [{"due_date": "2026-03-15"}, {"due_date": "2026-04-15"}, {"due_date": "2026-05-15"}]


def _overdue_customer(api: Api, tenant: TenantHandle) -> tuple[str, list[dict[str, Any]]]:
    buyer = customer(api, tenant)
    bills = [invoice(api, tenant, buyer, price=p) for p in ("100", "50.01")]
    invoice(api, tenant, buyer, price="70", due_date="2026-06-30")  # not overdue: not covered
    return buyer, bills


def _plan(api: Api, tenant: TenantHandle, buyer: str, **extra: Any) -> dict[str, Any]:
    body = {"customer_id": buyer, "agreed_on": "2026-03-01", "schedule": SCHEDULE, **extra}
    return post(api, tenant, "/v1/payment-plans", body, status=201)


def test_a_kept_plan_pauses_dunning_and_completes(api: Api) -> None:
    tenant = api.new_tenant()
    buyer, bills = _overdue_customer(api, tenant)
    plan = _plan(api, tenant, buyer, grace_days=5)
    assert (plan["amount"], plan["status"]) == ("150.01", "active")
    assert [r["amount"] for r in plan["schedule"]] == ["50.01", "50.00", "50.00"]
    assert {i["invoice_id"] for i in plan["items"]} == {b["id"] for b in bills}
    paused = holds(api, tenant, "2026-03-10")
    assert [h.paused_by for h in paused] == ["plan", "plan"]
    assert {str(h.plan_id) for h in paused} == {plan["id"]}
    assert holds(api, tenant, "2026-02-28") == []  # before the plan was agreed

    pay(api, tenant, buyer, "50.01", received_on="2026-03-14", auto_allocate=True)
    pay(api, tenant, buyer, "50", received_on="2026-04-10", auto_allocate=True)
    assert run_day(api, tenant, "2026-04-21")["plan.broken"] == 0
    pay(api, tenant, buyer, "50", received_on="2026-05-20", auto_allocate=True)  # in the grace
    for day in ("2026-05-16", "2026-05-21", "2026-05-22"):
        assert run_day(api, tenant, day)["plan.broken"] == 0
    done = get(api, tenant, f"/v1/payment-plans/{plan['id']}")
    assert (done["status"], done["closed_on"], done["paid_amount"]) == (
        "completed",
        "2026-05-20",
        "150.01",
    )
    assert events(api, tenant, "plan.broken") == []
    assert [h.paused_by for h in holds(api, tenant, "2026-05-19")] == ["plan"]
    assert holds(api, tenant, "2026-05-20") == []


def test_a_missed_instalment_breaks_the_plan_once(api: Api) -> None:
    tenant = api.new_tenant()
    buyer, bills = _overdue_customer(api, tenant)
    rows = [{"due_date": "2026-03-15", "amount": "60"}, {"due_date": "2026-04-15", "amount": "40"}]
    first = [{"invoice_id": bills[0]["id"]}]
    plan = _plan(api, tenant, buyer, schedule=rows, items=first)
    assert (plan["amount"], len(plan["items"])) == ("100.00", 1)
    pay(api, tenant, buyer, "59.99", received_on="2026-03-15", allocations=first)
    assert run_day(api, tenant, "2026-03-15")["plan.broken"] == 0
    assert run_day(api, tenant, "2026-03-16")["plan.broken"] == 1
    assert run_day(api, tenant, "2026-03-16")["plan.broken"] == 0
    assert run_day(api, tenant, "2026-03-17")["plan.broken"] == 0
    broken = get(api, tenant, f"/v1/payment-plans/{plan['id']}")
    assert (broken["status"], broken["closed_on"]) == ("broken", "2026-03-16")
    (event,) = events(api, tenant, "plan.broken")
    assert (event["resource_id"], event["data"]["broken_on"]) == (plan["id"], "2026-03-16")
    assert holds(api, tenant, "2026-03-16") == []  # dunning resumes
    again = _plan(api, tenant, buyer, agreed_on="2026-03-20", schedule=[SCHEDULE[1]])
    assert again["amount"] == "90.02"  # both invoices' rest: 40.01 + 50.01


def test_cancelling_ends_the_pause(api: Api) -> None:
    tenant = api.new_tenant()
    buyer, _ = _overdue_customer(api, tenant)
    plan = _plan(api, tenant, buyer)
    url = f"/v1/payment-plans/{plan['id']}"
    cancelled = post(api, tenant, f"{url}/cancel", {"cancelled_on": "2026-03-05"})
    assert (cancelled["status"], cancelled["closed_on"]) == ("cancelled", "2026-03-05")
    post(api, tenant, f"{url}/cancel", {}, status=409)
    assert len(holds(api, tenant, "2026-03-04")) == 2 and holds(api, tenant, "2026-03-05") == []
    assert run_day(api, tenant, "2026-04-30")["plan.broken"] == 0


def test_bad_plans_are_refused_and_store_nothing(api: Api) -> None:
    tenant = api.new_tenant()
    buyer, bills = _overdue_customer(api, tenant)
    idle = customer(api, tenant)
    base = {"customer_id": buyer, "agreed_on": "2026-03-01", "schedule": SCHEDULE}
    uneven = [
        {"due_date": "2026-03-15", "amount": "100"},
        {"due_date": "2026-04-15", "amount": "50"},
    ]
    cases = [
        ({**base, "schedule": uneven}, "schedule"),  # 150.00 of 150.01
        ({**base, "schedule": [{**SCHEDULE[0], "amount": "150.01"}, SCHEDULE[1]]}, "schedule"),
        ({**base, "schedule": SCHEDULE[::-1]}, "schedule"),
        ({**base, "schedule": [{"due_date": "2026-02-28"}]}, "schedule"),
        ({**base, "schedule": [{**SCHEDULE[0], "amount": "150.011"}]}, "schedule[0].amount"),
        ({**base, "customer_id": idle}, "items"),
        ({**base, "items": [{"invoice_id": bills[0]["id"], "seq": 2}]}, "items[0]"),
        ({**base, "customer_id": idle, "items": [{"invoice_id": bills[0]["id"]}]}, "items[0]"),
    ]
    for body, field in cases:
        response = api.client.post("/v1/payment-plans", json=body, headers=tenant.headers())
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, response.text
    tiny = invoice(api, tenant, idle, price="0.02")
    body = {**base, "customer_id": idle, "items": [{"invoice_id": tiny["id"]}]}
    response = api.client.post("/v1/payment-plans", json=body, headers=tenant.headers())
    assert response.status_code == 422  # 0.02 in three rows leaves a row of zero
    unknown = api.client.post(
        "/v1/payment-plans", json={**base, "grace_days": 61}, headers=tenant.headers()
    )
    assert unknown.status_code == 400
    assert get(api, tenant, "/v1/payment-plans")["data"] == []
    _plan(api, tenant, buyer)
    taken = api.client.post("/v1/payment-plans", json=base, headers=tenant.headers())
    assert taken.status_code == 409  # the instalments are in an active plan already
    collector = api.client.post(
        "/v1/payment-plans", json=base, headers=tenant.headers(role=Role.COLLECTOR)
    )
    assert collector.status_code == 403
