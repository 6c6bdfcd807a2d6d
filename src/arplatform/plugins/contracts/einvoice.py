"""E-invoicing contract: render an invoice in a format, validate it, optionally transmit it."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any, ClassVar, Protocol

import msgspec

from arplatform.plugins.contracts.common import CurrencyCode, Dto, Party

__all__ = [
    "EInvoiceDocument",
    "EInvoiceFormat",
    "InvoiceLine",
    "InvoiceTotals",
    "IssueSeverity",
    "PaymentMeans",
    "RenderedInvoice",
    "TaxSubtotal",
    "TransmissionReceipt",
    "TransmissionStatus",
    "TransmittingEInvoiceFormat",
    "ValidationIssue",
]


class IssueSeverity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


class TransmissionStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    QUEUED = "queued"
    REJECTED = "rejected"


class InvoiceLine(Dto, frozen=True, kw_only=True):
    """One invoice line; ``tax_rate`` is a percentage (``Decimal("19")``).

    ``unit_code`` is a UN/ECE Rec. 20 code (``C62`` = piece, ``HUR`` = hour);
    ``tax_category`` is a UNCL 5305 code (``S`` standard, ``Z`` zero, ``AE``
    reverse charge, ``E`` exempt). ``net_amount`` is quantity x unit price
    after line discounts, rounded to the currency's minor unit.
    """

    line_id: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    net_amount: Decimal
    tax_rate: Decimal
    unit_code: str = "C62"
    tax_category: str = "S"
    item_id: str | None = None


class TaxSubtotal(Dto, frozen=True, kw_only=True):
    """VAT breakdown per category and rate, as EN 16931 requires."""

    tax_category: str
    tax_rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption_reason: str | None = None


class InvoiceTotals(Dto, frozen=True, kw_only=True):
    """Document totals in the invoice currency; ``payable = gross - prepaid``."""

    net: Decimal
    tax: Decimal
    gross: Decimal
    prepaid: Decimal = Decimal(0)
    payable: Decimal
    tax_breakdown: tuple[TaxSubtotal, ...] = ()


class PaymentMeans(Dto, frozen=True, kw_only=True):
    """How to pay; ``code`` is UNCL 4461 (``58`` SEPA credit transfer, ``30`` transfer)."""

    code: str = "58"
    iban: str | None = None
    bic: str | None = None
    account_name: str | None = None
    payment_reference: str | None = None


class EInvoiceDocument(Dto, frozen=True, kw_only=True):
    """Everything a format needs to render one invoice or credit note.

    ``type_code`` is UNCL 1001 (``380`` invoice, ``381`` credit note). All
    amounts are in ``currency``; the core has already computed and rounded
    them, so a format renders them as given and never recomputes.
    """

    invoice_number: str
    issue_date: dt.date
    due_date: dt.date | None
    currency: CurrencyCode
    seller: Party
    buyer: Party
    lines: tuple[InvoiceLine, ...]
    totals: InvoiceTotals
    type_code: str = "380"
    payment_terms: str | None = None
    payment_means: tuple[PaymentMeans, ...] = ()
    buyer_reference: str | None = None
    order_reference: str | None = None
    delivery_date: dt.date | None = None
    notes: tuple[str, ...] = ()


class RenderedInvoice(Dto, frozen=True, kw_only=True):
    content: bytes
    media_type: str
    filename: str


class ValidationIssue(Dto, frozen=True, kw_only=True):
    """One finding; ``rule_id`` is the schematron/business rule id (e.g. ``BR-CO-15``)."""

    severity: IssueSeverity
    message: str
    rule_id: str | None = None
    location: str | None = None


class TransmissionReceipt(Dto, frozen=True, kw_only=True):
    status: TransmissionStatus
    transmission_id: str | None = None
    detail: str | None = None
    transmitted_at: dt.datetime | None = None


class EInvoiceFormat(Protocol):
    """An e-invoice format provider (``kind = "einvoice_format"``).

    ``format_key`` identifies the specification rendered (for example the
    customization id of Peppol BIS Billing 3.0), ``media_type`` the MIME type
    of what ``render`` produces. ``validate`` never raises for bad input:
    malformed content is reported as an ``error`` issue; no ``error`` issue
    means valid (warnings are allowed). Set
    ``supports_transmission = True`` only when the class also implements
    ``TransmittingEInvoiceFormat``.
    """

    key: ClassVar[str]
    kind: ClassVar[str]
    display_name: ClassVar[str]
    Config: ClassVar[type[msgspec.Struct]]
    Secrets: ClassVar[type[msgspec.Struct] | None]
    format_key: ClassVar[str]
    media_type: ClassVar[str]
    supports_transmission: ClassVar[bool]

    def __init__(self, config: Any, secrets: Any) -> None: ...

    async def render(self, invoice: EInvoiceDocument) -> RenderedInvoice: ...

    async def validate(self, content: bytes) -> list[ValidationIssue]: ...


class TransmittingEInvoiceFormat(EInvoiceFormat, Protocol):
    """A format that can also deliver the rendered invoice (e.g. over a Peppol access point).

    ``recipient`` carries the buyer's ``electronic_address``. Transmitting the
    same ``rendered`` content twice must not deliver two invoices.
    """

    async def transmit(
        self, rendered: RenderedInvoice, recipient: Party
    ) -> TransmissionReceipt: ...
