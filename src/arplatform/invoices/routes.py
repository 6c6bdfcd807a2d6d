"""Invoice endpoints."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

import msgspec
from litestar import Controller, Response
from litestar.params import FromPath, FromQuery, JSONBody

from arplatform.api.conventions import ALL_ROLES, DbSession, IdempotencyKey, api_get, api_post
from arplatform.api.etag import versioned_response
from arplatform.api.pagination import Cursor, Limit
from arplatform.auth.tokens import Role
from arplatform.invoices import service
from arplatform.invoices.schemas import InvoiceCreate, InvoiceOut


class InvoicePage(msgspec.Struct, frozen=True):
    """One page of invoices; ``next_cursor`` is null on the last page."""

    data: list[InvoiceOut]
    next_cursor: str | None


class InvoiceStatus(StrEnum):
    ISSUED = "issued"


class InvoiceController(Controller):
    path = "/v1/invoices"
    tags = ["invoices"]

    @api_post(
        "/",
        roles={Role.ADMIN, Role.CREDIT_MANAGER, Role.COLLECTOR},
        errors=[409, 422],
        idempotent=True,
        etag=True,
        status_code=201,
    )
    async def create_invoice(
        self,
        session: DbSession,
        data: JSONBody[InvoiceCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[InvoiceOut]:
        """Record an issued invoice with its lines; totals are computed by the platform."""
        invoice = await service.create_invoice(session, data)
        return versioned_response(
            service.to_out(invoice),
            invoice.version,
            location=f"/v1/invoices/{invoice.id}",
            status_code=201,
        )

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
