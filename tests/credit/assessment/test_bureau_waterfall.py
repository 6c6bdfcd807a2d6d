"""Bureau reports against stand-in Creditsafe servers: waterfall, reuse, spend cap, faults.

Request counts are asserted on the stand-ins. A second provider (``creditsafe_backup``,
the same client under another key) lets the waterfall span two real servers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from arplatform_credit_bureau_creditsafe.bureau import CreditsafeBureau
from arplatform_credit_bureau_creditsafe.standin import CreditsafeStandin
from litestar.testing import TestClient
from sqlalchemy import func, select

from arplatform.app import create_app
from arplatform.auth.tokens import Role
from arplatform.credit.models import CreditReport
from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.credit_bureau import CreditBureau
from arplatform.settings import Settings
from tests.credit.assessment.helpers import assess, customer, history, post
from tests.support import Api, TenantHandle


class BackupBureau(CreditsafeBureau):
    key: ClassVar[str] = "creditsafe_backup"
    display_name: ClassVar[str] = "Creditsafe (second account)"


class BackupPlugin:
    @hookimpl
    def arplatform_register_credit_bureaus(self) -> list[type[CreditBureau]]:
        return [BackupBureau]


@pytest.fixture
def bureau_api(backend_settings: Settings) -> Iterator[Api]:
    app = create_app(backend_settings, plugins=[BackupPlugin()], run_embedded_jobs=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, backend_settings)


@pytest.fixture
def standins() -> Iterator[tuple[CreditsafeStandin, CreditsafeStandin]]:
    with (
        CreditsafeStandin(slow_seconds=2) as first,
        CreditsafeStandin(slow_seconds=2) as second,
    ):
        yield first, second


def _bureau(
    api: Api, tenant: TenantHandle, standin: CreditsafeStandin, provider: str, priority: int
) -> None:
    post(
        api,
        tenant,
        "/v1/integrations",
        {
            "kind": "credit_bureau",
            "provider": provider,
            "priority": priority,
            "config": {"base_url": standin.base_url, "timeout_seconds": 1, "max_attempts": 2},
            "secrets": {"username": standin.username, "password": standin.password},
        },
    )


def _tenant_with_bureaus(
    api: Api, standins: tuple[CreditsafeStandin, CreditsafeStandin]
) -> TenantHandle:
    tenant = api.new_tenant()
    _bureau(api, tenant, standins[0], "creditsafe", 10)
    _bureau(api, tenant, standins[1], "creditsafe_backup", 20)
    return tenant


def _reports(api: Api, tenant: TenantHandle) -> int:
    async def count() -> int:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            return int(await session.scalar(select(func.count()).select_from(CreditReport)) or 0)

    return api.run(count)


def _set_policy(api: Api, tenant: TenantHandle, **changes: Any) -> None:
    draft = post(api, tenant, "/v1/credit-policies", {}, Role.CREDIT_MANAGER)
    url = f"/v1/credit-policies/{draft['id']}"
    document = {**draft["document"], **changes}
    api.client.patch(url, json={"document": document}, headers=tenant.headers()).raise_for_status()
    api.client.post(f"{url}/activate", headers=tenant.headers()).raise_for_status()


def test_the_waterfall_stops_at_the_first_bureau_that_knows_the_company(
    bureau_api: Api, standins: tuple[CreditsafeStandin, CreditsafeStandin]
) -> None:
    api, (first, second) = bureau_api, standins
    tenant = _tenant_with_bureaus(api, standins)
    buyer = customer(api, tenant)
    history(api, tenant, buyer["id"], days_late=0)
    second.add_company(name=buyer["legal_name"], country="DE", score=81, credit_limit=None)
    decided = assess(api, tenant, buyer["id"])
    assert decided["status"] == "decided", decided
    assert any("bureau score 81/100" in reason for reason in decided["reasons"])
    assert "creditsafe does not know the company" in decided["reasons"]
    assert (first.count("GET", "/companies"), first.report_count()) == (1, 0)
    assert (second.count("GET", "/companies"), second.report_count()) == (1, 1)

    again = assess(api, tenant, buyer["id"])  # younger than report_max_age_days: reused
    assert again["report_id"] == decided["report_id"]
    assert (first.count("GET", "/companies"), first.report_count()) == (1, 0)
    assert (second.count("GET", "/companies"), second.report_count()) == (1, 1)
    assert _reports(api, tenant) == 1


def test_the_daily_spend_cap_stops_paid_fetches(
    bureau_api: Api, standins: tuple[CreditsafeStandin, CreditsafeStandin]
) -> None:
    api, (first, _) = bureau_api, standins
    tenant = _tenant_with_bureaus(api, standins)
    _set_policy(api, tenant, daily_bureau_spend_cap=2, report_max_age_days=0)
    buyers = [customer(api, tenant) for _ in range(3)]
    for buyer in buyers:
        first.add_company(name=buyer["legal_name"], country="DE")
    outcomes = [assess(api, tenant, buyer["id"])["status"] for buyer in buyers]
    assert outcomes == ["decided", "decided", "manual_review"]
    assert first.report_count() == 2
    capped = assess(api, tenant, buyers[2]["id"])
    assert any("spend cap" in reason for reason in capped["reasons"])
    assert first.report_count() == 2 and _reports(api, tenant) == 2


@pytest.mark.parametrize("fault", [500, "timeout", "malformed", "redirect", "oversized"])
def test_a_failing_bureau_gives_manual_review_and_stores_nothing(
    bureau_api: Api, fault: Any
) -> None:
    api = bureau_api
    with CreditsafeStandin(slow_seconds=2, oversized_bytes=6_000_000) as standin:
        tenant = api.new_tenant()
        _bureau(api, tenant, standin, "creditsafe", 10)
        buyer = customer(api, tenant)
        standin.add_company(name=buyer["legal_name"], country="DE")
        standin.fail_next(fault, times=4, endpoint="report")
        review = assess(api, tenant, buyer["id"])
        assert review["status"] == "manual_review", review
        assert review["report_id"] is None and _reports(api, tenant) == 0
        assert any("creditsafe failed" in r or "timed out" in r for r in review["reasons"])
        unchanged = api.client.get(f"/v1/customers/{buyer['id']}", headers=tenant.headers())
        assert unchanged.json()["risk_tier"] is None  # nothing applied


def test_a_transient_fault_is_retried_by_the_client(bureau_api: Api) -> None:
    api = bureau_api
    with CreditsafeStandin() as standin:
        tenant = api.new_tenant()
        _bureau(api, tenant, standin, "creditsafe", 10)
        buyer = customer(api, tenant)
        standin.add_company(name=buyer["legal_name"], country="DE")
        standin.fail_next(500, endpoint="report")
        assert assess(api, tenant, buyer["id"])["status"] == "decided"
        assert standin.report_count() == 2


def test_no_bureau_knowing_the_company_needs_a_person(
    bureau_api: Api, standins: tuple[CreditsafeStandin, CreditsafeStandin]
) -> None:
    api = bureau_api
    tenant = _tenant_with_bureaus(api, standins)
    unknown = assess(api, tenant, customer(api, tenant)["id"])
    assert unknown["status"] == "manual_review"
    queue = api.client.get(
        "/v1/credit-assessments", params={"status": "manual_review"}, headers=tenant.headers()
    ).json()["data"]
    assert [a["id"] for a in queue] == [unknown["id"]]
    assert [s.report_count() for s in standins] == [0, 0]


def test_without_bureaus_the_decision_uses_internal_data(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    decided = assess(api, tenant, buyer["id"])
    assert decided["status"] == "decided"
    assert "no credit bureau is configured" in decided["reasons"]
    assert uuid.UUID(decided["policy_id"])


def test_a_report_with_a_nul_character_is_malformed_and_stored_nowhere(bureau_api: Api) -> None:
    api = bureau_api
    with CreditsafeStandin() as standin:
        tenant = api.new_tenant()
        _bureau(api, tenant, standin, "creditsafe", 10)
        buyer = customer(api, tenant)
        connect_id = standin.add_company(name=buyer["legal_name"], country="DE")
        basic = standin.reports[connect_id]["companyIdentification"]["basicInformation"]
        basic["legalForm"] = {"description": "GmbH\x00"}  # PostgreSQL cannot store it
        review = assess(api, tenant, buyer["id"])
        assert review["status"] == "manual_review", review
        assert "creditsafe failed (malformed report)" in review["reasons"], review
        assert review["report_id"] is None and _reports(api, tenant) == 0
        assert standin.report_count() == 1  # ordered and paid, but not kept
