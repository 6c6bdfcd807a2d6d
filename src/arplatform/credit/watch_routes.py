"""FX-rate, commitment, exposure, country-risk and alert endpoints."""

from __future__ import annotations

import uuid

from litestar import Controller, Response
from litestar.params import FromPath, FromQuery, JSONBody

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
from arplatform.api.types import CountryCode, CurrencyCode
from arplatform.auth.tokens import Role
from arplatform.credit import alerts, commitments, country_risk, exposure, fx
from arplatform.credit.policy_schema import Signal
from arplatform.credit.watch_models import Commitment, CountryRisk, CreditAlert, FxRate
from arplatform.credit.watch_schemas import (
    AlertCreate,
    AlertOut,
    AlertPage,
    AlertStatus,
    CommitmentCreate,
    CommitmentOut,
    CommitmentPage,
    CommitmentStatus,
    CommitmentUpdate,
    CountryRiskCreate,
    CountryRiskOut,
    CountryRiskPage,
    CountryRiskUpdate,
    ExposureOut,
    FxRateCreate,
    FxRateOut,
    FxRatePage,
    FxRateUpdate,
    Rating,
)

#: Rates, ratings and alerts are credit decisions: not for collectors or viewers to change.
MANAGERS = {Role.ADMIN, Role.CREDIT_MANAGER}
#: Sales staff's systems report orders; collectors may too.
EDITORS = {Role.ADMIN, Role.CREDIT_MANAGER, Role.COLLECTOR}


def _fx(row: FxRate, *, created: bool = False) -> Response[FxRateOut]:
    location = f"/v1/fx-rates/{row.id}" if created else None
    return versioned_response(
        fx.rate_out(row), row.version, location=location, status_code=201 if created else 200
    )


def _commitment(row: Commitment, *, created: bool = False) -> Response[CommitmentOut]:
    location = f"/v1/commitments/{row.id}" if created else None
    return versioned_response(
        commitments.commitment_out(row),
        row.version,
        location=location,
        status_code=201 if created else 200,
    )


def _rating(row: CountryRisk, *, created: bool = False) -> Response[CountryRiskOut]:
    location = f"/v1/country-risk/{row.id}" if created else None
    return versioned_response(
        country_risk.country_risk_out(row),
        row.version,
        location=location,
        status_code=201 if created else 200,
    )


def _alert(row: CreditAlert, *, created: bool = False) -> Response[AlertOut]:
    location = f"/v1/alerts/{row.id}" if created else None
    return versioned_response(
        alerts.alert_out(row), row.version, location=location, status_code=201 if created else 200
    )


class FxRateController(Controller):
    path = "/v1/fx-rates"
    tags = ["credit"]

    @api_post("/", roles=MANAGERS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_fx_rate(
        self,
        session: DbSession,
        data: JSONBody[FxRateCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[FxRateOut]:
        """Record what one ``base`` is worth in ``quote`` from a day on (the latest on or
        before a day is the rate of that day)."""
        return _fx(await fx.create_rate(session, data), created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_fx_rates(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        base: FromQuery[CurrencyCode | None] = None,
        quote: FromQuery[CurrencyCode | None] = None,
    ) -> FxRatePage:
        """List FX rates, oldest record first, optionally of one base or quote currency."""
        rows, next_cursor = await fx.list_rates(
            session, base=base, quote=quote, cursor=cursor, limit=limit
        )
        return FxRatePage(data=[fx.rate_out(r) for r in rows], next_cursor=next_cursor)

    @api_get("/{fx_rate_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_fx_rate(
        self, session: DbSession, fx_rate_id: FromPath[uuid.UUID]
    ) -> Response[FxRateOut]:
        """Read one FX rate."""
        return _fx(await fx.get_rate(session, fx_rate_id))

    @api_patch("/{fx_rate_id:uuid}", roles=MANAGERS, errors=[422], etag=True)
    async def update_fx_rate(
        self,
        session: DbSession,
        fx_rate_id: FromPath[uuid.UUID],
        data: JSONBody[FxRateUpdate],
        if_match: IfMatch = None,
    ) -> Response[FxRateOut]:
        """Correct a rate; exposure is always computed with the values recorded now."""
        return _fx(await fx.update_rate(session, fx_rate_id, data, if_match))

    @api_delete("/{fx_rate_id:uuid}", roles=MANAGERS)
    async def delete_fx_rate(
        self, session: DbSession, fx_rate_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> None:
        """Remove a rate; the previous value of its pair stays in force."""
        await fx.delete_rate(session, fx_rate_id, if_match)


class CommitmentController(Controller):
    path = "/v1/commitments"
    tags = ["credit"]

    @api_post("/", roles=EDITORS, errors=[422], idempotent=True, etag=True, status_code=201)
    async def create_commitment(
        self,
        session: DbSession,
        data: JSONBody[CommitmentCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CommitmentOut]:
        """Report an order not yet invoiced; it counts in the customer's exposure while open."""
        return _commitment(await commitments.create_commitment(session, data), created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_commitments(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[CommitmentStatus | None] = None,
    ) -> CommitmentPage:
        """List commitments, oldest first, of one customer or by status."""
        rows, next_cursor = await commitments.list_commitments(
            session, customer_id=customer_id, status=status, cursor=cursor, limit=limit
        )
        return CommitmentPage(
            data=[commitments.commitment_out(r) for r in rows], next_cursor=next_cursor
        )

    @api_get("/{commitment_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_commitment(
        self, session: DbSession, commitment_id: FromPath[uuid.UUID]
    ) -> Response[CommitmentOut]:
        """Read one commitment."""
        return _commitment(await commitments.get_commitment(session, commitment_id))

    @api_patch("/{commitment_id:uuid}", roles=EDITORS, errors=[422], etag=True)
    async def update_commitment(
        self,
        session: DbSession,
        commitment_id: FromPath[uuid.UUID],
        data: JSONBody[CommitmentUpdate],
        if_match: IfMatch = None,
    ) -> Response[CommitmentOut]:
        """Change the amount, reference or expected date, or close it (``status: closed``)."""
        row = await commitments.update_commitment(session, commitment_id, data, if_match)
        return _commitment(row)

    @api_delete("/{commitment_id:uuid}", roles=EDITORS)
    async def delete_commitment(
        self, session: DbSession, commitment_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> None:
        """Remove a commitment recorded by mistake (close one that was invoiced instead)."""
        await commitments.delete_commitment(session, commitment_id, if_match)


class ExposureController(Controller):
    path = "/v1/customers/{customer_id:uuid}/exposure"
    tags = ["credit"]

    @api_get("/", roles=ALL_ROLES, errors=[404, 409])
    async def get_exposure(
        self, session: DbSession, customer_id: FromPath[uuid.UUID]
    ) -> ExposureOut:
        """Today's limit, exposure and what is available, in the tenant currency.

        The composition lists open receivables and commitments per currency with
        the FX rate and its date; a currency without a rate answers 409.
        """
        return exposure.exposure_out(await exposure.customer_exposure(session, customer_id))


class CountryRiskController(Controller):
    path = "/v1/country-risk"
    tags = ["credit"]

    @api_post("/", roles=MANAGERS, errors=[409], idempotent=True, etag=True, status_code=201)
    async def create_country_risk(
        self,
        session: DbSession,
        data: JSONBody[CountryRiskCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CountryRiskOut]:
        """Rate a country A (best) to E (worst), optionally with a score from 0 to 100."""
        return _rating(await country_risk.create_country_risk(session, data), created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_country_risks(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        country: FromQuery[CountryCode | None] = None,
        rating: FromQuery[Rating | None] = None,
    ) -> CountryRiskPage:
        """List country ratings, oldest first, optionally of one country or rating."""
        rows, next_cursor = await country_risk.list_country_risks(
            session, country=country, rating=rating, cursor=cursor, limit=limit
        )
        return CountryRiskPage(
            data=[country_risk.country_risk_out(r) for r in rows], next_cursor=next_cursor
        )

    @api_get("/{country_risk_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_country_risk(
        self, session: DbSession, country_risk_id: FromPath[uuid.UUID]
    ) -> Response[CountryRiskOut]:
        """Read one country rating."""
        return _rating(await country_risk.get_country_risk(session, country_risk_id))

    @api_patch("/{country_risk_id:uuid}", roles=MANAGERS, etag=True)
    async def update_country_risk(
        self,
        session: DbSession,
        country_risk_id: FromPath[uuid.UUID],
        data: JSONBody[CountryRiskUpdate],
        if_match: IfMatch = None,
    ) -> Response[CountryRiskOut]:
        """Change a country's rating, score or source."""
        row = await country_risk.update_country_risk(session, country_risk_id, data, if_match)
        return _rating(row)

    @api_delete("/{country_risk_id:uuid}", roles=MANAGERS)
    async def delete_country_risk(
        self, session: DbSession, country_risk_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> None:
        """Remove a country's rating."""
        await country_risk.delete_country_risk(session, country_risk_id, if_match)


class AlertController(Controller):
    path = "/v1/alerts"
    tags = ["credit"]

    @api_post("/", roles=MANAGERS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_alert(
        self,
        session: DbSession,
        data: JSONBody[AlertCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[AlertOut]:
        """Raise a signal learnt outside the platform; the policy's actions apply to it."""
        return _alert(await alerts.create_alert(session, data), created=True)

    @api_get("/", roles=ALL_ROLES)
    async def list_alerts(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        status: FromQuery[AlertStatus | None] = None,
        signal: FromQuery[Signal | None] = None,
        customer_id: FromQuery[uuid.UUID | None] = None,
    ) -> AlertPage:
        """List early-warning alerts, oldest first, by status, signal or customer."""
        rows, next_cursor = await alerts.list_alerts(
            session,
            status=status,
            signal=signal,
            customer_id=customer_id,
            cursor=cursor,
            limit=limit,
        )
        return AlertPage(data=[alerts.alert_out(r) for r in rows], next_cursor=next_cursor)

    @api_get("/{alert_id:uuid}", roles=ALL_ROLES, etag=True)
    async def get_alert(
        self, session: DbSession, alert_id: FromPath[uuid.UUID]
    ) -> Response[AlertOut]:
        """Read one alert: the signal, what was seen in plain words, and the facts."""
        return _alert(await alerts.get_alert(session, alert_id))

    @api_post(
        "/{alert_id:uuid}/acknowledge",
        roles=EDITORS,
        errors=[409],
        conditional=True,
        etag=True,
        status_code=200,
    )
    async def acknowledge_alert(
        self, session: DbSession, alert_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> Response[AlertOut]:
        """Mark the alert as being looked at; it keeps the signal from being raised again."""
        return _alert(await alerts.acknowledge(session, alert_id, if_match))

    @api_post(
        "/{alert_id:uuid}/resolve",
        roles=MANAGERS,
        conditional=True,
        etag=True,
        status_code=200,
    )
    async def resolve_alert(
        self, session: DbSession, alert_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> Response[AlertOut]:
        """Close the alert; the signal may raise a new one for the customer afterwards."""
        return _alert(await alerts.resolve(session, alert_id, if_match))
