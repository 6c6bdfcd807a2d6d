"""Customers: identifiers, optimistic concurrency, deletion, audit, paging."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import CUSTOMER, Api, TenantHandle, invoice_body


def _create(api: Api, tenant: TenantHandle, **fields: Any) -> dict[str, Any]:
    response = api.client.post(
        "/v1/customers", json={**CUSTOMER, **fields}, headers=tenant.headers()
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_identifiers_are_validated_and_normalised(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _create(
        api,
        tenant,
        vat_number="DE 136 695 976",
        registration_number="Aachen HRB 44123",
        country="DE",
    )
    assert customer["vat_number"] == "DE136695976"
    french = _create(api, tenant, country="FR", registration_number="732 829 320")
    assert french["registration_number"] == "732829320"
    bad = api.client.post(
        "/v1/customers",
        json={**CUSTOMER, "country": "FR", "registration_number": "732 829 321"},
        headers=tenant.headers(),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "registration_number"


def test_external_ref_is_unique_per_tenant(api: Api) -> None:
    a, b = api.new_tenant("A"), api.new_tenant("B")
    _create(api, a, external_ref="C-1")
    again = api.client.post(
        "/v1/customers", json={**CUSTOMER, "external_ref": "C-1"}, headers=a.headers()
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    _create(api, b, external_ref="C-1")  # another tenant may use the same reference


def test_update_honours_if_match(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _create(api, tenant)
    url = f"/v1/customers/{customer['id']}"
    changed = api.client.patch(
        url, json={"credit_limit": "2500.00"}, headers={**tenant.headers(), "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["credit_limit"] == "2500.00"
    assert changed.json()["version"] == 2
    assert changed.headers["etag"] == '"2"'
    stale = api.client.patch(
        url, json={"legal_name": "Late GmbH"}, headers={**tenant.headers(), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    current = api.client.get(url, headers=tenant.headers()).json()
    assert current["legal_name"] == "Muster GmbH" and current["version"] == 2


def test_update_rechecks_rules_and_clears_fields(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _create(api, tenant, vat_number="DE136695976", credit_limit="100.00")
    url = f"/v1/customers/{customer['id']}"
    moved = api.client.patch(url, json={"country": "FR"}, headers=tenant.headers())
    assert moved.status_code == 422  # the German VAT number does not fit France
    cleared = api.client.patch(url, json={"credit_limit": None}, headers=tenant.headers())
    assert cleared.status_code == 200
    assert cleared.json()["credit_limit"] is None
    assert cleared.json()["vat_number"] == "DE136695976"


def test_customer_with_invoices_cannot_be_deleted(api: Api) -> None:
    tenant = api.new_tenant()
    kept, dropped = _create(api, tenant), _create(api, tenant)
    invoice = api.client.post(
        "/v1/invoices", json=invoice_body(kept["id"]), headers=tenant.headers()
    )
    assert invoice.status_code == 201
    refused = api.client.delete(f"/v1/customers/{kept['id']}", headers=tenant.headers())
    assert refused.status_code == 409
    assert (
        api.client.get(f"/v1/customers/{kept['id']}", headers=tenant.headers()).status_code == 200
    )
    deleted = api.client.delete(f"/v1/customers/{dropped['id']}", headers=tenant.headers())
    assert deleted.status_code == 204
    gone = api.client.get(f"/v1/customers/{dropped['id']}", headers=tenant.headers())
    assert gone.status_code == 404


def test_every_write_is_audited_with_before_and_after(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _create(api, tenant)
    api.client.patch(
        f"/v1/customers/{customer['id']}",
        json={"legal_name": "Renamed AG"},
        headers=tenant.headers(),
    )
    api.client.delete(f"/v1/customers/{customer['id']}", headers=tenant.headers())
    audit = api.client.get(
        "/v1/audit-events", params={"entity_id": customer["id"]}, headers=tenant.headers()
    ).json()["data"]
    assert [e["action"] for e in audit] == ["create", "update", "delete"]
    created, updated, deleted = audit
    assert created["before"] is None and created["after"]["legal_name"] == "Muster GmbH"
    assert updated["before"]["legal_name"] == "Muster GmbH"
    assert updated["after"]["legal_name"] == "Renamed AG"
    assert deleted["before"]["legal_name"] == "Renamed AG" and deleted["after"] is None
    assert all(e["actor"] == f"client:{tenant.admin.client_id}" for e in audit)
    assert all(e["entity_type"] == "customers" for e in audit)


def test_events_are_emitted_for_each_change(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _create(api, tenant)
    api.client.patch(
        f"/v1/customers/{customer['id']}", json={"language": "de"}, headers=tenant.headers()
    )
    events = api.client.get("/v1/events", headers=tenant.headers()).json()["data"]
    customer_events = [e for e in events if e["resource_id"] == customer["id"]]
    assert [(e["type"], e["resource_version"]) for e in customer_events] == [
        ("customer.created", 1),
        ("customer.updated", 2),
    ]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(count=st.integers(min_value=0, max_value=12), page=st.integers(min_value=1, max_value=5))
def test_pages_return_every_customer_once_in_order(sqlite_api: Api, count: int, page: int) -> None:
    tenant = sqlite_api.new_tenant()
    created = [_create(sqlite_api, tenant, legal_name=f"Customer {i}")["id"] for i in range(count)]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": page, **({"cursor": cursor} if cursor else {})}
        body = sqlite_api.client.get(
            "/v1/customers", params=params, headers=tenant.headers()
        ).json()
        assert len(body["data"]) <= page
        seen += [c["id"] for c in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == created
