"""The embedded demo: a tenant with a client and a history to look at, created once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from arplatform.db.migrate import upgrade
from arplatform.demo import DEMO_INVOICES, ensure_demo_tenant
from tests.support import TenantHandle, make_settings, start_api


def test_demo_tenant_comes_with_a_synthetic_history(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/demo.db")
    upgrade(settings)
    issued = asyncio.run(ensure_demo_tenant(settings))
    assert issued is not None
    assert asyncio.run(ensure_demo_tenant(settings)) is None  # once only
    tenant = TenantHandle(issued.tenant_id, issued, settings)
    for api in start_api(settings):
        imports = api.client.get("/v1/imports", headers=tenant.headers()).json()["data"]
        assert [(i["status"], i["counts"]["invoice"]["failed"]) for i in imports] == [
            ("succeeded", 0)
        ]
        created = imports[0]["counts"]["invoice"]["created"]
        assert DEMO_INVOICES * 0.8 <= created <= DEMO_INVOICES
        aging = api.client.get("/v1/reports/aging", headers=tenant.headers()).json()
        assert aging["customers"], aging
