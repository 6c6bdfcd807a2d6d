"""Late interest of an invoice as of a day: what dunning notices and the API show."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import Conflict, NotFound
from arplatform.db.among import among
from arplatform.interest import rules
from arplatform.interest.models import InterestPolicy
from arplatform.interest.policies import (
    applicable_policies,
    percent_text,
    reference_series,
    to_rule,
)
from arplatform.interest.schemas import (
    InstalmentInterestOut,
    InterestOut,
    MoneyOut,
    SegmentOut,
)
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.money import Rounding, format_amount
from arplatform.payments.models import Allocation
from arplatform.reports.queries import live_invoice
from arplatform.reports.service import check_day
from arplatform.tenants.clock import tenant_today
from arplatform.tenants.models import Tenant

ONE_DAY = timedelta(days=1)


class ReferenceRateMissing(Conflict):
    """The invoice's rule needs a reference rate on a day that has none recorded."""

    def __init__(self, missing: rules.MissingReferenceRate) -> None:
        super().__init__(f"{missing}; record it under /v1/reference-rates")
        self.key = missing.key
        self.day = missing.day


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """What interest needs of an invoice (read as columns: no lines, no relationships)."""

    id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    status: str
    issue_date: date
    cancelled_on: date | None
    written_off_on: date | None


@dataclass(frozen=True)
class InvoiceInterestReport:
    """An invoice's interest as of ``as_of`` and the policy it was computed with.

    ``source`` says where the policy came from: ``customer``, ``tenant`` or
    ``default`` (nothing configured: no interest). ``seqs`` are the instalment
    numbers in the order of ``result.instalments``.
    """

    invoice: InvoiceFacts
    as_of: date
    policy: rules.Policy
    source: str
    policy_id: uuid.UUID | None
    seqs: tuple[int, ...]
    result: rules.InvoiceInterest


@dataclass(frozen=True, slots=True)
class _Instalment:
    id: uuid.UUID
    seq: int
    due_date: date
    amount: Decimal


async def _rounding(session: AsyncSession) -> Rounding:
    tenant = await session.get(Tenant, session.info["tenant_id"])
    return Rounding(tenant.rounding) if tenant else Rounding.HALF_UP


async def _invoices(session: AsyncSession, ids: Collection[uuid.UUID]) -> list[InvoiceFacts]:
    rows = await session.execute(
        select(
            Invoice.id,
            Invoice.customer_id,
            Invoice.currency,
            Invoice.status,
            Invoice.issue_date,
            Invoice.cancelled_on,
            Invoice.written_off_on,
        ).where(among(Invoice.id, ids))
    )
    return [InvoiceFacts(*row) for row in rows]


async def _instalments(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[_Instalment]]:
    """The instalments of the invoices that ever were receivables, in one query."""
    rows = await session.execute(
        select(
            InvoiceInstalment.invoice_id,
            InvoiceInstalment.id,
            InvoiceInstalment.seq,
            InvoiceInstalment.due_date,
            InvoiceInstalment.amount,
        )
        .join(
            Invoice,
            and_(
                Invoice.tenant_id == InvoiceInstalment.tenant_id,
                Invoice.id == InvoiceInstalment.invoice_id,
            ),
        )
        .where(among(InvoiceInstalment.invoice_id, ids), live_invoice(Invoice.issue_date))
        .order_by(InvoiceInstalment.invoice_id, InvoiceInstalment.seq)
    )
    found: dict[uuid.UUID, list[_Instalment]] = defaultdict(list)
    for invoice_id, instalment_id, seq, due_date, amount in rows:
        found[invoice_id].append(_Instalment(instalment_id, seq, due_date, amount))
    return found


async def _allocations(
    session: AsyncSession, ids: Collection[uuid.UUID], as_of: date
) -> dict[uuid.UUID, tuple[tuple[date, Decimal], ...]]:
    """Each instalment's movements up to ``as_of``, summed per day, in one query."""
    rows = await session.execute(
        select(Allocation.instalment_id, Allocation.booked_on, func.sum(Allocation.amount))
        .where(among(Allocation.invoice_id, ids), Allocation.booked_on <= as_of)
        .group_by(Allocation.instalment_id, Allocation.booked_on)
    )
    found: dict[uuid.UUID, list[tuple[date, Decimal]]] = defaultdict(list)
    for instalment_id, booked_on, amount in rows:
        found[instalment_id].append((booked_on, Decimal(amount)))
    return {key: tuple(sorted(value)) for key, value in found.items()}


def last_interest_day(invoice: InvoiceFacts, as_of: date) -> tuple[date, str | None]:
    """The last day interest accrues through, and why it is before ``as_of``.

    A cancelled invoice stops being a receivable on its cancellation day (see
    ``live_invoice``), so it accrues through the day before. A write-off is a
    dated allocation and, like a payment, its day still accrues; capping there
    also keeps a written-off invoice from accruing again should it reopen.
    """
    if invoice.cancelled_on is not None and invoice.cancelled_on <= as_of:
        last = invoice.cancelled_on - ONE_DAY
        return last, f"The invoice was cancelled on {invoice.cancelled_on}: interest stops then"
    if invoice.written_off_on is not None and invoice.written_off_on < as_of:
        last = invoice.written_off_on
        return last, f"The invoice was written off on {last}: interest stops then"
    return as_of, None


def _never_live(invoice: InvoiceFacts) -> str:
    if invoice.status == "draft":
        return "A draft invoice bears no interest"
    return f"The invoice was cancelled on {invoice.cancelled_on} before it was owed: no interest"


@dataclass(frozen=True, slots=True)
class _Context:
    as_of: date
    policies: dict[uuid.UUID, tuple[InterestPolicy | None, str]]
    series: dict[str | None, rules.RateSeries]
    instalments: dict[uuid.UUID, list[_Instalment]]
    movements: dict[uuid.UUID, tuple[tuple[date, Decimal], ...]]
    rounding: Rounding


def _report(ctx: _Context, invoice: InvoiceFacts) -> InvoiceInterestReport | ReferenceRateMissing:
    row, source = ctx.policies[invoice.customer_id]
    policy = rules.NO_INTEREST if row is None else to_rule(row)
    live = ctx.instalments.get(invoice.id, [])
    last, note = last_interest_day(invoice, ctx.as_of) if live else (ctx.as_of, None)
    instalments = [
        rules.Instalment(i.due_date, i.amount, ctx.movements.get(i.id, ())) for i in live
    ]
    try:
        result = rules.interest_for_invoice(
            policy, ctx.series[policy.reference], instalments, last, invoice.currency, ctx.rounding
        )
    except rules.MissingReferenceRate as missing:
        return ReferenceRateMissing(missing)
    notes = (note,) if note else () if live else (_never_live(invoice),)
    if notes:
        result = rules.InvoiceInterest(
            result.instalments, result.total, result.compensation, notes + result.notes
        )
    return InvoiceInterestReport(
        invoice=invoice,
        as_of=ctx.as_of,
        policy=policy,
        source=source,
        policy_id=None if row is None else row.id,
        seqs=tuple(i.seq for i in live),
        result=result,
    )


async def interest_for_invoices(
    session: AsyncSession, invoice_ids: Collection[uuid.UUID], as_of: date
) -> dict[uuid.UUID, InvoiceInterestReport | ReferenceRateMissing]:
    """Late interest of several invoices as of ``as_of``, in a fixed number of queries.

    Invoices, instalments and allocations are read once for all of them; each
    invoice's rule is that of its customer (else the tenant's). An invoice that
    needs a reference rate not recorded maps to :class:`ReferenceRateMissing`;
    unknown ids are left out. Interest stops when an invoice is cancelled or
    written off (:func:`last_interest_day`); a draft bears none.
    """
    ids = set(invoice_ids)
    invoices = await _invoices(session, ids) if ids else []
    if not invoices:
        return {}
    policies = await applicable_policies(session, {i.customer_id for i in invoices})
    keys = {None if row is None else to_rule(row).reference for row, _ in policies.values()}
    ctx = _Context(
        as_of=as_of,
        policies=policies,
        series={key: await reference_series(session, key, as_of) for key in keys},
        instalments=await _instalments(session, ids),
        movements=await _allocations(session, ids, as_of),
        rounding=await _rounding(session),
    )
    return {invoice.id: _report(ctx, invoice) for invoice in invoices}


async def invoice_interest(
    session: AsyncSession, invoice_id: uuid.UUID, as_of: date | None = None
) -> InvoiceInterestReport:
    """Late interest of an invoice as of ``as_of`` (default: today in the tenant's zone).

    Per instalment, with the balance history from the allocations and the rate
    of the applicable policy each day; raises :class:`ReferenceRateMissing`
    (409) when the rule needs a reference rate that is not recorded.
    """
    tenant = await session.get(Tenant, session.info["tenant_id"])
    as_of = check_day(as_of or tenant_today(tenant), "as_of")
    found = (await interest_for_invoices(session, [invoice_id], as_of)).get(invoice_id)
    if found is None:
        raise NotFound(f"No invoice {invoice_id}")
    if isinstance(found, ReferenceRateMissing):
        raise found
    return found


def to_out(report: InvoiceInterestReport) -> InterestOut:
    currency = report.invoice.currency
    result = report.result
    compensation = result.compensation
    return InterestOut(
        invoice_id=report.invoice.id,
        as_of=report.as_of,
        currency=currency,
        rule=report.policy.rule,
        policy_source=report.source,
        policy_id=report.policy_id,
        day_count=report.policy.day_count,
        reference_key=report.policy.reference,
        instalments=[
            _instalment_out(seq, item, currency)
            for seq, item in zip(report.seqs, result.instalments, strict=True)
        ],
        interest=format_amount(result.total, currency),
        compensation=None
        if compensation is None
        else MoneyOut(
            amount=format_amount(compensation.amount, compensation.currency),
            currency=compensation.currency,
        ),
        notes=list(result.notes),
    )


def _instalment_out(
    seq: int, item: rules.InstalmentInterest, currency: str
) -> InstalmentInterestOut:
    return InstalmentInterestOut(
        seq=seq,
        due_date=item.due_date,
        amount=format_amount(item.principal, currency),
        late_amount=format_amount(item.late_principal, currency),
        interest=format_amount(item.interest, currency),
        segments=[
            SegmentOut(
                from_=s.start,
                to=s.end,
                days=s.days,
                balance=format_amount(s.balance, currency),
                rate=percent_text(s.rate),
                year_days=s.year_days,
                amount=format_amount(s.amount, currency),
            )
            for s in item.segments
        ],
    )
