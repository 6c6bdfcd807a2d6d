"""Payments and credit notes: allocation, credit, reversal, and the balances they leave."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, type_coerce

from arplatform.db.types import MoneyAmount
from arplatform.invoices.models import InvoiceInstalment
from arplatform.payments.models import Allocation
from tests.ledger.helpers import customer, get, invoice, pay, post
from tests.support import Api


def test_payment_across_invoices_leaves_credit(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    a, b = invoice(api, tenant, buyer, price="100"), invoice(api, tenant, buyer, price="50")
    payment = pay(
        api,
        tenant,
        buyer,
        "180",
        allocations=[{"invoice_id": a["id"]}, {"invoice_id": b["id"], "amount": "20"}],
    )
    assert payment["unapplied"] == "60.00"
    assert [x["amount"] for x in payment["allocations"]] == ["100.00", "20.00"]
    assert get(api, tenant, f"/v1/invoices/{a['id']}")["status"] == "paid"
    second = get(api, tenant, f"/v1/invoices/{b['id']}")
    assert (second["status"], second["open_amount"]) == ("partially_paid", "30.00")
    applied = post(
        api,
        tenant,
        f"/v1/payments/{payment['id']}/apply",
        {"allocations": [{"invoice_id": b["id"]}], "booked_on": "2026-02-05"},
    )
    assert applied["unapplied"] == "30.00"
    paid = get(api, tenant, f"/v1/invoices/{b['id']}")
    assert (paid["status"], paid["paid_on"]) == ("paid", "2026-02-05")


def test_auto_allocation_pays_the_earliest_due_first(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    late = invoice(api, tenant, buyer, price="40", due_date="2026-03-01")
    early = invoice(api, tenant, buyer, price="40", due_date="2026-02-01")
    pay(api, tenant, buyer, "50", auto_allocate=True)
    assert get(api, tenant, f"/v1/invoices/{early['id']}")["status"] == "paid"
    assert get(api, tenant, f"/v1/invoices/{late['id']}")["open_amount"] == "30.00"


def test_instalments_are_paid_in_due_order(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    schedule = [{"due_date": "2026-02-01"}, {"due_date": "2026-03-01"}]
    split = invoice(api, tenant, buyer, price="99.99", due_date=None, instalments=schedule)
    pay(api, tenant, buyer, "60", allocations=[{"invoice_id": split["id"]}])
    rows = get(api, tenant, f"/v1/invoices/{split['id']}")["instalments"]
    assert [(r["amount"], r["open_amount"]) for r in rows] == [
        ("50.00", "0.00"),
        ("49.99", "39.99"),
    ]


def test_reversal_reopens_what_the_payment_settled(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="70")
    payment = pay(api, tenant, buyer, "70", allocations=[{"invoice_id": bill["id"]}])
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["status"] == "paid"
    reversed_ = post(
        api,
        tenant,
        f"/v1/payments/{payment['id']}/reverse",
        {"reversed_on": "2026-02-10", "reason": "Returned by the bank"},
    )
    assert (reversed_["status"], reversed_["unapplied"]) == ("reversed", "0.00")
    assert [a["kind"] for a in reversed_["allocations"]] == ["payment", "reversal"]
    reopened = get(api, tenant, f"/v1/invoices/{bill['id']}")
    assert (reopened["status"], reopened["open_amount"], reopened["paid_on"]) == (
        "issued",
        "70.00",
        None,
    )
    twice = api.client.post(
        f"/v1/payments/{payment['id']}/reverse",
        json={"reversed_on": "2026-02-11", "reason": "Again"},
        headers=tenant.headers(),
    )
    assert twice.status_code == 409


def test_credit_note_reduces_the_invoice_and_keeps_the_excess(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="100")
    pay(api, tenant, buyer, "90", allocations=[{"invoice_id": bill["id"]}])
    note = post(
        api,
        tenant,
        "/v1/credit-notes",
        {
            "customer_id": buyer,
            "invoice_id": bill["id"],
            "amount": "25",
            "issue_date": "2026-02-03",
        },
        status=201,
    )
    assert note["number"] == "CN-000001"
    assert (note["unapplied"], note["allocations"][0]["amount"]) == ("15.00", "10.00")
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["status"] == "paid"


def test_bad_payments_are_refused_and_nothing_is_stored(api: Api) -> None:
    tenant, other = api.new_tenant(), api.new_tenant("Other")
    buyer, stranger = customer(api, tenant), customer(api, other)
    foreign = invoice(api, other, stranger)
    cases = [
        {"amount": "10.001"},  # more decimals than EUR has
        {"amount": "0"},
        {"allocations": [{"invoice_id": foreign["id"]}]},  # another tenant's invoice
        {"customer_id": stranger},
        {"currency": "JPY", "allocations": [{"invoice_id": invoice(api, tenant, buyer)["id"]}]},
    ]
    for case in cases:
        body = {"customer_id": buyer, "amount": "10", "received_on": "2026-02-01", **case}
        response = api.client.post("/v1/payments", json=body, headers=tenant.headers())
        assert response.status_code == 422, (case, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert get(api, tenant, "/v1/payments")["data"] == []


def test_current_balances_equal_the_dated_history(api: Api) -> None:
    """An instalment's open amount is its amount less its allocations, whatever moved it."""
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    schedule = [{"due_date": "2026-02-01"}, {"due_date": "2026-03-01"}]
    split = invoice(api, tenant, buyer, price="300", due_date=None, instalments=schedule)
    other, doomed = invoice(api, tenant, buyer, price="120"), invoice(api, tenant, buyer)
    first = pay(api, tenant, buyer, "200", auto_allocate=True)
    pay(api, tenant, buyer, "50", allocations=[{"invoice_id": other["id"]}])
    post(
        api,
        tenant,
        f"/v1/payments/{first['id']}/reverse",
        {"reversed_on": "2026-02-20", "reason": "Bounced"},
    )
    post(
        api,
        tenant,
        "/v1/credit-notes",
        {
            "customer_id": buyer,
            "invoice_id": split["id"],
            "amount": "40",
            "issue_date": "2026-03-02",
        },
        status=201,
    )
    post(
        api,
        tenant,
        f"/v1/invoices/{doomed['id']}/write-off",
        {"written_off_on": "2026-05-01", "reason": "Uncollectable"},
    )

    async def compare() -> list[tuple[Decimal, Decimal]]:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            booked = (
                select(Allocation.instalment_id, func.sum(Allocation.amount).label("moved"))
                .group_by(Allocation.instalment_id)
                .subquery()
            )
            stmt = select(
                InvoiceInstalment.open_amount,
                type_coerce(
                    InvoiceInstalment.amount - func.coalesce(booked.c.moved, 0), MoneyAmount()
                ),
            ).outerjoin(booked, booked.c.instalment_id == InvoiceInstalment.id)
            return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]

    pairs = api.run(compare)
    assert len(pairs) == 4
    assert all(current == derived for current, derived in pairs), pairs
    invoices = {i["id"]: i for i in get(api, tenant, "/v1/invoices")["data"]}
    assert invoices[split["id"]]["open_amount"] == "260.00"  # 300 - 40 after the reversal
    assert invoices[other["id"]]["open_amount"] == "70.00"
    assert invoices[doomed["id"]]["status"] == "written_off"


def test_a_write_off_is_not_announced_as_paid(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer)
    post(
        api,
        tenant,
        f"/v1/invoices/{bill['id']}/write-off",
        {"written_off_on": "2026-04-01", "reason": "Insolvency"},
    )
    types = [e["type"] for e in get(api, tenant, "/v1/events?limit=200")["data"]]
    assert "invoice.written_off" in types
    assert "invoice.paid" not in types
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["paid_on"] is None


def test_bookings_cannot_leave_a_past_day_over_settled(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer)
    payment = pay(api, tenant, buyer, "100", received_on="2026-01-15")
    post(
        api,
        tenant,
        f"/v1/payments/{payment['id']}/apply",
        {"allocations": [{"invoice_id": bill["id"]}], "booked_on": "2026-03-10"},
    )
    early = api.client.post(
        f"/v1/payments/{payment['id']}/reverse",
        json={"reversed_on": "2026-02-01", "reason": "Bounced"},
        headers=tenant.headers(),
    )
    assert early.status_code == 422, early.text
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["status"] == "paid"


def test_reversal_cannot_reopen_written_off_debt(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer)
    payment = pay(api, tenant, buyer, "30", allocations=[{"invoice_id": bill["id"]}])
    post(
        api,
        tenant,
        f"/v1/invoices/{bill['id']}/write-off",
        {"written_off_on": "2026-04-01", "reason": "Insolvency"},
    )
    refused = api.client.post(
        f"/v1/payments/{payment['id']}/reverse",
        json={"reversed_on": "2026-04-02", "reason": "Bounced"},
        headers=tenant.headers(),
    )
    assert refused.status_code == 409, refused.text
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["open_amount"] == "0.00"


def test_bookings_in_the_future_are_refused(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer)
    body = {"customer_id": buyer, "amount": "10", "received_on": "2099-01-01"}
    response = api.client.post("/v1/payments", json=body, headers=tenant.headers())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "received_on"
    later = api.client.post(
        f"/v1/invoices/{bill['id']}/write-off",
        json={"written_off_on": "2099-01-01", "reason": "Not yet"},
        headers=tenant.headers(),
    )
    assert later.status_code == 422
    assert get(api, tenant, "/v1/payments")["data"] == []


def test_a_write_off_cannot_be_dated_into_a_settled_past(api: Api) -> None:
    """Paid on 15 Jan, reversed 1 Feb: a write-off dated 20 Jan would settle January twice."""
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer)
    payment = pay(
        api,
        tenant,
        buyer,
        "100",
        received_on="2026-01-15",
        allocations=[{"invoice_id": bill["id"]}],
    )
    post(
        api,
        tenant,
        f"/v1/payments/{payment['id']}/reverse",
        {"reversed_on": "2026-02-01", "reason": "Bounced"},
    )
    early = api.client.post(
        f"/v1/invoices/{bill['id']}/write-off",
        json={"written_off_on": "2026-01-20", "reason": "Insolvency"},
        headers=tenant.headers(),
    )
    assert early.status_code == 422, early.text
    assert get(api, tenant, f"/v1/invoices/{bill['id']}")["status"] == "issued"
    post(
        api,
        tenant,
        f"/v1/invoices/{bill['id']}/write-off",
        {"written_off_on": "2026-02-01", "reason": "Insolvency"},
    )
