"""schemathesis hooks (``hooks`` in ``schemathesis.toml``): fuzz with ids that exist.

Without them every ``{customer_id}`` is a random UUID and the fuzzer only ever
sees 404. The seeds file (``ARP_ST_SEEDS``, written by ``tests/api/live.py``)
lists tenant A's objects per path parameter name; they become the parameters'
examples (examples phase) and are mixed into generated path parameters and
body ids (coverage, fuzzing and stateful phases). Only values that are already
valid UUIDs are swapped, so a deliberately invalid (negative) case stays
invalid.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import strategies as st

_path = os.environ.get("ARP_ST_SEEDS")
_FILE: dict[str, Any] = json.loads(Path(_path).read_text()) if _path else {}
SEEDS: dict[str, list[str]] = _FILE.get("ids", {})
#: Tenant A's admin client, so that the token endpoint is exercised with credentials that work.
CREDENTIALS: dict[str, str] = _FILE.get("credentials", {})
TOKEN_PATH = "/v1/auth/token"
#: Request body fields that name another resource, by the path parameter that names it.
BODY_IDS = {"customer_id": "customer_id"}


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    """Seeded ids as examples of the path parameters and body fields that take them.

    The token endpoint gets a working client-credentials example; without it
    every request there is a 401 and ``missing_auth`` fails the run.
    """
    token = raw_schema.get("paths", {}).get(TOKEN_PATH, {}).get("post")
    if token and CREDENTIALS:
        for media in token.get("requestBody", {}).get("content", {}).values():
            media["example"] = {"grant_type": "client_credentials", **CREDENTIALS}
    for item in raw_schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter.get("name") in SEEDS:
                    parameter["example"] = SEEDS[parameter["name"]][0]
    for component in raw_schema.get("components", {}).get("schemas", {}).values():
        for name, prop in (component.get("properties") or {}).items():
            seeds = SEEDS.get(BODY_IDS.get(name, ""))
            if seeds and prop.get("format") == "uuid":
                prop["examples"] = [seeds[0]]


def _mix(values: dict[str, Any], names: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    swappable = {
        key: names[key] for key, value in values.items() if key in names and _is_uuid(value)
    }
    swappable = {key: seed for key, seed in swappable.items() if SEEDS.get(seed)}
    if not swappable:
        return st.just(values)
    seeded = st.fixed_dictionaries(
        {key: st.sampled_from(SEEDS[seed]) for key, seed in swappable.items()}
    ).map(lambda chosen: {**values, **chosen})
    return st.one_of(st.just(values), seeded)


@schemathesis.hook
def flatmap_path_parameters(
    context: Any, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[Any]:
    if not path_parameters:
        return st.just(path_parameters)
    return _mix(path_parameters, {name: name for name in SEEDS})


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict):
        return st.just(body)
    return _mix(body, BODY_IDS)
