"""Dated FX rates: storage, the rate in force on a day, and conversion to the tenant currency.

The rate for a day is the latest value on or before it. A pair may be recorded
either way round (USD→EUR or EUR→USD); the inverse is used when only that one
exists. A missing rate is a conflict the tenant must resolve, never a silent 1:1.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.bounds import check_day
from arplatform.credit.watch_models import FxRate
from arplatform.credit.watch_schemas import FxRateCreate, FxRateOut, FxRateUpdate
from arplatform.events.service import emit
from arplatform.money import Rounding, parse_decimal, round_money

RATE_PLACES = 8
#: An inverse rate is shown with this many decimals; amounts are divided by the recorded rate.
SHOWN_INVERSE = Decimal(1).scaleb(-12)


class MissingRate(Conflict):
    """No rate in force for a currency on the day an amount must be converted."""

    slug, title = "missing-fx-rate", "No exchange rate for the currency"


@dataclass(frozen=True, slots=True)
class Quote:
    """The recorded rate that converts ``currency`` to ``target`` from ``valid_from`` on.

    ``rate`` is ``target`` units per ``currency`` unit, or with ``inverse`` the pair
    was recorded the other way round: ``currency`` units per ``target`` unit, and
    amounts are divided by it (never multiplied by a rounded reciprocal).
    """

    currency: str
    target: str
    rate: Decimal
    valid_from: date | None  # None: same currency, nothing looked up
    inverse: bool = False

    @property
    def per_unit(self) -> Decimal:
        """``target`` units per ``currency`` unit, for display (an inverse one is rounded)."""
        if not self.inverse:
            return self.rate
        return (Decimal(1) / self.rate).quantize(SHOWN_INVERSE, rounding=ROUND_HALF_EVEN)


def same_currency(currency: str) -> Quote:
    """The quote of a currency to itself: nothing to look up."""
    return Quote(currency, currency, Decimal(1), None)


def rate_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def rate_out(row: FxRate) -> FxRateOut:
    return FxRateOut(
        id=row.id,
        base=row.base,
        quote=row.quote,
        valid_from=row.valid_from,
        rate=rate_text(row.rate),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _emit(session: AsyncSession, event_type: str, row: FxRate) -> None:
    emit(
        session,
        event_type,
        resource_type="fx_rate",
        resource_id=row.id,
        resource_version=row.version,
        data={
            "base": row.base,
            "quote": row.quote,
            "valid_from": row.valid_from.isoformat(),
            "rate": rate_text(row.rate),
        },
    )


def _positive_rate(text: str) -> Decimal:
    rate = parse_decimal(text, RATE_PLACES)
    if rate <= 0:
        raise InvalidInput(
            "An exchange rate must be positive",
            errors=[FieldError(field="rate", message="must be greater than 0")],
        )
    return rate


async def create_rate(session: AsyncSession, data: FxRateCreate) -> FxRate:
    """Record a pair's rate from a day; one value per pair and day."""
    if data.base == data.quote:
        raise InvalidInput("base and quote must be different currencies")
    check_day("valid_from", data.valid_from)
    taken = await session.scalar(
        select(FxRate.id).where(
            FxRate.base == data.base,
            FxRate.quote == data.quote,
            FxRate.valid_from == data.valid_from,
        )
    )
    if taken is not None:
        raise Conflict(f"{data.base}/{data.quote} already has a rate from {data.valid_from}")
    row = FxRate(
        base=str(data.base),
        quote=str(data.quote),
        valid_from=data.valid_from,
        rate=_positive_rate(data.rate),
    )
    session.add(row)
    await session.flush()
    _emit(session, "fx_rate.created", row)
    return row


async def get_rate(session: AsyncSession, rate_id: uuid.UUID) -> FxRate:
    return await fetch_one(session, FxRate, rate_id, "FX rate")


async def list_rates(
    session: AsyncSession, *, base: str | None, quote: str | None, cursor: str | None, limit: int
) -> tuple[list[FxRate], str | None]:
    return await fetch_matching_page(session, FxRate, cursor, limit, base=base, quote=quote)


async def update_rate(
    session: AsyncSession, rate_id: uuid.UUID, data: FxRateUpdate, if_match: str | None
) -> FxRate:
    """Correct a value; exposure is always computed with the values recorded now."""
    row = await get_rate(session, rate_id)
    check_if_match(if_match, row.version)
    row.rate = _positive_rate(data.rate)
    await session.flush()
    _emit(session, "fx_rate.updated", row)
    return row


async def delete_rate(session: AsyncSession, rate_id: uuid.UUID, if_match: str | None) -> None:
    row = await get_rate(session, rate_id)
    check_if_match(if_match, row.version)
    _emit(session, "fx_rate.deleted", row)
    await session.delete(row)
    await session.flush()


def _latest(foreign: list[str], target: str, day: date) -> Select[str, str, Decimal, date]:
    """The recorded rate in force on ``day`` of each pair between ``foreign`` and ``target``."""
    latest = (
        select(FxRate.base, FxRate.quote, func.max(FxRate.valid_from).label("valid_from"))
        .where(
            FxRate.valid_from <= day,
            or_(
                and_(FxRate.base.in_(foreign), FxRate.quote == target),
                and_(FxRate.base == target, FxRate.quote.in_(foreign)),
            ),
        )
        .group_by(FxRate.base, FxRate.quote)
        .subquery()
    )
    return select(FxRate.base, FxRate.quote, FxRate.rate, FxRate.valid_from).join(
        latest,
        and_(
            FxRate.base == latest.c.base,
            FxRate.quote == latest.c.quote,
            FxRate.valid_from == latest.c.valid_from,
        ),
    )


def _in_force(rows: Iterable[Any], target: str) -> dict[str, Quote]:
    """Per currency, the direct quote or the inverse one, whichever is more recent."""
    found: dict[str, Quote] = {}
    for base, quote, rate, valid_from in rows:
        candidate = (
            Quote(base, target, rate, valid_from)
            if quote == target
            else Quote(quote, target, rate, valid_from, inverse=True)
        )
        known = found.get(candidate.currency)
        # The more recent value is in force; on the same day the direct one wins.
        if known is None or (candidate.valid_from, not candidate.inverse) > (
            known.valid_from,
            not known.inverse,
        ):
            found[candidate.currency] = candidate
    return found


async def available_quotes(
    session: AsyncSession, currencies: Collection[str], target: str, day: date
) -> tuple[dict[str, Quote], list[str]]:
    """The quotes in force on ``day`` to ``target`` (one query) and the currencies without one."""
    foreign = sorted(set(currencies) - {target})
    found = {target: same_currency(target)}
    if foreign:
        found |= _in_force((await session.execute(_latest(foreign, target, day))).all(), target)
    return found, [c for c in foreign if c not in found]


async def quotes_on(
    session: AsyncSession, currencies: Collection[str], target: str, day: date
) -> dict[str, Quote]:
    """The rate in force on ``day`` from each currency to ``target``, in one query.

    Raises :class:`MissingRate` (409) naming every currency without a rate.
    """
    found, missing = await available_quotes(session, currencies, target, day)
    if missing:
        raise MissingRate(
            f"No exchange rate to {target} on or before {day} for {', '.join(missing)}; "
            "record one at /v1/fx-rates"
        )
    return found


def convert(amount: Decimal, quote: Quote, rounding: Rounding) -> Decimal:
    """``amount`` in the quote's target currency, rounded to its minor unit with ``rounding``."""
    exact = amount / quote.rate if quote.inverse else amount * quote.rate
    return round_money(exact, quote.target, rounding)
