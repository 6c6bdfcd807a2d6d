"""Recording a decided run: item states, communications, lines, actions, jobs, events.

Rows are written with bulk inserts and updates (a first run over an imported
ledger can touch many thousands of instalments); the run row itself says who
ran it, when and with what result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.customers.holds import hold_customers
from arplatform.customers.models import Customer
from arplatform.db.among import among
from arplatform.db.base import new_id, utcnow
from arplatform.dunning.candidates import chunks
from arplatform.dunning.models import (
    Communication,
    CommunicationLine,
    Delivery,
    DunningAction,
    DunningItem,
    DunningRun,
)
from arplatform.dunning.rules import Action
from arplatform.dunning.run import Decided, Group, Outcome, pay_by
from arplatform.events.service import EventFacts, emit_many
from arplatform.jobs.outbox import enqueue, enqueue_many
from arplatform.money import format_amount

DELIVER_JOB = "dunning.deliver"
HAND_OVER_JOB = "dunning.hand_over"

#: Levels with these actions escalate (``dunning.escalated``); reminders do not.
ESCALATIONS = frozenset(
    {Action.FORMAL_NOTICE, Action.LEGAL_LETTER, Action.AGENCY_HANDOFF, Action.CREDIT_HOLD}
)
#: What each action records, and in which state it starts.
ACTION_STATES = {
    Action.INTERNAL_REVIEW: "open",
    Action.CREDIT_HOLD: "completed",
    Action.AGENCY_HANDOFF: "pending",
    Action.INSURER_DECLARATION: "recorded",
}


@dataclass(frozen=True, slots=True)
class Recorded:
    run_id: uuid.UUID
    communication_ids: list[uuid.UUID]
    action_ids: list[uuid.UUID]


def _item_values(decided: Decided, tenant_id: uuid.UUID, outcome: Outcome) -> dict[str, Any]:
    row, decision, level = outcome.candidate, outcome.decision, outcome.level
    levels = decided.book.ladders[outcome.plan_id].levels
    applied = decision.level is not None
    return {
        "tenant_id": tenant_id,
        "id": row.item_id or new_id(),
        "instalment_id": row.instalment_id,
        "invoice_id": row.invoice_id,
        "customer_id": row.customer_id,
        "plan_id": outcome.plan_id,
        "level": level,
        "level_name": None if level is None else levels[level].name,
        "level_on": decided.as_of if applied else (row.level_on if level is not None else None),
        "next_on": decision.next_on,
        "state": decision.state.value,
        "updated_at": utcnow(),
    }


_ITEMS: Table = DunningItem.__table__  # type: ignore[assignment]
#: One statement executed for many rows (executemany), keyed by the item's primary key.
_UPDATE_ITEM = (
    update(_ITEMS)
    .where(_ITEMS.c.tenant_id == bindparam("b_tenant_id"), _ITEMS.c.id == bindparam("b_id"))
    .values(
        plan_id=bindparam("b_plan_id"),
        level=bindparam("b_level"),
        level_name=bindparam("b_level_name"),
        level_on=bindparam("b_level_on"),
        next_on=bindparam("b_next_on"),
        state=bindparam("b_state"),
        updated_at=bindparam("b_updated_at"),
    )
)


async def _record_items(session: AsyncSession, tenant_id: uuid.UUID, decided: Decided) -> None:
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for outcome in decided.outcomes:
        values = _item_values(decided, tenant_id, outcome)
        (changed if outcome.candidate.item_id else new).append(values)
    if new:
        await session.execute(insert(_ITEMS), new)
    if changed:
        await session.execute(
            _UPDATE_ITEM, [{f"b_{k}": v for k, v in row.items()} for row in changed]
        )


async def _languages(session: AsyncSession, customer_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    languages: dict[uuid.UUID, str] = {}
    for batch in chunks(customer_ids):
        stmt = select(Customer.id, Customer.language).where(among(Customer.id, batch))
        languages.update({row[0]: row[1] for row in (await session.execute(stmt)).all()})
    return languages


def next_step(decided: Decided, group: Group) -> str | None:
    """What happens next to the group's instalments: the first action of their next level."""
    step = group.next_step
    if step is None:
        return None
    return decided.book.ladders[group.plan_id].levels[step[1]].actions[0].value


def communication_row(
    decided: Decided,
    group: Group,
    *,
    run_id: uuid.UUID | None,
    reference: str | None,
    language: str,
) -> dict[str, Any]:
    """The communication a group makes, as the row a run records."""
    review = decided.settings.review_before_send
    return {
        "id": new_id(),
        "run_id": run_id,
        "customer_id": group.customer_id,
        "reference": reference,
        "level": group.level_index,
        "level_name": group.level.name,
        "plan_id": group.plan_id,
        "template": group.level.template,
        "actions": [a.value for a in group.level.actions],
        "channels": [c.value for c in group.level.channels],
        "currency": group.currency,
        "language": language,
        "notice_date": decided.as_of,
        "pay_by": pay_by(decided.settings, decided.as_of),
        "total_open": group.total_open,
        "total_interest": group.total_interest,
        "next_step": next_step(decided, group),
        "next_step_on": group.next_on,
        "status": "draft" if review else "queued",
    }


def line_rows(group: Group, communication_id: uuid.UUID, as_of: date) -> list[dict[str, Any]]:
    """The group's instalments as the lines of its communication, earliest due first."""
    ordered = sorted(
        group.outcomes, key=lambda o: (o.candidate.due_date, o.candidate.invoice_number)
    )
    return [
        {
            "id": new_id(),
            "communication_id": communication_id,
            "position": position,
            "invoice_id": o.candidate.invoice_id,
            "instalment_id": o.candidate.instalment_id,
            "invoice_number": o.candidate.invoice_number,
            "instalment": o.candidate.seq,
            "issue_date": o.candidate.issue_date,
            "due_date": o.candidate.due_date,
            "days_overdue": (as_of - o.candidate.due_date).days,
            "amount": o.candidate.amount,
            "open_amount": o.dunned_amount,
            "interest": group.interest.get(o.candidate.instalment_id, Decimal(0)),
        }
        for position, o in enumerate(ordered, start=1)
    ]


async def _first_reference(session: AsyncSession, as_of: date) -> int:
    earlier = await session.scalar(
        select(func.count()).select_from(Communication).where(Communication.notice_date == as_of)
    )
    return int(earlier or 0) + 1


async def _record_communications(
    session: AsyncSession, decided: Decided, run_id: uuid.UUID
) -> list[dict[str, Any]]:
    groups = [g for g in decided.groups if g.level.communicates]
    languages = await _languages(session, {g.customer_id for g in groups})
    number = await _first_reference(session, decided.as_of)
    communications: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    for group in groups:
        reference = f"D{decided.as_of:%Y%m%d}-{number:05d}"
        number += 1
        row = communication_row(
            decided,
            group,
            run_id=run_id,
            reference=reference,
            language=languages[group.customer_id],
        )
        communications.append(row)
        lines.extend(line_rows(group, row["id"], decided.as_of))
        deliveries.extend(
            {"id": new_id(), "communication_id": row["id"], "channel": channel, "status": "pending"}
            for channel in row["channels"]
        )
    tenant_id = session.info["tenant_id"]
    for model, rows in (
        (Communication, communications),
        (CommunicationLine, lines),
        (Delivery, deliveries),
    ):
        if rows:
            table: Table = model.__table__  # type: ignore[assignment]
            await session.execute(insert(table), [{"tenant_id": tenant_id, **r} for r in rows])
    return communications


async def queue_deliveries(
    session: AsyncSession, communications: list[tuple[uuid.UUID, list[str]]]
) -> None:
    """Enqueue one delivery job per communication and channel (sent after commit)."""
    await enqueue_many(
        session,
        DELIVER_JOB,
        [
            (
                {"communication_id": str(communication_id), "channel": channel},
                f"{DELIVER_JOB}:{communication_id}:{channel}",
            )
            for communication_id, channels in communications
            for channel in channels
        ],
    )


def _action_rows(
    decided: Decided, run_id: uuid.UUID, communications: dict[tuple[uuid.UUID, int, str], uuid.UUID]
) -> list[dict[str, Any]]:
    rows = []
    for group in decided.groups:
        for action in group.level.actions:
            if action not in ACTION_STATES:
                continue
            rows.append(
                {
                    "id": new_id(),
                    "run_id": run_id,
                    "customer_id": group.customer_id,
                    "communication_id": communications.get(
                        (group.customer_id, group.level_index, group.currency)
                    ),
                    "action": action.value,
                    "level_name": group.level.name,
                    "currency": group.currency,
                    "amount": group.total_open,
                    "invoice_ids": sorted({str(o.candidate.invoice_id) for o in group.outcomes}),
                    "status": ACTION_STATES[action],
                    "attempts": 0,
                }
            )
    return rows


async def _apply_actions(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    tenant_id = session.info["tenant_id"]
    table: Table = DunningAction.__table__  # type: ignore[assignment]
    await session.execute(insert(table), [{"tenant_id": tenant_id, **r} for r in rows])
    held = sorted({row["customer_id"] for row in rows if row["action"] == Action.CREDIT_HOLD})
    for batch in chunks(held):
        await hold_customers(session, batch)
    for row in rows:
        if row["action"] == Action.AGENCY_HANDOFF:
            enqueue(session, HAND_OVER_JOB, {"action_id": str(row["id"])})


def _event_facts(group: Group, communication_id: uuid.UUID | None) -> EventFacts:
    data = {
        "level": group.level.name,
        "actions": [a.value for a in group.level.actions],
        "currency": group.currency,
        "amount": format_amount(group.total_open, group.currency),
        "communication_id": None if communication_id is None else str(communication_id),
    }
    return (group.customer_id, None, data)


async def _emit_events(
    session: AsyncSession, decided: Decided, by_group: dict[tuple[Any, ...], uuid.UUID]
) -> None:
    """``dunning.escalated`` for the levels that escalate, ``customer.credit_hold`` for holds."""
    escalated: list[EventFacts] = []
    held: list[EventFacts] = []
    for group in decided.groups:
        communication_id = by_group.get((group.customer_id, group.level_index, group.currency))
        if ESCALATIONS.intersection(group.level.actions):
            escalated.append(_event_facts(group, communication_id))
        if Action.CREDIT_HOLD in group.level.actions:
            held.append(_event_facts(group, communication_id))
    await emit_many(session, "dunning.escalated", "customer", escalated)
    await emit_many(session, "customer.credit_hold", "customer", held)


def _remember_window(decided: Decided) -> None:
    """What this run read, so the next one reads only what changed since."""
    settings = decided.settings
    window = decided.as_of + timedelta(days=decided.book.lead_days)
    if settings.window_until is None or window > settings.window_until:
        settings.window_until = window
    if settings.read_at is None or decided.read_at > settings.read_at:
        settings.read_at = decided.read_at


async def record_run(session: AsyncSession, decided: Decided, trigger: str) -> Recorded:
    """Write what ``decided`` says and queue the deliveries (drafts wait for review)."""
    tenant_id: uuid.UUID = session.info["tenant_id"]
    run = DunningRun(
        id=new_id(), as_of=decided.as_of, trigger=trigger, examined=len(decided.outcomes)
    )
    session.add(run)
    await session.flush()
    await _record_items(session, tenant_id, decided)
    comms = await _record_communications(session, decided, run.id)
    by_group = {(c["customer_id"], c["level"], c["currency"]): c["id"] for c in comms}
    actions = _action_rows(decided, run.id, by_group)
    await _apply_actions(session, actions)
    await _emit_events(session, decided, by_group)
    if not decided.settings.review_before_send:
        await queue_deliveries(session, [(row["id"], row["channels"]) for row in comms])
    run.communications, run.actions = len(comms), len(actions)
    _remember_window(decided)
    if trigger == "schedule":
        decided.settings.last_run_on = max(
            decided.as_of, decided.settings.last_run_on or decided.as_of
        )
    await session.flush()
    return Recorded(run.id, [c["id"] for c in comms], [a["id"] for a in actions])
