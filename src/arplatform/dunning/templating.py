"""A tenant's own notice templates: checked in the sandbox before they are stored."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.dunning.models import TemplateOverride
from arplatform.dunning.schemas import TemplateCreate, TemplateUpdate
from arplatform.dunning.templates import TEMPLATE_NAMES, TemplateError, validate_template


async def list_overrides(
    session: AsyncSession, cursor: str | None, limit: int
) -> tuple[list[TemplateOverride], str | None]:
    return await fetch_page(session, select(TemplateOverride), TemplateOverride, cursor, limit)


def _checked(source: str, language: str) -> None:
    try:
        validate_template(source, language=language)
    except TemplateError as exc:
        raise InvalidInput(
            "The template cannot be used", errors=[FieldError(field="source", message=str(exc))]
        ) from None


async def create_override(session: AsyncSession, data: TemplateCreate) -> TemplateOverride:
    """Store the tenant's version of a template in a language, once it renders safely."""
    if data.template not in TEMPLATE_NAMES:
        raise InvalidInput(
            f"No notice template {data.template!r}; known: {', '.join(TEMPLATE_NAMES)}"
        )
    _checked(data.source, data.language)
    taken = await session.scalar(
        select(TemplateOverride.id).where(
            TemplateOverride.template == data.template, TemplateOverride.language == data.language
        )
    )
    if taken is not None:
        raise Conflict(
            f"The tenant already has its own {data.template} in {data.language}: {taken}"
        )
    row = TemplateOverride(template=data.template, language=data.language, source=data.source)
    session.add(row)
    await session.flush()
    return row


async def get_override(session: AsyncSession, template_id: uuid.UUID) -> TemplateOverride:
    row: TemplateOverride = await fetch_one(session, TemplateOverride, template_id, "template")
    return row


async def update_override(
    session: AsyncSession, template_id: uuid.UUID, data: TemplateUpdate, if_match: str | None
) -> TemplateOverride:
    row = await get_override(session, template_id)
    check_if_match(if_match, row.version)
    _checked(data.source, row.language)
    row.source = data.source
    await session.flush()
    return row


async def delete_override(
    session: AsyncSession, template_id: uuid.UUID, if_match: str | None
) -> None:
    """Go back to the shipped template."""
    row = await get_override(session, template_id)
    check_if_match(if_match, row.version)
    await session.delete(row)
    await session.flush()
