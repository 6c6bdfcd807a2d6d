"""Credit insurer contract: request cover, declare overdues, file claims, poll status."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, ClassVar, Protocol

import msgspec

from arplatform.plugins.contracts.common import Attachment, Dto, Money, Party

__all__ = [
    "Claim",
    "ClaimState",
    "ClaimStatus",
    "CoverDecision",
    "CoverDecisionCode",
    "CoverRequest",
    "CreditInsurer",
    "DeclarationReceipt",
    "InsuredInvoice",
    "OverdueDeclaration",
    "OverdueType",
]


class CoverDecisionCode(enum.StrEnum):
    """The insurer's answer to a cover request (UN/EDIFACT data element 4507)."""

    PRELIMINARY = "preliminary"
    APPROVED = "approved"
    NOT_APPROVED = "not_approved"
    CONDITIONAL = "conditional"
    PARTLY_APPROVED = "partly_approved"
    STILL_INVESTIGATING = "still_investigating"
    OPEN_NEW_ACCOUNT_ONLY = "open_new_account_only"
    CANCELLATION = "cancellation"
    REDUCTION = "reduction"
    CHANGE_OF_NAME_ADDRESS = "change_of_name_address"
    ACCOUNT_CLOSED = "account_closed"

    @property
    def edifact_code(self) -> str:
        """The numeric 4507 code value, 1 to 11."""
        return str(list(CoverDecisionCode).index(self) + 1)


class OverdueType(enum.StrEnum):
    """``OVD`` reports a new overdue, ``EXP`` an extension of the payment
    term granted to the buyer, ``RES`` that a declared overdue was settled."""

    OVERDUE = "OVD"
    EXTENSION = "EXP"
    RESOLVED = "RES"


class ClaimState(enum.StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


class CoverRequest(Dto, frozen=True, kw_only=True):
    """Ask for (or change) a credit limit on one buyer under a policy.

    ``request_id`` is the core's idempotency key; ``insurer_buyer_id`` is set
    once the insurer has identified the buyer.
    """

    request_id: str
    policy_number: str
    buyer: Party
    amount: Money
    payment_terms_days: int
    insurer_buyer_id: str | None = None
    comment: str | None = None


class CoverDecision(Dto, frozen=True, kw_only=True):
    """``job_ref`` is what ``poll_cover`` takes while the decision is still pending."""

    job_ref: str
    decision: CoverDecisionCode
    decided_at: dt.datetime | None = None
    approved_amount: Money | None = None
    insurer_buyer_id: str | None = None
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    conditions: tuple[str, ...] = ()
    reason: str | None = None


class InsuredInvoice(Dto, frozen=True, kw_only=True):
    invoice_number: str
    issue_date: dt.date
    due_date: dt.date
    amount: Money
    outstanding: Money


class OverdueDeclaration(Dto, frozen=True, kw_only=True):
    """An overdue notification; ``declaration_id`` is the idempotency key."""

    declaration_id: str
    policy_number: str
    type: OverdueType
    buyer: Party
    invoices: tuple[InsuredInvoice, ...]
    overdue_amount: Money
    insurer_buyer_id: str | None = None
    extended_due_date: dt.date | None = None
    comment: str | None = None


class DeclarationReceipt(Dto, frozen=True, kw_only=True):
    insurer_reference: str
    accepted: bool
    detail: str | None = None


class Claim(Dto, frozen=True, kw_only=True):
    """A claim for a loss, with the evidence (invoices, reminders, correspondence)."""

    claim_id: str
    policy_number: str
    buyer: Party
    invoices: tuple[InsuredInvoice, ...]
    claimed_amount: Money
    documents: tuple[Attachment, ...] = ()
    insurer_buyer_id: str | None = None
    comment: str | None = None


class ClaimStatus(Dto, frozen=True, kw_only=True):
    claim_ref: str
    state: ClaimState
    approved_amount: Money | None = None
    paid_amount: Money | None = None
    updated_at: dt.datetime | None = None
    detail: str | None = None


class CreditInsurer(Protocol):
    """A credit insurer provider (``kind = "credit_insurer"``).

    ``request_cover`` may answer at once or with ``still_investigating``; the
    core then calls ``poll_cover(job_ref)`` until the decision is final.
    Every write (cover request, declaration, claim) carries an id from the
    core; submitting the same id again must not create a second record.
    ``submit_claim`` returns the first status of the new claim; ``claim_status``
    takes its ``claim_ref``.
    """

    key: ClassVar[str]
    kind: ClassVar[str]
    display_name: ClassVar[str]
    Config: ClassVar[type[msgspec.Struct]]
    Secrets: ClassVar[type[msgspec.Struct] | None]

    def __init__(self, config: Any, secrets: Any) -> None: ...

    async def request_cover(self, request: CoverRequest) -> CoverDecision: ...

    async def poll_cover(self, job_ref: str) -> CoverDecision: ...

    async def declare_overdue(self, declaration: OverdueDeclaration) -> DeclarationReceipt: ...

    async def submit_claim(self, claim: Claim) -> ClaimStatus: ...

    async def claim_status(self, claim_ref: str) -> ClaimStatus: ...
