"""Drivers of the assessment tests: customers with a payment history, bureau integrations."""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta
from typing import Any

from arplatform.auth.tokens import Role
from tests.support import CUSTOMER, Api, TenantHandle


def today() -> date:
    """Yesterday by the real clock: a day every tenant's clock has reached, whatever its zone."""
    return date.today() - timedelta(days=1)


def post(api: Api, tenant: TenantHandle, path: str, body: Any, role: Role = Role.ADMIN) -> Any:
    response = api.client.post(path, json=body, headers=tenant.headers(role))
    assert response.status_code in (200, 201), response.text
    return response.json()


def customer(api: Api, tenant: TenantHandle, **extra: Any) -> dict[str, Any]:
    body = {**CUSTOMER, "legal_name": f"Kunde {uuid.uuid4().hex[:6]} GmbH", **extra}
    return post(api, tenant, "/v1/customers", body)  # type: ignore[no-any-return]


def paid_invoice(
    api: Api, tenant: TenantHandle, customer_id: str, *, issued: date, days_late: int, price: str
) -> None:
    """An invoice due 30 days after ``issued``, paid ``days_late`` days after its due date."""
    due = issued + timedelta(days=30)
    post(
        api,
        tenant,
        "/v1/invoices",
        {
            "customer_id": customer_id,
            "number": f"INV-{uuid.uuid4().hex[:8]}",
            "issue_date": issued.isoformat(),
            "due_date": due.isoformat(),
            "lines": [{"description": "Goods", "quantity": "1", "unit_price": price}],
        },
    )
    if days_late is not None:
        paid_on = min(due + timedelta(days=days_late), today())
        post(
            api,
            tenant,
            "/v1/payments",
            {
                "customer_id": customer_id,
                "amount": price,
                "received_on": paid_on.isoformat(),
                "auto_allocate": True,
            },
        )


def history(
    api: Api, tenant: TenantHandle, customer_id: str, *, days_late: int, count: int = 6
) -> None:
    """``count`` monthly invoices of 1,000.00 over the last months, each paid so late."""
    for month in range(count):
        issued = today() - timedelta(days=60 + 30 * month)
        paid_invoice(api, tenant, customer_id, issued=issued, days_late=days_late, price="1000.00")


def creditsafe(api: Api, tenant: TenantHandle, standin: Any, *, priority: int = 100) -> Any:
    """Configure the tenant's ``creditsafe`` integration against ``standin``."""
    return post(
        api,
        tenant,
        "/v1/integrations",
        {
            "kind": "credit_bureau",
            "provider": "creditsafe",
            "priority": priority,
            "config": {"base_url": standin.base_url, "timeout_seconds": 1},
            "secrets": {"username": standin.username, "password": standin.password},
        },
    )


def assess(
    api: Api, tenant: TenantHandle, customer_id: str, role: Role = Role.ADMIN
) -> dict[str, Any]:
    return post(  # type: ignore[no-any-return]
        api, tenant, f"/v1/customers/{customer_id}/assessments", {}, role
    )


def set_policy(api: Api, tenant: TenantHandle, **changes: Any) -> None:
    """Activate a new policy version: the active document with ``changes``."""
    draft = post(api, tenant, "/v1/credit-policies", {}, Role.CREDIT_MANAGER)
    url = f"/v1/credit-policies/{draft['id']}"
    document = {**draft["document"], **changes}
    api.client.patch(url, json={"document": document}, headers=tenant.headers()).raise_for_status()
    api.client.post(f"{url}/activate", headers=tenant.headers()).raise_for_status()


def first_of_a_31_day_month() -> date:
    """The latest 1st of a month with 31 days, up to today: the longest rest of a month."""
    day = today()
    while day.day != 1 or calendar.monthrange(day.year, day.month)[1] != 31:
        day -= timedelta(days=1)
    return day


def blocking_tiers(api: Api, tenant: TenantHandle, max_days: int) -> None:
    """Every tier allows ``max_days`` and blocks longer terms."""
    draft = post(api, tenant, "/v1/credit-policies", {})
    tiers = [
        {**tier, "max_terms_days": max_days, "exposure_check": "block"}
        for tier in draft["document"]["tiers"]
    ]
    set_policy(api, tenant, tiers=tiers)
