"""The customer statement: balances from the dated history, as JSON and CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from tests.reports.history import (
    Ledger,
    build_history,
    expected_aging,
    expected_balance,
    load_raw,
)
from tests.support import Api

PERIODS = [
    ("2025-09-01", "2025-10-31"),
    ("2025-11-01", "2026-02-28"),
    ("2026-03-01", "2026-03-31"),
    ("2026-01-01", "2026-06-30"),
]


def test_statement_balances_match_the_raw_rows(api: Api) -> None:
    tenant = api.new_tenant()
    ids = build_history(api, tenant)
    led, raw = Ledger(api, tenant), load_raw(api, tenant)
    for name in ("A", "B", "C", "J", "K"):
        customer = uuid.UUID(ids[name])
        for start, end in PERIODS:
            doc = led.get(f"/v1/customers/{customer}/statement", **{"from": start, "to": end})
            first, last = date.fromisoformat(start), date.fromisoformat(end)
            cur = doc["currency"]
            assert Decimal(doc["opening_balance"]) == expected_balance(
                raw, customer, date.fromordinal(first.toordinal() - 1), cur
            )
            assert Decimal(doc["closing_balance"]) == expected_balance(raw, customer, last, cur)
            running = Decimal(doc["opening_balance"])
            for entry in doc["entries"]:
                assert start <= entry["date"] <= end
                running += Decimal(entry["debit"]) - Decimal(entry["credit"])
                assert Decimal(entry["balance"]) == running
            assert running == Decimal(doc["closing_balance"])
            assert [e["date"] for e in doc["entries"]] == sorted(e["date"] for e in doc["entries"])
            aged = expected_aging(raw, last, cur, [30, 60, 90]).get(customer)
            assert [Decimal(a["amount"]) for a in doc["aging"]] == (aged or [Decimal(0)] * 5)


def test_statement_shows_every_kind_of_movement(api: Api) -> None:
    tenant = api.new_tenant()
    ids = build_history(api, tenant)
    led = Ledger(api, tenant)
    doc = led.get(
        f"/v1/customers/{ids['B']}/statement", **{"from": "2025-09-01", "to": "2026-03-31"}
    )
    kinds = [(e["date"], e["kind"], e["debit"], e["credit"]) for e in doc["entries"]]
    assert kinds == [
        ("2025-09-01", "invoice", "2000.00", "0.00"),
        ("2025-10-15", "payment", "0.00", "500.00"),
        ("2026-01-05", "invoice", "1200.00", "0.00"),
        ("2026-02-20", "payment", "0.00", "700.00"),
        ("2026-03-05", "payment_reversal", "700.00", "0.00"),
        ("2026-03-10", "invoice", "800.00", "0.00"),
        ("2026-03-20", "credit_note", "0.00", "100.00"),
        ("2026-03-31", "write_off", "0.00", "1500.00"),
    ]
    assert doc["opening_balance"] == "0.00" and doc["closing_balance"] == "1900.00"
    reversed_ = [e for e in doc["entries"] if e["document_id"] == ids["P_REV"]]
    assert [e["reference"] for e in reversed_] == ["TRX-1", "TRX-1"]
    alpha = led.get(
        f"/v1/customers/{ids['A']}/statement", **{"from": "2026-01-01", "to": "2026-01-31"}
    )
    assert [(e["kind"], e["reference"] is not None) for e in alpha["entries"]] == [
        ("payment", False),
        ("invoice", True),
        ("cancellation", True),
    ]  # the draft A4 is not on it


def test_statement_as_csv(api: Api) -> None:
    tenant = api.new_tenant()
    ids = build_history(api, tenant)
    url = f"/v1/customers/{ids['K']}/statement?from=2025-12-01&to=2026-02-28"
    as_json = api.client.get(url, headers=tenant.headers()).json()
    by_param = api.client.get(url + "&format=csv", headers=tenant.headers())
    by_accept = api.client.get(url, headers={**tenant.headers(), "Accept": "text/csv"})
    for response in (by_param, by_accept):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
    assert by_param.text == by_accept.text
    rows = list(csv.DictReader(io.StringIO(by_param.text)))
    assert [r["kind"] for r in rows] == ["opening_balance", "invoice", "payment", "closing_balance"]
    assert rows[1]["debit"] == "150.125" and rows[2]["credit"] == "50.005"
    assert rows[-1]["balance"] == as_json["closing_balance"] == "100.120"
    assert {r["currency"] for r in rows} == {"BHD"}


def test_statement_defaults_and_errors(api: Api) -> None:
    tenant = api.new_tenant()
    ids = build_history(api, tenant)
    url = f"/v1/customers/{ids['A']}/statement"
    doc = api.client.get(url, headers=tenant.headers()).json()
    today = datetime.now(UTC).date()
    assert doc["to"] == today.isoformat() and doc["from"] == today.replace(day=1).isoformat()
    assert doc["currency"] == "EUR"
    inverted = api.client.get(url + "?from=2026-03-01&to=2026-02-01", headers=tenant.headers())
    assert inverted.status_code == 422
    assert inverted.json()["errors"][0]["field"] == "from"
    far = api.client.get(url + "?to=2100-01-01", headers=tenant.headers())
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "to"
    unknown = api.client.get(f"/v1/customers/{uuid.uuid4()}/statement", headers=tenant.headers())
    assert unknown.status_code == 404
    other = api.new_tenant("Other")
    assert api.client.get(url, headers=other.headers()).status_code == 404


def test_statement_shows_accrued_interest_apart_from_the_balance(api: Api) -> None:
    tenant = api.new_tenant()
    ids = build_history(api, tenant)
    led = Ledger(api, tenant)
    url = f"/v1/customers/{ids['A']}/statement"
    period = {"from": "2026-01-01", "to": "2026-03-31"}
    assert led.get(url, **period)["interest"] == []  # no policy: no interest
    led.post("/v1/interest-policies", {"rule": "eu_directive", "customer_id": ids["A"]})
    for day in ("2024-01-01", "2025-07-01", "2026-01-01"):
        body = {"key": "ECB_MRO", "valid_from": day, "rate": "4.5"}
        response = api.client.post("/v1/reference-rates", json=body, headers=tenant.headers())
        assert response.status_code in {201, 409}, response.text
    doc = led.get(url, **period)
    # A1 was paid 5 days late, A2's first two instalments were late: both bear interest.
    by_invoice = {line["invoice_id"]: line for line in doc["interest"]}
    assert set(by_invoice) == {ids["A1"], ids["A2"]}
    for invoice_id, line in by_invoice.items():
        own = led.get(f"/v1/invoices/{invoice_id}/interest", as_of="2026-03-31")
        assert line["amount"] == own["interest"] and Decimal(line["amount"]) > 0
        assert (line["compensation"], line["compensation_currency"]) == ("40.00", "EUR")
    total = sum(Decimal(line["amount"]) for line in doc["interest"])
    assert Decimal(doc["interest_total"]) == total
    assert doc["closing_balance"] == led.get(url, **period)["closing_balance"]
