"""``GET /v1/invoices/{id}/late-payment-risk`` on the seeded demo history and on edge cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any

import pytest

from arplatform.auth.tokens import Role
from arplatform.demo import DEMO_CUSTOMERS, DEMO_SEED, load_demo_history
from arplatform.settings import Settings
from arplatform.synthetic.customers import Profile, plan_customers
from arplatform.synthetic.generator import period
from tests.support import CUSTOMER, Api, TenantHandle, invoice_body, start_api


def _all(api: Api, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    found, cursor = [], None
    while True:
        query = {"limit": 200, **params, **({"cursor": cursor} if cursor else {})}
        page = api.client.get(path, params=query, headers=headers).json()
        found.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def _profiles(api: Api, tenant: TenantHandle) -> dict[str, Profile]:
    """Each customer's hidden payment profile, as the generator planned it."""
    first, last = period(date.today(), 2)
    planned = plan_customers(DEMO_SEED, DEMO_CUSTOMERS, "EUR", first.toordinal(), last.toordinal())
    by_ref = {c.external_ref: c.profile for c in planned}
    customers = _all(api, "/v1/customers", tenant.headers())
    return {c["id"]: by_ref[c["external_ref"]] for c in customers}


def _risk(api: Api, tenant: TenantHandle, invoice_id: str, role: Role = Role.ADMIN) -> Any:
    return api.client.get(
        f"/v1/invoices/{invoice_id}/late-payment-risk", headers=tenant.headers(role)
    )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo_api(request: pytest.FixtureRequest) -> Iterator[tuple[Api, TenantHandle]]:
    """The app with a tenant holding the seeded demo history, loaded once per backend."""
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    for api in start_api(settings):
        tenant = api.new_tenant("Risk Demo GmbH")
        api.run(partial(load_demo_history, api.app.state.db, tenant.tenant_id))
        yield api, tenant


@pytest.fixture
def api(demo_api: tuple[Api, TenantHandle]) -> Api:
    return demo_api[0]


@pytest.fixture
def demo(demo_api: tuple[Api, TenantHandle]) -> TenantHandle:
    return demo_api[1]


def test_open_invoices_of_chronic_late_payers_carry_a_higher_risk(
    api: Api, demo: TenantHandle
) -> None:
    profiles, today = _profiles(api, demo), date.today()
    open_invoices = _all(api, "/v1/invoices", demo.headers(), status="issued")
    not_due = [i for i in open_invoices if date.fromisoformat(i["due_date"]) >= today]
    by_profile: dict[Profile, list[float]] = {Profile.PROMPT: [], Profile.CHRONIC_LATE: []}
    for invoice in not_due:
        seen = by_profile.get(profiles[invoice["customer_id"]])
        if seen is None or len(seen) >= 8:
            continue
        response = _risk(api, demo, invoice["id"], Role.VIEWER)
        assert response.status_code == 200, response.text
        seen.append(response.json()["probability_late"])
    prompt, chronic = by_profile[Profile.PROMPT], by_profile[Profile.CHRONIC_LATE]
    assert prompt and chronic
    assert max(prompt) < 0.5 < min(chronic)


def test_the_answer_explains_itself_and_dates_the_payment(api: Api, demo: TenantHandle) -> None:
    invoice = _all(api, "/v1/invoices", demo.headers(), status="issued")[-1]
    response = _risk(api, demo, invoice["id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["invoice_id"] == invoice["id"] and body["currency"] == "EUR"
    assert body["as_of"] == date.today().isoformat()
    (item,) = body["instalments"]
    assert item["open_amount"] == invoice["open_amount"]
    assert 0.0 <= item["probability_late"] <= 1.0
    assert body["probability_late"] == item["probability_late"]
    names = [f["name"] for f in item["factors"]]
    assert names == ["late_share", "days_late", "trend", "history", "amount", "terms", "overdue"]
    logit = item["intercept"] + sum(f["contribution"] for f in item["factors"])
    assert logit == pytest.approx(item["logit"], abs=1e-3)
    assert all(f["description"] for f in item["factors"])
    due = date.fromisoformat(item["due_date"])
    assert (
        item["expected_payment_date"]
        == (due + timedelta(days=round(item["expected_days_late"]))).isoformat()
    )
    assert body["expected_payment_date"] == item["expected_payment_date"]
    model = body["model"]
    assert model["trained_on"] >= 50 and 0 < model["trained_late"] < model["trained_on"]
    assert model["trained_until"] == body["as_of"] and model["tolerance_days"] == 0
    tolerant = api.client.get(
        f"/v1/invoices/{invoice['id']}/late-payment-risk",
        params={"tolerance_days": 5},
        headers=demo.headers(),
    )
    assert tolerant.json()["model"]["tolerance_days"] == 5
    assert tolerant.json()["model"]["trained_late"] < model["trained_late"]
    assert _risk(api, demo, invoice["id"]).json() == body  # the same ledger, the same answer


def test_an_overdue_invoice_is_late_already(api: Api, demo: TenantHandle) -> None:
    today = date.today()
    overdue = _all(
        api, "/v1/invoices", demo.headers(), status="issued", due_before=today.isoformat()
    )
    body = _risk(api, demo, overdue[0]["id"]).json()
    (item,) = body["instalments"]
    assert item["days_overdue"] == (today - date.fromisoformat(item["due_date"])).days > 0
    assert item["probability_late"] == 1.0
    assert item["expected_days_late"] >= item["days_overdue"]


def test_settled_invoices_and_short_histories_get_a_problem_not_an_error(
    api: Api, demo: TenantHandle
) -> None:
    paid = _all(api, "/v1/invoices", demo.headers(), status="paid")[0]
    response = _risk(api, demo, paid["id"])
    assert response.status_code == 409
    assert "no open instalment" in response.json()["detail"]

    fresh = api.new_tenant("Fresh Start Ltd")
    customer = api.client.post("/v1/customers", json=CUSTOMER, headers=fresh.headers()).json()
    invoice = api.client.post(
        "/v1/invoices", json=invoice_body(customer["id"]), headers=fresh.headers()
    ).json()
    response = _risk(api, fresh, invoice["id"])
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/not-enough-history"
    assert "not enough settled history: 0 invoices" in problem["detail"]
    assert "need 50" in problem["detail"]

    assert _risk(api, demo, customer["id"]).status_code == 404  # not an invoice of this tenant
    tolerant = api.client.get(
        f"/v1/invoices/{paid['id']}/late-payment-risk",
        params={"tolerance_days": 99},
        headers=demo.headers(),
    )
    assert tolerant.status_code == 400


def test_a_ledger_change_trains_afresh_and_only_offered_tolerances_are_taken(
    api: Api, demo: TenantHandle
) -> None:
    """Runs last: it adds an invoice to the shared demo history."""
    target = _all(api, "/v1/invoices", demo.headers(), status="issued")[-1]
    before = _risk(api, demo, target["id"]).json()["model"]
    assert _risk(api, demo, target["id"]).json()["model"] == before  # reused
    today = date.today()
    body = invoice_body(
        target["customer_id"],
        issue_date=(today - timedelta(days=60)).isoformat(),
        due_date=(today - timedelta(days=30)).isoformat(),
    )
    created = api.client.post("/v1/invoices", json=body, headers=demo.headers())
    assert created.status_code == 201, created.text
    after = _risk(api, demo, target["id"]).json()["model"]
    assert (after["trained_on"], after["trained_late"]) == (
        before["trained_on"] + 1,
        before["trained_late"] + 1,
    )
    odd = api.client.get(
        f"/v1/invoices/{target['id']}/late-payment-risk",
        params={"tolerance_days": 4},
        headers=demo.headers(),
    )
    assert odd.status_code == 400, odd.text
