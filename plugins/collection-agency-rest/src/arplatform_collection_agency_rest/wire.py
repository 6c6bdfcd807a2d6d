"""The agency's JSON API: the request body we send and the answers we accept.

A hand-over body is the ``CollectionCase`` as JSON: money as
``{"amount": "1277.40", "currency": "EUR"}`` with the amount as a decimal
string, dates as ISO 8601, attachments as ``{"filename", "media_type",
"content"}`` with the content in base64.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypeVar

import msgspec

from arplatform.plugins.contracts.collection_agency import (
    CaseState,
    CaseStatus,
    CollectionCase,
    HandoverReceipt,
)
from arplatform.plugins.contracts.common import Money, PermanentProviderError

__all__ = [
    "ErrorBody",
    "decode_receipt",
    "decode_status",
    "encode_case",
]

T = TypeVar("T")
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
AwareDatetime = Annotated[dt.datetime, msgspec.Meta(tz=True)]

# Stated explicitly because an agency must never see a float amount.
_ENCODER = msgspec.json.Encoder(decimal_format="string")


class ReceiptBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The agency's answer to ``POST /cases`` (201 new, 200 repeated hand-over)."""

    case_ref: NonEmpty
    accepted: bool
    detail: str | None = None


class StatusBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The agency's answer to ``GET /cases/{case_ref}``; ``state`` is the agency's word."""

    case_ref: NonEmpty
    state: NonEmpty
    collected: Money | None = None
    agency_fees: Money | None = None
    updated_at: AwareDatetime | None = None
    detail: str | None = None


class ErrorBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An error answer; a 409 on ``POST /cases`` names the case that already exists."""

    code: str | None = None
    detail: str | None = None
    case_ref: str | None = None


def encode_case(case: CollectionCase) -> bytes:
    """The JSON body of a hand-over."""
    return _ENCODER.encode(case)


def decode_receipt(content: bytes) -> HandoverReceipt:
    """Read a hand-over answer; an answer we cannot read is a permanent error."""
    body = _decode(content, ReceiptBody)
    return HandoverReceipt(case_ref=body.case_ref, accepted=body.accepted, detail=body.detail)


def decode_status(content: bytes) -> CaseStatus:
    """Read a status answer and translate the agency's state into a ``CaseState``."""
    body = _decode(content, StatusBody)
    state, unknown_state = _case_state(body.state)
    detail = body.detail
    if unknown_state:
        # A new agency state must not stop status polling: the case is still
        # with the agency, so it is in progress, and the tenant sees the word.
        detail = f"agency state {body.state!r}" + (f": {detail}" if detail else "")
    return CaseStatus(
        case_ref=body.case_ref,
        state=state,
        collected=body.collected,
        agency_fees=body.agency_fees,
        updated_at=body.updated_at,
        detail=detail,
    )


def _case_state(agency_state: str) -> tuple[CaseState, bool]:
    """The matching ``CaseState`` and whether the agency's state was unknown."""
    try:
        return CaseState(agency_state.strip().lower()), False
    except ValueError:
        return CaseState.IN_PROGRESS, True


def _decode(content: bytes, body_type: type[T]) -> T:
    try:
        return msgspec.json.decode(content, type=body_type)
    except msgspec.DecodeError as exc:
        raise PermanentProviderError(
            f"the agency answered with an unexpected body: {exc}", code="invalid_response"
        ) from exc
