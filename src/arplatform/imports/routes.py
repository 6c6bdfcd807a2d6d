"""Import endpoints: upload a file, read the import's progress and report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Controller, Request, Response
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery

from arplatform.api.conventions import ALL_ROLES, DbSession, IdempotencyKey, api_get, api_post
from arplatform.api.pagination import Cursor, Limit
from arplatform.api.problems import InvalidInput, ProblemError
from arplatform.api.uow import current_uow
from arplatform.auth.tokens import Role
from arplatform.imports import service
from arplatform.imports.records import csv_header_problems
from arplatform.imports.schemas import ImportFormat, ImportMode, ImportOut, ImportPage, ImportType

IMPORTERS = {Role.ADMIN, Role.CREDIT_MANAGER}
MEDIA_TYPES = {"text/csv": ImportFormat.CSV, "application/x-ndjson": ImportFormat.NDJSON}


@dataclass
class UploadOperation(Operation):
    """The upload's body is the file itself, in one of two media types."""

    def __post_init__(self) -> None:
        text = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
        self.request_body = RequestBody(
            content={media: text for media in MEDIA_TYPES},
            required=True,
            description=(
                "CSV with a header row (one record type per file: give type=), or NDJSON "
                "with one record and its type per line. At most the server's request size "
                "limit (ARP_MAX_REQUEST_BODY_BYTES, 1 MiB by default); load larger files "
                "with `arplatform import`."
            ),
        )


class UnsupportedMediaType(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


def _format(request: Request[object, object, State]) -> ImportFormat:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = MEDIA_TYPES.get(media)
    if fmt is None:
        raise UnsupportedMediaType("Send the file as text/csv or application/x-ndjson")
    return fmt


class ImportController(Controller):
    path = "/v1/imports"
    tags = ["imports"]

    @api_post(
        "/",
        roles=IMPORTERS,
        errors=[415, 422],
        idempotent=True,
        status_code=202,
        operation_class=UploadOperation,
    )
    async def create_import(
        self,
        request: Request[object, object, State],
        session: DbSession,
        type: FromQuery[ImportType | None] = None,
        mode: FromQuery[ImportMode] = ImportMode.PARTIAL,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ImportOut]:
        """Import customers, invoices, payments or credit notes; the work runs as a job.

        Rows are matched on ``external_ref``: a re-imported file creates nothing
        new. Poll the returned import for progress and the per-row report.
        """
        fmt = _format(request)
        if fmt is ImportFormat.CSV and type is None:
            raise InvalidInput("A CSV file holds one record type: give type=")
        body = await request.body()
        if fmt is ImportFormat.CSV and (problems := csv_header_problems(body, str(type))):
            raise InvalidInput(
                f"The CSV header does not fit {type} records: " + "; ".join(problems)
            )
        job = await service.create_import(
            session,
            body,
            fmt=str(fmt),
            kind=None if type is None else str(type),
            mode=str(mode),
            actor=current_uow().principal.actor,
        )
        return Response(
            service.to_out(job),
            status_code=202,
            headers={"Location": f"/v1/imports/{job.id}"},
        )

    @api_get("/", roles=ALL_ROLES)
    async def list_imports(
        self, session: DbSession, limit: Limit = 50, cursor: Cursor = None
    ) -> ImportPage:
        """The tenant's imports, oldest first."""
        rows, next_cursor = await service.list_imports(session, cursor=cursor, limit=limit)
        return ImportPage(data=[service.to_out(j) for j in rows], next_cursor=next_cursor)

    @api_get("/{import_id:uuid}", roles=ALL_ROLES)
    async def get_import(self, session: DbSession, import_id: FromPath[uuid.UUID]) -> ImportOut:
        """An import's status, progress, counts per record type and rejected rows."""
        return service.to_out(await service.get_import(session, import_id))
