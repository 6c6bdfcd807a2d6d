"""Plans, settings and runs over the API: what is refused, and what a plan change does."""

from __future__ import annotations

from typing import Any

from tests.support import CUSTOMER, Api, TenantHandle, invoice_body

REMINDER = {"name": "Reminder", "offset_days": 3, "actions": ["reminder"], "channels": ["email"],
            "template": "reminder"}  # fmt: skip


def _plan(api: Api, tenant: TenantHandle, levels: list[dict[str, Any]], **extra: Any) -> Any:
    body = {"name": f"Plan {len(levels)} {extra}", "levels": levels, **extra}
    return api.client.post("/v1/dunning-plans", json=body, headers=tenant.headers())


def _fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


def test_ladders_that_read_two_ways_are_refused(api: Api) -> None:
    tenant = api.new_tenant()
    twice = {**REMINDER, "channels": ["email", "email"], "actions": ["reminder", "reminder"]}
    assert _fields(_plan(api, tenant, [twice])) == {"levels[0].channels", "levels[0].actions"}
    unknown = {**REMINDER, "template": "nope"}
    assert _fields(_plan(api, tenant, [unknown])) == {"levels[0].template"}
    backwards = [REMINDER, {**REMINDER, "name": "Again", "offset_days": 2}]
    assert _fields(_plan(api, tenant, backwards)) == {"levels[1].offset_days"}
    assert _plan(api, tenant, [REMINDER]).status_code == 201


def test_only_a_dry_run_looks_ahead_and_it_records_nothing(api: Api) -> None:
    tenant = api.new_tenant()
    ahead = {"as_of": "2099-01-01"}
    refused = api.client.post("/v1/dunning-runs", json=ahead, headers=tenant.headers())
    assert _fields(refused) == {"as_of"}
    dry = api.client.post(
        "/v1/dunning-runs", json={**ahead, "dry_run": True}, headers=tenant.headers()
    )
    assert dry.status_code == 200 and dry.json()["id"] is None
    listed = api.client.get("/v1/dunning-communications", headers=tenant.headers())
    assert listed.json()["data"] == []


def test_a_customer_moved_to_a_shorter_plan_goes_on_from_its_level_there(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers()
    customer = api.client.post("/v1/customers", json=CUSTOMER, headers=headers).json()
    invoice = invoice_body(customer["id"], due_date="2026-11-02")
    assert api.client.post("/v1/invoices", json=invoice, headers=headers).status_code == 201
    first = api.client.post("/v1/dunning-runs", json={"as_of": "2026-11-05"}, headers=headers)
    assert [c["level_name"] for c in first.json()["communications"]] == ["Friendly reminder"]
    friendly = {**REMINDER, "name": "Friendly reminder", "offset_days": 1}
    formal = {**REMINDER, "name": "Formal notice", "offset_days": 10, "actions": ["formal_notice"],
              "template": "formal_notice"}  # fmt: skip
    short = _plan(api, tenant, [friendly, formal])
    assert short.status_code == 201, short.text
    moved = api.client.post(
        f"/v1/customers/{customer['id']}/dunning",
        json={"plan_id": short.json()["id"]},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    # 9 days after the friendly reminder (the plan's spacing) is Saturday 14: Monday 16.
    later = api.client.post("/v1/dunning-runs", json={"as_of": "2026-11-16"}, headers=headers)
    assert [c["level_name"] for c in later.json()["communications"]] == ["Formal notice"]


def test_a_reversed_payment_puts_the_instalment_back_into_dunning(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers()
    customer = api.client.post("/v1/customers", json=CUSTOMER, headers=headers).json()
    invoice = invoice_body(customer["id"], due_date="2026-11-02")
    assert api.client.post("/v1/invoices", json=invoice, headers=headers).status_code == 201

    def run(day: str) -> Any:
        response = api.client.post("/v1/dunning-runs", json={"as_of": day}, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    assert len(run("2026-11-05")["communications"]) == 1
    payment = api.client.post(
        "/v1/payments",
        json={"customer_id": customer["id"], "amount": "59.97", "received_on": "2026-11-06",
              "auto_allocate": True},
        headers=headers,
    ).json()  # fmt: skip
    settled = run("2026-11-20")
    assert settled["communications"] == [] and settled["actions"] == []
    reversal = {"reversed_on": "2026-11-21", "reason": "Returned by the bank"}
    reversed_ = api.client.post(
        f"/v1/payments/{payment['id']}/reverse", json=reversal, headers=headers
    )
    assert reversed_.status_code == 200, reversed_.text
    assert run("2026-11-23")["actions"] == ["internal_review"]  # +15 has passed: the review


def test_invoices_issued_after_a_run_are_read_by_the_next_whatever_their_due_date(
    api: Api,
) -> None:
    """The run reads only what changed since the last one: a draft issued later, or an
    invoice recorded with a due date long past, must still be read."""
    tenant = api.new_tenant()
    headers = tenant.headers()
    customer = api.client.post("/v1/customers", json=CUSTOMER, headers=headers).json()
    draft = invoice_body(customer["id"], due_date="2026-11-02", draft=True)
    draft_id = api.client.post("/v1/invoices", json=draft, headers=headers).json()["id"]
    first = api.client.post("/v1/dunning-runs", json={"as_of": "2026-11-20"}, headers=headers)
    assert first.json()["examined"] == 0
    late = invoice_body(customer["id"], due_date="2026-11-03")
    assert api.client.post("/v1/invoices", json=late, headers=headers).status_code == 201
    issued = api.client.post(f"/v1/invoices/{draft_id}/issue", headers=headers)
    assert issued.status_code == 200, issued.text
    second = api.client.post("/v1/dunning-runs", json={"as_of": "2026-11-23"}, headers=headers)
    assert second.json()["examined"] == 2
    assert second.json()["actions"] == ["internal_review"]


def test_a_kept_payment_plan_pauses_and_a_cancelled_one_resumes(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers()
    customer = api.client.post("/v1/customers", json=CUSTOMER, headers=headers).json()
    invoice = invoice_body(customer["id"], due_date="2026-11-02")
    assert api.client.post("/v1/invoices", json=invoice, headers=headers).status_code == 201
    plan = api.client.post(
        "/v1/payment-plans",
        json={"customer_id": customer["id"], "agreed_on": "2026-11-04",
              "schedule": [{"due_date": "2026-12-15"}, {"due_date": "2027-01-15"}]},
        headers=headers,
    )  # fmt: skip
    assert plan.status_code == 201, plan.text

    def run(day: str) -> Any:
        response = api.client.post("/v1/dunning-runs", json={"as_of": day}, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    paused = run("2026-11-20")
    assert paused["examined"] == 1 and paused["communications"] == [] and paused["actions"] == []
    cancelled = api.client.post(
        f"/v1/payment-plans/{plan.json()['id']}/cancel",
        json={"cancelled_on": "2026-11-21"},
        headers=headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert run("2026-11-23")["actions"] == ["internal_review"]  # dunning resumes


def _events(api: Api, tenant: TenantHandle, event_type: str) -> list[Any]:
    response = api.client.get("/v1/events", params={"type": event_type}, headers=tenant.headers())
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_a_credit_hold_level_blocks_new_invoices_and_is_announced(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers()
    hold = {"name": "Hold", "offset_days": 5, "actions": ["formal_notice", "credit_hold"],
            "channels": ["email"], "template": "formal_notice"}  # fmt: skip
    plan = _plan(api, tenant, [hold], risk_tier="watch")
    assert plan.status_code == 201, plan.text
    customer = api.client.post(
        "/v1/customers", json={**CUSTOMER, "risk_tier": "watch"}, headers=headers
    ).json()
    invoice = invoice_body(customer["id"], due_date="2026-11-02")
    assert api.client.post("/v1/invoices", json=invoice, headers=headers).status_code == 201
    run = api.client.post("/v1/dunning-runs", json={"as_of": "2026-11-09"}, headers=headers)
    assert [c["level_name"] for c in run.json()["communications"]] == ["Hold"]
    held = api.client.get(f"/v1/customers/{customer['id']}", headers=headers).json()
    assert held["credit_hold"] is True
    (announced,) = _events(api, tenant, "customer.credit_hold")
    assert announced["resource_id"] == customer["id"]
    assert [e["resource_id"] for e in _events(api, tenant, "dunning.escalated")] == [customer["id"]]
    refused = api.client.post("/v1/invoices", json=invoice_body(customer["id"]), headers=headers)
    assert refused.status_code == 409, refused.text
    assert "credit hold" in refused.json()["detail"]


def test_a_tier_follows_the_plan_its_credit_policy_names(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers()
    hold = {"name": "Watch hold", "offset_days": 5, "actions": ["formal_notice"],
            "channels": ["email"], "template": "formal_notice"}  # fmt: skip
    named = api.client.post(
        "/v1/dunning-plans", json={"name": "Watch ladder", "levels": [hold]}, headers=headers
    )
    assert named.status_code == 201, named.text
    draft = api.client.post("/v1/credit-policies", json={}, headers=headers).json()
    document = draft["document"]
    for tier in document["tiers"]:
        if tier["name"] == "watch":
            tier["dunning_plan"] = "Watch ladder"
    url = f"/v1/credit-policies/{draft['id']}"
    changed = api.client.patch(
        url, json={"document": document}, headers={**headers, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert api.client.post(f"{url}/activate", headers=headers).status_code == 200
    due = "2026-11-02"
    watched, standard = (
        api.client.post(
            "/v1/customers", json={**CUSTOMER, "risk_tier": tier}, headers=headers
        ).json()["id"]
        for tier in ("watch", "standard")
    )
    for customer_id in (watched, standard):
        body = invoice_body(customer_id, due_date=due)
        assert api.client.post("/v1/invoices", json=body, headers=headers).status_code == 201

    run = api.client.post(
        "/v1/dunning-runs", json={"as_of": "2026-11-09", "dry_run": True}, headers=headers
    )

    levels = {c["customer_id"]: c["level_name"] for c in run.json()["communications"]}
    assert levels[watched] == "Watch hold"
    assert levels[standard] != "Watch hold"
