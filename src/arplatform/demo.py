"""The demo tenant of the embedded mode."""

from __future__ import annotations

import io
import uuid

from sqlalchemy import select

from arplatform.auth.service import IssuedClient, create_tenant
from arplatform.db.session import Database
from arplatform.imports import service as imports
from arplatform.imports.models import ImportJob
from arplatform.settings import Settings
from arplatform.synthetic import generate
from arplatform.synthetic.writers import write_ndjson
from arplatform.tenants.clock import tenant_today
from arplatform.tenants.models import Tenant

DEMO_NAME = "Demo Supplier Ltd"
#: Enough history for every report to show something, small enough to load in seconds.
DEMO_CUSTOMERS, DEMO_INVOICES, DEMO_SEED = 40, 1500, 2026


async def ensure_demo_tenant(settings: Settings) -> IssuedClient | None:
    """Create the demo tenant and its admin client unless a tenant exists already."""
    db = Database(settings.database_url)
    try:
        async with db.session(None) as session:
            existing = await session.scalar(select(Tenant.id).limit(1))
        if existing is not None:
            return None
        issued = await create_tenant(db, name=DEMO_NAME, country="DE", currency="EUR")
        await load_demo_history(db, issued.tenant_id)
        return issued
    finally:
        await db.dispose()


async def load_demo_history(db: Database, tenant_id: uuid.UUID) -> ImportJob:
    """Import two years of seeded synthetic receivables up to the tenant's today."""
    async with db.session(tenant_id) as session:
        today = tenant_today(await session.get(Tenant, tenant_id))
    history = io.BytesIO()
    write_ndjson(
        generate(seed=DEMO_SEED, end=today, customers=DEMO_CUSTOMERS, invoices=DEMO_INVOICES),
        history,
    )
    async with db.session(tenant_id, actor="demo") as session, session.begin():
        job = await imports.create_import(
            session,
            history.getvalue(),
            fmt="ndjson",
            kind=None,
            mode="atomic",
            actor="demo",
            run_as_job=False,
        )
        await imports.perform(session, job, None)
        return job
