"""What a decision changes on a customer: tier, limit, terms; one function for all callers.

A simulation lists ``plan_change`` results, an activation applies the very same
results with ``apply``, and an assessment applies (or sends for approval) its own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from arplatform.credit.scorecard import Outcome
from arplatform.customers.models import Customer


@dataclass(frozen=True, slots=True)
class Change:
    """A customer's tier, limit and terms now and under a decision."""

    customer_id: uuid.UUID
    legal_name: str
    currency: str
    score: int
    tier_from: str | None
    tier_to: str
    limit_from: Decimal | None
    limit_to: Decimal
    terms_from: int | None
    terms_to: int
    open_receivables: Decimal

    @property
    def changed(self) -> bool:
        return (self.tier_from, self.limit_from, self.terms_from) != (
            self.tier_to,
            self.limit_to,
            self.terms_to,
        )

    @property
    def over_limit(self) -> bool:
        """The customer owes more than its new limit."""
        return self.open_receivables > self.limit_to

    @property
    def limit_raised(self) -> bool:
        return self.limit_from is None or self.limit_to > self.limit_from

    def proposed(self) -> dict[str, Any]:
        """The change as JSON values (an approval request's ``proposed``)."""
        return {
            "risk_tier": self.tier_to,
            "credit_limit": str(self.limit_to),
            "payment_terms_days": self.terms_to,
        }


def terms_days(customer: Customer) -> int | None:
    terms = customer.payment_terms
    return None if not terms else int(terms.get("days", 30))


def plan_change(customer: Customer, outcome: Outcome, open_receivables: Decimal) -> Change:
    """The change ``outcome`` makes: the tier's limit, and terms cut to the tier's maximum."""
    current_terms = terms_days(customer)
    allowed = outcome.terms_days
    return Change(
        customer_id=customer.id,
        legal_name=customer.legal_name,
        currency=customer.currency,
        score=outcome.score,
        tier_from=customer.risk_tier,
        tier_to=outcome.tier.name,
        limit_from=customer.credit_limit,
        limit_to=outcome.limit,
        terms_from=current_terms,
        terms_to=allowed if current_terms is None else min(current_terms, allowed),
        open_receivables=open_receivables,
    )


def apply(customer: Customer, change: Change) -> None:
    """Give the customer the change's tier, limit and terms (audited with the customer)."""
    if customer.risk_tier != change.tier_to:
        customer.risk_tier = change.tier_to
    if customer.credit_limit != change.limit_to:
        customer.credit_limit = change.limit_to
    if terms_days(customer) != change.terms_to:
        terms = dict(customer.payment_terms or {"kind": "net", "basis": "invoice_date"})
        terms["days"] = change.terms_to
        customer.payment_terms = terms
