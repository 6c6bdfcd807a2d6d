"""schemathesis over every operation of the served OpenAPI document, on SQLite and PostgreSQL.

Rules held here:
- every check (``[checks] enabled = true`` in ``schemathesis.toml``) passes in
  the examples, coverage, fuzzing and stateful phases: no 500, no undocumented
  status or header, responses match their schemas, schema-valid input is
  accepted, invalid input refused, deleted objects stay gone;
- ``object_level_authorization``: nothing tenant-a reads is readable by
  tenant-b (the two WFC peers);
- the tokens the run uses work (a GET answers 200) and no operation answered
  only 401/403 (``missing_auth`` fails the run), so a green run is not a run
  of rejected requests;
- every operation of the document is in the run and every phase ran.

PostgreSQL is fuzzed too: it refuses what SQLite silently stores (NUL bytes,
integers beyond int8).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.live import OPENAPI_PATH, PEERS, LiveApi, operations, serve

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).with_name("st")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: The run is bounded by the per-phase budgets in schemathesis.toml; this is the safety net.
TIMEOUT_SECONDS = 600
# One run exercises every operation in four phases: beyond the suite's default per-test limit.
pytestmark = pytest.mark.timeout(TIMEOUT_SECONDS + 60)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def live(request: pytest.FixtureRequest) -> Iterator[LiveApi]:
    yield from serve(request.getfixturevalue(f"{request.param}_settings"))


def _assert_tokens_work(live: LiveApi) -> None:
    for peer in PEERS:
        with live.client(peer) as http:
            response = http.get("/v1/customers")
            assert response.status_code == 200, (peer, response.text)
    anonymous = httpx.get(f"{live.base_url}/v1/customers")
    assert anonymous.status_code == 401, anonymous.text


def test_tokens_work_and_missing_ones_are_refused(live: LiveApi) -> None:
    """The WFC tokens are accepted and a request without one is refused (401)."""
    _assert_tokens_work(live)


def _run_schemathesis(live: LiveApi, folder: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    wfc, seeds = live.write_auth_files(folder)
    reports = folder / "reports"
    env = {
        **os.environ,
        "ARP_WFC_AUTH": str(wfc),
        "ARP_ST_SEEDS": str(seeds),
        "SCHEMATHESIS_HOOKS": "",
        "NO_COLOR": "1",
    }
    command = [
        str(ST),
        "--config-file",
        str(ROOT / "schemathesis.toml"),
        "run",
        f"{live.base_url}{OPENAPI_PATH}",
        "--report",
        "json,junit",
        "--report-dir",
        str(reports),
        "--report-json-path",
        str(reports / "run.json"),
        "--report-junit-path",
        str(reports / "junit.xml"),
    ]
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    return completed, reports


def test_schemathesis_finds_nothing(live: LiveApi, tmp_path: Path) -> None:
    """All checks, all phases, every operation, two tenants as peers: zero failures."""
    _assert_tokens_work(live)
    started = time.monotonic()
    completed, reports = _run_schemathesis(live, tmp_path)
    elapsed = time.monotonic() - started
    output = completed.stdout[-20000:] + completed.stderr[-5000:]
    run_file = reports / "run.json"
    assert run_file.exists(), output
    run = json.loads(run_file.read_text())
    print(f"schemathesis on {live.settings.database_url.split(':')[0]}: {elapsed:.1f}s")

    assert run["failures"] == [], output
    assert run["errors"] == [], output
    assert run["warnings"]["missing_auth"] == [], output
    assert completed.returncode == 0, output
    assert run["complete"] and run["stop_reason"] == "completed", output
    for phase in PHASES:
        assert run["phases"][phase]["status"] == "success", (phase, run["phases"][phase])

    document = httpx.get(f"{live.base_url}{OPENAPI_PATH}").json()
    expected = operations(document)
    tested = {case.get("name") for case in ET.parse(reports / "junit.xml").iter("testcase")}
    assert expected <= tested, f"operations not in the schemathesis run: {expected - tested}"
    assert run["operations"]["skipped"] == 0, run["operations"]
    assert run["operations"]["tested"] == len(expected), run["operations"]
