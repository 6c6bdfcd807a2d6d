"""Payment plans: a customer's open instalments restructured into an agreed schedule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.bounds import MAX_AMOUNT, amount_of, check_day
from arplatform.collections.models import PaymentPlan, PlanInstalment, PlanItem
from arplatform.collections.notices import claim
from arplatform.collections.paid import Movement, paid_movements
from arplatform.collections.rules import Outcome, ScheduleError, check_schedule, even_split
from arplatform.collections.rules import plan_outcome as outcome_of
from arplatform.collections.schemas import (
    PlanCancel,
    PlanCreate,
    PlanItemOut,
    PlanOut,
    ScheduleRowIn,
    ScheduleRowOut,
)
from arplatform.customers.models import Customer
from arplatform.events.service import emit
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.invoices.states import OPEN
from arplatform.money import format_amount
from arplatform.payments.models import Allocation
from arplatform.payments.settlement import lock_invoices
from arplatform.tenants.clock import today

#: Bookings on covered instalments that lower what a plan requires without being paid.
CREDIT_KINDS = ("credit_note", "write_off")


def to_out(plan: PaymentPlan) -> PlanOut:
    cur = plan.currency
    return PlanOut(
        id=plan.id,
        customer_id=plan.customer_id,
        currency=cur,
        amount=format_amount(plan.amount, cur),
        paid_amount=format_amount(plan.paid_amount, cur),
        agreed_on=plan.agreed_on,
        grace_days=plan.grace_days,
        note=plan.note,
        status=plan.status,
        closed_on=plan.closed_on,
        schedule=[
            ScheduleRowOut(seq=r.seq, due_date=r.due_date, amount=format_amount(r.amount, cur))
            for r in plan.schedule
        ],
        items=[
            PlanItemOut(invoice_id=i.invoice_id, seq=i.seq, amount=format_amount(i.amount, cur))
            for i in plan.items
        ],
        version=plan.version,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[FieldError(field=field, message=message)])


async def _selected(
    session: AsyncSession, customer: Customer, data: PlanCreate, agreed_on: date
) -> list[tuple[Invoice, InvoiceInstalment]]:
    """The open instalments the plan covers with their invoices, row-locked."""
    if not data.items:
        currency = str(data.currency or customer.currency)
        stmt = (
            select(InvoiceInstalment.invoice_id)
            .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
            .where(
                InvoiceInstalment.customer_id == customer.id,
                InvoiceInstalment.due_date < agreed_on,
                InvoiceInstalment.open_amount > 0,
                Invoice.status.in_(OPEN),
                Invoice.currency == currency,
            )
        )
        ids = set((await session.scalars(stmt)).all())
        invoices = await lock_invoices(session, ids)
        return [
            (invoice, row)
            for invoice in invoices.values()
            for row in invoice.instalments
            if row.due_date < agreed_on and row.open_amount > 0
        ]
    invoices = await lock_invoices(session, (item.invoice_id for item in data.items))
    chosen: list[tuple[Invoice, InvoiceInstalment]] = []
    for index, item in enumerate(data.items):
        field = f"items[{index}]"
        invoice = invoices.get(item.invoice_id)
        if invoice is None or invoice.customer_id != customer.id:
            raise _invalid(field, f"{item.invoice_id} does not name an invoice of the customer")
        if invoice.status not in OPEN:
            raise _invalid(field, f"the invoice is {invoice.status}; nothing of it is open")
        rows = [r for r in invoice.instalments if item.seq in (None, r.seq) and r.open_amount > 0]
        if not rows:
            raise _invalid(field, "no open instalment matches")
        chosen.extend((invoice, r) for r in rows if (invoice, r) not in chosen)
    return chosen


async def _check_free(session: AsyncSession, rows: Sequence[InvoiceInstalment]) -> None:
    stmt = (
        select(PlanItem.instalment_id)
        .join(PaymentPlan, PaymentPlan.id == PlanItem.plan_id)
        .where(PlanItem.instalment_id.in_([r.id for r in rows]), PaymentPlan.status == "active")
    )
    if (await session.scalars(stmt)).first() is not None:
        raise Conflict("An instalment is covered by another active payment plan")


async def _check_backdating(
    session: AsyncSession, rows: Sequence[InvoiceInstalment], agreed_on: date
) -> None:
    """Refuse an ``agreed_on`` that would count money already taken off the amount covered.

    The plan covers the open amount of today and counts payments from
    ``agreed_on``: a payment or credit note booked on the covered instalments on
    or after that day would count twice, any later booking means the amount
    covered is not what was open on ``agreed_on``.
    """
    stmt = select(func.max(Allocation.booked_on)).where(
        Allocation.instalment_id.in_([row.id for row in rows])
    )
    latest = await session.scalar(stmt)
    paid = await session.scalar(stmt.where(Allocation.kind.in_(("payment", "credit_note"))))
    if (latest is not None and latest > agreed_on) or (paid is not None and paid >= agreed_on):
        last = max(day for day in (latest, paid) if day is not None)
        raise _invalid(
            "agreed_on",
            f"agreed_on {agreed_on} is not after {last}, when amounts were last booked "
            "on the instalments covered; agree the plan from a later day",
        )


def _schedule(
    rows: Sequence[ScheduleRowIn], total: Decimal, currency: str, agreed_on: date
) -> list[tuple[date, Decimal]]:
    given = [row.amount for row in rows if row.amount is not None]
    if given and len(given) != len(rows):
        raise _invalid("schedule", "give the amount of every schedule row, or of none")
    for index, row in enumerate(rows):
        check_day(f"schedule[{index}].due_date", row.due_date)
    if given:
        amounts = [amount_of(f"schedule[{i}].amount", a, currency) for i, a in enumerate(given)]
    else:
        amounts = even_split(total, len(rows), currency)
    schedule = [(row.due_date, amount) for row, amount in zip(rows, amounts, strict=True)]
    try:
        check_schedule(schedule, total, currency, agreed_on)
    except ScheduleError as exc:
        raise _invalid("schedule", str(exc)) from None
    return schedule


def _item(position: int, row: InvoiceInstalment) -> PlanItem:
    return PlanItem(
        invoice_id=row.invoice_id,
        instalment_id=row.id,
        seq=row.seq,
        position=position,
        amount=row.open_amount,
    )


async def create_plan(session: AsyncSession, data: PlanCreate) -> PaymentPlan:
    """Agree a schedule for the selected open instalments; dunning pauses on them while kept."""
    customer = await session.scalar(select(Customer).where(Customer.id == data.customer_id))
    if customer is None:
        raise _invalid("customer_id", f"customer_id {data.customer_id} does not name a customer")
    agreed_on = data.agreed_on or await today(session)
    check_day("agreed_on", agreed_on)
    selected = await _selected(session, customer, data, agreed_on)
    if not selected:
        raise _invalid("items", "the customer has nothing overdue to restructure")
    rows = [row for _, row in selected]
    currencies = {invoice.currency for invoice, _ in selected}
    if len(currencies) != 1 or (data.currency and str(data.currency) not in currencies):
        raise _invalid("items", "the instalments of a plan must all be in one currency")
    currency = currencies.pop()
    await _check_free(session, rows)
    await _check_backdating(session, rows, agreed_on)
    total = sum((row.open_amount for row in rows), Decimal(0))
    if total > MAX_AMOUNT:
        raise _invalid("items", "the amount covered is too large")
    schedule = _schedule(data.schedule, total, currency, agreed_on)
    plan = PaymentPlan(
        customer_id=customer.id,
        currency=currency,
        amount=total,
        agreed_on=agreed_on,
        grace_days=data.grace_days,
        note=data.note,
        paid_amount=Decimal(0),
        schedule=[
            PlanInstalment(seq=seq, due_date=due, amount=amount)
            for seq, (due, amount) in enumerate(schedule, start=1)
        ],
        items=[_item(index, row) for index, row in enumerate(rows)],
    )
    session.add(plan)
    await session.flush()
    return plan


async def cancel_plan(
    session: AsyncSession, plan_id: uuid.UUID, data: PlanCancel, if_match: str | None
) -> PaymentPlan:
    """End an active plan by agreement; dunning resumes on what is still open."""
    plan = await get_plan(session, plan_id)
    check_if_match(if_match, plan.version)
    if plan.status != "active":
        raise Conflict(f"The plan is {plan.status} already")
    cancelled_on = data.cancelled_on or await today(session)
    check_day("cancelled_on", cancelled_on, not_before=plan.agreed_on, label="agreed_on")
    plan.status, plan.closed_on = "cancelled", cancelled_on
    if data.note:
        plan.note = data.note
    await session.flush()
    return plan


async def _movements(
    session: AsyncSession, plan: PaymentPlan, as_of: date
) -> tuple[list[Movement], list[Movement]]:
    """What the customer paid towards the plan, and the credits lowering what it requires.

    Write-offs and cancelled invoices take their debt out of the plan from its
    start (it is no longer collected); credit notes from the day they were booked.
    """
    covered = [item.instalment_id for item in plan.items]
    paid = await paid_movements(
        session,
        plan.customer_id,
        plan.currency,
        plan.agreed_on,
        as_of,
        scope=Allocation.instalment_id.in_(covered),
    )
    stmt = select(Allocation.kind, Allocation.booked_on, Allocation.amount).where(
        Allocation.instalment_id.in_(covered), Allocation.kind.in_(CREDIT_KINDS)
    )
    credits = [
        (plan.agreed_on, row.amount) if row.kind == "write_off" else (row.booked_on, row.amount)
        for row in (await session.execute(stmt)).all()
        if row.kind == "write_off" or plan.agreed_on <= row.booked_on <= as_of
    ]
    cancelled = select(Invoice.id).where(
        Invoice.id.in_({item.invoice_id for item in plan.items}), Invoice.status == "cancelled"
    )
    gone = set((await session.scalars(cancelled)).all())
    credits.extend((plan.agreed_on, item.amount) for item in plan.items if item.invoice_id in gone)
    return paid, credits


async def evaluate_plan(session: AsyncSession, plan: PaymentPlan, as_of: date) -> Outcome:
    """Settle an active plan as of ``as_of``: completed, broken (``plan.broken``) or active."""
    schedule = [(row.due_date, row.amount) for row in plan.schedule]
    paid, credits = await _movements(session, plan, as_of)
    outcome = outcome_of(schedule, plan.grace_days, plan.agreed_on, paid, as_of, credits)
    plan.paid_amount = outcome.paid
    if outcome.status != "active":
        plan.status, plan.closed_on = outcome.status, outcome.closed_on
    await session.flush()
    key = f"plan.broken:{plan.id}"
    if outcome.status == "broken" and await claim(session, key, "plan.broken", as_of):
        emit(
            session,
            "plan.broken",
            resource_type="payment_plan",
            resource_id=plan.id,
            resource_version=plan.version,
            data={
                "customer_id": str(plan.customer_id),
                "amount": format_amount(plan.amount, plan.currency),
                "paid_amount": format_amount(outcome.paid, plan.currency),
                "currency": plan.currency,
                "broken_on": str(outcome.closed_on),
            },
        )
    return outcome


async def active_plans(session: AsyncSession, as_of: date) -> list[PaymentPlan]:
    """Active plans agreed on or before ``as_of``."""
    stmt = select(PaymentPlan).where(PaymentPlan.status == "active", PaymentPlan.agreed_on <= as_of)
    return list((await session.scalars(stmt.order_by(PaymentPlan.id))).all())


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> PaymentPlan:
    return await fetch_one(session, PaymentPlan, plan_id, "payment plan")


async def list_plans(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[PaymentPlan], str | None]:
    """The tenant's payment plans, oldest first, optionally of one customer or status."""
    return await fetch_matching_page(
        session, PaymentPlan, cursor, limit, customer_id=customer_id, status=status
    )
