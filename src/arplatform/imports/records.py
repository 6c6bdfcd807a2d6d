"""The import record format: one struct per record type, decoded from NDJSON or CSV.

Pure: decoding and field checks only; references and the ledger are the writer's.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

import msgspec

from arplatform.api.types import (
    TEXT_PATTERN,
    Amount,
    CountryCode,
    CurrencyCode,
    Identifier,
    Language,
    Name,
    Percent,
    Quantity,
    Reference,
)

RECORD_TYPES = ("customer", "invoice", "payment", "credit_note")
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=TEXT_PATTERN)]
Method = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=r"^[a-z_]+$")]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)]
PaymentReference = Annotated[str, msgspec.Meta(min_length=1, max_length=140, pattern=TEXT_PATTERN)]
Number = Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=r"^[\x21-\x7e]+$")]
_FIELD = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")


class _Record(msgspec.Struct, forbid_unknown_fields=True, tag_field="type", kw_only=True):
    external_ref: Reference


class CustomerRecord(_Record, tag="customer", kw_only=True):
    legal_name: Name
    country: CountryCode
    currency: CurrencyCode
    vat_number: Identifier | None = None
    registration_number: Identifier | None = None
    language: Language | None = None
    payment_terms_days: Annotated[int, msgspec.Meta(ge=0, le=365)] | None = None


class LineRecord(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    description: Text
    quantity: Quantity
    unit_price: Quantity
    tax_rate: Percent = "0"


class InvoiceRecord(_Record, tag="invoice", kw_only=True):
    customer_ref: Reference
    number: Number
    issue_date: date
    due_date: date
    currency: CurrencyCode
    lines: Annotated[list[LineRecord], msgspec.Meta(min_length=1, max_length=500)] | None = None
    total: Amount | None = None
    tax_total: Amount | None = None
    delivery_date: date | None = None
    status: Literal["issued", "cancelled", "written_off"] = "issued"
    written_off_on: date | None = None
    cancelled_on: date | None = None


class AllocationRecord(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    invoice_ref: Reference
    amount: Amount | None = None


class PaymentRecord(_Record, tag="payment", kw_only=True):
    customer_ref: Reference
    received_on: date
    amount: Amount
    currency: CurrencyCode
    method: Method | None = None
    reference: PaymentReference | None = None
    allocations: Annotated[list[AllocationRecord], msgspec.Meta(max_length=500)] | None = None
    invoice_ref: Reference | None = None
    allocated_amount: Amount | None = None


class CreditNoteRecord(_Record, tag="credit_note", kw_only=True):
    customer_ref: Reference
    invoice_ref: Reference | None = None
    number: Number
    issue_date: date
    amount: Amount
    currency: CurrencyCode
    reason: Reason | None = None


Record = CustomerRecord | InvoiceRecord | PaymentRecord | CreditNoteRecord
TYPES: dict[str, type[Record]] = {
    "customer": CustomerRecord,
    "invoice": InvoiceRecord,
    "payment": PaymentRecord,
    "credit_note": CreditNoteRecord,
}
_NDJSON = msgspec.json.Decoder(Record)


class RowError(msgspec.Struct, frozen=True):
    """One rejected row: its line in the file, the field at fault and why."""

    row: int
    field: str
    message: str
    type: str | None = None


class PayloadError(ValueError):
    """A file that cannot be read at all (wrong encoding, no header)."""


def _validation_error(row: int, exc: msgspec.ValidationError, kind: str | None) -> RowError:
    text = str(exc)
    match = _FIELD.search(text)
    field = match.group("path") if match else ""
    message = text[: match.start()] if match else text
    if "Object contains unknown field" in message:
        field, message = message.split("`")[1], "unknown field"
    if "matching regex" in message:
        message = "does not have the expected form (see the import record format)"
    if "missing required field" in message:
        field = message.split("`")[1]
    return RowError(row=row, field=field or "type", message=message, type=kind)


def _ndjson(payload: bytes) -> Iterator[tuple[int, Record | RowError]]:
    for number, line in enumerate(payload.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, _NDJSON.decode(line)
        except msgspec.ValidationError as exc:
            yield number, _validation_error(number, exc, _kind_of(line))
        except msgspec.DecodeError as exc:
            yield number, RowError(row=number, field="", message=f"not a JSON object: {exc}")


def _kind_of(line: bytes) -> str | None:
    try:
        value = msgspec.json.decode(line)
    except msgspec.DecodeError:
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if kind in TYPES else None


def _csv(payload: bytes, kind: str) -> Iterator[tuple[int, Record | RowError]]:
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"the file is not UTF-8: {exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise PayloadError(f"the CSV header cannot be read: {exc}") from None
    if not header:
        raise PayloadError("the CSV file has no header row")
    names = [name.strip() for name in header]
    struct = TYPES[kind]
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise PayloadError(f"line {reader.line_num}: {exc}") from None
        number = reader.line_num
        if not any(values):
            continue
        if len(values) != len(names):
            yield number, RowError(number, "", f"{len(values)} values for {len(names)} columns")
            continue
        fields: dict[str, Any] = {k: v for k, v in zip(names, values, strict=True) if v != ""}
        fields.pop("type", None)
        try:
            yield number, msgspec.convert(fields, struct, strict=False)
        except msgspec.ValidationError as exc:
            yield number, _validation_error(number, exc, kind)


def csv_header_problems(payload: bytes, kind: str) -> list[str]:
    """What is wrong with a CSV file's header for ``kind``: missing or unknown columns.

    Checked when the file is uploaded, so a file that cannot be a ``kind`` file
    is refused at once; an undecodable header is left to the import's report.
    """
    try:
        text = payload.split(b"\n", 1)[0].decode("utf-8-sig")
        header = next(csv.reader([text]), [])
    except (UnicodeDecodeError, csv.Error):
        return []
    names = {name.strip() for name in header}
    fields = msgspec.structs.fields(TYPES[kind])
    known = {f.encode_name for f in fields} | {"type"}
    missing = sorted(f.encode_name for f in fields if f.required and f.encode_name not in names)
    unknown = sorted(names - known)
    return [f"missing column {name}" for name in missing] + [
        f"unknown column {name!r}" for name in unknown
    ]


def read_records(
    payload: bytes, fmt: str, kind: str | None
) -> Iterator[tuple[int, Record | RowError]]:
    """``(line number, record or error)`` for each non-blank row of the file."""
    if fmt == "csv":
        if kind is None:
            raise PayloadError("a CSV import needs type= (one record type per file)")
        return _csv(payload, kind)
    return _ndjson(payload)


def record_type(record: Record) -> str:
    tag: str = type(record).__struct_config__.tag  # type: ignore[assignment]
    return tag
