"""The basic round trip on each backend: token, customer, invoice."""

from __future__ import annotations

from tests.support import CUSTOMER, Api, invoice_body


def test_token_customer_invoice_round_trip(api: Api) -> None:
    tenant = api.new_tenant()
    response = api.client.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.admin.client_id,
            "client_secret": tenant.admin.client_secret,
        },
    )
    assert response.status_code == 200, response.text
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    created = api.client.post("/v1/customers", json=CUSTOMER, headers=headers)
    assert created.status_code == 201, created.text
    customer = created.json()
    assert created.headers["etag"] == '"1"'
    assert api.client.get(f"/v1/customers/{customer['id']}", headers=headers).json() == customer

    invoice = api.client.post("/v1/invoices", json=invoice_body(customer["id"]), headers=headers)
    assert invoice.status_code == 201, invoice.text
    assert invoice.json()["total"] == "59.97"
    listed = api.client.get("/v1/invoices", params={"customer_id": customer["id"]}, headers=headers)
    assert [i["id"] for i in listed.json()["data"]] == [invoice.json()["id"]]
