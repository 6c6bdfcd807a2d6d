"""The committed OpenAPI document is the one the app generates, and it documents errors uniformly.

Rules held here:
- ``openapi/openapi.json`` equals ``render_openapi(settings)`` byte for byte
  (regenerate with ``.venv/bin/arplatform openapi``);
- the document is OpenAPI 3.1.x;
- every operation documents 400, 401 and 403 (unless public: ``security: [{}]``),
  and every 4xx it documents is ``application/problem+json`` with the
  ``Problem`` schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arplatform.api.openapi import render_openapi
from arplatform.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "openapi" / "openapi.json"
PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture(scope="module")
def generated(sqlite_settings: Settings) -> str:
    return render_openapi(sqlite_settings)


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    ]


def test_committed_document_is_current(generated: str) -> None:
    """The committed document equals what the app generates."""
    assert COMMITTED.exists(), "run `.venv/bin/arplatform openapi`"
    assert COMMITTED.read_text() == generated, "stale: run `.venv/bin/arplatform openapi`"


def test_document_is_openapi_3_1(generated: str) -> None:
    assert json.loads(generated)["openapi"].startswith("3.1.")


def test_every_operation_documents_its_errors_as_problems(generated: str) -> None:
    """400 everywhere, 401/403 unless public, each 4xx as problem+json with the Problem schema."""
    document = json.loads(generated)
    assert PROBLEM_REF.rsplit("/", 1)[-1] in document["components"]["schemas"]
    missing = []
    for label, operation in _operations(document):
        responses = operation["responses"]
        public = operation.get("security") == [{}]
        for status in ("400",) if public else ("400", "401", "403"):
            if status not in responses:
                missing.append(f"{label}: no {status}")
        for status, response in responses.items():
            if not status.startswith("4"):
                continue
            content = response.get("content", {})
            schema = content.get("application/problem+json", {}).get("schema", {})
            if set(content) != {"application/problem+json"} or schema.get("$ref") != PROBLEM_REF:
                missing.append(f"{label}: {status} is not a Problem")
    assert not missing, "\n".join(missing)
