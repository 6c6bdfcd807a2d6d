"""Monitoring: a company whose report was ordered is watched; its alerts raise ``bureau_alert``.

The stand-in Creditsafe serves no monitoring API, so a provider class of this test
(the Creditsafe client plus monitoring kept in memory) plays a monitoring bureau.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import ClassVar

import pytest
from arplatform_credit_bureau_creditsafe.bureau import CreditsafeBureau
from arplatform_credit_bureau_creditsafe.standin import CreditsafeStandin
from litestar.testing import TestClient

from arplatform.app import create_app
from arplatform.credit.jobs import monitor_tenant
from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.credit_bureau import (
    AlertType,
    CompanyRef,
    CreditBureau,
    MonitoringAlert,
)
from arplatform.settings import Settings
from tests.credit.assessment.helpers import assess, customer, post
from tests.credit.assessment.test_reviews import _run
from tests.support import Api

WATCHED: set[str] = set()


class MonitoringBureau(CreditsafeBureau):
    key: ClassVar[str] = "creditsafe_monitoring"
    supports_monitoring: ClassVar[bool] = True

    async def start_monitoring(self, ref: CompanyRef) -> None:
        WATCHED.add(ref.provider_company_id)

    async def stop_monitoring(self, ref: CompanyRef) -> None:
        WATCHED.discard(ref.provider_company_id)

    async def poll_alerts(self, since: dt.datetime) -> list[MonitoringAlert]:
        # Per company a good alert and one with a NUL, which no database should get.
        return [
            MonitoringAlert(
                alert_id=f"{prefix}-{company}",
                ref=CompanyRef(provider_company_id=company, country="DE"),
                type=AlertType.INSOLVENCY,
                occurred_at=dt.datetime.now(dt.UTC),
                summary=summary,
            )
            for company in sorted(WATCHED)
            for prefix, summary in (("N", "Insolvency\x00 opened"), ("A", "Insolvency opened"))
        ]


class MonitoringPlugin:
    @hookimpl
    def arplatform_register_credit_bureaus(self) -> list[type[CreditBureau]]:
        return [MonitoringBureau]


@pytest.fixture(autouse=True)
def _nothing_watched() -> Iterator[None]:
    WATCHED.clear()
    yield
    WATCHED.clear()


@pytest.fixture
def monitoring_api(sqlite_settings: Settings) -> Iterator[Api]:
    app = create_app(sqlite_settings, plugins=[MonitoringPlugin()], run_embedded_jobs=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, sqlite_settings)


def test_a_monitoring_alert_raises_the_bureau_alert_signal(monitoring_api: Api) -> None:
    api = monitoring_api
    with CreditsafeStandin() as standin:
        tenant = api.new_tenant()
        post(
            api,
            tenant,
            "/v1/integrations",
            {
                "kind": "credit_bureau",
                "provider": "creditsafe_monitoring",
                "config": {"base_url": standin.base_url, "timeout_seconds": 1},
                "secrets": {"username": standin.username, "password": standin.password},
            },
        )
        buyer = customer(api, tenant)
        company = standin.add_company(name=buyer["legal_name"], country="DE")
        assert assess(api, tenant, buyer["id"])["status"] == "decided"
        assert company in WATCHED

        _run(api, tenant, monitor_tenant, {})
        _run(api, tenant, monitor_tenant, {})  # polled again: the open alert is not repeated
        alerts = api.client.get(
            "/v1/alerts", params={"signal": "bureau_alert"}, headers=tenant.headers()
        ).json()["data"]
        assert [(a["customer_id"], a["facts"]["alert_id"]) for a in alerts] == [
            (buyer["id"], f"A-{company}")
        ]
