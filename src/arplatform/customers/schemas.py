"""Customer request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from arplatform.api.types import (
    TEXT_PATTERN,
    Amount,
    CountryCode,
    CurrencyCode,
    Email,
    Identifier,
    Language,
    Name,
    Reference,
    StrictStruct,
)


class ContactRole(StrEnum):
    BILLING = "billing"
    DUNNING = "dunning"
    LEGAL = "legal"
    GENERAL = "general"


class TermsBasis(StrEnum):
    INVOICE_DATE = "invoice_date"
    DELIVERY_DATE = "delivery_date"
    ACCEPTANCE_DATE = "acceptance_date"


class TermsKind(StrEnum):
    NET = "net"
    END_OF_MONTH = "end_of_month"


Phone = Annotated[str, msgspec.Meta(pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164")]
TierName = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]


class Contact(StrictStruct):
    name: Name
    role: ContactRole = ContactRole.GENERAL
    email: Email | None = None
    phone: Phone | None = None


class PaymentTerms(StrictStruct):
    """Net N days, or end of month + N days, from the invoice, delivery or acceptance date."""

    kind: TermsKind = TermsKind.NET
    days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 30
    basis: TermsBasis = TermsBasis.INVOICE_DATE
    #: Move a due date on a weekend or public holiday (tenant's country) to the next business day.
    business_days: bool = False


Contacts = Annotated[list[Contact], msgspec.Meta(max_length=20)]
AddressLine = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=TEXT_PATTERN)]


class PostalAddress(StrictStruct):
    """Where letters go: street and building (``line1``, ``line2``), postal code, city, country."""

    line1: AddressLine
    country: CountryCode
    line2: AddressLine | None = None
    postal_code: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=TEXT_PATTERN)] | None
    ) = None
    city: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=TEXT_PATTERN)] | None
    ) = None
    region: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=TEXT_PATTERN)] | None
    ) = None


class CustomerCreate(StrictStruct):
    legal_name: Name
    country: CountryCode
    currency: CurrencyCode
    external_ref: Reference | None = None
    registration_number: Identifier | None = None
    vat_number: Identifier | None = None
    language: Language = "en"
    contacts: Contacts = []
    payment_terms: PaymentTerms | None = None
    risk_tier: TierName | None = None
    credit_limit: Amount | None = None
    address: PostalAddress | None = None
    #: No new invoice may be issued to a customer on credit hold (dunning may set it).
    credit_hold: bool = False


class CustomerUpdate(StrictStruct):
    """Only the fields present change; ``null`` clears an optional field."""

    legal_name: Name | UnsetType = UNSET
    country: CountryCode | UnsetType = UNSET
    currency: CurrencyCode | UnsetType = UNSET
    external_ref: Reference | UnsetType | None = UNSET
    registration_number: Identifier | UnsetType | None = UNSET
    vat_number: Identifier | UnsetType | None = UNSET
    language: Language | UnsetType = UNSET
    contacts: Contacts | UnsetType = UNSET
    payment_terms: PaymentTerms | UnsetType | None = UNSET
    risk_tier: TierName | UnsetType | None = UNSET
    credit_limit: Amount | UnsetType | None = UNSET
    address: PostalAddress | UnsetType | None = UNSET
    credit_hold: bool | UnsetType = UNSET


class CustomerOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    legal_name: str
    external_ref: str | None
    registration_number: str | None
    vat_number: str | None
    country: str
    currency: str
    language: str
    contacts: list[Contact]
    payment_terms: PaymentTerms | None
    risk_tier: str | None
    credit_limit: str | None
    address: PostalAddress | None
    credit_hold: bool
    version: int
    created_at: datetime
    updated_at: datetime
