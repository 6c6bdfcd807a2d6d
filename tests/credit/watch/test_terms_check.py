"""The tier's maximum payment terms at issue: the rule, and block, warn or approval per tier."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec
import pytest

from arplatform.credit.policy_schema import TierRules, default_tiers
from arplatform.credit.terms_check import (
    describe_terms,
    over_max_terms,
    terms_span,
    terms_within,
)
from tests.credit.watch.helpers import alerts, approve, buyer, with_default_policy
from tests.ledger.helpers import get
from tests.support import Api, TenantHandle

WATCH = next(tier for tier in default_tiers() if tier.name == "watch")  # at most 14 days
NOV_2 = date(2026, 11, 2)


def _terms(**fields: Any) -> dict[str, Any]:
    return {"kind": "net", "days": 30, "basis": "invoice_date", "business_days": False, **fields}


def test_net_terms_count_from_the_invoice_date() -> None:
    span = terms_span(NOV_2, date(2026, 12, 2), _terms())
    assert (span.days, span.basis, span.counted_from, span.due) == (
        30,
        "invoice_date",
        NOV_2,
        date(2026, 12, 2),
    )


def test_end_of_month_terms_count_the_rest_of_the_month_too() -> None:
    span = terms_span(date(2026, 11, 10), date(2026, 12, 14), _terms(kind="end_of_month", days=14))
    assert span.days == 34  # 20 days to the end of November, then 14


def test_the_move_to_the_next_business_day_is_not_counted() -> None:
    saturday, monday = date(2026, 11, 21), date(2026, 11, 23)
    span = terms_span(date(2026, 11, 7), monday, _terms(days=14, business_days=True))
    assert (span.days, span.due) == (14, saturday)


def test_terms_from_delivery_count_from_the_delivery_date() -> None:
    delivered = date(2026, 10, 20)
    span = terms_span(NOV_2, date(2026, 11, 3), _terms(days=14, basis="delivery_date"), delivered)
    assert (span.days, span.basis, span.counted_from) == (14, "delivery_date", delivered)


def test_a_basis_day_after_the_issue_date_counts_from_the_issue_date() -> None:
    delivered = date(2027, 11, 2)  # a year after the issue date
    span = terms_span(NOV_2, date(2027, 11, 16), _terms(days=14, basis="delivery_date"), delivered)
    assert (span.days, span.basis, span.counted_from, span.due) == (
        379,
        "issue_date",
        NOV_2,
        date(2027, 11, 16),
    )
    accepted = terms_span(
        NOV_2,
        date(2026, 11, 30),
        _terms(days=14, basis="acceptance_date"),
        None,
        date(2026, 11, 16),
    )
    assert (accepted.days, accepted.counted_from) == (28, NOV_2)
    assert over_max_terms(span, WATCH) and over_max_terms(accepted, WATCH)


def test_an_explicit_due_date_or_schedule_counts_from_the_issue_date() -> None:
    span = terms_span(NOV_2, date(2027, 3, 2), None, delivery_date=date(2026, 12, 1))
    assert (span.days, span.basis, span.counted_from) == (120, "issue_date", NOV_2)


@pytest.mark.parametrize(("days", "over"), [(13, False), (14, False), (15, True)])
def test_terms_over_the_tier_maximum(days: int, over: bool) -> None:
    span = terms_span(NOV_2, NOV_2 + timedelta(days=days), None)
    assert over_max_terms(span, WATCH) is over
    assert over_max_terms(span, None) is False  # no tier: not checked


@pytest.mark.parametrize(
    ("given", "max_days", "fitted"),
    [
        ({"kind": "net", "days": 45}, 30, {"kind": "net", "days": 30}),
        ({"kind": "net", "days": 20}, 30, {"kind": "net", "days": 20}),
        ({"kind": "end_of_month", "days": 45}, 60, {"kind": "end_of_month", "days": 30}),
        ({"kind": "end_of_month", "days": 10}, 60, {"kind": "end_of_month", "days": 10}),
        ({"kind": "end_of_month", "days": 10}, 30, {"kind": "end_of_month", "days": 0}),
        ({"kind": "end_of_month", "days": 0}, 14, {"kind": "net", "days": 14}),
        ({"kind": "end_of_month", "days": 30}, 29, {"kind": "net", "days": 29}),
    ],
)
def test_terms_within_cuts_terms_only_as_far_as_the_maximum_needs(
    given: dict[str, Any], max_days: int, fitted: dict[str, Any]
) -> None:
    assert terms_within(_terms(**given), max_days) == _terms(**fitted)


@pytest.mark.parametrize("max_days", [0, 14, 29, 30, 31, 45, 60])
@pytest.mark.parametrize("kind", ["net", "end_of_month"])
def test_terms_within_pass_the_check_on_every_day_of_a_year(kind: str, max_days: int) -> None:
    fitted = terms_within(_terms(kind=kind, days=90, basis="delivery_date"), max_days)
    assert fitted["basis"] == "invoice_date" and fitted["business_days"] is False
    for offset in range(366):
        issued = date(2026, 1, 1) + timedelta(days=offset)
        for delivered in (issued - timedelta(days=10), issued, issued + timedelta(days=4)):
            span = terms_span(issued, issued, fitted, delivery_date=delivered)
            assert span.days <= max_days, (issued, delivered, fitted)


@pytest.mark.parametrize("basis", ["delivery_date", "acceptance_date"])
def test_cut_terms_on_a_later_basis_day_count_from_the_invoice_date(basis: str) -> None:
    fitted = terms_within(_terms(days=60, basis=basis), 30)
    assert fitted == _terms(days=30)
    issued = date(2026, 11, 2)
    later = issued + timedelta(days=4)
    due = issued + timedelta(days=30)  # what the invoice's due date is from these terms
    span = terms_span(issued, due, fitted, delivery_date=later, acceptance_date=later)
    assert (span.days, span.basis) == (30, "invoice_date")
    assert not over_max_terms(span, _tier(30))
    kept = terms_span(
        issued, later + timedelta(days=30), _terms(days=30, basis=basis), later, later
    )
    assert over_max_terms(kept, _tier(30))  # the basis kept would be 34 days: blocked


@pytest.mark.parametrize("basis", ["delivery_date", "acceptance_date"])
def test_terms_that_fit_keep_their_basis(basis: str) -> None:
    assert terms_within(_terms(days=20, basis=basis), 30) == _terms(days=20, basis=basis)
    eom = _terms(kind="end_of_month", days=10, basis=basis)
    assert terms_within(eom, 60) == eom


def _tier(max_days: int) -> TierRules:
    return msgspec.structs.replace(WATCH, max_terms_days=max_days)


def test_the_description_names_the_terms_the_maximum_and_the_tier() -> None:
    span = terms_span(NOV_2, date(2027, 3, 2), None)
    assert describe_terms("INV-000001", span, WATCH) == (
        "Invoice INV-000001 gives payment terms of 120 days (from the issue date "
        "2026-11-02 to 2027-03-02), longer than the 14 days tier watch allows"
    )


def _issue(api: Api, tenant: TenantHandle, cust: str, due: str | None, **extra: Any) -> Any:
    body = {
        "customer_id": cust,
        "issue_date": "2026-11-02",
        "lines": [{"description": "Goods", "quantity": "1", "unit_price": "100"}],
        **({} if due is None else {"due_date": due}),
        **extra,
    }
    return api.client.post("/v1/invoices", json=body, headers=tenant.headers())


def test_the_watch_tier_blocks_terms_longer_than_its_maximum(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, risk_tier="watch")  # no credit limit: the terms still count
    blocked = _issue(api, tenant, cust, "2027-03-02")
    assert blocked.status_code == 409, blocked.text
    problem = blocked.json()
    assert problem["type"] == "/problems/payment-terms-exceeded"
    assert "payment terms of 120 days" in problem["detail"]
    assert "longer than the 14 days tier watch allows" in problem["detail"]
    assert get(api, tenant, f"/v1/invoices?customer_id={cust}")["data"] == []
    assert _issue(api, tenant, cust, "2026-11-16").status_code == 201  # exactly 14 days


def test_the_customers_default_terms_are_checked_too(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, risk_tier="watch")
    assert _issue(api, tenant, cust, None).status_code == 409  # the default net 30
    weekend = _issue(
        api, tenant, cust, None, issue_date="2026-11-07", terms=_terms(days=14, business_days=True)
    )
    assert weekend.status_code == 201, weekend.text
    assert weekend.json()["due_date"] == "2026-11-23"  # Saturday moved to Monday: still 14


def test_a_far_off_delivery_date_does_not_get_round_the_maximum(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, risk_tier="watch")
    terms = _terms(days=14, basis="delivery_date")
    blocked = _issue(api, tenant, cust, None, terms=terms, delivery_date="2027-11-02")
    assert blocked.status_code == 409, blocked.text
    assert "payment terms of 379 days (from the issue date 2026-11-02" in blocked.json()["detail"]
    delivered = _issue(api, tenant, cust, None, terms=terms, delivery_date="2026-11-02")
    assert delivered.status_code == 201, delivered.text


def test_a_customer_without_a_tier_gets_any_terms(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant)
    response = _issue(api, tenant, cust, "2027-03-02")
    assert response.status_code == 201, response.text
    assert response.headers["Credit-Check"] == "not_checked"
    assert "Credit-Warning" not in response.headers


def test_warn_mode_issues_with_the_terms_in_a_warning(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, limit="1000.00", risk_tier="priority")
    response = _issue(api, tenant, cust, "2027-01-31")
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "issued"
    assert response.headers["Credit-Check"] == "warned"
    assert "payment terms of 90 days" in response.headers["Credit-Warning"]
    assert "60 days tier priority allows" in response.headers["Credit-Warning"]
    assert alerts(api, tenant, customer_id=cust) == []  # within the limit: no exposure alert
    [event] = get(api, tenant, "/v1/events?type=invoice.over_terms")["data"]
    assert event["resource_id"] == response.json()["id"]
    assert (event["data"]["terms_days"], event["data"]["max_terms_days"]) == (90, 60)
    assert event["data"]["tier"] == "priority"


def test_warn_mode_over_limit_and_terms_warns_of_both(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, limit="50.00", risk_tier="priority")
    response = _issue(api, tenant, cust, "2027-01-31")
    assert response.status_code == 201, response.text
    warning = response.headers["Credit-Warning"]
    assert "over the credit limit of 50.00 EUR" in warning
    assert "payment terms of 90 days" in warning


def _approval(api: Api, tenant: TenantHandle, approval_id: str) -> dict[str, Any]:
    return get(api, tenant, f"/v1/credit-approvals/{approval_id}")


def test_approve_mode_keeps_a_draft_until_the_terms_are_approved(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, limit="1000.00", risk_tier="standard")
    schedule = [{"due_date": "2026-11-30"}, {"due_date": "2026-12-17"}]
    pending = _issue(api, tenant, cust, None, instalments=schedule)
    assert pending.status_code == 202, pending.text
    draft = pending.json()
    assert draft["status"] == "draft"
    assert pending.headers["Credit-Check"] == "pending_approval"
    approval_id = pending.headers["Credit-Approval"]
    request = _approval(api, tenant, approval_id)
    assert request["kind"] == "invoice_over_terms"
    assert request["invoice_id"] == draft["id"]
    assert request["proposed"] == {"terms_days": 45, "max_terms_days": 30}
    assert "payment terms of 45 days" in request["reason"]
    issue_path = f"/v1/invoices/{draft['id']}/issue"
    again = api.client.post(issue_path, headers=tenant.headers())
    assert again.status_code == 202 and again.headers["Credit-Approval"] == approval_id

    approve(api, tenant, approval_id)
    issued = api.client.post(issue_path, headers=tenant.headers())
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued"
    assert issued.headers["Credit-Check"] == "approved"
    customer = get(api, tenant, f"/v1/customers/{cust}")
    assert customer["payment_terms"] is None  # approving an invoice changes no customer


def test_over_limit_and_terms_need_both_approvals(api: Api) -> None:
    tenant = api.new_tenant()
    with_default_policy(api, tenant)
    cust = buyer(api, tenant, limit="50.00", risk_tier="standard")
    pending = _issue(api, tenant, cust, "2026-12-31")
    assert pending.status_code == 202, pending.text
    ids = pending.headers["Credit-Approval"].split(", ")
    kinds = {_approval(api, tenant, i)["kind"]: i for i in ids}
    assert set(kinds) == {"invoice_over_limit", "invoice_over_terms"}
    issue_path = f"/v1/invoices/{pending.json()['id']}/issue"

    approve(api, tenant, kinds["invoice_over_terms"])
    still = api.client.post(issue_path, headers=tenant.headers())
    assert still.status_code == 202
    assert still.headers["Credit-Approval"] == kinds["invoice_over_limit"]

    approve(api, tenant, kinds["invoice_over_limit"])
    issued = api.client.post(issue_path, headers=tenant.headers())
    assert issued.status_code == 200, issued.text
    assert issued.headers["Credit-Check"] == "approved"
