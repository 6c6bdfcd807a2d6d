"""The OAuth 2.0 client-credentials token endpoint."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body

from arplatform.api.conventions import api_post
from arplatform.auth.service import authenticate_client
from arplatform.auth.tokens import issue_token
from arplatform.db.session import Database
from arplatform.settings import Settings

Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    grant_type: Literal["client_credentials"]
    client_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None
    client_secret: Secret | None = None
    scope: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class TokenResponse(msgspec.Struct, frozen=True):
    access_token: str
    token_type: str
    expires_in: int


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


@api_post("/v1/auth/token", roles=None, errors=[401], status_code=200, tags=["auth"])
async def token(
    request: Request[Any, Any, Any],
    data: Annotated[TokenRequest, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> TokenResponse:
    """Exchange client credentials (form fields or HTTP Basic) for a bearer access token."""
    credentials = _basic_credentials(request.headers.get("authorization"))
    if credentials is None and data.client_id and data.client_secret:
        credentials = (data.client_id, data.client_secret)
    if credentials is None:
        raise NotAuthorizedException("Client credentials are required")
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    principal = await authenticate_client(db, *credentials)
    if principal is None:
        raise NotAuthorizedException("Unknown client or wrong secret")
    return TokenResponse(
        access_token=issue_token(settings, principal),
        token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
        expires_in=settings.token_ttl_seconds,
    )
