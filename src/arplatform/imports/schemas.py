"""Import responses."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import msgspec


class ImportFormat(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"


class ImportMode(StrEnum):
    #: Good rows are stored, bad rows reported.
    PARTIAL = "partial"
    #: Nothing is stored when any row is bad.
    ATOMIC = "atomic"


class ImportType(StrEnum):
    CUSTOMER = "customer"
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"


class Outcomes(msgspec.Struct, frozen=True):
    """Rows of one record type by what became of them."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


class Counts(msgspec.Struct, frozen=True):
    customer: Outcomes
    invoice: Outcomes
    payment: Outcomes
    credit_note: Outcomes


class Progress(msgspec.Struct, frozen=True):
    rows_done: int
    rows_total: int


class RowErrorOut(msgspec.Struct, frozen=True):
    """A rejected row: its line in the file (a CSV header is line 1), the field and why."""

    row: int
    field: str
    message: str
    type: str | None


class ImportOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    status: str
    type: str | None
    format: str
    mode: str
    size_bytes: int
    sha256: str
    progress: Progress
    counts: Counts
    error_count: int
    #: The first 1,000 rejected rows; ``error_count`` says how many there were.
    errors: list[RowErrorOut]
    failure: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportPage(msgspec.Struct, frozen=True):
    """One page of imports; ``next_cursor`` is null on the last page."""

    data: list[ImportOut]
    next_cursor: str | None
