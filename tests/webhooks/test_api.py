"""The webhook-endpoints API on SQLite and PostgreSQL: secrets once, guard, ETags, roles,
test pings, replays and the delivery log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from arplatform.auth.tokens import Role
from tests.support import CUSTOMER, Api
from tests.webhooks.test_ssrf import REFUSED_AT_REGISTRATION

URL = "https://erp.example.com/hooks/arp"
BASE = "/v1/webhook-endpoints"


def _create(api: Api, headers: dict[str, str], **extra: object) -> dict[str, object]:
    body = {"url": URL, "event_types": ["invoice.*", "customer.created"], **extra}
    response = api.client.post(BASE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith(str(response.json()["id"]))
    return response.json()  # type: ignore[no-any-return]


def test_secret_is_shown_at_creation_and_rotation_only(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers()
    created = _create(api, headers, description="ERP")
    assert str(created["secret"]).startswith("whsec_")
    path = f"{BASE}/{created['id']}"
    read = api.client.get(path, headers=headers)
    assert read.status_code == 200 and "secret" not in read.json()
    assert read.headers["etag"] == '"1"'
    listed = api.client.get(BASE, headers=headers).json()
    assert [e["id"] for e in listed["data"]] == [created["id"]] and "secret" not in listed["data"][
        0
    ]
    rotated = api.client.post(f"{path}/rotate-secret", headers={**headers, "If-Match": '"1"'})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] not in (created["secret"], None)
    assert rotated.json()["previous_secret_expires_at"] is not None
    stale = api.client.post(f"{path}/rotate-secret", headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 412


def test_update_and_delete_honour_if_match(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers()
    path = f"{BASE}/{_create(api, headers)['id']}"
    patched = api.client.patch(
        path,
        json={"event_types": ["payment.*"], "enabled": False},
        headers={**headers, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["event_types"], patched.json()["enabled"]) == (["payment.*"], False)
    assert (
        api.client.patch(
            path, json={"enabled": True}, headers={**headers, "If-Match": '"1"'}
        ).status_code
        == 412
    )
    assert api.client.post(f"{path}/test", headers=headers).status_code == 409  # disabled
    assert api.client.delete(path, headers={**headers, "If-Match": '"2"'}).status_code == 204
    assert api.client.get(path, headers=headers).status_code == 404


@pytest.mark.parametrize(
    "url", [*REFUSED_AT_REGISTRATION[:12], "file:///etc/passwd", "https://localhost/x"]
)
def test_unsafe_urls_are_refused_and_nothing_is_stored(api: Api, url: str) -> None:
    tenant = api.new_tenant()
    response = api.client.post(
        BASE, json={"url": url, "event_types": ["*"]}, headers=tenant.headers()
    )
    assert response.status_code in (400, 422), response.text
    assert api.client.get(BASE, headers=tenant.headers()).json()["data"] == []


def test_bad_bodies_are_refused(api: Api) -> None:
    headers = api.new_tenant().headers()
    for body in (
        {"url": URL, "event_types": []},
        {"url": URL, "event_types": ["Invoice.Paid"]},
        {"url": URL, "event_types": ["*"], "secret": "whsec_mine"},
    ):
        assert api.client.post(BASE, json=body, headers=headers).status_code == 400, body


def test_roles(api: Api) -> None:
    tenant = api.new_tenant()
    endpoint = _create(api, tenant.headers())
    manager, viewer = tenant.headers(Role.CREDIT_MANAGER), tenant.headers(Role.VIEWER)
    assert api.client.get(BASE, headers=manager).status_code == 200
    assert api.client.get(BASE, headers=viewer).status_code == 403
    assert (
        api.client.post(BASE, json={"url": URL, "event_types": ["*"]}, headers=manager).status_code
        == 403
    )
    assert api.client.post(f"{BASE}/{endpoint['id']}/test", headers=manager).status_code == 403


def test_ping_replay_and_the_log(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers()
    path = f"{BASE}/{_create(api, headers)['id']}"
    ping = api.client.post(f"{path}/test", headers={**headers, "Idempotency-Key": "ping-1"})
    assert ping.status_code == 202, ping.text
    assert (ping.json()["event_type"], ping.json()["status"]) == ("webhook.ping", "pending")
    again = api.client.post(f"{path}/test", headers={**headers, "Idempotency-Key": "ping-1"})
    assert again.json()["id"] == ping.json()["id"]
    api.client.post("/v1/customers", json=CUSTOMER, headers=headers)
    events = api.client.get("/v1/events", headers=headers).json()["data"]
    created = next(e for e in events if e["type"] == "customer.created")
    one = api.client.post(f"{path}/replay", json={"event_id": created["id"]}, headers=headers)
    assert one.status_code == 202 and one.json() == {"scheduled": 1}
    window = {"since": "2026-01-01T00:00:00Z", "until": "2026-01-31T00:00:00Z"}
    assert api.client.post(f"{path}/replay", json=window, headers=headers).json() == {
        "scheduled": 0
    }
    wide = {"since": "2026-01-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"}
    assert api.client.post(f"{path}/replay", json=wide, headers=headers).status_code == 422
    assert api.client.post(f"{path}/replay", json={}, headers=headers).status_code == 422
    log = api.client.get(f"{path}/deliveries", headers=headers)
    assert log.status_code == 200 and log.json() == {"data": [], "next_cursor": None}


def test_a_range_replay_schedules_only_the_subscribed_types(api: Api) -> None:
    tenant = api.new_tenant()
    headers = tenant.headers()
    path = f"{BASE}/{_create(api, headers)['id']}"  # invoice.*, customer.created
    for number in range(2):
        customer = {**CUSTOMER, "legal_name": f"Replay {number} GmbH"}
        created = api.client.post("/v1/customers", json=customer, headers=headers)
        assert created.status_code == 201, created.text
    events = api.client.get("/v1/events", headers=headers).json()["data"]
    assert {e["type"] for e in events} >= {"customer.created", "webhook_endpoint.created"}
    since = min(e["occurred_at"] for e in events)
    window = {"since": since, "until": datetime.now(UTC).isoformat()}
    replayed = api.client.post(f"{path}/replay", json=window, headers=headers)
    assert replayed.status_code == 202 and replayed.json() == {"scheduled": 2}
