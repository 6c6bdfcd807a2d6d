"""Customer endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from arplatform.api.conventions import (
    ALL_ROLES,
    DbSession,
    IdempotencyKey,
    IfMatch,
    api_delete,
    api_get,
    api_patch,
    api_post,
)
from arplatform.api.etag import versioned_response
from arplatform.api.pagination import Cursor, Limit
from arplatform.api.types import REFERENCE_PATTERN, CountryCode
from arplatform.auth.tokens import Principal, Role
from arplatform.customers import service
from arplatform.customers.models import Customer
from arplatform.customers.schemas import CustomerCreate, CustomerOut, CustomerUpdate

EDITORS = {Role.ADMIN, Role.CREDIT_MANAGER, Role.COLLECTOR}


class CustomerPage(msgspec.Struct, frozen=True):
    """One page of customers; ``next_cursor`` is null on the last page."""

    data: list[CustomerOut]
    next_cursor: str | None


def _roles(request: Request[Any, Any, Any]) -> frozenset[Role]:
    principal: Principal = request.scope["user"]
    return principal.roles


def _respond(customer: Customer, *, created: bool = False) -> Response[CustomerOut]:
    location = f"/v1/customers/{customer.id}" if created else None
    return versioned_response(
        service.to_out(customer),
        customer.version,
        location=location,
        status_code=201 if created else 200,
    )


class CustomerController(Controller):
    path = "/v1/customers"
    tags = ["customers"]

    @api_post("/", roles=EDITORS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_customer(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        data: JSONBody[CustomerCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CustomerOut]:
        """Create a customer.

        ``credit_limit``, ``risk_tier`` and ``payment_terms`` need a credit manager
        (a limit up to its authority) or an admin; a collector gets 403.
        """
        customer = await service.create_customer(session, data, _roles(request))
        return _respond(customer, created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_customers(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        external_ref: Annotated[
            str | None, QueryParameter(min_length=1, max_length=100, pattern=REFERENCE_PATTERN)
        ] = None,
        country: FromQuery[CountryCode | None] = None,
    ) -> CustomerPage:
        """List customers, oldest first."""
        rows, next_cursor = await service.list_customers(
            session, external_ref=external_ref, country=country, cursor=cursor, limit=limit
        )
        return CustomerPage(data=[service.to_out(c) for c in rows], next_cursor=next_cursor)

    @api_get("/{customer_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_customer(
        self, session: DbSession, customer_id: FromPath[uuid.UUID]
    ) -> Response[CustomerOut]:
        """Read one customer."""
        return _respond(await service.get_customer(session, customer_id))

    @api_patch("/{customer_id:uuid}", roles=EDITORS, errors=[409, 422], etag=True)
    async def update_customer(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        customer_id: FromPath[uuid.UUID],
        data: JSONBody[CustomerUpdate],
        if_match: IfMatch = None,
    ) -> Response[CustomerOut]:
        """Change a customer; send the ETag you read as If-Match to avoid lost updates.

        Changing ``credit_limit``, ``risk_tier`` or ``payment_terms`` needs the
        authority ``POST /v1/customers`` describes (403 otherwise).
        """
        customer = await service.update_customer(
            session, customer_id, data, if_match, _roles(request)
        )
        return _respond(customer)

    @api_delete("/{customer_id:uuid}", roles={Role.ADMIN, Role.CREDIT_MANAGER}, errors=[409])
    async def delete_customer(
        self, session: DbSession, customer_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> None:
        """Delete a customer that has no invoices."""
        await service.delete_customer(session, customer_id, if_match)
