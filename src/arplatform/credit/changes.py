"""What a decision changes on a customer: tier, limit, terms; one function for all callers.

A simulation lists ``plan_change`` results, an activation applies the very same
results with ``apply``, and an assessment applies (or sends for approval) its own.
A customer whose inputs need an FX rate that is missing keeps what it has and is
flagged (``missing_rates``): a missing rate never turns into a limit of 0.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from arplatform.credit.exposure import Exposure
from arplatform.credit.scorecard import Outcome
from arplatform.credit.terms_check import terms_within
from arplatform.customers.models import Customer
from arplatform.invoices.rules import PaymentTermsRule

#: The terms an invoice gets when its customer has none (``invoices.service.DEFAULT_TERMS``).
DEFAULT_TERMS_DAYS = PaymentTermsRule().days
#: The customer's terms document that gives those terms.
DEFAULT_TERMS_DOCUMENT: Mapping[str, Any] = MappingProxyType(
    {"kind": "net", "days": DEFAULT_TERMS_DAYS, "basis": "invoice_date"}
)


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
    #: The terms' kind ("net", "end_of_month") now and under the decision (None: no terms).
    terms_kind_from: str | None = None
    terms_kind_to: str | None = None
    #: The day the terms count from under the decision (cut terms: "invoice_date").
    terms_basis_to: str | None = None

    @property
    def terms_changed(self) -> bool:
        """The customer's terms change: their days, or net for end-of-month."""
        return (self.terms_from, self.terms_kind_from) != (self.terms_to, self.terms_kind_to)

    @property
    def changed(self) -> bool:
        return self.terms_changed or (self.tier_from, self.limit_from) != (
            self.tier_to,
            self.limit_to,
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
        proposed = {
            "risk_tier": self.tier_to,
            "credit_limit": None if self.limit_to is None else str(self.limit_to),
            "payment_terms_days": self.terms_to,
        }
        if self.terms_to is not None and self.terms_kind_to != self.terms_kind_from:
            proposed["payment_terms_kind"] = self.terms_kind_to
        return proposed


def terms_days(customer: Customer) -> int | None:
    terms = customer.payment_terms
    return None if not terms else int(terms.get("days", DEFAULT_TERMS_DAYS))


def terms_kind(customer: Customer) -> str | None:
    terms = customer.payment_terms
    return None if not terms else str(terms.get("kind", "net"))


def fitted_terms(current: Mapping[str, Any] | None, max_days: int) -> Mapping[str, Any] | None:
    """A customer's terms (None: the default terms) cut as ``terms_within`` says.

    None when the customer has no terms and the default terms already fit: there is
    nothing to write.
    """
    fitted = terms_within(current or DEFAULT_TERMS_DOCUMENT, max_days)
    if current is None and fitted == DEFAULT_TERMS_DOCUMENT:
        return None
    return fitted


def plan_change(
    customer: Customer,
    outcome: Outcome,
    exposure: Exposure | None,
    missing_rates: tuple[str, ...] = (),
) -> Change:
    """The change ``outcome`` makes: the tier's limit, and terms cut to fit the tier's maximum.

    Terms are cut as ``terms_check.terms_within`` says, so that the check at issue
    accepts every invoice they give; terms that already fit stay as they are. A
    customer without terms is on the invoices' default terms, so those are cut
    too, never lengthened to the tier's maximum. With ``missing_rates`` nothing changes.
    """
    keep = bool(missing_rates)
    current: Mapping[str, Any] | None = customer.payment_terms or None
    fitted = current if keep else fitted_terms(current, outcome.terms_days)
    return Change(
        customer_id=customer.id,
        legal_name=customer.legal_name,
        currency=customer.currency,
        score=outcome.score,
        tier_from=customer.risk_tier,
        tier_to=customer.risk_tier if keep else outcome.tier.name,
        limit_from=customer.credit_limit,
        limit_to=customer.credit_limit if keep else outcome.limit,
        terms_from=terms_days(customer),
        terms_to=None if fitted is None else int(fitted.get("days", DEFAULT_TERMS_DAYS)),
        exposure=exposure,
        missing_rates=missing_rates,
        reasons=tuple(outcome.reasons),
        terms_kind_from=terms_kind(customer),
        terms_kind_to=None if fitted is None else str(fitted.get("kind", "net")),
        terms_basis_to=None if fitted is None else fitted.get("basis"),
    )


def apply(customer: Customer, change: Change) -> None:
    """Give the customer the change's tier, limit and terms (audited with the customer).

    Only what differs is written: terms that already fit are left alone.
    """
    if change.missing_rates:
        return
    if change.tier_to is not None and customer.risk_tier != change.tier_to:
        customer.risk_tier = change.tier_to
    if customer.credit_limit != change.limit_to:
        customer.credit_limit = change.limit_to
    if change.terms_to is None:
        return
    if (terms_days(customer), terms_kind(customer)) != (change.terms_to, change.terms_kind_to):
        terms = dict(customer.payment_terms or DEFAULT_TERMS_DOCUMENT)
        terms["days"] = change.terms_to
        terms["kind"] = change.terms_kind_to or terms.get("kind", "net")
        terms["basis"] = change.terms_basis_to or terms.get("basis", "invoice_date")
        customer.payment_terms = terms
