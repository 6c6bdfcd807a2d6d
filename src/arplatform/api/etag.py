"""Versions as ETags, and ``If-Match`` checks against them."""

from __future__ import annotations

from typing import TypeVar

from litestar import Response

from arplatform.api.problems import PreconditionFailed

T = TypeVar("T")


def etag_of(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, current_version: int) -> None:
    """Refuse (412) a change whose ``If-Match`` names another version than the current one."""
    if if_match is None:
        return
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in candidates or etag_of(current_version) in candidates:
        return
    raise PreconditionFailed(
        f"If-Match {if_match} does not match the current version {etag_of(current_version)}"
    )


def versioned_response(
    body: T, version: int, *, location: str | None = None, status_code: int = 200
) -> Response[T]:
    """``body`` with its ``ETag``, and ``Location`` for a resource just created."""
    headers = {"ETag": etag_of(version)}
    if location is not None:
        headers["Location"] = location
    return Response(body, status_code=status_code, headers=headers)
