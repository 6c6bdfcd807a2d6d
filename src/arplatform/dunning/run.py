"""The dunning run: decide every candidate instalment, group notices, and (unless dry) record.

One run is one transaction. It holds the tenant's dunning settings row for
update, so two runs of one tenant never interleave; each instalment's level and
next date move in the same transaction as the communications they cause, so a
run cut short leaves nothing behind and the next run does the whole day again,
once. Delivery happens afterwards, one job per communication and channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.collections.holds import InstalmentHold, collection_holds
from arplatform.db.base import utcnow
from arplatform.dunning import candidates as found
from arplatform.dunning.candidates import Candidate
from arplatform.dunning.models import DunningSettings
from arplatform.dunning.plans import PlanBook, ensure_defaults, plan_book
from arplatform.dunning.rules import Decision, Instalment, Ladder, Level, decide
from arplatform.interest.service import ReferenceRateMissing, interest_for_invoices

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A candidate and what the decision made of it under the plan that applies now.

    ``position`` is the candidate's last level found again in that plan.
    """

    candidate: Candidate
    decision: Decision
    plan_id: uuid.UUID
    position: int | None
    dunned_amount: Decimal

    @property
    def level(self) -> int | None:
        """The item's level after the decision."""
        return self.decision.level if self.decision.level is not None else self.position


def position_in(ladder: Ladder, plan_id: uuid.UUID, row: Candidate) -> int | None:
    """The candidate's last level in the plan that applies now.

    Its own index while the plan is the same one and still that long; after a plan
    change, the level of the same name; otherwise none (it starts the new plan
    afresh, which applies the furthest level due, never jumping a mandatory one).
    """
    if row.level is None:
        return None
    if row.plan_id == plan_id and row.level < len(ladder.levels):
        return row.level
    names = [level.name for level in ladder.levels]
    return names.index(row.level_name) if row.level_name in names else None


@dataclass(slots=True)
class Group:
    """One customer, plan level and currency: a communication and/or actions."""

    customer_id: uuid.UUID
    plan_id: uuid.UUID
    level_index: int
    level: Level
    currency: str
    outcomes: list[Outcome] = field(default_factory=list)
    #: Late interest accrued per instalment (by instalment id).
    interest: dict[uuid.UUID, Decimal] = field(default_factory=dict)

    @property
    def total_open(self) -> Decimal:
        return sum((o.dunned_amount for o in self.outcomes), ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum(self.interest.values(), ZERO)

    @property
    def next_step(self) -> tuple[date, int] | None:
        """The earliest next level of the group's instalments, and its day."""
        ahead = [
            (o.decision.next_on, o.decision.next_level)
            for o in self.outcomes
            if o.decision.next_on is not None and o.decision.next_level is not None
        ]
        return min(ahead, default=None)

    @property
    def next_on(self) -> date | None:
        step = self.next_step
        return None if step is None else step[0]


@dataclass(slots=True)
class Decided:
    """Everything a run decided for a day, before anything is recorded."""

    as_of: date
    settings: DunningSettings
    book: PlanBook
    outcomes: list[Outcome]
    groups: list[Group]
    read_at: datetime  # when the instalments were read


def _small_debt(settings: DunningSettings, owed: Decimal | None, currency: str) -> bool:
    threshold = settings.small_debt_thresholds.get(currency)
    return threshold is not None and owed is not None and owed < Decimal(str(threshold))


def _state(
    candidate: Candidate,
    position: int | None,
    hold: InstalmentHold | None,
    excluded: bool,
    small_debt: bool,
) -> Instalment:
    return Instalment(
        due_date=candidate.due_date,
        currency=candidate.currency,
        open_amount=candidate.open_amount,
        disputed_amount=hold.disputed_amount if hold else ZERO,
        level=position,
        level_on=candidate.level_on if position is not None else None,
        paused_until=hold.paused_until if hold and hold.paused_by == "promise" else None,
        paused=bool(hold and hold.paused_by == "plan"),
        excluded=excluded,
        small_debt=small_debt,
    )


async def _decide_all(
    session: AsyncSession, book: PlanBook, settings: DunningSettings, as_of: date
) -> list[Outcome]:
    last = None
    if settings.window_until is not None and settings.read_at is not None:
        last = found.LastRead(settings.window_until, settings.read_at)
    rows = await found.candidates(session, as_of, book.lead_days, last)
    customers = sorted({row.customer_id for row in rows})
    tiers = await found.risk_tiers(session, customers)
    excluded = await found.excluded_invoices(session, {row.invoice_id for row in rows})
    holds = await collection_holds(session, as_of) if rows else {}
    owed = await found.open_totals(session, customers) if settings.small_debt_thresholds else {}
    outcomes = []
    for row in rows:
        plan_id = book.plan_for(row.customer_id, tiers.get(row.customer_id))
        position = position_in(book.ladders[plan_id], plan_id, row)
        state = _state(
            row,
            position,
            holds.get(row.instalment_id),
            row.invoice_id in excluded or row.customer_id in book.excluded_customers,
            _small_debt(settings, owed.get((row.customer_id, row.currency)), row.currency),
        )
        decision = decide(book.ladders[plan_id], state, as_of)
        outcomes.append(Outcome(row, decision, plan_id, position, state.dunned_amount))
    return outcomes


def _group(book: PlanBook, outcomes: list[Outcome]) -> list[Group]:
    groups: dict[tuple[uuid.UUID, uuid.UUID, int, str], Group] = {}
    for outcome in outcomes:
        index = outcome.decision.level
        if index is None:
            continue
        row = outcome.candidate
        key = (row.customer_id, outcome.plan_id, index, row.currency)
        if key not in groups:
            level = book.ladders[outcome.plan_id].levels[index]
            groups[key] = Group(row.customer_id, outcome.plan_id, index, level, row.currency)
        groups[key].outcomes.append(outcome)
    return sorted(groups.values(), key=lambda g: (str(g.customer_id), g.level_index, g.currency))


async def _add_interest(session: AsyncSession, groups: list[Group], as_of: date) -> None:
    invoice_ids = {
        o.candidate.invoice_id for g in groups if g.level.communicates for o in g.outcomes
    }
    reports = {}
    for batch in found.chunks(invoice_ids):
        reports.update(await interest_for_invoices(session, batch, as_of))
    for group in groups:
        for outcome in group.outcomes:
            report = reports.get(outcome.candidate.invoice_id)
            if report is None or isinstance(report, ReferenceRateMissing):
                continue  # a missing reference rate must not hold a reminder back
            by_seq = dict(zip(report.seqs, report.result.instalments, strict=True))
            accrued = by_seq.get(outcome.candidate.instalment_seq)
            if accrued is not None:
                group.interest[outcome.candidate.instalment_id] = accrued.interest


async def decide_day(session: AsyncSession, as_of: date, *, lock: bool) -> Decided:
    """Decide every candidate for ``as_of``; ``lock`` holds the tenant's run lock."""
    settings = await ensure_defaults(session)
    if lock:
        await session.execute(
            select(DunningSettings.id).where(DunningSettings.id == settings.id).with_for_update()
        )
        await session.refresh(settings)
    book = await plan_book(session)
    read_at = utcnow()
    outcomes = await _decide_all(session, book, settings, as_of)
    groups = _group(book, outcomes)
    await _add_interest(session, groups, as_of)
    return Decided(as_of, settings, book, outcomes, groups, read_at)


def pay_by(settings: DunningSettings, as_of: date) -> date:
    return as_of + timedelta(days=settings.pay_within_days)
