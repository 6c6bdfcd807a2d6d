"""``create_app(settings)``: the one place where the application is wired."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Iterable

import dramatiq
import structlog
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController

import arplatform
from arplatform.api.conventions import BEARER
from arplatform.api.openapi import finalize_openapi
from arplatform.api.options import repair_options_allow
from arplatform.api.problems import EXCEPTION_HANDLERS
from arplatform.api.strict_body import before_request
from arplatform.api.uow import commit_after_request, provide_session, unit_of_work_middleware
from arplatform.audit.routes import AuditController
from arplatform.auth.clients import ApiClientController
from arplatform.auth.guards import authorize
from arplatform.auth.routes import token
from arplatform.collections.routes import (
    DisputeController,
    PaymentPlanController,
    PromiseController,
)
from arplatform.credit.late_payment.routes import LatePaymentRiskController
from arplatform.credit.routes import (
    AssessmentController,
    CreditApprovalController,
    CreditPolicyController,
    CustomerAssessmentController,
)
from arplatform.credit.watch_routes import (
    AlertController,
    CommitmentController,
    CountryRiskController,
    ExposureController,
    FxRateController,
)
from arplatform.customers.routes import CustomerController
from arplatform.db.session import Database
from arplatform.dunning.routes import (
    CommunicationController,
    DunningActionController,
    DunningExclusionController,
    DunningPlanController,
    DunningRunController,
    DunningSettingsController,
    DunningTemplateController,
)
from arplatform.events.routes import EventController
from arplatform.imports.routes import ImportController
from arplatform.integrations.providers import load_providers
from arplatform.integrations.routes import IntegrationController, list_plugins
from arplatform.interest.routes import (
    InterestPolicyController,
    InvoiceInterestController,
    ReferenceRateController,
)
from arplatform.invoices.routes import InvoiceController
from arplatform.jobs.broker import build_broker
from arplatform.jobs.catalog import periodic_jobs, platform_jobs
from arplatform.jobs.relay import Relay
from arplatform.jobs.runtime import JobRuntime
from arplatform.jobs.scheduler import run_scheduler
from arplatform.ops.logging import request_context_middleware
from arplatform.ops.routes import healthz, readyz
from arplatform.payments.routes import CreditNoteController, PaymentController
from arplatform.reports.routes import ReportController, StatementController
from arplatform.settings import Settings
from arplatform.tenants.routes import TenantController
from arplatform.webhooks.routes import WebhookEndpointController

log = structlog.get_logger(__name__)
SHUTDOWN_GRACE_SECONDS = 10


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False
    opt = {"roles": None}


def _openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="arplatform API",
        version=arplatform.__version__,
        description=(
            "Receivables credit-risk platform. Errors are RFC 9457 problem details; "
            "lists use cursor pagination; creating POSTs honour Idempotency-Key; "
            "updates honour If-Match."
        ),
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
        security=[{BEARER: []}],
        openapi_router=Router(
            path="/docs", route_handlers=[], opt={"roles": None}, include_in_schema=False
        ),
        render_plugins=[SwaggerRenderPlugin(path="/")],
        use_handler_docstrings=True,
    )


@contextlib.asynccontextmanager
async def _background(app: Litestar) -> AsyncIterator[None]:
    """The relay in every API process; in embedded mode also the worker and scheduler."""
    state = app.state
    settings: Settings = state.settings
    tasks = [asyncio.create_task(state.relay.run(), name="outbox-relay")]
    worker: dramatiq.Worker | None = None
    if settings.embedded_jobs and state.run_embedded_jobs:
        worker = dramatiq.Worker(state.broker, worker_threads=2)
        worker.start()
        tasks.append(
            asyncio.create_task(
                run_scheduler(state.db, periodic_jobs(), state.relay.nudge), name="scheduler"
            )
        )
    try:
        yield
    finally:
        state.relay.stop()
        for task in tasks:
            task.cancel()
        # Python 3.11's wait_for can swallow a cancellation that races a wake-up:
        # never let one loop hold the shutdown hostage.
        _, stuck = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECONDS)
        for task in stuck:
            log.error("background_task_did_not_stop", task=task.get_name())
        if worker is not None:
            await asyncio.to_thread(worker.stop)
        state.relay.close()
        await state.db.dispose()


def create_app(
    settings: Settings, *, plugins: Iterable[object] = (), run_embedded_jobs: bool = True
) -> Litestar:
    """The API application for ``settings``.

    ``plugins`` are registered besides the installed entry points (embedding
    and tests); ``run_embedded_jobs`` lets tests drive the in-process worker.
    """
    db = Database(settings.database_url)
    providers = load_providers(settings, plugins)
    runtime = JobRuntime(settings, providers)
    broker = build_broker(settings, runtime, platform_jobs())
    relay = Relay(db, broker, settings.relay_poll_seconds)
    state = State(
        {
            "settings": settings,
            "db": db,
            "runtime": runtime,
            "broker": broker,
            "relay": relay,
            "providers": providers,
            "run_embedded_jobs": run_embedded_jobs,
        }
    )
    prometheus = PrometheusConfig(app_name="arplatform", group_path=True, exclude=["/metrics"])
    app = Litestar(
        route_handlers=[
            token,
            healthz,
            readyz,
            CustomerController,
            InvoiceController,
            DisputeController,
            PromiseController,
            PaymentPlanController,
            InvoiceInterestController,
            LatePaymentRiskController,
            ReferenceRateController,
            InterestPolicyController,
            PaymentController,
            CreditNoteController,
            ReportController,
            StatementController,
            TenantController,
            EventController,
            AuditController,
            DunningRunController,
            CommunicationController,
            DunningPlanController,
            DunningSettingsController,
            DunningExclusionController,
            DunningTemplateController,
            DunningActionController,
            IntegrationController,
            WebhookEndpointController,
            FxRateController,
            CommitmentController,
            ExposureController,
            CountryRiskController,
            AlertController,
            CreditPolicyController,
            AssessmentController,
            CustomerAssessmentController,
            CreditApprovalController,
            ImportController,
            list_plugins,
            ApiClientController,
            MetricsController,
        ],
        state=state,
        dependencies={"session": Provide(provide_session)},
        guards=[authorize],
        before_request=before_request,
        after_request=commit_after_request,
        middleware=[request_context_middleware, prometheus.middleware, unit_of_work_middleware],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_request_body_bytes,
        openapi_config=_openapi_config(),
        lifespan=[_background],
        on_startup=[finalize_openapi, repair_options_allow],
        logging_config=None,
        debug=False,
    )
    return app


def create_server_app(settings: Settings) -> Litestar:
    """The app as ``arplatform serve`` runs it, for the life of the process.

    After ``create_app`` the process's long-lived objects (modules, handlers,
    schemas) are frozen out of the cyclic garbage collector: a full collection,
    which a large response can trigger, then walks only what requests allocate.
    Not for tests, which build many apps in one process (frozen objects are never
    freed).
    """
    app = create_app(settings)
    gc.collect()  # what building the app left behind is freed, not frozen
    gc.freeze()
    return app
