"""Imports every model so that ``Base.metadata`` describes the whole schema."""

from __future__ import annotations

from arplatform.api.idempotency import IdempotencyRecord
from arplatform.audit.models import AuditEvent
from arplatform.auth.models import ApiClient
from arplatform.collections.models import (
    CollectionNotice,
    Dispute,
    PaymentPlan,
    PaymentPromise,
    PlanInstalment,
    PlanItem,
    PromiseInvoice,
)
from arplatform.credit.models import (
    ApprovalRequest,
    BureauOrder,
    CreditAssessment,
    CreditPolicy,
    CreditReport,
)
from arplatform.credit.watch_models import Commitment, CountryRisk, CreditAlert, FxRate
from arplatform.customers.models import Customer
from arplatform.db.base import Base
from arplatform.dunning.models import (
    Communication,
    CommunicationLine,
    CustomerDunning,
    Delivery,
    DunningAction,
    DunningItem,
    DunningPlan,
    DunningRun,
    DunningSettings,
    InvoiceExclusion,
    TemplateOverride,
)
from arplatform.events.models import Event
from arplatform.imports.models import ImportJob
from arplatform.integrations.models import Integration
from arplatform.interest.models import InterestPolicy, ReferenceRate
from arplatform.invoices.models import Invoice, InvoiceInstalment, InvoiceLine, NumberSeries
from arplatform.jobs.models import JobReceipt, OutboxMessage
from arplatform.payments.models import Allocation, CreditNote, Payment
from arplatform.tenants.models import Tenant
from arplatform.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

#: Tables that hold no tenant's data, or that platform processes read across
#: tenants; every other table must be tenant-scoped (a test enforces this).
GLOBAL_TABLES = frozenset(
    {
        "alembic_version",  # migration bookkeeping
        "tenants",  # the tenants themselves
        "outbox",  # read across tenants by the relay; jobs re-apply the row's tenant
        "job_receipts",  # keyed by outbox id, written by jobs of every tenant
    }
)

MODELS = (
    Commitment,
    CountryRisk,
    CreditAlert,
    FxRate,
    ApprovalRequest,
    BureauOrder,
    CreditAssessment,
    CreditPolicy,
    CreditReport,
    Communication,
    CommunicationLine,
    CustomerDunning,
    Delivery,
    DunningAction,
    DunningItem,
    DunningPlan,
    DunningRun,
    DunningSettings,
    InvoiceExclusion,
    TemplateOverride,
    CollectionNotice,
    Dispute,
    PaymentPlan,
    PaymentPromise,
    PlanInstalment,
    PlanItem,
    PromiseInvoice,
    InterestPolicy,
    ReferenceRate,
    Allocation,
    CreditNote,
    InvoiceInstalment,
    NumberSeries,
    Payment,
    ApiClient,
    AuditEvent,
    Customer,
    Event,
    IdempotencyRecord,
    ImportJob,
    Integration,
    Invoice,
    InvoiceLine,
    JobReceipt,
    OutboxMessage,
    Tenant,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

metadata = Base.metadata


def tenant_tables() -> list[str]:
    """Names of the tables that carry ``tenant_id`` and get row-level security."""
    return sorted(table.name for table in metadata.sorted_tables if table.name not in GLOBAL_TABLES)
