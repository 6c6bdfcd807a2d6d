"""Request and response bodies of credit policies, assessments and approvals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from arplatform.api.types import TEXT_PATTERN, Amount, StrictStruct
from arplatform.credit.policy_schema import PolicyDocument
from arplatform.customers.schemas import TierName

Note = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=TEXT_PATTERN)]


class PolicyCreate(StrictStruct, kw_only=True):
    """A new draft version; without ``document`` it starts as a copy of the active version."""

    document: PolicyDocument | None = None
    note: Note | None = None


class PolicyUpdate(StrictStruct, kw_only=True):
    """Replace a draft's document and/or note (versions that were active never change)."""

    document: PolicyDocument | msgspec.UnsetType = msgspec.UNSET
    note: Note | msgspec.UnsetType | None = msgspec.UNSET


class PolicyOut(msgspec.Struct, frozen=True, kw_only=True):
    """A policy version; ``number`` is the policy version decisions name, ``version`` the ETag."""

    id: uuid.UUID
    number: int
    status: str
    note: str | None
    document: PolicyDocument
    created_by: str
    created_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None
    version: int


class PolicyPage(msgspec.Struct, frozen=True):
    data: list[PolicyOut]
    next_cursor: str | None


class CustomerChangeOut(msgspec.Struct, frozen=True, kw_only=True):
    """One customer's tier, limit and terms now and under the evaluated version."""

    customer_id: uuid.UUID
    legal_name: str
    currency: str
    score: int
    tier_from: str | None
    tier_to: str | None
    limit_from: str | None
    limit_to: str | None
    terms_from: int | None
    terms_to: int | None
    #: Exposure as the check at issue computes it, in ``exposure_currency`` (None: no rate).
    exposure: str | None
    exposure_currency: str | None
    over_limit: bool
    #: Conversions without an FX rate ("EUR→USD"): the customer keeps what it has.
    missing_rates: list[str]


class SimulationOut(msgspec.Struct, frozen=True, kw_only=True):
    """What activating the version would change (``changes``: customers that change)."""

    policy_id: uuid.UUID
    number: int
    as_of: date
    customers: int
    tier_moves: int
    limit_changes: int
    terms_changes: int
    over_new_limit: int
    #: Customers left unchanged because an FX rate is missing (listed in ``changes``).
    missing_rates: int
    changes: list[CustomerChangeOut]


class ActivationOut(msgspec.Struct, frozen=True, kw_only=True):
    policy: PolicyOut
    applied: SimulationOut


class AssessmentCreate(StrictStruct, kw_only=True):
    """Assess the customer now (``reason``: why, recorded with the decision)."""

    reason: Note | None = None


class AssessmentRequest(StrictStruct, kw_only=True):
    """Assess ``customer_id`` now (``reason``: why, recorded with the decision)."""

    customer_id: uuid.UUID
    reason: Note | None = None


class AssessmentOut(msgspec.Struct, frozen=True, kw_only=True):
    """A credit decision: the policy version it was made under, its outcome and reasons."""

    id: uuid.UUID
    customer_id: uuid.UUID
    policy_id: uuid.UUID
    policy_version: int
    status: str
    trigger: str
    requested_by: str
    score: int | None
    risk_tier: str | None
    recommended_limit: str | None
    currency: str
    terms_days: int | None
    prepayment_required: bool
    guarantee_required: bool
    next_review_on: date | None
    reasons: list[str]
    inputs: dict[str, Any]
    report_id: uuid.UUID | None
    approval_id: uuid.UUID | None
    created_at: datetime


class AssessmentPage(msgspec.Struct, frozen=True):
    data: list[AssessmentOut]
    next_cursor: str | None


class ProposalKind(StrEnum):
    LIMIT_CHANGE = "limit_change"
    TIER_CHANGE = "tier_change"


class ApprovalCreate(StrictStruct, kw_only=True):
    """Ask for a customer's new limit (``credit_limit``) or tier (``risk_tier``)."""

    kind: ProposalKind
    customer_id: uuid.UUID
    reason: Note
    credit_limit: Amount | None = None
    risk_tier: TierName | None = None


class ApprovalOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: str
    customer_id: uuid.UUID
    invoice_id: uuid.UUID | None
    proposed: dict[str, Any]
    reason: str
    status: str
    requested_by: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    policy_id: uuid.UUID | None
    policy_version: int | None
    created_at: datetime
    version: int


class ApprovalPage(msgspec.Struct, frozen=True):
    data: list[ApprovalOut]
    next_cursor: str | None
