"""The pure mapping of Connect's rating and score onto the common scale."""

from __future__ import annotations

from arplatform_credit_bureau_creditsafe.mapping import common_rating, normalised_score
from hypothesis import given
from hypothesis import strategies as st

from arplatform.plugins.contracts.credit_bureau import CommonRating


@given(
    st.integers(min_value=-50, max_value=1500),
    st.integers(min_value=-10, max_value=10),
    st.integers(min_value=1, max_value=1000),
)
def test_score_is_always_on_the_common_scale(value: int, low: int, span: int) -> None:
    score = normalised_score(str(value), str(low), str(low + span))
    assert score is not None and 0 <= score <= 100


@given(st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=999))
def test_score_keeps_the_order_of_provider_scores(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert normalised_score(low, 0, 999) <= normalised_score(high, 0, 999)  # type: ignore[operator]


def test_score_without_range() -> None:
    assert normalised_score("41") == 41
    assert normalised_score(41.6) == 42
    assert normalised_score("560") is None  # a local scale we do not know
    assert normalised_score("A") is None
    assert normalised_score("") is None
    assert normalised_score("750", "0", "1000") == 75


def test_common_rating_maps_a_to_e_only() -> None:
    assert [common_rating(v) for v in ("A", "b", " C ", "D", "E")] == list(CommonRating)
    assert common_rating("X") is None
    assert common_rating(None) is None
