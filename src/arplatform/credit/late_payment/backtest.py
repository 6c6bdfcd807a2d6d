"""Evaluate the late-payment estimate out of time: train at a cut-off, score what came after.

The estimate is trained on the outcomes decided by the cut-off (due date plus
tolerance passed). It is evaluated on the instalments still open and not yet
late at the cut-off whose outcome is decided by the end of the data: those of
invoices issued by then and those issued later, each scored from what was known
on the cut-off (or the day before its issue, if earlier). No fact after the
cut-off reaches the model or the features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from arplatform.credit.late_payment.estimator import DAY, decided_by, train
from arplatform.credit.late_payment.history import Instalment
from arplatform.credit.late_payment.model import auc


@dataclass(frozen=True, slots=True)
class BacktestResult:
    cutoff: date
    data_until: date
    trained_on: int
    trained_late: int
    evaluated: int
    evaluated_late: int
    #: None when the evaluation has only late or only on-time outcomes.
    auc: float | None
    #: Mean absolute error of the expected days late, over the evaluated, paid instalments.
    mae_days: float | None
    paid: int
    top_factors: list[tuple[str, float]]


def evaluation_set(
    instalments: Sequence[Instalment], cutoff: date, data_until: date, tolerance: int
) -> list[Instalment]:
    """Open and not yet late at the cut-off, whose last on-time day passed by ``data_until``.

    Selected by due date alone (as training rows are), never by payment: keeping
    the ones paid early while their unpaid peers wait would favour on-time payers.
    ``data_until`` is today, which is not over yet.
    """
    decided = decided_by(instalments, data_until, tolerance, day_over=False)
    return [
        i
        for i in decided
        if (cutoff - i.due_date).days < tolerance and (i.issue_date > cutoff or i.open_on(cutoff))
    ]


def backtest(
    instalments: Sequence[Instalment], cutoff: date, data_until: date, *, tolerance: int = 0
) -> BacktestResult:
    """Train at ``cutoff`` and measure the rank AUC and the days-late MAE after it.

    Raises ``NotEnoughHistory`` when too little was decided by the cut-off.
    """
    estimator = train(instalments, cutoff, tolerance=tolerance)
    scores, labels, errors = [], [], []
    evaluated = evaluation_set(instalments, cutoff, data_until, tolerance)
    for item in evaluated:
        prediction = estimator.predict(item, min(cutoff, item.issue_date - DAY))
        scores.append(prediction.probability)
        labels.append(item.late(tolerance))
        if item.settled_on is not None:
            actual = max(0, (item.settled_on - item.due_date).days)
            errors.append(abs(prediction.expected_days_late - actual))
    late = sum(labels)
    return BacktestResult(
        cutoff=cutoff,
        data_until=data_until,
        trained_on=estimator.outcomes,
        trained_late=estimator.late,
        evaluated=len(evaluated),
        evaluated_late=late,
        auc=auc(scores, labels) if 0 < late < len(labels) else None,
        mae_days=sum(errors) / len(errors) if errors else None,
        paid=len(errors),
        top_factors=estimator.top_factors(),
    )
