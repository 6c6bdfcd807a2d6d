"""The tier's maximum payment terms, checked when an invoice is issued (pure rules).

An invoice's terms are the days of credit it gives: from the day its terms count
from to the original due date of its last instalment. For an invoice whose due
date came from payment terms (``net`` or ``end_of_month`` + days) that day is the
terms' basis (invoice, delivery or acceptance date), and the move of a due date
that falls on a weekend or holiday to the next business day is not counted: net
14 is 14 days whatever weekday it ends on. A basis day after the issue date
counts from the issue date instead: a far-off delivery date never hides the
credit given until it. For an explicit due date or instalment schedule the days
count from the issue date. Later due-date extensions are not terms (they move
``due_date``, never ``original_due_date``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from arplatform.api.problems import Conflict
from arplatform.credit.policy_schema import TierRules
from arplatform.invoices import rules

#: The most days end-of-month terms add to their own: from the 1st to the end of a 31-day month.
LONGEST_REST_OF_MONTH = 30
#: The terms an invoice gets when its customer has none (``invoices.service.DEFAULT_TERMS``).
DEFAULT_TERMS = rules.PaymentTermsRule()


class OverMaxTerms(Conflict):
    slug, title = "payment-terms-exceeded", "The payment terms are longer than the tier allows"


@dataclass(frozen=True, slots=True)
class TermsSpan:
    """The credit an invoice gives: ``days`` from ``counted_from`` (the ``basis``) to ``due``."""

    days: int
    basis: str
    counted_from: date
    due: date


def terms_span(
    issue_date: date,
    original_due_date: date,
    terms: Mapping[str, Any] | None,
    delivery_date: date | None = None,
    acceptance_date: date | None = None,
) -> TermsSpan:
    """The days of credit an invoice gives, as a credit manager counts its terms.

    ``terms`` is the invoice's stored terms document (None: the due date or the
    instalment schedule was given explicitly). With terms, the days run from
    their basis day, or ``issue_date`` when that is earlier, to the due date they
    give before any business-day move; without, from ``issue_date`` to
    ``original_due_date`` (the last instalment's).
    """
    if terms is None:
        return TermsSpan(
            (original_due_date - issue_date).days, "issue_date", issue_date, original_due_date
        )
    basis = str(terms.get("basis", "invoice_date"))
    start = {"delivery_date": delivery_date, "acceptance_date": acceptance_date}.get(basis)
    if start is None:
        basis, start = "invoice_date", issue_date
    due = rules.due_date(start, str(terms.get("kind", "net")), int(terms.get("days", 0)))
    if start > issue_date:
        basis, start = "issue_date", issue_date
    return TermsSpan((due - start).days, basis, start, due)


def terms_within(terms: Mapping[str, Any], max_days: int) -> dict[str, Any]:
    """``terms`` changed as little as possible so that no invoice they give is over ``max_days``.

    Net days are cut to the maximum. End-of-month terms add the rest of the month,
    up to ``LONGEST_REST_OF_MONTH`` days, so their days are cut to leave room for
    it; a maximum too short for that turns them into net ``max_days``. Terms that
    already fit come back equal. Cut terms count from the invoice date: the check
    at issue counts from the earlier of the issue date and a delivery or
    acceptance date, so cut days kept on such a basis would still be over the
    maximum for every invoice delivered or accepted after its issue.
    """
    fitted = dict(terms)
    days = int(terms.get("days", DEFAULT_TERMS.days))
    if terms.get("kind", "net") != "end_of_month":
        allowed = max_days
    elif max_days >= LONGEST_REST_OF_MONTH:
        allowed = max_days - LONGEST_REST_OF_MONTH
    else:
        fitted["kind"], fitted["days"], fitted["basis"] = "net", max_days, "invoice_date"
        return fitted
    if days > allowed:
        fitted["days"], fitted["basis"] = allowed, "invoice_date"
    return fitted


def over_max_terms(span: TermsSpan, tier: TierRules | None) -> bool:
    """Whether ``span`` is longer than ``tier`` allows (no tier: never)."""
    return tier is not None and span.days > tier.max_terms_days


def describe_terms(invoice_name: str, span: TermsSpan, tier: TierRules) -> str:
    """The terms, the tier's maximum and the tier, in plain words."""
    basis = span.basis.replace("_", " ")
    return (
        f"Invoice {invoice_name} gives payment terms of {span.days} days "
        f"(from the {basis} {span.counted_from.isoformat()} to {span.due.isoformat()}), "
        f"longer than the {tier.max_terms_days} days tier {tier.name} allows"
    )
