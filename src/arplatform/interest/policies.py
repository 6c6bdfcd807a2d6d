"""Reference rates and interest policies: validation, storage, the policy that applies."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.customers.models import Customer
from arplatform.events.service import emit
from arplatform.interest import rules
from arplatform.interest.daycount import DayCount
from arplatform.interest.models import InterestPolicy, ReferenceRate
from arplatform.interest.rules import RuleSet
from arplatform.interest.schemas import (
    InterestPolicyCreate,
    InterestPolicyOut,
    InterestPolicyUpdate,
    ReferenceRateCreate,
    ReferenceRateOut,
    ReferenceRateUpdate,
)
from arplatform.money import MoneyError, format_amount, parse_amount, parse_decimal

EARLIEST_RATE, LATEST_RATE = date(1990, 1, 1), date(2099, 12, 31)
RATE_PLACES = 4
#: The parameters each rule takes; all others must be absent.
PARAMETERS: dict[RuleSet, frozenset[str]] = {
    RuleSet.NONE: frozenset(),
    RuleSet.FIXED: frozenset({"rate"}),
    RuleSet.REFERENCE_MULTIPLE: frozenset({"multiplier", "reference_key"}),
    RuleSet.EU_DIRECTIVE: frozenset(
        {"margin", "reference_key", "compensation_amount", "compensation_currency"}
    ),
    RuleSet.UK_STATUTORY: frozenset({"margin", "reference_key"}),
}
REQUIRED: dict[RuleSet, frozenset[str]] = {
    RuleSet.FIXED: frozenset({"rate"}),
    RuleSet.REFERENCE_MULTIPLE: frozenset({"multiplier", "reference_key"}),
}
PARAMETER_FIELDS = (
    "rate",
    "multiplier",
    "reference_key",
    "margin",
    "compensation_amount",
    "compensation_currency",
)


def percent_text(value: Decimal) -> str:
    """A rate as a plain decimal string without trailing zeros (``10.15``, ``8``)."""
    return f"{value.normalize():f}"


# Reference rates


def rate_out(row: ReferenceRate) -> ReferenceRateOut:
    return ReferenceRateOut(
        id=row.id,
        key=row.key,
        valid_from=row.valid_from,
        rate=percent_text(row.rate),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _emit(session: AsyncSession, event_type: str, row: ReferenceRate | InterestPolicy) -> None:
    resource = "reference_rate" if isinstance(row, ReferenceRate) else "interest_policy"
    data: dict[str, Any] = (
        {"key": row.key, "valid_from": row.valid_from.isoformat(), "rate": percent_text(row.rate)}
        if isinstance(row, ReferenceRate)
        else {
            "rule": row.rule,
            "customer_id": None if row.customer_id is None else str(row.customer_id),
        }
    )
    emit(
        session,
        f"{resource}.{event_type}",
        resource_type=resource,
        resource_id=row.id,
        resource_version=row.version,
        data=data,
    )


async def create_reference_rate(session: AsyncSession, data: ReferenceRateCreate) -> ReferenceRate:
    """Record a reference rate's value from a day; one value per key and day."""
    if not EARLIEST_RATE <= data.valid_from <= LATEST_RATE:
        raise InvalidInput(
            f"valid_from must lie between {EARLIEST_RATE} and {LATEST_RATE}",
            errors=[FieldError(field="valid_from", message="out of range")],
        )
    taken = await session.scalar(
        select(ReferenceRate.id).where(
            ReferenceRate.key == data.key, ReferenceRate.valid_from == data.valid_from
        )
    )
    if taken is not None:
        raise Conflict(f"{data.key} already has a rate from {data.valid_from}; change that one")
    row = ReferenceRate(
        key=data.key, valid_from=data.valid_from, rate=parse_decimal(data.rate, RATE_PLACES)
    )
    session.add(row)
    await session.flush()
    _emit(session, "created", row)
    return row


async def get_reference_rate(session: AsyncSession, rate_id: uuid.UUID) -> ReferenceRate:
    return await fetch_one(session, ReferenceRate, rate_id, "reference rate")


async def update_reference_rate(
    session: AsyncSession, rate_id: uuid.UUID, data: ReferenceRateUpdate, if_match: str | None
) -> ReferenceRate:
    """Correct the value of a reference rate at the version the caller last read."""
    row = await get_reference_rate(session, rate_id)
    check_if_match(if_match, row.version)
    row.rate = parse_decimal(data.rate, RATE_PLACES)
    await session.flush()
    _emit(session, "updated", row)
    return row


async def delete_reference_rate(
    session: AsyncSession, rate_id: uuid.UUID, if_match: str | None
) -> None:
    """Remove a value; the previous one stays in force until the next."""
    row = await get_reference_rate(session, rate_id)
    check_if_match(if_match, row.version)
    _emit(session, "deleted", row)
    await session.delete(row)
    await session.flush()


async def list_reference_rates(
    session: AsyncSession, *, key: str | None, cursor: str | None, limit: int
) -> tuple[list[ReferenceRate], str | None]:
    stmt = select(ReferenceRate)
    if key is not None:
        stmt = stmt.where(ReferenceRate.key == key)
    return await fetch_page(session, stmt, ReferenceRate, cursor, limit)


async def reference_series(session: AsyncSession, key: str | None, up_to: date) -> rules.RateSeries:
    """The values of ``key`` in force on or before ``up_to`` (empty without a key)."""
    if key is None:
        return rules.RateSeries("")
    rows = await session.execute(
        select(ReferenceRate.valid_from, ReferenceRate.rate).where(
            ReferenceRate.key == key, ReferenceRate.valid_from <= up_to
        )
    )
    return rules.RateSeries.of(key, [(day, rate) for day, rate in rows])


# Interest policies


def _parameters(rule: RuleSet, given: dict[str, Any]) -> dict[str, Any]:
    """Column values for ``rule`` from the given parameters (text), defaults filled, or 422."""
    allowed, required = PARAMETERS[rule], REQUIRED.get(rule, frozenset())
    errors = [
        FieldError(field=name, message=f"does not apply to the {rule} rule")
        for name in PARAMETER_FIELDS
        if given.get(name) is not None and name not in allowed
    ]
    errors += [
        FieldError(field=name, message=f"is required by the {rule} rule")
        for name in sorted(required)
        if given.get(name) is None
    ]
    if errors:
        raise InvalidInput("; ".join(f"{e.field} {e.message}" for e in errors), errors=errors)
    values: dict[str, Any] = {name: None for name in PARAMETER_FIELDS}
    for name in ("rate", "multiplier", "margin"):
        if given.get(name) is not None:
            values[name] = parse_decimal(given[name], RATE_PLACES)
    values["reference_key"] = given.get("reference_key") or rules.DEFAULT_REFERENCE.get(rule)
    if rule in (RuleSet.EU_DIRECTIVE, RuleSet.UK_STATUTORY) and values["margin"] is None:
        values["margin"] = rules.STATUTORY_MARGIN
    if rule is RuleSet.EU_DIRECTIVE:
        values.update(_compensation(given))
    return values


def _compensation(given: dict[str, Any]) -> dict[str, Any]:
    amount, currency = given.get("compensation_amount"), given.get("compensation_currency")
    if amount is None and currency is None:
        amount, currency = str(rules.EU_COMPENSATION.amount), rules.EU_COMPENSATION.currency
    if amount is None or currency is None:
        missing = "compensation_amount" if amount is None else "compensation_currency"
        message = "compensation_amount and compensation_currency go together"
        raise InvalidInput(message, errors=[FieldError(field=missing, message=message)])
    try:
        parsed = parse_amount(amount, currency)
    except MoneyError as exc:
        error = FieldError(field="compensation_amount", message=str(exc))
        raise InvalidInput(str(exc), errors=[error]) from None
    return {"compensation_amount": parsed, "compensation_currency": currency}


def policy_out(row: InterestPolicy) -> InterestPolicyOut:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else percent_text(value)

    amount, currency = row.compensation_amount, row.compensation_currency
    return InterestPolicyOut(
        id=row.id,
        customer_id=row.customer_id,
        rule=RuleSet(row.rule),
        day_count=DayCount(row.day_count),
        rate=text(row.rate),
        multiplier=text(row.multiplier),
        reference_key=row.reference_key,
        margin=text(row.margin),
        compensation_amount=None
        if amount is None or currency is None
        else format_amount(amount, currency),
        compensation_currency=currency,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _plain(struct: msgspec.Struct) -> dict[str, Any]:
    values = msgspec.structs.asdict(struct)
    return {k: msgspec.to_builtins(v) for k, v in values.items() if v is not msgspec.UNSET}


async def create_policy(session: AsyncSession, data: InterestPolicyCreate) -> InterestPolicy:
    """Set the tenant's rule (no ``customer_id``) or a customer's; one per scope."""
    if data.customer_id is not None:
        customer = await session.scalar(select(Customer.id).where(Customer.id == data.customer_id))
        if customer is None:
            raise InvalidInput(
                f"customer_id {data.customer_id} does not name a customer",
                errors=[FieldError(field="customer_id", message="no such customer")],
            )
    values = _parameters(data.rule, _plain(data))
    existing = await session.scalar(select(InterestPolicy.id).where(_scope(data.customer_id)))
    if existing is not None:
        whose = "the tenant" if data.customer_id is None else "this customer"
        raise Conflict(f"{whose} already has an interest policy ({existing}); change that one")
    row = InterestPolicy(
        customer_id=data.customer_id, rule=str(data.rule), day_count=str(data.day_count), **values
    )
    session.add(row)
    await session.flush()
    _emit(session, "created", row)
    return row


def _scope(customer_id: uuid.UUID | None) -> Any:
    if customer_id is None:
        return InterestPolicy.customer_id.is_(None)
    return InterestPolicy.customer_id == customer_id


async def get_policy(session: AsyncSession, policy_id: uuid.UUID) -> InterestPolicy:
    return await fetch_one(session, InterestPolicy, policy_id, "interest policy")


async def update_policy(
    session: AsyncSession, policy_id: uuid.UUID, data: InterestPolicyUpdate, if_match: str | None
) -> InterestPolicy:
    """Change a policy; a new ``rule`` starts from its defaults plus the parameters given."""
    row = await get_policy(session, policy_id)
    check_if_match(if_match, row.version)
    changes = _plain(data)
    rule = RuleSet(changes.pop("rule", row.rule))
    day_count = changes.pop("day_count", row.day_count)
    given: dict[str, Any] = {}
    if rule == row.rule:  # the same rule keeps its stored parameters
        stored = policy_out(row)
        given = {name: getattr(stored, name) for name in PARAMETER_FIELDS}
    given.update({name: value for name, value in changes.items() if name in PARAMETER_FIELDS})
    for name, value in _parameters(rule, given).items():
        setattr(row, name, value)
    row.rule, row.day_count = str(rule), str(day_count)
    await session.flush()
    _emit(session, "updated", row)
    return row


async def delete_policy(session: AsyncSession, policy_id: uuid.UUID, if_match: str | None) -> None:
    """Remove a policy: the customer falls back to the tenant's rule, the tenant to none."""
    row = await get_policy(session, policy_id)
    check_if_match(if_match, row.version)
    _emit(session, "deleted", row)
    await session.delete(row)
    await session.flush()


async def list_policies(
    session: AsyncSession, *, customer_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[list[InterestPolicy], str | None]:
    stmt = select(InterestPolicy)
    if customer_id is not None:
        stmt = stmt.where(InterestPolicy.customer_id == customer_id)
    return await fetch_page(session, stmt, InterestPolicy, cursor, limit)


def to_rule(row: InterestPolicy) -> rules.Policy:
    """The pure rule of a stored policy."""
    amount, currency = row.compensation_amount, row.compensation_currency
    return rules.Policy(
        rule=RuleSet(row.rule),
        day_count=DayCount(row.day_count),
        rate=row.rate,
        multiplier=row.multiplier,
        reference_key=row.reference_key,
        margin=rules.STATUTORY_MARGIN if row.margin is None else row.margin,
        compensation=None if amount is None or currency is None else rules.Money(amount, currency),
    )


async def applicable_policies(
    session: AsyncSession, customer_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[InterestPolicy | None, str]]:
    """Per customer: its own policy, else the tenant's, else none; and which one it was.

    One query for any number of customers.
    """
    rows = (
        await session.scalars(
            select(InterestPolicy).where(
                InterestPolicy.customer_id.in_(customer_ids) | InterestPolicy.customer_id.is_(None)
            )
        )
    ).all()
    by_scope = {row.customer_id: row for row in rows}
    tenant_wide = by_scope.get(None)
    fallback = (tenant_wide, "tenant") if tenant_wide is not None else (None, "default")
    return {
        customer_id: (by_scope[customer_id], "customer") if customer_id in by_scope else fallback
        for customer_id in customer_ids
    }


async def applicable_policy(
    session: AsyncSession, customer_id: uuid.UUID
) -> tuple[InterestPolicy | None, str]:
    """The customer's policy, else the tenant's, else none; and which one it was."""
    return (await applicable_policies(session, [customer_id]))[customer_id]
