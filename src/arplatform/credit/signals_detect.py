"""Warning-signal detectors over the ledger, each one set-based SQL for the whole tenant.

Each detector raises its signal (see :mod:`arplatform.credit.signals`) for every
customer that crosses the active policy's threshold. The daily job runs them all;
the event subscribers run the one an event concerns.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.behaviour import behaviours
from arplatform.credit.exposure import (
    Context,
    Exposure,
    compared_in,
    exposure_rows,
    measure,
    open_receivables,
)
from arplatform.credit.fx import available_quotes, convert, same_currency
from arplatform.credit.policies import active_policy
from arplatform.credit.policy_schema import Signal
from arplatform.credit.signals import raise_signal, rule_for
from arplatform.customers.models import Customer
from arplatform.dunning.models import DunningItem
from arplatform.invoices.models import InvoiceInstalment
from arplatform.money import format_amount

log = structlog.get_logger(__name__)
ZERO = Decimal(0)
#: The window of the payment-delay trend: the quarter is compared with these months.
TREND_MONTHS = 12


async def threshold(session: AsyncSession, signal: Signal) -> Decimal | None:
    """The active policy's threshold for ``signal``; None when it is not watched."""
    rule = rule_for(await active_policy(session), signal)
    return None if rule is None else rule.threshold


async def payment_delay_trend(session: AsyncSession, as_of: date) -> int:
    """Customers whose average days late over the last quarter exceed the year's by more
    than the threshold; the figures are the assessment's payment behaviour, which needs a
    few settlements in the quarter before it names a trend."""
    limit = await threshold(session, Signal.PAYMENT_DELAY_TREND)
    if limit is None:
        return 0
    raised = 0
    for customer_id, seen in (await behaviours(session, as_of, TREND_MONTHS)).items():
        if seen.delay_trend is None or seen.delay_trend <= limit:
            continue
        year, quarter = seen.avg_days_late, seen.avg_days_late + seen.delay_trend
        detail = (
            f"average {quarter:.0f} days late over the last quarter against "
            f"{year:.0f} over 12 months"
        )
        facts = {"quarter_avg_days_late": f"{quarter:.1f}", "year_avg_days_late": f"{year:.1f}",
                 "threshold_days": str(limit), "as_of": as_of.isoformat()}  # fmt: skip
        raised += await _raised(session, customer_id, Signal.PAYMENT_DELAY_TREND, detail, facts)
    return raised


async def dunning_level(
    session: AsyncSession, as_of: date, customer_id: uuid.UUID | None = None
) -> int:
    """Customers with an open instalment dunned at or beyond the threshold's level number."""
    limit = await threshold(session, Signal.DUNNING_LEVEL)
    if limit is None:
        return 0
    # Levels are stored by index (0 = the plan's first level); the policy counts from 1.
    stmt = (
        select(
            DunningItem.customer_id,
            func.max(DunningItem.level),
            func.max(DunningItem.level_on),
            func.count(),
        )
        .join(
            InvoiceInstalment,
            and_(
                InvoiceInstalment.id == DunningItem.instalment_id,
                InvoiceInstalment.tenant_id == DunningItem.tenant_id,
            ),
        )
        .where(DunningItem.level >= int(limit) - 1, InvoiceInstalment.open_amount > 0)
        .group_by(DunningItem.customer_id)
    )
    if customer_id is not None:
        stmt = stmt.where(DunningItem.customer_id == customer_id)
    raised = 0
    for customer, level, level_on, count in (await session.execute(stmt)).all():
        number = (level or 0) + 1  # never null here: the query kept levels past the threshold
        detail = f"{count} open instalment(s) reached dunning level {number}"
        facts = {"level": number, "threshold": int(limit), "instalments": count,
                 "level_on": level_on.isoformat() if level_on else None}  # fmt: skip
        raised += await _raised(session, customer, Signal.DUNNING_LEVEL, detail, facts)
    return raised


async def _exposures(session: AsyncSession, ctx: Context) -> list[Exposure]:
    """The exposure of every customer with a positive limit that owes or ordered something.

    Measured as the check at issue measures it. A customer whose amounts need a
    missing FX rate is skipped (and logged); the others are still measured.
    """
    rows: dict[uuid.UUID, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for customer_id, kind, cur, amount in await exposure_rows(session):
        rows[customer_id].append((kind, cur, amount))
    stmt = select(Customer.id, Customer.currency, Customer.credit_limit).where(
        Customer.credit_limit > 0
    )
    limited = [
        (c, cur, lim)
        for c, cur, lim in (await session.execute(stmt)).all()
        if c in rows and lim is not None
    ]
    own = {c: {cur for _, cur, _ in rows[c]} | {currency} for c, currency, _ in limited}
    tenant_currency = ctx.tenant.currency
    quotes, missing = await available_quotes(
        session, set().union(*own.values()), tenant_currency, ctx.as_of
    )
    measured, skipped = [], []
    for customer_id, currency, limit in limited:
        target = compared_in(currency, own[customer_id], tenant_currency)
        if target == tenant_currency and own[customer_id] & set(missing):
            skipped.append(str(customer_id))
            continue
        in_target = quotes if target == tenant_currency else {target: same_currency(target)}
        measured.append(
            measure(customer_id, rows[customer_id], (currency, limit), in_target, ctx, target)
        )
    if skipped:
        log.warning("credit_signals_missing_fx_rate", currencies=missing, customers=skipped)
    return measured


async def exposure_near_limit(session: AsyncSession, ctx: Context) -> int:
    """Customers whose exposure is above the threshold share of their credit limit."""
    ratio = await threshold(session, Signal.EXPOSURE_NEAR_LIMIT)
    if ratio is None:
        return 0
    raised = 0
    for exposure in await _exposures(session, ctx):
        used, cur = exposure.ratio, exposure.currency
        if used is None or used <= ratio or exposure.limit is None:
            continue
        total, limit = format_amount(exposure.total, cur), format_amount(exposure.limit, cur)
        detail = f"exposure {total} {cur} is {used:.0%} of the credit limit {limit} {cur}"
        facts = {"exposure": total, "currency": cur, "limit": limit, "ratio": f"{used:.4f}",
                 "threshold": str(ratio)}  # fmt: skip
        raised += await _raised(
            session, exposure.customer_id, Signal.EXPOSURE_NEAR_LIMIT, detail, facts
        )
    return raised


async def _receivables(session: AsyncSession, ctx: Context) -> dict[uuid.UUID, Decimal] | None:
    """Each customer's open receivables in the tenant currency; None when a rate is missing
    (the tenant's total, and so every share, is then unknown)."""
    rows = await open_receivables(session)
    target = ctx.tenant.currency
    quotes, missing = await available_quotes(
        session, {cur for _, cur, _ in rows}, target, ctx.as_of
    )
    if missing:
        log.warning("credit_concentration_missing_fx_rate", currencies=missing)
        return None
    sums: dict[tuple[uuid.UUID, str], Decimal] = defaultdict(lambda: ZERO)
    for customer_id, cur, amount in rows:
        sums[customer_id, cur] += amount
    owed: dict[uuid.UUID, Decimal] = defaultdict(lambda: ZERO)
    for (customer_id, cur), amount in sums.items():
        owed[customer_id] += convert(amount, quotes[cur], ctx.rounding)
    return owed


async def concentration(session: AsyncSession, ctx: Context) -> int:
    """Customers holding more than the threshold share of the tenant's open receivables."""
    share = await threshold(session, Signal.CONCENTRATION)
    if share is None:
        return 0
    owed = await _receivables(session, ctx)
    total = sum(owed.values(), ZERO) if owed else ZERO
    if owed is None or total <= 0:
        return 0
    cur, raised = ctx.tenant.currency, 0
    for customer_id, amount in owed.items():
        part = amount / total
        if part <= share:
            continue
        detail = (
            f"{part:.0%} of the open receivables ({format_amount(amount, cur)} of "
            f"{format_amount(total, cur)} {cur})"
        )
        facts = {"share": f"{part:.4f}", "open": format_amount(amount, cur),
                 "total_open": format_amount(total, cur), "currency": cur,
                 "threshold": str(share)}  # fmt: skip
        raised += await _raised(session, customer_id, Signal.CONCENTRATION, detail, facts)
    return raised


async def _raised(
    session: AsyncSession,
    customer_id: uuid.UUID,
    signal: Signal,
    detail: str,
    facts: dict[str, Any],
) -> int:
    return int(await raise_signal(session, customer_id, signal, detail, facts) is not None)


async def run_detectors(session: AsyncSession, ctx: Context) -> dict[str, int]:
    """Every daily detector as of ``ctx.as_of``; alerts raised per signal.

    A missing FX rate skips only the customers whose amounts need it (logged);
    concentration needs the tenant's whole total, so it waits for the rate.
    """
    return {
        Signal.PAYMENT_DELAY_TREND.value: await payment_delay_trend(session, ctx.as_of),
        Signal.DUNNING_LEVEL.value: await dunning_level(session, ctx.as_of),
        Signal.EXPOSURE_NEAR_LIMIT.value: await exposure_near_limit(session, ctx),
        Signal.CONCENTRATION.value: await concentration(session, ctx),
    }
