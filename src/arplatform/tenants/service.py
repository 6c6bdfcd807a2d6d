"""Reading and changing the tenant's own profile."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.tenants.models import Tenant
from arplatform.tenants.schemas import TenantOut, TenantUpdate


async def current_tenant(session: AsyncSession) -> Tenant:
    """The tenant of the session's credentials."""
    tenant = await session.get(Tenant, session.info["tenant_id"])
    assert tenant is not None, "a tenant session always has its tenant"
    return tenant


async def update_tenant(session: AsyncSession, data: TenantUpdate) -> Tenant:
    """Change the given fields of the session's tenant."""
    tenant = await current_tenant(session)
    for key, value in msgspec.structs.asdict(data).items():
        if value is not msgspec.UNSET:
            setattr(tenant, key, value)
    await session.flush()
    return tenant


def to_out(tenant: Tenant) -> TenantOut:
    return TenantOut(
        id=tenant.id,
        name=tenant.name,
        country=tenant.country,
        currency=tenant.currency,
        timezone=tenant.timezone,
        locale=tenant.locale,
        rounding=tenant.rounding,
        contact_email=tenant.contact_email,
        created_at=tenant.created_at,
    )
