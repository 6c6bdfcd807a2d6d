"""The statistics of the late-payment estimate: AUC, shrinkage, the logistic fit."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arplatform.credit.late_payment.model import (
    Logistic,
    Prior,
    auc,
    empirical_prior,
    fit_logistic,
    fit_scaler,
    sigmoid,
)

finite = st.floats(min_value=-50, max_value=50, allow_nan=False)


def test_a_perfect_ranking_has_auc_one_and_its_reverse_zero() -> None:
    scores = [0.1, 0.2, 0.3, 0.8, 0.9]
    labels = [False, False, False, True, True]
    assert auc(scores, labels) == 1.0
    assert auc([-s for s in scores], labels) == 0.0


def test_ties_count_one_half() -> None:
    assert auc([0.5] * 6, [True, False] * 3) == 0.5


def test_auc_needs_both_outcomes() -> None:
    with pytest.raises(ValueError, match="both"):
        auc([0.1, 0.2], [True, True])


@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=2, max_size=40))
def test_auc_is_the_share_of_correctly_ordered_pairs(pairs: list[tuple[int, bool]]) -> None:
    positives = [s for s, late in pairs if late]
    negatives = [s for s, late in pairs if not late]
    if not positives or not negatives:
        return
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in positives for n in negatives)
    expected = wins / (len(positives) * len(negatives))
    assert auc([float(s) for s, _ in pairs], [late for _, late in pairs]) == pytest.approx(expected)


@given(
    mean=st.floats(0, 100),
    strength=st.floats(0.5, 100),
    values=st.lists(st.floats(0, 100), max_size=30),
)
def test_a_shrunk_mean_lies_between_the_prior_and_the_customer(
    mean: float, strength: float, values: list[float]
) -> None:
    shrunk = Prior(mean, strength).shrink(sum(values), len(values))
    own = sum(values) / len(values) if values else mean
    assert min(mean, own) - 1e-9 <= shrunk <= max(mean, own) + 1e-9


def test_more_invoices_move_the_estimate_closer_to_the_customer_figure() -> None:
    prior = Prior(0.2, 5.0)
    few, many = prior.shrink(2, 2), prior.shrink(20, 20)  # always late
    assert 0.2 < few < many < 1.0
    assert prior.shrink(0, 0) == 0.2  # no history: the tenant's figure


@given(st.lists(st.lists(st.sampled_from([0.0, 1.0]), min_size=1, max_size=12), max_size=15))
def test_the_empirical_prior_strength_stays_within_its_bounds(groups: list[list[float]]) -> None:
    prior = empirical_prior(groups, least=1.0, most=100.0)
    assert 1.0 <= prior.strength <= 100.0
    values = [v for g in groups for v in g]
    if values:
        assert prior.mean == pytest.approx(sum(values) / len(values))


def test_distinct_customers_get_weak_shrinkage_and_alike_ones_strong() -> None:
    distinct = empirical_prior([[1.0] * 9 + [0.0], [0.0] * 9 + [1.0]] * 5)
    alike = empirical_prior([[1.0, 0.0] * 5] * 10)
    assert distinct.strength < 2 < 50 < alike.strength


@given(st.lists(finite, min_size=3, max_size=3), st.lists(finite, min_size=3, max_size=3), finite)
def test_contributions_and_intercept_add_up_to_the_logit(
    weights: list[float], z: list[float], intercept: float
) -> None:
    model = Logistic(intercept, tuple(weights))
    assert intercept + sum(model.contributions(z)) == pytest.approx(model.logit(z))
    assert model.probability(z) == pytest.approx(sigmoid(model.logit(z)))


def _rows() -> tuple[list[list[float]], list[bool]]:
    """A noisy signal in the first column; the second is balanced within each x, so no signal."""
    rows = [[x / 10, side] for x in range(-30, 30) for side in (-1.0, 1.0)]
    labels = [x + 0.5 * ((round(x * 10) * 5) % 7 - 3) > 0 for x, _ in rows]
    return rows, labels


def test_the_fit_finds_the_signal_and_its_gradient_vanishes() -> None:
    rows, labels = _rows()
    model = fit_logistic(rows, labels, l2=1.0)
    assert model.weights[0] > 1 and abs(model.weights[1]) < 1e-6
    for k in range(2):  # the penalised score equations hold at the optimum
        pairs = zip(rows, labels, strict=True)
        score = sum(r[k] * ((1.0 if y else 0.0) - model.probability(r)) for r, y in pairs)
        assert score - 1.0 * model.weights[k] == pytest.approx(0.0, abs=1e-6)


def test_a_heavy_penalty_shrinks_the_weights_towards_zero() -> None:
    rows, labels = _rows()
    light, heavy = fit_logistic(rows, labels, l2=0.1), fit_logistic(rows, labels, l2=1e4)
    assert abs(heavy.weights[0]) < 0.05 < abs(light.weights[0])
    share = sum(labels) / len(labels)
    assert heavy.intercept == pytest.approx(math.log(share / (1 - share)), abs=0.05)


def test_the_fit_is_deterministic_and_finite_on_separable_data() -> None:
    rows = [[float(x)] for x in range(-10, 10)]
    labels = [x >= 0 for x in range(-10, 10)]
    first, second = fit_logistic(rows, labels), fit_logistic(rows, labels)
    assert first == second
    assert all(math.isfinite(w) for w in (first.intercept, *first.weights))


def test_the_scaler_standardises_and_leaves_constant_columns_alone() -> None:
    scaler = fit_scaler([[1.0, 5.0], [3.0, 5.0]])
    assert scaler.apply([1.0, 5.0]) == [-1.0, 0.0]
    assert scaler.apply([3.0, 7.0]) == [1.0, 2.0]
