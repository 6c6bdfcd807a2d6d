"""The HTTP helpers shared by the core and the plugins."""

from __future__ import annotations

import datetime as dt

import pytest

from arplatform.plugins.http import retry_after_seconds

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("30", 30.0),
        (" 7 ", 7.0),
        ("Sun, 01 Jun 2025 12:01:30 GMT", 90.0),
        ("Sun, 01 Jun 2025 11:00:00 GMT", 0.0),  # a date in the past: go now
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after_seconds(header, NOW) == seconds
