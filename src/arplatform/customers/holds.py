"""Credit hold: the one way a customer is put on hold, shared by dunning and early warning."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.customers.models import Customer
from arplatform.db.among import among
from arplatform.db.base import utcnow


async def hold_customers(
    session: AsyncSession, customer_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Put the customers on credit hold; the ids of those that were not on hold before.

    One statement; new invoices of a held customer cannot be issued. The caller
    announces the hold (``customer.credit_hold``) in its own words.
    """
    if not customer_ids:
        return set()
    held = await session.execute(
        update(Customer)
        .where(among(Customer.id, customer_ids), Customer.credit_hold.is_(False))
        .values(credit_hold=True, version=Customer.version + 1, updated_at=utcnow())
        .returning(Customer.id)
        .execution_options(synchronize_session=False)
    )
    return set(held.scalars().all())
