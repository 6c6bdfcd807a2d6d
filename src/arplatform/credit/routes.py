"""Credit endpoints: policy versions, customer assessments, approval requests."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.conventions import (
    ALL_ROLES,
    DbSession,
    IdempotencyKey,
    IfMatch,
    api_get,
    api_patch,
    api_post,
)
from arplatform.api.etag import versioned_response
from arplatform.api.pagination import Cursor, Limit
from arplatform.auth.tokens import Principal, Role
from arplatform.credit import approvals, assessment, policy_service, views
from arplatform.credit.approvals import ApprovalKind, ApprovalStatus
from arplatform.credit.assessment import Status as AssessmentStatus
from arplatform.credit.policies import PolicyStatus
from arplatform.credit.schemas import (
    ActivationOut,
    ApprovalCreate,
    ApprovalOut,
    ApprovalPage,
    AssessmentCreate,
    AssessmentOut,
    AssessmentPage,
    AssessmentRequest,
    PolicyCreate,
    PolicyOut,
    PolicyPage,
    PolicyUpdate,
    SimulationOut,
)
from arplatform.db.session import Database
from arplatform.integrations.providers import Providers

MANAGERS = {Role.ADMIN, Role.CREDIT_MANAGER}
ASSESSORS = {Role.ADMIN, Role.CREDIT_MANAGER, Role.COLLECTOR}
ACTION: dict[str, Any] = {"conditional": True, "etag": True, "status_code": 200}


def _principal(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal = request.scope["user"]
    return principal


def _policy(row: Any) -> Response[PolicyOut]:
    return versioned_response(views.policy_out(row), row.version)


class CreditPolicyController(Controller):
    path = "/v1/credit-policies"
    tags = ["credit"]

    @api_get("/", roles=ALL_ROLES)
    async def list_policies(
        self,
        session: DbSession,
        status: FromQuery[PolicyStatus | None] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> PolicyPage:
        """Every version of the tenant's credit policy; a new tenant has the default as 1."""
        rows, next_cursor = await policy_service.list_policies(
            session, status=status, cursor=cursor, limit=limit
        )
        return PolicyPage([views.policy_out(r) for r in rows], next_cursor)

    @api_post("/", roles=MANAGERS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_policy(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        data: JSONBody[PolicyCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PolicyOut]:
        """Add a draft version (a copy of the active one when no document is given)."""
        row = await policy_service.create_draft(session, data, _principal(request).actor)
        return versioned_response(
            views.policy_out(row),
            row.version,
            location=f"/v1/credit-policies/{row.id}",
            status_code=201,
        )

    @api_get("/{credit_policy_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_policy(
        self, session: DbSession, credit_policy_id: FromPath[uuid.UUID]
    ) -> Response[PolicyOut]:
        """Read one version."""
        return _policy(await policy_service.get_policy(session, credit_policy_id))

    @api_patch("/{credit_policy_id:uuid}", roles=MANAGERS, errors=[409, 422], etag=True)
    async def update_policy(
        self,
        session: DbSession,
        credit_policy_id: FromPath[uuid.UUID],
        data: JSONBody[PolicyUpdate],
        if_match: IfMatch = None,
    ) -> Response[PolicyOut]:
        """Change a draft; a version that is or was active cannot change (409)."""
        return _policy(await policy_service.update_draft(session, credit_policy_id, data, if_match))

    @api_post("/{credit_policy_id:uuid}/simulate", roles=MANAGERS, status_code=200)
    async def simulate_policy(
        self, session: DbSession, credit_policy_id: FromPath[uuid.UUID]
    ) -> SimulationOut:
        """What activating the version would change for every customer; nothing is applied.

        Evaluated on stored data (latest bureau reports, the ledger), by the same
        function activation applies.
        """
        row, as_of, changes = await policy_service.simulate(session, credit_policy_id)
        return views.simulation_out(row, as_of, changes)

    @api_post("/{credit_policy_id:uuid}/activate", roles={Role.ADMIN}, errors=[409], **ACTION)
    async def activate_policy(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        credit_policy_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[ActivationOut]:
        """Make the version active (the previous one retires) and apply its changes."""
        actor = _principal(request).actor
        row, as_of, changes = await policy_service.activate(
            session, credit_policy_id, if_match, actor
        )
        body = ActivationOut(
            policy=views.policy_out(row), applied=views.simulation_out(row, as_of, changes)
        )
        return versioned_response(body, row.version)


async def _decide(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    approval_id: uuid.UUID,
    if_match: str | None,
    *,
    approve: bool,
) -> Response[ApprovalOut]:
    principal = _principal(request)
    row = await approvals.decide(
        session,
        approval_id,
        approve=approve,
        actor=principal.actor,
        roles=principal.roles,
        if_match=if_match,
    )
    return versioned_response(views.approval_out(row), row.version)


def _providers(request: Request[Any, Any, Any]) -> Providers:
    providers: Providers = request.app.state.providers
    return providers


def _database(request: Request[Any, Any, Any]) -> Database:
    database: Database = request.app.state.db
    return database


def _created(row: Any) -> Response[AssessmentOut]:
    return Response(
        views.assessment_out(row),
        status_code=201,
        headers={"Location": f"/v1/credit-assessments/{row.id}"},
    )


class CustomerAssessmentController(Controller):
    path = "/v1/customers"
    tags = ["credit"]

    @api_post(
        "/{customer_id:uuid}/assessments",
        roles=ASSESSORS,
        errors=[409, 422],
        idempotent=True,
        status_code=201,
    )
    async def assess_customer(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        customer_id: FromPath[uuid.UUID],
        data: JSONBody[AssessmentCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[AssessmentOut]:
        """Assess the customer now: bureau reports (waterfall), scorecard, decision.

        ``decided`` applies tier, limit and terms; ``pending_approval`` when the
        limit rises above the caller's authority; ``manual_review`` when a bureau
        failed or none knows the company (nothing is applied).
        """
        principal = _principal(request)
        row = await assessment.assess(
            _database(request),
            session,
            _providers(request),
            customer_id,
            trigger=data.reason or "request",
            actor=principal.actor,
            roles=principal.roles,
        )
        return _created(row)

    @api_get("/{customer_id:uuid}/assessments", roles=ALL_ROLES)
    async def list_customer_assessments(
        self,
        session: DbSession,
        customer_id: FromPath[uuid.UUID],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> AssessmentPage:
        """The customer's decisions, oldest first, each naming its policy version."""
        rows, next_cursor = await assessment.customer_assessments(
            session, customer_id, cursor, limit
        )
        return AssessmentPage([views.assessment_out(r) for r in rows], next_cursor)


class AssessmentController(Controller):
    path = "/v1/credit-assessments"
    tags = ["credit"]

    @api_post("/", roles=ASSESSORS, errors=[409, 422], idempotent=True, status_code=201)
    async def create_assessment(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        data: JSONBody[AssessmentRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[AssessmentOut]:
        """Assess ``customer_id`` now (as ``POST /v1/customers/{id}/assessments``)."""
        principal = _principal(request)
        row = await assessment.assess_requested(
            _database(request),
            session,
            _providers(request),
            data.customer_id,
            reason=data.reason,
            actor=principal.actor,
            roles=principal.roles,
        )
        return _created(row)

    @api_get("/", roles=ALL_ROLES)
    async def list_assessments(
        self,
        session: DbSession,
        customer_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[AssessmentStatus | None] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> AssessmentPage:
        """Decisions of every customer; ``status=manual_review`` lists the open cases."""
        rows, next_cursor = await assessment.list_assessments(
            session, customer_id=customer_id, status=status, cursor=cursor, limit=limit
        )
        return AssessmentPage([views.assessment_out(r) for r in rows], next_cursor)

    @api_get("/{assessment_id:uuid}", roles=ALL_ROLES)
    async def get_assessment(
        self, session: DbSession, assessment_id: FromPath[uuid.UUID]
    ) -> AssessmentOut:
        """Read one decision with its inputs and reasons."""
        return views.assessment_out(await assessment.get_assessment(session, assessment_id))


class CreditApprovalController(Controller):
    path = "/v1/credit-approvals"
    tags = ["credit"]

    @api_get("/", roles=ALL_ROLES)
    async def list_approvals(
        self,
        session: DbSession,
        status: FromQuery[ApprovalStatus | None] = None,
        kind: FromQuery[ApprovalKind | None] = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> ApprovalPage:
        """Approval requests: limit and tier changes, invoices over the limit."""
        rows, next_cursor = await approvals.list_approvals(
            session, status=status, kind=kind, customer_id=customer_id, cursor=cursor, limit=limit
        )
        return ApprovalPage([views.approval_out(r) for r in rows], next_cursor)

    @api_post("/", roles=ASSESSORS, errors=[422], idempotent=True, etag=True, status_code=201)
    async def create_approval(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        data: JSONBody[ApprovalCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ApprovalOut]:
        """Ask for a customer's new limit or tier; a credit manager or admin decides."""
        row = await approvals.propose(session, data, _principal(request).actor)
        return versioned_response(
            views.approval_out(row),
            row.version,
            location=f"/v1/credit-approvals/{row.id}",
            status_code=201,
        )

    @api_get("/{approval_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_approval(
        self, session: DbSession, approval_id: FromPath[uuid.UUID]
    ) -> Response[ApprovalOut]:
        """Read one request."""
        row = await approvals.get_approval(session, approval_id)
        return versioned_response(views.approval_out(row), row.version)

    @api_post("/{approval_id:uuid}/approve", roles=MANAGERS, errors=[409], **ACTION)
    async def approve(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        approval_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[ApprovalOut]:
        """Approve a pending request; a limit or tier change is applied to the customer."""
        return await _decide(request, session, approval_id, if_match, approve=True)

    @api_post("/{approval_id:uuid}/reject", roles=MANAGERS, errors=[409], **ACTION)
    async def reject(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        approval_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[ApprovalOut]:
        """Reject a pending request; nothing changes on the customer."""
        return await _decide(request, session, approval_id, if_match, approve=False)
