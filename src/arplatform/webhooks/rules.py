"""Pure delivery rules: which event types an endpoint gets, the retry schedule, the outcome."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

#: Waits before attempt 1, 2, 3 …: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h
#: (about three days and two hours from the first attempt to the last).
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    *(timedelta(hours=10),) * 7,
)
MAX_ATTEMPTS = len(SCHEDULE)
#: Spread retries by ±10 %, so receivers that come back are not hit by every sender at once.
JITTER = 0.1
#: A receiver's Retry-After is honoured up to this long.
MAX_RETRY_AFTER = timedelta(hours=10)
#: An endpoint failing without a single success for this long is disabled.
DISABLE_AFTER = timedelta(days=5)


def matches(patterns: Iterable[str], event_type: str) -> bool:
    """``invoice.paid`` is matched by ``invoice.paid``, ``invoice.*`` and ``*``."""
    return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in patterns)


def retry_delay(attempts: int, retry_after: float | None, jitter: float) -> timedelta | None:
    """The wait after ``attempts`` failed attempts, or ``None`` when the schedule is spent.

    ``jitter`` in [0, 1) picks the point in the ±10 % band; ``retry_after`` (seconds)
    lengthens the wait, never shortens it.
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    planned = SCHEDULE[attempts] * (1 - JITTER + 2 * JITTER * jitter)
    if retry_after is None:
        return planned
    # Clamped as a number first: the receiver's value may not fit a timedelta.
    honoured = min(retry_after, MAX_RETRY_AFTER.total_seconds())
    return max(planned, timedelta(seconds=honoured))


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one HTTP attempt came to; ``error`` names the failure's class, never a body."""

    status_code: int | None
    latency_ms: int
    error: str | None = None
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class Decision:
    """``succeeded``, ``retry`` (at ``next_at``), ``failed``, or ``endpoint_disabled``."""

    outcome: str
    next_at: datetime | None = None
    disable_reason: str | None = None


def decide(
    result: AttemptResult,
    *,
    attempts: int,
    failing_since: datetime | None,
    now: datetime,
    jitter: float,
) -> Decision:
    """The outcome of attempt number ``attempts`` of a delivery, made at ``now``."""
    if result.succeeded:
        return Decision("succeeded")
    if result.status_code == 410:
        return Decision("endpoint_disabled", disable_reason="gone")
    if failing_since is not None and now - failing_since >= DISABLE_AFTER:
        return Decision("endpoint_disabled", disable_reason="failing")
    delay = retry_delay(attempts, result.retry_after, jitter)
    if delay is None:
        return Decision("failed")
    return Decision("retry", next_at=now + delay)


def display_url(url: str) -> str:
    """``url`` without what may be a secret (query, fragment, user info), for events and logs.

    Receivers often put a token in the query string; events reach every ``*`` subscriber.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
