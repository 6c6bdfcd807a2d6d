"""Bulk import over the API: upsert by external_ref, per-row report, atomic mode, ledger rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from arplatform.invoices.models import Invoice, InvoiceInstalment, InvoiceLine
from arplatform.payments.models import Allocation, CreditNote, Payment
from tests.imports.helpers import counts, csv_text, ndjson, outcome, rows, run_import
from tests.support import Api

CUSTOMERS = [
    {
        "type": "customer",
        "external_ref": "C1",
        "legal_name": "Muster GmbH",
        "country": "DE",
        "currency": "EUR",
        "vat_number": "DE 136 695 976",
        "payment_terms_days": 30,
    },
    {
        "type": "customer",
        "external_ref": "C2",
        "legal_name": "Kaisha KK",
        "country": "JP",
        "currency": "JPY",
    },
]


def _invoice(ref: str, customer: str = "C1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "invoice",
        "external_ref": ref,
        "customer_ref": customer,
        "number": f"N-{ref}",
        "issue_date": "2025-01-10",
        "due_date": "2025-02-09",
        "currency": "EUR",
        "total": "119.00",
        "tax_total": "19.00",
        **extra,
    }


HISTORY = [
    *CUSTOMERS,
    _invoice("I1"),
    _invoice(
        "I2",
        lines=[
            {"description": "Widgets", "quantity": "3", "unit_price": "19.99", "tax_rate": "19"},
            {"description": "Service", "quantity": "1.5", "unit_price": "40", "tax_rate": "7"},
        ],
        total=None,
        tax_total=None,
    ),
    _invoice("I3", total="50.00", tax_total="0"),
    _invoice("I4", status="written_off", written_off_on="2025-06-30"),
    _invoice("I5", status="cancelled"),
    _invoice("J1", customer="C2", currency="JPY", total="10000", tax_total="0"),
    {
        "type": "payment",
        "external_ref": "P1",
        "customer_ref": "C1",
        "received_on": "2025-02-01",
        "amount": "200.00",
        "currency": "EUR",
        "allocations": [{"invoice_ref": "I1"}, {"invoice_ref": "I3", "amount": "20.00"}],
    },
    {
        "type": "payment",
        "external_ref": "P2",
        "customer_ref": "C1",
        "received_on": "2025-03-01",
        "amount": "30.00",
        "currency": "EUR",
        "allocations": [{"invoice_ref": "I4"}],
    },
    {
        "type": "credit_note",
        "external_ref": "CN1",
        "customer_ref": "C1",
        "invoice_ref": "I3",
        "number": "CN-1",
        "issue_date": "2025-02-15",
        "amount": "10.00",
        "currency": "EUR",
    },
    {
        "type": "payment",
        "external_ref": "P3",
        "customer_ref": "C2",
        "received_on": "2025-03-01",
        "amount": "4000",
        "currency": "JPY",
        "invoice_ref": "J1",
    },
]


def _strip(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if v is not None} for r in records]


def test_history_import_writes_what_the_ledger_writes_and_reimport_changes_nothing(
    api: Api,
) -> None:
    tenant = api.new_tenant()
    body = ndjson(_strip(HISTORY))
    first = run_import(api, tenant, body)
    assert first["status"] == "succeeded", first
    assert first["error_count"] == 0, first["errors"]
    assert outcome(first, "customer") == (2, 0, 0, 0)
    assert outcome(first, "invoice") == (6, 0, 0, 0)
    assert outcome(first, "payment") == (3, 0, 0, 0)
    assert outcome(first, "credit_note") == (1, 0, 0, 0)
    assert first["progress"] == {"rows_done": 12, "rows_total": 12}
    before = counts(api, tenant.tenant_id)

    invoices = {i.external_ref: i for i in rows(api, tenant.tenant_id, Invoice)}
    i1, i2, i3, i4, i5, j1 = (invoices[r] for r in ("I1", "I2", "I3", "I4", "I5", "J1"))
    assert (i1.status, i1.open_amount, i1.paid_on) == ("paid", 0, date(2025, 2, 1))
    # Lines as the API computes them: 59.97 @19% + 60.00 @7% -> tax 11.39 + 4.20.
    assert (i2.net_total, i2.tax_total, i2.total) == (
        Decimal("119.97"),
        Decimal("15.59"),
        Decimal("135.56"),
    )
    assert [ln.net_amount for ln in rows(api, tenant.tenant_id, InvoiceLine)] == [
        Decimal("59.97"),
        Decimal("60.00"),
    ]
    # I3: 20.00 paid, 10.00 credited: 20.00 open.
    assert (i3.status, i3.open_amount) == ("partially_paid", Decimal("20.00"))
    # I4: 30.00 paid before the write-off, the rest written off.
    assert (i4.status, i4.open_amount, i4.written_off_on) == ("written_off", 0, date(2025, 6, 30))
    assert (i5.status, i5.cancelled_on, i5.open_amount) == ("cancelled", date(2025, 1, 10), 119)
    assert (j1.status, j1.open_amount) == ("partially_paid", Decimal(6000))

    instalments = {r.invoice_id: r for r in rows(api, tenant.tenant_id, InvoiceInstalment)}
    for invoice in invoices.values():
        inst = instalments[invoice.id]
        assert (inst.seq, inst.amount, inst.due_date) == (1, invoice.total, invoice.due_date)
        assert inst.open_amount == invoice.open_amount

    allocations = rows(api, tenant.tenant_id, Allocation)
    by_kind = sorted((a.kind, a.invoice_id == i4.id, a.amount, a.booked_on) for a in allocations)
    assert ("write_off", True, Decimal("89.00"), date(2025, 6, 30)) in by_kind
    assert ("credit_note", False, Decimal("10.00"), date(2025, 2, 15)) in by_kind
    payments = {p.external_ref: p for p in rows(api, tenant.tenant_id, Payment)}
    # P1: 119.00 to I1, 20.00 to I3, 61.00 stays as the customer's credit.
    assert payments["P1"].unapplied == Decimal("61.00")
    assert payments["P2"].unapplied == 0
    assert payments["P3"].unapplied == 0
    note = rows(api, tenant.tenant_id, CreditNote)[0]
    assert (note.invoice_id, note.unapplied) == (i3.id, 0)

    again = run_import(api, tenant, body)
    assert again["status"] == "succeeded", again
    for kind, n in (("customer", 2), ("invoice", 6), ("payment", 3), ("credit_note", 1)):
        assert outcome(again, kind) == (0, 0, n, 0)
    assert counts(api, tenant.tenant_id) == before
    unchanged = {i.external_ref: i.version for i in rows(api, tenant.tenant_id, Invoice)}
    assert unchanged == {ref: inv.version for ref, inv in invoices.items()}


def test_bad_rows_are_reported_with_row_and_field_and_good_rows_stored(api: Api) -> None:
    tenant = api.new_tenant()
    assert run_import(api, tenant, ndjson(CUSTOMERS))["error_count"] == 0
    header = "external_ref,customer_ref,number,issue_date,due_date,currency,total,tax_total"
    body = csv_text(
        header,
        "A1,C1,A-1,2025-01-01,2025-01-31,EUR,100.00,0",
        "A2,C1,A-2,2025-13-01,2025-01-31,EUR,100.00,0",  # line 3: no such month
        "A3,CX,A-3,2025-01-01,2025-01-31,EUR,100.00,0",  # line 4: unknown customer
        "A4,C2,A-4,2025-01-01,2025-01-31,JPY,100.50,0",  # line 5: JPY has no decimals
        "A5,C1,A-1,2025-01-01,2025-01-31,EUR,100.00,0",  # line 6: number of A1
        "A1,C1,A-1,2025-01-01,2025-01-31,EUR,100.00,0",  # line 7: A1 again
        "A6,C1,A-6,2025-02-01,2025-01-31,EUR,100.00,0",  # line 8: due before issue
        "A7,C1,A-7,2025-01-01,2025-01-31,EUR,100.00,0",
    )
    report = run_import(api, tenant, body, media="text/csv", type="invoice")
    assert report["status"] == "succeeded"
    assert outcome(report, "invoice") == (2, 0, 0, 6)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (3, "issue_date"),
        (4, "customer_ref"),
        (5, "total"),
        (6, "number"),
        (7, "external_ref"),
        (8, "due_date"),
    ]
    stored = sorted(i.external_ref for i in rows(api, tenant.tenant_id, Invoice))
    assert stored == ["A1", "A7"]


def test_atomic_import_stores_nothing_when_a_row_is_bad(api: Api) -> None:
    tenant = api.new_tenant()
    body = ndjson([*CUSTOMERS, _invoice("I1"), _invoice("I2", customer="nobody")])
    report = run_import(api, tenant, body, mode="atomic")
    assert report["status"] == "failed"
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(4, "customer_ref")]
    assert outcome(report, "customer") == (0, 0, 0, 0)
    assert counts(api, tenant.tenant_id)["customers"] == 0
    assert counts(api, tenant.tenant_id)["invoices"] == 0
    good = run_import(api, tenant, ndjson([*CUSTOMERS, _invoice("I1")]), mode="atomic")
    assert good["status"] == "succeeded"
    assert counts(api, tenant.tenant_id)["invoices"] == 1


def test_csv_files_give_the_ledger_ndjson_gives(api: Api) -> None:
    tenant = api.new_tenant()
    customers = csv_text(
        "external_ref,legal_name,country,currency,payment_terms_days", "C1,Muster GmbH,DE,EUR,30"
    )
    invoices = csv_text(
        "external_ref,customer_ref,number,issue_date,due_date,currency,total,tax_total",
        "I1,C1,N-I1,2025-01-10,2025-02-09,EUR,119.00,19.00",
        "I3,C1,N-I3,2025-01-10,2025-02-09,EUR,50.00,0",
    )
    payments = csv_text(
        "external_ref,customer_ref,received_on,amount,currency,invoice_ref,allocated_amount",
        "P1,C1,2025-02-01,150.00,EUR,I1,",
        "P2,C1,2025-02-02,20.00,EUR,I3,5.00",
    )
    for kind, body in (("customer", customers), ("invoice", invoices), ("payment", payments)):
        report = run_import(api, tenant, body, media="text/csv", type=kind)
        assert report["error_count"] == 0, report["errors"]
    invoices_by_ref = {i.external_ref: i for i in rows(api, tenant.tenant_id, Invoice)}
    assert invoices_by_ref["I1"].status == "paid"
    assert invoices_by_ref["I3"].open_amount == Decimal("45.00")
    payments_by_ref = {p.external_ref: p for p in rows(api, tenant.tenant_id, Payment)}
    assert payments_by_ref["P1"].unapplied == Decimal("31.00")
    assert payments_by_ref["P2"].unapplied == Decimal("15.00")
    again = run_import(api, tenant, payments, media="text/csv", type="payment")
    assert outcome(again, "payment") == (0, 0, 2, 0)
