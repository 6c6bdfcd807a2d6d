"""Bad input gets a clear 4xx problem, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import CUSTOMER, Api, TenantHandle, invoice_body

PROBLEM = "application/problem+json"


def _counts(api: Api, tenant: TenantHandle) -> tuple[int, int, int, int]:
    def total(path: str) -> int:
        response = api.client.get(path, params={"limit": 200}, headers=tenant.headers())
        assert response.status_code == 200
        return len(response.json()["data"])

    return (
        total("/v1/customers"),
        total("/v1/invoices"),
        total("/v1/events"),
        total("/v1/audit-events"),
    )


def _customer(api: Api, tenant: TenantHandle) -> str:
    response = api.client.post("/v1/customers", json=CUSTOMER, headers=tenant.headers())
    assert response.status_code == 201
    return str(response.json()["id"])


BAD_CUSTOMERS: list[tuple[str, dict[str, Any], int]] = [
    ("float for money", {**CUSTOMER, "credit_limit": 1000.5}, 400),
    ("integer for money", {**CUSTOMER, "credit_limit": 1000}, 400),
    ("three decimals in EUR", {**CUSTOMER, "credit_limit": "10.001"}, 422),
    ("decimals in JPY", {**CUSTOMER, "currency": "JPY", "credit_limit": "10.5"}, 422),
    ("negative amount", {**CUSTOMER, "credit_limit": "-5.00"}, 400),
    ("exponent notation", {**CUSTOMER, "credit_limit": "1e3"}, 400),
    ("unknown field", {**CUSTOMER, "nickname": "mu"}, 400),
    ("server-owned id", {**CUSTOMER, "id": "01a21a27-7511-75ef-9447-f0c1837b2ea8"}, 400),
    ("server-owned tenant_id", {**CUSTOMER, "tenant_id": "x"}, 400),
    ("server-owned version", {**CUSTOMER, "version": 7}, 400),
    ("server-owned balance", {**CUSTOMER, "balance": "0.00"}, 400),
    ("not a currency", {**CUSTOMER, "currency": "EUX"}, 400),
    ("not a country", {**CUSTOMER, "country": "XX"}, 400),
    ("invalid VAT check digit", {**CUSTOMER, "vat_number": "DE136695977"}, 422),
    ("VAT of another country", {**CUSTOMER, "vat_number": "FR40303265045"}, 422),
    ("name too long", {**CUSTOMER, "legal_name": "x" * 201}, 400),
    ("missing name", {"country": "DE", "currency": "EUR"}, 400),
    ("too many contacts", {**CUSTOMER, "contacts": [{"name": "a"}] * 21}, 400),
    ("NUL byte", {**CUSTOMER, "legal_name": "Muster\u0000GmbH"}, 400),
    ("trailing line break", {**CUSTOMER, "legal_name": "Muster GmbH\n"}, 400),
    ("line break in a reference", {**CUSTOMER, "external_ref": "C-1\n"}, 400),
    ("line break after an amount", {**CUSTOMER, "credit_limit": "10.00\n"}, 400),
]


@pytest.mark.parametrize(
    ("label", "body", "status"), BAD_CUSTOMERS, ids=[c[0] for c in BAD_CUSTOMERS]
)
def test_bad_customer_is_refused_and_nothing_stored(
    api: Api, label: str, body: dict[str, Any], status: int
) -> None:
    tenant = api.new_tenant()
    before = _counts(api, tenant)
    response = api.client.post("/v1/customers", json=body, headers=tenant.headers())
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert _counts(api, tenant) == before


BAD_INVOICES: list[tuple[str, dict[str, Any], int]] = [
    ("status is server-owned", {"status": "paid"}, 400),
    ("total is server-owned", {"total": "1.00"}, 400),
    ("float price", {"lines": [{"description": "x", "quantity": "1", "unit_price": 9.99}]}, 400),
    ("no lines", {"lines": []}, 400),
    ("due before issue", {"due_date": "2026-10-01"}, 422),
    ("date out of range", {"issue_date": "1999-12-31"}, 422),
    (
        "bad tax rate",
        {"lines": [{"description": "x", "quantity": "1", "unit_price": "1", "tax_rate": "101"}]},
        400,
    ),
    ("unknown customer", {"customer_id": "01a21a27-7511-75ef-9447-f0c1837b2ea8"}, 422),
    ("issue date beyond the calendar", {"issue_date": "9999-12-31"}, 422),
]


@pytest.mark.parametrize(
    ("label", "change", "status"), BAD_INVOICES, ids=[c[0] for c in BAD_INVOICES]
)
def test_bad_invoice_is_refused_and_nothing_stored(
    api: Api, label: str, change: dict[str, Any], status: int
) -> None:
    tenant = api.new_tenant()
    body = {**invoice_body(_customer(api, tenant)), **change}
    before = _counts(api, tenant)
    response = api.client.post("/v1/invoices", json=body, headers=tenant.headers())
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert _counts(api, tenant) == before


def test_oversized_body_is_413(api: Api) -> None:
    tenant = api.new_tenant()
    before = _counts(api, tenant)
    body = b'{"legal_name": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    response = api.client.post(
        "/v1/customers",
        content=body,
        headers={**tenant.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert _counts(api, tenant) == before


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 100000},
        {"limit": 0},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"country": "ZZ"},
    ],
)
def test_bad_list_parameters_are_400(api: Api, params: dict[str, Any]) -> None:
    tenant = api.new_tenant()
    response = api.client.get("/v1/customers", params=params, headers=tenant.headers())
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


def test_malformed_json_is_400(api: Api) -> None:
    tenant = api.new_tenant()
    response = api.client.post(
        "/v1/customers",
        content=b'{"legal_name": ',
        headers={**tenant.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


def test_unknown_path_and_method_are_problems(api: Api) -> None:
    tenant = api.new_tenant()
    missing = api.client.get("/v1/nothing-here", headers=tenant.headers())
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    wrong_method = api.client.put("/v1/customers", json={}, headers=tenant.headers())
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "path",
    [
        "/v1/customers?external_ref=a%00b",
        "/v1/audit-events?entity_type=a%00b",
        "/v1/events?type=a%00b.c",
    ],
)
def test_nul_in_a_query_string_is_400(api: Api, path: str) -> None:
    tenant = api.new_tenant()
    response = api.client.get(path, headers=tenant.headers())
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


def test_deeply_nested_body_is_400(api: Api) -> None:
    tenant = api.new_tenant()
    depth = 20_000
    response = api.client.post(
        "/v1/customers",
        content=b"[" * depth + b"]" * depth,
        headers={**tenant.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


def test_terms_counted_from_delivery_need_an_explicit_due_date(api: Api) -> None:
    tenant = api.new_tenant()
    terms = {"kind": "net", "days": 10, "basis": "delivery_date"}
    customer = api.client.post(
        "/v1/customers", json={**CUSTOMER, "payment_terms": terms}, headers=tenant.headers()
    ).json()["id"]
    refused = api.client.post("/v1/invoices", json=invoice_body(customer), headers=tenant.headers())
    assert refused.status_code == 422
    assert "delivery date" in refused.json()["detail"]
    given = api.client.post(
        "/v1/invoices",
        json=invoice_body(customer, due_date="2026-11-20"),
        headers=tenant.headers(),
    )
    assert given.status_code == 201
    assert given.json()["due_date"] == "2026-11-20"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/customers", {**CUSTOMER, "payment_terms": {"business_days": 0}}, "payment_terms"),
        ("/v1/customers", {**CUSTOMER, "payment_terms": {"days": "30"}}, "payment_terms.days"),
    ],
)
def test_lenient_conversions_are_refused(
    api: Api, path: str, body: dict[str, Any], field: str
) -> None:
    """The schema says boolean and integer: ``0`` and ``"30"`` are refused, as it promises."""
    tenant = api.new_tenant()
    response = api.client.post(path, json=body, headers=tenant.headers())
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"].startswith(field)
    assert api.client.get("/v1/customers", headers=tenant.headers()).json()["data"] == []


def test_a_float_without_fraction_is_an_integer(api: Api) -> None:
    """As in JSON Schema, ``30.0`` is the integer 30."""
    tenant = api.new_tenant()
    body = {**CUSTOMER, "payment_terms": {"days": 30.0}}
    response = api.client.post("/v1/customers", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    assert response.json()["payment_terms"]["days"] == 30
