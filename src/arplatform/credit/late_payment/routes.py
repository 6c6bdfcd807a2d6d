"""The late-payment risk endpoint of an invoice."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller
from litestar.params import FromPath, QueryParameter

from arplatform.api.conventions import ALL_ROLES, DbSession, api_get
from arplatform.credit.late_payment import service
from arplatform.credit.late_payment.schemas import LatePaymentRiskOut

ToleranceDays = Annotated[
    service.Tolerance,
    QueryParameter(
        description="Days after the due date a payment still counts as on time "
        "(one of a few grace periods, so that estimates can be reused)"
    ),
]


class LatePaymentRiskController(Controller):
    path = "/v1/invoices"
    tags = ["credit"]

    @api_get("/{invoice_id:uuid}/late-payment-risk", roles=ALL_ROLES, errors=[409])
    async def get_late_payment_risk(
        self,
        session: DbSession,
        invoice_id: FromPath[uuid.UUID],
        tolerance_days: ToleranceDays = 0,
    ) -> LatePaymentRiskOut:
        """Probability that the invoice is paid late, and its expected payment date.

        Learnt from the tenant's own settled history at request time; each open
        instalment lists the factors with their contribution to the log-odds.
        409 when the invoice has nothing open or the history is too short.
        """
        risk = await service.invoice_risk(session, invoice_id, tolerance=tolerance_days)
        return service.to_out(risk)
