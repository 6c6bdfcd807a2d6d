"""Commitments: orders accepted but not yet invoiced, counted in the customer's exposure."""

from __future__ import annotations

import uuid
from decimal import Decimal

from msgspec import UnsetType
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import FieldError, InvalidInput
from arplatform.bounds import MAX_AMOUNT, amount_of
from arplatform.credit.watch_models import Commitment
from arplatform.credit.watch_schemas import (
    CommitmentCreate,
    CommitmentOut,
    CommitmentStatus,
    CommitmentUpdate,
)
from arplatform.customers.models import Customer
from arplatform.events.service import emit
from arplatform.money import format_amount


def commitment_out(row: Commitment) -> CommitmentOut:
    return CommitmentOut(
        id=row.id,
        customer_id=row.customer_id,
        amount=format_amount(row.amount, row.currency),
        currency=row.currency,
        reference=row.reference,
        expected_invoice_date=row.expected_invoice_date,
        status=row.status,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _amount(text: str, currency: str) -> Decimal:
    return amount_of("amount", text, currency, at_most=MAX_AMOUNT)


def _emit(session: AsyncSession, event_type: str, row: Commitment) -> None:
    emit(
        session,
        event_type,
        resource_type="commitment",
        resource_id=row.id,
        resource_version=row.version,
        data={
            "customer_id": str(row.customer_id),
            "amount": format_amount(row.amount, row.currency),
            "currency": row.currency,
            "reference": row.reference,
            "status": row.status,
        },
    )


async def create_commitment(session: AsyncSession, data: CommitmentCreate) -> Commitment:
    """Record an open commitment of the customer, in its currency unless another is given."""
    customer = await session.scalar(select(Customer).where(Customer.id == data.customer_id))
    if customer is None:
        raise InvalidInput(
            f"customer_id {data.customer_id} does not name a customer",
            errors=[FieldError(field="customer_id", message="no such customer")],
        )
    currency = str(data.currency or customer.currency)
    row = Commitment(
        customer_id=customer.id,
        amount=_amount(data.amount, currency),
        currency=currency,
        reference=data.reference,
        expected_invoice_date=data.expected_invoice_date,
        status=CommitmentStatus.OPEN,
    )
    session.add(row)
    await session.flush()
    _emit(session, "commitment.created", row)
    return row


async def get_commitment(session: AsyncSession, commitment_id: uuid.UUID) -> Commitment:
    return await fetch_one(session, Commitment, commitment_id, "commitment")


async def list_commitments(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Commitment], str | None]:
    return await fetch_matching_page(
        session, Commitment, cursor, limit, customer_id=customer_id, status=status
    )


async def update_commitment(
    session: AsyncSession, commitment_id: uuid.UUID, data: CommitmentUpdate, if_match: str | None
) -> Commitment:
    """Change a commitment at the version the caller last read; ``closed`` stops counting it."""
    row = await get_commitment(session, commitment_id)
    check_if_match(if_match, row.version)
    if isinstance(data.amount, str):
        row.amount = _amount(data.amount, row.currency)
    if isinstance(data.reference, str):
        row.reference = data.reference
    if not isinstance(data.expected_invoice_date, UnsetType):
        row.expected_invoice_date = data.expected_invoice_date
    if isinstance(data.status, CommitmentStatus):
        row.status = data.status
    await session.flush()
    _emit(session, "commitment.updated", row)
    return row


async def delete_commitment(
    session: AsyncSession, commitment_id: uuid.UUID, if_match: str | None
) -> None:
    """Remove a commitment recorded by mistake (close it when it was invoiced)."""
    row = await get_commitment(session, commitment_id)
    check_if_match(if_match, row.version)
    _emit(session, "commitment.deleted", row)
    await session.delete(row)
    await session.flush()
