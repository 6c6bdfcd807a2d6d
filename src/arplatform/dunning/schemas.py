"""Request and response bodies of the dunning endpoints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from arplatform.api.types import (
    PROSE_PATTERN,
    TEXT_PATTERN,
    Amount,
    CurrencyCode,
    Email,
    StrictStruct,
)
from arplatform.customers.schemas import PostalAddress, TierName
from arplatform.dunning.rules import Level

Note = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=TEXT_PATTERN)]
Levels = Annotated[list[Level], msgspec.Meta(min_length=1, max_length=20)]
PlanName = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=TEXT_PATTERN)]
Instructions = Annotated[str, msgspec.Meta(min_length=1, max_length=1000, pattern=PROSE_PATTERN)]


class CommunicationStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class ActionStatus(StrEnum):
    OPEN = "open"  # a task for a collector
    DONE = "done"
    PENDING = "pending"  # a hand-over not yet accepted
    COMPLETED = "completed"
    FAILED = "failed"
    RECORDED = "recorded"


class RunCreate(StrictStruct):
    """Run dunning for ``as_of`` (default: the tenant's today); ``dry_run`` records nothing."""

    as_of: date | None = None
    dry_run: bool = False


class CommunicationLineOut(msgspec.Struct, frozen=True, kw_only=True):
    invoice_id: uuid.UUID
    invoice_number: str
    instalment: int | None
    due_date: date
    days_overdue: int
    open_amount: str
    interest: str


class CommunicationDeliveryOut(msgspec.Struct, frozen=True, kw_only=True):
    channel: str
    status: str
    provider: str | None
    attempts: int
    detail: str | None


class CommunicationOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID | None  # null in a dry run's preview
    reference: str | None
    customer_id: uuid.UUID
    level: int
    level_name: str
    actions: list[str]
    channels: list[str]
    currency: str
    notice_date: date
    pay_by: date
    total_open: str
    total_interest: str
    next_step: str | None
    next_step_on: date | None
    status: str
    lines: list[CommunicationLineOut]
    deliveries: list[CommunicationDeliveryOut]
    subject: str | None = None
    text_body: str | None = None


class RunOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID | None
    as_of: date
    dry_run: bool
    examined: int
    communications: list[CommunicationOut]
    actions: list[str]


class CommunicationPage(msgspec.Struct, frozen=True):
    """One page of communications; ``next_cursor`` is null on the last page."""

    data: list[CommunicationOut]
    next_cursor: str | None


class CommunicationEdit(StrictStruct):
    """A reviewer's wording for a draft; it replaces the template's on every channel."""

    subject: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=TEXT_PATTERN)] | UnsetType
    ) = UNSET
    text_body: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=20_000, pattern=PROSE_PATTERN)]
        | UnsetType
    ) = UNSET


class DunningPlanCreate(StrictStruct):
    name: PlanName
    levels: Levels
    risk_tier: TierName | None = None
    min_gap_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 1
    business_days: bool = True


class DunningPlanUpdate(StrictStruct):
    name: PlanName | UnsetType = UNSET
    levels: Levels | UnsetType = UNSET
    risk_tier: TierName | UnsetType | None = UNSET
    min_gap_days: Annotated[int, msgspec.Meta(ge=1, le=90)] | UnsetType = UNSET
    business_days: bool | UnsetType = UNSET


class DunningPlanOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    is_default: bool
    risk_tier: str | None
    min_gap_days: int
    business_days: bool
    levels: list[Level]
    version: int


class DunningPlanPage(msgspec.Struct, frozen=True):
    data: list[DunningPlanOut]
    next_cursor: str | None


class Threshold(StrictStruct):
    """Customers owing less than ``amount`` in ``currency`` take the automated route."""

    currency: CurrencyCode
    amount: Amount


Thresholds = Annotated[list[Threshold], msgspec.Meta(max_length=50)]


class DunningSettingsUpdate(StrictStruct):
    review_before_send: bool | UnsetType = UNSET
    #: Customers owing less than this (per currency) take the automated route.
    small_debt_thresholds: Annotated[list[Threshold], msgspec.Meta(max_length=50)] | UnsetType = (
        UNSET
    )
    run_hour: Annotated[int, msgspec.Meta(ge=0, le=23)] | UnsetType = UNSET
    pay_within_days: Annotated[int, msgspec.Meta(ge=0, le=90)] | UnsetType = UNSET
    sender_email: Email | UnsetType | None = UNSET
    reply_to: Email | UnsetType | None = UNSET
    phone: Annotated[str, msgspec.Meta(pattern=r"^\+[1-9][0-9]{6,14}$")] | UnsetType | None = UNSET
    address: PostalAddress | UnsetType | None = UNSET
    payment_instructions: Instructions | UnsetType | None = UNSET
    contact: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=TEXT_PATTERN)]
        | UnsetType
        | None
    ) = UNSET


class DunningSettingsOut(msgspec.Struct, frozen=True, kw_only=True):
    review_before_send: bool
    small_debt_thresholds: list[Threshold]
    run_hour: int
    pay_within_days: int
    sender_email: str | None
    reply_to: str | None
    phone: str | None
    address: PostalAddress | None
    payment_instructions: str | None
    contact: str | None
    last_run_on: date | None
    version: int


class CustomerDunningUpdate(StrictStruct):
    """The customer's own plan (``null``: its tier's or the default) and exclusion."""

    plan_id: uuid.UUID | None = None
    excluded: bool = False
    reason: Note | None = None


class CustomerDunningOut(msgspec.Struct, frozen=True, kw_only=True):
    customer_id: uuid.UUID
    plan_id: uuid.UUID | None
    excluded: bool
    reason: str | None


class InvoiceDunningUpdate(StrictStruct):
    excluded: bool
    reason: Note | None = None


class InstalmentDunningOut(msgspec.Struct, frozen=True, kw_only=True):
    instalment_id: uuid.UUID
    level: int | None
    level_on: date | None
    next_on: date | None
    state: str


class StepOut(msgspec.Struct, frozen=True, kw_only=True):
    communication_id: uuid.UUID
    reference: str
    notice_date: date
    level_name: str
    status: str
    open_amount: str


class InvoiceDunningOut(msgspec.Struct, frozen=True, kw_only=True):
    invoice_id: uuid.UUID
    excluded: bool
    reason: str | None
    instalments: list[InstalmentDunningOut]
    steps: list[StepOut]


TemplateSource = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64_000, pattern=PROSE_PATTERN)
]


class TemplateCreate(StrictStruct):
    """A tenant's own version of a notice template (``pre_due_reminder`` …) in a language."""

    template: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    language: Annotated[str, msgspec.Meta(pattern=r"^(en|zh-Hans|zh-Hant)$")]
    source: TemplateSource


class TemplateUpdate(StrictStruct):
    source: TemplateSource


class TemplateOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    template: str
    language: str
    source: str
    version: int
    updated_at: datetime


class TemplatePage(msgspec.Struct, frozen=True):
    data: list[TemplateOut]
    next_cursor: str | None


class ActionOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    action: str
    level_name: str
    currency: str
    amount: str
    invoice_ids: list[str]
    status: str
    detail: str | None
    external_ref: str | None
    created_at: datetime


class ActionPage(msgspec.Struct, frozen=True):
    data: list[ActionOut]
    next_cursor: str | None


class ActionDone(StrictStruct):
    note: Note | None = None


class LevelEffectiveness(msgspec.Struct, frozen=True, kw_only=True):
    level_name: str
    communications: int
    paid_within_14_days: int
    share: str  # decimal fraction, "0.4167"


class EffectivenessOut(msgspec.Struct, frozen=True, kw_only=True):
    date_from: date
    date_to: date
    levels: list[LevelEffectiveness]
