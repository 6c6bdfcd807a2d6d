"""Dunning endpoints: runs, the review queue, plans, settings, exclusions, templates, actions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from arplatform.api.conventions import (
    ALL_ROLES,
    DbSession,
    IdempotencyKey,
    IfMatch,
    api_delete,
    api_get,
    api_patch,
    api_post,
)
from arplatform.api.etag import versioned_response
from arplatform.api.pagination import Cursor, Limit
from arplatform.auth.tokens import Role
from arplatform.bounds import check_day
from arplatform.dunning import actions, service, templating, views
from arplatform.dunning.plans import ensure_defaults
from arplatform.dunning.schemas import (
    ActionDone,
    ActionOut,
    ActionPage,
    ActionStatus,
    CommunicationEdit,
    CommunicationOut,
    CommunicationPage,
    CommunicationStatus,
    CustomerDunningOut,
    CustomerDunningUpdate,
    DunningPlanCreate,
    DunningPlanOut,
    DunningPlanPage,
    DunningPlanUpdate,
    DunningSettingsOut,
    DunningSettingsUpdate,
    EffectivenessOut,
    InvoiceDunningOut,
    InvoiceDunningUpdate,
    RunCreate,
    RunOut,
    TemplateCreate,
    TemplateOut,
    TemplatePage,
    TemplateUpdate,
)

COLLECTORS = {Role.ADMIN, Role.CREDIT_MANAGER, Role.COLLECTOR}
LevelIndex = Annotated[
    # gt=-1, not ge=0: a zero bound is dropped from the published schema.
    int | None,
    QueryParameter(gt=-1, le=19, description="Position of the level in its plan"),
]
MANAGERS = {Role.ADMIN, Role.CREDIT_MANAGER}
ACTION: dict[str, Any] = {"conditional": True, "etag": True, "status_code": 200}


def _communication(row: Any) -> Response[CommunicationOut]:
    return versioned_response(views.communication_out(row), row.version)


class DunningRunController(Controller):
    path = "/v1/dunning-runs"
    tags = ["dunning"]

    @api_post(
        "/",
        roles=MANAGERS,
        errors=[422],
        idempotent=True,
        status_code=201,
        responses={200: ResponseSpec(RunOut, description="A dry run: nothing was recorded")},
    )
    async def run_dunning(
        self, session: DbSession, data: JSONBody[RunCreate], idempotency_key: IdempotencyKey = None
    ) -> Response[RunOut]:
        """Run dunning now for ``as_of`` (default: today), or preview it with ``dry_run``.

        A run decides which level applies to every instalment due for a look,
        groups them per customer, level and currency into communications, and
        queues their delivery (or leaves them as drafts for review). Running a day
        again sends nothing twice. A dry run records nothing and works for any date.
        """
        decided, recorded = await service.run(session, data.as_of, dry_run=data.dry_run)
        if recorded is None:
            communications = views.preview(decided)
        else:
            rows = await service.communications(session, recorded.communication_ids)
            communications = [views.communication_out(row) for row in rows]
        body = RunOut(
            id=None if recorded is None else recorded.run_id,
            as_of=decided.as_of,
            dry_run=data.dry_run,
            examined=len(decided.outcomes),
            communications=communications,
            actions=sorted({a.value for g in decided.groups for a in g.level.actions}),
        )
        return Response(body, status_code=200 if data.dry_run else 201)


class CommunicationController(Controller):
    path = "/v1/dunning-communications"
    tags = ["dunning"]

    @api_get("/", roles=ALL_ROLES)
    async def list_communications(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        status: FromQuery[CommunicationStatus | None] = None,
        level: LevelIndex = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
    ) -> CommunicationPage:
        """List communications, oldest first; ``status=draft`` is the review queue."""
        filters = {"status": None if status is None else str(status), "level": level}
        rows, next_cursor = await service.list_communications(
            session, filters={**filters, "customer_id": customer_id}, cursor=cursor, limit=limit
        )
        return CommunicationPage([views.communication_out(r) for r in rows], next_cursor)

    @api_get("/{communication_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_communication(
        self, session: DbSession, communication_id: FromPath[uuid.UUID]
    ) -> Response[CommunicationOut]:
        """Read one communication with its lines and each channel's delivery outcome."""
        return _communication(await service.get_communication(session, communication_id))

    @api_patch("/{communication_id:uuid}", roles=COLLECTORS, errors=[409, 422], etag=True)
    async def edit_communication(
        self,
        session: DbSession,
        communication_id: FromPath[uuid.UUID],
        data: JSONBody[CommunicationEdit],
        if_match: IfMatch = None,
    ) -> Response[CommunicationOut]:
        """Reword a draft under review (subject, text); the wording replaces the template's."""
        row = await service.edit_communication(session, communication_id, data, if_match)
        return _communication(row)

    @api_post("/{communication_id:uuid}/approve", roles=COLLECTORS, errors=[409], **ACTION)
    async def approve_communication(
        self, session: DbSession, communication_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> Response[CommunicationOut]:
        """Approve a draft: it is delivered on its channels."""
        row = await service.approve_communication(session, communication_id, if_match)
        return _communication(row)

    @api_post("/{communication_id:uuid}/skip", roles=COLLECTORS, errors=[409], **ACTION)
    async def skip_communication(
        self, session: DbSession, communication_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> Response[CommunicationOut]:
        """Do not send a draft; its instalments stay at their level."""
        row = await service.skip_communication(session, communication_id, if_match)
        return _communication(row)


class DunningPlanController(Controller):
    path = "/v1/dunning-plans"
    tags = ["dunning"]

    @api_get("/", roles=ALL_ROLES)
    async def list_plans(
        self, session: DbSession, limit: Limit = 50, cursor: Cursor = None
    ) -> DunningPlanPage:
        """List the plans; a new tenant has the default plan of the trade's practice."""
        rows, next_cursor = await service.list_plans(session, cursor, limit)
        return DunningPlanPage([views.plan_out(r) for r in rows], next_cursor)

    @api_post("/", roles=MANAGERS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_plan(
        self,
        session: DbSession,
        data: JSONBody[DunningPlanCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[DunningPlanOut]:
        """Add a plan, for a risk tier (``risk_tier``) or to give customers by name."""
        plan = await service.create_plan(session, data)
        return versioned_response(
            views.plan_out(plan),
            plan.version,
            location=f"/v1/dunning-plans/{plan.id}",
            status_code=201,
        )

    @api_get("/{dunning_plan_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_plan(
        self, session: DbSession, dunning_plan_id: FromPath[uuid.UUID]
    ) -> Response[DunningPlanOut]:
        """Read one plan."""
        plan = await service.get_plan(session, dunning_plan_id)
        return versioned_response(views.plan_out(plan), plan.version)

    @api_patch("/{dunning_plan_id:uuid}", roles=MANAGERS, errors=[409, 422], etag=True)
    async def update_plan(
        self,
        session: DbSession,
        dunning_plan_id: FromPath[uuid.UUID],
        data: JSONBody[DunningPlanUpdate],
        if_match: IfMatch = None,
    ) -> Response[DunningPlanOut]:
        """Change a plan; every instalment in dunning is decided afresh at the next run."""
        plan = await service.update_plan(session, dunning_plan_id, data, if_match)
        return versioned_response(views.plan_out(plan), plan.version)


class DunningSettingsController(Controller):
    path = "/v1/dunning-settings"
    tags = ["dunning"]

    @api_get("/", roles=ALL_ROLES, etag=True)
    async def get_settings(self, session: DbSession) -> Response[DunningSettingsOut]:
        """The tenant's dunning settings: review, small debts, run hour, what notices say."""
        settings = await ensure_defaults(session)
        return versioned_response(views.settings_out(settings), settings.version)

    @api_patch("/", roles=MANAGERS, errors=[422], etag=True)
    async def update_settings(
        self, session: DbSession, data: JSONBody[DunningSettingsUpdate], if_match: IfMatch = None
    ) -> Response[DunningSettingsOut]:
        """Change the given settings."""
        settings = await service.update_settings(session, data, if_match)
        return versioned_response(views.settings_out(settings), settings.version)


class DunningExclusionController(Controller):
    path = "/v1"
    tags = ["dunning"]

    @api_post(
        "/customers/{customer_id:uuid}/dunning", roles=MANAGERS, errors=[422], status_code=200
    )
    async def set_customer_dunning(
        self,
        session: DbSession,
        customer_id: FromPath[uuid.UUID],
        data: JSONBody[CustomerDunningUpdate],
    ) -> CustomerDunningOut:
        """Give a customer its own plan, or exclude it from dunning (or include it again)."""
        row = await service.set_customer_dunning(session, customer_id, data)
        return CustomerDunningOut(
            customer_id=row.customer_id,
            plan_id=row.plan_id,
            excluded=row.excluded,
            reason=row.reason,
        )

    @api_get("/invoices/{invoice_id:uuid}/dunning", roles=ALL_ROLES)
    async def get_invoice_dunning(
        self, session: DbSession, invoice_id: FromPath[uuid.UUID]
    ) -> InvoiceDunningOut:
        """Where each instalment of an invoice stands in dunning, and every notice listing it."""
        return await views.invoice_dunning(session, invoice_id)

    @api_post(
        "/invoices/{invoice_id:uuid}/dunning", roles=COLLECTORS, errors=[422], status_code=200
    )
    async def set_invoice_dunning(
        self,
        session: DbSession,
        invoice_id: FromPath[uuid.UUID],
        data: JSONBody[InvoiceDunningUpdate],
    ) -> InvoiceDunningOut:
        """Exclude an invoice from dunning, or include it again."""
        await service.set_invoice_dunning(session, invoice_id, data)
        return await views.invoice_dunning(session, invoice_id)

    @api_get("/reports/dunning-effectiveness", roles=ALL_ROLES, errors=[422])
    async def dunning_effectiveness(
        self, session: DbSession, date_from: FromQuery[date], date_to: FromQuery[date]
    ) -> EffectivenessOut:
        """Per level: notices sent in the period, and the share paid within 14 days of them."""
        check_day("date_from", date_from)
        check_day("date_to", date_to, not_before=date_from, label="date_from")
        return await views.effectiveness(session, date_from, date_to)


class DunningTemplateController(Controller):
    path = "/v1/dunning-templates"
    tags = ["dunning"]

    @api_get("/", roles=ALL_ROLES)
    async def list_templates(
        self, session: DbSession, limit: Limit = 50, cursor: Cursor = None
    ) -> TemplatePage:
        """The tenant's own templates (the shipped ones apply where there is none)."""
        rows, next_cursor = await templating.list_overrides(session, cursor, limit)
        return TemplatePage([views.template_out(r) for r in rows], next_cursor)

    @api_post("/", roles=MANAGERS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_template(
        self,
        session: DbSession,
        data: JSONBody[TemplateCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TemplateOut]:
        """Use the tenant's own version of a notice template in a language.

        The source defines the blocks ``subject``, ``body`` and optionally ``sms``;
        it is rendered in the sandbox against a sample notice before it is stored.
        """
        row = await templating.create_override(session, data)
        return versioned_response(
            views.template_out(row),
            row.version,
            location=f"/v1/dunning-templates/{row.id}",
            status_code=201,
        )

    @api_get("/{template_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_template(
        self, session: DbSession, template_id: FromPath[uuid.UUID]
    ) -> Response[TemplateOut]:
        """Read one of the tenant's templates."""
        row = await templating.get_override(session, template_id)
        return versioned_response(views.template_out(row), row.version)

    @api_patch("/{template_id:uuid}", roles=MANAGERS, errors=[422], etag=True)
    async def update_template(
        self,
        session: DbSession,
        template_id: FromPath[uuid.UUID],
        data: JSONBody[TemplateUpdate],
        if_match: IfMatch = None,
    ) -> Response[TemplateOut]:
        """Replace a template's source (checked as at creation)."""
        row = await templating.update_override(session, template_id, data, if_match)
        return versioned_response(views.template_out(row), row.version)

    @api_delete("/{template_id:uuid}", roles=MANAGERS, status_code=204)
    async def delete_template(
        self, session: DbSession, template_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> None:
        """Go back to the shipped template."""
        await templating.delete_override(session, template_id, if_match)


class DunningActionController(Controller):
    path = "/v1/dunning-actions"
    tags = ["dunning"]

    @api_get("/", roles=ALL_ROLES)
    async def list_actions(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        status: FromQuery[ActionStatus | None] = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
    ) -> ActionPage:
        """Reviews to do, holds set, hand-overs and insurer declarations, oldest first."""
        state = None if status is None else str(status)
        rows, next_cursor = await actions.list_actions(session, state, customer_id, cursor, limit)
        return ActionPage([views.action_out(r) for r in rows], next_cursor)

    @api_get("/{action_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_action(
        self, session: DbSession, action_id: FromPath[uuid.UUID]
    ) -> Response[ActionOut]:
        """Read one action."""
        row = await actions.get_action(session, action_id)
        return versioned_response(views.action_out(row), row.version)

    @api_post("/{action_id:uuid}/complete", roles=COLLECTORS, errors=[409], **ACTION)
    async def complete_action(
        self,
        session: DbSession,
        action_id: FromPath[uuid.UUID],
        data: JSONBody[ActionDone],
        if_match: IfMatch = None,
    ) -> Response[ActionOut]:
        """Mark an open task (a customer review, a hand-over done by hand) as done."""
        row = await actions.complete(session, action_id, data, if_match)
        return versioned_response(views.action_out(row), row.version)
