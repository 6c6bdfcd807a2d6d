"""The operator's command line: scriptable output, real effects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from tests.support import JWT_KEY, make_settings, start_api


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arplatform.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_tenants_and_clients_create_print_one_json_object(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    env = {
        "ARP_DATABASE_URL": url,
        "ARP_JWT_KEYS": f"t1:{JWT_KEY}",
        "ARP_SECRETS_KEYS": Fernet.generate_key().decode(),
    }
    assert _run(env, "migrate").returncode == 0
    tenant = _run(
        env, "tenants", "create", "--name", "Acme", "--country", "de", "--currency", "eur", "--json"
    )
    assert tenant.returncode == 0, tenant.stderr
    created = json.loads(tenant.stdout)  # the whole of stdout is one JSON object
    assert set(created) == {"tenant_id", "client_id", "client_secret"}
    client = _run(
        env,
        "clients",
        "create",
        "--tenant",
        created["tenant_id"],
        "--name",
        "ERP",
        "--roles",
        "collector,viewer",
        "--json",
    )
    assert client.returncode == 0, client.stderr
    issued = json.loads(client.stdout)
    assert issued["tenant_id"] == created["tenant_id"]
    assert issued["client_id"] != created["client_id"]

    for api in start_api(make_settings(url)):
        token = api.client.post(
            "/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": issued["client_id"],
                "client_secret": issued["client_secret"],
            },
        )
        assert token.status_code == 200
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert api.client.get("/v1/customers", headers=headers).status_code == 200
        assert api.client.get("/v1/audit-events", headers=headers).status_code == 403


def test_cli_refuses_bad_input(tmp_path: Path) -> None:
    env = {
        "ARP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db",
        "ARP_JWT_KEYS": f"t1:{JWT_KEY}",
        "ARP_SECRETS_KEYS": Fernet.generate_key().decode(),
    }
    bad_currency = _run(
        env, "tenants", "create", "--name", "X", "--country", "DE", "--currency", "EUX"
    )
    assert bad_currency.returncode == 2 and "ISO 4217" in bad_currency.stderr
    short_key = _run({**env, "ARP_JWT_KEYS": "t1:short"}, "migrate")
    assert short_key.returncode == 2 and "32 bytes" in short_key.stderr
    no_tenant = _run(
        env,
        "clients",
        "create",
        "--tenant",
        "01a21a27-7511-75ef-9447-f0c1837b2ea8",
        "--name",
        "x",
        "--roles",
        "viewer",
    )
    assert no_tenant.returncode != 0


def test_openapi_check_detects_a_stale_document(tmp_path: Path) -> None:
    env = {"ARP_DATA_DIR": str(tmp_path / "data")}
    target = tmp_path / "openapi.json"
    assert _run(env, "openapi", "--output", str(target)).returncode == 0
    document = json.loads(target.read_text())
    assert document["openapi"].startswith("3.1")
    assert _run(env, "openapi", "--output", str(target), "--check").returncode == 0
    target.write_text(target.read_text().replace("Create a customer.", "Make one."))
    stale = _run(env, "openapi", "--output", str(target), "--check")
    assert stale.returncode == 1 and "out of date" in stale.stderr
