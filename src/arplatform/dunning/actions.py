"""The tasks and records dunning levels leave behind, and closing them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.api.problems import Conflict
from arplatform.dunning.models import DunningAction
from arplatform.dunning.schemas import ActionDone


async def list_actions(
    session: AsyncSession,
    status: str | None,
    customer_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[DunningAction], str | None]:
    stmt = select(DunningAction)
    if status is not None:
        stmt = stmt.where(DunningAction.status == status)
    if customer_id is not None:
        stmt = stmt.where(DunningAction.customer_id == customer_id)
    return await fetch_page(session, stmt, DunningAction, cursor, limit)


async def get_action(session: AsyncSession, action_id: uuid.UUID) -> DunningAction:
    action: DunningAction = await fetch_one(session, DunningAction, action_id, "dunning action")
    return action


async def complete(
    session: AsyncSession, action_id: uuid.UUID, data: ActionDone, if_match: str | None
) -> DunningAction:
    """Close an open task (a review, a hand-over done by hand); its note is kept."""
    action = await get_action(session, action_id)
    check_if_match(if_match, action.version)
    if action.status != "open":
        raise Conflict(f"The action is {action.status}, not an open task")
    action.status = "done"
    if data.note is not None:
        action.detail = data.note
    await session.flush()
    return action
