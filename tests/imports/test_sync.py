"""Repeated syncs: what a re-import may change, tenants kept apart, one event per import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from arplatform.auth.tokens import Role
from arplatform.customers.models import Customer
from arplatform.events.models import Event
from arplatform.invoices.models import Invoice, InvoiceInstalment
from tests.imports.helpers import counts, ndjson, outcome, post, rows, run_import, wait
from tests.imports.test_imports import CUSTOMERS, _invoice
from tests.support import Api


def test_reimport_may_move_dates_and_amounts_until_money_is_booked(api: Api) -> None:
    tenant = api.new_tenant()
    run_import(api, tenant, ndjson([*CUSTOMERS, _invoice("I1"), _invoice("I2")]))
    changed = [
        {**CUSTOMERS[0], "legal_name": "Muster AG"},
        CUSTOMERS[1],
        _invoice("I1", due_date="2025-03-31", total="120.00", tax_total="20.00"),
        _invoice("I2"),
        {
            "type": "payment",
            "external_ref": "P1",
            "customer_ref": "C1",
            "received_on": "2025-02-01",
            "amount": "10.00",
            "currency": "EUR",
            "allocations": [{"invoice_ref": "I2"}],
        },
    ]
    report = run_import(api, tenant, ndjson(changed))
    assert outcome(report, "customer") == (0, 1, 1, 0)
    assert outcome(report, "invoice") == (0, 1, 1, 0)
    i1 = next(i for i in rows(api, tenant.tenant_id, Invoice) if i.external_ref == "I1")
    assert (i1.due_date, i1.original_due_date) == (date(2025, 3, 31), date(2025, 2, 9))
    assert (i1.total, i1.open_amount, i1.version) == (Decimal("120.00"), Decimal("120.00"), 2)
    inst = next(r for r in rows(api, tenant.tenant_id, InvoiceInstalment) if r.invoice_id == i1.id)
    assert (inst.amount, inst.open_amount, inst.due_date) == (
        Decimal("120.00"),
        Decimal("120.00"),
        date(2025, 3, 31),
    )
    assert rows(api, tenant.tenant_id, Customer, external_ref="C1")[0].legal_name == "Muster AG"

    # I2 has a payment now: its total is the ledger's; the number identifies it.
    refused = run_import(
        api,
        tenant,
        ndjson(
            [
                _invoice("I2", total="99.00", tax_total="0"),
                _invoice("I1", number="OTHER"),
                _invoice("I1", status="written_off", written_off_on="2025-04-01"),
            ]
        ),
    )
    assert [(e["row"], e["field"]) for e in refused["errors"]] == [
        (1, "total"),
        (2, "number"),
        (3, "external_ref"),
    ]
    written_off = run_import(
        api,
        tenant,
        ndjson(
            [
                _invoice(
                    "I1",
                    due_date="2025-03-31",
                    total="120.00",
                    tax_total="20.00",
                    status="written_off",
                    written_off_on="2025-04-01",
                ),
            ]
        ),
    )
    assert outcome(written_off, "invoice") == (0, 1, 0, 0)
    i1 = next(i for i in rows(api, tenant.tenant_id, Invoice) if i.external_ref == "I1")
    assert (i1.status, i1.open_amount) == ("written_off", 0)
    reopened = run_import(api, tenant, ndjson([_invoice("I1", due_date="2025-03-31")]))
    assert [(e["row"], e["field"]) for e in reopened["errors"]] == [(1, "total")]


def test_an_import_never_touches_another_tenants_rows(api: Api) -> None:
    a, b = api.new_tenant("A"), api.new_tenant("B")
    run_import(api, a, ndjson([*CUSTOMERS, _invoice("I1")]))
    b_before = counts(api, b.tenant_id)
    # B's file names A's references: they are unknown to B, and B's own rows are new.
    report = run_import(
        api,
        b,
        ndjson(
            [
                _invoice("I1"),
                {
                    "type": "payment",
                    "external_ref": "P1",
                    "customer_ref": "C1",
                    "received_on": "2025-02-01",
                    "amount": "10.00",
                    "currency": "EUR",
                },
            ]
        ),
    )
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (1, "customer_ref"),
        (2, "customer_ref"),
    ]
    assert counts(api, b.tenant_id) == b_before
    same_refs = run_import(
        api, b, ndjson([*CUSTOMERS, _invoice("I1", total="5.00", tax_total="0")])
    )
    assert outcome(same_refs, "invoice") == (1, 0, 0, 0)
    a_invoice = rows(api, a.tenant_id, Invoice)[0]
    assert (a_invoice.total, a_invoice.version) == (Decimal("119.00"), 1)
    foreign = api.client.get(f"/v1/imports/{same_refs['id']}", headers=a.headers())
    assert foreign.status_code == 404


def test_one_event_per_import_and_none_per_row(api: Api) -> None:
    tenant = api.new_tenant()
    report = run_import(api, tenant, ndjson([*CUSTOMERS, _invoice("I1"), _invoice("I2")]))
    events = [e for e in rows(api, tenant.tenant_id, Event) if e.resource_type != "api_client"]
    assert [e.type for e in events] == ["import.completed"]
    assert events[0].resource_id.hex == report["id"].replace("-", "")
    assert events[0].data["counts"]["invoice"]["created"] == 2


def test_idempotency_key_returns_the_same_import(api: Api) -> None:
    tenant = api.new_tenant()
    headers = {**tenant.headers(), "Content-Type": "application/x-ndjson", "Idempotency-Key": "k1"}
    body = ndjson(CUSTOMERS)
    first = api.client.post("/v1/imports", content=body, headers=headers)
    second = api.client.post("/v1/imports", content=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    wait(api, tenant, first.json()["id"])
    assert counts(api, tenant.tenant_id)["customers"] == 2


def test_uploads_are_checked_before_a_job_is_queued(api: Api) -> None:
    tenant = api.new_tenant()
    plain = {**tenant.headers(), "Content-Type": "text/plain"}
    assert api.client.post("/v1/imports", content=b"x", headers=plain).status_code == 415
    csv = {**tenant.headers(), "Content-Type": "text/csv"}
    no_type = api.client.post("/v1/imports", content=b"a,b\n", headers=csv)
    assert no_type.status_code == 422
    viewer = {**tenant.headers(Role.VIEWER), "Content-Type": "text/csv"}
    assert (
        api.client.post("/v1/imports?type=customer", content=b"a\n", headers=viewer).status_code
        == 403
    )
    wrong_header = api.client.post("/v1/imports?type=customer", content=b"true", headers=csv)
    assert wrong_header.status_code == 422
    assert "missing column external_ref" in wrong_header.json()["detail"]
    not_utf8 = post(api, tenant, b"\xff\xfe,\n", media="text/csv", type="customer")
    failed = wait(api, tenant, not_utf8["id"])
    assert failed["status"] == "failed" and "UTF-8" in failed["failure"]


def test_reimport_keeps_an_extension_agreed_here(api: Api) -> None:
    """The accounting system's file still says the original due date: the extension stands."""
    tenant = api.new_tenant()
    file = ndjson([*CUSTOMERS, _invoice("I1")])
    run_import(api, tenant, file)
    invoice = rows(api, tenant.tenant_id, Invoice, external_ref="I1")[0]
    extended = api.client.post(
        f"/v1/invoices/{invoice.id}/extend",
        json={"due_date": "2025-06-30"},
        headers=tenant.headers(),
    )
    assert extended.status_code == 200, extended.text
    assert outcome(run_import(api, tenant, file), "invoice") == (0, 0, 1, 0)
    kept = rows(api, tenant.tenant_id, Invoice, external_ref="I1")[0]
    assert (kept.due_date, kept.original_due_date) == (date(2025, 6, 30), invoice.due_date)
