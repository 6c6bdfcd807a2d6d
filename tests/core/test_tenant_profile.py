"""``/v1/tenant``: the supplier reads its profile and its admin sets the contact e-mail."""

from __future__ import annotations

from arplatform.auth.tokens import Role
from tests.support import Api


def test_the_admin_sets_the_contact_email_and_every_role_reads_it(api: Api) -> None:
    tenant = api.new_tenant("Nordhafen Maschinenbau GmbH")
    other = api.new_tenant("Elsewhere AG")

    changed = api.client.patch(
        "/v1/tenant", json={"contact_email": "credit@nordhafen.example"}, headers=tenant.headers()
    )

    assert changed.status_code == 200, changed.text
    seen = api.client.get("/v1/tenant", headers=tenant.headers(Role.VIEWER)).json()
    assert (seen["name"], seen["contact_email"], seen["currency"]) == (
        "Nordhafen Maschinenbau GmbH",
        "credit@nordhafen.example",
        "EUR",
    )
    assert api.client.get("/v1/tenant", headers=other.headers()).json()["contact_email"] is None


def test_only_an_admin_changes_it_and_bad_values_are_refused(api: Api) -> None:
    tenant = api.new_tenant()
    url = "/v1/tenant"

    as_manager = api.client.patch(
        url, json={"name": "Renamed"}, headers=tenant.headers(Role.CREDIT_MANAGER)
    )
    bad_email = api.client.patch(
        url, json={"contact_email": "not an e-mail"}, headers=tenant.headers()
    )
    fixed_field = api.client.patch(url, json={"currency": "USD"}, headers=tenant.headers())

    assert as_manager.status_code == 403
    assert bad_email.status_code == 400 and bad_email.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert fixed_field.status_code == 400  # not a field that can change
    assert api.client.get(url, headers=tenant.headers()).json()["name"] == "Tenant"
