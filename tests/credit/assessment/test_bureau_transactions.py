"""No transaction is open while a bureau is asked; a paid order is committed before the call.

A provider class of this test (the Creditsafe client against a stand-in server)
holds each report order at a gate until the test opens it, so the test can act
while an assessment waits for its bureau.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, ClassVar

import pytest
from arplatform_credit_bureau_creditsafe.bureau import CreditsafeBureau
from arplatform_credit_bureau_creditsafe.standin import CreditsafeStandin
from litestar.testing import TestClient
from sqlalchemy import func, select

from arplatform.app import create_app
from arplatform.credit import assessment, bureau
from arplatform.credit.models import BureauOrder, CreditReport
from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.credit_bureau import (
    CompanyMatch,
    CompanyQuery,
    CompanyRef,
    CreditBureau,
)
from arplatform.plugins.contracts.credit_bureau import CreditReport as BureauReport
from arplatform.settings import Settings
from tests.credit.assessment.helpers import assess, customer, post, set_policy
from tests.support import Api, TenantHandle

WAIT = 10.0


class Gate:
    """Report orders wait here until the test opens it; ``arrived`` names each order."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.arrived: queue.Queue[str] = queue.Queue()

    def __enter__(self) -> Gate:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.opened.set()  # never leave a request hanging, whatever the test asserted


GATES: list[Gate] = []


class GatedBureau(CreditsafeBureau):
    key: ClassVar[str] = "creditsafe_gated"
    display_name: ClassVar[str] = "Creditsafe (held at a gate)"

    async def fetch_report(self, ref: CompanyRef) -> BureauReport:
        gate = GATES[-1]
        gate.arrived.put(ref.provider_company_id)
        await asyncio.to_thread(gate.opened.wait, 3 * WAIT)
        return await super().fetch_report(ref)


class Turnstile:
    """Company searches wait here; each ``admit`` lets one more through."""

    def __init__(self) -> None:
        self.permits = threading.Semaphore(0)
        self.arrived: queue.Queue[str | None] = queue.Queue()

    def admit(self, count: int = 1) -> None:
        self.permits.release(count)


TURNSTILES: list[Turnstile] = []


class TurnstileBureau(CreditsafeBureau):
    """Held before the order is reserved (between an assessment's plan and its order)."""

    key: ClassVar[str] = "creditsafe_turnstile"
    display_name: ClassVar[str] = "Creditsafe (held at a turnstile)"

    async def search_company(self, query: CompanyQuery) -> list[CompanyMatch]:
        turnstile = TURNSTILES[-1]
        turnstile.arrived.put(query.name)
        await asyncio.to_thread(turnstile.permits.acquire, True, 3 * WAIT)
        return await super().search_company(query)


class GatedPlugin:
    @hookimpl
    def arplatform_register_credit_bureaus(self) -> list[type[CreditBureau]]:
        return [GatedBureau, TurnstileBureau]


@pytest.fixture
def gate() -> Iterator[Gate]:
    with Gate() as opened_at_the_end:
        GATES.append(opened_at_the_end)
        yield opened_at_the_end
        GATES.remove(opened_at_the_end)


@pytest.fixture
def turnstile() -> Iterator[Turnstile]:
    held = Turnstile()
    TURNSTILES.append(held)
    yield held
    held.admit(100)  # never leave a request hanging, whatever the test asserted
    TURNSTILES.remove(held)


@pytest.fixture
def gated_api(backend_settings: Settings) -> Iterator[Api]:
    app = create_app(backend_settings, plugins=[GatedPlugin()], run_embedded_jobs=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, backend_settings)


def _tenant(
    api: Api, standin: CreditsafeStandin, buyers: int, provider: str = GatedBureau.key
) -> tuple[TenantHandle, list[Any]]:
    """A tenant whose one bureau is the gated one, and ``buyers`` customers it knows."""
    tenant = api.new_tenant()
    config = {"base_url": standin.base_url, "timeout_seconds": 1}
    secrets = {"username": standin.username, "password": standin.password}
    body = {"kind": "credit_bureau", "provider": provider, "config": config}
    post(api, tenant, "/v1/integrations", {**body, "secrets": secrets})
    found = []
    for _ in range(buyers):
        buyer = customer(api, tenant)
        buyer["connect_id"] = standin.add_company(name=buyer["legal_name"], country="DE")
        found.append(buyer)
    return tenant, found


def test_while_a_bureau_answers_the_tenant_writes_and_orders_on(gated_api: Api, gate: Gate) -> None:
    api = gated_api
    with CreditsafeStandin() as standin:
        tenant, (first, second) = _tenant(api, standin, 2)
        with ThreadPoolExecutor(3) as pool, gate:
            waiting = pool.submit(assess, api, tenant, first["id"])
            assert gate.arrived.get(timeout=WAIT) == first["connect_id"]
            # Another write of the tenant completes while the paid call is out
            # (on SQLite: the app's one write lock is free).
            assert pool.submit(customer, api, tenant).result(timeout=WAIT)["id"]
            # A second order of the tenant passes the cap's lock meanwhile.
            also = pool.submit(assess, api, tenant, second["id"])
            assert gate.arrived.get(timeout=WAIT) == second["connect_id"]
            assert not waiting.done()
            gate.opened.set()
            decisions = [waiting.result(timeout=WAIT), also.result(timeout=WAIT)]
        assert [d["status"] for d in decisions] == ["decided", "decided"], decisions
        assert all(d["report_id"] for d in decisions)
        assert standin.report_count() == 2


def test_an_assessment_under_an_idempotency_key_waits_holding_no_lock(
    gated_api: Api, gate: Gate
) -> None:
    api = gated_api
    with CreditsafeStandin() as standin:
        tenant, (buyer,) = _tenant(api, standin, 1)
        url = f"/v1/customers/{buyer['id']}/assessments"
        headers = {**tenant.headers(), "Idempotency-Key": "assess-once"}

        def request() -> Any:
            return api.client.post(url, json={}, headers=headers)

        with ThreadPoolExecutor(2) as pool, gate:
            waiting = pool.submit(request)
            assert gate.arrived.get(timeout=WAIT) == buyer["connect_id"]
            assert pool.submit(customer, api, tenant).result(timeout=WAIT)["id"]
            gate.opened.set()
            answered = waiting.result(timeout=WAIT)
        assert answered.status_code == 201, answered.text
        replayed = request()
        assert replayed.headers["Idempotent-Replayed"] == "true"
        assert replayed.json() == answered.json()
        assert standin.report_count() == 1


def test_an_order_paid_before_the_assessment_failed_still_counts(
    gated_api: Api, gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = gated_api
    gate.opened.set()
    with CreditsafeStandin() as standin:
        tenant, (failing, later) = _tenant(api, standin, 2)
        set_policy(api, tenant, daily_bureau_spend_cap=1)

        def broken(*_args: Any) -> None:
            raise RuntimeError("the decision could not be recorded")

        monkeypatch.setattr(assessment, "_emit", broken)
        url = f"/v1/customers/{failing['id']}/assessments"
        assert api.client.post(url, json={}, headers=tenant.headers()).status_code == 500
        monkeypatch.undo()
        assert standin.report_count() == 1

        # The paid report was kept: assessing the customer again reuses it.
        again = assess(api, tenant, failing["id"])
        assert again["status"] == "decided" and again["report_id"], again
        # And its order counted: the cap of one is reached for everyone else.
        capped = assess(api, tenant, later["id"])
        assert capped["status"] == "manual_review", capped
        assert any("spend cap" in reason for reason in capped["reasons"]), capped
        assert standin.report_count() == 1


def _stored(api: Api, tenant: TenantHandle) -> tuple[int, list[BureauOrder]]:
    """How many reports the tenant keeps, and its recorded orders."""

    async def read() -> tuple[int, list[BureauOrder]]:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            reports = await session.scalar(select(func.count()).select_from(CreditReport))
            return int(reports or 0), list(await session.scalars(select(BureauOrder)))

    return api.run(read)


@pytest.mark.parametrize("locked_read", [True, False], ids=["read", "foreign_key"])
def test_a_customer_deleted_while_its_bureau_answers_is_a_404(
    gated_api: Api, gate: Gate, monkeypatch: pytest.MonkeyPatch, locked_read: bool
) -> None:
    """Whether the store's read finds the customer gone or (as after a delete committed
    between the read and the insert) the foreign key refuses the report: a 404."""
    api = gated_api
    if not locked_read:
        found = bureau._customer_exists

        async def missed(session: Any, customer_id: uuid.UUID, *, lock: bool) -> bool:
            return True if lock else await found(session, customer_id, lock=lock)

        monkeypatch.setattr(bureau, "_customer_exists", missed)
    with CreditsafeStandin() as standin:
        tenant, (buyer,) = _tenant(api, standin, 1)
        url = f"/v1/customers/{buyer['id']}"
        with ThreadPoolExecutor(1) as pool, gate:
            waiting = pool.submit(
                api.client.post, f"{url}/assessments", json={}, headers=tenant.headers()
            )
            assert gate.arrived.get(timeout=WAIT) == buyer["connect_id"]
            assert api.client.delete(url, headers=tenant.headers()).status_code == 204
            gate.opened.set()
            answered = waiting.result(timeout=WAIT)
        assert answered.status_code == 404, answered.text
        assert standin.report_count() == 1
        assert _stored(api, tenant)[0] == 0


def test_overlapping_assessments_of_one_customer_pay_for_one_report(
    gated_api: Api, turnstile: Turnstile
) -> None:
    api = gated_api
    with CreditsafeStandin() as standin:
        tenant, (buyer,) = _tenant(api, standin, 1, TurnstileBureau.key)
        with ThreadPoolExecutor(2) as pool:
            both = [pool.submit(assess, api, tenant, buyer["id"]) for _ in range(2)]
            # Both planned (no stored report to reuse) and wait to order.
            assert [turnstile.arrived.get(timeout=WAIT) for _ in both] == [buyer["legal_name"]] * 2
            turnstile.admit()
            first = next(f for f in _first_done(both)).result()
            turnstile.admit()
            decisions = [f.result(timeout=WAIT) for f in both]
        assert [d["status"] for d in decisions] == ["decided", "decided"], decisions
        assert {d["report_id"] for d in decisions} == {first["report_id"]}
        assert standin.report_count() == 1
        reports, orders = _stored(api, tenant)
        assert (reports, len(orders)) == (1, 1)


def _first_done(futures: list[Any]) -> Iterator[Any]:
    from concurrent.futures import FIRST_COMPLETED, wait

    done, _ = wait(futures, timeout=WAIT, return_when=FIRST_COMPLETED)
    assert len(done) == 1, "only one assessment was let through"
    yield from done


def test_an_order_is_stamped_when_it_is_made(gated_api: Api, turnstile: Turnstile) -> None:
    api = gated_api
    with CreditsafeStandin() as standin:
        tenant, (buyer,) = _tenant(api, standin, 1, TurnstileBureau.key)
        with ThreadPoolExecutor(1) as pool:
            started = datetime.now(UTC)
            waiting = pool.submit(assess, api, tenant, buyer["id"])
            assert turnstile.arrived.get(timeout=WAIT) == buyer["legal_name"]
            admitted = datetime.now(UTC)
            turnstile.admit()
            decided = waiting.result(timeout=WAIT)
        assert decided["status"] == "decided", decided
        (order,) = _stored(api, tenant)[1]
        assert admitted > started
        assert order.ordered_at.astimezone(UTC) >= admitted  # not the assessment's start
