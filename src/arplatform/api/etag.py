"""Versions as ETags, and ``If-Match`` checks against them."""

from __future__ import annotations

from arplatform.api.problems import PreconditionFailed


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
