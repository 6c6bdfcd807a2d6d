"""A bureau plugin that raises anything, anywhere, costs only its own answer: never a 500.

Each provider class below is the Creditsafe client (against a stand-in server) with
one step replaced by a ``RuntimeError``. Faults of the stand-in's search endpoint
and malformed reports count against the daily spend cap like any ordered report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from arplatform_credit_bureau_creditsafe.standin import CreditsafeStandin
from litestar.testing import TestClient

from arplatform.app import create_app
from arplatform.auth.tokens import Role
from arplatform.credit import bureau
from arplatform.credit.jobs import monitor_tenant
from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.credit_bureau import CompanyRef, CreditBureau, MonitoringAlert
from arplatform.settings import Settings
from tests.credit.assessment.helpers import assess, creditsafe, customer, post
from tests.credit.assessment.test_monitoring import MonitoringBureau
from tests.credit.assessment.test_reviews import _run
from tests.support import Api, TenantHandle


class Defect(RuntimeError):
    pass


class BrokenSearch(MonitoringBureau):
    key: ClassVar[str] = "broken_search"

    async def search_company(self, query: Any) -> Any:
        raise Defect("search")


class BrokenFetch(MonitoringBureau):
    key: ClassVar[str] = "broken_fetch"

    async def fetch_report(self, ref: CompanyRef) -> Any:
        raise Defect("fetch")


class BrokenClose(MonitoringBureau):
    key: ClassVar[str] = "broken_close"

    async def aclose(self) -> None:
        await super().aclose()
        raise Defect("aclose")


class BrokenWatch(MonitoringBureau):
    key: ClassVar[str] = "broken_watch"

    async def start_monitoring(self, ref: CompanyRef) -> None:
        raise Defect("start_monitoring")

    async def poll_alerts(self, since: dt.datetime) -> list[MonitoringAlert]:
        raise Defect("poll_alerts")


class BrokenPlugin:
    @hookimpl
    def arplatform_register_credit_bureaus(self) -> list[type[CreditBureau]]:
        return [BrokenSearch, BrokenFetch, BrokenClose, BrokenWatch]


@pytest.fixture
def broken_api(sqlite_settings: Settings) -> Iterator[Api]:
    app = create_app(sqlite_settings, plugins=[BrokenPlugin()], run_embedded_jobs=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, sqlite_settings)


@pytest.fixture
def broken_postgres_api(postgres_settings: Settings) -> Iterator[Api]:
    app = create_app(postgres_settings, plugins=[BrokenPlugin()], run_embedded_jobs=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, postgres_settings)


def _bureau(api: Api, tenant: TenantHandle, standin: CreditsafeStandin, provider: str) -> None:
    config = {"base_url": standin.base_url, "timeout_seconds": 1, "max_attempts": 1}
    secrets = {"username": standin.username, "password": standin.password}
    body = {"kind": "credit_bureau", "provider": provider, "config": config, "secrets": secrets}
    post(api, tenant, "/v1/integrations", body)


def _set_policy(api: Api, tenant: TenantHandle, **changes: Any) -> None:
    draft = post(api, tenant, "/v1/credit-policies", {}, Role.CREDIT_MANAGER)
    url = f"/v1/credit-policies/{draft['id']}"
    document = {**draft["document"], **changes}
    api.client.patch(url, json={"document": document}, headers=tenant.headers()).raise_for_status()
    api.client.post(f"{url}/activate", headers=tenant.headers()).raise_for_status()


@pytest.mark.parametrize(
    ("provider", "status"),
    [
        ("broken_search", "manual_review"),
        ("broken_fetch", "manual_review"),
        ("broken_close", "decided"),  # the report was fetched: closing cannot undo it
        ("broken_watch", "decided"),  # stored first; only the alerts are lost
    ],
)
def test_a_plugin_raising_anything_never_gives_a_500(
    broken_api: Api, provider: str, status: str
) -> None:
    api = broken_api
    with CreditsafeStandin() as standin:
        tenant = api.new_tenant()
        _bureau(api, tenant, standin, provider)
        buyer = customer(api, tenant)
        standin.add_company(name=buyer["legal_name"], country="DE")
        decision = assess(api, tenant, buyer["id"])
        assert decision["status"] == status, decision
        assert (decision["report_id"] is not None) == (status == "decided")
        if status == "manual_review":
            assert f"{provider} failed unexpectedly" in decision["reasons"]
            assert not any("Defect" in reason for reason in decision["reasons"])
        _run(api, tenant, monitor_tenant, {})  # a failing poll costs only its alerts


def test_failed_orders_count_against_the_spend_cap(broken_api: Api) -> None:
    api = broken_api
    with CreditsafeStandin() as standin:
        tenant = api.new_tenant()
        _bureau(api, tenant, standin, "broken_watch")
        _set_policy(api, tenant, daily_bureau_spend_cap=1, report_max_age_days=0)
        buyers = [customer(api, tenant) for _ in range(2)]
        for buyer in buyers:
            standin.add_company(name=buyer["legal_name"], country="DE")
        standin.fail_next("malformed", endpoint="report")
        first = assess(api, tenant, buyers[0]["id"])
        assert first["status"] == "manual_review" and standin.report_count() == 1
        second = assess(api, tenant, buyers[1]["id"])  # the malformed order was billed
        assert any("spend cap" in reason for reason in second["reasons"]), second
        assert standin.report_count() == 1


def test_search_faults_give_manual_review(broken_api: Api) -> None:
    api = broken_api
    with CreditsafeStandin() as standin:
        tenant = api.new_tenant()
        _bureau(api, tenant, standin, "broken_watch")
        buyer = customer(api, tenant)
        standin.add_company(name=buyer["legal_name"], country="DE")
        for fault in (500, "malformed", "redirect"):
            standin.fail_next(fault, endpoint="search")
            decision = assess(api, tenant, buyer["id"])
            assert decision["status"] == "manual_review", (fault, decision)
        assert standin.report_count() == 0


@pytest.mark.postgres
def test_a_report_the_database_refuses_fails_its_bureau_not_the_request(
    broken_postgres_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = broken_postgres_api
    # Let a NUL reach the database.
    monkeypatch.setattr(bureau, "contains_nul", lambda _value: False)
    with CreditsafeStandin() as standin, CreditsafeStandin() as backup:
        tenant = api.new_tenant()
        creditsafe(api, tenant, standin, priority=10)
        _bureau(api, tenant, backup, "broken_watch")  # asked only after the first
        buyer = customer(api, tenant)
        connect_id = standin.add_company(name=buyer["legal_name"], country="DE")
        backup.add_company(name=buyer["legal_name"], country="DE")
        basic = standin.reports[connect_id]["companyIdentification"]["basicInformation"]
        basic["legalForm"] = {"description": "GmbH\x00"}
        decision = assess(api, tenant, buyer["id"])
        assert decision["status"] == "manual_review", decision
        assert decision["report_id"] is None
        assert "creditsafe failed (report not stored)" in decision["reasons"], decision
        # The paid report is lost; no other bureau is paid for one in its place.
        assert (standin.report_count(), backup.count("GET", "/companies")) == (1, 0)
