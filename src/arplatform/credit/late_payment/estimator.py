"""Train the late-payment estimate on known outcomes and explain each prediction.

Training rows are the instalments whose outcome was decided by the training day
(due date plus tolerance passed), each described as of the day before its
invoice was issued. The probability of paying late comes from an L2 logistic
regression on the standardised features; the expected delay when late is the
customer's mean delay shrunk towards the tenant's, and the expected days late
is their product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from arplatform.credit.late_payment.history import (
    FEATURES,
    History,
    Instalment,
    Priors,
    describe,
    estimate_priors,
)
from arplatform.credit.late_payment.model import Logistic, Scaler, fit_logistic, fit_scaler

#: Fewer decided outcomes than this, or fewer of either kind, give no estimate.
MIN_OUTCOMES, MIN_PER_CLASS = 50, 5
L2_PENALTY = 1.0
DAY = timedelta(days=1)


class NotEnoughHistory(ValueError):
    """The tenant's settled history is too short to learn from."""

    def __init__(self, outcomes: int, late: int) -> None:
        super().__init__(
            f"not enough settled history: {outcomes} invoices with a known outcome "
            f"({late} late), need {MIN_OUTCOMES} with at least {MIN_PER_CLASS} late "
            f"and {MIN_PER_CLASS} on time"
        )
        self.outcomes, self.late = outcomes, late


@dataclass(frozen=True, slots=True)
class Factor:
    """One feature's part in a prediction: its contribution to the logit, in plain words."""

    name: str
    value: float
    contribution: float
    text: str


@dataclass(frozen=True, slots=True)
class Prediction:
    probability: float
    logit: float
    intercept: float
    #: The expected delay should the instalment be late.
    days_if_late: float
    expected_days_late: float
    factors: tuple[Factor, ...]


@dataclass(frozen=True, slots=True)
class Estimator:
    """A trained estimate for one tenant; predicts for instalments as of a day."""

    history: History
    priors: Priors
    scaler: Scaler
    logistic: Logistic
    trained_until: date
    outcomes: int
    late: int

    @property
    def tolerance(self) -> int:
        return self.history.tolerance

    def predict(self, target: Instalment, day: date) -> Prediction:
        """The probability that ``target`` is paid late, from what was known on ``day``.

        Factors come in ``FEATURES`` order; the intercept plus their
        contributions is the logit.
        """
        features = self.history.features(target, day, self.priors)
        z = self.scaler.apply(features.values)
        contributions = self.logistic.contributions(z)
        factors = tuple(
            Factor(name, value, contribution, describe(name, features, target))
            for name, value, contribution in zip(
                FEATURES, features.values, contributions, strict=True
            )
        )
        logit = self.logistic.intercept + sum(contributions)
        probability = self.logistic.probability(z)
        return Prediction(
            probability=probability,
            logit=logit,
            intercept=self.logistic.intercept,
            days_if_late=features.late_days,
            expected_days_late=probability * features.late_days,
            factors=factors,
        )

    def top_factors(self) -> list[tuple[str, float]]:
        """Feature weights (per standard deviation), strongest first."""
        pairs = zip(FEATURES, self.logistic.weights, strict=True)
        return sorted(pairs, key=lambda pair: (-abs(pair[1]), pair[0]))


def decided_by(
    instalments: Sequence[Instalment], day: date, tolerance: int, *, day_over: bool = True
) -> list[Instalment]:
    """The instalments whose due date plus tolerance had passed on ``day``: outcome known.

    ``day_over`` False (``day`` is today): its last due day must lie before ``day``,
    since what is unpaid on it may still be paid before the day ends.
    """
    last = tolerance if day_over else tolerance + 1
    return [i for i in instalments if (day - i.due_date).days >= last]


def train(
    instalments: Sequence[Instalment],
    until: date,
    *,
    tolerance: int = 0,
    l2: float = L2_PENALTY,
    day_over: bool = True,
) -> Estimator:
    """Fit on the outcomes decided by ``until``; raises :class:`NotEnoughHistory`.

    ``instalments`` may include later facts: features only use what was known
    on each row's day, and only rows decided by ``until`` are fitted (see
    :func:`decided_by` for ``day_over``).
    """
    rows = decided_by(instalments, until, tolerance, day_over=day_over)
    labels = [row.late(tolerance) for row in rows]
    late = sum(labels)
    if len(rows) < MIN_OUTCOMES or min(late, len(rows) - late) < MIN_PER_CLASS:
        raise NotEnoughHistory(len(rows), late)
    history = History(instalments, tolerance)
    priors = estimate_priors(rows, until, tolerance)
    table = [history.features(row, row.issue_date - DAY, priors).values for row in rows]
    scaler = fit_scaler(table)
    logistic = fit_logistic([scaler.apply(values) for values in table], labels, l2=l2)
    if not all(math.isfinite(w) for w in (logistic.intercept, *logistic.weights)):
        raise ArithmeticError("the late-payment fit did not converge")
    return Estimator(history, priors, scaler, logistic, until, len(rows), late)
