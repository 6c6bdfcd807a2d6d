"""Late-payment risk of an invoice and the back-test, from the tenant's ledger.

The estimate is trained on the tenant's whole decided history (one query), in a
worker thread so the event loop keeps serving. A trained estimate is kept
in-process under the tenant, the day, the tolerance and a ledger watermark (one
small query: invoices and their last change, allocations), so a repeated request
reuses it and any change of the ledger trains afresh. The tolerance is one of a
few fixed values, so callers cannot force a retrain per request.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import Conflict, FieldError, InvalidInput, ProblemError
from arplatform.credit.late_payment.backtest import BacktestResult, backtest
from arplatform.credit.late_payment.estimator import (
    Estimator,
    NotEnoughHistory,
    Prediction,
    train,
)
from arplatform.credit.late_payment.history import Instalment
from arplatform.credit.late_payment.queries import (
    ledger_watermark,
    load_history,
    load_invoice_facts,
)
from arplatform.credit.late_payment.schemas import (
    InstalmentRiskOut,
    LatePaymentRiskOut,
    RiskFactorOut,
    RiskModelOut,
)
from arplatform.invoices.models import Invoice
from arplatform.invoices.service import get_invoice
from arplatform.money import format_amount
from arplatform.tenants.clock import today

METHOD = (
    "L2-regularised logistic regression on standardised features of the customer's "
    "payment history known before each invoice; expected delay = customer's mean delay "
    "when late, shrunk towards the tenant's (empirical Bayes)"
)
#: The grace periods (days after the due date still on time) an estimate can be asked for.
Tolerance = Literal[0, 3, 5, 7, 10, 14, 30]
TOLERANCES: Final = get_args(Tolerance)
CACHE_SIZE = 32
#: Keyed by tenant, day, tolerance and ledger watermark: a ledger change is a new key.
_estimates: OrderedDict[Hashable, Estimator] = OrderedDict()


class NotEnoughHistoryProblem(ProblemError):
    status, slug, title = 409, "not-enough-history", "Not enough settled history"


@dataclass(frozen=True, slots=True)
class InstalmentRisk:
    seq: int
    fact: Instalment
    open_amount_text: str
    days_overdue: int
    prediction: Prediction


@dataclass(frozen=True, slots=True)
class InvoiceRisk:
    invoice: Invoice
    as_of: date
    estimator: Estimator
    instalments: list[InstalmentRisk]


def _fit(facts: Sequence[Instalment], as_of: date, tolerance: int) -> Estimator:
    """Train (CPU-bound, run in a worker thread); a history too short or unstable is a 409."""
    try:
        return train(facts, as_of, tolerance=tolerance, day_over=False)
    except NotEnoughHistory as exc:
        raise NotEnoughHistoryProblem(str(exc)) from exc
    except ArithmeticError as exc:
        raise NotEnoughHistoryProblem(f"the history gives no stable estimate: {exc}") from exc


async def estimator_for(session: AsyncSession, as_of: date, tolerance: int) -> Estimator:
    """The tenant's estimate as of ``as_of``: cached while the ledger is unchanged."""
    key = (session.info["tenant_id"], as_of, tolerance, await ledger_watermark(session))
    estimator = _estimates.get(key)
    if estimator is None:
        facts = await load_history(session, as_of)
        estimator = await asyncio.to_thread(_fit, facts, as_of, tolerance)
        _estimates[key] = estimator
        while len(_estimates) > CACHE_SIZE:
            _estimates.popitem(last=False)
    _estimates.move_to_end(key)
    return estimator


def check_tolerance(tolerance: int) -> None:
    if tolerance not in TOLERANCES:
        raise InvalidInput(
            f"tolerance_days must be one of {', '.join(map(str, TOLERANCES))}",
            errors=[FieldError(field="tolerance_days", message="not an offered grace period")],
        )


async def invoice_risk(
    session: AsyncSession, invoice_id: uuid.UUID, *, tolerance: int = 0
) -> InvoiceRisk:
    """The late-payment estimate of each open instalment of an invoice, as of today.

    404 for an unknown invoice, 422 for a tolerance not in :data:`TOLERANCES`, 409
    when it has nothing open or the tenant's history is too short to learn from.
    """
    check_tolerance(tolerance)
    invoice = await get_invoice(session, invoice_id)
    as_of = await today(session)
    by_id = {fact.id: fact for fact in await load_invoice_facts(session, invoice_id, as_of)}
    open_rows = [
        row for row in invoice.instalments if row.id in by_id and by_id[row.id].open_on(as_of)
    ]
    if not open_rows:
        raise Conflict(f"Invoice {invoice_id} has no open instalment to estimate")
    estimator = await estimator_for(session, as_of, tolerance)
    risks = []
    for row in open_rows:
        fact = by_id[row.id]
        overdue = max(0, (as_of - fact.due_date).days)
        risks.append(
            InstalmentRisk(
                seq=row.seq,
                fact=fact,
                open_amount_text=format_amount(row.open_amount, invoice.currency),
                days_overdue=overdue,
                prediction=estimator.predict(fact, as_of),
            )
        )
    return InvoiceRisk(invoice, as_of, estimator, risks)


async def run_backtest(
    session: AsyncSession, cutoff: date, *, tolerance: int = 0
) -> BacktestResult:
    """Train on what was decided by ``cutoff``, evaluate what was decided after it, to today.

    Raises ``ValueError`` for a cut-off not before today, :class:`NotEnoughHistory`
    when too little was decided by it.
    """
    until = await today(session)
    if cutoff >= until:
        raise ValueError(f"the cut-off must be before today ({until})")
    facts = await load_history(session, until)
    return await asyncio.to_thread(backtest, facts, cutoff, until, tolerance=tolerance)


def _round(value: float) -> float:
    return round(value, 4)


def _instalment_out(item: InstalmentRisk, tolerance: int) -> InstalmentRiskOut:
    prediction, due = item.prediction, item.fact.due_date
    probability, expected = prediction.probability, prediction.expected_days_late
    if item.days_overdue > tolerance:  # late already: only the delay is uncertain
        probability = 1.0
        expected = max(prediction.days_if_late, float(item.days_overdue))
    return InstalmentRiskOut(
        seq=item.seq,
        due_date=due,
        open_amount=item.open_amount_text,
        days_overdue=item.days_overdue,
        probability_late=_round(probability),
        expected_days_late=_round(expected),
        expected_payment_date=due + timedelta(days=round(expected)),
        days_late_if_late=_round(prediction.days_if_late),
        logit=_round(prediction.logit),
        intercept=_round(prediction.intercept),
        factors=[
            RiskFactorOut(
                name=f.name,
                value=_round(f.value),
                contribution=_round(f.contribution),
                description=f.text,
            )
            for f in prediction.factors
        ],
    )


def to_out(risk: InvoiceRisk) -> LatePaymentRiskOut:
    estimator = risk.estimator
    items = [_instalment_out(item, estimator.tolerance) for item in risk.instalments]
    return LatePaymentRiskOut(
        invoice_id=risk.invoice.id,
        invoice_number=risk.invoice.number,
        as_of=risk.as_of,
        currency=risk.invoice.currency,
        probability_late=max(item.probability_late for item in items),
        expected_payment_date=max(item.expected_payment_date for item in items),
        instalments=items,
        model=RiskModelOut(
            method=METHOD,
            trained_on=estimator.outcomes,
            trained_late=estimator.late,
            trained_until=estimator.trained_until,
            tolerance_days=estimator.tolerance,
        ),
    )
