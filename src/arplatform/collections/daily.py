"""The daily run of a tenant: due-soon and overdue notices, promises and plans settled.

Every event it emits is first claimed in ``collection_notices`` under a unique
key, so a second run on the same day (or a rerun after a failure) emits nothing
twice. Notices are looked for over a few days back, so a day the job did not
run is caught up, but an imported history does not flood subscribers.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.collections.closing import CLOSED_STATES
from arplatform.collections.holds import InstalmentHold, collection_holds
from arplatform.collections.ledger import InstalmentOnDay, instalments_on
from arplatform.collections.models import CollectionNotice
from arplatform.collections.notices import claimed
from arplatform.collections.plans import active_plans, evaluate_plan
from arplatform.collections.promises import evaluate_promise, open_promises
from arplatform.events.service import emit
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.money import format_amount

ZERO = Decimal(0)
#: ``invoice.due_soon`` is emitted this many days before an instalment falls due.
DUE_SOON_DAYS = 3
#: How many days back a missed ``invoice.overdue`` is still emitted.
CATCH_UP_DAYS = 7


def _instalment_event(
    session: AsyncSession,
    event_type: str,
    row: InstalmentOnDay,
    hold: InstalmentHold | None,
    as_of: date,
) -> None:
    emit(
        session,
        event_type,
        resource_type="invoice",
        resource_id=row.invoice_id,
        resource_version=row.invoice_version,
        data={
            "number": row.number,
            "customer_id": str(row.customer_id),
            "instalment_seq": row.seq,
            "due_date": row.due_date.isoformat(),
            "open_amount": format_amount(row.open_amount, row.currency),
            "disputed_amount": format_amount(hold.disputed_amount if hold else ZERO, row.currency),
            "currency": row.currency,
            "disputed": row.disputed,
            "paused_by": hold.paused_by if hold else None,
            "as_of": as_of.isoformat(),
        },
    )


async def _notify_instalments(
    session: AsyncSession,
    event_type: str,
    window: tuple[date, date],
    as_of: date,
    holds: dict[uuid.UUID, InstalmentHold],
) -> int:
    """Emit ``event_type`` once for each open instalment falling due within ``window``.

    Invoices written off or cancelled are left out even when that is dated after
    ``as_of``: they are no longer collected.
    """
    rows = [
        row
        for row in await instalments_on(
            session,
            as_of,
            InvoiceInstalment.due_date >= window[0],
            InvoiceInstalment.due_date <= window[1],
            Invoice.status.not_in(CLOSED_STATES),
        )
        if row.open_amount > 0
    ]
    keys = {row.id: f"{event_type}:{row.id}:{row.due_date.isoformat()}" for row in rows}
    done = await claimed(session, list(keys.values()))
    for row in rows:
        if keys[row.id] in done:
            continue
        session.add(CollectionNotice(key=keys[row.id], event_type=event_type, as_of=as_of))
        _instalment_event(session, event_type, row, holds.get(row.id), as_of)
    return len([key for key in keys.values() if key not in done])


async def run_daily(
    session: AsyncSession, as_of: date, *, due_soon_days: int = DUE_SOON_DAYS
) -> Counter[str]:
    """The tenant's daily collection run as of ``as_of``; the events emitted, by type.

    - ``invoice.due_soon`` for open instalments due within ``due_soon_days``;
    - ``invoice.overdue`` for instalments still open the day after their due date;
      both state a fact, so they go out for disputed or paused instalments too,
      with ``disputed_amount`` (part of ``open_amount``) and ``paused_by``
      (``plan``, ``promise`` or null) from the collection holds of the day;
    - promises kept or broken (``promise.broken``), plans completed or broken
      (``plan.broken``).
    """
    emitted: Counter[str] = Counter()
    holds = await collection_holds(session, as_of)
    soon = (as_of + timedelta(days=1), as_of + timedelta(days=due_soon_days))
    overdue = (as_of - timedelta(days=CATCH_UP_DAYS), as_of - timedelta(days=1))
    for event_type, window in (("invoice.due_soon", soon), ("invoice.overdue", overdue)):
        emitted[event_type] = await _notify_instalments(session, event_type, window, as_of, holds)
    for promise in await open_promises(session, as_of):
        if (await evaluate_promise(session, promise, as_of)).status == "broken":
            emitted["promise.broken"] += 1
    for plan in await active_plans(session, as_of):
        if (await evaluate_plan(session, plan, as_of)).status == "broken":
            emitted["plan.broken"] += 1
    return +emitted
