"""A seeded, streaming generator of one tenant's receivables history.

Records follow the import record format shared with ``arplatform.imports``:
dicts with a ``type`` of customer, invoice, payment or credit_note; amounts are
decimal strings with exactly the currency's decimals, dates ISO strings.

The stream runs the same simulation twice: the first pass yields the invoices,
the second their payments and credit notes in date order, holding only the
events not yet due in a heap. Memory is bounded by the settlement window (a
few months of invoices), not by the length of the history.
"""

from __future__ import annotations

import calendar
import heapq
import math
import random
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from arplatform.money import minor_units
from arplatform.synthetic.customers import SyntheticCustomer, plan_customers
from arplatform.synthetic.settle import CREDIT_NOTE, Settlement, between, settle, split

Record = dict[str, Any]
EARLIEST, LATEST = date(2000, 2, 1), date(2099, 9, 30)
#: Largest invoice net amount, in minor units (stays within an ``Amount``'s 12 digits).
MAX_NET = 10**11
LINE_SHARE = 0.3
PRODUCTS = (
    "Consulting services", "Freight forwarding", "Steel brackets", "Maintenance contract",
    "Software licence", "Packaging material", "Spare parts", "Installation", "Training day",
    "Office supplies", "Cloud hosting", "Cleaning services", "Hydraulic pumps", "LED panels",
    "Warehouse rental", "Printed labels", "Cable assemblies", "Fresh produce", "Lab analysis",
)  # fmt: skip
QUANTITIES = (1, 1, 1, 2, 3, 4, 5, 10, 12, 20, 25, 50, 100)  # sorted, for bisect
LINE_COUNTS = (1, 1, 2, 2, 3, 4, 5)


def period(end: date, years: int) -> tuple[date, date]:
    """The first and last day of ``years`` years ending on ``end`` (both included)."""
    day = min(end.day, calendar.monthrange(end.year - years, end.month)[1])
    return date.fromordinal(end.replace(year=end.year - years, day=day).toordinal() + 1), end


def amount_formatter(currency: str) -> Callable[[int], str]:
    """Minor units to the wire string with exactly the currency's decimals."""
    places = minor_units(currency)
    if places == 0:
        return str
    scale = 10**places

    def fmt(value: int) -> str:
        whole, fraction = divmod(value, scale)
        return f"{whole}.{fraction:0{places}d}"

    return fmt


@dataclass(slots=True)
class _Context:
    rng: random.Random
    customers: list[SyntheticCustomer]
    currency: str
    start: int
    end: int
    fmt: Callable[[int], str]
    step: int  # line amounts are multiples of 100 minor units: whole-percent tax is exact
    iso: dict[int, str]
    light: bool  # the second pass needs the draws and totals, not the invoice records

    def day(self, ordinal: int) -> str:
        text = self.iso.get(ordinal)
        if text is None:
            if len(self.iso) > 1000:  # the days in use move along with the simulation
                self.iso.clear()
            text = self.iso[ordinal] = date.fromordinal(ordinal).isoformat()
        return text


def _daily_counts(start: int, end: int, total: int) -> Iterator[tuple[int, int]]:
    """``total`` invoices over the days, few on weekends, growing 30% over the period."""
    span = max(1, end - start)

    def weight(day: int) -> float:
        return (0.05 if (day - 1) % 7 >= 5 else 1.0) * (1 + 0.3 * (day - start) / span)

    scale = total / sum(weight(day) for day in range(start, end + 1))
    running, issued = 0.0, 0
    for day in range(start, end + 1):
        running += weight(day) * scale
        count = min(total, math.floor(running + 0.5)) - issued
        issued += count
        yield day, count


def _pick(ctx: _Context, cumulative: list[float], day: int) -> SyntheticCustomer | None:
    """A customer by weight among those invoiced on ``day``."""
    top = cumulative[-1]
    for _ in range(25):
        customer = ctx.customers[bisect(cumulative, ctx.rng.random() * top)]
        if customer.active_from <= day <= customer.active_until:
            return customer
    return None


def _due(terms: tuple[str, int], issue: int) -> int:
    kind, days = terms
    if kind == "eom":
        d = date.fromordinal(issue)
        return issue + calendar.monthrange(d.year, d.month)[1] - d.day + days
    return issue + days


def _lines(ctx: _Context, net: int, rates: tuple[int, int]) -> tuple[list[Record], int, int]:
    """Lines adding up to about ``net``; returns them with their net and tax totals."""
    rng, step = ctx.rng, ctx.step
    lines, net_total, tax_total = [], 0, 0
    for share in split(rng, max(1, net // step), LINE_COUNTS[between(rng, 0, 6)]):
        quantity = QUANTITIES[between(rng, 0, bisect(QUANTITIES, share) - 1)]
        unit_steps = share // quantity
        rate = rates[1] if rng.random() < 0.15 else rates[0]
        line_net = quantity * unit_steps * step
        net_total += line_net
        tax_total += line_net * rate // 100  # exact: line_net is a multiple of 100
        product = PRODUCTS[between(rng, 0, len(PRODUCTS) - 1)]
        if not ctx.light:
            lines.append(
                {
                    "description": product,
                    "quantity": str(quantity),
                    "unit_price": ctx.fmt(unit_steps * step),
                    "tax_rate": str(rate),
                }
            )
    return lines, net_total, tax_total


def _invoice(
    ctx: _Context, customer: SyntheticCustomer, day: int, serial: int, number: str
) -> tuple[Record, int, int]:
    """The invoice record (only its references when light), its due day and total."""
    rng = ctx.rng
    net = max(ctx.step, min(MAX_NET, int(customer.amount_scale * rng.lognormvariate(0.0, 0.9))))
    due = _due(customer.terms, day)
    if ctx.light:  # the same draws, none of the strings
        if rng.random() < LINE_SHARE:
            _, net, tax = _lines(ctx, net, customer.tax_rates)
        else:
            tax = (net * customer.tax_rates[rng.random() < 0.1] + 50) // 100
        if rng.random() < 0.5:
            between(rng, 0, 7)
        ref = {"external_ref": f"I{serial:08d}", "customer_ref": customer.external_ref}
        return {**ref, "number": number}, due, net + tax
    record: Record = {
        "type": "invoice",
        "external_ref": f"I{serial:08d}",
        "customer_ref": customer.external_ref,
        "number": number,
        "issue_date": ctx.day(day),
        "due_date": ctx.day(due),
        "currency": ctx.currency,
    }
    if rng.random() < LINE_SHARE:
        record["lines"], net, tax = _lines(ctx, net, customer.tax_rates)
    else:
        tax = (net * customer.tax_rates[rng.random() < 0.1] + 50) // 100
        record["total"], record["tax_total"] = ctx.fmt(net + tax), ctx.fmt(tax)
    if rng.random() < 0.5:
        record["delivery_date"] = ctx.day(day - between(rng, 0, 7))
    return record, due, net + tax


def _simulate(ctx: _Context, invoices: int) -> Iterator[tuple[int, Record, Settlement]]:
    """Every invoice in issue order with its settlement; the same for the same seed."""
    cumulative, running = [], 0.0
    for customer in ctx.customers:
        running += customer.weight
        cumulative.append(running)
    serial, per_year = 0, dict[int, int]()
    for day, count in _daily_counts(ctx.start, ctx.end, invoices):
        year = int(ctx.day(day)[:4])
        for _ in range(count):
            picked = _pick(ctx, cumulative, day)
            if picked is None:
                continue
            customer = picked
            serial += 1
            per_year[year] = per_year.get(year, 0) + 1
            number = f"INV-{year}-{per_year[year]:06d}"
            record, due, total = _invoice(ctx, customer, day, serial, number)
            plan = settle(ctx.rng, customer, day, due, total, ctx.end)
            if plan.status != "issued" and not ctx.light:
                record["status"] = plan.status
            if plan.written_off_on is not None and not ctx.light:
                record["written_off_on"] = ctx.day(plan.written_off_on)
            yield day, record, plan


#: (customer_ref, invoice external_ref, invoice number)
_InvoiceRef = tuple[str, str, str]
#: A pending payment or credit note: (day, seq, kind, amount, allocated, invoice, reason, method)
_Pending = tuple[int, int, str, int, int, _InvoiceRef, str, str]


class _Emitter:
    """Numbers payments and credit notes in date order and shapes their records."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx, self.payments, self.credit_notes = ctx, 0, 0
        self.notes_per_year: dict[str, int] = {}

    def record(self, pending: _Pending) -> Record:
        day, _, kind, amount, allocated, (customer_ref, invoice_ref, number), reason, method = (
            pending
        )
        ctx, on = self.ctx, self.ctx.day(day)
        if kind == CREDIT_NOTE:
            self.credit_notes += 1
            year = on[:4]
            self.notes_per_year[year] = seq = self.notes_per_year.get(year, 0) + 1
            return {
                "type": "credit_note",
                "external_ref": f"N{self.credit_notes:08d}",
                "customer_ref": customer_ref,
                "invoice_ref": invoice_ref,
                "number": f"CN-{year}-{seq:06d}",
                "issue_date": on,
                "amount": ctx.fmt(amount),
                "currency": ctx.currency,
                "reason": f"dispute resolved: {reason}",
            }
        self.payments += 1
        return {
            "type": "payment",
            "external_ref": f"P{self.payments:08d}",
            "customer_ref": customer_ref,
            "received_on": on,
            "amount": ctx.fmt(amount),
            "currency": ctx.currency,
            "method": method,
            "reference": number,
            "allocations": [{"invoice_ref": invoice_ref, "amount": ctx.fmt(allocated)}],
        }


def _settlements(ctx: _Context, invoices: int) -> Iterator[Record]:
    emitter, pending, seq = _Emitter(ctx), list[_Pending](), 0
    methods = {c.external_ref: c.method for c in ctx.customers}
    for day, invoice, plan in _simulate(ctx, invoices):
        while pending and pending[0][0] < day:
            yield emitter.record(heapq.heappop(pending))
        method = methods[invoice["customer_ref"]]
        ref = (invoice["customer_ref"], invoice["external_ref"], invoice["number"])
        for on, kind, amount, allocated in plan.events:
            seq += 1
            heapq.heappush(pending, (on, seq, kind, amount, allocated, ref, plan.reason, method))
    while pending:
        yield emitter.record(heapq.heappop(pending))


def _context(
    seed: int, currency: str, start: int, end: int, customers: int, light: bool
) -> _Context:
    return _Context(
        rng=random.Random(f"arplatform-synthetic-ledger:{seed}"),  # noqa: S311 (reproducible)
        customers=plan_customers(seed, customers, currency, start, end),
        currency=currency,
        start=start,
        end=end,
        fmt=amount_formatter(currency),
        step=100,
        iso={},
        light=light,
    )


def _customers_and_invoices(
    seed: int, customers: int, invoices: int, start: int, end: int, currency: str
) -> Iterator[Record]:
    ctx = _context(seed, currency, start, end, customers, light=False)
    for customer in ctx.customers:
        yield dict(customer.record)
    for _, invoice, _ in _simulate(ctx, invoices):
        yield invoice


def _stream(
    seed: int, customers: int, invoices: int, start: int, end: int, currency: str
) -> Iterator[Record]:
    yield from _customers_and_invoices(seed, customers, invoices, start, end, currency)
    yield from _settlements(_context(seed, currency, start, end, customers, light=True), invoices)


def generate(
    *,
    seed: int,
    end: date,
    customers: int = 200,
    invoices: int = 10_000,
    years: int = 2,
    currency: str = "EUR",
) -> Iterator[Record]:
    """One tenant's receivables history as import records, the same for the same arguments.

    Yields the customers, then the invoices in issue-date order (about
    ``invoices`` of them, issued from ``years`` years before ``end`` through
    ``end``), then payments and credit notes in date order, none after ``end``.
    Every record is a fresh dict in the import record format with
    ``"type"`` one of customer, invoice, payment, credit_note; amounts in
    ``currency`` with its decimals (JPY 0, EUR 2, BHD 3). Memory does not grow
    with the length of the history. Raises ``ValueError`` (``MoneyError`` for a
    currency) on bad arguments, before the first record.
    """
    minor_units(currency)
    if customers < 1 or invoices < 0 or years < 1:
        raise ValueError("customers and years must be at least 1, invoices at least 0")
    if end.year - years < EARLIEST.year or not EARLIEST <= period(end, years)[0] <= end <= LATEST:
        raise ValueError(f"the period must lie between {EARLIEST} and {LATEST}")
    first = period(end, years)[0]
    return _stream(seed, customers, invoices, first.toordinal(), end.toordinal(), currency)
