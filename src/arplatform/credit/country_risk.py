"""Country risk ratings per tenant: edited over the API or filled by a provider."""

from __future__ import annotations

import uuid

from msgspec import UNSET
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import Conflict
from arplatform.credit.watch_models import CountryRisk
from arplatform.credit.watch_schemas import (
    CountryRiskCreate,
    CountryRiskOut,
    CountryRiskUpdate,
    Rating,
)
from arplatform.events.service import emit


def country_risk_out(row: CountryRisk) -> CountryRiskOut:
    return CountryRiskOut(
        id=row.id,
        country=row.country,
        rating=row.rating,
        score=row.score,
        source=row.source,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _emit(session: AsyncSession, event_type: str, row: CountryRisk) -> None:
    emit(
        session,
        event_type,
        resource_type="country_risk",
        resource_id=row.id,
        resource_version=row.version,
        data={"country": row.country, "rating": row.rating, "score": row.score},
    )


async def _by_country(session: AsyncSession, country: str) -> CountryRisk | None:
    return await session.scalar(select(CountryRisk).where(CountryRisk.country == country))


async def create_country_risk(session: AsyncSession, data: CountryRiskCreate) -> CountryRisk:
    """Rate a country; one rating per country (change the existing one instead)."""
    if await _by_country(session, str(data.country)) is not None:
        raise Conflict(f"{data.country} is already rated; change that rating")
    row = CountryRisk(
        country=str(data.country), rating=data.rating, score=data.score, source=data.source
    )
    session.add(row)
    await session.flush()
    _emit(session, "country_risk.created", row)
    return row


async def get_country_risk(session: AsyncSession, rating_id: uuid.UUID) -> CountryRisk:
    return await fetch_one(session, CountryRisk, rating_id, "country rating")


async def list_country_risks(
    session: AsyncSession,
    *,
    country: str | None,
    rating: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[CountryRisk], str | None]:
    return await fetch_matching_page(
        session, CountryRisk, cursor, limit, country=country, rating=rating
    )


async def update_country_risk(
    session: AsyncSession, rating_id: uuid.UUID, data: CountryRiskUpdate, if_match: str | None
) -> CountryRisk:
    """Change a country's rating at the version the caller last read."""
    row = await get_country_risk(session, rating_id)
    check_if_match(if_match, row.version)
    for field in ("rating", "source", "score"):
        value = getattr(data, field)
        if value is not UNSET:
            setattr(row, field, value)
    await session.flush()
    _emit(session, "country_risk.updated", row)
    return row


async def delete_country_risk(
    session: AsyncSession, rating_id: uuid.UUID, if_match: str | None
) -> None:
    row = await get_country_risk(session, rating_id)
    check_if_match(if_match, row.version)
    _emit(session, "country_risk.deleted", row)
    await session.delete(row)
    await session.flush()


async def upsert_country_risk(
    session: AsyncSession,
    country: str,
    rating: Rating | str,
    *,
    source: str,
    score: int | None = None,
) -> CountryRisk:
    """Set a country's rating from a provider (bureau, insurer feed); creates or replaces it."""
    rating = Rating(rating)
    row = await _by_country(session, country)
    if row is None:
        row = CountryRisk(country=country, rating=rating, score=score, source=source[:80])
        session.add(row)
        await session.flush()
        _emit(session, "country_risk.created", row)
    elif (row.rating, row.score, row.source) != (rating, score, source[:80]):
        row.rating, row.score, row.source = rating, score, source[:80]
        await session.flush()
        _emit(session, "country_risk.updated", row)
    return row


async def rating_of(session: AsyncSession, country: str) -> str | None:
    """The tenant's rating (A to E) of ``country``, if it has one."""
    return await session.scalar(select(CountryRisk.rating).where(CountryRisk.country == country))
