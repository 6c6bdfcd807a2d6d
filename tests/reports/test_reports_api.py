"""Aging, DSO, overdue ratio and top debtors on past days equal a recomputation from raw rows."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arplatform.auth.tokens import Role
from tests.reports.history import (
    AS_OF_DAYS,
    Ledger,
    Raw,
    build_history,
    expected_aging,
    expected_countback,
    expected_standard,
    load_raw,
    open_items,
)
from tests.support import Api

ONE_PLACE = Decimal("0.1")


def _check_aging(led: Ledger, raw: Raw, as_of: date, currency: str, limits: list[int]) -> None:
    params = {"as_of": as_of.isoformat(), "currency": currency}
    if limits != [30, 60, 90]:
        params["buckets"] = ",".join(map(str, limits))
    report = led.get("/v1/reports/aging", **params)
    expected = expected_aging(raw, as_of, currency, limits)
    got = {
        uuid.UUID(row["customer_id"]): [Decimal(v) for v in row["amounts"]]
        for row in report["customers"]
    }
    assert got == expected, (as_of, currency)
    total = [sum(col, Decimal(0)) for col in zip(*expected.values(), strict=True)]
    assert [Decimal(v) for v in report["total"]["amounts"]] == (total or [0] * (len(limits) + 2))
    assert Decimal(report["total"]["total"]) == sum(total, Decimal(0))
    assert len(report["buckets"]) == len(limits) + 2


def test_aging_on_past_days_matches_raw_rows(api: Api) -> None:
    tenant = api.new_tenant()
    build_history(api, tenant)
    led, raw = Ledger(api, tenant), load_raw(api, tenant)
    for as_of in AS_OF_DAYS:
        for currency in ("EUR", "JPY", "BHD"):
            _check_aging(led, raw, as_of, currency, [30, 60, 90])
        _check_aging(led, raw, as_of, "EUR", [15, 45, 120, 365])


def test_aging_names_the_figures_a_credit_manager_expects(api: Api) -> None:
    tenant = api.new_tenant()
    ids = build_history(api, tenant)
    led = Ledger(api, tenant)
    report = led.get("/v1/reports/aging", as_of="2026-02-28")
    assert [b["label"] for b in report["buckets"]] == ["current", "1-30", "31-60", "61-90", "90+"]
    rows = {row["legal_name"]: row for row in report["customers"]}
    # A2's three instalments of 300: 500 paid on 10 Jan settles the first and 200 of the
    # second; on 28 Feb the rest of the second is 44 days late, the third 13 days.
    assert rows["Alpha GmbH"]["amounts"] == ["0.00", "300.00", "100.00", "0.00", "0.00"]
    # B2 was extended to 6 Mar: not yet due, though its first due date has passed. The
    # payment of 20 Feb counts until it is reversed on 5 Mar.
    assert rows["Beta AG"]["amounts"] == ["500.00", "0.00", "0.00", "0.00", "1500.00"]
    after_reversal = led.get("/v1/reports/aging", as_of="2026-03-05")
    beta = next(r for r in after_reversal["customers"] if r["legal_name"] == "Beta AG")
    assert beta["amounts"][0] == "1200.00"
    # Never two currencies in one sum: USD is reported apart.
    assert report["other_currencies"] == [
        {"currency": "BHD", "total": "100.120"},
        {"currency": "JPY", "total": "73456"},
        {"currency": "USD", "total": "5000.00"},
    ]
    assert ids["U"] not in {row["customer_id"] for row in report["customers"]}
    # The write-off on 31 Mar closes B1.
    end = led.get("/v1/reports/aging", as_of="2026-03-31")
    beta = next(r for r in end["customers"] if r["legal_name"] == "Beta AG")
    assert beta["total"] == "1900.00"  # B2 1200 (reversed payment) + B3 800 - credit note 100


def test_dso_overdue_and_top_debtors_on_past_days(api: Api) -> None:
    tenant = api.new_tenant()
    build_history(api, tenant)
    led, raw = Ledger(api, tenant), load_raw(api, tenant)
    for as_of in AS_OF_DAYS:
        day = as_of.isoformat()
        countback = led.get("/v1/reports/dso", as_of=day)
        assert Decimal(countback["dso"]) == expected_countback(raw, as_of, "EUR").quantize(
            ONE_PLACE
        )
        for period in (30, 90, 365):
            standard = led.get("/v1/reports/dso", as_of=day, method="standard", period_days=period)
            want = expected_standard(raw, as_of, "EUR", period)
            got = standard["dso"]
            assert (None if got is None else Decimal(got)) == (
                None if want is None else want.quantize(ONE_PLACE)
            ), (as_of, period)
        items = open_items(raw, as_of, "EUR")
        total = sum((a for _, _, a in items), Decimal(0))
        late = sum((a for _, due, a in items if due < as_of), Decimal(0))
        overdue = led.get("/v1/reports/overdue", as_of=day)
        assert (Decimal(overdue["receivables"]), Decimal(overdue["overdue"])) == (total, late)
        if total:
            assert Decimal(overdue["overdue_ratio"]) == (late / total).quantize(Decimal("0.0001"))
        else:
            assert overdue["overdue_ratio"] is None
        _check_top_debtors(led, items, day)


def _check_top_debtors(led: Ledger, items: list[tuple[uuid.UUID, date, Decimal]], day: str) -> None:
    per: dict[uuid.UUID, Decimal] = {}
    for customer, _, amount in items:
        per[customer] = per.get(customer, Decimal(0)) + amount
    ranked = sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    top = led.get("/v1/reports/top-debtors", as_of=day, limit=2)
    assert [(uuid.UUID(d["customer_id"]), Decimal(d["open"])) for d in top["data"]] == ranked


def test_bucket_totals_sum_to_the_open_amount(api: Api) -> None:
    """Property: for any day, currency (exponent 0, 2, 3) and bucket limits, the buckets
    partition the open amount, per customer and in total, and match the raw rows."""
    tenant = api.new_tenant()
    build_history(api, tenant)
    led, raw = Ledger(api, tenant), load_raw(api, tenant)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        as_of=st.dates(date(2025, 8, 1), date(2026, 12, 31)),
        currency=st.sampled_from(["EUR", "JPY", "BHD"]),
        limits=st.lists(st.integers(1, 400), min_size=1, max_size=6, unique=True).map(sorted),
    )
    def check(as_of: date, currency: str, limits: list[int]) -> None:
        report = led.get(
            "/v1/reports/aging",
            as_of=as_of.isoformat(),
            currency=currency,
            buckets=",".join(map(str, limits)),
        )
        for row in [*report["customers"], report["total"]]:
            assert sum(Decimal(v) for v in row["amounts"]) == Decimal(row["total"])
        assert sum(Decimal(r["total"]) for r in report["customers"]) == Decimal(
            report["total"]["total"]
        )
        want = sum((a for _, _, a in open_items(raw, as_of, currency)), Decimal(0))
        assert Decimal(report["total"]["total"]) == want
        _check_aging(led, raw, as_of, currency, limits)

    check()


def test_report_parameters_are_checked(api: Api) -> None:
    tenant = api.new_tenant()
    for query in (
        "buckets=60,30",
        "buckets=30,30",
        "as_of=1999-12-31",
        "as_of=2100-01-01",
    ):
        response = api.client.get(f"/v1/reports/aging?{query}", headers=tenant.headers())
        assert response.status_code == 422, query
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == query.split("=")[0]
    bad = api.client.get("/v1/reports/aging?buckets=abc", headers=tenant.headers())
    assert bad.status_code == 400
    viewer = api.client.get("/v1/reports/dso", headers=tenant.headers(Role.VIEWER))
    assert viewer.status_code == 200
    assert viewer.json()["dso"] == "0.0" and viewer.json()["receivables"] == "0.00"


def test_reports_see_only_the_callers_tenant(api: Api) -> None:
    owner, other = api.new_tenant("Owner"), api.new_tenant("Other")
    build_history(api, owner)
    report = Ledger(api, other).get("/v1/reports/aging", as_of="2026-02-28")
    assert report["customers"] == [] and report["total"]["total"] == "0.00"
    assert report["other_currencies"] == []
    top = Ledger(api, other).get("/v1/reports/top-debtors", as_of="2026-02-28")
    assert top["data"] == []
