"""Terms an assessment gives pass the tier's maximum-terms check at issue, and fitting ones stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.credit.assessment.helpers import (
    assess,
    blocking_tiers,
    customer,
    first_of_a_31_day_month,
    history,
    post,
    today,
)
from tests.support import Api, TenantHandle


def _eom(days: int) -> dict[str, Any]:
    return {"kind": "end_of_month", "days": days, "basis": "invoice_date"}


def _terms_of(api: Api, tenant: TenantHandle, customer_id: str) -> dict[str, Any]:
    response = api.client.get(f"/v1/customers/{customer_id}", headers=tenant.headers())
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("max_days", "given", "assessed"),
    [
        (60, _eom(45), _eom(30)),  # room left for the rest of any month
        (14, _eom(30), {"kind": "net", "days": 14, "basis": "invoice_date"}),  # no room: net
    ],
)
def test_an_assessed_end_of_month_customer_invoices_on_the_1st_within_the_maximum(
    api: Api, max_days: int, given: dict[str, Any], assessed: dict[str, Any]
) -> None:
    tenant = api.new_tenant()
    blocking_tiers(api, tenant, max_days)
    buyer = customer(api, tenant, payment_terms=given)
    history(api, tenant, buyer["id"], days_late=0)
    assert assess(api, tenant, buyer["id"])["status"] == "decided"
    terms = _terms_of(api, tenant, buyer["id"])["payment_terms"]
    assert {key: terms[key] for key in assessed} == assessed

    body = {
        "customer_id": buyer["id"],
        "issue_date": first_of_a_31_day_month().isoformat(),
        "lines": [{"description": "Goods", "quantity": "1", "unit_price": "100"}],
    }
    response = api.client.post("/v1/invoices", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "issued"
    assert response.headers["Credit-Check"] == "within_limit"


def test_terms_that_fit_are_neither_rewritten_nor_reported_as_changed(api: Api) -> None:
    tenant = api.new_tenant()
    blocking_tiers(api, tenant, 60)
    fits, default = customer(api, tenant, payment_terms=_eom(20)), customer(api, tenant)
    for buyer in (fits, default):
        history(api, tenant, buyer["id"], days_late=0)
        assess(api, tenant, buyer["id"])
    version = _terms_of(api, tenant, fits["id"])["version"]
    assess(api, tenant, fits["id"])
    again = _terms_of(api, tenant, fits["id"])
    assert (again["version"], again["payment_terms"]["days"]) == (version, 20)  # nothing written

    draft = post(api, tenant, "/v1/credit-policies", {})
    tiers = [{**tier, "max_terms_days": 45} for tier in draft["document"]["tiers"]]
    url = f"/v1/credit-policies/{draft['id']}"
    api.client.patch(
        url, json={"document": {**draft["document"], "tiers": tiers}}, headers=tenant.headers()
    ).raise_for_status()
    simulated = post(api, tenant, f"{url}/simulate", None)
    changes = {c["customer_id"]: c for c in simulated["changes"]}
    assert (changes[fits["id"]]["terms_from"], changes[fits["id"]]["terms_to"]) == (20, 15)
    assert fits["id"] in changes and simulated["terms_changes"] == 1  # net 30 fits 45
    post(api, tenant, f"{url}/activate", None)
    assert _terms_of(api, tenant, fits["id"])["payment_terms"]["days"] == 15


def test_cut_terms_on_delivery_count_from_the_invoice_date(api: Api) -> None:
    tenant = api.new_tenant()
    blocking_tiers(api, tenant, 30)
    on_delivery = {"kind": "net", "days": 60, "basis": "delivery_date"}
    buyer = customer(api, tenant, payment_terms=on_delivery)
    history(api, tenant, buyer["id"], days_late=0)
    assert assess(api, tenant, buyer["id"])["status"] == "decided"
    terms = _terms_of(api, tenant, buyer["id"])["payment_terms"]
    assert {key: terms[key] for key in on_delivery} == {
        "kind": "net",
        "days": 30,
        "basis": "invoice_date",
    }

    issued = today()
    body = {
        "customer_id": buyer["id"],
        "issue_date": issued.isoformat(),
        "delivery_date": (issued + timedelta(days=4)).isoformat(),  # delivered after issue
        "lines": [{"description": "Goods", "quantity": "1", "unit_price": "100"}],
    }
    response = api.client.post("/v1/invoices", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    assert response.headers["Credit-Check"] == "within_limit"
