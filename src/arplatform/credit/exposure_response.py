"""What the credit check at issue tells the caller of an invoice endpoint, as headers."""

from __future__ import annotations

from typing import TypeVar

from litestar import Response
from litestar.datastructures import ResponseHeader

from arplatform.credit.exposure_check import Verdict

T = TypeVar("T")

#: Headers of an invoice response that the credit check at issue adds when it had something to say.
CREDIT_CHECK_HEADERS = [
    ResponseHeader(
        name="Credit-Check",
        description="The credit check at issue: within_limit, not_checked, approved, warned "
        "or pending_approval (the invoice stays a draft, 202)",
        documentation_only=True,
    ),
    ResponseHeader(
        name="Credit-Warning",
        description="Over the credit limit or the tier's maximum payment terms: "
        "the exposure figures or the terms, in words",
        documentation_only=True,
    ),
    ResponseHeader(
        name="Credit-Approval",
        description="The ids of the pending invoice_over_limit and/or invoice_over_terms "
        "approval requests, comma-separated",
        documentation_only=True,
    ),
]
PENDING_APPROVAL = (
    "Over the credit limit or the tier's maximum terms: the invoice stays a draft "
    "until the approval is granted"
)


def with_credit_verdict(verdict: Verdict | None, response: Response[T]) -> Response[T]:
    """Tell the caller what the credit check at issue said about the invoice.

    ``Credit-Check`` names the outcome; a warning or a pending approval adds
    ``Credit-Warning`` (the figures or terms in words), a pending approval also
    ``Credit-Approval`` (the requests' ids, comma-separated) and answers 202:
    the invoice is a draft.
    ``verdict`` None (nothing was issued): the response is left as it is.
    """
    if verdict is None:
        return response
    response.headers["Credit-Check"] = verdict.outcome.value
    if verdict.message is not None:
        response.headers["Credit-Warning"] = verdict.message.encode("ascii", "replace").decode()
    if verdict.approval_ids:
        response.headers["Credit-Approval"] = ", ".join(map(str, verdict.approval_ids))
    if not verdict.may_issue:
        response.status_code = 202
    return response
