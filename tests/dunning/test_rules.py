"""The dunning decision: worked examples of the default plan, and its properties."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from arplatform.dunning.candidates import Candidate
from arplatform.dunning.rules import (
    Action,
    Anchor,
    Channel,
    Decision,
    Instalment,
    ItemState,
    Ladder,
    Level,
    Minimum,
    decide,
    default_levels,
    level_date,
)
from arplatform.dunning.run import position_in

DEFAULT = Ladder(levels=default_levels(), min_gap_days=1, business_days_in="DE")
CALENDAR_DAYS = Ladder(levels=default_levels(), min_gap_days=1)


def _item(due: date, **changes: object) -> Instalment:
    values: dict[str, object] = {
        "due_date": due,
        "currency": "EUR",
        "open_amount": Decimal("1200.00"),
    }
    values.update(changes)
    return Instalment(**values)  # type: ignore[arg-type]


def run_days(ladder: Ladder, item: Instalment, days: list[date]) -> list[tuple[date, int]]:
    """Run the decision on each day, applying what it says; the levels applied and when."""
    applied = []
    for day in days:
        decision = decide(ladder, item, day)
        if decision.level is not None:
            applied.append((day, decision.level))
            item = _moved(item, decision, day)
    return applied


def _moved(item: Instalment, decision: Decision, day: date) -> Instalment:
    values = {slot: getattr(item, slot) for slot in Instalment.__slots__}
    values.update(level=decision.level, level_on=day)
    return Instalment(**values)


def every_day(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# Worked examples of the default plan (Germany's calendar) ----------------------------


def test_default_plan_around_weekends_and_a_month_end() -> None:
    due = date(2026, 1, 30)  # a Friday, the last business day of January
    applied = run_days(DEFAULT, _item(due), every_day(date(2026, 1, 1), date(2026, 4, 30)))
    assert applied == [
        (date(2026, 1, 23), 0),  # -7: Friday 23 January
        (date(2026, 2, 2), 1),  # +1 is Saturday 31 January: Monday 2 February
        (date(2026, 2, 16), 2),  # +15 is Saturday 14 February: Monday 16, the review
        (date(2026, 2, 17), 3),  # +16 is Sunday 15: a day after the review, Tuesday 17
        (date(2026, 3, 3), 4),  # +30 is Sunday 1 March; 14 days after the notice: Tuesday 3
        (date(2026, 3, 4), 5),  # +31: the day after the legal letter
    ]


def test_default_plan_across_easter() -> None:
    due = date(2026, 3, 20)  # +15 is Saturday 4 April; Easter Monday is 6 April in Germany
    applied = dict(
        (level, day)
        for day, level in run_days(DEFAULT, _item(due), every_day(due, date(2026, 6, 1)))
    )
    assert applied[2] == date(2026, 4, 7)
    assert applied[3] == date(2026, 4, 8)


def test_without_business_days_levels_fall_on_their_calendar_day() -> None:
    due = date(2026, 2, 28)  # the last day of February, a Saturday
    applied = run_days(CALENDAR_DAYS, _item(due), every_day(date(2026, 2, 1), date(2026, 5, 1)))
    assert [day for day, _ in applied] == [
        date(2026, 2, 21),
        date(2026, 3, 1),
        date(2026, 3, 15),
        date(2026, 3, 16),
        date(2026, 3, 30),
        date(2026, 3, 31),
    ]


def test_a_run_after_three_missed_days_applies_one_level() -> None:
    due = date(2026, 1, 30)
    item = _item(due, level=1, level_on=date(2026, 2, 2))
    # Runs on 16-18 February were missed; on the 19th the review is due and may not be
    # skipped, so it is the one level applied; the formal notice follows a day later.
    decision = decide(DEFAULT, item, date(2026, 2, 19))
    assert decision == Decision(3 - 1, date(2026, 2, 20), ItemState.ACTIVE)


def test_an_invoice_imported_long_overdue_starts_at_the_review_and_keeps_the_spacing() -> None:
    due = date(2025, 6, 30)
    applied = run_days(DEFAULT, _item(due), every_day(date(2026, 3, 2), date(2026, 4, 30)))
    assert applied == [
        (date(2026, 3, 2), 2),  # reminders are skippable; the review is not
        (date(2026, 3, 3), 3),
        (date(2026, 3, 17), 4),  # 14 days after the formal notice, as the plan spaces them
        (date(2026, 3, 18), 5),
    ]


def test_holds() -> None:
    due = date(2026, 3, 2)
    day = date(2026, 3, 20)
    promise = decide(DEFAULT, _item(due, paused_until=date(2026, 3, 25)), day)
    assert promise == Decision(None, date(2026, 3, 26), ItemState.PAUSED)
    plan = decide(DEFAULT, _item(due, paused=True), day)
    assert plan == Decision(None, date(2026, 3, 21), ItemState.PAUSED)
    disputed = decide(DEFAULT, _item(due, disputed_amount=Decimal("1200.00")), day)
    assert disputed.state is ItemState.PAUSED and disputed.level is None
    partial = decide(DEFAULT, _item(due, disputed_amount=Decimal("200.00")), day)
    assert partial.level == 2
    assert decide(DEFAULT, _item(due, excluded=True), day).state is ItemState.EXCLUDED
    assert decide(DEFAULT, _item(due, open_amount=Decimal(0)), day).state is ItemState.SETTLED


def test_small_debts_take_the_automated_route() -> None:
    due = date(2026, 1, 30)
    applied = run_days(
        DEFAULT, _item(due, small_debt=True), every_day(date(2026, 1, 1), date(2026, 4, 30))
    )
    # No review, no legal letter (a letter), no agency: reminders and the e-mailed notice.
    assert [level for _, level in applied] == [0, 1, 3]


def test_a_level_below_its_minimum_stops_escalation_before_it() -> None:
    levels = list(default_levels())
    levels[4] = Level(
        name="Legal letter",
        offset_days=30,
        actions=[Action.LEGAL_LETTER],
        channels=[Channel.LETTER],
        template="legal_letter",
        min_amount=[Minimum(currency="EUR", amount="5000")],
    )
    ladder = Ladder(levels=tuple(levels))
    applied = run_days(
        ladder, _item(date(2026, 1, 30)), every_day(date(2026, 1, 1), date(2026, 6, 1))
    )
    assert [level for _, level in applied] == [0, 1, 2, 3]
    after = decide(
        ladder, _item(date(2026, 1, 30), level=3, level_on=date(2026, 2, 15)), date(2026, 5, 1)
    )
    assert after == Decision(None, None, ItemState.BELOW_MINIMUM)


def test_a_stop_level_completes_the_sequence() -> None:
    item = _item(date(2026, 1, 30), level=5, level_on=date(2026, 3, 4))
    assert decide(DEFAULT, item, date(2026, 9, 1)) == Decision(None, None, ItemState.COMPLETED)


# Properties ----------------------------------------------------------------------------


@st.composite
def ladders(draw: st.DrawFn) -> Ladder:
    count = draw(st.integers(1, 6))
    offsets = sorted(draw(st.sets(st.integers(-20, 90), min_size=count, max_size=count)))
    levels = []
    for offset in offsets:
        relative = draw(st.booleans()) and bool(levels)
        levels.append(
            Level(
                name=f"level {len(levels)}",
                offset_days=draw(st.integers(1, 20)) if relative else offset,
                anchor=Anchor.PREVIOUS_LEVEL if relative else Anchor.DUE_DATE,
                actions=[Action.REMINDER],
                skippable=draw(st.booleans()),
            )
        )
    country = draw(st.sampled_from([None, "DE", "GB"]))
    return Ladder(
        levels=tuple(levels), min_gap_days=draw(st.integers(1, 5)), business_days_in=country
    )


DUE = date(2026, 5, 29)
days_around_due = st.lists(
    st.integers(-25, 200).map(lambda n: DUE + timedelta(days=n)), min_size=1, max_size=40
).map(lambda days: sorted(set(days)))


@settings(max_examples=300, deadline=None)
@given(ladder=ladders(), days=days_around_due)
def test_escalation_is_monotone_never_early_and_skips_only_skippable_levels(
    ladder: Ladder, days: list[date]
) -> None:
    item = _item(DUE)
    previous: tuple[int, date] | None = None
    for day in days:
        decision = decide(ladder, item, day)
        assert decision.next_on is None or decision.next_on > day
        if decision.level is None:
            continue
        assert previous is None or decision.level > previous[0]
        assert level_date(ladder, decision.level, DUE, previous) <= day
        start = 0 if previous is None else previous[0] + 1
        assert all(ladder.levels[k].skippable for k in range(start, decision.level))
        item = _moved(item, decision, day)
        previous = (decision.level, day)
        assert decide(ladder, item, day).level is None  # a second run the same day: nothing


@settings(max_examples=200, deadline=None)
@given(ladder=ladders())
def test_run_daily_every_level_is_applied_in_order(ladder: Ladder) -> None:
    days = every_day(DUE - timedelta(days=25), DUE + timedelta(days=400))
    on_calendar_days = replace(ladder, business_days_in=None, min_gap_days=1)
    applied = [level for _, level in run_days(on_calendar_days, _item(DUE), days)]
    assert all(level.skippable for k, level in enumerate(ladder.levels) if k not in applied)
    if all(level.anchor is Anchor.DUE_DATE for level in ladder.levels):
        assert applied == list(range(len(ladder.levels)))
    # Moved to business days or spaced wider, two levels may fall on one day: only the
    # later is applied, and only when the earlier may be skipped.
    applied = [level for _, level in run_days(ladder, _item(DUE), days)]
    assert applied == sorted(applied)
    assert all(level.skippable for k, level in enumerate(ladder.levels) if k not in applied)


@settings(max_examples=200, deadline=None)
@given(ladder=ladders(), days=days_around_due)
def test_nothing_happens_before_next_on(ladder: Ladder, days: list[date]) -> None:
    """The run reads only items whose next date has come: looking earlier must change nothing."""
    item = _item(DUE)
    for day in days:
        decision = decide(ladder, item, day)
        if decision.level is not None:
            item = _moved(item, decision, day)
        if decision.next_on is None:
            continue
        for between in every_day(day + timedelta(days=1), decision.next_on - timedelta(days=1)):
            assert decide(ladder, item, between).level is None


@settings(max_examples=200, deadline=None)
@given(
    ladder=ladders(),
    days=days_around_due,
    pause_from=st.integers(-25, 200),
    pause_days=st.integers(0, 60),
)
def test_no_level_is_applied_during_a_promise(
    ladder: Ladder, days: list[date], pause_from: int, pause_days: int
) -> None:
    start = DUE + timedelta(days=pause_from)
    until = start + timedelta(days=pause_days)
    item = _item(DUE)
    for day in days:
        paused = start <= day <= until
        state = Instalment(
            **{
                **{s: getattr(item, s) for s in Instalment.__slots__},
                "paused_until": until if paused else None,
            }
        )
        decision = decide(ladder, state, day)
        if paused:
            assert decision.level is None and decision.next_on == until + timedelta(days=1)
        elif decision.level is not None:
            item = _moved(item, decision, day)


@settings(max_examples=100, deadline=None)
@given(
    ladder=ladders(),
    first_due=st.integers(-30, 30),
    second_due=st.integers(-30, 30),
    day=st.integers(-20, 120),
)
def test_instalments_are_dunned_each_on_their_own_due_date(
    ladder: Ladder, first_due: int, second_due: int, day: int
) -> None:
    as_of = DUE + timedelta(days=day)
    first = _item(DUE + timedelta(days=first_due))
    second = _item(DUE + timedelta(days=second_due))
    if first_due == second_due:
        assert decide(ladder, first, as_of) == decide(ladder, second, as_of)
    alone = decide(ladder, _item(DUE + timedelta(days=first_due), open_amount=Decimal("1")), as_of)
    assert decide(ladder, first, as_of).level == alone.level


def test_a_small_debt_stops_before_a_mandatory_level_it_is_too_small_for() -> None:
    levels = list(default_levels())
    levels[3] = Level(
        name="Formal notice",
        offset_days=16,
        actions=[Action.FORMAL_NOTICE],
        channels=[Channel.EMAIL],
        template="formal_notice",
        min_amount=[Minimum(currency="EUR", amount="100")],
    )
    ladder = Ladder(levels=tuple(levels))
    small = _item(date(2026, 1, 30), open_amount=Decimal("50"), small_debt=True)
    applied = run_days(ladder, small, every_day(date(2026, 1, 1), date(2026, 6, 1)))
    assert [level for _, level in applied] == [0, 1]  # no review (manual), no notice: too small


def test_a_level_beyond_a_shortened_plan_ends_the_sequence() -> None:
    ladder = Ladder(levels=default_levels()[:3])
    item = _item(date(2026, 1, 30), level=4, level_on=date(2026, 3, 3))
    assert decide(ladder, item, date(2026, 6, 1)) == Decision(None, None, ItemState.COMPLETED)


def test_after_a_plan_change_an_item_keeps_its_level_by_name() -> None:
    other = Ladder(levels=(default_levels()[1], default_levels()[3]))
    moved = uuid.uuid4()
    row = Candidate(
        instalment_id=uuid.uuid4(), invoice_id=uuid.uuid4(), customer_id=uuid.uuid4(),
        invoice_number="INV-1", instalment_seq=1, seq=None, issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 30), currency="EUR", amount=Decimal(1), open_amount=Decimal(1),
        item_id=uuid.uuid4(), plan_id=uuid.uuid4(), level=3, level_name="Formal notice",
        level_on=date(2026, 2, 17),
    )  # fmt: skip
    assert position_in(other, moved, row) == 1
    assert position_in(other, moved, replace(row, level_name="Legal letter")) is None
    assert position_in(DEFAULT, row.plan_id, row) == 3  # type: ignore[arg-type]
