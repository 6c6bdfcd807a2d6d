"""Pure checks of import records: totals as the API computes them, in every currency exponent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arplatform.imports.checks import FieldProblem, invoice_amounts
from arplatform.imports.records import InvoiceRecord, LineRecord, read_records
from arplatform.invoices import rules
from arplatform.money import Rounding, format_amount, quantum

CURRENCIES = ("JPY", "EUR", "BHD")  # ISO 4217 exponents 0, 2, 3
decimals = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False)
lines = st.lists(
    st.tuples(decimals, decimals, st.sampled_from(["0", "7", "19", "20", "5.5"])),
    min_size=1,
    max_size=6,
)


def _record(
    currency: str, items: list[tuple[Decimal, Decimal, str]], **extra: str
) -> InvoiceRecord:
    return InvoiceRecord(
        external_ref="I1",
        customer_ref="C1",
        number="N1",
        issue_date=date(2025, 1, 1),
        due_date=date(2025, 1, 31),
        currency=currency,  # type: ignore[arg-type]
        lines=[
            LineRecord(description="x", quantity=f"{q:f}", unit_price=f"{p:f}", tax_rate=r)
            for q, p, r in items
        ],
        **extra,  # type: ignore[arg-type]
    )


@given(currency=st.sampled_from(CURRENCIES), items=lines, rounding=st.sampled_from(list(Rounding)))
def test_line_totals_are_the_apis_and_add_up(
    currency: str, items: list[tuple[Decimal, Decimal, str]], rounding: Rounding
) -> None:
    record = _record(currency, items)
    try:
        amounts = invoice_amounts(record, rounding)
    except FieldProblem as exc:
        assert exc.field in {"total", "lines"} or exc.field.startswith("lines[")
        return
    nets = [rules.line_net(q, p, currency, rounding) for q, p, _ in items]
    expected = rules.invoice_totals(
        zip(nets, (Decimal(r) for _, _, r in items), strict=True), currency, rounding
    )
    assert (amounts.net, amounts.tax, amounts.total) == (expected.net, expected.tax, expected.total)
    assert amounts.net + amounts.tax == amounts.total
    assert amounts.total == amounts.total.quantize(quantum(currency))
    # The same file with the total it gives is accepted; any other total is refused.
    given_total = format_amount(amounts.total, currency)
    assert invoice_amounts(_record(currency, items, total=given_total), rounding) == amounts
    other = format_amount(amounts.total + quantum(currency), currency)
    with pytest.raises(FieldProblem) as refused:
        invoice_amounts(_record(currency, items, total=other), rounding)
    assert refused.value.field == "total"


@pytest.mark.parametrize(
    ("currency", "total", "ok"),
    [
        ("JPY", "100", True),
        ("JPY", "100.5", False),
        ("EUR", "1.25", True),
        ("EUR", "1.255", False),
        ("BHD", "1.255", True),
        ("BHD", "1.2555", False),
    ],
)
def test_a_total_has_at_most_the_currencys_decimals(currency: str, total: str, ok: bool) -> None:
    row = (
        "external_ref,customer_ref,number,issue_date,due_date,currency,total\n"
        f"I1,C1,N1,2025-01-01,2025-01-31,{currency},{total}\n"
    ).encode()
    [(line, record)] = list(read_records(row, "csv", "invoice"))
    assert line == 2 and isinstance(record, InvoiceRecord)
    if ok:
        assert invoice_amounts(record, Rounding.HALF_UP).total == Decimal(total)
    else:
        with pytest.raises(FieldProblem) as refused:
            invoice_amounts(record, Rounding.HALF_UP)
        assert refused.value.field == "total"


def test_unknown_fields_and_types_are_reported_per_row() -> None:
    payload = b"\n".join(
        [
            msgspec.json.encode(
                {
                    "type": "customer",
                    "external_ref": "C1",
                    "legal_name": "A",
                    "country": "DE",
                    "currency": "EUR",
                    "colour": "red",
                }
            ),
            b'{"type": "supplier"}',
            b"not json",
        ]
    )
    found = [
        (row, getattr(item, "field", None)) for row, item in read_records(payload, "ndjson", None)
    ]
    assert found == [(1, "colour"), (2, "type"), (3, "")]
