"""The tenant's calendar day: every "today" in the product is the tenant's, not the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from arplatform.tenants.models import Tenant


def zone_of(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``, or UTC when it is missing or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def tenant_today(tenant: Tenant | None, now: datetime | None = None) -> date:
    """The calendar day it is at ``now`` (default: this instant) in the tenant's time zone.

    An unknown zone name (or no tenant) falls back to UTC; a naive ``now`` is taken as UTC.
    """
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone_of(tenant.timezone if tenant else None)).date()


async def today(session: AsyncSession) -> date:
    """Today in the time zone of the session's tenant."""
    from arplatform.tenants.models import Tenant

    return tenant_today(await session.get(Tenant, session.info["tenant_id"]))
