"""The daily job: due-soon and overdue notices once per instalment, fanned out per tenant."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from arplatform.collections.jobs import DAILY, DAILY_TENANT, DAILY_TENANT_JOB
from arplatform.db.session import Database
from arplatform.integrations.providers import load_providers
from arplatform.jobs.catalog import periodic_jobs, platform_jobs
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.runtime import JobContext
from arplatform.settings import Settings
from arplatform.tenants.clock import tenant_today
from arplatform.tenants.models import Tenant
from tests.collections.helpers import events, run_day
from tests.ledger.helpers import customer, invoice, pay, post
from tests.support import Api, TenantHandle

DUE = {"due_date": None, "instalments": [{"due_date": "2026-02-05"}, {"due_date": "2026-02-20"}]}


def _notices(api: Api, tenant: TenantHandle) -> list[tuple[str, str, int]]:
    found = []
    for kind in ("invoice.due_soon", "invoice.overdue"):
        for event in events(api, tenant, kind):
            data = event["data"]
            found.append((kind, data["due_date"], data["instalment_seq"]))
    return sorted(found)


def test_due_soon_and_overdue_are_emitted_once(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    single = invoice(api, tenant, buyer, price="100")  # due 2026-02-09
    invoice(api, tenant, buyer, price="80", **DUE)  # 40 due 02-05, 40 due 02-20
    invoice(api, tenant, buyer, issue_date="2025-06-01", due_date="2025-07-01")  # long overdue

    first = run_day(api, tenant, "2026-02-06")
    assert (first["invoice.due_soon"], first["invoice.overdue"]) == (1, 1)
    assert sum(run_day(api, tenant, "2026-02-06").values()) == 0  # the same day again
    assert sum(run_day(api, tenant, "2026-02-07").values()) == 0
    pay(
        api,
        tenant,
        buyer,
        "100",
        received_on="2026-02-09",
        allocations=[{"invoice_id": single["id"]}],
    )
    assert sum(run_day(api, tenant, "2026-02-10").values()) == 0  # paid in time: not overdue
    assert run_day(api, tenant, "2026-02-17")["invoice.due_soon"] == 1
    assert run_day(api, tenant, "2026-02-21")["invoice.overdue"] == 1
    assert sum(run_day(api, tenant, "2026-02-21").values()) == 0
    assert _notices(api, tenant) == [
        ("invoice.due_soon", "2026-02-09", 1),
        ("invoice.due_soon", "2026-02-20", 2),
        ("invoice.overdue", "2026-02-05", 1),
        ("invoice.overdue", "2026-02-20", 2),
    ]
    (late,) = [
        e for e in events(api, tenant, "invoice.overdue") if e["data"]["instalment_seq"] == 2
    ]
    assert (late["data"]["open_amount"], late["data"]["currency"]) == ("40.00", "EUR")


def test_a_missed_day_is_caught_up(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    invoice(api, tenant, buyer, price="100")  # due 2026-02-09
    assert run_day(api, tenant, "2026-02-13")["invoice.overdue"] == 1
    assert run_day(api, tenant, "2026-02-14")["invoice.overdue"] == 0


async def _run_actors(
    db: Database, settings: Settings, tenant_id: uuid.UUID, as_of: str
) -> list[uuid.UUID | None]:
    async with db.session(tenant_id, actor="test") as session, session.begin():
        ctx = JobContext(
            session, tenant_id, {"as_of": as_of}, settings, db, load_providers(settings)
        )
        await DAILY_TENANT.fn(ctx)
    async with db.session(None, actor="test") as session, session.begin():
        await DAILY.fn(JobContext(session, None, {}, settings, db, load_providers(settings)))
    async with db.session(None, actor="test") as session:
        stmt = select(OutboxMessage.tenant_id).where(OutboxMessage.actor == DAILY_TENANT_JOB)
        return list((await session.scalars(stmt)).all())


def test_the_actors_run_the_day_and_fan_out_per_tenant(api: Api) -> None:
    tenant, other = api.new_tenant("A"), api.new_tenant("B")
    invoice(api, tenant, customer(api, tenant), price="10")  # due 2026-02-09
    db, settings = api.app.state.db, api.settings
    queued = api.run(lambda: _run_actors(db, settings, tenant.tenant_id, "2026-02-07"))
    assert {tenant.tenant_id, other.tenant_id} <= set(queued)
    assert [e["data"]["as_of"] for e in events(api, tenant, "invoice.due_soon")] == ["2026-02-07"]
    assert events(api, other, "invoice.due_soon") == []


def test_the_job_is_scheduled_and_the_day_follows_the_tenant_zone() -> None:
    assert {DAILY.name, DAILY_TENANT.name} <= {spec.name for spec in platform_jobs()}
    assert DAILY.name in {periodic.job for periodic in periodic_jobs()}
    now = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    assert tenant_today(Tenant(timezone="Europe/Berlin"), now) == date(2026, 11, 27)
    assert tenant_today(Tenant(timezone="America/New_York"), now) == date(2026, 11, 26)
    assert tenant_today(Tenant(timezone="Not/AZone"), now) == date(2026, 11, 26)


def test_notices_carry_the_holds_and_skip_invoices_written_off_later(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    disputed = invoice(api, tenant, buyer, price="100")  # due 2026-02-09
    body = {
        "invoice_id": disputed["id"],
        "amount": "40",
        "reason": "quality",
        "opened_on": "2026-02-01",
    }
    post(api, tenant, "/v1/disputes", body, status=201)
    lost = invoice(api, tenant, buyer, price="70")
    write_off = {"written_off_on": "2026-02-20", "reason": "Insolvency"}
    post(api, tenant, f"/v1/invoices/{lost['id']}/write-off", write_off)
    other = customer(api, tenant)
    promised = invoice(api, tenant, other, price="30")
    promise = {"customer_id": other, "amount": "30", "made_on": "2026-02-10"}
    post(
        api,
        tenant,
        "/v1/promises",
        {**promise, "promised_date": "2026-02-28", "source": "email"},
        status=201,
    )
    run_day(api, tenant, "2026-02-12")
    overdue = {e["resource_id"]: e["data"] for e in events(api, tenant, "invoice.overdue")}
    assert set(overdue) == {disputed["id"], promised["id"]}  # not the written-off one
    data = overdue[disputed["id"]]
    assert (data["open_amount"], data["disputed_amount"], data["paused_by"]) == (
        "100.00",
        "40.00",
        None,
    )
    data = overdue[promised["id"]]
    assert (data["disputed_amount"], data["paused_by"]) == ("0.00", "promise")
