"""``arplatform import FILE``: progress on stderr, the report, the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from arplatform.invoices.models import Invoice
from tests.imports.helpers import csv_text, ndjson, rows
from tests.imports.test_imports import CUSTOMERS, _invoice
from tests.support import JWT_KEY, SECRETS_KEY, Api


def _cli(api: Api, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ARP_DATABASE_URL": api.settings.database_url,
        "ARP_JWT_KEYS": f"t1:{JWT_KEY}",
        "ARP_SECRETS_KEYS": SECRETS_KEY,
        "ARP_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "arplatform.cli", "import", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_imports_with_progress_and_fails_on_bad_rows(api: Api, tmp_path: Path) -> None:
    tenant = api.new_tenant()
    good = tmp_path / "history.ndjson"
    good.write_bytes(ndjson([*CUSTOMERS, _invoice("I1"), _invoice("I2")]))
    done = _cli(api, str(good), "--tenant", str(tenant.tenant_id), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "succeeded"
    assert report["counts"]["invoice"]["created"] == 2
    assert "4/4 rows" in done.stderr
    assert len(rows(api, tenant.tenant_id, Invoice)) == 2

    bad = tmp_path / "invoices.csv"
    bad.write_bytes(
        csv_text(
            "external_ref,customer_ref,number,issue_date,due_date,currency,total",
            "I3,C1,N-I3,2025-01-10,2025-02-09,EUR,10.00",
            "I4,C1,N-I4,2025-01-10,2025-02-09,EUR,ten",
        )
    )
    failed = _cli(api, str(bad), "--type", "invoice", "--tenant", str(tenant.tenant_id))
    assert failed.returncode == 1
    assert "row 3 total" in failed.stdout
    atomic = _cli(api, str(bad), "--type", "invoice", "--atomic", "--tenant", str(tenant.tenant_id))
    assert atomic.returncode == 1
    assert sorted(i.external_ref for i in rows(api, tenant.tenant_id, Invoice)) == [
        "I1",
        "I2",
        "I3",
    ]
    listed = api.client.get("/v1/imports", headers=tenant.headers()).json()["data"]
    assert [i["status"] for i in listed] == ["succeeded", "succeeded", "failed"]
    no_type = _cli(api, str(bad), "--tenant", str(tenant.tenant_id))
    assert no_type.returncode == 2
