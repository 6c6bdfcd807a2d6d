"""Payment and credit-note request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from arplatform.api.types import TEXT_PATTERN, Amount, CurrencyCode, Reference, StrictStruct
from arplatform.invoices.schemas import Day, InvoiceNumber, Reason

PaymentReference = Annotated[str, msgspec.Meta(min_length=1, max_length=140, pattern=TEXT_PATTERN)]


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    DIRECT_DEBIT = "direct_debit"
    CARD = "card"
    CHEQUE = "cheque"
    CASH = "cash"
    OTHER = "other"


class AllocationIn(StrictStruct):
    """Apply to ``invoice_id``: ``amount`` (capped at what is open) or all that is open."""

    invoice_id: uuid.UUID
    amount: Amount | None = None


Allocations = Annotated[list[AllocationIn], msgspec.Meta(min_length=1, max_length=500)]


class PaymentCreate(StrictStruct):
    """A payment received; what its allocations do not use stays as the customer's credit.

    Without ``allocations``, ``auto_allocate`` applies it to the customer's open
    invoices, earliest due first; with neither, it is all credit.
    """

    customer_id: uuid.UUID
    amount: Amount
    received_on: Day
    currency: CurrencyCode | None = None
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    reference: PaymentReference | None = None
    external_ref: Reference | None = None
    allocations: Allocations | None = None
    auto_allocate: bool = False


class CreditApplication(StrictStruct):
    """Apply unapplied credit: to the invoices listed, else earliest due first."""

    booked_on: Day
    allocations: Allocations | None = None


class PaymentReversal(StrictStruct):
    reversed_on: Day
    reason: Reason


class CreditNoteCreate(StrictStruct):
    """A credit note; with ``invoice_id`` it reduces that invoice, the rest is credit."""

    customer_id: uuid.UUID
    amount: Amount
    issue_date: Day
    invoice_id: uuid.UUID | None = None
    number: InvoiceNumber | None = None
    reason: Reason | None = None
    external_ref: Reference | None = None


class AllocationOut(msgspec.Struct, frozen=True, kw_only=True):
    invoice_id: uuid.UUID
    instalment_seq: int
    kind: str
    amount: str
    booked_on: date


class PaymentOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    amount: str
    unapplied: str
    received_on: date
    method: str
    reference: str | None
    external_ref: str | None
    status: str
    reversed_on: date | None
    allocations: list[AllocationOut]
    version: int
    created_at: datetime


class CreditNoteOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    invoice_id: uuid.UUID | None
    number: str
    external_ref: str | None
    currency: str
    amount: str
    unapplied: str
    issue_date: date
    reason: str | None
    allocations: list[AllocationOut]
    version: int
    created_at: datetime
