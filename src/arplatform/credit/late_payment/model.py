"""The statistics of the late-payment estimate: scaling, L2 logistic regression,
empirical-Bayes shrinkage and the rank AUC.

Plain Python floats: these are probabilities and day counts, not money. Every
function is deterministic (no random start, no iteration-order dependence).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_NEWTON_STEPS = 50
CONVERGED = 1e-7


@dataclass(frozen=True, slots=True)
class Scaler:
    """Standardises a feature row: ``(x - mean) / scale``, column by column."""

    means: tuple[float, ...]
    scales: tuple[float, ...]

    def apply(self, row: Sequence[float]) -> list[float]:
        return [(x - m) / s for x, m, s in zip(row, self.means, self.scales, strict=True)]


def fit_scaler(rows: Sequence[Sequence[float]]) -> Scaler:
    """Column means and population standard deviations; a constant column scales by 1."""
    count = len(rows)
    columns = list(zip(*rows, strict=True))
    means = tuple(sum(column) / count for column in columns)
    scales = []
    for column, mean in zip(columns, means, strict=True):
        spread = math.sqrt(sum((x - mean) ** 2 for x in column) / count)
        scales.append(spread if spread > 1e-9 else 1.0)
    return Scaler(means, tuple(scales))


@dataclass(frozen=True, slots=True)
class Logistic:
    """``P(y) = sigmoid(intercept + Σ weight_i · z_i)`` on standardised features ``z``."""

    intercept: float
    weights: tuple[float, ...]

    def contributions(self, z: Sequence[float]) -> list[float]:
        """Each feature's share of the logit: its weight times its standardised value."""
        return [w * x for w, x in zip(self.weights, z, strict=True)]

    def logit(self, z: Sequence[float]) -> float:
        return self.intercept + sum(self.contributions(z))

    def probability(self, z: Sequence[float]) -> float:
        return sigmoid(self.logit(z))


def sigmoid(t: float) -> float:
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """``matrix · x = vector`` by Gaussian elimination with partial pivoting."""
    size = len(vector)
    a = [[*row, b] for row, b in zip(matrix, vector, strict=True)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, size):
            factor = a[r][col] / a[col][col]
            for c in range(col, size + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * size
    for r in range(size - 1, -1, -1):
        x[r] = (a[r][size] - sum(a[r][c] * x[c] for c in range(r + 1, size))) / a[r][r]
    return x


def _newton_terms(
    rows: Sequence[Sequence[float]], labels: Sequence[bool], beta: list[float], l2: float
) -> tuple[list[list[float]], list[float]]:
    """Hessian of the negative penalised log-likelihood and its negative gradient."""
    size = len(beta)
    hessian = [[0.0] * size for _ in range(size)]
    gradient = [0.0] * size
    for row, label in zip(rows, labels, strict=True):
        x = (1.0, *row)
        p = sigmoid(sum(b * v for b, v in zip(beta, x, strict=True)))
        residual, weight = (1.0 if label else 0.0) - p, p * (1.0 - p)
        for i in range(size):
            gradient[i] += x[i] * residual
            wx = weight * x[i]
            line = hessian[i]
            for j in range(i + 1):
                line[j] += wx * x[j]
    for i in range(size):
        for j in range(i):
            hessian[j][i] = hessian[i][j]
    for i in range(1, size):  # the intercept is not penalised
        hessian[i][i] += l2
        gradient[i] -= l2 * beta[i]
    return hessian, gradient


def fit_logistic(
    rows: Sequence[Sequence[float]], labels: Sequence[bool], *, l2: float = 1.0
) -> Logistic:
    """Maximise the log-likelihood less ``l2/2 · |weights|²`` by Newton-Raphson (IRLS).

    ``rows`` should be standardised; the penalty makes the problem strictly
    concave, so Newton converges from zero without step control.
    """
    if not rows:
        raise ValueError("no rows to fit")
    beta = [0.0] * (len(rows[0]) + 1)
    for _ in range(MAX_NEWTON_STEPS):
        hessian, gradient = _newton_terms(rows, labels, beta, l2)
        step = _solve(hessian, gradient)
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < CONVERGED:
            break
    return Logistic(beta[0], tuple(beta[1:]))


@dataclass(frozen=True, slots=True)
class Prior:
    """A tenant-wide mean and its weight in pseudo-observations, for shrinking a customer's mean."""

    mean: float
    strength: float

    def shrink(self, total: float, count: int) -> float:
        """The customer's mean of ``count`` values summing to ``total``, pulled towards ``mean``.

        With no observations it is the prior mean; it always lies between the two.
        """
        return (total + self.strength * self.mean) / (count + self.strength)


def empirical_prior(
    groups: Iterable[Sequence[float]], *, least: float = 1.0, most: float = 100.0
) -> Prior:
    """Method-of-moments empirical-Bayes prior from per-customer values.

    The strength is within-customer variance over between-customer variance of
    the true means (the latter: variance of the customer means less their
    expected sampling noise), clamped to [``least``, ``most``]: customers with
    many invoices keep their own figure, those with few lean on the tenant's.
    """
    samples = [list(g) for g in groups if g]
    total = sum(len(g) for g in samples)
    if total == 0:
        return Prior(0.0, most)
    mean = sum(sum(g) for g in samples) / total
    means = [sum(g) / len(g) for g in samples]
    squares = sum((x - m) ** 2 for g, m in zip(samples, means, strict=True) for x in g)
    within = squares / (total - len(samples)) if total > len(samples) else 0.0
    if len(samples) < 2 or within <= 0.0:  # nothing to weigh, or no noise to shrink away
        return Prior(mean, least)
    centre = sum(means) / len(means)
    spread = sum((m - centre) ** 2 for m in means) / (len(means) - 1)
    noise = sum(within / len(g) for g in samples) / len(samples)
    between = spread - noise
    strength = most if between <= 0.0 else within / between
    return Prior(mean, min(most, max(least, strength)))


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve as the Mann-Whitney statistic; ties count one half.

    Raises ``ValueError`` without both a positive and a negative label.
    """
    positives = sum(1 for label in labels if label)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("the AUC needs both late and on-time outcomes")
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1  # the average rank of a tie, 1-based
        start = end + 1
    rank_sum = sum(rank for rank, label in zip(ranks, labels, strict=True) if label)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
