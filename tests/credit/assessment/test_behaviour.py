"""Payment behaviour from the ledger: a write-off is bad debt, never a better score."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from arplatform.credit.behaviour import behaviours
from arplatform.credit.scorecard import Behaviour
from tests.credit.assessment.helpers import customer, history, post, today
from tests.support import Api, TenantHandle


def _behaviour(api: Api, tenant: TenantHandle, customer_id: str) -> Behaviour:
    async def read() -> Behaviour:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            found = await behaviours(session, today(), 12, [uuid.UUID(customer_id)])
            return found[uuid.UUID(customer_id)]

    return api.run(read)


def test_a_written_off_invoice_counts_as_settled_late(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    history(api, tenant, buyer["id"], days_late=0)
    before = _behaviour(api, tenant, buyer["id"])
    assert (before.invoices_settled, before.share_paid_late) == (6, Decimal(0))

    issued = today() - timedelta(days=100)
    invoice = post(
        api,
        tenant,
        "/v1/invoices",
        {
            "customer_id": buyer["id"],
            "number": f"INV-{uuid.uuid4().hex[:8]}",
            "issue_date": issued.isoformat(),
            "due_date": (issued + timedelta(days=30)).isoformat(),
            "lines": [{"description": "Goods", "quantity": "1", "unit_price": "500.00"}],
        },
    )
    written_off_on = issued + timedelta(days=90)
    post(
        api,
        tenant,
        f"/v1/invoices/{invoice['id']}/write-off",
        {"written_off_on": written_off_on.isoformat(), "reason": "Insolvent"},
    )
    after = _behaviour(api, tenant, buyer["id"])
    assert after.invoices_settled == 7
    assert after.share_paid_late == Decimal("0.1429")  # 1 of 7
    assert after.avg_days_late == Decimal("8.57")  # 60 days late over 7 settlements
    assert after.open_receivables == Decimal(0)
