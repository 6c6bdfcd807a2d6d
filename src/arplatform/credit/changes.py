"""What a decision changes on a customer: tier, limit, terms; one function for all callers.

A simulation lists ``plan_change`` results, an activation applies the very same
results with ``apply``, and an assessment applies (or sends for approval) its own.
A customer whose inputs need an FX rate that is missing keeps what it has and is
flagged (``missing_rates``): a missing rate never turns into a limit of 0.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from arplatform.credit.exposure import Exposure
from arplatform.credit.scorecard import Outcome
from arplatform.customers.models import Customer
from arplatform.invoices.rules import PaymentTermsRule

#: The terms an invoice gets when its customer has none (``invoices.service.DEFAULT_TERMS``).
DEFAULT_TERMS_DAYS = PaymentTermsRule().days


@dataclass(frozen=True, slots=True)
class Change:
    """A customer's tier, limit and terms now and under a decision."""

    customer_id: uuid.UUID
    legal_name: str
    currency: str
    score: int
    tier_from: str | None
    tier_to: str | None
    limit_from: Decimal | None
    limit_to: Decimal | None
    terms_from: int | None
    terms_to: int | None
    #: Exposure against the new limit (``credit.exposure``); None: a rate is missing.
    exposure: Exposure | None
    #: Conversions the decision needed and could not make ("EUR→USD"): nothing changes.
    missing_rates: tuple[str, ...] = ()
    #: The scorecard's reasons in plain words.
    reasons: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return (self.tier_from, self.limit_from, self.terms_from) != (
            self.tier_to,
            self.limit_to,
            self.terms_to,
        )

    @property
    def over_limit(self) -> bool:
        """The customer's exposure is above its new limit."""
        exposure = self.exposure
        if exposure is None or exposure.limit is None:
            return False
        return exposure.total > exposure.limit

    @property
    def limit_raised(self) -> bool:
        if self.limit_to is None:
            return False
        return self.limit_from is None or self.limit_to > self.limit_from

    def proposed(self) -> dict[str, Any]:
        """The change as JSON values (an approval request's ``proposed``)."""
        return {
            "risk_tier": self.tier_to,
            "credit_limit": None if self.limit_to is None else str(self.limit_to),
            "payment_terms_days": self.terms_to,
        }


def terms_days(customer: Customer) -> int | None:
    terms = customer.payment_terms
    return None if not terms else int(terms.get("days", DEFAULT_TERMS_DAYS))


def plan_change(
    customer: Customer,
    outcome: Outcome,
    exposure: Exposure | None,
    missing_rates: tuple[str, ...] = (),
) -> Change:
    """The change ``outcome`` makes: the tier's limit, and terms cut to the tier's maximum.

    A customer without terms is on the invoices' default terms, so those are cut
    too, never lengthened to the tier's maximum. With ``missing_rates`` nothing changes.
    """
    current_terms = terms_days(customer)
    keep = bool(missing_rates)
    effective = DEFAULT_TERMS_DAYS if current_terms is None else current_terms
    terms_to: int | None = min(effective, outcome.terms_days)
    if keep or (current_terms is None and terms_to == DEFAULT_TERMS_DAYS):
        terms_to = current_terms  # the default already applies: nothing to write
    return Change(
        customer_id=customer.id,
        legal_name=customer.legal_name,
        currency=customer.currency,
        score=outcome.score,
        tier_from=customer.risk_tier,
        tier_to=customer.risk_tier if keep else outcome.tier.name,
        limit_from=customer.credit_limit,
        limit_to=customer.credit_limit if keep else outcome.limit,
        terms_from=current_terms,
        terms_to=terms_to,
        exposure=exposure,
        missing_rates=missing_rates,
        reasons=tuple(outcome.reasons),
    )


def apply(customer: Customer, change: Change) -> None:
    """Give the customer the change's tier, limit and terms (audited with the customer)."""
    if change.missing_rates:
        return
    if change.tier_to is not None and customer.risk_tier != change.tier_to:
        customer.risk_tier = change.tier_to
    if customer.credit_limit != change.limit_to:
        customer.credit_limit = change.limit_to
    if change.terms_to is not None and terms_days(customer) != change.terms_to:
        terms = dict(customer.payment_terms or {"kind": "net", "basis": "invoice_date"})
        terms["days"] = change.terms_to
        customer.payment_terms = terms
