"""Acceptance 6: aging and DSO on past days of an imported synthetic history equal a
computation from the raw rows."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from arplatform.settings import Settings
from arplatform.synthetic.generator import generate
from tests.reports.history import (
    Ledger,
    expected_aging,
    expected_countback,
    expected_standard,
    load_raw,
    open_items,
)
from tests.support import Api, start_api

END = date(2026, 6, 30)
DAYS = [date(2025, 9, 30), date(2025, 12, 31), date(2026, 3, 15), date(2026, 5, 31), END]


@pytest.fixture
def jobs_api(backend_settings: Settings) -> Iterator[Api]:
    """The app with its in-process worker: imports run as jobs."""
    yield from start_api(backend_settings, jobs=True)


def _import(api: Api, led: Ledger, currency: str) -> None:
    records = generate(seed=11, end=END, customers=25, invoices=400, years=1, currency=currency)
    body = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    headers = {**led.tenant.headers(), "Content-Type": "application/x-ndjson"}
    created = api.client.post("/v1/imports", content=body, headers=headers)
    assert created.status_code == 202, created.text
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = led.get(f"/v1/imports/{created.json()['id']}")
        if job["status"] in {"succeeded", "failed"}:
            assert job["status"] == "succeeded", job
            return
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


@pytest.mark.parametrize("currency", ["EUR", "JPY", "BHD"])
def test_reports_on_an_imported_history(jobs_api: Api, currency: str) -> None:
    api = jobs_api
    tenant = api.new_tenant()
    led = Ledger(api, tenant)
    _import(api, led, currency)
    raw = load_raw(api, tenant)
    assert len(raw.invoices) > 300 and raw.allocations
    for as_of in DAYS:
        day = as_of.isoformat()
        report = led.get("/v1/reports/aging", as_of=day, currency=currency)
        got = {
            uuid.UUID(row["customer_id"]): [Decimal(v) for v in row["amounts"]]
            for row in report["customers"]
        }
        assert got == expected_aging(raw, as_of, currency, [30, 60, 90]), day
        items = open_items(raw, as_of, currency)
        assert Decimal(report["total"]["total"]) == sum((a for _, _, a in items), Decimal(0))
        countback = led.get("/v1/reports/dso", as_of=day, currency=currency)
        want = expected_countback(raw, as_of, currency).quantize(Decimal("0.1"))
        assert Decimal(countback["dso"]) == want, day
        standard = led.get("/v1/reports/dso", as_of=day, currency=currency, method="standard")
        expected = expected_standard(raw, as_of, currency, 90)
        assert expected is not None
        assert Decimal(standard["dso"]) == expected.quantize(Decimal("0.1")), day
    # The history has open, late and settled items on the last day.
    last = led.get("/v1/reports/overdue", as_of=END.isoformat(), currency=currency)
    assert Decimal(last["overdue"]) > 0 and Decimal(last["not_due"]) > 0
