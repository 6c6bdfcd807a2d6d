"""The synthetic history: deterministic, self-consistent, realistic per payment profile."""

from __future__ import annotations

import itertools
import tracemalloc
from collections import defaultdict
from datetime import date
from decimal import Decimal
from statistics import mean
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arplatform.money import MoneyError, minor_units
from arplatform.synthetic import Profile, generate, period, plan_customers

END = date(2025, 6, 30)
TYPES = ("customer", "invoice", "payment", "credit_note")
FIELDS = {
    "customer": {
        "external_ref", "legal_name", "country", "currency", "vat_number",
        "registration_number", "language", "payment_terms_days",
    },
    "invoice": {
        "external_ref", "customer_ref", "number", "issue_date", "due_date", "currency", "lines",
        "total", "tax_total", "delivery_date", "status", "written_off_on",
    },
    "payment": {
        "external_ref", "customer_ref", "received_on", "amount", "currency", "method",
        "reference", "allocations",
    },
    "credit_note": {
        "external_ref", "customer_ref", "invoice_ref", "number", "issue_date", "amount",
        "currency", "reason",
    },
}  # fmt: skip


def _history(seed: int, **kwargs: Any) -> list[dict[str, Any]]:
    return list(generate(seed=seed, end=kwargs.pop("end", END), **kwargs))


def _amount(text: str, currency: str) -> Decimal:
    """The amount, checked to carry exactly the currency's decimals."""
    places = minor_units(currency)
    whole, _, fraction = text.partition(".")
    assert whole.isdigit() and len(fraction) == places and (fraction.isdigit() or not places), text
    return Decimal(text)


def _invoice_total(record: dict[str, Any], currency: str) -> Decimal:
    """Computed here from the raw fields: exact, as line amounts are whole steps."""
    if "lines" not in record:
        assert _amount(record["tax_total"], currency) <= _amount(record["total"], currency)
        return _amount(record["total"], currency)
    total = Decimal(0)
    for line in record["lines"]:
        net = Decimal(line["quantity"]) * _amount(line["unit_price"], currency)
        total += net + net * Decimal(line["tax_rate"]) / 100
    assert total == total.quantize(Decimal(1).scaleb(-minor_units(currency)))
    return total


def _check_order(records: list[dict[str, Any]]) -> None:
    kinds = [r["type"] for r in records]
    rank = [0 if k == "customer" else 1 if k == "invoice" else 2 for k in kinds]
    assert rank == sorted(rank), "customers, then invoices, then payments and credit notes"
    issued = [r["issue_date"] for r in records if r["type"] == "invoice"]
    assert issued == sorted(issued)
    dated = [
        r["received_on"] if r["type"] == "payment" else r["issue_date"]
        for r in records
        if r["type"] in ("payment", "credit_note")
    ]
    assert dated == sorted(dated)


def check_history(records: list[dict[str, Any]], currency: str, end: date, years: int) -> None:
    """Every invariant the importer and the reports rely on."""
    first, last = (d.isoformat() for d in period(end, years))
    _check_order(records)
    by_type: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in TYPES}
    for record in records:
        kind = record["type"]
        assert set(record) - {"type"} <= FIELDS[kind]
        assert record["external_ref"] not in by_type[kind], "external_ref unique per type"
        by_type[kind][record["external_ref"]] = record
        assert record["currency"] == currency
    customers, invoices = by_type["customer"], by_type["invoice"]
    reduced: dict[str, Decimal] = defaultdict(Decimal)
    last_movement: dict[str, str] = {}
    for ref, invoice in invoices.items():
        assert invoice["customer_ref"] in customers
        assert first <= invoice["issue_date"] <= last
        assert invoice["due_date"] >= invoice["issue_date"]
        assert invoice.get("status", "issued") in ("issued", "cancelled", "written_off")
        assert ("written_off_on" in invoice) == (invoice.get("status") == "written_off")
        assert _invoice_total(invoice, currency) > 0, ref
    for note in by_type["credit_note"].values():
        invoice = invoices[note["invoice_ref"]]
        assert note["customer_ref"] == invoice["customer_ref"]
        assert invoice["issue_date"] <= note["issue_date"] <= last
        reduced[note["invoice_ref"]] += _amount(note["amount"], currency)
        last_movement[note["invoice_ref"]] = note["issue_date"]
    for payment in by_type["payment"].values():
        assert payment["customer_ref"] in customers
        assert first <= payment["received_on"] <= last
        amount = _amount(payment["amount"], currency)
        allocated = Decimal(0)
        for allocation in payment["allocations"]:
            invoice = invoices[allocation["invoice_ref"]]
            assert invoice["customer_ref"] == payment["customer_ref"]
            assert invoice["issue_date"] <= payment["received_on"]
            share = _amount(allocation["amount"], currency)
            assert share > 0
            allocated += share
            reduced[allocation["invoice_ref"]] += share
            last_movement[allocation["invoice_ref"]] = payment["received_on"]
        assert allocated <= amount
    for ref, invoice in invoices.items():
        settled = reduced.get(ref, Decimal(0))
        assert settled <= _invoice_total(invoice, currency), ref
        if invoice.get("status") == "cancelled":
            assert ref not in last_movement
        if "written_off_on" in invoice:
            assert last_movement.get(ref, "") < invoice["written_off_on"] <= last
            assert settled < _invoice_total(invoice, currency)


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    once = _history(7, customers=20, invoices=500)
    assert once == _history(7, customers=20, invoices=500)
    other = _history(8, customers=20, invoices=500)
    assert other != once
    assert [r for r in other if r["type"] == "invoice"] != [
        r for r in once if r["type"] == "invoice"
    ]


def test_the_stream_is_lazy() -> None:
    records = generate(seed=1, end=END, customers=3, invoices=10**9)
    assert [r["type"] for r in itertools.islice(records, 4)] == ["customer"] * 3 + ["invoice"]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**63),
    currency=st.sampled_from(["JPY", "EUR", "BHD"]),
    customers=st.integers(1, 25),
    invoices=st.integers(0, 400),
    years=st.integers(1, 3),
    end=st.dates(date(2004, 1, 1), date(2099, 9, 30)),
)
def test_every_history_is_consistent(
    seed: int, currency: str, customers: int, invoices: int, years: int, end: date
) -> None:
    records = _history(
        seed, end=end, customers=customers, invoices=invoices, years=years, currency=currency
    )
    check_history(records, currency, end, years)
    assert sum(r["type"] == "customer" for r in records) == customers
    assert sum(r["type"] == "invoice" for r in records) <= invoices


@pytest.mark.parametrize("currency", ["JPY", "EUR", "BHD"])
def test_a_larger_history_is_consistent_and_has_every_kind_of_event(currency: str) -> None:
    records = _history(11, customers=80, invoices=6000, currency=currency)
    check_history(records, currency, END, 2)
    invoices = [r for r in records if r["type"] == "invoice"]
    assert 5880 <= len(invoices) <= 6000
    assert any("lines" in r for r in invoices) and any("total" in r for r in invoices)
    assert any(r.get("status") == "written_off" for r in invoices)
    assert any(r.get("status") == "cancelled" for r in invoices)
    assert any(r["type"] == "credit_note" for r in records)
    payments = [r for r in records if r["type"] == "payment"]
    partial = defaultdict(int)
    for payment in payments:
        partial[payment["allocations"][0]["invoice_ref"]] += 1
    assert max(partial.values()) >= 2, "some invoices are paid in parts"
    assert any(Decimal(p["amount"]) > Decimal(p["allocations"][0]["amount"]) for p in payments), (
        "some payments leave credit"
    )


def _days_late(seed: int) -> dict[Profile, list[int]]:
    first, last = period(END, 2)
    profiles = {
        c.external_ref: c.profile
        for c in plan_customers(seed, 60, "EUR", first.toordinal(), last.toordinal())
    }
    records = _history(seed, customers=60, invoices=4000)
    due = {r["external_ref"]: r["due_date"] for r in records if r["type"] == "invoice"}
    late: dict[Profile, list[int]] = defaultdict(list)
    for r in records:
        if r["type"] == "payment":
            ref = r["allocations"][0]["invoice_ref"]
            days = date.fromisoformat(r["received_on"]) - date.fromisoformat(due[ref])
            late[profiles[r["customer_ref"]]].append(days.days)
    return late


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_payment_profiles_differ_measurably(seed: int) -> None:
    late = _days_late(seed)
    prompt, slow, chronic = (
        mean(late[p]) for p in (Profile.PROMPT, Profile.SLOW, Profile.CHRONIC_LATE)
    )
    assert prompt <= 0 < 5 <= slow <= 35 < chronic
    assert sorted(late[Profile.PROMPT])[len(late[Profile.PROMPT]) * 9 // 10] <= 0
    assert min(late[Profile.CHRONIC_LATE]) >= 30


def test_only_defaulting_customers_are_written_off_and_stop_paying() -> None:
    first, last = period(END, 2)
    customers = {
        c.external_ref: c for c in plan_customers(5, 60, "EUR", first.toordinal(), last.toordinal())
    }
    records = _history(5, customers=60, invoices=4000)
    written_off = [r for r in records if r.get("status") == "written_off"]
    assert written_off
    assert {customers[r["customer_ref"]].profile for r in written_off} == {Profile.DEFAULTING}
    for r in records:
        default_on = customers.get(r.get("customer_ref", ""))
        if r["type"] == "payment" and default_on and default_on.default_on is not None:
            assert date.fromisoformat(r["received_on"]).toordinal() < default_on.default_on


def _peak_memory(**kwargs: Any) -> int:
    tracemalloc.start()
    try:
        for _ in generate(seed=3, end=END, customers=50, **kwargs):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_invoices() -> None:
    short = _peak_memory(invoices=1000, years=1)
    eight_times = _peak_memory(invoices=8000, years=8)
    assert eight_times < 2 * short


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"currency": "XAU"}, MoneyError),
        ({"currency": "EURO"}, MoneyError),
        ({"customers": 0}, ValueError),
        ({"invoices": -1}, ValueError),
        ({"years": 0}, ValueError),
        ({"end": date(2099, 12, 31)}, ValueError),
        ({"end": date(2001, 6, 1), "years": 2}, ValueError),
    ],
)
def test_bad_arguments_are_refused_before_the_first_record(
    kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        generate(seed=1, end=kwargs.pop("end", END), **kwargs)
