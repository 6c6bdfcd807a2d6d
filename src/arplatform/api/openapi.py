"""Final touches to the generated OpenAPI document, so it says what the API enforces."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.spec import Schema

from arplatform.settings import Settings
from arplatform.webhooks.catalogue import openapi_webhooks


def _strict_structs() -> dict[str, type[Any]]:
    """Every request struct that refuses unknown fields (``StrictStruct`` or not), by name."""
    found: dict[str, type[Any]] = {}
    pending: list[type[Any]] = [msgspec.Struct]
    while pending:
        cls = pending.pop()
        if getattr(cls, "__struct_config__", None) and cls.__struct_config__.forbid_unknown_fields:
            found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


#: JSON schema bounds, and the attribute of Litestar's ``Schema`` that carries each.
_BOUNDS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_items",
    "maxItems": "max_items",
    "pattern": "pattern",
}


def _restore_bounds(component: Schema, struct: type[Any]) -> None:
    """Give each property the bounds msgspec enforces but Litestar left out.

    Litestar drops a falsy bound (``ge=0``) of an optional field (``int | UnsetType``).
    """
    _, definitions = msgspec.json.schema_components([struct])
    enforced = definitions[struct.__name__].get("properties", {})
    for name, prop in (component.properties or {}).items():
        expected = enforced.get(name, {})
        branches = [b for b in expected.get("anyOf", [expected]) if b.get("type") != "null"]
        if not isinstance(prop, Schema) or len(branches) != 1:
            continue
        for keyword, attribute in _BOUNDS.items():
            if keyword in branches[0] and getattr(prop, attribute) is None:
                setattr(prop, attribute, branches[0][keyword])


def finalize_openapi(app: Litestar) -> None:
    """Mark strict request bodies as ``additionalProperties: false``, with their bounds.

    msgspec refuses unknown fields at run time, but the generated schema does
    not say so; a client (or a fuzzer) must be able to read the rule. The same
    holds for bounds Litestar leaves out.
    """
    schema = app.openapi_schema
    components = schema.components.schemas or {}
    strict = _strict_structs()
    for name, component in components.items():
        struct = strict.get(name) or strict.get(name.split("_")[-1])
        if struct is not None:
            component.additional_properties = False
            _restore_bounds(component, struct)
    schema.webhooks = openapi_webhooks()  # type: ignore[assignment]


def render_openapi(settings: Settings) -> str:
    """The OpenAPI document as committed in ``openapi/openapi.json``."""
    from arplatform.app import create_app

    app = create_app(settings, run_embedded_jobs=False)
    finalize_openapi(app)
    document = app.openapi_schema.to_schema()
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
