"""Each warning signal raises its alert from ledger data, once until it is resolved."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.models import CreditPolicy
from arplatform.credit.policies import to_document_json
from arplatform.credit.policy_schema import PolicyDocument, Signal, SignalAction, SignalRule
from arplatform.credit.signals import raise_signal
from arplatform.credit.watch_jobs import WATCH_EVENT, WATCH_EVENT_JOB
from arplatform.jobs.models import OutboxMessage
from tests.collections.helpers import run_day
from tests.credit.watch.helpers import (
    alerts,
    buyer,
    detect,
    in_session,
    job_context,
    publish_pending,
    publish_pending_only,
    run_watch_jobs,
)
from tests.ledger.helpers import get, invoice, pay, post
from tests.support import Api, TenantHandle

TODAY = "2026-11-27"


def _paid(api: Api, tenant: TenantHandle, cust: str, due: str, days_late: int) -> None:
    bill = invoice(api, tenant, cust, price="100", issue_date="2025-12-01", due_date=due)
    paid = (date.fromisoformat(due) + timedelta(days=days_late)).isoformat()
    pay(api, tenant, cust, "100", received_on=paid, allocations=[{"invoice_id": bill["id"]}])


def test_exposure_near_the_limit(api: Api) -> None:
    tenant = api.new_tenant()
    near, far = buyer(api, tenant, limit="1000.00"), buyer(api, tenant, limit="1000.00")
    invoice(api, tenant, near, price="800")
    invoice(api, tenant, far, price="800")
    post(api, tenant, "/v1/commitments", {"customer_id": near, "amount": "150.00",
         "reference": "PO-1"}, status=201)  # fmt: skip
    assert detect(api, tenant, TODAY)["exposure_near_limit"] == 1
    [alert] = alerts(api, tenant, signal="exposure_near_limit")
    assert alert["customer_id"] == near
    assert alert["detail"] == "exposure 950.00 EUR is 95% of the credit limit 1000.00 EUR"
    assert alert["actions"] == ["alert", "reassess"]
    assert detect(api, tenant, TODAY)["exposure_near_limit"] == 0  # still open: once


def test_concentration(api: Api) -> None:
    tenant = api.new_tenant()
    big = buyer(api, tenant)
    for _ in range(3):
        invoice(api, tenant, buyer(api, tenant), price="100")  # 10 % each
    invoice(api, tenant, big, price="700")
    assert detect(api, tenant, TODAY)["concentration"] == 1
    [alert] = alerts(api, tenant, signal="concentration")
    assert alert["customer_id"] == big
    assert alert["facts"]["share"] == "0.7000"
    assert alert["detail"] == "70% of the open receivables (700.00 of 1000.00 EUR)"


def test_payment_delays_trending_worse(api: Api) -> None:
    tenant = api.new_tenant()
    worse, steady = buyer(api, tenant), buyer(api, tenant)
    for due in ("2026-02-09", "2026-03-09", "2026-04-09", "2026-05-09"):
        _paid(api, tenant, worse, due, 0)  # on time for most of the year
        _paid(api, tenant, steady, due, 20)  # always 20 days late
    for due in ("2026-09-01", "2026-10-01"):
        _paid(api, tenant, worse, due, 30)  # 30 days late lately
        _paid(api, tenant, steady, due, 20)
    assert detect(api, tenant, TODAY)["payment_delay_trend"] == 1
    [alert] = alerts(api, tenant, signal="payment_delay_trend")
    assert alert["customer_id"] == worse
    assert alert["facts"]["quarter_avg_days_late"] == "30.0"
    assert alert["facts"]["year_avg_days_late"] == "10.0"
    assert (
        (alert["detail"]) == "average 30 days late over the last quarter against 10 over 12 months"
    )


def test_one_late_payment_in_the_quarter_is_no_trend(api: Api) -> None:
    tenant = api.new_tenant()
    once = buyer(api, tenant)
    for due in ("2026-02-09", "2026-03-09", "2026-04-09", "2026-05-09"):
        _paid(api, tenant, once, due, 0)
    _paid(api, tenant, once, "2026-10-01", 40)  # a single invoice, very late
    assert detect(api, tenant, TODAY)["payment_delay_trend"] == 0
    _paid(api, tenant, once, "2026-09-15", 35)  # a second one makes it a trend
    assert detect(api, tenant, TODAY)["payment_delay_trend"] == 1


def test_a_missing_rate_skips_only_the_customers_that_need_it(api: Api) -> None:
    tenant = api.new_tenant()
    near = buyer(api, tenant, limit="1000.00")
    invoice(api, tenant, near, price="950")
    mixed = buyer(api, tenant, limit="1000.00", currency="USD")
    invoice(api, tenant, mixed, price="950", currency="USD")
    rate = {"base": "USD", "quote": "EUR", "rate": "0.9", "valid_from": "2026-01-01"}
    recorded = api.client.post("/v1/fx-rates", json=rate, headers=tenant.headers())
    invoice(api, tenant, mixed, price="10", currency="EUR")  # now USD must be converted
    gone = api.client.delete(
        f"/v1/fx-rates/{recorded.json()['id']}",
        headers={**tenant.headers(), "If-Match": recorded.headers["ETag"]},
    )
    assert gone.status_code == 204, gone.text  # ...and the rate is gone again
    in_usd = buyer(api, tenant, limit="1000.00", currency="USD")
    invoice(api, tenant, in_usd, price="960", currency="USD")  # USD only: no rate needed
    raised = detect(api, tenant, TODAY)
    assert raised["exposure_near_limit"] == 2
    flagged = {a["customer_id"]: a for a in alerts(api, tenant, signal="exposure_near_limit")}
    assert set(flagged) == {near, in_usd}
    assert flagged[in_usd]["facts"]["currency"] == "USD"
    assert raised["concentration"] == 0  # the tenant's total needs the USD rate


def test_a_broken_promise(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant)
    invoice(api, tenant, cust, price="100")
    post(api, tenant, "/v1/promises", {"customer_id": cust, "amount": "100.00",
         "promised_date": "2026-10-15", "made_on": "2026-10-01", "source": "phone"},
         status=201)  # fmt: skip
    assert run_day(api, tenant, "2026-11-01")["promise.broken"] == 1
    publish_pending_only(api, tenant)  # the subscriber only queues its own job
    assert alerts(api, tenant, signal="broken_promise") == []
    assert run_watch_jobs(api, tenant) == 1
    [alert] = alerts(api, tenant, signal="broken_promise")
    assert alert["customer_id"] == cust
    assert alert["detail"] == ("promise to pay 100.00 EUR by 2026-10-15 was broken (0.00 paid)")


def test_the_watch_job_runs_again_without_raising_twice(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant)
    invoice(api, tenant, cust, price="100")
    post(api, tenant, "/v1/promises", {"customer_id": cust, "amount": "100.00",
         "promised_date": "2026-10-15", "made_on": "2026-10-01", "source": "phone"},
         status=201)  # fmt: skip
    run_day(api, tenant, "2026-11-01")
    publish_pending_only(api, tenant)

    async def queued(session: AsyncSession) -> list[dict[str, object]]:
        stmt = select(OutboxMessage.args).where(
            OutboxMessage.actor == WATCH_EVENT_JOB, OutboxMessage.tenant_id == tenant.tenant_id
        )
        return list((await session.scalars(stmt)).all())

    [args] = in_session(api, tenant, queued)
    for _ in range(2):  # a redelivered job
        in_session(
            api, tenant, lambda session: WATCH_EVENT.fn(job_context(api, tenant, session, args))
        )
    assert len(alerts(api, tenant, signal="broken_promise")) == 1


def test_an_invoice_reaching_the_policy_dunning_level(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant)
    invoice(api, tenant, cust, price="100", issue_date="2026-09-01", due_date="2026-10-01")
    post(api, tenant, "/v1/dunning-runs", {"as_of": "2026-10-16"}, status=201)  # review: 3
    assert detect(api, tenant, TODAY)["dunning_level"] == 0
    post(api, tenant, "/v1/dunning-runs", {"as_of": "2026-10-19"}, status=201)  # notice: 4
    publish_pending(api, tenant)  # dunning.escalated checks the customer at once
    [alert] = alerts(api, tenant, signal="dunning_level")
    assert alert["customer_id"] == cust
    assert alert["facts"]["level"] == 4
    assert alert["actions"] == ["alert", "reassess"]
    assert detect(api, tenant, TODAY)["dunning_level"] == 0  # already open


def _policy(*rules: SignalRule) -> dict[str, object]:
    return to_document_json(PolicyDocument(signals=list(rules)))


def test_bureau_signals_apply_the_policy_actions(api: Api) -> None:
    """The assessment raises bureau signals; the policy says: downgrade and hold."""
    tenant = api.new_tenant()
    cust = buyer(api, tenant, risk_tier="standard")
    drop = SignalRule(
        signal=Signal.BUREAU_SCORE_DROP,
        threshold=Decimal(15),
        actions=[SignalAction.ALERT, SignalAction.PROPOSE_DOWNGRADE, SignalAction.HOLD],
    )

    async def work(session: AsyncSession) -> list[str]:
        session.add(CreditPolicy(number=1, status="active", document=_policy(drop),
                                 created_by="test", note=None))  # fmt: skip
        await session.flush()
        facts = {"from": 70, "to": 41, "provider": "stand-in"}
        raised = await raise_signal(
            session, uuid.UUID(cust), Signal.BUREAU_SCORE_DROP, "bureau score fell", facts
        )
        assert raised is not None
        # Not watched by this policy: nothing raised.
        assert await raise_signal(session, uuid.UUID(cust), Signal.BUREAU_ALERT, "x", {}) is None
        outbox = await session.scalars(
            select(OutboxMessage.args).where(
                OutboxMessage.actor == "credit.assess", OutboxMessage.tenant_id == tenant.tenant_id
            )
        )
        return [str(args.get("reason")) for args in outbox]

    reasons = in_session(api, tenant, work)
    # The policy did not ask for a re-assessment on this signal.
    assert not [r for r in reasons if r.startswith("bureau_score_drop")]
    [alert] = alerts(api, tenant, signal="bureau_score_drop")
    assert alert["actions"] == ["alert", "propose_downgrade", "hold"]
    assert alert["facts"] == {"from": 70, "to": 41, "provider": "stand-in"}
    assert get(api, tenant, f"/v1/customers/{cust}")["credit_hold"] is True
    approvals = get(api, tenant, f"/v1/credit-approvals?customer_id={cust}")["data"]
    assert [(a["kind"], a["proposed"]) for a in approvals] == [
        ("tier_change", {"risk_tier": "watch"})
    ]


def test_a_bureau_monitoring_alert_re_arms_once_resolved(api: Api) -> None:
    tenant = api.new_tenant()
    cust = buyer(api, tenant)

    def raise_alert() -> bool:
        async def work(session: AsyncSession) -> bool:
            facts = {"event": "insolvency filing"}
            alert = await raise_signal(
                session, uuid.UUID(cust), Signal.BUREAU_ALERT, "monitoring: insolvency", facts
            )
            return alert is not None

        return in_session(api, tenant, work)

    assert raise_alert() is True
    assert raise_alert() is False  # one open alert per customer and signal
    [alert] = alerts(api, tenant, signal="bureau_alert", status="open")
    path = f"/v1/alerts/{alert['id']}"
    acked = api.client.post(f"{path}/acknowledge", headers=tenant.headers())
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert raise_alert() is False  # acknowledged still counts
    resolved = api.client.post(f"{path}/resolve", headers=tenant.headers())
    assert resolved.status_code == 200 and resolved.json()["resolved_by"]
    again = api.client.post(f"{path}/acknowledge", headers=tenant.headers())
    assert again.status_code == 409
    assert raise_alert() is True
    assert len(alerts(api, tenant, signal="bureau_alert")) == 2
    events = get(api, tenant, "/v1/events?type=customer.risk_signal")["data"]
    assert [e["data"]["signal"] for e in events] == ["bureau_alert", "bureau_alert"]
