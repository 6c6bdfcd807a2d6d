"""RFC 9457 problem details for every error the API answers with."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = structlog.get_logger(__name__)


class FieldError(msgspec.Struct, frozen=True):
    """One invalid input: where it is and what is wrong with it."""

    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """An error, as RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """An error a service raises to answer with a specific problem."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class InvalidInput(ProblemError):
    """Well-formed input that breaks a rule the schema cannot express."""

    status, slug, title = 422, "invalid-input", "The input breaks a business rule"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class PreconditionFailed(ProblemError):
    status, slug, title = 412, "precondition-failed", "The resource has changed"


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        content=msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _validation_errors(exc: ValidationException) -> list[FieldError]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = []
    for item in extra:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or "body"
            errors.append(FieldError(field=str(where), message=str(item.get("message", ""))))
    return errors


def _http_problem(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    errors = _validation_errors(exc) if isinstance(exc, ValidationException) else None
    detail = exc.detail if exc.detail and exc.detail != phrase else None
    if errors:
        detail = "The request is not valid: " + "; ".join(f"{e.field}: {e.message}" for e in errors)
    headers = dict(exc.headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="arplatform"')
    problem = Problem(
        type="about:blank" if not errors else problem_type("validation"),
        title=phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors or None,
    )
    return problem_response(problem, headers)


def _is_unique_violation(exc: IntegrityError) -> bool:
    """A duplicate key is the client's conflict; any other integrity error is our bug."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Turn any exception into a problem; only the unexpected ones become 500."""
    if isinstance(exc, ProblemError):
        problem = Problem(
            type=problem_type(exc.slug),
            title=exc.title,
            status=exc.status,
            detail=exc.detail,
            instance=request.url.path,
            errors=exc.errors,
        )
        return problem_response(problem)
    if isinstance(exc, HTTPException):
        return _http_problem(request, exc)
    if isinstance(exc, StaleDataError):
        return handle_exception(request, PreconditionFailed("The resource was changed meanwhile"))
    if isinstance(exc, IntegrityError) and _is_unique_violation(exc):
        log.info("integrity_conflict", error=str(exc.orig))
        return handle_exception(request, Conflict("The change conflicts with an existing record"))
    if isinstance(exc, RecursionError):  # a JSON body nested thousands of levels deep
        return handle_exception(request, ValidationException("The body is nested too deeply"))
    log.exception("unhandled_error", path=request.url.path)
    problem = Problem(
        type="about:blank",
        title="Internal Server Error",
        status=500,
        detail="An unexpected error occurred; it has been logged.",
        instance=request.url.path,
    )
    return problem_response(problem)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {Exception: handle_exception}
