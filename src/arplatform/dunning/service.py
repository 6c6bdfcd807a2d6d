"""Dunning rules behind the API: runs, the review queue, plans, settings, exclusions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.api.problems import Conflict, FieldError, InvalidInput, NotFound
from arplatform.bounds import check_day
from arplatform.customers.models import Customer
from arplatform.dunning import plans as plan_rules
from arplatform.dunning.models import (
    Communication,
    CustomerDunning,
    DunningItem,
    DunningPlan,
    DunningSettings,
    InvoiceExclusion,
)
from arplatform.dunning.record import Recorded, queue_deliveries, record_run
from arplatform.dunning.run import Decided, decide_day
from arplatform.dunning.schemas import (
    CommunicationEdit,
    CustomerDunningUpdate,
    DunningPlanCreate,
    DunningPlanUpdate,
    DunningSettingsUpdate,
    InvoiceDunningUpdate,
)
from arplatform.invoices.models import Invoice
from arplatform.money import parse_amount
from arplatform.tenants.clock import today


async def run(
    session: AsyncSession, as_of: date | None, *, dry_run: bool
) -> tuple[Decided, Recorded | None]:
    """Run dunning for ``as_of`` (default today); a dry run decides and records nothing."""
    now = await today(session)
    day = as_of or now
    check_day("as_of", day)
    if day > now and not dry_run:
        raise InvalidInput(
            f"as_of {day} is after today ({now}): only a dry run can look ahead",
            errors=[FieldError(field="as_of", message="in the future")],
        )
    decided = await decide_day(session, day, lock=not dry_run)
    if dry_run:
        return decided, None
    return decided, await record_run(session, decided, "api")


async def get_communication(session: AsyncSession, communication_id: uuid.UUID) -> Communication:
    found: Communication | None = await session.scalar(
        select(Communication)
        .where(Communication.id == communication_id)
        .options(selectinload(Communication.lines), selectinload(Communication.deliveries))
    )
    if found is None:
        raise NotFound(f"No dunning communication {communication_id}")
    return found


async def communications(session: AsyncSession, ids: list[uuid.UUID]) -> list[Communication]:
    """The communications with ``ids``, their lines and deliveries, in the order given."""
    rows = await session.scalars(
        select(Communication)
        .where(Communication.id.in_(ids))
        .options(selectinload(Communication.lines), selectinload(Communication.deliveries))
    )
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids]


async def list_communications(
    session: AsyncSession, *, filters: dict[str, Any], cursor: str | None, limit: int
) -> tuple[list[Communication], str | None]:
    stmt = select(Communication).options(
        selectinload(Communication.lines), selectinload(Communication.deliveries)
    )
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Communication, name) == value)
    return await fetch_page(session, stmt, Communication, cursor, limit)


async def _draft(
    session: AsyncSession, communication_id: uuid.UUID, if_match: str | None
) -> Communication:
    communication = await get_communication(session, communication_id)
    check_if_match(if_match, communication.version)
    if communication.status != "draft":
        raise Conflict(f"The communication is {communication.status}, not a draft under review")
    return communication


async def edit_communication(
    session: AsyncSession,
    communication_id: uuid.UUID,
    data: CommunicationEdit,
    if_match: str | None,
) -> Communication:
    """Change a draft's wording before it is approved."""
    communication = await _draft(session, communication_id, if_match)
    for field in ("subject", "text_body"):
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            setattr(communication, field, value)
    await session.flush()
    return communication


async def approve_communication(
    session: AsyncSession, communication_id: uuid.UUID, if_match: str | None
) -> Communication:
    """Release a draft: its deliveries are queued."""
    communication = await _draft(session, communication_id, if_match)
    communication.status = "queued"
    await queue_deliveries(session, [(communication.id, list(communication.channels))])
    await session.flush()
    return communication


async def skip_communication(
    session: AsyncSession, communication_id: uuid.UUID, if_match: str | None
) -> Communication:
    """Do not send a draft; the instalments keep their level (the next one follows as planned)."""
    communication = await _draft(session, communication_id, if_match)
    communication.status = "skipped"
    await session.flush()
    return communication


def _plan_values(data: DunningPlanCreate | DunningPlanUpdate) -> dict[str, Any]:
    values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "levels" in values:
        plan_rules.check_levels(tuple(values["levels"]))
        values["levels"] = msgspec.to_builtins(values["levels"])
    return values


async def _names_free(session: AsyncSession, values: dict[str, Any], own: uuid.UUID | None) -> None:
    for field in ("name", "risk_tier"):
        if values.get(field) is None:
            continue
        taken = await session.scalar(
            select(DunningPlan.id).where(getattr(DunningPlan, field) == values[field])
        )
        if taken is not None and taken != own:
            raise Conflict(f"Another plan already has {field} {values[field]!r}")


async def create_plan(session: AsyncSession, data: DunningPlanCreate) -> DunningPlan:
    """Add a plan (for a risk tier, or for customers to be given one by name)."""
    await plan_rules.ensure_defaults(session)
    values = _plan_values(data)
    await _names_free(session, values, None)
    plan = DunningPlan(is_default=False, **values)
    session.add(plan)
    await session.flush()
    if plan.risk_tier is not None:  # its tier's customers follow it from the next run
        tier = select(Customer.id).where(Customer.risk_tier == plan.risk_tier)
        await plan_rules.reconsider(session, DunningItem.customer_id.in_(tier))
    return plan


async def update_plan(
    session: AsyncSession, plan_id: uuid.UUID, data: DunningPlanUpdate, if_match: str | None
) -> DunningPlan:
    """Change a plan; its instalments are decided afresh at the next run."""
    plan = await get_plan(session, plan_id)
    check_if_match(if_match, plan.version)
    values = _plan_values(data)
    await _names_free(session, values, plan.id)
    for key, value in values.items():
        setattr(plan, key, value)
    await session.flush()
    await plan_rules.reconsider(session, DunningItem.plan_id == plan.id)
    return plan


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> DunningPlan:
    plan: DunningPlan = await fetch_one(session, DunningPlan, plan_id, "dunning plan")
    return plan


async def list_plans(
    session: AsyncSession, cursor: str | None, limit: int
) -> tuple[list[DunningPlan], str | None]:
    await plan_rules.ensure_defaults(session)
    return await fetch_page(session, select(DunningPlan), DunningPlan, cursor, limit)


async def update_settings(
    session: AsyncSession, data: DunningSettingsUpdate, if_match: str | None
) -> DunningSettings:
    settings = await plan_rules.ensure_defaults(session)
    check_if_match(if_match, settings.version)
    values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "small_debt_thresholds" in values:
        try:
            values["small_debt_thresholds"] = {
                str(t.currency): str(parse_amount(t.amount, str(t.currency)))
                for t in values["small_debt_thresholds"]
            }
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    for key, value in values.items():
        setattr(settings, key, msgspec.to_builtins(value) if key == "address" else value)
    await session.flush()
    return settings


async def set_customer_dunning(
    session: AsyncSession, customer_id: uuid.UUID, data: CustomerDunningUpdate
) -> CustomerDunning:
    """Give a customer its own plan, or exclude it; its instalments are decided afresh."""
    await fetch_one(session, Customer, customer_id, "customer")
    if data.plan_id is not None and (
        await session.scalar(select(DunningPlan.id).where(DunningPlan.id == data.plan_id)) is None
    ):
        raise InvalidInput(f"plan_id {data.plan_id} does not name a dunning plan")
    row = await session.scalar(
        select(CustomerDunning).where(CustomerDunning.customer_id == customer_id)
    )
    if row is None:
        row = CustomerDunning(customer_id=customer_id)
        session.add(row)
    row.plan_id, row.excluded, row.reason = data.plan_id, data.excluded, data.reason
    await session.flush()
    await plan_rules.reconsider(session, DunningItem.customer_id == customer_id)
    return row


async def set_invoice_dunning(
    session: AsyncSession, invoice_id: uuid.UUID, data: InvoiceDunningUpdate
) -> InvoiceExclusion | None:
    """Exclude an invoice from dunning, or include it again (decided afresh at the next run)."""
    await fetch_one(session, Invoice, invoice_id, "invoice")
    await session.execute(delete(InvoiceExclusion).where(InvoiceExclusion.invoice_id == invoice_id))
    row = None
    if data.excluded:
        row = InvoiceExclusion(invoice_id=invoice_id, reason=data.reason)
        session.add(row)
    await session.flush()
    await plan_rules.reconsider(session, DunningItem.invoice_id == invoice_id)
    return row
