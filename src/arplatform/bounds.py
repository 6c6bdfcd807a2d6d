"""The bounds every domain checks input against: the dates and amounts the ledger can hold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from arplatform.api.problems import FieldError, InvalidInput
from arplatform.money import MoneyError, parse_amount

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
#: The largest amount the API's ``Amount`` type can express (12 integer digits);
#: a computed line or total beyond it could neither be stored nor returned.
MAX_AMOUNT = Decimal("999999999999.9999")


def check_day(field: str, day: date, *, not_before: date | None = None, label: str = "") -> None:
    """Refuse (422) a day outside the supported range or before ``not_before``."""
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(
            f"{field} must lie between {EARLIEST} and {LATEST}",
            errors=[FieldError(field=field, message="out of range")],
        )
    if not_before is not None and day < not_before:
        message = f"{field} {day} is before {label or not_before}"
        raise InvalidInput(message, errors=[FieldError(field=field, message=message)])


def amount_of(
    field: str,
    text: str,
    currency: str,
    *,
    positive: bool = True,
    at_most: Decimal | None = None,
) -> Decimal:
    """A client's amount in ``currency``, or 422 naming ``field`` (also above ``at_most``)."""
    try:
        value = parse_amount(text, currency)
    except MoneyError as exc:
        raise InvalidInput(str(exc), errors=[FieldError(field=field, message=str(exc))]) from None
    if positive and value <= 0:
        message = f"{field} must be more than zero"
        raise InvalidInput(message, errors=[FieldError(field=field, message=message)])
    if at_most is not None and value > at_most:
        message = f"{field} must be at most {at_most}"
        raise InvalidInput(message, errors=[FieldError(field=field, message=message)])
    return value
