"""Ledger facts of instalments and the features of an instalment known on a day.

An instalment's outcome is *late* when it was not fully paid (by payments and
credit notes) by its due date plus a tolerance. The outcome is *known* on a day
once it was paid by then, written off by then, or the tolerance has run out.
Every feature of an instalment "as of" a day uses only outcomes known on that
day, so training rows see what a credit manager saw when the invoice was issued.
"""

from __future__ import annotations

import math
import uuid
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arplatform.credit.late_payment.model import Prior, empirical_prior

YEAR_DAYS, QUARTER_DAYS = 365, 91
#: Feature names, in the order of a feature row.
FEATURES = ("late_share", "days_late", "trend", "history", "amount", "terms", "overdue")


@dataclass(frozen=True, slots=True)
class Instalment:
    """What the ledger says about one instalment of an issued invoice."""

    id: uuid.UUID
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    issue_date: date
    due_date: date
    amount: Decimal
    #: The day payments and credit notes brought it to zero; None while open or written off.
    settled_on: date | None
    written_off_on: date | None

    def late(self, tolerance: int) -> bool:
        """Not fully paid by the due date plus ``tolerance`` days (a write-off is late)."""
        return self.settled_on is None or (self.settled_on - self.due_date).days > tolerance

    def known_by(self, day: date, tolerance: int) -> bool:
        """Whether ``late`` was already decided at the end of ``day``."""
        return (
            (self.settled_on is not None and self.settled_on <= day)
            or (self.written_off_on is not None and self.written_off_on <= day)
            or (day - self.due_date).days >= tolerance
        )

    def open_on(self, day: date) -> bool:
        closed = self.settled_on or self.written_off_on
        return self.issue_date <= day and (closed is None or closed > day)

    def days_late_by(self, day: date) -> int:
        """Days past due by ``day``: until settled, or until ``day`` while still unpaid."""
        end = day
        if self.settled_on is not None and self.settled_on <= day:
            end = self.settled_on
        elif self.written_off_on is not None and self.written_off_on <= day:
            end = self.written_off_on
        return max(0, (end - self.due_date).days)


@dataclass(frozen=True, slots=True)
class Priors:
    """Tenant-wide priors the customer figures shrink towards."""

    late_share: Prior  # of late outcomes
    days_late: Prior  # days late per outcome (0 when on time)
    late_days: Prior  # days late per late, paid outcome: the size of a delay


@dataclass(frozen=True, slots=True)
class Features:
    """An instalment's feature row (in ``FEATURES`` order) with the counts behind it."""

    values: tuple[float, ...]
    known: int
    late: int
    recent_known: int
    recent_late: int
    amount_ratio: float
    overdue: int
    #: The customer's shrunk mean delay when late: the basis of the expected days late.
    late_days: float


def estimate_priors(outcomes: Iterable[Instalment], day: date, tolerance: int) -> Priors:
    """Empirical-Bayes priors from outcomes known on ``day``, grouped by customer."""
    flags: dict[uuid.UUID, list[float]] = defaultdict(list)
    days: dict[uuid.UUID, list[float]] = defaultdict(list)
    delays: dict[uuid.UUID, list[float]] = defaultdict(list)
    for item in outcomes:
        late = item.late(tolerance)
        flags[item.customer_id].append(1.0 if late else 0.0)
        days[item.customer_id].append(float(item.days_late_by(day)))
        if late and item.settled_on is not None and item.settled_on <= day:
            delays[item.customer_id].append(float(item.days_late_by(day)))
    return Priors(
        late_share=empirical_prior(flags.values()),
        days_late=empirical_prior(days.values()),
        late_days=empirical_prior(delays.values()),
    )


#: Per instalment, what the feature loop reads: due day, invoice, paid day and closing
#: day (paid or written off) as ordinals, and the log of the amount.
_Fact = tuple[int, uuid.UUID, int | None, int | None, float]


def _fact(item: Instalment) -> _Fact:
    closed = item.settled_on or item.written_off_on
    return (
        item.due_date.toordinal(),
        item.invoice_id,
        None if item.settled_on is None else item.settled_on.toordinal(),
        None if closed is None else closed.toordinal(),
        math.log(float(item.amount)),
    )


@dataclass(slots=True)
class _Tally:
    """Counts over a customer's window; the same rules as ``Instalment``, on ordinals."""

    known: int = 0
    late: int = 0
    days: int = 0
    recent_known: int = 0
    recent_late: int = 0
    overdue: int = 0
    delays: int = 0
    delay_days: int = 0
    logs: float = 0.0
    count: int = 0

    def add(self, fact: _Fact, day: int, recent_from: int, tolerance: int) -> None:
        due, _, settled, closed, log_amount = fact
        self.logs, self.count = self.logs + log_amount, self.count + 1
        still_open = closed is None or closed > day
        if still_open and day - due < tolerance:
            return  # not decided on ``day``
        late = settled is None or settled - due > tolerance
        days = max(0, (day if still_open else closed or day) - due)
        self.known, self.late, self.days = self.known + 1, self.late + late, self.days + days
        if due > recent_from:
            self.recent_known, self.recent_late = self.recent_known + 1, self.recent_late + late
        if late and still_open:
            self.overdue += 1
        elif late and settled is not None:
            self.delays, self.delay_days = self.delays + 1, self.delay_days + days


class History:
    """The tenant's instalments per customer, ordered by due date, to compute features."""

    def __init__(self, instalments: Iterable[Instalment], tolerance: int) -> None:
        self.tolerance = tolerance
        grouped: dict[uuid.UUID, list[_Fact]] = defaultdict(list)
        for item in instalments:
            grouped[item.customer_id].append(_fact(item))
        self._facts = {c: sorted(rows, key=lambda f: (f[0], f[1])) for c, rows in grouped.items()}
        self._dues = {c: [f[0] for f in rows] for c, rows in self._facts.items()}

    def _tally(self, target: Instalment, day: date) -> _Tally:
        """Over the customer's other instalments due in the 12 months up to ``day``."""
        facts = self._facts.get(target.customer_id, [])
        dues = self._dues.get(target.customer_id, [])
        ordinal = day.toordinal()
        low, high = bisect_right(dues, ordinal - YEAR_DAYS), bisect_right(dues, ordinal)
        tally, recent_from = _Tally(), ordinal - QUARTER_DAYS
        for fact in facts[low:high]:
            if fact[1] != target.invoice_id:
                tally.add(fact, ordinal, recent_from, self.tolerance)
        return tally

    def features(self, target: Instalment, day: date, priors: Priors) -> Features:
        """``target``'s features from what was known at the end of ``day``."""
        tally = self._tally(target, day)
        share = priors.late_share.shrink(tally.late, tally.known)
        # the quarter leans on the customer's own year, so no recent data means no trend
        recent = Prior(share, priors.late_share.strength).shrink(
            tally.recent_late, tally.recent_known
        )
        log_ratio = (
            math.log(float(target.amount)) - tally.logs / tally.count if tally.count else 0.0
        )
        values = (
            share,
            priors.days_late.shrink(tally.days, tally.known),
            recent - share,
            math.log1p(tally.known),
            log_ratio,
            float((target.due_date - target.issue_date).days),
            math.log1p(tally.overdue),
        )
        return Features(
            values=values,
            known=tally.known,
            late=tally.late,
            recent_known=tally.recent_known,
            recent_late=tally.recent_late,
            amount_ratio=math.exp(log_ratio),
            overdue=tally.overdue,
            late_days=priors.late_days.shrink(tally.delay_days, tally.delays),
        )


def describe(name: str, features: Features, target: Instalment) -> str:
    """A feature of ``target`` in plain words."""
    share, days, trend = features.values[0], features.values[1], features.values[2]
    texts = {
        "late_share": f"{features.late} of {features.known} invoices due in the last 12 months "
        f"paid late (estimated late share {share:.0%})",
        "days_late": f"on average {days:.1f} days late over the last 12 months",
        "trend": f"{features.recent_late} of {features.recent_known} late in the last quarter "
        f"({trend:+.0%} against the year)",
        "history": f"{features.known} invoices with a known outcome in the last 12 months",
        "amount": f"amount {features.amount_ratio:.1f} times the customer's typical invoice",
        "terms": f"{(target.due_date - target.issue_date).days} days payment terms",
        "overdue": f"{features.overdue} other instalments open and overdue",
    }
    return texts[name]
