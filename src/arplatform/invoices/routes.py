"""Invoice endpoints."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

import msgspec
from litestar import Controller, Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from arplatform.api.conventions import (
    ALL_ROLES,
    ETAG_HEADER,
    DbSession,
    IdempotencyKey,
    IfMatch,
    api_get,
    api_post,
)
from arplatform.api.etag import versioned_response
from arplatform.api.pagination import Cursor, Limit
from arplatform.auth.tokens import Role
from arplatform.credit.exposure_response import (
    CREDIT_CHECK_HEADERS,
    PENDING_APPROVAL,
    with_credit_verdict,
)
from arplatform.invoices import lifecycle, service
from arplatform.invoices.models import Invoice
from arplatform.invoices.schemas import (
    DueDateExtension,
    InvoiceCancel,
    InvoiceCreate,
    InvoiceOut,
    InvoiceWriteOff,
)


class InvoicePage(msgspec.Struct, frozen=True):
    """One page of invoices; ``next_cursor`` is null on the last page."""

    data: list[InvoiceOut]
    next_cursor: str | None


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    WRITTEN_OFF = "written_off"


EDITORS = {Role.ADMIN, Role.CREDIT_MANAGER, Role.COLLECTOR}
MANAGERS = {Role.ADMIN, Role.CREDIT_MANAGER}


class InvoiceController(Controller):
    path = "/v1/invoices"
    tags = ["invoices"]

    @api_post(
        "/",
        roles=EDITORS,
        errors=[409, 422],
        idempotent=True,
        etag=True,
        status_code=201,
        responses={202: ResponseSpec(InvoiceOut, description=PENDING_APPROVAL)},
        response_headers=[ETAG_HEADER, *CREDIT_CHECK_HEADERS],
    )
    async def create_invoice(
        self,
        session: DbSession,
        data: JSONBody[InvoiceCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[InvoiceOut]:
        """Record an invoice (issued, or a draft) with its lines; the platform computes totals.

        Without ``number`` the invoice is numbered from its series when issued,
        gap-free; without ``due_date`` its terms (or the customer's) give it.
        """
        invoice, verdict = await service.create_invoice(session, data)
        response = versioned_response(
            service.to_out(invoice),
            invoice.version,
            location=f"/v1/invoices/{invoice.id}",
            status_code=201,
        )
        return with_credit_verdict(verdict, response)

    @api_get("/", roles=ALL_ROLES)
    async def list_invoices(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[InvoiceStatus | None] = None,
        due_before: FromQuery[date | None] = None,
        due_after: FromQuery[date | None] = None,
    ) -> InvoicePage:
        """List invoices, oldest first, filtered by customer, status or due date."""
        rows, next_cursor = await service.list_invoices(
            session,
            customer_id=customer_id,
            status=status,
            due_before=due_before,
            due_after=due_after,
            cursor=cursor,
            limit=limit,
        )
        return InvoicePage(data=[service.to_out(i) for i in rows], next_cursor=next_cursor)

    @api_get("/{invoice_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_invoice(
        self, session: DbSession, invoice_id: FromPath[uuid.UUID]
    ) -> Response[InvoiceOut]:
        """Read one invoice with its lines."""
        invoice = await service.get_invoice(session, invoice_id)
        return versioned_response(service.to_out(invoice), invoice.version)

    @api_post(
        "/{invoice_id:uuid}/issue",
        roles=EDITORS,
        errors=[409],
        conditional=True,
        etag=True,
        status_code=200,
        responses={202: ResponseSpec(InvoiceOut, description=PENDING_APPROVAL)},
        response_headers=[ETAG_HEADER, *CREDIT_CHECK_HEADERS],
    )
    async def issue_invoice(
        self, session: DbSession, invoice_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> Response[InvoiceOut]:
        """Issue a draft: it is numbered from its series and starts to age. Issuing twice: no-op."""
        invoice, verdict = await lifecycle.issue_draft(session, invoice_id, if_match)
        return with_credit_verdict(verdict, _respond(invoice))

    @api_post(
        "/{invoice_id:uuid}/cancel",
        roles=MANAGERS,
        errors=[409, 422],
        conditional=True,
        etag=True,
        status_code=200,
    )
    async def cancel_invoice(
        self,
        session: DbSession,
        invoice_id: FromPath[uuid.UUID],
        data: JSONBody[InvoiceCancel],
        if_match: IfMatch = None,
    ) -> Response[InvoiceOut]:
        """Cancel a draft or an invoice nothing was booked against; otherwise credit it."""
        return _respond(await lifecycle.cancel(session, invoice_id, data, if_match))

    @api_post(
        "/{invoice_id:uuid}/write-off",
        roles=MANAGERS,
        errors=[409, 422],
        conditional=True,
        etag=True,
        status_code=200,
    )
    async def write_off_invoice(
        self,
        session: DbSession,
        invoice_id: FromPath[uuid.UUID],
        data: JSONBody[InvoiceWriteOff],
        if_match: IfMatch = None,
    ) -> Response[InvoiceOut]:
        """Write off the open amount as uncollectable, dated, so reports keep the history."""
        return _respond(await lifecycle.write_off(session, invoice_id, data, if_match))

    @api_post(
        "/{invoice_id:uuid}/extend",
        roles=EDITORS,
        errors=[409, 422],
        conditional=True,
        etag=True,
        status_code=200,
    )
    async def extend_invoice(
        self,
        session: DbSession,
        invoice_id: FromPath[uuid.UUID],
        data: JSONBody[DueDateExtension],
        if_match: IfMatch = None,
    ) -> Response[InvoiceOut]:
        """Agree a later due date for one instalment or all; the original stays recorded."""
        return _respond(await lifecycle.extend(session, invoice_id, data, if_match))


def _respond(invoice: Invoice) -> Response[InvoiceOut]:
    return versioned_response(service.to_out(invoice), invoice.version)
