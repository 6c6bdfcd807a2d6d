"""Operations: probes, metrics, request ids and structured logs."""

from __future__ import annotations

import io
import json
import logging

import structlog

from arplatform.ops.logging import configure_logging
from tests.support import CUSTOMER, Api


def test_health_and_readiness(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": True, "broker": True}


def test_metrics_count_requests_by_route_template(api: Api) -> None:
    tenant = api.new_tenant()
    created = api.client.post("/v1/customers", json=CUSTOMER, headers=tenant.headers()).json()
    api.client.get(f"/v1/customers/{created['id']}", headers=tenant.headers())
    metrics = api.client.get("/metrics")
    assert metrics.status_code == 200
    assert 'path="/v1/customers/{customer_id}"' in metrics.text
    assert created["id"] not in metrics.text  # ids never become label values


def test_request_id_is_echoed_or_made(api: Api) -> None:
    given = api.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = api.client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


def test_logs_are_json_with_request_and_tenant_ids(api: Api) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging(json=True, level="INFO", stream=stream)
    try:
        tenant = api.new_tenant()
        api.client.get("/v1/customers", headers={**tenant.headers(), "X-Request-ID": "req-42"})
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        structlog.reset_defaults()
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [r for r in records if r.get("event") == "request" and r.get("request_id") == "req-42"]
    assert len(access) == 1
    assert access[0]["tenant_id"] == str(tenant.tenant_id)
    assert access[0]["status"] == 200 and access[0]["path"] == "/v1/customers"
    assert access[0]["level"] == "info" and "timestamp" in access[0]


def test_options_lists_every_method_of_the_path(api: Api) -> None:
    allow = api.client.options("/v1/customers").headers["allow"]
    assert {m.strip() for m in allow.split(",")} == {"GET", "POST", "OPTIONS"}
    item = api.client.options("/v1/customers/01a21a27-7511-75ef-9447-f0c1837b2ea8")
    assert {m.strip() for m in item.headers["allow"].split(",")} == {
        "GET",
        "PATCH",
        "DELETE",
        "OPTIONS",
    }
