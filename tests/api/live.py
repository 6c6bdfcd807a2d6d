"""A real HTTP server for the schemathesis CLI: uvicorn on a free 127.0.0.1 port.

The server runs the app (lifespan included) in a background thread for the
whole test session; two tenants are created with a client per role, and each
gets a few customers and invoices so that fuzzed requests reach business rules
instead of only 404s. Tokens and seeded ids are written into a temporary
folder only: the WFC auth document (``tenant-a`` and ``tenant-b`` as peers)
and a JSON file the schemathesis hooks read.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from arplatform.app import create_app
from arplatform.auth.service import create_client, create_tenant
from arplatform.auth.tokens import Role
from arplatform.db.session import Database
from arplatform.settings import Settings
from tests.api.plugin import INTEGRATION, ChannelPlugin
from tests.support import CUSTOMER, TenantHandle, invoice_body

OPENAPI_PATH = "/docs/openapi.json"
PEERS = ("tenant-a", "tenant-b")


async def _create_tenant(settings: Settings, name: str) -> TenantHandle:
    db = Database(settings.database_url, pool_size=1)
    try:
        admin = await create_tenant(db, name=name, country="DE", currency="EUR")
        handle = TenantHandle(admin.tenant_id, admin, settings)
        for role in (Role.CREDIT_MANAGER, Role.COLLECTOR, Role.VIEWER):
            handle._clients[role] = await create_client(
                db, admin.tenant_id, name=str(role), roles=[role]
            )
        return handle
    finally:
        await db.dispose()


@dataclass
class LiveApi:
    """A served app, its base URL, and two seeded tenants."""

    settings: Settings
    base_url: str
    tenants: dict[str, TenantHandle]
    #: Ids of tenant A's seeded objects, by path parameter name (``customer_id`` …).
    seeds: dict[str, list[str]] = field(default_factory=dict)

    def client(self, peer: str = "tenant-a", role: Role = Role.ADMIN) -> httpx.Client:
        headers = self.tenants[peer].headers(role)
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def write_auth_files(self, folder: Path) -> tuple[Path, Path]:
        """The WFC auth document and the seeds file; both hold secrets, so only in ``folder``."""
        wfc = {
            "schemaVersion": "1.0.0",
            "auth": [
                {
                    "name": peer,
                    "fixedHeaders": [
                        {
                            "name": "Authorization",
                            "value": f"Bearer {self.tenants[peer].token(Role.ADMIN)}",
                        }
                    ],
                }
                for peer in PEERS
            ],
        }
        wfc_path, seeds_path = folder / "wfc-auth.json", folder / "seeds.json"
        wfc_path.write_text(json.dumps(wfc, indent=2))
        admin = self.tenants[PEERS[0]].admin
        credentials = {"client_id": admin.client_id, "client_secret": admin.client_secret}
        seeds_path.write_text(json.dumps({"ids": self.seeds, "credentials": credentials}))
        return wfc_path, seeds_path


def _seed(live: LiveApi) -> None:
    """Objects of tenant A that fuzzed path and body ids are drawn from.

    Customers and invoices are created (the first customer has invoices, so it
    survives a fuzzed DELETE with 409 and keeps reads and updates reaching the
    service all run long); for every other ``/things/{thing_id}`` the ids
    listed by ``GET /things`` are used (events, audit records, API clients …).
    """
    with live.client() as http:
        customers = []
        for n in range(3):
            body = {**CUSTOMER, "legal_name": f"Seed {n} GmbH", "external_ref": f"SEED-{n}"}
            created = http.post("/v1/customers", json=body)
            created.raise_for_status()
            customers.append(created.json()["id"])
        invoices = []
        for n in range(2):
            created = http.post("/v1/invoices", json=invoice_body(customers[0], f"SEED-{n}"))
            created.raise_for_status()
            invoices.append(created.json()["id"])
        http.post("/v1/integrations", json=INTEGRATION).raise_for_status()
        live.seeds = {"customer_id": customers, "invoice_id": invoices}
        document = http.get(OPENAPI_PATH).json()
        for path in document["paths"]:
            collection, _, param = path.rpartition("/")
            name = param.strip("{}")
            if param.startswith("{") and name not in live.seeds:
                listed = http.get(collection)
                if listed.status_code == 200 and isinstance(listed.json(), dict):
                    ids = [item["id"] for item in listed.json().get("data", [])][:3]
                    if ids:
                        live.seeds[name] = ids


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def serve(settings: Settings) -> Iterator[LiveApi]:
    """Serve the app for ``settings`` until the generator is closed."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    app = create_app(settings, plugins=[ChannelPlugin()], run_embedded_jobs=False)
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    try:
        tenants = {
            peer: asyncio.run(_create_tenant(settings, f"{peer} {uuid.uuid4().hex[:6]}"))
            for peer in PEERS
        }
        live = LiveApi(settings, f"http://127.0.0.1:{port}", tenants)
        _seed(live)
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def operations(document: dict[str, Any]) -> set[str]:
    """``METHOD /path`` of every operation of an OpenAPI document, as schemathesis labels them."""
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
    }
