"""Customer rules: identifiers checked per country, amounts per currency, events emitted."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.auth.tokens import Role
from arplatform.credit.approvals import CREDIT_FIELDS, check_credit_fields
from arplatform.customers.identifiers import (
    IdentifierError,
    normalise_registration,
    normalise_vat,
)
from arplatform.customers.models import Customer
from arplatform.customers.schemas import (
    Contact,
    CustomerCreate,
    CustomerOut,
    CustomerUpdate,
    PaymentTerms,
    PostalAddress,
)
from arplatform.events.service import emit
from arplatform.money import MoneyError, format_amount, parse_amount


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise identifiers and amounts of a full set of customer fields, or 422."""
    errors: list[FieldError] = []
    country = values["country"]
    for field, normalise in (
        ("vat_number", normalise_vat),
        ("registration_number", normalise_registration),
    ):
        if values.get(field):
            try:
                values[field] = normalise(country, values[field])
            except IdentifierError as exc:
                errors.append(FieldError(field=field, message=str(exc)))
    limit = values.get("credit_limit")
    if isinstance(limit, str):
        try:
            values["credit_limit"] = parse_amount(limit, values["currency"])
        except MoneyError as exc:
            errors.append(FieldError(field="credit_limit", message=str(exc)))
    if errors:
        raise InvalidInput("; ".join(e.message for e in errors), errors=errors)
    return values


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Struct values as JSON-ready column values (enums as strings, structs as dicts)."""
    return {key: msgspec.to_builtins(value) for key, value in values.items()}


def to_out(customer: Customer) -> CustomerOut:
    limit = customer.credit_limit
    return CustomerOut(
        id=customer.id,
        legal_name=customer.legal_name,
        external_ref=customer.external_ref,
        registration_number=customer.registration_number,
        vat_number=customer.vat_number,
        country=customer.country,
        currency=customer.currency,
        language=customer.language,
        contacts=msgspec.convert(customer.contacts, list[Contact]),
        payment_terms=msgspec.convert(customer.payment_terms, PaymentTerms | None),
        risk_tier=customer.risk_tier,
        credit_limit=None if limit is None else format_amount(limit, customer.currency),
        address=msgspec.convert(customer.address, PostalAddress | None),
        credit_hold=customer.credit_hold,
        version=customer.version,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
    )


def _emit(session: AsyncSession, event_type: str, customer: Customer) -> None:
    emit(
        session,
        event_type,
        resource_type="customer",
        resource_id=customer.id,
        resource_version=customer.version,
        data={"legal_name": customer.legal_name, "external_ref": customer.external_ref},
    )


async def _ensure_ref_free(session: AsyncSession, ref: str | None, own: uuid.UUID | None) -> None:
    if ref is None:
        return
    taken = await session.scalar(select(Customer.id).where(Customer.external_ref == ref))
    if taken is not None and taken != own:
        raise Conflict(f"Another customer already has external_ref {ref!r}")


async def _check_authority(
    session: AsyncSession, roles: frozenset[Role] | None, currency: str, changed: dict[str, Any]
) -> None:
    """Credit limit, risk tier and terms only within the caller's authority (403).

    ``roles`` None: a trusted internal caller (imports, seeding), not an API client.
    """
    if roles is not None:
        await check_credit_fields(session, roles, currency, changed)


async def create_customer(
    session: AsyncSession, data: CustomerCreate, roles: frozenset[Role] | None = None
) -> Customer:
    """Add a customer; ``customer.created`` is emitted with it."""
    values = _checked(_plain(msgspec.structs.asdict(data)))
    credit = {k: values[k] for k in CREDIT_FIELDS if values.get(k) is not None}
    await _check_authority(session, roles, values["currency"], credit)
    await _ensure_ref_free(session, values["external_ref"], None)
    customer = Customer(**values)
    session.add(customer)
    await session.flush()
    _emit(session, "customer.created", customer)
    return customer


async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer:
    return await fetch_one(session, Customer, customer_id, "customer")


async def update_customer(
    session: AsyncSession,
    customer_id: uuid.UUID,
    data: CustomerUpdate,
    if_match: str | None,
    roles: frozenset[Role] | None = None,
) -> Customer:
    """Change the given fields of a customer at the version the caller last read."""
    customer = await get_customer(session, customer_id)
    check_if_match(if_match, customer.version)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    current = {c: getattr(customer, c) for c in CustomerCreate.__struct_fields__}
    if isinstance(current["credit_limit"], Decimal):
        current["credit_limit"] = format_amount(current["credit_limit"], customer.currency)
    merged = _checked({**current, **_plain(changes)})
    credit = {
        k: merged[k] for k in CREDIT_FIELDS if k in changes and merged[k] != getattr(customer, k)
    }
    await _check_authority(session, roles, merged["currency"], credit)
    await _ensure_ref_free(session, merged["external_ref"], customer.id)
    for key in changes:
        setattr(customer, key, merged[key])
    if "country" in changes:  # identifiers were re-checked against the new country
        customer.vat_number = merged["vat_number"]
        customer.registration_number = merged["registration_number"]
    await session.flush()
    _emit(session, "customer.updated", customer)
    return customer


async def delete_customer(
    session: AsyncSession, customer_id: uuid.UUID, if_match: str | None
) -> None:
    """Remove a customer that nothing refers to (invoices keep their customer)."""
    customer = await get_customer(session, customer_id)
    check_if_match(if_match, customer.version)
    _emit(session, "customer.deleted", customer)
    await session.delete(customer)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("The customer has invoices and cannot be deleted") from None


async def list_customers(
    session: AsyncSession,
    *,
    external_ref: str | None,
    country: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Customer], str | None]:
    stmt = select(Customer)
    if external_ref is not None:
        stmt = stmt.where(Customer.external_ref == external_ref)
    if country is not None:
        stmt = stmt.where(Customer.country == country)
    return await fetch_page(session, stmt, Customer, cursor, limit)
