"""Driving imports through the API and reading the ledger behind them."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from sqlalchemy import func, select

from arplatform.customers.models import Customer
from arplatform.invoices.models import Invoice, InvoiceInstalment, InvoiceLine
from arplatform.payments.models import Allocation, CreditNote, Payment
from tests.support import Api, TenantHandle

LEDGER = (Customer, Invoice, InvoiceInstalment, InvoiceLine, Payment, CreditNote, Allocation)
FINAL = {"succeeded", "failed"}


def ndjson(records: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def csv_text(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def post(
    api: Api, tenant: TenantHandle, body: bytes, *, media: str, **params: str
) -> dict[str, Any]:
    response = api.client.post(
        "/v1/imports",
        content=body,
        params=params,
        headers={**tenant.headers(), "Content-Type": media},
    )
    assert response.status_code == 202, response.text
    return dict(response.json())


def wait(api: Api, tenant: TenantHandle, import_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = dict(api.client.get(f"/v1/imports/{import_id}", headers=tenant.headers()).json())
        if body["status"] in FINAL:
            return body
        time.sleep(0.05)
    raise AssertionError(f"import {import_id} did not finish")


def run_import(
    api: Api,
    tenant: TenantHandle,
    body: bytes,
    *,
    media: str = "application/x-ndjson",
    **params: str,
) -> dict[str, Any]:
    """Post the file and wait for its job to finish; the final import resource."""
    return wait(api, tenant, post(api, tenant, body, media=media, **params)["id"])


def counts(api: Api, tenant_id: uuid.UUID) -> dict[str, int]:
    """Rows of the tenant in each ledger table."""

    async def read() -> dict[str, int]:
        db = api.app.state.db
        async with db.session(tenant_id) as session:
            return {
                m.__tablename__: int(await session.scalar(select(func.count()).select_from(m)) or 0)
                for m in LEDGER
            }

    return api.run(read)


def rows(api: Api, tenant_id: uuid.UUID, model: Any, **where: Any) -> list[Any]:
    async def read() -> list[Any]:
        db = api.app.state.db
        async with db.session(tenant_id) as session:
            stmt = select(model).filter_by(**where)
            return list((await session.scalars(stmt)).all())

    return api.run(read)


def outcome(report: dict[str, Any], kind: str) -> tuple[int, int, int, int]:
    c = report["counts"][kind]
    return c["created"], c["updated"], c["unchanged"], c["failed"]
