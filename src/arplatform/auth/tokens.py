"""Access tokens: PyJWT with a pinned algorithm, required claims and key ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

from arplatform.settings import Settings

ALGORITHM = "HS256"
# RFC 9068: access tokens are typed, so that another kind of JWT is not accepted.
TOKEN_TYPE = "at+jwt"  # noqa: S105
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "tid", "roles"]


class Role(StrEnum):
    ADMIN = "admin"
    CREDIT_MANAGER = "credit_manager"
    COLLECTOR = "collector"
    VIEWER = "viewer"


class InvalidToken(Exception):
    """The bearer token is not one this platform issued, or no longer valid."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who calls: an API client of one tenant with its roles."""

    tenant_id: uuid.UUID
    client_id: str
    roles: frozenset[Role]

    @property
    def actor(self) -> str:
        return f"client:{self.client_id}"


def issue_token(settings: Settings, principal: Principal, now: datetime | None = None) -> str:
    """A signed access token for ``principal``, valid for the configured lifetime."""
    now = now or datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": principal.client_id,
        "tid": str(principal.tenant_id),
        "roles": sorted(principal.roles),
        "iat": now,
        "exp": now + timedelta(seconds=settings.token_ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    kid = settings.jwt_active_kid
    return jwt.encode(
        claims,
        settings.jwt_keys[kid],
        algorithm=ALGORITHM,
        headers={"kid": kid, "typ": TOKEN_TYPE},
    )


def verify_token(settings: Settings, token: str) -> Principal:
    """The principal of a valid token; :class:`InvalidToken` for anything else."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("typ") != TOKEN_TYPE:
            raise InvalidToken("wrong token type")
        key = settings.jwt_keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("unknown key id")
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True},
        )
        return Principal(
            tenant_id=uuid.UUID(claims["tid"]),
            client_id=str(claims["sub"]),
            roles=frozenset(Role(role) for role in claims["roles"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(str(exc)) from exc
