"""API client endpoints for a tenant's admins: create (secret shown once), list, revoke."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar

import msgspec
from litestar import Controller, Response
from litestar.params import FromPath, JSONBody

from arplatform.api.conventions import DbSession, IdempotencyKey, api_get, api_post
from arplatform.api.pagination import Cursor, Limit
from arplatform.api.types import Name, StrictStruct
from arplatform.auth import service
from arplatform.auth.models import ApiClient
from arplatform.auth.tokens import Role

ADMINS = {Role.ADMIN}


class ApiClientCreate(StrictStruct):
    name: Name
    roles: Annotated[list[Role], msgspec.Meta(min_length=1, max_length=4)]


class ApiClientOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    client_id: str
    name: str
    roles: list[str]
    created_at: datetime
    revoked_at: datetime | None


class ApiClientCreated(msgspec.Struct, frozen=True, kw_only=True):
    """The new client; ``client_secret`` appears in this response only.

    A replay under the same ``Idempotency-Key`` returns ``client_secret: null``:
    the secret is never stored, so it cannot be shown twice.
    """

    __not_replayed__: ClassVar[tuple[str, ...]] = ("client_secret",)

    id: uuid.UUID
    client_id: str
    client_secret: str | None
    name: str
    roles: list[str]


class ApiClientPage(msgspec.Struct, frozen=True):
    """One page of API clients; ``next_cursor`` is null on the last page."""

    data: list[ApiClientOut]
    next_cursor: str | None


def _out(client: ApiClient) -> ApiClientOut:
    return ApiClientOut(
        id=client.id,
        client_id=client.public_id,
        name=client.name,
        roles=list(client.roles),
        created_at=client.created_at,
        revoked_at=client.revoked_at,
    )


class ApiClientController(Controller):
    path = "/v1/api-clients"
    tags = ["auth"]

    @api_post("/", roles=ADMINS, errors=[409, 422], idempotent=True, status_code=201)
    async def create_api_client(
        self,
        session: DbSession,
        data: JSONBody[ApiClientCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ApiClientCreated]:
        """Create a machine client with the given roles; store the secret, it is shown once."""
        tenant_id = session.info["tenant_id"]
        issued = await service.add_client(session, tenant_id, data.name, data.roles)
        own_id = uuid.UUID(hex=issued.client_id[32:])
        body = ApiClientCreated(
            id=own_id,
            client_id=issued.client_id,
            client_secret=issued.client_secret,
            name=data.name,
            roles=[str(r) for r in issued.roles],
        )
        return Response(body, status_code=201, headers={"Location": f"/v1/api-clients/{own_id}"})

    @api_get("/", roles=ADMINS)
    async def list_api_clients(
        self, session: DbSession, limit: Limit = 50, cursor: Cursor = None
    ) -> ApiClientPage:
        """The tenant's API clients, revoked ones included."""
        kept, next_cursor = await service.list_clients(session, cursor=cursor, limit=limit)
        return ApiClientPage(data=[_out(c) for c in kept], next_cursor=next_cursor)

    @api_get("/{api_client_id:uuid}", roles=ADMINS)
    async def get_api_client(
        self, session: DbSession, api_client_id: FromPath[uuid.UUID]
    ) -> ApiClientOut:
        """One API client (never its secret)."""
        return _out(await service.get_client(session, api_client_id))

    @api_post("/{api_client_id:uuid}/revoke", roles=ADMINS, status_code=200)
    async def revoke_api_client(
        self, session: DbSession, api_client_id: FromPath[uuid.UUID]
    ) -> ApiClientOut:
        """Revoke a client: it gets no new tokens; tokens already issued expire within the hour.

        Revoked clients stay listed, for the audit trail; revoking twice changes nothing.
        """
        return _out(await service.revoke_client(session, api_client_id))
