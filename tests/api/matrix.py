"""The cross-tenant matrix, derived from the app's OpenAPI document and route roles.

Nothing here lists operations by hand: every operation with an id in its path
is found in the document, its roles in the route handler, the collection that
holds its objects from the path (``/v1/things/{thing_id}`` → ``/v1/things``),
and a request body from :data:`SAMPLES` by the body's schema name. A new kind
of object needs a sample body here, or its collection must list existing ones.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute

from arplatform.auth.tokens import Role
from tests.api.plugin import INTEGRATION
from tests.support import CUSTOMER, invoice_body

Ids = dict[str, str]
#: Valid request bodies by schema name; ``ids`` holds the owner's objects by path parameter name.
SAMPLES: dict[str, Callable[[Ids], dict[str, Any]]] = {
    "CustomerCreate": lambda ids: {**CUSTOMER, "external_ref": f"M-{uuid.uuid4().hex[:10]}"},
    "CustomerUpdate": lambda ids: {"legal_name": "Renamed GmbH"},
    "InvoiceCreate": lambda ids: invoice_body(ids["customer_id"]),
    "ApiClientCreate": lambda ids: {"name": "matrix client", "roles": ["viewer"]},
    "IntegrationCreate": lambda ids: dict(INTEGRATION),
    "IntegrationUpdate": lambda ids: {"priority": 5},
    "PaymentCreate": lambda ids: {
        "customer_id": ids["customer_id"],
        "amount": "10.00",
        "received_on": "2026-11-20",
    },
    "CreditApplication": lambda ids: {"booked_on": "2026-11-25"},
    "PaymentReversal": lambda ids: {"reversed_on": "2026-11-25", "reason": "Returned"},
    # A credit note on an invoice must name one of the same customer: the sample names none.
    "CreditNoteCreate": lambda ids: {
        "customer_id": ids["customer_id"],
        "amount": "5.00",
        "issue_date": "2026-11-20",
    },
    "InvoiceCancel": lambda ids: {"cancelled_on": "2026-11-02"},
    "InvoiceWriteOff": lambda ids: {"written_off_on": "2026-11-20", "reason": "Insolvent"},
    "DueDateExtension": lambda ids: {"due_date": "2026-12-31"},
    "ReferenceRateCreate": lambda ids: {
        "key": f"R_{uuid.uuid4().hex[:8].upper()}",
        "valid_from": "2026-01-01",
        "rate": "2.15",
    },
    "ReferenceRateUpdate": lambda ids: {"rate": "2.4"},
    "InterestPolicyCreate": lambda ids: {
        "rule": "fixed",
        "rate": "9.5",
        "customer_id": ids["customer_id"],
    },
    "InterestPolicyUpdate": lambda ids: {"rate": "8"},
    "DisputeCreate": lambda ids: {"invoice_id": ids["invoice_id"], "reason": "pricing"},
    "DisputeResolve": lambda ids: {},
    "DisputeReject": lambda ids: {},
    "PromiseCreate": lambda ids: {
        "customer_id": ids["customer_id"],
        "amount": "10.00",
        "promised_date": "2026-12-31",
        "source": "phone",
    },
    # A plan covers invoices of its customer: ``SAMPLE_NEEDS`` creates one for it.
    "PlanCreate": lambda ids: {
        "customer_id": ids["customer_id"],
        "items": [{"invoice_id": ids.get("invoice_id", "018f0000-0000-7000-8000-000000000000")}],
        "schedule": [{"due_date": "2026-12-15"}, {"due_date": "2027-01-15"}],
    },
    "PlanCancel": lambda ids: {},
    "RunCreate": lambda ids: {"as_of": "2026-11-20", "dry_run": True},
    "CommunicationEdit": lambda ids: {"subject": "Reminder"},
    "DunningPlanCreate": lambda ids: {
        "name": f"Plan {uuid.uuid4().hex[:8]}",
        "levels": [{"name": "Reminder", "offset_days": 3, "actions": ["reminder"]}],
    },
    "DunningPlanUpdate": lambda ids: {"min_gap_days": 2},
    "DunningSettingsUpdate": lambda ids: {"review_before_send": True},
    "CustomerDunningUpdate": lambda ids: {"excluded": True},
    "InvoiceDunningUpdate": lambda ids: {"excluded": True},
    "TemplateCreate": lambda ids: {
        "template": "reminder",
        "language": "en",
        "source": "{% block subject %}Reminder{% endblock %}{% block body %}{{ reference }}"
        "{% endblock %}",
    },
    "TemplateUpdate": lambda ids: {
        "source": "{% block subject %}S{% endblock %}{% block body %}B{% endblock %}"
    },
    "ActionDone": lambda ids: {},
    "FxRateCreate": lambda ids: {
        "base": "USD",
        "quote": "EUR",
        "valid_from": "2026-01-01",
        "rate": "0.92",
    },
    "FxRateUpdate": lambda ids: {"rate": "0.93"},
    "CommitmentCreate": lambda ids: {
        "customer_id": ids["customer_id"],
        "amount": "120.00",
        "reference": "PO-1",
    },
    "CommitmentUpdate": lambda ids: {"status": "closed"},
    "CountryRiskCreate": lambda ids: {"country": "FR", "rating": "A", "source": "Matrix"},
    "CountryRiskUpdate": lambda ids: {"rating": "B"},
    "AlertCreate": lambda ids: {
        "customer_id": ids["customer_id"],
        "signal": "bureau_alert",
        "detail": "Seen in the news",
    },
    "WebhookEndpointCreate": lambda ids: {
        "url": "https://erp.example.com/hooks/arp",
        "event_types": ["invoice.*"],
    },
    "WebhookEndpointUpdate": lambda ids: {"description": "ERP"},
    "WebhookReplay": lambda ids: {
        "since": "2026-11-01T00:00:00Z",
        "until": "2026-11-20T00:00:00Z",
    },
    "PolicyCreate": lambda ids: {"note": "Matrix draft"},
    "PolicyUpdate": lambda ids: {"note": "Edited"},
    "AssessmentCreate": lambda ids: {},
    "AssessmentRequest": lambda ids: {"customer_id": ids["customer_id"]},
    "ApprovalCreate": lambda ids: {
        "kind": "limit_change",
        "customer_id": ids["customer_id"],
        "credit_limit": "5000.00",
        "reason": "Bigger orders this season",
    },
}
#: Objects a sample names beyond its body's top-level ``*_id`` fields, made from the same ids.
SAMPLE_NEEDS: dict[str, tuple[str, ...]] = {"PlanCreate": ("invoice_id",)}
#: Weakest first: the role the matrix uses where an operation excludes some.
ROLE_ORDER = (Role.VIEWER, Role.COLLECTOR, Role.CREDIT_MANAGER, Role.ADMIN)
HTTP_METHODS = ("get", "post", "patch", "put", "delete")
PATH_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    roles: frozenset[Role] | None
    body_schema: str | None
    body_ids: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_params(self) -> list[str]:
        return PATH_PARAM.findall(self.path)

    @property
    def excluded_role(self) -> Role | None:
        if self.roles is None:
            return None
        return next((role for role in ROLE_ORDER if role not in self.roles), None)

    def url(self, **ids: str) -> str:
        return PATH_PARAM.sub(lambda m: ids[m.group(1)], self.path)


def _roles(app: Litestar) -> dict[tuple[str, str], frozenset[Role] | None]:
    found = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    found[(method, route.path_format)] = handler.opt.get("roles")
    return found


def _body(
    document: dict[str, Any], operation: dict[str, Any]
) -> tuple[str | None, tuple[str, ...]]:
    content = operation.get("requestBody", {}).get("content", {})
    ref = next((media["schema"].get("$ref", "") for media in content.values()), "")
    name = ref.rsplit("/", 1)[-1] or None
    if name is None:
        return None, ()
    properties = document["components"]["schemas"][name].get("properties", {})
    ids = tuple(
        field
        for field, prop in properties.items()
        if field.endswith("_id") and "uuid" in (prop.get("format"), *_formats(prop))
    )
    return name, ids


def _formats(prop: dict[str, Any]) -> list[str]:
    return [branch.get("format") for branch in prop.get("oneOf", []) + prop.get("anyOf", [])]


def operations(app: Litestar, document: dict[str, Any]) -> list[Operation]:
    roles = _roles(app)
    found = []
    for path, item in sorted(document["paths"].items()):
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            body, ids = _body(document, operation)
            key = (method.upper(), path)
            assert key in roles, f"{key} is in the document but not served"
            found.append(Operation(method.upper(), path, roles[key], body, ids))
    return found


def collection_of(param: str, document: dict[str, Any]) -> str:
    """The collection whose items a path parameter names: ``/v1/x/{x_id}`` → ``/v1/x``."""
    for path in document["paths"]:
        if path.endswith("/{" + param + "}"):
            return path.rsplit("/", 1)[0]
    raise LookupError(f"no collection is named by {{{param}}}")


#: Operations whose owner gets a documented problem on a fresh tenant, by label:
#: the status and the end of the problem type. A new tenant has no settled
#: history, so there is no late-payment estimate yet.
OWNER_PROBLEMS: dict[str, tuple[int, str]] = {
    "GET /v1/invoices/{invoice_id}/late-payment-risk": (409, "/not-enough-history"),
    # The admin that asked for the change may not approve it itself.
    "POST /v1/credit-approvals/{approval_id}/approve": (403, "/insufficient-authority"),
}
