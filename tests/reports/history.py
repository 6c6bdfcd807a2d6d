"""A small receivables history built through the API, and reports recomputed from its raw rows.

The expected figures here are plain Python over the stored rows (invoices,
instalments, allocations, payments, credit notes), written independently of
the SQL the reports run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.payments.models import Allocation, CreditNote, Payment
from tests.support import Api, TenantHandle

D = date.fromisoformat
#: Days the reports are checked on: before, during and after the history's events.
AS_OF_DAYS = [
    D("2025-09-15"),
    D("2025-11-30"),
    D("2026-01-15"),
    D("2026-02-28"),
    D("2026-03-05"),
    D("2026-03-31"),
    D("2026-06-30"),
]


class Ledger:
    """Drives the API for one tenant; every call must succeed."""

    def __init__(self, api: Api, tenant: TenantHandle) -> None:
        self.api, self.tenant = api, tenant

    def post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        headers = {**self.tenant.headers(), "Idempotency-Key": uuid.uuid4().hex}
        response = self.api.client.post(path, json=body, headers=headers)
        assert response.status_code == status, response.text
        return dict(response.json())

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.api.client.get(path, params=params, headers=self.tenant.headers())
        assert response.status_code == 200, response.text
        return dict(response.json())

    def customer(self, name: str, currency: str, country: str = "DE") -> str:
        body = {"legal_name": name, "country": country, "currency": currency}
        return str(self.post("/v1/customers", body)["id"])

    def invoice(self, customer: str, issued: str, price: str, **extra: Any) -> str:
        body = {
            "customer_id": customer,
            "issue_date": issued,
            "lines": [{"description": "Goods", "quantity": "1", "unit_price": price}],
            **extra,
        }
        return str(self.post("/v1/invoices", body)["id"])

    def pay(self, customer: str, amount: str, received: str, **extra: Any) -> str:
        body = {"customer_id": customer, "amount": amount, "received_on": received, **extra}
        return str(self.post("/v1/payments", body)["id"])


def build_history(api: Api, tenant: TenantHandle) -> dict[str, str]:
    """Invoices with instalments, partial and late payments, credit, a reversal, a credit
    note, a cancellation, an extension, a write-off, a draft; EUR, USD, JPY and BHD."""
    led = Ledger(api, tenant)
    ids = {
        "A": led.customer("Alpha GmbH", "EUR"),
        "B": led.customer("Beta AG", "EUR"),
        "C": led.customer("Gamma KG", "EUR"),
        "U": led.customer("Uni Inc", "USD", "US"),
        "J": led.customer("Nihon KK", "JPY", "JP"),
        "K": led.customer("Bahrain WLL", "BHD", "BH"),
    }
    a, b, c = ids["A"], ids["B"], ids["C"]
    ids["A1"] = led.invoice(a, "2025-10-01", "1000.00", due_date="2025-10-31")
    ids["A2"] = led.invoice(
        a,
        "2025-11-15",
        "900.00",
        instalments=[{"due_date": d} for d in ("2025-12-15", "2026-01-15", "2026-02-15")],
    )
    ids["A3"] = led.invoice(a, "2026-01-20", "250.00", due_date="2026-02-19")
    led.post(f"/v1/invoices/{ids['A3']}/cancel", {"cancelled_on": "2026-01-25"}, 200)
    ids["A4"] = led.invoice(a, "2026-02-01", "500.00", due_date="2026-03-03", draft=True)
    ids["B1"] = led.invoice(b, "2025-09-01", "2000.00", due_date="2025-09-30")
    ids["B2"] = led.invoice(b, "2026-01-05", "1200.00", due_date="2026-02-04")
    led.post(f"/v1/invoices/{ids['B2']}/extend", {"due_date": "2026-03-06"}, 200)
    ids["B3"] = led.invoice(b, "2026-03-10", "800.00", due_date="2026-04-09")
    ids["C1"] = led.invoice(c, "2025-12-01", "450.00", due_date="2025-12-31")
    ids["U1"] = led.invoice(ids["U"], "2025-12-01", "5000.00", due_date="2025-12-31")
    ids["J1"] = led.invoice(ids["J"], "2025-11-01", "123456", due_date="2025-12-01")
    ids["J2"] = led.invoice(ids["J"], "2026-02-01", "50000", due_date="2026-03-03")
    ids["K1"] = led.invoice(ids["K"], "2025-12-10", "150.125", due_date="2026-01-09")

    def alloc(invoice: str, amount: str) -> dict[str, Any]:
        return {"allocations": [{"invoice_id": ids[invoice], "amount": amount}]}

    led.pay(a, "1000.00", "2025-11-05", **alloc("A1", "1000.00"))
    led.pay(a, "500.00", "2026-01-10", **alloc("A2", "500.00"))
    led.pay(b, "500.00", "2025-10-15", **alloc("B1", "500.00"))
    ids["P_REV"] = led.pay(b, "700.00", "2026-02-20", reference="TRX-1", **alloc("B2", "700.00"))
    led.post(
        f"/v1/payments/{ids['P_REV']}/reverse",
        {"reversed_on": "2026-03-05", "reason": "Returned by the bank"},
        200,
    )
    ids["P_CREDIT"] = led.pay(c, "600.00", "2026-01-20", auto_allocate=True)
    # Issued after the payment: the credit left from it is applied later.
    ids["C2"] = led.invoice(c, "2026-02-10", "99.99", due_date="2026-03-12")
    led.post(
        f"/v1/payments/{ids['P_CREDIT']}/apply",
        {"booked_on": "2026-02-15", **alloc("C2", "99.99")},
        200,
    )
    led.pay(ids["J"], "100000", "2026-01-15", **alloc("J1", "100000"))
    led.pay(ids["K"], "50.005", "2026-02-01", **alloc("K1", "50.005"))
    note = {
        "customer_id": b,
        "invoice_id": ids["B3"],
        "amount": "100.00",
        "issue_date": "2026-03-20",
    }
    led.post("/v1/credit-notes", note)
    led.post(
        f"/v1/invoices/{ids['B1']}/write-off",
        {"written_off_on": "2026-03-31", "reason": "Insolvent"},
        200,
    )
    return ids


@dataclass
class Raw:
    invoices: list[Invoice]
    instalments: list[InvoiceInstalment]
    allocations: list[Allocation]
    payments: list[Payment]
    credit_notes: list[CreditNote]


def load_raw(api: Api, tenant: TenantHandle) -> Raw:
    """Every ledger row of ``tenant``, as stored."""

    async def load() -> Raw:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            found = [
                list((await session.scalars(select(model))).all())
                for model in (Invoice, InvoiceInstalment, Allocation, Payment, CreditNote)
            ]
        return Raw(*found)

    return api.run(load)


def open_items(raw: Raw, as_of: date, currency: str) -> list[tuple[uuid.UUID, date, Decimal]]:
    """``(customer, due date, open amount)`` of every instalment open on ``as_of``."""
    invoices = {i.id: i for i in raw.invoices}
    found = []
    for inst in raw.instalments:
        inv = invoices[inst.invoice_id]
        if inv.status == "draft" or inv.currency != currency or inv.issue_date > as_of:
            continue
        if inv.cancelled_on is not None and inv.cancelled_on <= as_of:
            continue
        booked = sum(
            (
                a.amount
                for a in raw.allocations
                if a.instalment_id == inst.id and a.booked_on <= as_of
            ),
            Decimal(0),
        )
        if inst.amount - booked:
            found.append((inst.customer_id, inst.due_date, inst.amount - booked))
    return found


def bucket_of(as_of: date, due: date, limits: list[int]) -> int:
    late = (as_of - due).days
    if late <= 0:
        return 0
    for i, limit in enumerate(limits):
        if late <= limit:
            return i + 1
    return len(limits) + 1


def expected_aging(
    raw: Raw, as_of: date, currency: str, limits: list[int]
) -> dict[uuid.UUID, list[Decimal]]:
    """Per customer, the open amount in each bucket."""
    per: dict[uuid.UUID, list[Decimal]] = {}
    for customer, due, amount in open_items(raw, as_of, currency):
        row = per.setdefault(customer, [Decimal(0)] * (len(limits) + 2))
        row[bucket_of(as_of, due, limits)] += amount
    return per


def sales(raw: Raw, as_of: date, currency: str, start: date, end: date) -> Decimal:
    """Totals of invoices issued in ``(start, end]`` and not cancelled by ``as_of``.

    A write-off does not undo a sale.
    """
    return sum(
        (
            i.total
            for i in raw.invoices
            if i.status != "draft"
            and i.currency == currency
            and start < i.issue_date <= end
            and (i.cancelled_on is None or i.cancelled_on > as_of)
        ),
        Decimal(0),
    )


def expected_countback(raw: Raw, as_of: date, currency: str) -> Decimal:
    left = sum((amount for _, _, amount in open_items(raw, as_of, currency)), Decimal(0))
    days = Decimal(0)
    for k in range(36):
        end, start = as_of - relativedelta(months=k), as_of - relativedelta(months=k + 1)
        length, sold = (end - start).days, sales(raw, as_of, currency, start, end)
        if left <= 0:
            break
        if sold > 0 and left <= sold:
            return days + length * left / sold
        left -= sold
        days += length
    return days


def expected_standard(raw: Raw, as_of: date, currency: str, period: int) -> Decimal | None:
    total = sum((amount for _, _, amount in open_items(raw, as_of, currency)), Decimal(0))
    sold = sales(raw, as_of, currency, as_of - timedelta(days=period), as_of)
    return None if sold == 0 else total / sold * period


def expected_balance(raw: Raw, customer: uuid.UUID, day: date, currency: str) -> Decimal:
    """What ``customer`` owes at the end of ``day``: invoices less everything credited."""
    owed = Decimal(0)
    for i in raw.invoices:
        if i.customer_id == customer and i.currency == currency and i.status != "draft":
            owed += i.total if i.issue_date <= day else 0
            owed -= i.total if i.cancelled_on is not None and i.cancelled_on <= day else 0
    for p in raw.payments:
        if p.customer_id == customer and p.currency == currency:
            owed -= p.amount if p.received_on <= day else 0
            owed += p.amount if p.reversed_on is not None and p.reversed_on <= day else 0
    for n in raw.credit_notes:
        if n.customer_id == customer and n.currency == currency and n.issue_date <= day:
            owed -= n.amount
    currencies = {i.id: i.currency for i in raw.invoices}
    for a in raw.allocations:
        if a.customer_id == customer and a.kind == "write_off" and a.booked_on <= day:
            owed -= a.amount if currencies[a.invoice_id] == currency else 0
    return owed
