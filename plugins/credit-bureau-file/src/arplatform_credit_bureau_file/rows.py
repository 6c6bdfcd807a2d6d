"""Reading delivered report files into credit reports: pure functions on bytes, no I/O.

One record is one company's report. CSV files have a header line with the
field names below; JSON files hold an array of objects, JSON Lines files
one object per line. Unknown fields are refused (a typo must not silently
drop data). In CSV, ``legal_events`` and ``financials`` are JSON arrays in
their cell. A record that does not fit raises ``MalformedRecord`` naming the
file and line, so no report is ever half filled.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import msgspec

from arplatform.money import round_money
from arplatform.plugins.contracts.common import Address, CountryCode, CurrencyCode, Money
from arplatform.plugins.contracts.credit_bureau import (
    CommonRating,
    CompanyRef,
    CreditReport,
    KeyFinancials,
    LegalEvent,
    LegalEventType,
    PaymentBehaviour,
)

__all__ = ["SUFFIXES", "FileRecord", "LocatedReport", "MalformedRecord", "read_reports"]

SUFFIXES = frozenset({".csv", ".json", ".jsonl"})
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
Score = Annotated[int, msgspec.Meta(ge=0, le=100)]
NonNegative = Annotated[int, msgspec.Meta(ge=0)]
_JSON_CELLS = ("legal_events", "financials")


class MalformedRecord(ValueError):
    """A record that cannot become a report; ``str()`` names the file and line."""

    def __init__(self, filename: str, where: str, reason: str) -> None:
        super().__init__(f"{filename}, {where}: {reason}")
        self.filename = filename
        self.where = where


class _Strict(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class FileLegalEvent(_Strict, frozen=True, kw_only=True):
    type: LegalEventType
    event_date: dt.date
    description: str | None = None
    amount: Decimal | None = None
    court_or_registry: str | None = None
    resolved_date: dt.date | None = None


class FileFinancials(_Strict, frozen=True, kw_only=True):
    fiscal_year_end: dt.date
    turnover: Decimal | None = None
    equity: Decimal | None = None
    net_income: Decimal | None = None
    employees: NonNegative | None = None


class FileRecord(_Strict, frozen=True, kw_only=True):
    """One delivered report; amounts are in ``currency``."""

    provider_company_id: NonEmpty
    country: CountryCode
    name: NonEmpty
    report_date: dt.date
    registration_id: str | None = None
    vat_id: str | None = None
    legal_form: str | None = None
    founded: dt.date | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    score: Score | None = None
    rating: CommonRating | None = None
    provider_score: str | None = None
    probability_of_default: Decimal | None = None
    currency: CurrencyCode | None = None
    recommended_limit: Decimal | None = None
    days_beyond_terms: Decimal | None = None
    payment_index: Score | None = None
    experiences_count: NonNegative | None = None
    legal_events: list[FileLegalEvent] = msgspec.field(default_factory=list)
    financials: list[FileFinancials] = msgspec.field(default_factory=list)
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class LocatedReport:
    """A report and where it was read, e.g. ``("reports.csv", "line 3")``."""

    report: CreditReport
    filename: str
    where: str


def read_reports(filename: str, content: bytes) -> list[LocatedReport]:
    """Every report in one file; raises ``MalformedRecord`` at the first bad record."""
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    if suffix not in SUFFIXES:
        raise MalformedRecord(filename, "file", f"unsupported file type {suffix!r}")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedRecord(filename, f"byte {exc.start}", "not UTF-8 text") from exc
    records = {".csv": _csv_records, ".jsonl": _jsonl_records, ".json": _json_records}[suffix]
    located = []
    for where, fields in records(filename, text):
        try:
            record = msgspec.convert(fields, FileRecord, strict=False)
            report = to_report(record)
        except (msgspec.ValidationError, ValueError) as exc:
            raise MalformedRecord(filename, where, str(exc)) from exc
        located.append(LocatedReport(report, filename, where))
    return located


def to_report(record: FileRecord) -> CreditReport:
    """The common report of a validated record; ``ValueError`` if money lacks a currency."""
    ref = CompanyRef(provider_company_id=record.provider_company_id, country=record.country)
    money = _money_maker(record)
    return CreditReport(
        ref=ref,
        name=record.name,
        report_date=record.report_date,
        address=_address(record),
        registration_id=record.registration_id,
        vat_id=record.vat_id,
        legal_form=record.legal_form,
        founded=record.founded,
        score=record.score,
        provider_score=record.provider_score,
        rating=record.rating,
        probability_of_default=record.probability_of_default,
        recommended_limit=money(record.recommended_limit),
        payment_behaviour=_behaviour(record),
        legal_events=tuple(
            LegalEvent(
                type=event.type,
                event_date=event.event_date,
                description=event.description,
                amount=money(event.amount),
                court_or_registry=event.court_or_registry,
                resolved_date=event.resolved_date,
            )
            for event in record.legal_events
        ),
        financials=tuple(
            KeyFinancials(
                fiscal_year_end=year.fiscal_year_end,
                turnover=money(year.turnover),
                equity=money(year.equity),
                net_income=money(year.net_income),
                employees=year.employees,
            )
            for year in sorted(record.financials, key=lambda y: y.fiscal_year_end, reverse=True)
        ),
        valid_until=_valid_until(record),
    )


def _address(record: FileRecord) -> Address | None:
    lines = tuple(line for line in (record.address_line1, record.address_line2) if line)
    if not (lines or record.postal_code or record.city):
        return None
    return Address(
        lines=lines,
        postal_code=record.postal_code,
        city=record.city,
        region=record.region,
        country=record.country,
    )


def _behaviour(record: FileRecord) -> PaymentBehaviour | None:
    values = (record.days_beyond_terms, record.payment_index, record.experiences_count)
    if all(value is None for value in values):
        return None
    return PaymentBehaviour(
        days_beyond_terms=record.days_beyond_terms,
        payment_index=record.payment_index,
        experiences_count=record.experiences_count,
    )


def _money_maker(record: FileRecord) -> Callable[[Decimal | None], Money | None]:
    def money(amount: Decimal | None) -> Money | None:
        if amount is None:
            return None
        if record.currency is None:
            raise ValueError("an amount is given but the record has no currency")
        return Money(amount=round_money(amount, record.currency), currency=record.currency)

    return money


def _valid_until(record: FileRecord) -> dt.date | None:
    if record.valid_until is not None and record.valid_until < record.report_date:
        raise ValueError("valid_until is before report_date")
    return record.valid_until


def _csv_records(filename: str, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        for row in reader:
            where = f"line {reader.line_num}"
            if None in row:
                raise MalformedRecord(filename, where, "more cells than header columns")
            yield where, _csv_fields(filename, where, row)
    except csv.Error as exc:
        raise MalformedRecord(filename, f"line {reader.line_num}", str(exc)) from exc


def _csv_fields(filename: str, where: str, row: dict[str, str]) -> dict[str, Any]:
    # An empty cell means "not given"; JSON cells hold the lists.
    fields: dict[str, Any] = {
        key.strip(): value.strip() for key, value in row.items() if value and value.strip()
    }
    for name in _JSON_CELLS:
        if name in fields:
            try:
                fields[name] = json.loads(fields[name], parse_float=Decimal)
            except ValueError as exc:
                raise MalformedRecord(filename, where, f"{name} is not a JSON array") from exc
    return fields


def _jsonl_records(filename: str, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield f"line {number}", _json_object(filename, f"line {number}", line)


def _json_records(filename: str, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        items = msgspec.json.decode(text, type=list[msgspec.Raw])
    except msgspec.DecodeError as exc:
        raise MalformedRecord(filename, "file", f"not a JSON array of records: {exc}") from exc
    position = 0
    for item in items:
        raw = bytes(item).decode()
        # Raw items are exact slices of the text, in order: find gives the line.
        position = text.find(raw, position)
        where = f"line {text.count(chr(10), 0, position) + 1}"
        yield where, _json_object(filename, where, raw)
        position += len(raw)


def _json_object(filename: str, where: str, raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise MalformedRecord(filename, where, f"not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise MalformedRecord(filename, where, "a record must be a JSON object")
    return value
