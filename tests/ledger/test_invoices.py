"""Invoices: drafts and gap-free numbering, terms, schedules, cancel, write-off, extension."""

from __future__ import annotations

from tests.ledger.helpers import customer, get, invoice, pay, post
from tests.support import Api


def test_drafts_are_numbered_gap_free_when_issued(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    drafts = [invoice(api, tenant, buyer, draft=True, series="AR") for _ in range(3)]
    assert all(d["status"] == "draft" and d["number"] is None for d in drafts)
    issued = invoice(api, tenant, buyer, series="AR")
    assert issued["number"] == "AR-000001"
    numbers = [post(api, tenant, f"/v1/invoices/{d['id']}/issue", {})["number"] for d in drafts]
    assert numbers == ["AR-000002", "AR-000003", "AR-000004"]
    again = post(api, tenant, f"/v1/invoices/{drafts[0]['id']}/issue", {})
    assert again["number"] == "AR-000002"  # issuing twice changes nothing
    assert invoice(api, tenant, buyer)["number"] == "INV-000001"


def test_terms_count_from_delivery_and_skip_holidays(api: Api) -> None:
    tenant = api.new_tenant()  # a German tenant
    buyer = customer(
        api, tenant, payment_terms={"kind": "net", "days": 30, "basis": "delivery_date"}
    )
    missing = api.client.post(
        "/v1/invoices",
        json={
            "customer_id": buyer,
            "issue_date": "2026-11-20",
            "lines": [{"description": "Goods", "quantity": "1", "unit_price": "5"}],
        },
        headers=tenant.headers(),
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "delivery_date"
    counted = invoice(api, tenant, buyer, due_date=None, delivery_date="2026-11-25")
    assert counted["due_date"] == "2026-12-25"  # 30 days after delivery; no adjustment asked
    adjusted = invoice(
        api,
        tenant,
        buyer,
        due_date=None,
        delivery_date="2026-11-25",
        terms={"kind": "net", "days": 30, "basis": "delivery_date", "business_days": True},
    )
    # 25 and 26 December are German public holidays, the 27th a Sunday.
    assert adjusted["due_date"] == "2026-12-28"
    eom = invoice(api, tenant, buyer, due_date=None, terms={"kind": "end_of_month", "days": 10})
    assert eom["due_date"] == "2026-02-10"  # issued 10 January: 31 January + 10


def test_instalments_split_evenly_or_must_sum_exactly(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    schedule = [{"due_date": d} for d in ("2026-02-01", "2026-03-01", "2026-04-01")]
    split = invoice(api, tenant, buyer, price="100", due_date=None, instalments=schedule)
    assert [row["amount"] for row in split["instalments"]] == ["33.34", "33.33", "33.33"]
    assert split["due_date"] == "2026-04-01"
    wrong = api.client.post(
        "/v1/invoices",
        json={
            "customer_id": buyer,
            "issue_date": "2026-01-10",
            "lines": [{"description": "Goods", "quantity": "1", "unit_price": "100"}],
            "instalments": [
                {"due_date": "2026-02-01", "amount": "50"},
                {"due_date": "2026-03-01", "amount": "49.99"},
            ],
        },
        headers=tenant.headers(),
    )
    assert wrong.status_code == 422
    listed = get(api, tenant, f"/v1/invoices?customer_id={buyer}")["data"]
    assert [i["id"] for i in listed] == [split["id"]]


def test_cancel_only_before_anything_is_booked(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    untouched, paid = invoice(api, tenant, buyer), invoice(api, tenant, buyer)
    cancelled = post(
        api, tenant, f"/v1/invoices/{untouched['id']}/cancel", {"cancelled_on": "2026-01-12"}
    )
    assert cancelled["status"] == "cancelled"
    pay(api, tenant, buyer, "10", allocations=[{"invoice_id": paid["id"]}])
    refused = api.client.post(
        f"/v1/invoices/{paid['id']}/cancel",
        json={"cancelled_on": "2026-02-02"},
        headers=tenant.headers(),
    )
    assert refused.status_code == 409
    assert get(api, tenant, f"/v1/invoices/{paid['id']}")["status"] == "partially_paid"


def test_write_off_books_the_open_amount(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bad_debt = invoice(api, tenant, buyer, price="80")
    pay(api, tenant, buyer, "30", allocations=[{"invoice_id": bad_debt["id"]}])
    written = post(
        api,
        tenant,
        f"/v1/invoices/{bad_debt['id']}/write-off",
        {"written_off_on": "2026-06-30", "reason": "Insolvency"},
    )
    assert written["status"] == "written_off"
    assert written["open_amount"] == "0.00"
    assert written["written_off_on"] == "2026-06-30"
    stale = api.client.post(
        f"/v1/invoices/{bad_debt['id']}/write-off",
        json={"written_off_on": "2026-06-30", "reason": "Again"},
        headers={**tenant.headers(), "If-Match": '"1"'},
    )
    assert stale.status_code == 412


def test_extension_keeps_the_original_due_date(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    first = invoice(api, tenant, buyer)
    extended = post(api, tenant, f"/v1/invoices/{first['id']}/extend", {"due_date": "2026-03-15"})
    assert extended["due_date"] == "2026-03-15"
    assert extended["original_due_date"] == "2026-02-09"
    assert extended["instalments"][0]["original_due_date"] == "2026-02-09"
    assert extended["version"] > first["version"]


def test_a_number_given_by_hand_is_skipped_by_its_series(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    assert invoice(api, tenant, buyer, number="INV-000001")["number"] == "INV-000001"
    assert invoice(api, tenant, buyer)["number"] == "INV-000002"
    note = post(
        api,
        tenant,
        "/v1/credit-notes",
        {"customer_id": buyer, "amount": "1", "issue_date": "2026-02-01"},
        status=201,
    )
    assert invoice(api, tenant, buyer, series="CN")["number"] == "CN-000001"
    assert note["number"] == "CN-000001"  # credit notes count apart from invoice series


def test_zero_totals_and_impossible_splits_are_refused(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    base = {"customer_id": buyer, "issue_date": "2026-01-10", "due_date": "2026-02-01"}
    free = {**base, "lines": [{"description": "Sample", "quantity": "1", "unit_price": "0"}]}
    tiny = {
        **base,
        "due_date": None,
        "lines": [{"description": "Pin", "quantity": "1", "unit_price": "0.02"}],
        "instalments": [{"due_date": d} for d in ("2026-02-01", "2026-03-01", "2026-04-01")],
    }
    for body in (free, tiny):
        response = api.client.post("/v1/invoices", json=body, headers=tenant.headers())
        assert response.status_code == 422, response.text
    assert get(api, tenant, "/v1/invoices")["data"] == []


def test_a_cancelled_draft_never_was_a_receivable(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    draft = invoice(api, tenant, buyer, draft=True)
    cancelled = post(
        api, tenant, f"/v1/invoices/{draft['id']}/cancel", {"cancelled_on": "2026-05-01"}
    )
    assert cancelled["cancelled_on"] == draft["issue_date"]


def test_extensions_only_move_due_dates_later(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer)
    earlier = api.client.post(
        f"/v1/invoices/{bill['id']}/extend",
        json={"due_date": "2026-02-01"},
        headers=tenant.headers(),
    )
    assert earlier.status_code == 422
