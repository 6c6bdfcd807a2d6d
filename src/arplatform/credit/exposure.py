"""Exposure: what a customer owes and has ordered, less its unapplied credit, against its limit.

Exposure = open receivables (issued invoices' open amounts) + open commitments
- unapplied payments and credit notes (a prepayment is money the customer
already gave). Amounts are summed per currency in SQL, then per currency across
every kind, and each currency's sum is converted once with the FX rate in force
on the day. When every amount and the limit share one currency the comparison
is made in it and needs no rate; otherwise in the tenant currency.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import NotFound
from arplatform.credit.fx import Quote, convert, quotes_on, rate_text
from arplatform.credit.watch_models import Commitment
from arplatform.credit.watch_schemas import CommitmentStatus, ExposureOut, ExposurePartOut
from arplatform.customers.models import Customer
from arplatform.invoices.models import Invoice
from arplatform.invoices.states import OPEN
from arplatform.money import Rounding, format_amount
from arplatform.payments.models import CreditNote, Payment
from arplatform.tenants.clock import tenant_today
from arplatform.tenants.models import Tenant
from arplatform.tenants.service import current_tenant

ZERO = Decimal(0)
RECEIVED = "received"  # a reversed payment's unapplied amount is zero and it counts no more


class PartKind:
    RECEIVABLES = "open_receivables"
    COMMITMENTS = "commitments"
    UNAPPLIED = "unapplied_credit"  # counts negatively
    INVOICE = "invoice"


#: One customer's amount of one kind in one currency (negative for unapplied credit).
Row = tuple[uuid.UUID, str, str, Decimal]


@dataclass(frozen=True, slots=True)
class Part:
    """One currency's amount of one kind, and its value in the exposure's currency."""

    kind: str
    currency: str
    amount: Decimal
    converted: Decimal
    quote: Quote


@dataclass(frozen=True, slots=True)
class Exposure:
    customer_id: uuid.UUID
    currency: str  # the limit's when every part shares it, else the tenant's
    as_of: date
    limit: Decimal | None  # in ``currency``
    parts: tuple[Part, ...]
    #: Each currency's sum over every kind, converted once: not the sum of rounded parts.
    total: Decimal

    def total_of(self, kind: str) -> Decimal:
        """The converted parts of one kind (for display; rounded per currency)."""
        return sum((p.converted for p in self.parts if p.kind == kind), ZERO)

    @property
    def available(self) -> Decimal | None:
        return None if self.limit is None else self.limit - self.total

    @property
    def ratio(self) -> Decimal | None:
        """Exposure over limit (None without a positive limit)."""
        if not self.limit:
            return None
        return self.total / self.limit


@dataclass(frozen=True, slots=True)
class Context:
    """What every conversion of one computation shares."""

    tenant: Tenant
    as_of: date

    @property
    def rounding(self) -> Rounding:
        return Rounding(self.tenant.rounding)


async def context(session: AsyncSession, as_of: date | None = None) -> Context:
    tenant = await current_tenant(session)
    return Context(tenant, as_of or tenant_today(tenant))


def compared_in(limit_currency: str | None, currencies: Iterable[str], tenant_currency: str) -> str:
    """The currency exposure is compared in: the limit's when every amount is in it."""
    if limit_currency is not None and set(currencies) <= {limit_currency}:
        return limit_currency
    return tenant_currency


def measure(
    customer_id: uuid.UUID,
    rows: Sequence[tuple[str, str, Decimal]],
    limit: tuple[str, Decimal] | None,
    quotes: dict[str, Quote],
    ctx: Context,
    target: str,
) -> Exposure:
    """Exposure from ``(kind, currency, signed amount)`` rows, converted to ``target``.

    Each currency is summed across kinds before it is converted, so a customer
    exactly at its limit is not pushed over it by rounding each kind apart.
    """
    parts = tuple(
        Part(kind, cur, amount, convert(amount, quotes[cur], ctx.rounding), quotes[cur])
        for kind, cur, amount in sorted(rows)
    )
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for _, cur, amount in rows:
        sums[cur] += amount
    total = sum((convert(s, quotes[cur], ctx.rounding) for cur, s in sums.items()), ZERO)
    converted = None if limit is None else convert(limit[1], quotes[limit[0]], ctx.rounding)
    return Exposure(customer_id, target, ctx.as_of, converted, parts, total)


async def open_receivables(
    session: AsyncSession, customer_id: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, str, Decimal]]:
    """``(customer, currency, open amount)`` of issued invoices, one row per pair."""
    stmt = (
        select(Invoice.customer_id, Invoice.currency, func.sum(Invoice.open_amount))
        .where(Invoice.status.in_(OPEN), Invoice.open_amount > 0)
        .group_by(Invoice.customer_id, Invoice.currency)
    )
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    return [(c, cur, amount) for c, cur, amount in (await session.execute(stmt)).all()]


async def open_commitments(
    session: AsyncSession, customer_id: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, str, Decimal]]:
    """``(customer, currency, amount)`` of open commitments, one row per pair."""
    stmt = (
        select(Commitment.customer_id, Commitment.currency, func.sum(Commitment.amount))
        .where(Commitment.status == CommitmentStatus.OPEN)
        .group_by(Commitment.customer_id, Commitment.currency)
    )
    if customer_id is not None:
        stmt = stmt.where(Commitment.customer_id == customer_id)
    return [(c, cur, amount) for c, cur, amount in (await session.execute(stmt)).all()]


async def unapplied_credit(
    session: AsyncSession, customer_id: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, str, Decimal]]:
    """``(customer, currency, amount)`` of unapplied payments and credit notes, per pair."""
    payments = select(
        Payment.customer_id, Payment.currency, Payment.unapplied.label("amount")
    ).where(Payment.status == RECEIVED, Payment.unapplied > 0)
    notes = select(
        CreditNote.customer_id, CreditNote.currency, CreditNote.unapplied.label("amount")
    ).where(CreditNote.unapplied > 0)
    if customer_id is not None:
        payments = payments.where(Payment.customer_id == customer_id)
        notes = notes.where(CreditNote.customer_id == customer_id)
    both = union_all(payments, notes).subquery()
    stmt = select(both.c.customer_id, both.c.currency, func.sum(both.c.amount)).group_by(
        both.c.customer_id, both.c.currency
    )
    return [(c, cur, amount) for c, cur, amount in (await session.execute(stmt)).all()]


async def exposure_rows(session: AsyncSession, customer_id: uuid.UUID | None = None) -> list[Row]:
    """Every customer's (or one's) signed amounts per kind and currency, in three queries."""
    rows: list[Row] = [
        (c, PartKind.RECEIVABLES, cur, a)
        for c, cur, a in await open_receivables(session, customer_id)
    ]
    rows += [
        (c, PartKind.COMMITMENTS, cur, a)
        for c, cur, a in await open_commitments(session, customer_id)
    ]
    rows += [
        (c, PartKind.UNAPPLIED, cur, -a)
        for c, cur, a in await unapplied_credit(session, customer_id)
    ]
    return rows


async def exposure_of(
    session: AsyncSession, customer: Customer, ctx: Context, invoice: Invoice | None = None
) -> Exposure:
    """The customer's exposure on ``ctx.as_of``, plus ``invoice`` when it is being issued.

    Raises ``MissingRate`` (409) when an amount must be converted and its currency
    has no rate to the tenant currency.
    """
    rows = [
        (kind, cur, amount) for _, kind, cur, amount in await exposure_rows(session, customer.id)
    ]
    if invoice is not None:
        rows.append((PartKind.INVOICE, invoice.currency, invoice.total))
    limit = None
    if customer.credit_limit is not None:
        limit = (customer.currency, customer.credit_limit)
    currencies = {cur for _, cur, _ in rows} | ({customer.currency} if limit else set())
    target = compared_in(limit[0] if limit else None, currencies, ctx.tenant.currency)
    quotes = await quotes_on(session, currencies, target, ctx.as_of)
    return measure(customer.id, rows, limit, quotes, ctx, target)


async def customer_exposure(session: AsyncSession, customer_id: uuid.UUID) -> Exposure:
    """Today's exposure of a customer (404 when there is no such customer)."""
    customer = await session.scalar(select(Customer).where(Customer.id == customer_id))
    if customer is None:
        raise NotFound(f"No customer {customer_id}")
    return await exposure_of(session, customer, await context(session))


async def lock_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer | None:
    """The customer row, locked until commit so exposure checks of one customer queue up.

    ``FOR NO KEY UPDATE``: an invoice inserted in the same transactions takes a
    key-share lock on the customer (its foreign key), which this does not wait for.
    """
    return await session.scalar(
        select(Customer)
        .where(Customer.id == customer_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


def exposure_out(exposure: Exposure) -> ExposureOut:
    cur = exposure.currency
    return ExposureOut(
        customer_id=exposure.customer_id,
        currency=cur,
        as_of=exposure.as_of,
        limit=None if exposure.limit is None else format_amount(exposure.limit, cur),
        exposure=format_amount(exposure.total, cur),
        available=None if exposure.available is None else format_amount(exposure.available, cur),
        open_receivables=format_amount(exposure.total_of(PartKind.RECEIVABLES), cur),
        commitments=format_amount(exposure.total_of(PartKind.COMMITMENTS), cur),
        unapplied_credit=format_amount(exposure.total_of(PartKind.UNAPPLIED), cur),
        composition=[
            ExposurePartOut(
                kind=part.kind,
                currency=part.currency,
                amount=format_amount(part.amount, part.currency),
                converted=format_amount(part.converted, cur),
                rate=rate_text(part.quote.per_unit),
                rate_date=part.quote.valid_from,
            )
            for part in exposure.parts
        ],
    )
