"""Realistic sample DTOs for conformance runs and for partners' own tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from arplatform.plugins.contracts.collection_agency import CollectionCase, DunningStep, OpenInvoice
from arplatform.plugins.contracts.common import Address, Attachment, Money, Party
from arplatform.plugins.contracts.credit_insurer import (
    Claim,
    CoverRequest,
    InsuredInvoice,
    OverdueDeclaration,
    OverdueType,
)
from arplatform.plugins.contracts.einvoice import (
    EInvoiceDocument,
    InvoiceLine,
    InvoiceTotals,
    PaymentMeans,
    TaxSubtotal,
)
from arplatform.plugins.contracts.notification import (
    OutgoingMessage,
    Recipient,
    SenderIdentity,
)

__all__ = [
    "buyer",
    "claim",
    "collection_case",
    "cover_request",
    "einvoice_document",
    "outgoing_message",
    "overdue_declaration",
    "seller",
]

ISSUE_DATE = dt.date(2025, 3, 3)
DUE_DATE = dt.date(2025, 4, 2)


def seller() -> Party:
    return Party(
        name="Nordhafen Maschinenbau GmbH",
        country="DE",
        address=Address(
            lines=("Hafenstrasse 12",), postal_code="20457", city="Hamburg", country="DE"
        ),
        vat_id="DE123456789",
        registration_id="HRB 123456",
        email="billing@nordhafen.example",
        electronic_address="9930:DE123456789",
    )


def buyer() -> Party:
    return Party(
        name="Brasserie du Pont SARL",
        country="FR",
        address=Address(lines=("4 rue du Pont",), postal_code="69002", city="Lyon", country="FR"),
        vat_id="FR40303265045",
        registration_id="303265045",
        email="compta@brasserie-du-pont.example",
        electronic_address="0009:30326504500010",
    )


def _eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def _invoice_lines() -> tuple[InvoiceLine, ...]:
    return (
        InvoiceLine(
            line_id="1",
            description="Bottling valve, stainless",
            quantity=Decimal(4),
            unit_price=Decimal("250.00"),
            net_amount=Decimal("1000.00"),
            tax_rate=Decimal(0),
            tax_category="AE",
        ),
        InvoiceLine(
            line_id="2",
            description="Installation",
            quantity=Decimal("2.5"),
            unit_code="HUR",
            unit_price=Decimal("90.00"),
            net_amount=Decimal("225.00"),
            tax_rate=Decimal(0),
            tax_category="AE",
        ),
    )


def einvoice_document() -> EInvoiceDocument:
    """A two-line intra-EU invoice in EUR with reverse-charge VAT."""
    breakdown = TaxSubtotal(
        tax_category="AE",
        tax_rate=Decimal(0),
        taxable_amount=Decimal("1225.00"),
        tax_amount=Decimal("0.00"),
        exemption_reason="Reverse charge",
    )
    totals = InvoiceTotals(
        net=Decimal("1225.00"),
        tax=Decimal("0.00"),
        gross=Decimal("1225.00"),
        payable=Decimal("1225.00"),
        tax_breakdown=(breakdown,),
    )
    return EInvoiceDocument(
        invoice_number="INV-2025-0042",
        issue_date=ISSUE_DATE,
        due_date=DUE_DATE,
        currency="EUR",
        seller=seller(),
        buyer=buyer(),
        lines=_invoice_lines(),
        totals=totals,
        payment_terms="30 days net",
        payment_means=(
            PaymentMeans(iban="DE89370400440532013000", payment_reference="INV-2025-0042"),
        ),
        buyer_reference="PO-7781",
    )


def outgoing_message(
    recipient: Recipient, message_id: str = "msg-conformance-1"
) -> OutgoingMessage:
    """A first payment reminder with a PDF attachment."""
    return OutgoingMessage(
        message_id=message_id,
        sender=SenderIdentity(name="Nordhafen Maschinenbau GmbH", email="ar@nordhafen.example"),
        recipients=(recipient,),
        subject="Payment reminder: invoice INV-2025-0042",
        text_body="Invoice INV-2025-0042 of EUR 1,225.00 was due on 2 April 2025.",
        html_body="<p>Invoice <b>INV-2025-0042</b> of EUR 1,225.00 was due on 2 April 2025.</p>",
        attachments=(_invoice_pdf(),),
        locale="en",
    )


def _invoice_pdf() -> Attachment:
    return Attachment(
        filename="INV-2025-0042.pdf", media_type="application/pdf", content=b"%PDF-1.4\n%%EOF\n"
    )


def _insured_invoice() -> InsuredInvoice:
    return InsuredInvoice(
        invoice_number="INV-2025-0042",
        issue_date=ISSUE_DATE,
        due_date=DUE_DATE,
        amount=_eur("1225.00"),
        outstanding=_eur("1225.00"),
    )


def cover_request(request_id: str = "cover-conformance-1") -> CoverRequest:
    return CoverRequest(
        request_id=request_id,
        policy_number="POL-100200",
        buyer=buyer(),
        amount=_eur("50000.00"),
        payment_terms_days=30,
    )


def overdue_declaration(declaration_id: str = "ovd-conformance-1") -> OverdueDeclaration:
    return OverdueDeclaration(
        declaration_id=declaration_id,
        policy_number="POL-100200",
        type=OverdueType.OVERDUE,
        buyer=buyer(),
        invoices=(_insured_invoice(),),
        overdue_amount=_eur("1225.00"),
    )


def claim(claim_id: str = "claim-conformance-1") -> Claim:
    return Claim(
        claim_id=claim_id,
        policy_number="POL-100200",
        buyer=buyer(),
        invoices=(_insured_invoice(),),
        claimed_amount=_eur("1225.00"),
        documents=(_invoice_pdf(),),
    )


def collection_case(case_id: str = "case-conformance-1") -> CollectionCase:
    invoice = OpenInvoice(
        invoice_number="INV-2025-0042",
        issue_date=ISSUE_DATE,
        due_date=DUE_DATE,
        amount=_eur("1225.00"),
        outstanding=_eur("1225.00"),
    )
    return CollectionCase(
        case_id=case_id,
        creditor=seller(),
        debtor=buyer(),
        invoices=(invoice,),
        interest=_eur("12.40"),
        fees=_eur("40.00"),
        total=_eur("1277.40"),
        dunning_history=(
            DunningStep(sent_on=dt.date(2025, 4, 9), level="reminder", channel="email"),
            DunningStep(sent_on=dt.date(2025, 4, 23), level="legal_letter", channel="letter"),
        ),
        documents=(_invoice_pdf(),),
    )
