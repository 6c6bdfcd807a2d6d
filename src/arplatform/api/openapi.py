"""Final touches to the generated OpenAPI document, so it says what the API enforces."""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar

from arplatform.api.types import StrictStruct
from arplatform.settings import Settings


def _strict_struct_names() -> set[str]:
    names: set[str] = set()
    pending: list[type[Any]] = [StrictStruct]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return names


def finalize_openapi(app: Litestar) -> None:
    """Mark strict request bodies as ``additionalProperties: false``.

    msgspec refuses unknown fields at run time, but the generated schema does
    not say so; a client (or a fuzzer) must be able to read the rule.
    """
    schema = app.openapi_schema
    components = schema.components.schemas or {}
    strict = _strict_struct_names()
    for name, component in components.items():
        if name.split("_")[-1] in strict or name in strict:
            component.additional_properties = False


def render_openapi(settings: Settings) -> str:
    """The OpenAPI document as committed in ``openapi/openapi.json``."""
    from arplatform.app import create_app

    app = create_app(settings, run_embedded_jobs=False)
    finalize_openapi(app)
    document = app.openapi_schema.to_schema()
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
