"""Reference-rate, interest-policy and invoice-interest endpoints."""

from __future__ import annotations

import uuid
from datetime import date

import msgspec
from litestar import Controller, Response
from litestar.params import FromPath, FromQuery, JSONBody

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
from arplatform.auth.tokens import Role
from arplatform.interest import policies, service
from arplatform.interest.models import InterestPolicy, ReferenceRate
from arplatform.interest.schemas import (
    InterestOut,
    InterestPolicyCreate,
    InterestPolicyOut,
    InterestPolicyUpdate,
    RateKey,
    ReferenceRateCreate,
    ReferenceRateOut,
    ReferenceRateUpdate,
)

#: Interest terms are a credit decision: not for collectors or viewers to change.
MANAGERS = {Role.ADMIN, Role.CREDIT_MANAGER}


class ReferenceRatePage(msgspec.Struct, frozen=True):
    """One page of reference-rate values; ``next_cursor`` is null on the last page."""

    data: list[ReferenceRateOut]
    next_cursor: str | None


class InterestPolicyPage(msgspec.Struct, frozen=True):
    """One page of interest policies; ``next_cursor`` is null on the last page."""

    data: list[InterestPolicyOut]
    next_cursor: str | None


def _rate(row: ReferenceRate, *, created: bool = False) -> Response[ReferenceRateOut]:
    return versioned_response(
        policies.rate_out(row),
        row.version,
        location=f"/v1/reference-rates/{row.id}" if created else None,
        status_code=201 if created else 200,
    )


def _policy(row: InterestPolicy, *, created: bool = False) -> Response[InterestPolicyOut]:
    return versioned_response(
        policies.policy_out(row),
        row.version,
        location=f"/v1/interest-policies/{row.id}" if created else None,
        status_code=201 if created else 200,
    )


class ReferenceRateController(Controller):
    path = "/v1/reference-rates"
    tags = ["interest"]

    @api_post("/", roles=MANAGERS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_reference_rate(
        self,
        session: DbSession,
        data: JSONBody[ReferenceRateCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ReferenceRateOut]:
        """Record a reference rate's value (percent p.a.) in force from a day."""
        return _rate(await policies.create_reference_rate(session, data), created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_reference_rates(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        key: FromQuery[RateKey | None] = None,
    ) -> ReferenceRatePage:
        """List reference-rate values, oldest record first, optionally of one key."""
        rows, next_cursor = await policies.list_reference_rates(
            session, key=key, cursor=cursor, limit=limit
        )
        return ReferenceRatePage(data=[policies.rate_out(r) for r in rows], next_cursor=next_cursor)

    @api_get("/{rate_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_reference_rate(
        self, session: DbSession, rate_id: FromPath[uuid.UUID]
    ) -> Response[ReferenceRateOut]:
        """Read one reference-rate value."""
        return _rate(await policies.get_reference_rate(session, rate_id))

    @api_patch("/{rate_id:uuid}", roles=MANAGERS, etag=True)
    async def update_reference_rate(
        self,
        session: DbSession,
        rate_id: FromPath[uuid.UUID],
        data: JSONBody[ReferenceRateUpdate],
        if_match: IfMatch = None,
    ) -> Response[ReferenceRateOut]:
        """Correct a value; interest is always computed with the values recorded now."""
        return _rate(await policies.update_reference_rate(session, rate_id, data, if_match))

    @api_delete("/{rate_id:uuid}", roles=MANAGERS)
    async def delete_reference_rate(
        self, session: DbSession, rate_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> None:
        """Remove a value; the previous value of its key stays in force."""
        await policies.delete_reference_rate(session, rate_id, if_match)


class InterestPolicyController(Controller):
    path = "/v1/interest-policies"
    tags = ["interest"]

    @api_post("/", roles=MANAGERS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_interest_policy(
        self,
        session: DbSession,
        data: JSONBody[InterestPolicyCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[InterestPolicyOut]:
        """Set the late-interest rule of the tenant (no customer_id) or of one customer.

        A customer's policy overrides the tenant's; with neither, no interest is charged.
        """
        return _policy(await policies.create_policy(session, data), created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_interest_policies(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
    ) -> InterestPolicyPage:
        """List interest policies, oldest first, optionally of one customer."""
        rows, next_cursor = await policies.list_policies(
            session, customer_id=customer_id, cursor=cursor, limit=limit
        )
        return InterestPolicyPage(
            data=[policies.policy_out(r) for r in rows], next_cursor=next_cursor
        )

    @api_get("/{policy_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_interest_policy(
        self, session: DbSession, policy_id: FromPath[uuid.UUID]
    ) -> Response[InterestPolicyOut]:
        """Read one interest policy."""
        return _policy(await policies.get_policy(session, policy_id))

    @api_patch("/{policy_id:uuid}", roles=MANAGERS, errors=[422], etag=True)
    async def update_interest_policy(
        self,
        session: DbSession,
        policy_id: FromPath[uuid.UUID],
        data: JSONBody[InterestPolicyUpdate],
        if_match: IfMatch = None,
    ) -> Response[InterestPolicyOut]:
        """Change a policy; a new rule starts from its defaults plus the parameters given."""
        return _policy(await policies.update_policy(session, policy_id, data, if_match))

    @api_delete("/{policy_id:uuid}", roles=MANAGERS)
    async def delete_interest_policy(
        self, session: DbSession, policy_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> None:
        """Remove a policy: a customer falls back to the tenant's rule, the tenant to none."""
        await policies.delete_policy(session, policy_id, if_match)


class InvoiceInterestController(Controller):
    path = "/v1/invoices"
    tags = ["interest"]

    @api_get("/{invoice_id:uuid}/interest", roles=ALL_ROLES, errors=[409, 422])
    async def get_invoice_interest(
        self,
        session: DbSession,
        invoice_id: FromPath[uuid.UUID],
        as_of: FromQuery[date | None] = None,
    ) -> InterestOut:
        """Late interest of an invoice as of a day (default today), per instalment.

        Each instalment's breakdown lists its segments (days with one balance and
        one rate); the invoice's fixed compensation (EU, UK) comes on top. 409 when
        the rule needs a reference rate that is not recorded for a day.
        """
        report = await service.invoice_interest(session, invoice_id, as_of)
        return service.to_out(report)
