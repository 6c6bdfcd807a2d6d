"""Features known before a day, the estimator's explanations and the back-test split."""

from __future__ import annotations

import math
import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arplatform.credit.late_payment.backtest import backtest, evaluation_set
from arplatform.credit.late_payment.estimator import NotEnoughHistory, decided_by, train
from arplatform.credit.late_payment.history import FEATURES, History, Instalment, estimate_priors
from arplatform.credit.late_payment.model import sigmoid

START = date(2025, 1, 6)
END = date(2026, 6, 30)
#: Days late per customer: a prompt payer, a slow one, a mixed one.
DELAYS = {"prompt": (0, -2, 0, -5), "slow": (12, 25, 9, 40), "mixed": (0, 15, -1, 30)}


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_OID, ":".join(map(str, parts)))


def _instalment(customer: str, n: int, delay: int | None, terms: int = 30) -> Instalment:
    issue = START + timedelta(days=3 * n)
    due = issue + timedelta(days=terms)
    return Instalment(
        id=_id(customer, n),
        invoice_id=_id("invoice", customer, n),
        customer_id=_id(customer),
        issue_date=issue,
        due_date=due,
        amount=Decimal(100 + 7 * (n % 5)),
        settled_on=None if delay is None else due + timedelta(days=delay),
        written_off_on=None,
    )


def _ledger() -> list[Instalment]:
    return [
        _instalment(customer, n, delays[n % len(delays)])
        for n in range(150)
        for customer, delays in DELAYS.items()
    ]


def test_lateness_counts_from_the_due_date_with_a_tolerance() -> None:
    item = _instalment("x", 0, 2)
    assert item.late(0) and item.late(1) and not item.late(2)
    assert item.days_late_by(item.due_date + timedelta(days=30)) == 2
    unpaid = _instalment("x", 1, None)
    assert unpaid.late(30)
    assert not unpaid.known_by(unpaid.due_date - timedelta(days=1), 0)
    assert unpaid.known_by(unpaid.due_date, 0)  # not paid by the end of the due day: late
    assert not unpaid.known_by(unpaid.due_date, 3)
    assert unpaid.days_late_by(unpaid.due_date + timedelta(days=9)) == 9
    written = replace(unpaid, written_off_on=unpaid.due_date + timedelta(days=200))
    assert written.late(0) and written.days_late_by(END) == 200
    early = _instalment("x", 2, -10)
    assert early.known_by(early.settled_on or END, 0) and not early.late(0)


@settings(max_examples=40, deadline=None)
@given(
    day_offset=st.integers(60, 420),
    later=st.lists(st.one_of(st.none(), st.integers(1, 200)), min_size=450, max_size=450),
)
def test_features_use_only_what_was_known_on_the_day(
    day_offset: int, later: list[int | None]
) -> None:
    """Rewriting every fact decided after the day (paid later, or never) changes nothing."""
    ledger, day = _ledger(), START + timedelta(days=day_offset)
    rewritten = [
        item
        if item.known_by(day, 0)
        else replace(item, settled_on=None if shift is None else day + timedelta(days=shift))
        for item, shift in zip(ledger, later, strict=True)
    ]
    priors = estimate_priors(ledger[:90], day, 0)
    before, after = History(ledger, 0), History(rewritten, 0)
    for target in ledger[::37]:
        assert before.features(target, day, priors) == after.features(target, day, priors)


def test_the_estimate_ranks_slow_payers_above_prompt_ones_and_explains_itself() -> None:
    estimator = train(_ledger(), END)
    probabilities = {}
    for customer in DELAYS:
        target = _instalment(customer, 400, None)
        prediction = estimator.predict(target, END)
        probabilities[customer] = prediction.probability
        assert [f.name for f in prediction.factors] == list(FEATURES)
        total = prediction.intercept + sum(f.contribution for f in prediction.factors)
        assert total == pytest.approx(prediction.logit)
        assert prediction.probability == pytest.approx(sigmoid(prediction.logit))
        assert all(f.text for f in prediction.factors)
        assert prediction.expected_days_late == pytest.approx(
            prediction.probability * prediction.days_if_late
        )
    assert probabilities["prompt"] < 0.2 < probabilities["mixed"] < probabilities["slow"]
    again = train(_ledger(), END)  # deterministic
    assert (again.logistic, again.scaler, again.priors) == (
        estimator.logistic,
        estimator.scaler,
        estimator.priors,
    )


def test_the_expected_delay_leans_on_the_tenant_for_a_new_customer() -> None:
    estimator = train(_ledger(), END)
    newcomer = estimator.predict(_instalment("newcomer", 400, None), END)
    slow = estimator.predict(_instalment("slow", 400, None), END)
    prompt = estimator.predict(_instalment("prompt", 400, None), END)
    tenant = estimator.priors.late_days.mean
    assert prompt.days_if_late == newcomer.days_if_late == pytest.approx(tenant)  # never late
    assert slow.days_if_late == pytest.approx(sum((12, 25, 9, 40)) / 4, abs=3)
    late_share = {f.name: f for f in newcomer.factors}["late_share"]
    assert "0 of 0" in late_share.text


def test_too_short_a_history_gives_a_clear_refusal() -> None:
    with pytest.raises(NotEnoughHistory, match=r"not enough settled history: \d+ invoices"):
        train(_ledger()[:30], END)
    only_prompt = [i for i in _ledger() if i.customer_id == _id("prompt")]
    with pytest.raises(NotEnoughHistory):
        train(only_prompt, END)


def test_the_backtest_trains_before_the_cutoff_and_scores_what_was_open_at_it() -> None:
    ledger, cutoff = _ledger(), date(2025, 10, 1)
    evaluated = evaluation_set(ledger, cutoff, END, 0)
    assert evaluated
    for item in evaluated:
        assert item.due_date > cutoff
        assert item.settled_on is None or item.settled_on > cutoff or item.issue_date > cutoff
    result = backtest(ledger, cutoff, END)
    assert result.trained_on == sum(1 for i in ledger if i.due_date <= cutoff)
    assert result.evaluated == len(evaluated)
    assert result.auc is not None and result.auc > 0.9
    assert result.mae_days is not None and 0 <= result.mae_days < 15
    assert result.top_factors[0][0] in FEATURES
    assert math.isfinite(result.top_factors[0][1])


def test_a_ledger_day_that_is_not_over_decides_only_what_fell_due_before_it() -> None:
    due = date(2026, 11, 27)
    unpaid = Instalment(
        uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), date(2026, 10, 28), due, Decimal(10), None, None
    )
    assert decided_by([unpaid], due, 0) == [unpaid]  # a past day: over, and it was not paid
    assert decided_by([unpaid], due, 0, day_over=False) == []  # today: it may still be paid
    assert decided_by([unpaid], due + timedelta(days=1), 0, day_over=False) == [unpaid]


def test_the_evaluation_selects_by_due_date_never_by_an_early_payment() -> None:
    cutoff, until = date(2026, 10, 1), date(2026, 11, 27)
    due_today = date(2026, 11, 27)  # the last on-time day is not over yet
    base = Instalment(
        _id("peer"), _id("invoice", "peer"), _id("c"), date(2026, 9, 1), due_today,
        Decimal(10), None, None,
    )  # fmt: skip
    paid_early = replace(base, id=_id("early"), settled_on=date(2026, 11, 2))
    decided = replace(base, id=_id("decided"), due_date=date(2026, 11, 20))
    chosen = evaluation_set([base, paid_early, decided], cutoff, until, 0)
    # the early payer's unpaid peer is undecided, so the early payer waits with it
    assert chosen == [decided]
