"""The event catalogue lists every event type the code emits, and the OpenAPI shows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import arplatform
from arplatform.db.base import new_id
from arplatform.events.catalogue import UnknownEventType
from arplatform.events.service import emit, emit_many
from arplatform.webhooks.catalogue import CATALOGUE, openapi_webhooks

SRC = Path(arplatform.__file__).parent
#: ``emit(session, "invoice.paid"`` and the domains' wrappers around it.
EMITTED = re.compile(
    r"\b(?:emit|_emit|_announce|emit_many)\(\s*session,\s*\"([a-z_]+\.[a-z_]+)\"", re.MULTILINE
)


def _emitted_types() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        if "emit" not in text:
            continue
        found.update(EMITTED.findall(text))  # ``\s*`` also spans line breaks
    return found


def test_every_emitted_type_is_in_the_catalogue() -> None:
    listed = {event.name for event in CATALOGUE}
    emitted = _emitted_types()
    assert len(emitted) > 15
    assert emitted - listed == set()


def test_openapi_lists_the_catalogue() -> None:
    hooks = openapi_webhooks()
    assert set(hooks) == {event.name for event in CATALOGUE}
    body = hooks["invoice.paid"].post.request_body  # type: ignore[union-attr]
    assert body is not None


async def test_emit_refuses_an_uncatalogued_type() -> None:
    """The runtime check covers types built at run time (``f"alert.{status}"``)."""
    with pytest.raises(UnknownEventType, match="catalogue"):
        emit(None, "alert.snoozed", resource_type="alert", resource_id=new_id(),  # type: ignore[arg-type]
             resource_version=1, data={})  # fmt: skip
    with pytest.raises(UnknownEventType):
        await emit_many(None, "fx_rate.guessed", "fx_rate", [(new_id(), 1, {})])  # type: ignore[arg-type]


def test_the_credit_types_built_at_run_time_are_catalogued() -> None:
    listed = {event.name for event in CATALOGUE}
    for resource in ("country_risk", "fx_rate", "commitment"):
        assert {f"{resource}.{verb}" for verb in ("created", "updated", "deleted")} <= listed
    assert {"alert.acknowledged", "alert.resolved"} <= listed
