"""Cross-tenant matrix over every operation naming an object, generated from the OpenAPI document.

Rules held here, for each operation with an id in its path, on both backends:
- the owner (tenant A's admin) gets 2xx, or the problem ``OWNER_PROBLEMS`` documents;
- a role of tenant A that the operation's role list excludes gets 403;
- tenant B's admin gets exactly the status and problem body (``instance``
  and the id aside) that a random id gets: 404, so B cannot even learn that
  the object exists;
- an anonymous caller gets 401.
Writes by tenant B that reference tenant A's objects, in the path or in the
body (``customer_id`` of an invoice), store nothing: A's object keeps its
ETag and body, and no row of any tenant-scoped table (events, audit records,
idempotency keys …) is added for B.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from arplatform.auth.tokens import Role
from arplatform.db.base import Base
from arplatform.db.session import Database
from tests.api.matrix import (
    OWNER_PROBLEMS,
    SAMPLE_NEEDS,
    SAMPLES,
    Operation,
    collection_of,
    operations,
)
from tests.support import Api, TenantHandle, invoice_body

WRITES = {"POST", "PATCH", "PUT", "DELETE"}


async def _rows(db: Database, tenant_id: uuid.UUID) -> dict[str, int]:
    """Rows of ``tenant_id`` in every tenant-scoped table."""
    counts = {}
    async with db.session(tenant_id) as session, session.begin():
        for table in Base.metadata.sorted_tables:
            if "tenant_id" in table.c:
                stmt = select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
                counts[table.name] = int(await session.scalar(stmt) or 0)
    return counts


class Matrix:
    """One backend's app, two tenants, and the document's operations."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.a = api.new_tenant("Tenant A")
        self.b = api.new_tenant("Tenant B")
        self.document: dict[str, Any] = api.client.get("/docs/openapi.json").json()
        self.ops = operations(api.app, self.document)
        # Events and audit records exist once something was written.
        self.call("POST", "/v1/customers", self.a, body=SAMPLES["CustomerCreate"]({}))
        # Imports take a file, not a JSON body: one exists for the import operations.
        self.api.client.post(
            "/v1/imports",
            content=b'{"type":"customer","external_ref":"MX-1","legal_name":"Matrix GmbH",'
            b'"country":"DE","currency":"EUR"}\n',
            headers={**self.a.headers(), "Content-Type": "application/x-ndjson"},
        )
        self._dunning()

    def _dunning(self) -> None:
        """Drafts wait for review; a run 18 days after the due date leaves a review task."""
        settings = self.call(
            "PATCH", "/v1/dunning-settings", self.a, body={"review_before_send": True}
        )
        assert settings.status_code == 200, settings.text
        self.draft_communication()
        run = self.call("POST", "/v1/dunning-runs", self.a, body={"as_of": "2026-11-20"})
        assert run.status_code == 201, run.text

    def draft_communication(self) -> str:
        """A new draft reminder of tenant A (each review operation needs one of its own)."""
        customer = self.call("POST", "/v1/customers", self.a, body=SAMPLES["CustomerCreate"]({}))
        customer_id = customer.json()["id"]
        invoice = invoice_body(customer_id, due_date="2026-11-02")
        assert self.call("POST", "/v1/invoices", self.a, body=invoice).status_code == 201
        run = self.call("POST", "/v1/dunning-runs", self.a, body={"as_of": "2026-11-05"})
        assert run.status_code == 201, run.text
        ours = [c for c in run.json()["communications"] if c["customer_id"] == customer_id]
        return str(ours[0]["id"])

    def call(
        self, method: str, url: str, tenant: TenantHandle | None, role: Role = Role.ADMIN, **kw: Any
    ) -> Any:
        headers = tenant.headers(role) if tenant else {}
        body = kw.pop("body", None)
        return self.api.client.request(method, url, headers=headers, json=body, **kw)

    def rows(self, tenant: TenantHandle) -> dict[str, int]:
        db = self.api.app.state.db
        return self.api.run(lambda: _rows(db, tenant.tenant_id))

    def owned(self, param: str) -> str:
        """A fresh object of tenant A for ``{param}``: created from a sample, else listed."""
        if param == "communication_id":
            return self.draft_communication()
        collection = collection_of(param, self.document)
        create = next((o for o in self.ops if o.label == f"POST {collection}"), None)
        if create is not None and create.body_schema in SAMPLES:
            ids = {field: self.owned(field) for field in create.body_ids}
            for need in SAMPLE_NEEDS.get(create.body_schema, ()):
                ids[need] = self.made(need, ids)
            body = SAMPLES[create.body_schema](ids)
            created = self.call("POST", collection, self.a, body=body)
            if created.status_code != 409:  # one of a kind (an integration): the listed one
                assert created.status_code == 201, (collection, created.text)
                return str(created.json()["id"])
        listed = self.call("GET", collection, self.a)
        items = listed.json().get("data", []) if listed.status_code == 200 else []
        assert items, f"no object for {{{param}}}: add a sample body to tests/api/matrix.py"
        return str(items[-1]["id"])

    def made(self, param: str, ids: dict[str, str]) -> str:
        """A new object for ``{param}`` from its collection's sample, with ``ids``."""
        collection = collection_of(param, self.document)
        create = next(o for o in self.ops if o.label == f"POST {collection}")
        assert create.body_schema is not None
        created = self.call("POST", collection, self.a, body=SAMPLES[create.body_schema](ids))
        assert created.status_code == 201, (collection, created.text)
        return str(created.json()["id"])

    def body(self, op: Operation, ids: dict[str, str]) -> dict[str, Any] | None:
        if op.body_schema is None:
            return None
        assert op.body_schema in SAMPLES, f"{op.label}: add a {op.body_schema} sample"
        return SAMPLES[op.body_schema](ids)


def _problem(response: Any, ids: list[str]) -> tuple[int, dict[str, Any]]:
    body = dict(response.json())
    body.pop("instance", None)
    text = str(body)
    for value in ids:
        text = text.replace(value, "<id>")
    return response.status_code, {"problem": text}


def _snapshot(matrix: Matrix, op: Operation, ids: dict[str, str]) -> tuple[int, Any, Any]:
    read = matrix.call("GET", op.url(**ids), matrix.a)
    return read.status_code, read.headers.get("etag"), read.json() if read.content else None


def check_path_operation(matrix: Matrix, op: Operation) -> None:
    ids = {param: matrix.owned(param) for param in op.path_params}
    url = op.url(**ids)
    body = matrix.body(op, ids)
    excluded = op.excluded_role
    if excluded is not None:
        denied = matrix.call(op.method, url, matrix.a, excluded, body=body)
        assert denied.status_code == 403, (op.label, excluded, denied.text)
    anonymous = matrix.call(op.method, url, None, body=body)
    assert anonymous.status_code == 401, (op.label, anonymous.text)

    before, rows_before = _snapshot(matrix, op, ids), matrix.rows(matrix.b)
    foreign = matrix.call(op.method, url, matrix.b, body=body)
    random_ids = {param: str(uuid.uuid4()) for param in ids}
    unknown = matrix.call(op.method, op.url(**random_ids), matrix.b, body=body)
    assert foreign.status_code == 404, (op.label, foreign.text)
    assert _problem(foreign, list(ids.values())) == _problem(unknown, list(random_ids.values()))
    if op.method in WRITES:
        assert _snapshot(matrix, op, ids) == before, f"{op.label} by tenant B changed A's object"
        assert matrix.rows(matrix.b) == rows_before, f"{op.label} by tenant B stored rows"

    owner = matrix.call(op.method, url, matrix.a, body=body)
    if op.label in OWNER_PROBLEMS:
        status, problem_type = OWNER_PROBLEMS[op.label]
        assert owner.status_code == status, (op.label, owner.text)
        assert owner.json()["type"].endswith(problem_type), (op.label, owner.text)
    else:
        assert 200 <= owner.status_code < 300, (op.label, owner.text)


def check_body_ids(matrix: Matrix, op: Operation) -> None:
    """Tenant B names tenant A's objects in a request body: as if they did not exist."""
    owned = {field: matrix.owned(field) for field in op.body_ids}
    randoms = {field: str(uuid.uuid4()) for field in op.body_ids}
    rows_before = matrix.rows(matrix.b)
    foreign = matrix.call(op.method, op.path, matrix.b, body=matrix.body(op, owned))
    unknown = matrix.call(op.method, op.path, matrix.b, body=matrix.body(op, randoms))
    assert 400 <= foreign.status_code < 500, (op.label, foreign.text)
    assert _problem(foreign, list(owned.values())) == _problem(unknown, list(randoms.values()))
    assert matrix.rows(matrix.b) == rows_before, f"{op.label} by tenant B stored rows"


def test_cross_tenant_matrix(plugin_api: Api) -> None:
    """Every operation naming an object, as owner, excluded role, other tenant and anonymous."""
    matrix = Matrix(plugin_api)
    checked = []
    for op in matrix.ops:
        if op.roles is None:
            continue
        if op.path_params:
            check_path_operation(matrix, op)
            checked.append(op.label)
        elif op.method in WRITES and op.body_ids:
            check_body_ids(matrix, op)
            checked.append(op.label)
    expected = {o.label for o in matrix.ops if o.roles is not None and o.path_params}
    assert expected <= set(checked)


def test_every_operation_with_a_path_id_is_in_the_matrix(plugin_api: Api) -> None:
    """An operation added with an id in its path is protected and reachable by the matrix.

    It needs a role list (not public) and a way to get an object of its kind: a
    sample body for its collection's POST, or a collection that lists objects.
    (That every operation is in the schemathesis run is asserted there.)
    """
    document = plugin_api.client.get("/docs/openapi.json").json()
    ops = operations(plugin_api.app, document)
    labels = {o.label for o in ops}
    for op in ops:
        if not op.path_params:
            continue
        assert op.roles, f"{op.label} names an object but is public"
        for param in op.path_params:
            collection = collection_of(param, document)
            create = f"POST {collection}"
            schema = next((o.body_schema for o in ops if o.label == create), None)
            listable = f"GET {collection}" in labels
            assert schema in SAMPLES or listable, f"{op.label}: no way to get a {{{param}}}"
        if op.body_schema is not None:
            assert op.body_schema in SAMPLES, f"{op.label}: add a {op.body_schema} sample"
