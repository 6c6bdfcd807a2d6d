"""Response bodies of the late-payment risk of an invoice.

Probabilities and day counts are statistics, sent as JSON numbers rounded to
four decimals; amounts stay decimal strings like everywhere else.
"""

from __future__ import annotations

import uuid
from datetime import date

import msgspec


class RiskFactorOut(msgspec.Struct, frozen=True, kw_only=True):
    """One feature's part in the estimate: the intercept plus all contributions is the logit."""

    name: str
    value: float
    #: Weight times the standardised value, in log-odds; positive raises the risk.
    contribution: float
    description: str


class InstalmentRiskOut(msgspec.Struct, frozen=True, kw_only=True):
    """The estimate for one open instalment of the invoice."""

    seq: int
    due_date: date
    open_amount: str
    #: Days past due today; an overdue instalment is late already (probability 1).
    days_overdue: int
    probability_late: float
    expected_days_late: float
    expected_payment_date: date
    #: The customer's expected delay should it be late (shrunk towards the tenant's).
    days_late_if_late: float
    logit: float
    intercept: float
    factors: list[RiskFactorOut]


class RiskModelOut(msgspec.Struct, frozen=True, kw_only=True):
    """What the estimate was learnt from."""

    method: str
    trained_on: int
    trained_late: int
    trained_until: date
    tolerance_days: int


class LatePaymentRiskOut(msgspec.Struct, frozen=True, kw_only=True):
    """The probability that an invoice is paid late and when it is expected to be paid."""

    invoice_id: uuid.UUID
    invoice_number: str | None
    as_of: date
    currency: str
    #: The highest probability among its open instalments.
    probability_late: float
    #: When the last open instalment is expected to be paid.
    expected_payment_date: date
    instalments: list[InstalmentRiskOut]
    model: RiskModelOut
