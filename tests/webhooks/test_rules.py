"""The pure delivery rules: subscriptions, the retry schedule with jitter, outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from arplatform.webhooks.rules import (
    DISABLE_AFTER,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    SCHEDULE,
    AttemptResult,
    decide,
    display_url,
    matches,
    retry_delay,
)

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


def test_patterns() -> None:
    assert matches(["invoice.*"], "invoice.paid")
    assert matches(["*"], "customer.created")
    assert matches(["payment.received", "invoice.paid"], "invoice.paid")
    assert not matches(["invoice.*"], "invoices.paid")
    assert not matches(["invoice.paid"], "invoice.paid_late")


def test_the_schedule_spans_about_three_days() -> None:
    assert SCHEDULE[:6] == (
        timedelta(0),
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
    )
    assert set(SCHEDULE[6:]) == {timedelta(hours=10)}
    assert timedelta(days=3) <= sum(SCHEDULE, timedelta(0)) <= timedelta(days=3, hours=6)


@given(st.integers(1, MAX_ATTEMPTS - 1), st.floats(0, 1, exclude_max=True))
def test_jitter_stays_within_ten_percent(attempts: int, jitter: float) -> None:
    delay = retry_delay(attempts, None, jitter)
    assert delay is not None
    assert SCHEDULE[attempts] * 0.9 <= delay <= SCHEDULE[attempts] * 1.1


@given(st.integers(1, MAX_ATTEMPTS - 1), st.floats(0, 200_000))
def test_retry_after_only_lengthens_the_wait(attempts: int, retry_after: float) -> None:
    delay = retry_delay(attempts, retry_after, 0.5)
    assert delay is not None
    assert delay >= SCHEDULE[attempts]
    assert delay >= min(timedelta(seconds=retry_after), timedelta(hours=10))


def test_the_schedule_ends() -> None:
    assert retry_delay(MAX_ATTEMPTS, None, 0.5) is None
    failed = decide(AttemptResult(500, 3), attempts=MAX_ATTEMPTS, failing_since=NOW, now=NOW,
                    jitter=0.5)  # fmt: skip
    assert failed.outcome == "failed"


def test_outcomes() -> None:
    def outcome(code: int | None, failing_since: datetime | None = None) -> str:
        result = AttemptResult(code, 10, None if code == 200 else "x")
        return decide(result, attempts=1, failing_since=failing_since, now=NOW, jitter=0.5).outcome

    assert outcome(200) == "succeeded"
    assert outcome(204) == "succeeded"
    assert outcome(302) == "retry"
    assert outcome(500) == "retry"
    assert outcome(None) == "retry"
    assert outcome(410) == "endpoint_disabled"
    assert outcome(500, NOW - DISABLE_AFTER + timedelta(minutes=1)) == "retry"
    assert outcome(500, NOW - DISABLE_AFTER) == "endpoint_disabled"


@given(st.floats(0, 1e300))
def test_any_retry_after_is_clamped_not_raised(retry_after: float) -> None:
    """A receiver's ``Retry-After: 99999999999999999`` must not overflow a timedelta."""
    delay = retry_delay(1, retry_after, 0.5)
    assert delay is not None and delay <= MAX_RETRY_AFTER
    result = AttemptResult(503, 3, "http_503", retry_after)
    decision = decide(result, attempts=1, failing_since=None, now=NOW, jitter=0.5)
    assert decision.next_at is not None and decision.next_at <= NOW + MAX_RETRY_AFTER


def test_display_url_drops_what_may_be_a_secret() -> None:
    assert display_url("https://erp.example.com/h?token=s3cret#x") == "https://erp.example.com/h"
    assert display_url("https://u:p@erp.example.com:8443/h") == "https://erp.example.com:8443/h"
    assert display_url("https://[2606:4700::1]/h?k=v") == "https://[2606:4700::1]/h"
