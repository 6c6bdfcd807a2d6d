"""Reference rates, interest policies and invoice interest over the API, on both backends."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from arplatform.auth.tokens import Role
from arplatform.invoices.models import InvoiceInstalment
from arplatform.payments.models import Allocation
from tests.support import CUSTOMER, Api, TenantHandle, invoice_body

ECB = [("2025-06-11", "2.15"), ("2026-06-15", "2.40")]


def _post(api: Api, tenant: TenantHandle, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post(path, json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    return dict(response.json())


def _customer(api: Api, tenant: TenantHandle, **fields: Any) -> str:
    return str(_post(api, tenant, "/v1/customers", {**CUSTOMER, **fields})["id"])


def _invoice(api: Api, tenant: TenantHandle, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = invoice_body(customer_id, issue_date="2026-05-01", **fields)
    return _post(api, tenant, "/v1/invoices", body)


def _rates(api: Api, tenant: TenantHandle, key: str, values: list[tuple[str, str]]) -> list[str]:
    return [
        _post(api, tenant, "/v1/reference-rates", {"key": key, "valid_from": day, "rate": rate})[
            "id"
        ]
        for day, rate in values
    ]


def _interest(api: Api, tenant: TenantHandle, invoice_id: str, as_of: str) -> Any:
    return api.client.get(
        f"/v1/invoices/{invoice_id}/interest",
        params={"as_of": as_of},
        headers=tenant.headers(Role.VIEWER),
    )


def test_reference_rates_are_edited_over_the_api(api: Api) -> None:
    tenant = api.new_tenant()
    created = api.client.post(
        "/v1/reference-rates",
        json={"key": "ECB_MRO", "valid_from": "2025-06-11", "rate": "2.1500"},
        headers=tenant.headers(Role.CREDIT_MANAGER),
    )
    assert created.status_code == 201, created.text
    rate = created.json()
    assert (rate["key"], rate["valid_from"], rate["rate"]) == ("ECB_MRO", "2025-06-11", "2.15")
    assert created.headers["location"] == f"/v1/reference-rates/{rate['id']}"
    again = api.client.post(
        "/v1/reference-rates",
        json={"key": "ECB_MRO", "valid_from": "2025-06-11", "rate": "2.40"},
        headers=tenant.headers(),
    )
    assert again.status_code == 409
    _rates(api, tenant, "BOE_BASE", [("2025-12-18", "4.00")])
    listed = api.client.get(
        "/v1/reference-rates", params={"key": "ECB_MRO"}, headers=tenant.headers(Role.VIEWER)
    )
    assert [r["id"] for r in listed.json()["data"]] == [rate["id"]]

    url = f"/v1/reference-rates/{rate['id']}"
    collector = api.client.patch(url, json={"rate": "1"}, headers=tenant.headers(Role.COLLECTOR))
    assert collector.status_code == 403
    changed = api.client.patch(
        url, json={"rate": "-0.5"}, headers={**tenant.headers(), "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["rate"], changed.headers["etag"]) == ("-0.5", '"2"')
    stale = api.client.delete(url, headers={**tenant.headers(), "If-Match": '"1"'})
    assert stale.status_code == 412
    assert api.client.delete(url, headers=tenant.headers()).status_code == 204
    assert api.client.get(url, headers=tenant.headers()).status_code == 404
    out_of_range = api.client.post(
        "/v1/reference-rates",
        json={"key": "ECB_MRO", "valid_from": "1989-12-31", "rate": "2"},
        headers=tenant.headers(),
    )
    assert out_of_range.status_code == 422


def test_policies_are_checked_per_rule(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _customer(api, tenant)

    def create(body: dict[str, Any]) -> Any:
        return api.client.post("/v1/interest-policies", json=body, headers=tenant.headers())

    eu = create({"rule": "eu_directive"})
    assert eu.status_code == 201, eu.text
    assert {k: eu.json()[k] for k in ("customer_id", "margin", "reference_key")} == {
        "customer_id": None,
        "margin": "8",
        "reference_key": "ECB_MRO",
    }
    assert (eu.json()["compensation_amount"], eu.json()["compensation_currency"]) == (
        "40.00",
        "EUR",
    )
    assert create({"rule": "none"}).status_code == 409  # one tenant default
    refused = [
        ({"rule": "fixed"}, "rate"),
        ({"rule": "fixed", "rate": "9", "margin": "8"}, "margin"),
        ({"rule": "reference_multiple", "multiplier": "1.5"}, "reference_key"),
        ({"rule": "uk_statutory", "compensation_amount": "40"}, "compensation_amount"),
        (
            {"rule": "eu_directive", "compensation_amount": "40.5", "compensation_currency": "JPY"},
            "compensation_amount",
        ),
        ({"rule": "eu_directive", "compensation_currency": "PLN"}, "compensation_amount"),
    ]
    for body, field in refused:
        response = create({**body, "customer_id": customer})
        assert response.status_code == 422, (body, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, body
    unknown = create({"rule": "none", "customer_id": "0190aaaa-0000-7000-8000-000000000000"})
    assert unknown.status_code == 422

    fixed = create(
        {"rule": "fixed", "rate": "9.5", "customer_id": customer, "day_count": "act_360"}
    )
    assert fixed.status_code == 201, fixed.text
    url = f"/v1/interest-policies/{fixed.json()['id']}"
    # Another rule starts from its own defaults: the fixed rate does not linger.
    switched = api.client.patch(
        url,
        json={"rule": "reference_multiple", "multiplier": "1.5", "reference_key": "CN_LPR_1Y"},
        headers={**tenant.headers(Role.CREDIT_MANAGER), "If-Match": '"1"'},
    )
    assert switched.status_code == 200, switched.text
    body = switched.json()
    assert (body["rule"], body["rate"], body["multiplier"], body["day_count"]) == (
        "reference_multiple",
        None,
        "1.5",
        "act_360",
    )
    kept = api.client.patch(url, json={"multiplier": "2"}, headers=tenant.headers())
    assert kept.json()["reference_key"] == "CN_LPR_1Y" and kept.json()["multiplier"] == "2"
    listed = api.client.get(
        "/v1/interest-policies", params={"customer_id": customer}, headers=tenant.headers()
    )
    assert [p["id"] for p in listed.json()["data"]] == [fixed.json()["id"]]
    viewer = api.client.delete(url, headers=tenant.headers(Role.VIEWER))
    assert viewer.status_code == 403


def test_eu_interest_of_a_partly_paid_invoice(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _customer(api, tenant)
    lines = [{"description": "Services", "quantity": "1", "unit_price": "5000.00"}]
    invoice = _invoice(api, tenant, customer, lines=lines, due_date="2026-05-31")
    _rates(api, tenant, "ECB_MRO", ECB)
    _post(api, tenant, "/v1/interest-policies", {"rule": "eu_directive"})
    _post(
        api,
        tenant,
        "/v1/payments",
        {
            "customer_id": customer,
            "amount": "2000.00",
            "received_on": "2026-06-10",
            "allocations": [{"invoice_id": invoice["id"], "amount": "2000.00"}],
        },
    )
    response = _interest(api, tenant, invoice["id"], "2026-07-31")
    assert response.status_code == 200, response.text
    body = response.json()
    # ECB 2.15 on 1 Jan 2026 -> 10.15 % to 30 June; 2.40 on 1 July -> 10.40 %.
    # 1-10 Jun (the payment day accrues): 10 days on 5000: 5000 x 0.1015 x 10 / 365 = 13.904109...
    # 11-30 Jun: 20 days on 3000: 3000 x 0.1015 x 20 / 365 = 16.684931...
    # 1-31 Jul: 31 days on 3000: 3000 x 0.1040 x 31 / 365 = 26.498630...
    # total 20837 / 365 = 57.087671... -> 57.09; shares 13.90 + 16.69 + 26.50.
    assert body["interest"] == "57.09"
    assert (body["rule"], body["policy_source"], body["reference_key"]) == (
        "eu_directive",
        "tenant",
        "ECB_MRO",
    )
    assert body["compensation"] == {"amount": "40.00", "currency": "EUR"}
    [instalment] = body["instalments"]
    assert (instalment["amount"], instalment["late_amount"], instalment["interest"]) == (
        "5000.00",
        "5000.00",
        "57.09",
    )
    assert [
        (s["from"], s["to"], s["days"], s["balance"], s["rate"], s["amount"])
        for s in instalment["segments"]
    ] == [
        ("2026-06-01", "2026-06-10", 10, "5000.00", "10.15", "13.90"),
        ("2026-06-11", "2026-06-30", 20, "3000.00", "10.15", "16.69"),
        ("2026-07-01", "2026-07-31", 31, "3000.00", "10.4", "26.50"),
    ]
    # Before the payment was booked the state of that day is shown: 10 days on 5000.
    assert _interest(api, tenant, invoice["id"], "2026-06-10").json()["interest"] == "13.90"
    on_due_date = _interest(api, tenant, invoice["id"], "2026-05-31").json()
    assert on_due_date["interest"] == "0.00" and on_due_date["compensation"] is None


def test_a_customer_policy_overrides_the_tenant_and_missing_rates_are_named(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _customer(api, tenant)
    lines = [{"description": "Services", "quantity": "1", "unit_price": "5000.00"}]
    invoice = _invoice(api, tenant, customer, lines=lines, due_date="2026-05-31")
    tenant_policy = _post(api, tenant, "/v1/interest-policies", {"rule": "eu_directive"})
    missing = _interest(api, tenant, invoice["id"], "2026-07-31")
    assert missing.status_code == 409
    assert "No ECB_MRO rate is in force on 2026-01-01" in missing.json()["detail"]

    override = {"rule": "fixed", "rate": "9.5", "customer_id": customer}
    policy = _post(api, tenant, "/v1/interest-policies", override)
    body = _interest(api, tenant, invoice["id"], "2026-07-31").json()
    # 1 Jun - 31 Jul = 61 days on 5000 at 9.5 %: 5000 x 0.095 x 61 / 365 = 28975 / 365
    # = 79.383561... -> 79.38; no fixed compensation under a contractual rate.
    assert (body["interest"], body["policy_source"], body["policy_id"]) == (
        "79.38",
        "customer",
        policy["id"],
    )
    assert body["compensation"] is None
    for row in (policy, tenant_policy):
        url = f"/v1/interest-policies/{row['id']}"
        assert api.client.delete(url, headers=tenant.headers()).status_code == 204
    nothing = _interest(api, tenant, invoice["id"], "2026-07-31").json()
    assert (nothing["rule"], nothing["policy_source"], nothing["interest"]) == (
        "none",
        "default",
        "0.00",
    )


def test_instalments_accrue_separately_in_yen(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _customer(api, tenant, currency="JPY")
    lines = [{"description": "Parts", "quantity": "1", "unit_price": "200000"}]
    schedule = [
        {"due_date": "2026-05-31", "amount": "100000"},
        {"due_date": "2026-06-30", "amount": "100000"},
    ]
    invoice = _invoice(api, tenant, customer, lines=lines, currency="JPY", instalments=schedule)
    _post(api, tenant, "/v1/interest-policies", {"rule": "fixed", "rate": "14.6"})
    body = _interest(api, tenant, invoice["id"], "2026-07-10").json()
    # 1: 1 Jun - 10 Jul = 40 days: 100000 x 0.146 x 40 / 365 = 584000 / 365 = 1600 yen
    # 2: 1 Jul - 10 Jul = 10 days: 100000 x 0.146 x 10 / 365 = 146000 / 365 = 400 yen
    assert [(i["seq"], i["interest"]) for i in body["instalments"]] == [(1, "1600"), (2, "400")]
    assert body["interest"] == "2000"


def test_bad_dates_and_unknown_invoices(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _customer(api, tenant)
    invoice = _invoice(api, tenant, customer, due_date="2026-05-31")
    assert _interest(api, tenant, invoice["id"], "1999-12-31").status_code == 422
    today = api.client.get(
        f"/v1/invoices/{invoice['id']}/interest", headers=tenant.headers(Role.COLLECTOR)
    )
    assert today.status_code == 200 and today.json()["rule"] == "none"
    other = api.new_tenant("Other")
    assert _interest(api, other, invoice["id"], "2026-07-01").status_code == 404


def test_a_cancelled_invoice_owes_nothing_from_its_cancellation(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _customer(api, tenant)
    lines = [{"description": "Services", "quantity": "1", "unit_price": "5000.00"}]
    invoice = _invoice(api, tenant, customer, lines=lines, due_date="2026-05-31")
    _post(api, tenant, "/v1/interest-policies", {"rule": "fixed", "rate": "9.5"})
    cancelled = api.client.post(
        f"/v1/invoices/{invoice['id']}/cancel",
        json={"cancelled_on": "2026-06-15"},
        headers=tenant.headers(),
    )
    assert cancelled.status_code == 200, cancelled.text
    # What accrued while it was owed stays, and nothing more: the invoice is no
    # receivable from its cancellation day (as in every report).
    # 1 Jun .. 14 Jun = 14 days: 5000 x 0.095 x 14 / 365 = 6650 / 365 = 18.2191... -> 18.22
    for as_of in ("2026-06-15", "2026-07-31", "2027-12-31"):
        after = _interest(api, tenant, invoice["id"], as_of).json()
        assert after["interest"] == "18.22", as_of
        assert after["instalments"][0]["segments"][-1]["to"] == "2026-06-14"
        assert "cancelled on 2026-06-15" in after["notes"][0]
    # As of a day before the cancellation, the invoice is shown as it stood then:
    # 1 Jun .. 10 Jun = 10 days: 5000 x 0.095 x 10 / 365 = 4750 / 365 = 13.013698... -> 13.01
    before = _interest(api, tenant, invoice["id"], "2026-06-10").json()
    assert before["interest"] == "13.01" and before["notes"] == []


def test_a_customer_with_a_policy_can_still_be_deleted(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _customer(api, tenant)
    policy = _post(api, tenant, "/v1/interest-policies", {"rule": "none", "customer_id": customer})
    deleted = api.client.delete(f"/v1/customers/{customer}", headers=tenant.headers())
    assert deleted.status_code == 204, deleted.text
    gone = api.client.get(f"/v1/interest-policies/{policy['id']}", headers=tenant.headers())
    assert gone.status_code == 404


def _reopen(api: Api, tenant: TenantHandle, invoice: dict[str, Any], amount: str, day: str) -> None:
    """A negative allocation after the write-off, as a reversal reopening the invoice would be."""

    async def book() -> None:
        invoice_id = uuid.UUID(invoice["id"])
        async with api.app.state.db.session(tenant.tenant_id) as session, session.begin():
            instalment_id = await session.scalar(
                select(InvoiceInstalment.id).where(InvoiceInstalment.invoice_id == invoice_id)
            )
            assert instalment_id is not None
            session.add(
                Allocation(
                    invoice_id=invoice_id,
                    instalment_id=instalment_id,
                    customer_id=uuid.UUID(invoice["customer_id"]),
                    kind="reversal",
                    amount=-Decimal(amount),
                    booked_on=date.fromisoformat(day),
                )
            )

    api.run(book)


def test_interest_stops_on_the_write_off_day_even_if_the_balance_reopens(api: Api) -> None:
    tenant = api.new_tenant()
    customer = _customer(api, tenant)
    lines = [{"description": "Services", "quantity": "1", "unit_price": "1000.00"}]
    invoice = _invoice(api, tenant, customer, lines=lines, due_date="2026-05-31")
    _post(api, tenant, "/v1/interest-policies", {"rule": "fixed", "rate": "10"})
    body = {"customer_id": customer, "amount": "300.00", "received_on": "2026-06-10"}
    _post(api, tenant, "/v1/payments", {**body, "allocations": [{"invoice_id": invoice["id"]}]})
    written_off = api.client.post(
        f"/v1/invoices/{invoice['id']}/write-off",
        json={"written_off_on": "2026-06-30", "reason": "Insolvent"},
        headers=tenant.headers(),
    )
    assert written_off.status_code == 200, written_off.text
    _reopen(api, tenant, invoice, "300.00", "2026-07-10")
    # 1 Jun .. 10 Jun on 1000, 11 Jun .. 30 Jun on 700, nothing after the write-off:
    # (1000 x 10 + 700 x 20) x 0.10 / 365 = 2400 / 365 = 6.5753... -> 6.58
    for as_of in ("2026-06-30", "2026-07-31", "2026-12-31"):
        got = _interest(api, tenant, invoice["id"], as_of).json()
        assert got["interest"] == "6.58", as_of
    later = _interest(api, tenant, invoice["id"], "2026-08-31").json()
    assert later["instalments"][0]["segments"][-1]["to"] == "2026-06-30"
    assert "written off on 2026-06-30" in later["notes"][0]
