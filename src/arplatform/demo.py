"""The demo tenant of the embedded mode."""

from __future__ import annotations

from sqlalchemy import select

from arplatform.auth.service import IssuedClient, create_tenant
from arplatform.db.session import Database
from arplatform.settings import Settings
from arplatform.tenants.models import Tenant

DEMO_NAME = "Demo Supplier Ltd"


async def ensure_demo_tenant(settings: Settings) -> IssuedClient | None:
    """Create the demo tenant and its admin client unless a tenant exists already."""
    db = Database(settings.database_url)
    try:
        async with db.session(None) as session:
            existing = await session.scalar(select(Tenant.id).limit(1))
        if existing is not None:
            return None
        return await create_tenant(db, name=DEMO_NAME, country="DE", currency="EUR")
    finally:
        await db.dispose()
