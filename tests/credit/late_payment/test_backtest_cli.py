"""``arplatform backtest`` on the seeded synthetic history (acceptance 5 of issue 5)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta

import pytest

from arplatform.auth.service import create_tenant
from arplatform.cli import main as cli_main
from arplatform.db.session import Database
from arplatform.demo import load_demo_history
from arplatform.settings import Settings
from tests.support import JWT_KEY, SECRETS_KEY


async def _tenant(settings: Settings, *, history: bool) -> uuid.UUID:
    db = Database(settings.database_url)
    try:
        issued = await create_tenant(db, name="Backtest GmbH", country="DE", currency="EUR")
        if history:
            await load_demo_history(db, issued.tenant_id)
        return issued.tenant_id
    finally:
        await db.dispose()


@pytest.fixture
def cli_env(backend_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI reads its settings from the environment: point it at the test database."""
    monkeypatch.setenv("ARP_DATABASE_URL", backend_settings.database_url)
    monkeypatch.setenv("ARP_MIGRATION_DATABASE_URL", backend_settings.migration_database_url)
    monkeypatch.setenv("ARP_JWT_KEYS", f"t1:{JWT_KEY}")
    monkeypatch.setenv("ARP_SECRETS_KEYS", SECRETS_KEY)
    return backend_settings


def test_the_backtest_on_the_seeded_history_ranks_late_payers_well(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = str(asyncio.run(_tenant(cli_env, history=True)))
    cutoff = (date.today() - timedelta(days=240)).isoformat()

    assert cli_main(["backtest", "--cutoff", cutoff, "--tenant", tenant, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["auc"] > 0.75
    assert 0 < result["mae_days"] < 15  # the slow profile alone spreads 5-30 days late
    assert result["trained_on"] > 300 and result["evaluated"] > 100 and result["paid"] > 50
    assert 0 < result["evaluated_late"] < result["evaluated"]
    assert result["top_factors"][0]["name"] == "late_share"

    assert cli_main(["backtest", "--cutoff", cutoff, "--tenant", tenant]) == 0
    text = capsys.readouterr().out
    assert f"AUC {result['auc']:.3f}" in text
    assert "customer's share of invoices paid late" in text


def test_the_backtest_refuses_what_it_cannot_evaluate(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = str(asyncio.run(_tenant(cli_env, history=False)))

    assert cli_main(["backtest", "--cutoff", "2026-01-01", "--tenant", tenant]) == 1
    assert "not enough settled history: 0 invoices" in capsys.readouterr().err
    assert cli_main(["backtest", "--cutoff", "2099-01-01", "--tenant", tenant]) == 1
    assert "before today" in capsys.readouterr().err
    assert cli_main(["backtest", "--cutoff", "2026-01-01", "--tenant", str(uuid.uuid4())]) == 1
    assert "no tenant" in capsys.readouterr().err
