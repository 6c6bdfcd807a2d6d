"""Claims on emitted events: each key once per tenant, so reruns emit nothing twice."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.collections.models import CollectionNotice

_CHUNK = 500


async def claimed(session: AsyncSession, keys: list[str]) -> set[str]:
    """The keys among ``keys`` whose event was emitted already."""
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        stmt = select(CollectionNotice.key).where(CollectionNotice.key.in_(chunk))
        found.update((await session.scalars(stmt)).all())
    return found


async def claim(session: AsyncSession, key: str, event_type: str, as_of: date) -> bool:
    """Record that ``key``'s event is emitted now; ``False`` when it was already."""
    if await claimed(session, [key]):
        return False
    session.add(CollectionNotice(key=key, event_type=event_type, as_of=as_of))
    return True
