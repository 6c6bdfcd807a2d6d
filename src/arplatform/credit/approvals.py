"""Approval requests: limit and tier changes above the caller's authority, invoices over limit."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import Conflict, FieldError, InvalidInput, ProblemError
from arplatform.auth.tokens import Role
from arplatform.credit import changes, fx
from arplatform.credit.models import ApprovalRequest
from arplatform.credit.policies import ActivePolicy, active_policy, ensure_active_policy
from arplatform.credit.policy_schema import PolicyDocument
from arplatform.credit.schemas import ApprovalCreate, ProposalKind
from arplatform.customers.models import Customer
from arplatform.db.base import utcnow
from arplatform.events.service import emit
from arplatform.money import MoneyError, Rounding, parse_amount
from arplatform.tenants.clock import tenant_today
from arplatform.tenants.service import current_tenant


class ApprovalKind(StrEnum):
    LIMIT_CHANGE = "limit_change"
    TIER_CHANGE = "tier_change"
    INVOICE_OVER_LIMIT = "invoice_over_limit"
    INVOICE_OVER_TERMS = "invoice_over_terms"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


#: Requests to issue one invoice: approving them changes no customer.
INVOICE_KINDS = frozenset({ApprovalKind.INVOICE_OVER_LIMIT, ApprovalKind.INVOICE_OVER_TERMS})

#: Roles that may decide approval requests.
APPROVERS = frozenset({Role.ADMIN, Role.CREDIT_MANAGER})


def limit_authority(roles: frozenset[Role], manager_cap: str | None) -> Decimal | None:
    """The largest credit limit these roles may set unaided (None: unlimited).

    ``admin`` is unlimited, ``credit_manager`` up to the policy's
    ``credit_manager_authority`` (None there: unlimited), anyone else none (0).
    """
    if Role.ADMIN in roles:
        return None
    if Role.CREDIT_MANAGER in roles:
        return None if manager_cap is None else Decimal(manager_cap)
    return Decimal(0)


def within_authority(limit: Decimal | None, authority: Decimal | None) -> bool:
    """Whether setting ``limit`` (None: no limit at all) is within ``authority``."""
    if authority is None:
        return True
    return limit is not None and limit <= authority


class NoAuthority(ProblemError):
    """The caller's role or authority does not cover the change (403)."""

    status, slug, title = 403, "insufficient-authority", "The change exceeds your authority"


async def authority_in(
    session: AsyncSession, roles: frozenset[Role], currency: str
) -> Decimal | None:
    """The largest limit in ``currency`` these roles may set unaided (None: unlimited).

    ``credit_manager_authority`` is in the tenant currency and is converted with
    the rate in force today, rounded down; without a rate the authority is 0
    (an admin decides), never an unconverted comparison.
    """
    policy = await ensure_active_policy(session)
    authority = limit_authority(roles, policy.document.credit_manager_authority)
    tenant = await current_tenant(session)
    if not authority or currency == tenant.currency:
        return authority
    quotes, _missing = await fx.available_quotes(
        session, [tenant.currency], currency, tenant_today(tenant)
    )
    quote = quotes.get(tenant.currency)
    return Decimal(0) if quote is None else fx.convert(authority, quote, Rounding.DOWN)


#: Customer fields only roles with credit authority may set.
CREDIT_FIELDS = ("credit_limit", "risk_tier", "payment_terms")


async def check_credit_fields(
    session: AsyncSession, roles: frozenset[Role], currency: str, changed: dict[str, Any]
) -> None:
    """Refuse (403) credit fields set directly beyond the caller's authority.

    ``changed`` holds the fields being set and their new values. A collector may
    set none of them; a credit manager a limit up to its authority (above it, a
    limit change goes through ``/v1/credit-approvals``); an admin anything.
    """
    if Role.ADMIN in roles:
        return
    if Role.CREDIT_MANAGER not in roles:
        for name in CREDIT_FIELDS:
            if name in changed:
                raise _forbidden(name, "only a credit manager or admin may set it")
        return
    if "credit_limit" in changed:
        authority = await authority_in(session, roles, currency)
        if not within_authority(changed["credit_limit"], authority):
            raise _forbidden(
                "credit_limit",
                "above your authority; ask for it at /v1/credit-approvals",
            )


def _forbidden(field: str, message: str) -> NoAuthority:
    return NoAuthority(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


async def request_approval(
    session: AsyncSession,
    *,
    kind: ApprovalKind | str,
    customer_id: uuid.UUID,
    proposed: dict[str, Any],
    reason: str,
    requested_by: str,
    invoice_id: uuid.UUID | None = None,
) -> ApprovalRequest:
    """Open a pending approval request; an identical pending request is returned instead.

    ``proposed`` holds JSON values: ``{"credit_limit": "5000.00"}``,
    ``{"risk_tier": "watch"}`` or ``{"amount": "1200.00"}`` (invoice over limit).
    A new request of the same kind for the same customer (and invoice) supersedes
    a pending one with a different proposal: the older is rejected.
    """
    kind = ApprovalKind(kind)
    for existing in await _pending(session, kind, customer_id, invoice_id):
        if existing.proposed == proposed:
            return existing
        _decide(existing, ApprovalStatus.REJECTED, requested_by, "superseded by a newer request")
    policy = await active_policy(session)
    request = ApprovalRequest(
        kind=kind,
        customer_id=customer_id,
        invoice_id=invoice_id,
        proposed=proposed,
        reason=reason[:1000],
        status=ApprovalStatus.PENDING,
        requested_by=requested_by,
        policy_id=policy.id if policy else None,
        policy_number=policy.version if policy else None,
    )
    session.add(request)
    await session.flush()
    _emit(session, "credit_approval.requested", request)
    return request


async def _pending(
    session: AsyncSession, kind: ApprovalKind, customer_id: uuid.UUID, invoice_id: uuid.UUID | None
) -> list[ApprovalRequest]:
    invoice = (
        ApprovalRequest.invoice_id.is_(None)
        if invoice_id is None
        else ApprovalRequest.invoice_id == invoice_id
    )
    rows = await session.scalars(
        select(ApprovalRequest).where(
            ApprovalRequest.kind == kind,
            ApprovalRequest.customer_id == customer_id,
            ApprovalRequest.status == ApprovalStatus.PENDING,
            invoice,
        )
    )
    return list(rows.all())


async def supersede_pending(
    session: AsyncSession,
    customer_id: uuid.UUID | None,
    kind: ApprovalKind,
    actor: str,
    note: str,
) -> None:
    """Reject pending requests of ``kind``: a newer decision or policy replaced them.

    ``customer_id`` None: every customer's. Each rejection emits ``credit_approval.decided``.
    """
    stmt = select(ApprovalRequest).where(
        ApprovalRequest.kind == kind, ApprovalRequest.status == ApprovalStatus.PENDING
    )
    if customer_id is not None:
        stmt = stmt.where(ApprovalRequest.customer_id == customer_id)
    for request in (await session.scalars(stmt)).all():
        _decide(request, ApprovalStatus.REJECTED, actor, note)
        await session.flush()
        _emit(session, "credit_approval.decided", request)


async def propose(session: AsyncSession, data: ApprovalCreate, actor: str) -> ApprovalRequest:
    """A person's request for a customer's new limit or tier (422 when it names neither)."""
    customer = await session.scalar(select(Customer).where(Customer.id == data.customer_id))
    if customer is None:
        raise _invalid("customer_id", f"customer_id {data.customer_id} does not name a customer")
    if data.kind == ProposalKind.LIMIT_CHANGE:
        if data.credit_limit is None:
            raise _invalid("credit_limit", "a limit change names the new `credit_limit`")
        try:
            limit = parse_amount(data.credit_limit, customer.currency)
        except MoneyError as exc:
            raise _invalid("credit_limit", str(exc)) from None
        proposed: dict[str, Any] = {"credit_limit": str(limit)}
    else:
        policy = await ensure_active_policy(session)
        if data.risk_tier is None or policy.document.tier(data.risk_tier) is None:
            raise _invalid("risk_tier", "a tier change names a tier of the active policy")
        proposed = {"risk_tier": data.risk_tier}
    return await request_approval(
        session,
        kind=data.kind,
        customer_id=customer.id,
        proposed=proposed,
        reason=data.reason,
        requested_by=actor,
    )


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[FieldError(field=field, message=message)])


async def approved_over_limit(
    session: AsyncSession, invoice_id: uuid.UUID
) -> ApprovalRequest | None:
    """The approved ``invoice_over_limit`` request for this invoice, if there is one."""
    return await session.scalar(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.kind == ApprovalKind.INVOICE_OVER_LIMIT,
            ApprovalRequest.invoice_id == invoice_id,
            ApprovalRequest.status == ApprovalStatus.APPROVED,
        )
        .order_by(ApprovalRequest.decided_at.desc())
        .limit(1)
    )


async def get_approval(session: AsyncSession, approval_id: uuid.UUID) -> ApprovalRequest:
    return await fetch_one(session, ApprovalRequest, approval_id, "credit approval")


async def list_approvals(
    session: AsyncSession,
    *,
    status: str | None,
    kind: str | None,
    customer_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ApprovalRequest], str | None]:
    return await fetch_matching_page(
        session,
        ApprovalRequest,
        cursor,
        limit,
        status=status,
        kind=kind,
        customer_id=customer_id,
    )


async def decide(
    session: AsyncSession,
    approval_id: uuid.UUID,
    *,
    approve: bool,
    actor: str,
    if_match: str | None,
    note: str | None = None,
    roles: frozenset[Role] = frozenset(),
) -> ApprovalRequest:
    """Approve or reject a pending request; approving a limit or tier change applies it.

    Nobody approves their own request (403), a limit is approved only within the
    authority of ``roles`` (403; none given: no authority), and a change proposed
    under another policy version or naming a tier the active version lacks is
    stale (409). The
    customer row is audited like any change; ``credit_approval.decided`` is emitted.
    """
    request = await get_approval(session, approval_id)
    check_if_match(if_match, request.version)
    if request.status != ApprovalStatus.PENDING:
        raise Conflict(f"The request is already {request.status}")
    if approve:
        if request.requested_by == actor:
            raise NoAuthority("Nobody approves their own request; another approver must")
        if request.kind not in INVOICE_KINDS:
            customer = await fetch_one(session, Customer, request.customer_id, "customer")
            policy = await _check_applicable(session, request, customer, roles)
            apply_change(customer, request.proposed, policy.document)
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    _decide(request, status, actor, note)
    await session.flush()
    _emit(session, "credit_approval.decided", request)
    return request


async def _check_applicable(
    session: AsyncSession, request: ApprovalRequest, customer: Customer, roles: frozenset[Role]
) -> ActivePolicy:
    """409 for a change made stale by a policy activation, 403 above the approver's authority.

    Returns the active policy the change is applied under.
    """
    policy = await ensure_active_policy(session)
    if request.policy_id is not None and request.policy_id != policy.id:
        raise Conflict(
            f"The request was made under policy version {request.policy_number}; "
            f"version {policy.version} is active now: reject it and assess again"
        )
    tier = request.proposed.get("risk_tier")
    if tier is not None and policy.document.tier(tier) is None:
        raise Conflict(f"Tier {tier!r} is not in the active policy version {policy.version}")
    if "credit_limit" in request.proposed:
        value = request.proposed["credit_limit"]
        limit = None if value is None else Decimal(str(value))
        if not within_authority(limit, await authority_in(session, roles, customer.currency)):
            raise NoAuthority("The limit is above your authority; an admin must approve it")
    return policy


def apply_change(customer: Customer, proposed: dict[str, Any], policy: PolicyDocument) -> None:
    """Set the customer's limit and/or tier as ``proposed`` says, and fit its terms.

    A request that names a tier or carries terms gets the customer's terms as they
    are now (or the default terms) cut to the maximum of the tier named, else of
    the customer's tier, in ``policy`` (``changes.fitted_terms``): the days and kind
    stored with the request may be stale, the customer's terms edited since.
    """
    if "credit_limit" in proposed:
        value = proposed["credit_limit"]
        customer.credit_limit = None if value is None else Decimal(str(value))
    if "risk_tier" in proposed:
        customer.risk_tier = proposed["risk_tier"]
    if "risk_tier" not in proposed and "payment_terms_days" not in proposed:
        return
    tier = policy.tier(customer.risk_tier)
    if tier is None:
        return
    current = customer.payment_terms or None
    fitted = changes.fitted_terms(current, tier.max_terms_days)
    if fitted is not None and fitted != current:
        customer.payment_terms = dict(fitted)


def _decide(request: ApprovalRequest, status: ApprovalStatus, actor: str, note: str | None) -> None:
    request.status = status
    request.decided_by = actor
    request.decided_at = utcnow()
    request.decision_note = note


def _emit(session: AsyncSession, event_type: str, request: ApprovalRequest) -> None:
    emit(
        session,
        event_type,
        resource_type="credit_approval",
        resource_id=request.id,
        resource_version=request.version,
        data={
            "kind": request.kind,
            "customer_id": str(request.customer_id),
            "status": request.status,
        },
    )
