"""Request and response bodies of disputes, promises to pay and payment plans."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from arplatform.api.types import TEXT_PATTERN, Amount, CurrencyCode, StrictStruct

Day = Annotated[date, msgspec.Meta(description="A calendar date, 2000-01-01 to 2099-12-31")]
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=1000, pattern=TEXT_PATTERN)]
CreditNoteNumber = Annotated[
    str, msgspec.Meta(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9/._-]*$")
]
Seq = Annotated[int, msgspec.Meta(ge=1, le=60)]


class DisputeReason(StrEnum):
    PRICING = "pricing"
    QUANTITY = "quantity"
    QUALITY = "quality"
    NOT_DELIVERED = "not_delivered"
    DUPLICATE = "duplicate"
    OTHER = "other"


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    #: The invoice was written off or cancelled while the dispute was open.
    CLOSED = "closed"


class PromiseSource(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    PORTAL = "portal"
    LETTER = "letter"
    OTHER = "other"


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class DisputeCreate(StrictStruct):
    """Dispute part of an invoice; without ``amount`` all of its open, undisputed amount."""

    invoice_id: uuid.UUID
    reason: DisputeReason
    amount: Amount | None = None
    note: Note | None = None
    #: The day the customer raised it; today (tenant's time zone) when omitted.
    opened_on: Day | None = None


class DisputeResolve(StrictStruct):
    """Accept the dispute in full or in part: a credit note for ``accepted_amount``.

    Without ``accepted_amount`` the whole disputed amount is credited; a smaller
    amount is a partial acceptance and the rest is due again.
    """

    accepted_amount: Amount | None = None
    resolved_on: Day | None = None
    credit_note_number: CreditNoteNumber | None = None
    note: Note | None = None


class DisputeReject(StrictStruct):
    """Reject the dispute: the whole disputed amount is due again."""

    rejected_on: Day | None = None
    note: Note | None = None


class DisputeOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    amount: str
    reason: str
    note: str | None
    status: str
    opened_on: date
    closed_on: date | None
    outcome: str | None
    accepted_amount: str | None
    credit_note_id: uuid.UUID | None
    resolution_note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class PromiseCreate(StrictStruct):
    """A promise to pay ``amount`` by ``promised_date``, about some invoices or all of them."""

    customer_id: uuid.UUID
    amount: Amount
    promised_date: Day
    source: PromiseSource
    invoice_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=100)] = []
    #: The customer's invoices' currency when omitted.
    currency: CurrencyCode | None = None
    #: The day the promise was made; today (tenant's time zone) when omitted.
    made_on: Day | None = None
    note: Note | None = None


class PromiseOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    invoice_ids: list[uuid.UUID]
    currency: str
    amount: str
    paid_amount: str
    made_on: date
    promised_date: date
    source: str
    note: str | None
    status: str
    closed_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class PlanItemIn(StrictStruct):
    """An invoice to cover: one instalment (``seq``) or all of its open ones."""

    invoice_id: uuid.UUID
    seq: Seq | None = None


class ScheduleRowIn(StrictStruct):
    """One agreed payment; give every amount or none (an even split)."""

    due_date: Day
    amount: Amount | None = None


class PlanCreate(StrictStruct):
    """Restructure a customer's open instalments into ``schedule``.

    Without ``items`` the plan covers every instalment of the customer that is
    overdue on ``agreed_on`` (in the plan's currency).
    """

    customer_id: uuid.UUID
    schedule: Annotated[list[ScheduleRowIn], msgspec.Meta(min_length=1, max_length=60)]
    items: Annotated[list[PlanItemIn], msgspec.Meta(max_length=200)] = []
    currency: CurrencyCode | None = None
    agreed_on: Day | None = None
    grace_days: Annotated[int, msgspec.Meta(ge=0, le=60)] = 0
    note: Note | None = None


class PlanCancel(StrictStruct):
    cancelled_on: Day | None = None
    note: Note | None = None


class ScheduleRowOut(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    due_date: date
    amount: str


class PlanItemOut(msgspec.Struct, frozen=True, kw_only=True):
    invoice_id: uuid.UUID
    seq: int
    amount: str


class PlanOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    amount: str
    paid_amount: str
    agreed_on: date
    grace_days: int
    note: str | None
    status: str
    closed_on: date | None
    schedule: list[ScheduleRowOut]
    items: list[PlanItemOut]
    version: int
    created_at: datetime
    updated_at: datetime
