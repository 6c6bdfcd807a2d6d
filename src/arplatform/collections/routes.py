"""Dispute, promise-to-pay and payment-plan endpoints."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Response
from litestar.params import FromPath, FromQuery, JSONBody

from arplatform.api.conventions import (
    ALL_ROLES,
    DbSession,
    IdempotencyKey,
    IfMatch,
    api_get,
    api_post,
)
from arplatform.api.etag import versioned_response
from arplatform.api.pagination import Cursor, Limit
from arplatform.auth.tokens import Role
from arplatform.collections import disputes, plans, promises
from arplatform.collections.models import Dispute, PaymentPlan, PaymentPromise
from arplatform.collections.schemas import (
    DisputeCreate,
    DisputeOut,
    DisputeReject,
    DisputeResolve,
    DisputeStatus,
    PlanCancel,
    PlanCreate,
    PlanOut,
    PlanStatus,
    PromiseCreate,
    PromiseOut,
    PromiseStatus,
)

EDITORS = {Role.ADMIN, Role.CREDIT_MANAGER, Role.COLLECTOR}
MANAGERS = {Role.ADMIN, Role.CREDIT_MANAGER}
ACTION: dict[str, Any] = {"conditional": True, "etag": True, "status_code": 200}


class DisputePage(msgspec.Struct, frozen=True):
    """One page of disputes; ``next_cursor`` is null on the last page."""

    data: list[DisputeOut]
    next_cursor: str | None


class PromisePage(msgspec.Struct, frozen=True):
    """One page of promises to pay; ``next_cursor`` is null on the last page."""

    data: list[PromiseOut]
    next_cursor: str | None


class PlanPage(msgspec.Struct, frozen=True):
    """One page of payment plans; ``next_cursor`` is null on the last page."""

    data: list[PlanOut]
    next_cursor: str | None


def _dispute(dispute: Dispute, *, created: bool = False) -> Response[DisputeOut]:
    return versioned_response(
        disputes.to_out(dispute),
        dispute.version,
        location=f"/v1/disputes/{dispute.id}" if created else None,
        status_code=201 if created else 200,
    )


def _promise(promise: PaymentPromise, *, created: bool = False) -> Response[PromiseOut]:
    return versioned_response(
        promises.to_out(promise),
        promise.version,
        location=f"/v1/promises/{promise.id}" if created else None,
        status_code=201 if created else 200,
    )


def _plan(plan: PaymentPlan, *, created: bool = False) -> Response[PlanOut]:
    return versioned_response(
        plans.to_out(plan),
        plan.version,
        location=f"/v1/payment-plans/{plan.id}" if created else None,
        status_code=201 if created else 200,
    )


class DisputeController(Controller):
    path = "/v1/disputes"
    tags = ["disputes"]

    @api_post("/", roles=EDITORS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def open_dispute(
        self,
        session: DbSession,
        data: JSONBody[DisputeCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[DisputeOut]:
        """Dispute part or all of an invoice's open amount; dunning leaves that amount alone.

        Without ``amount`` the whole open, not yet disputed amount is disputed.
        The invoice is flagged ``disputed`` while any of its disputes is open.
        """
        return _dispute(await disputes.open_dispute(session, data), created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_disputes(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        invoice_id: FromQuery[uuid.UUID | None] = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[DisputeStatus | None] = None,
    ) -> DisputePage:
        """List disputes, oldest first."""
        rows, next_cursor = await disputes.list_disputes(
            session,
            invoice_id=invoice_id,
            customer_id=customer_id,
            status=None if status is None else str(status),
            cursor=cursor,
            limit=limit,
        )
        return DisputePage(data=[disputes.to_out(d) for d in rows], next_cursor=next_cursor)

    @api_get("/{dispute_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_dispute(
        self, session: DbSession, dispute_id: FromPath[uuid.UUID]
    ) -> Response[DisputeOut]:
        """Read one dispute."""
        return _dispute(await disputes.get_dispute(session, dispute_id))

    @api_post("/{dispute_id:uuid}/resolve", roles=MANAGERS, errors=[409, 422], **ACTION)
    async def resolve_dispute(
        self,
        session: DbSession,
        dispute_id: FromPath[uuid.UUID],
        data: JSONBody[DisputeResolve],
        if_match: IfMatch = None,
    ) -> Response[DisputeOut]:
        """Accept an open dispute with a credit note, in full or in part (the rest is due again)."""
        return _dispute(await disputes.resolve_dispute(session, dispute_id, data, if_match))

    @api_post("/{dispute_id:uuid}/reject", roles=MANAGERS, errors=[409, 422], **ACTION)
    async def reject_dispute(
        self,
        session: DbSession,
        dispute_id: FromPath[uuid.UUID],
        data: JSONBody[DisputeReject],
        if_match: IfMatch = None,
    ) -> Response[DisputeOut]:
        """Reject an open dispute: the whole disputed amount is due again."""
        return _dispute(await disputes.reject_dispute(session, dispute_id, data, if_match))


class PromiseController(Controller):
    path = "/v1/promises"
    tags = ["promises"]

    @api_post("/", roles=EDITORS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_promise(
        self,
        session: DbSession,
        data: JSONBody[PromiseCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PromiseOut]:
        """Record a promise to pay; escalation of the covered invoices pauses until its date.

        It is kept once payments allocated from ``made_on`` to ``promised_date``
        cover ``amount``; otherwise it is broken the day after (``promise.broken``).
        """
        return _promise(await promises.create_promise(session, data), created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_promises(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[PromiseStatus | None] = None,
    ) -> PromisePage:
        """List promises to pay, oldest first."""
        rows, next_cursor = await promises.list_promises(
            session,
            customer_id=customer_id,
            status=None if status is None else str(status),
            cursor=cursor,
            limit=limit,
        )
        return PromisePage(data=[promises.to_out(p) for p in rows], next_cursor=next_cursor)

    @api_get("/{promise_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_promise(
        self, session: DbSession, promise_id: FromPath[uuid.UUID]
    ) -> Response[PromiseOut]:
        """Read one promise to pay."""
        return _promise(await promises.get_promise(session, promise_id))


class PaymentPlanController(Controller):
    path = "/v1/payment-plans"
    tags = ["payment plans"]

    @api_post("/", roles=MANAGERS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_plan(
        self,
        session: DbSession,
        data: JSONBody[PlanCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PlanOut]:
        """Restructure a customer's open instalments into an agreed schedule.

        Schedule amounts must sum exactly to the amount covered; give none for
        an even split in the currency's minor unit. Dunning pauses on the covered
        instalments while the plan is kept; a row not paid by its due date
        (plus ``grace_days``) breaks it (``plan.broken``).
        """
        return _plan(await plans.create_plan(session, data), created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_plans(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[PlanStatus | None] = None,
    ) -> PlanPage:
        """List payment plans, oldest first."""
        rows, next_cursor = await plans.list_plans(
            session,
            customer_id=customer_id,
            status=None if status is None else str(status),
            cursor=cursor,
            limit=limit,
        )
        return PlanPage(data=[plans.to_out(p) for p in rows], next_cursor=next_cursor)

    @api_get("/{plan_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_plan(self, session: DbSession, plan_id: FromPath[uuid.UUID]) -> Response[PlanOut]:
        """Read one payment plan."""
        return _plan(await plans.get_plan(session, plan_id))

    @api_post("/{plan_id:uuid}/cancel", roles=MANAGERS, errors=[409, 422], **ACTION)
    async def cancel_plan(
        self,
        session: DbSession,
        plan_id: FromPath[uuid.UUID],
        data: JSONBody[PlanCancel],
        if_match: IfMatch = None,
    ) -> Response[PlanOut]:
        """End an active plan by agreement; dunning resumes on what is still open."""
        return _plan(await plans.cancel_plan(session, plan_id, data, if_match))
