"""What write-offs, cancellations, reversals and unapplied credit do to reports and statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from tests.reports.history import Ledger, build_history
from tests.support import Api


def _statement(led: Ledger, customer: str, start: str, end: str) -> dict[str, Any]:
    return led.get(f"/v1/customers/{customer}/statement", **{"from": start, "to": end})


def _aged(doc: dict[str, Any]) -> Decimal:
    return sum((Decimal(a["amount"]) for a in doc["aging"]), Decimal(0))


def test_a_write_off_does_not_undo_the_sale(api: Api) -> None:
    led = Ledger(api, api.new_tenant())
    buyer = led.customer("Sales GmbH", "EUR")
    sold = led.invoice(buyer, "2026-01-10", "1000.00", due_date="2026-02-09")
    voided = led.invoice(buyer, "2026-01-20", "500.00", due_date="2026-02-19")
    led.invoice(buyer, "2026-01-15", "300.00", due_date="2026-02-14", draft=True)

    def sales(as_of: str) -> str:
        query = {"as_of": as_of, "method": "standard", "period_days": 90}
        return str(led.get("/v1/reports/dso", **query)["sales"])

    assert sales("2026-01-31") == "1500.00"  # the draft never counts
    led.post(f"/v1/invoices/{voided}/cancel", {"cancelled_on": "2026-02-01"}, 200)
    body = {"written_off_on": "2026-02-15", "reason": "Insolvent"}
    led.post(f"/v1/invoices/{sold}/write-off", body, 200)
    # Days before the events keep their figures; after the cancellation the
    # cancelled invoice leaves January's sales, the written-off one stays.
    assert sales("2026-01-31") == "1500.00"
    assert sales("2026-03-31") == "1000.00"


def test_statement_closing_balance_is_aged_items_less_unapplied_credit(api: Api) -> None:
    led = Ledger(api, api.new_tenant())
    buyer = led.customer("Credit GmbH", "EUR")
    first = led.invoice(buyer, "2026-01-10", "1000.00", due_date="2026-02-09")
    paid = led.pay(
        buyer, "1500.00", "2026-02-01", allocations=[{"invoice_id": first, "amount": "1000.00"}]
    )
    note = {"customer_id": buyer, "amount": "200.00", "issue_date": "2026-02-10"}
    led.post("/v1/credit-notes", note)
    second = led.invoice(buyer, "2026-02-20", "300.00", due_date="2026-03-22")
    bounced = led.pay(buyer, "400.00", "2026-03-01")
    led.post(f"/v1/payments/{bounced}/reverse", {"reversed_on": "2026-03-10", "reason": "NSF"}, 200)
    apply = {"booked_on": "2026-03-20", "allocations": [{"invoice_id": second}]}
    led.post(f"/v1/payments/{paid}/apply", apply, 200)
    expected = {
        # to: (closing balance, aged open items, unapplied credit)
        "2026-01-31": ("1000.00", "1000.00", "0.00"),
        "2026-02-15": ("-700.00", "0.00", "700.00"),
        "2026-03-05": ("-800.00", "300.00", "1100.00"),
        "2026-03-15": ("-400.00", "300.00", "700.00"),
        "2026-03-31": ("-400.00", "0.00", "400.00"),
    }
    for end, (closing, aged, unapplied) in expected.items():
        doc = _statement(led, buyer, "2026-01-01", end)
        assert (doc["closing_balance"], doc["unapplied_credit"]) == (closing, unapplied), end
        assert _aged(doc) == Decimal(aged), end
    csv = api.client.get(
        f"/v1/customers/{buyer}/statement?from=2026-03-01&to=2026-03-31&format=csv",
        headers=led.tenant.headers(),
    ).text
    assert "2026-03-31,unapplied_credit,,,,400.00,,EUR" in csv.splitlines()


def test_statement_identity_holds_over_the_whole_history(api: Api) -> None:
    tenant = api.new_tenant()
    ids = build_history(api, tenant)
    led = Ledger(api, tenant)
    for name in ("A", "B", "C", "U", "J", "K"):
        for end in ("2025-10-31", "2026-01-20", "2026-02-16", "2026-03-05", "2026-06-30"):
            doc = _statement(led, ids[name], "2025-09-01", end)
            closing = Decimal(doc["closing_balance"])
            assert closing == _aged(doc) - Decimal(doc["unapplied_credit"]), (name, end)
    credit = _statement(led, ids["C"], "2026-01-01", "2026-03-31")
    assert (credit["closing_balance"], credit["unapplied_credit"]) == ("-50.01", "50.01")


def _fixed_rate(led: Ledger, rate: str = "10") -> None:
    led.post("/v1/interest-policies", {"rule": "fixed", "rate": rate})


def test_statement_keeps_interest_accrued_before_a_write_off_or_cancellation(api: Api) -> None:
    led = Ledger(api, api.new_tenant())
    _fixed_rate(led)
    buyer = led.customer("Late GmbH", "EUR")
    lost = led.invoice(buyer, "2026-01-10", "1000.00", due_date="2026-02-09")
    voided = led.invoice(buyer, "2026-01-10", "730.00", due_date="2026-02-09")
    led.post(
        f"/v1/invoices/{lost}/write-off", {"written_off_on": "2026-03-11", "reason": "Gone"}, 200
    )
    led.post(f"/v1/invoices/{voided}/cancel", {"cancelled_on": "2026-02-20"}, 200)
    doc = _statement(led, buyer, "2026-04-01", "2026-04-30")
    by_invoice = {line["invoice_id"]: line["amount"] for line in doc["interest"]}
    # 10 Feb .. 11 Mar (the write-off day) = 30 days: 1000 x 0.10 x 30 / 365 = 8.219.. -> 8.22
    # 10 Feb .. 19 Feb (not owed from the cancellation day) = 10 days: 730 x 0.1 x 10 / 365 = 2.00
    assert by_invoice == {lost: "8.22", voided: "2.00"}
    assert doc["interest_total"] == "10.22"
    for invoice_id, amount in by_invoice.items():
        own = led.get(f"/v1/invoices/{invoice_id}/interest", as_of="2026-04-30")
        assert own["interest"] == amount


LEDGER_TABLES = ("invoice", "allocations", "interest_policies", "reference_rates")


@contextmanager
def _counting(api: Api) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        # Only the ledger and interest reads: the app's background relay polls meanwhile.
        if any(table in sql for table in LEDGER_TABLES):
            statements.append(sql)

    engine = api.app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_statement_interest_takes_the_same_queries_for_any_number_of_invoices(api: Api) -> None:
    led = Ledger(api, api.new_tenant())
    _fixed_rate(led)
    few, many = led.customer("Few GmbH", "EUR"), led.customer("Many GmbH", "EUR")
    for customer, count in ((few, 2), (many, 7)):
        for day in range(1, count + 1):
            led.invoice(customer, f"2026-01-{day:02d}", "100.00", due_date=f"2026-02-{day:02d}")
    _statement(led, few, "2026-03-01", "2026-03-31")  # warms the app's caches (auth)
    counts = []
    for customer, lines in ((few, 2), (many, 7)):
        with _counting(api) as statements:
            doc = _statement(led, customer, "2026-03-01", "2026-03-31")
        assert len(doc["interest"]) == lines
        counts.append(len(statements))
    assert counts[0] == counts[1]
