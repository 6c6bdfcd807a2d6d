"""Report and statement response bodies; amounts are decimal strings in the report currency."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

import msgspec


class DsoMethod(StrEnum):
    COUNTBACK = "countback"
    STANDARD = "standard"


class StatementFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class BucketOut(msgspec.Struct, frozen=True, kw_only=True):
    """Instalments ``min_days``..``max_days`` days past due (null: open-ended)."""

    label: str
    min_days: int | None
    max_days: int | None


class AgingRow(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One customer's open amounts; ``amounts[i]`` belongs to the report's ``buckets[i]``."""

    # gc=False: a report holds tens of thousands of rows without cycles; keeping
    # them out of the cycle collector saves its full passes over them.
    customer_id: uuid.UUID
    legal_name: str
    external_ref: str | None
    amounts: list[str]
    total: str
    items: int


class AgingTotal(msgspec.Struct, frozen=True, kw_only=True):
    amounts: list[str]
    total: str
    items: int
    customers: int


class CurrencyTotal(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    total: str


class AgingReport(msgspec.Struct, frozen=True, kw_only=True):
    """Open receivables of one currency as of a day, per customer and in total.

    ``other_currencies`` lists what is open in other currencies: never added in.
    """

    as_of: date
    currency: str
    buckets: list[BucketOut]
    customers: list[AgingRow]
    total: AgingTotal
    other_currencies: list[CurrencyTotal]


class CountbackPeriod(msgspec.Struct, frozen=True, kw_only=True):
    """Sales invoiced in ``(start, end]`` and the days of it the receivables account for."""

    start: date
    end: date
    sales: str
    days_counted: str


class DsoReport(msgspec.Struct, frozen=True, kw_only=True):
    as_of: date
    currency: str
    method: DsoMethod
    receivables: str
    #: Sales of the standard method's period (null for countback).
    sales: str | None
    period_days: int | None
    #: Days sales outstanding, one decimal; null when there were no sales to divide by.
    dso: str | None
    #: False when countback ran out of months before the receivables were consumed.
    complete: bool
    periods: list[CountbackPeriod]


class OverdueReport(msgspec.Struct, frozen=True, kw_only=True):
    as_of: date
    currency: str
    receivables: str
    not_due: str
    overdue: str
    #: overdue ÷ receivables, four decimals; null without receivables.
    overdue_ratio: str | None
    overdue_items: int
    overdue_customers: int


class Debtor(msgspec.Struct, frozen=True, kw_only=True):
    customer_id: uuid.UUID
    legal_name: str
    external_ref: str | None
    open: str
    overdue: str
    #: This customer's share of all receivables of the currency, four decimals.
    share: str
    oldest_due_date: date
    days_past_due: int


class TopDebtors(msgspec.Struct, frozen=True, kw_only=True):
    as_of: date
    currency: str
    receivables: str
    data: list[Debtor]


class StatementEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One movement; ``balance`` is the running balance after it (positive: owed to us)."""

    date: date
    kind: str
    document_id: uuid.UUID
    reference: str | None
    debit: str
    credit: str
    balance: str


class InterestLine(msgspec.Struct, frozen=True, kw_only=True):
    """Late interest accrued on one invoice to the statement's last day, not yet charged.

    ``compensation`` is a statutory fixed sum (EUR 40 of the EU directive), in
    its own currency; ``note`` says why interest could not be computed.
    """

    invoice_id: uuid.UUID
    number: str | None
    amount: str
    compensation: str | None
    compensation_currency: str | None
    note: str | None


class AgedAmount(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    amount: str


class Statement(msgspec.Struct, frozen=True, kw_only=True):
    """A statement of account of one customer in one currency for ``from``..``to``.

    ``closing_balance`` is the booked balance; accrued late interest is shown
    apart (``interest``), since it is not booked until charged.
    ``unapplied_credit`` is what the customer had paid or been credited on ``to``
    that no invoice has taken yet, so ``closing_balance`` equals the sum of the
    ``aging`` amounts (the open invoices, gross) less ``unapplied_credit``.
    """

    customer_id: uuid.UUID
    legal_name: str
    currency: str
    from_date: date = msgspec.field(name="from")
    to_date: date = msgspec.field(name="to")
    opening_balance: str
    entries: list[StatementEntry]
    closing_balance: str
    unapplied_credit: str
    interest: list[InterestLine]
    interest_total: str
    aging: list[AgedAmount]
