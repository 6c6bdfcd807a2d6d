"""Route decorators that apply the API conventions in one place.

Each operation names the roles allowed to call it (deny by default), and gets
its error responses documented as problem+json, its security requirement, and
the ``Idempotency-Key`` / ``If-Match`` headers where they apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Annotated, Any

from litestar import delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import PROBLEM_MEDIA_TYPE, Problem
from arplatform.auth.tokens import Role

ALL_ROLES = frozenset(Role)
#: The request's unit-of-work session, injected into handlers.
DbSession = NamedDependency[AsyncSession]
BEARER = "bearer"

_ERROR_DESCRIPTIONS = {
    400: "The request is malformed or fails the schema",
    401: "Missing, invalid or expired bearer token",
    403: "The token's roles do not allow this operation",
    404: "No such resource in this tenant",
    409: "Conflicts with the current state, or a request with this idempotency key is in flight",
    412: "If-Match does not match the current version",
    413: "The request body is too large",
    422: "Input that breaks a business rule, or an idempotency key reused with another body",
}

#: Declared by creating POST handlers as ``idempotency_key: IdempotencyKey = None``;
#: the idempotency hook reads the header itself.
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Repeat a create safely: the same key and body return the stored response",
    ),
]
#: Declared by PATCH and DELETE handlers as ``if_match: IfMatch = None``.
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        min_length=1,
        max_length=64,
        description="The ETag last read; the change is refused with 412 when it is stale",
    ),
]
ETAG_HEADER = ResponseHeader(
    name="ETag", description="The resource version", documentation_only=True
)


def problem_responses(codes: Iterable[int]) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=_ERROR_DESCRIPTIONS.get(code, HTTPStatus(code).phrase),
            generate_examples=False,
        )
        for code in sorted(set(codes))
    }


def _operation(
    method: str,
    path: str,
    *,
    roles: Iterable[Role] | None,
    errors: Iterable[int],
    idempotent: bool = False,
    conditional: bool = False,
    etag: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    public = roles is None
    codes = {400, *errors}
    if not public:
        codes |= {401, 403}
    if "{" in path:
        codes.add(404)
    if method in {"POST", "PATCH"}:
        codes.add(413)
    if idempotent:
        codes |= {409, 422}
    if conditional:
        codes.add(412)
    responses: dict[int, ResponseSpec] = {**problem_responses(codes), **kwargs.pop("responses", {})}
    return {
        "path": path,
        "opt": {"roles": None if public else frozenset(roles or ()), "idempotent": idempotent},
        "responses": responses,
        "security": [{}] if public else [{BEARER: []}],
        "response_headers": [ETAG_HEADER] if etag else None,
        **kwargs,
    }


def api_get(
    path: str, *, roles: Iterable[Role] | None, errors: Iterable[int] = (), **kw: Any
) -> Callable[..., Any]:
    return get(**_operation("GET", path, roles=roles, errors=errors, **kw))


def api_post(
    path: str, *, roles: Iterable[Role] | None, errors: Iterable[int] = (), **kw: Any
) -> Callable[..., Any]:
    return post(**_operation("POST", path, roles=roles, errors=errors, **kw))


def api_patch(
    path: str, *, roles: Iterable[Role], errors: Iterable[int] = (), **kw: Any
) -> Callable[..., Any]:
    kw.setdefault("conditional", True)
    return patch(**_operation("PATCH", path, roles=roles, errors=errors, **kw))


def api_delete(
    path: str, *, roles: Iterable[Role], errors: Iterable[int] = (), **kw: Any
) -> Callable[..., Any]:
    kw.setdefault("conditional", True)
    return delete(**_operation("DELETE", path, roles=roles, errors=errors, **kw))
