"""Country ratings over the API and from a provider; alerts raised by hand, listed, filtered."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.auth.tokens import Role
from arplatform.credit.country_risk import rating_of, upsert_country_risk
from tests.credit.watch.helpers import alerts, buyer, in_session
from tests.support import Api


def test_country_ratings_over_the_api_and_from_a_provider(api: Api) -> None:
    tenant = api.new_tenant()
    body = {"country": "AR", "rating": "D", "source": "Insurer grid 2026", "score": 35}
    created = api.client.post("/v1/country-risk", json=body, headers=tenant.headers())
    assert created.status_code == 201, created.text
    again = api.client.post("/v1/country-risk", json=body, headers=tenant.headers())
    assert again.status_code == 409
    refused = api.client.post(
        "/v1/country-risk", json={**body, "rating": "F"}, headers=tenant.headers()
    )
    assert refused.status_code == 400
    path = f"/v1/country-risk/{created.json()['id']}"
    changed = api.client.patch(
        path,
        json={"rating": "C", "score": None},
        headers={**tenant.headers(), "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["rating"], changed.json()["score"]) == ("C", None)
    viewer = api.client.patch(path, json={"rating": "B"}, headers=tenant.headers(Role.VIEWER))
    assert viewer.status_code == 403

    async def provider(session: AsyncSession) -> tuple[str | None, str | None]:
        await upsert_country_risk(session, "AR", "E", source="bureau feed", score=10)
        await upsert_country_risk(session, "TR", "C", source="bureau feed")
        return await rating_of(session, "AR"), await rating_of(session, "TR")

    assert in_session(api, tenant, provider) == ("E", "C")
    listed = api.client.get("/v1/country-risk?rating=E", headers=tenant.headers()).json()
    assert [(r["country"], r["source"]) for r in listed["data"]] == [("AR", "bureau feed")]


def test_an_alert_raised_by_hand_is_listed_and_filtered(api: Api) -> None:
    tenant = api.new_tenant()
    cust, other = buyer(api, tenant), buyer(api, tenant)
    body = {"customer_id": cust, "signal": "bureau_alert", "detail": "Insolvency in the news"}
    created = api.client.post("/v1/alerts", json=body, headers=tenant.headers())
    assert created.status_code == 201, created.text
    alert = created.json()
    assert (alert["status"], alert["signal"], alert["detail"]) == (
        "open",
        "bureau_alert",
        "Insolvency in the news",
    )
    assert alert["facts"]["raised_by"]
    assert alert["actions"] == ["alert", "reassess"]
    twice = api.client.post("/v1/alerts", json=body, headers=tenant.headers())
    assert twice.status_code == 409
    collector = api.client.post("/v1/alerts", json=body, headers=tenant.headers(Role.COLLECTOR))
    assert collector.status_code == 403
    assert [a["id"] for a in alerts(api, tenant, status="open", customer_id=cust)] == [alert["id"]]
    assert alerts(api, tenant, customer_id=other) == []
    assert alerts(api, tenant, signal="concentration") == []
    assert alerts(api, tenant, status="resolved") == []
