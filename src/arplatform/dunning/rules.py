"""The dunning decision: which level of a plan applies to one instalment on one day.

Pure functions of the instalment's state, the plan and the date; no I/O. The run,
the dry-run preview and the tests all call :func:`decide`.

How a plan reads:

- Levels are ordered. A level falls due ``offset_days`` after the instalment's due
  date (``anchor = due_date``, negative for a reminder before it) or after the day
  the previous level was applied (``anchor = previous_level``). A level that may
  not be skipped, applied late (after an outage, or an imported invoice long
  overdue), keeps the plan's spacing to the next one; two levels are never less
  than ``min_gap_days`` apart.
  With ``business_days_in`` set, a level falling on a weekend or public holiday of
  that country moves to the next business day.
- At most one level applies to an instalment on a day: the furthest one that has
  fallen due, so a run after days of outage sends one notice at the level that
  applies now, not one per missed day. Levels are never jumped over unless they
  say ``skippable`` (the reminders of the default plan): when a level that may
  not be skipped is due, it is the one applied, and later levels follow it at
  the plan's spacing.
- A level whose ``min_amount`` for the currency exceeds the dunned amount does not
  apply to that instalment; if such a level may not be skipped, escalation stops
  before it.
- Small debts (below the tenant's threshold) take the automated route: levels that
  need people or paper (letters, legal letters, internal review, agency hand-off)
  are left out of their ladder.
- Pauses: an open promise pauses until the promised date; a kept payment plan, an
  exclusion, or a dispute covering the whole open amount pause until lifted. A
  partial dispute does not pause: the undisputed part is dunned.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

import msgspec

from arplatform.api.types import TEXT_PATTERN, Amount, CurrencyCode, StrictStruct
from arplatform.invoices.rules import next_business_day

ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)


class Action(enum.StrEnum):
    REMINDER = "reminder"
    FORMAL_NOTICE = "formal_notice"
    LEGAL_LETTER = "legal_letter"
    INTERNAL_REVIEW = "internal_review"
    CREDIT_HOLD = "credit_hold"
    AGENCY_HANDOFF = "agency_handoff"
    INSURER_DECLARATION = "insurer_declaration"
    STOP = "stop"


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"


class Anchor(enum.StrEnum):
    DUE_DATE = "due_date"
    PREVIOUS_LEVEL = "previous_level"


class ItemState(enum.StrEnum):
    """Where an instalment stands in its plan after a decision."""

    ACTIVE = "active"  # waiting for its next level
    PAUSED = "paused"
    EXCLUDED = "excluded"
    BELOW_MINIMUM = "below_minimum"  # too small for the next level that may not be skipped
    COMPLETED = "completed"  # no level left, or a level said stop
    SETTLED = "settled"  # nothing open any more


#: Actions that need people or paper: left out of the small-debt route.
MANUAL_ACTIONS = frozenset({Action.LEGAL_LETTER, Action.INTERNAL_REVIEW, Action.AGENCY_HANDOFF})

Offset = Annotated[int, msgspec.Meta(ge=-365, le=3650)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=TEXT_PATTERN)]
TemplateName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Minimum(StrictStruct, kw_only=True):
    """The smallest dunned amount in one currency for a level to apply."""

    currency: CurrencyCode
    amount: Amount


class Level(StrictStruct, kw_only=True):
    """One step of a dunning plan (see the module docstring for how dates are read)."""

    name: Name
    offset_days: Offset
    actions: Annotated[list[Action], msgspec.Meta(min_length=1, max_length=8)]
    anchor: Anchor = Anchor.DUE_DATE
    channels: Annotated[list[Channel], msgspec.Meta(max_length=3)] = []
    #: Template of the communication; required when the level has channels.
    template: TemplateName | None = None
    #: Smallest dunned amount per currency; none for a currency: no minimum.
    min_amount: Annotated[list[Minimum], msgspec.Meta(max_length=20)] = []
    #: Whether a catch-up may jump over this level when a later one is due too.
    skippable: bool = False

    @property
    def communicates(self) -> bool:
        return bool(self.channels)

    @property
    def manual(self) -> bool:
        return Channel.LETTER in self.channels or bool(MANUAL_ACTIONS.intersection(self.actions))


@dataclass(frozen=True, slots=True)
class Ladder:
    """A plan's levels and spacing, as the decision reads them."""

    levels: tuple[Level, ...]
    min_gap_days: int = 1
    #: Country whose weekends and public holidays move a level to the next business day.
    business_days_in: str | None = None


@dataclass(frozen=True, slots=True)
class Instalment:
    """One instalment's dunning state on the day of the decision."""

    due_date: date
    currency: str
    open_amount: Decimal
    disputed_amount: Decimal = ZERO
    level: int | None = None  # index of the last level applied
    level_on: date | None = None  # the day it was applied
    paused_until: date | None = None  # a promise to pay: paused up to and including this day
    paused: bool = False  # a kept payment plan
    excluded: bool = False
    small_debt: bool = False

    @property
    def dunned_amount(self) -> Decimal:
        return max(self.open_amount - self.disputed_amount, ZERO)

    @property
    def previous(self) -> tuple[int, date] | None:
        if self.level is None or self.level_on is None:
            return None
        return (self.level, self.level_on)


@dataclass(frozen=True, slots=True)
class Decision:
    """``level``: the index to apply today, or ``None``; ``next_on``: when to look again,
    for the level ``next_level`` (``None`` when no level lies ahead)."""

    level: int | None
    next_on: date | None
    state: ItemState
    next_level: int | None = None


def _applies(level: Level, item: Instalment) -> bool:
    if item.small_debt and level.manual:
        return False
    minimum = next((m.amount for m in level.min_amount if m.currency == item.currency), None)
    return minimum is None or item.dunned_amount >= Decimal(minimum)


def level_date(
    ladder: Ladder, index: int, due_date: date, previous: tuple[int, date] | None
) -> date:
    """The day level ``index`` falls due, ``previous`` being the last level applied and its day.

    A level anchored on the due date keeps the plan's spacing from a level that
    may not be skipped applied before it, even when that one was applied late
    (after an outage, or as the first level an imported invoice reached): the
    time a formal notice gives is never cut short. After a reminder applied
    late, only ``min_gap_days`` holds.
    """
    level = ladder.levels[index]
    if level.anchor is Anchor.PREVIOUS_LEVEL and previous is not None:
        on = previous[1] + timedelta(days=level.offset_days)
    else:
        on = due_date + timedelta(days=level.offset_days)
    if previous is not None:
        before = ladder.levels[previous[0]]
        spacing = ladder.min_gap_days
        if not before.skippable and Anchor.PREVIOUS_LEVEL not in (level.anchor, before.anchor):
            spacing = max(spacing, level.offset_days - before.offset_days)
        on = max(on, previous[1] + timedelta(days=spacing))
    if ladder.business_days_in is not None:
        on = next_business_day(on, ladder.business_days_in)
    return on


def _blocks(level: Level, item: Instalment) -> bool:
    """A level that does not apply and may not be skipped: escalation stops before it.

    Levels left out of the small-debt route are not in that ladder at all.
    """
    return not level.skippable and not (item.small_debt and level.manual)


def _held(item: Instalment, as_of: date) -> Decision | None:
    if item.open_amount <= ZERO:
        return Decision(None, None, ItemState.SETTLED)
    if item.excluded:
        return Decision(None, None, ItemState.EXCLUDED)
    if item.paused_until is not None and as_of <= item.paused_until:
        return Decision(None, item.paused_until + ONE_DAY, ItemState.PAUSED)
    if item.paused or item.dunned_amount <= ZERO:
        return Decision(None, as_of + ONE_DAY, ItemState.PAUSED)
    return None


def _stops(ladder: Ladder, index: int | None) -> bool:
    """Whether the sequence ends after level ``index`` (a stop level, or the plan's end)."""
    if index is None:
        return False
    return index >= len(ladder.levels) or Action.STOP in ladder.levels[index].actions


def _next(
    ladder: Ladder, item: Instalment, previous: tuple[int, date] | None, as_of: date
) -> Decision:
    """The state after ``previous`` (a level and its day): when the next level falls due."""
    after = None if previous is None else previous[0]
    if _stops(ladder, after):
        return Decision(None, None, ItemState.COMPLETED)
    start = 0 if after is None else after + 1
    for index in range(start, len(ladder.levels)):
        level = ladder.levels[index]
        if _applies(level, item):
            return Decision(
                None, level_date(ladder, index, item.due_date, previous), ItemState.ACTIVE
            )
        if not level.skippable and not item.small_debt:
            # Re-checked daily only while a dispute holds part of the amount back.
            retry = as_of + ONE_DAY if item.disputed_amount > ZERO else None
            return Decision(None, retry, ItemState.BELOW_MINIMUM)
    return Decision(None, None, ItemState.COMPLETED)


def decide(ladder: Ladder, item: Instalment, as_of: date) -> Decision:
    """Which level applies to ``item`` on ``as_of``, and when to look at it again.

    The furthest level that has fallen due is applied, never jumping over a level
    that may not be skipped; ``next_on`` is always after ``as_of`` (or ``None``
    when nothing can happen without an outside change).
    """
    held = _held(item, as_of)
    if held is not None:
        return held
    if _stops(ladder, item.level):
        return Decision(None, None, ItemState.COMPLETED)
    chosen: int | None = None
    start = 0 if item.level is None else item.level + 1
    for index in range(start, len(ladder.levels)):
        level = ladder.levels[index]
        if not _applies(level, item):
            if _blocks(level, item):
                break
            continue
        if chosen is not None and level.anchor is Anchor.PREVIOUS_LEVEL:
            break  # it counts from the level applied today
        if level_date(ladder, index, item.due_date, item.previous) > as_of:
            break
        chosen = index
        if not level.skippable or Action.STOP in level.actions:
            break
    if chosen is None:
        return _next(ladder, item, item.previous, as_of)
    after = _next(ladder, item, (chosen, as_of), as_of)
    return Decision(chosen, after.next_on, after.state, after.next_level)


def default_levels() -> tuple[Level, ...]:
    """The trade's default ladder, given to every new tenant.

    The two reminders may be jumped over when a later level is already due; the
    review, the formal notice, the legal letter and the hand-over may not.
    """
    email = [Channel.EMAIL]
    reminder = [Action.REMINDER]
    return (
        Level(name="Reminder before due date", offset_days=-7, actions=reminder,
              channels=email, template="pre_due_reminder", skippable=True),
        Level(name="Friendly reminder", offset_days=1, actions=reminder,
              channels=email, template="reminder", skippable=True),
        Level(name="Review of the customer", offset_days=15,
              actions=[Action.INTERNAL_REVIEW]),
        Level(name="Formal notice", offset_days=16, actions=[Action.FORMAL_NOTICE],
              channels=email, template="formal_notice"),
        Level(name="Legal letter", offset_days=30, actions=[Action.LEGAL_LETTER],
              channels=[Channel.EMAIL, Channel.LETTER], template="legal_letter"),
        Level(name="Collection agency", offset_days=31,
              actions=[Action.AGENCY_HANDOFF, Action.INSURER_DECLARATION, Action.STOP],
              channels=email, template="agency_handoff"),
    )  # fmt: skip
