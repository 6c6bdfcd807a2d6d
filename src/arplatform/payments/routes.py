"""Payment and credit-note endpoints."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, Response
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.conventions import (
    ALL_ROLES,
    DbSession,
    IdempotencyKey,
    IfMatch,
    api_get,
    api_post,
)
from arplatform.api.etag import check_if_match, versioned_response
from arplatform.api.pagination import Cursor, Limit
from arplatform.auth.tokens import Role
from arplatform.payments import service
from arplatform.payments.models import CreditNote, Payment
from arplatform.payments.schemas import (
    CreditApplication,
    CreditNoteCreate,
    CreditNoteOut,
    PaymentCreate,
    PaymentOut,
    PaymentReversal,
)

EDITORS = {Role.ADMIN, Role.CREDIT_MANAGER, Role.COLLECTOR}
MANAGERS = {Role.ADMIN, Role.CREDIT_MANAGER}


class PaymentPage(msgspec.Struct, frozen=True):
    """One page of payments; ``next_cursor`` is null on the last page."""

    data: list[PaymentOut]
    next_cursor: str | None


class CreditNotePage(msgspec.Struct, frozen=True):
    """One page of credit notes; ``next_cursor`` is null on the last page."""

    data: list[CreditNoteOut]
    next_cursor: str | None


async def _payment_response(
    session: AsyncSession, payment: Payment, *, created: bool = False
) -> Response[PaymentOut]:
    allocations = (await service.allocations_of(session, [payment]))[payment.id]
    return versioned_response(
        service.payment_out(payment, allocations),
        payment.version,
        location=f"/v1/payments/{payment.id}" if created else None,
        status_code=201 if created else 200,
    )


async def _note_response(
    session: AsyncSession, note: CreditNote, *, created: bool = False
) -> Response[CreditNoteOut]:
    allocations = (await service.allocations_of(session, [note]))[note.id]
    return versioned_response(
        service.credit_note_out(note, allocations),
        note.version,
        location=f"/v1/credit-notes/{note.id}" if created else None,
        status_code=201 if created else 200,
    )


class PaymentController(Controller):
    path = "/v1/payments"
    tags = ["payments"]

    @api_post("/", roles=EDITORS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_payment(
        self,
        session: DbSession,
        data: JSONBody[PaymentCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PaymentOut]:
        """Record a payment and apply it to invoices; the unapplied rest is customer credit.

        An allocation takes what it asks for, capped at what the invoice still
        has open, so concurrent payments never over-apply.
        """
        payment = await service.record_payment(session, data)
        return await _payment_response(session, payment, created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_payments(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
    ) -> PaymentPage:
        """List payments, oldest first."""
        rows, next_cursor = await service.list_payments(
            session, customer_id=customer_id, cursor=cursor, limit=limit
        )
        found = await service.allocations_of(session, rows)
        return PaymentPage(
            data=[service.payment_out(row, found[row.id]) for row in rows],
            next_cursor=next_cursor,
        )

    @api_get("/{payment_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_payment(
        self, session: DbSession, payment_id: FromPath[uuid.UUID]
    ) -> Response[PaymentOut]:
        """One payment with its allocations."""
        return await _payment_response(session, await service.get_payment(session, payment_id))

    @api_post(
        "/{payment_id:uuid}/apply",
        roles=EDITORS,
        errors=[409, 422],
        conditional=True,
        etag=True,
        status_code=200,
    )
    async def apply_payment(
        self,
        session: DbSession,
        payment_id: FromPath[uuid.UUID],
        data: JSONBody[CreditApplication],
        if_match: IfMatch = None,
    ) -> Response[PaymentOut]:
        """Apply the payment's unapplied credit to invoices."""
        payment = await service.get_payment(session, payment_id)
        check_if_match(if_match, payment.version)
        await service.apply_payment(session, payment, data.allocations, data.booked_on)
        return await _payment_response(session, payment)

    @api_post(
        "/{payment_id:uuid}/reverse",
        roles=MANAGERS,
        errors=[409, 422],
        conditional=True,
        etag=True,
        status_code=200,
    )
    async def reverse_payment(
        self,
        session: DbSession,
        payment_id: FromPath[uuid.UUID],
        data: JSONBody[PaymentReversal],
        if_match: IfMatch = None,
    ) -> Response[PaymentOut]:
        """Reverse a returned or bounced payment; the invoices it settled are open again."""
        payment = await service.get_payment(session, payment_id)
        check_if_match(if_match, payment.version)
        await service.reverse_payment(session, payment, data.reversed_on, data.reason)
        return await _payment_response(session, payment)


class CreditNoteController(Controller):
    path = "/v1/credit-notes"
    tags = ["payments"]

    @api_post("/", roles=MANAGERS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_credit_note(
        self,
        session: DbSession,
        data: JSONBody[CreditNoteCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CreditNoteOut]:
        """Issue a credit note; it reduces its invoice, and any excess is customer credit."""
        note = await service.create_credit_note(session, data)
        return await _note_response(session, note, created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_credit_notes(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
    ) -> CreditNotePage:
        """List credit notes, oldest first."""
        rows, next_cursor = await service.list_credit_notes(
            session, customer_id=customer_id, cursor=cursor, limit=limit
        )
        found = await service.allocations_of(session, rows)
        return CreditNotePage(
            data=[service.credit_note_out(row, found[row.id]) for row in rows],
            next_cursor=next_cursor,
        )

    @api_get("/{credit_note_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_credit_note(
        self, session: DbSession, credit_note_id: FromPath[uuid.UUID]
    ) -> Response[CreditNoteOut]:
        """One credit note with its allocations."""
        note = await service.get_credit_note(session, credit_note_id)
        return await _note_response(session, note)

    @api_post(
        "/{credit_note_id:uuid}/apply",
        roles=MANAGERS,
        errors=[409, 422],
        conditional=True,
        etag=True,
        status_code=200,
    )
    async def apply_credit_note(
        self,
        session: DbSession,
        credit_note_id: FromPath[uuid.UUID],
        data: JSONBody[CreditApplication],
        if_match: IfMatch = None,
    ) -> Response[CreditNoteOut]:
        """Apply the credit note's unapplied credit to invoices."""
        note = await service.get_credit_note(session, credit_note_id)
        check_if_match(if_match, note.version)
        await service.apply_credit_note(session, note, data.allocations, data.booked_on)
        return await _note_response(session, note)
