"""Import files from records: NDJSON (all types, one file) or CSV (one file per type)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import msgspec

from arplatform.invoices.rules import invoice_totals, line_net
from arplatform.money import Rounding, format_amount

#: The columns of each record type's CSV file, as in the import record format.
CSV_FIELDS: dict[str, tuple[str, ...]] = {
    "customer": (
        "external_ref", "legal_name", "country", "currency", "vat_number",
        "registration_number", "language", "payment_terms_days",
    ),
    "invoice": (
        "external_ref", "customer_ref", "number", "issue_date", "due_date", "currency",
        "total", "tax_total", "delivery_date", "status", "written_off_on",
    ),
    "payment": (
        "external_ref", "customer_ref", "received_on", "amount", "currency", "method",
        "reference", "invoice_ref", "allocated_amount",
    ),
    "credit_note": (
        "external_ref", "customer_ref", "invoice_ref", "number", "issue_date", "amount",
        "currency", "reason",
    ),
}  # fmt: skip
CSV_FILES = {
    "customer": "customers.csv",
    "invoice": "invoices.csv",
    "payment": "payments.csv",
    "credit_note": "credit_notes.csv",
}
BATCH = 2000


def invoice_amounts(record: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """``(total, tax_total)`` of an invoice record, from its total or its lines.

    Lines are totalled as the ledger does (tax once per rate, EN 16931); the
    generator keeps line amounts at multiples of 100 minor units, so the
    rounding mode does not matter.
    """
    currency = record["currency"]
    if "lines" not in record:
        return Decimal(record["total"]), Decimal(record.get("tax_total", "0"))
    nets = (
        (
            line_net(
                Decimal(ln["quantity"]), Decimal(ln["unit_price"]), currency, Rounding.HALF_UP
            ),
            Decimal(ln["tax_rate"]),
        )
        for ln in record["lines"]
    )
    totals = invoice_totals(nets, currency, Rounding.HALF_UP)
    return totals.total, totals.tax


def csv_row(record: dict[str, Any]) -> list[str]:
    """The record as a CSV row of its type's columns; absent fields are empty cells."""
    kind = record["type"]
    flat = dict(record)
    if kind == "invoice" and "lines" in flat:
        total, tax = invoice_amounts(record)
        del flat["lines"]
        flat["total"] = format_amount(total, record["currency"])
        flat["tax_total"] = format_amount(tax, record["currency"])
    elif kind == "payment":
        allocations = flat.pop("allocations", [])
        if len(allocations) > 1:
            raise ValueError("a CSV payment row carries at most one allocation")
        if allocations:
            flat["invoice_ref"] = allocations[0]["invoice_ref"]
            flat["allocated_amount"] = allocations[0]["amount"]
    return [str(flat.get(name, "")) for name in CSV_FIELDS[kind]]


def write_ndjson(records: Iterable[dict[str, Any]], out: IO[bytes]) -> Counter[str]:
    """Write one JSON object per line; returns the count per record type."""
    encoder, counts, batch = msgspec.json.Encoder(), Counter[str](), list[dict[str, Any]]()
    for record in records:
        counts[record["type"]] += 1
        batch.append(record)
        if len(batch) >= BATCH:
            out.write(encoder.encode_lines(batch))
            batch.clear()
    out.write(encoder.encode_lines(batch))
    return counts


def write_csv(records: Iterable[dict[str, Any]], directory: Path) -> Counter[str]:
    """Write ``customers.csv``, ``invoices.csv``, ``payments.csv``, ``credit_notes.csv``."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = Counter[str]()
    files = {kind: (directory / name).open("w", newline="") for kind, name in CSV_FILES.items()}
    try:
        writers = {kind: csv.writer(f, lineterminator="\n") for kind, f in files.items()}
        for kind, writer in writers.items():
            writer.writerow(CSV_FIELDS[kind])
        for record in records:
            counts[record["type"]] += 1
            writers[record["type"]].writerow(csv_row(record))
    finally:
        for f in files.values():
            f.close()
    return counts
