"""Receivables reports and the customer statement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.openapi.spec import OpenAPIMediaType, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath, FromQuery, QueryParameter

from arplatform.api.conventions import ALL_ROLES, DbSession, api_get
from arplatform.api.types import CurrencyCode
from arplatform.reports import service, statement
from arplatform.reports.schemas import (
    AgingReport,
    DsoMethod,
    DsoReport,
    OverdueReport,
    Statement,
    StatementFormat,
    TopDebtors,
)

CSV = "text/csv"
AsOf = Annotated[
    date | None,
    QueryParameter(description="The day to reconstruct (default: today in the tenant's zone)"),
]
Currency = Annotated[
    CurrencyCode | None,
    QueryParameter(description="Report currency (default: the tenant's); others are never added"),
]
Buckets = Annotated[
    str | None,
    QueryParameter(
        pattern=r"^[1-9][0-9]{0,3}(,[1-9][0-9]{0,3}){0,9}$",
        max_length=49,
        description=(
            "Strictly increasing days past due that end each bucket, e.g. `30,60,90,120`; "
            "default `30,60,90` (current, 1-30, 31-60, 61-90, 90+)"
        ),
    ),
]
PeriodDays = Annotated[
    int, QueryParameter(ge=1, le=3650, description="Days of sales for the standard method")
]
TopLimit = Annotated[int, QueryParameter(ge=1, le=200, description="How many customers")]
From = Annotated[
    date | None,
    QueryParameter(name="from", description="First day (default: first of `to`'s month)"),
]
To = Annotated[date | None, QueryParameter(name="to", description="Last day (default: today)")]


@dataclass
class CsvOperation(Operation):
    """An operation that also answers ``text/csv`` with 200."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        content = getattr(ok, "content", None)
        if content is not None:
            content[CSV] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))


class ReportController(Controller):
    path = "/v1/reports"
    tags = ["reports"]

    @api_get("/aging", roles=ALL_ROLES, errors=[422])
    async def aging_report(
        self,
        session: DbSession,
        as_of: AsOf = None,
        currency: Currency = None,
        buckets: Buckets = None,
    ) -> AgingReport:
        """Aging: open instalments by days past due (`as_of - due_date`), per customer and total.

        The open amount of an instalment on `as_of` is its amount less the
        allocations (payments, credit notes, write-offs, reversals) booked on or
        before that day, for invoices issued by then and neither cancelled nor
        written off by then; drafts never count. Only the report currency is
        summed; `other_currencies` shows what is open in other currencies.
        """
        scope = await service.report_scope(session, as_of, currency)
        return await service.aging(session, scope, buckets)

    @api_get("/dso", roles=ALL_ROLES, errors=[422])
    async def dso_report(
        self,
        session: DbSession,
        as_of: AsOf = None,
        currency: Currency = None,
        method: FromQuery[DsoMethod] = DsoMethod.COUNTBACK,
        period_days: PeriodDays = 90,
    ) -> DsoReport:
        """Days sales outstanding on `as_of`.

        Receivables R = the aging total on `as_of`; sales = totals of invoices
        issued in a period (not cancelled by `as_of`).
        - `standard`: DSO = R / sales of (`as_of - period_days`, `as_of`] * `period_days`.
        - `countback`: walk back month by month from `as_of` (periods (`as_of` - k months,
          `as_of` - (k-1) months]); while R exceeds a month's sales, count the whole month
          and subtract its sales; the month that exhausts R counts days * R_left / sales.
          At most 36 months; `complete` is false when R outlasts them.
        """
        scope = await service.report_scope(session, as_of, currency)
        return await service.dso(session, scope, method, period_days)

    @api_get("/overdue", roles=ALL_ROLES, errors=[422])
    async def overdue_report(
        self, session: DbSession, as_of: AsOf = None, currency: Currency = None
    ) -> OverdueReport:
        """Overdue ratio on `as_of`: open amounts past their due date / all open amounts."""
        scope = await service.report_scope(session, as_of, currency)
        return await service.overdue(session, scope)

    @api_get("/top-debtors", roles=ALL_ROLES, errors=[422])
    async def top_debtors_report(
        self,
        session: DbSession,
        as_of: AsOf = None,
        currency: Currency = None,
        limit: TopLimit = 10,
    ) -> TopDebtors:
        """The customers owing most on `as_of`, with their overdue part and share."""
        scope = await service.report_scope(session, as_of, currency)
        return await service.top_debtors(session, scope, limit)


class StatementController(Controller):
    path = "/v1/customers"
    tags = ["customers"]

    @api_get(
        "/{customer_id:uuid}/statement",
        roles=ALL_ROLES,
        errors=[422],
        operation_class=CsvOperation,
    )
    async def customer_statement(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        customer_id: FromPath[uuid.UUID],
        from_date: From = None,
        to_date: To = None,
        currency: Currency = None,
        format: FromQuery[StatementFormat | None] = None,
    ) -> Response[Statement]:
        """Statement of account: opening balance, movements with running balance, closing balance.

        Movements: invoices, payments, credit notes, payment reversals (a reversed
        payment appears twice), cancellations and write-offs; accrued late
        interest to `to` (shown apart, not in the balance) and the aged open
        amounts on `to`. CSV with `format=csv` or `Accept: text/csv`.
        """
        doc = await statement.statement(session, customer_id, from_date, to_date, currency)
        wanted = format or (
            StatementFormat.CSV
            if request.accept.best_match(["application/json", CSV]) == CSV
            else StatementFormat.JSON
        )
        if wanted is StatementFormat.CSV:
            return Response(statement.to_csv(doc), media_type=CSV)  # type: ignore[arg-type]
        return Response(doc)
