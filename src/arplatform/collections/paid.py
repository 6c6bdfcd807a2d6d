"""What a customer paid between two dates: the one measure promises and plans are judged by.

Paid from ``start`` through ``end`` means money received: every payment of the
customer in the currency with ``received_on`` in the window counts on its
``received_on``, applied or not (unapplied money is the customer's credit and
pays whatever the collector points it at). A reversal of such a payment counts
against it on its ``reversed_on``; reversals of payments received before the
window do not (that money never counted).

With a ``scope`` (the invoices of a promise, the instalments of a plan) the parts
of those payments allocated elsewhere do not count, from the day they were booked
there (and count again from the day a reversal undoes that allocation).

Credit notes and write-offs are not money paid and never count as paid: a plan
lowers what it still requires by the credit notes booked on what it covers
(see ``plans``); a promise to pay is kept by money only.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.payments.models import Allocation, Payment

Movement = tuple[date, Decimal]


async def paid_movements(
    session: AsyncSession,
    customer_id: uuid.UUID,
    currency: str,
    start: date,
    end: date,
    scope: Any | None = None,
) -> list[Movement]:
    """The customer's dated payments (+) and what undid them (-) from ``start`` to ``end``.

    ``scope`` is an SQL criterion on ``Allocation`` naming where the money must go
    to count (see the module); ``None`` counts every payment in ``currency``.
    Sum the movements up to a day for what was paid by then.
    """
    stmt = select(Payment.id, Payment.amount, Payment.received_on, Payment.reversed_on).where(
        Payment.customer_id == customer_id,
        Payment.currency == currency,
        Payment.received_on >= start,
        Payment.received_on <= end,
    )
    payments = (await session.execute(stmt)).all()
    movements: list[Movement] = []
    for payment in payments:
        movements.append((payment.received_on, payment.amount))
        if payment.reversed_on is not None and payment.reversed_on <= end:
            movements.append((payment.reversed_on, -payment.amount))
    if scope is not None and payments:
        elsewhere = select(Allocation.booked_on, Allocation.amount).where(
            Allocation.payment_id.in_([payment.id for payment in payments]),
            Allocation.booked_on <= end,
            not_(scope),
        )
        movements.extend((row.booked_on, -row.amount) for row in await session.execute(elsewhere))
    return movements
