"""What a dunning communication says: the data every template and channel renders.

The run builds one :class:`NoticeContext` per communication (one customer, one
level, one currency); templates (``dunning/templates``) and the PDF letter
render it. Amounts are ``Decimal`` in ``currency``; dates are tenant-local.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class NoticeParty:
    """A party named on the notice: the tenant (creditor) or the customer (debtor)."""

    name: str
    address_lines: tuple[str, ...] = ()
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One invoice instalment the notice is about."""

    invoice_number: str
    instalment: int | None  # sequence number when the invoice has several instalments
    issue_date: date
    due_date: date
    days_overdue: int  # negative before the due date
    amount: Decimal  # the instalment's amount
    open_amount: Decimal  # what is dunned: open, less any amount under dispute
    interest: Decimal  # late interest accrued on the invoice by the notice date


@dataclass(frozen=True, slots=True)
class NoticeContext:
    """Everything a notice template may use (see ``docs/dunning.md`` for the list)."""

    reference: str  # the communication's reference, quoted back by the customer
    template: str  # template name of the level, e.g. "formal_notice"
    level_name: str
    actions: tuple[str, ...]
    notice_date: date
    pay_by: date  # the date by which payment is asked
    currency: str
    creditor: NoticeParty
    debtor: NoticeParty
    lines: tuple[NoticeLine, ...]
    total_open: Decimal
    total_interest: Decimal
    fixed_compensation: Decimal = Decimal(0)  # e.g. EUR 40 per invoice under the EU directive
    next_step: str | None = None  # action of the next level, e.g. "legal_letter"
    next_step_on: date | None = None
    payment_instructions: str | None = None  # bank details, as the tenant wrote them
    contact: str | None = None  # whom to call or write back to
    extra: dict[str, str] = field(default_factory=dict)
