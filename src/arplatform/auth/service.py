"""Tenants, API clients and the client-credentials exchange."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.auth.models import ApiClient
from arplatform.auth.tokens import Principal, Role
from arplatform.db.base import new_id, utcnow
from arplatform.db.session import Database
from arplatform.dunning.plans import ensure_defaults
from arplatform.events.service import emit
from arplatform.tenants.models import Tenant

SECRET_PREFIX = "arps_"  # noqa: S105 - a marker that makes leaked secrets greppable


@dataclass(frozen=True, slots=True)
class IssuedClient:
    """A new client with its secret, which is shown this once and never stored."""

    tenant_id: uuid.UUID
    client_id: str
    client_secret: str
    roles: tuple[Role, ...]


def _hash_secret(secret: str) -> str:
    # Client secrets are 256-bit random strings, not passwords: a plain digest
    # resists guessing and keeps the token endpoint fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def _emit(session: AsyncSession, event_type: str, client: ApiClient) -> None:
    emit(
        session,
        event_type,
        resource_type="api_client",
        resource_id=client.id,
        resource_version=None,
        data={"client_id": client.public_id, "name": client.name, "roles": list(client.roles)},
    )


def parse_client_id(client_id: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    if len(client_id) != 64:
        return None
    try:
        return uuid.UUID(hex=client_id[:32]), uuid.UUID(hex=client_id[32:])
    except ValueError:
        return None


async def add_client(
    session: AsyncSession, tenant_id: uuid.UUID, name: str, roles: Iterable[Role]
) -> IssuedClient:
    """Create an API client of ``tenant_id`` in the caller's unit of work."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    role_list = sorted(set(roles))
    client = ApiClient(
        tenant_id=tenant_id, name=name, roles=list(role_list), secret_hash=_hash_secret(secret)
    )
    session.add(client)
    await session.flush()
    _emit(session, "api_client.created", client)
    return IssuedClient(tenant_id, client.public_id, secret, tuple(role_list))


async def list_clients(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[ApiClient], str | None]:
    """The tenant's API clients, revoked ones included."""
    return await fetch_page(session, select(ApiClient), ApiClient, cursor, limit)


async def get_client(session: AsyncSession, client_id: uuid.UUID) -> ApiClient:
    return await fetch_one(session, ApiClient, client_id, "API client")


async def revoke_client(session: AsyncSession, client_id: uuid.UUID) -> ApiClient:
    """Revoke a client once: no new tokens; issued ones run out with their expiry."""
    client = await get_client(session, client_id)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        await session.flush()
        _emit(session, "api_client.revoked", client)
    return client


async def create_tenant(
    db: Database,
    *,
    name: str,
    country: str,
    currency: str,
    timezone: str = "UTC",
    contact_email: str | None = None,
) -> IssuedClient:
    """Create a tenant and its first ``admin`` client, in one transaction."""
    tenant = Tenant(
        id=new_id(),
        name=name,
        country=country,
        currency=currency,
        timezone=timezone,
        contact_email=contact_email,
    )
    async with db.session(tenant.id, actor="platform") as session, session.begin():
        session.add(tenant)
        await session.flush()
        await ensure_defaults(session)
        return await add_client(session, tenant.id, f"{name} admin", [Role.ADMIN])


async def create_client(
    db: Database, tenant_id: uuid.UUID, *, name: str, roles: Iterable[Role]
) -> IssuedClient:
    """Create another client of an existing tenant."""
    async with db.session(tenant_id, actor="platform") as session, session.begin():
        if await session.get(Tenant, tenant_id) is None:
            raise LookupError(f"no tenant {tenant_id}")
        return await add_client(session, tenant_id, name, roles)


async def authenticate_client(db: Database, client_id: str, secret: str) -> Principal | None:
    """The principal of a valid, unrevoked client; ``None`` for anything else."""
    ids = parse_client_id(client_id)
    presented = _hash_secret(secret)
    if ids is None:
        return None
    tenant_id, own_id = ids
    async with db.session(tenant_id) as session, session.begin():
        client = await session.scalar(select(ApiClient).where(ApiClient.id == own_id))
    if client is None or client.revoked_at is not None:
        return None
    if not hmac.compare_digest(client.secret_hash, presented):
        return None
    return Principal(tenant_id, client.public_id, frozenset(Role(r) for r in client.roles))
