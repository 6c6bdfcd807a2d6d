"""Collection agency contract: hand a case over, follow its status."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, ClassVar, Protocol

import msgspec

from arplatform.plugins.contracts.common import Attachment, Dto, Money, Party

__all__ = [
    "CaseState",
    "CaseStatus",
    "CollectionAgency",
    "CollectionCase",
    "DunningStep",
    "HandoverReceipt",
    "OpenInvoice",
]


class CaseState(enum.StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    PAYMENT_PLAN = "payment_plan"
    LEGAL_ACTION = "legal_action"
    PARTLY_COLLECTED = "partly_collected"
    COLLECTED = "collected"
    UNCOLLECTIBLE = "uncollectible"
    RETURNED = "returned"


class OpenInvoice(Dto, frozen=True, kw_only=True):
    invoice_number: str
    issue_date: dt.date
    due_date: dt.date
    amount: Money
    outstanding: Money


class DunningStep(Dto, frozen=True, kw_only=True):
    """A reminder the tenant already sent, so the agency can prove prior dunning."""

    sent_on: dt.date
    level: str
    channel: str


class CollectionCase(Dto, frozen=True, kw_only=True):
    """A debt handed over; ``case_id`` is the core's id and idempotency key.

    ``total`` = principal outstanding + ``interest`` + ``fees``.
    """

    case_id: str
    creditor: Party
    debtor: Party
    invoices: tuple[OpenInvoice, ...]
    total: Money
    interest: Money | None = None
    fees: Money | None = None
    dunning_history: tuple[DunningStep, ...] = ()
    disputed: bool = False
    documents: tuple[Attachment, ...] = ()
    notes: str | None = None


class HandoverReceipt(Dto, frozen=True, kw_only=True):
    case_ref: str
    accepted: bool
    detail: str | None = None


class CaseStatus(Dto, frozen=True, kw_only=True):
    case_ref: str
    state: CaseState
    collected: Money | None = None
    agency_fees: Money | None = None
    updated_at: dt.datetime | None = None
    detail: str | None = None


class CollectionAgency(Protocol):
    """A collection agency provider (``kind = "collection_agency"``).

    ``hand_over`` returns the agency's ``case_ref``; handing over the same
    ``case_id`` twice returns the same reference. ``case_status`` raises
    ``PermanentProviderError`` for an unknown reference.
    """

    key: ClassVar[str]
    kind: ClassVar[str]
    display_name: ClassVar[str]
    Config: ClassVar[type[msgspec.Struct]]
    Secrets: ClassVar[type[msgspec.Struct] | None]

    def __init__(self, config: Any, secrets: Any) -> None: ...

    async def hand_over(self, case: CollectionCase) -> HandoverReceipt: ...

    async def case_status(self, case_ref: str) -> CaseStatus: ...
