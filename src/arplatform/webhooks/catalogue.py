"""The event catalogue (:mod:`arplatform.events.catalogue`) as the OpenAPI ``webhooks``
section: one signed POST per event type."""

from __future__ import annotations

from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    RequestBody,
    Schema,
)

from arplatform.events.catalogue import CATALOGUE, EventType

__all__ = ["CATALOGUE", "openapi_webhooks"]


_STRING = Schema(type=OpenAPIType.STRING)
_HEADERS = (
    ("webhook-id", "The message id, the same on every retry and replay: deduplicate on it"),
    ("webhook-timestamp", "Unix seconds (UTC) of this attempt"),
    ("webhook-signature", "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, space-separated"),
)


def _payload(event: EventType) -> Schema:
    data = Schema(
        type=OpenAPIType.OBJECT,
        properties={key: Schema() for key in event.data},
        description="The thin snapshot of the resource at the event",
    )
    resource = Schema(
        type=OpenAPIType.OBJECT,
        properties={
            "type": Schema(type=OpenAPIType.STRING, const=event.resource),
            "id": Schema(type=OpenAPIType.STRING, format="uuid"),  # type: ignore[arg-type]
            "version": Schema(
                one_of=[Schema(type=OpenAPIType.INTEGER), Schema(type=OpenAPIType.NULL)]
            ),
        },
        required=["type", "id", "version"],
    )
    return Schema(
        type=OpenAPIType.OBJECT,
        properties={
            "id": _STRING,
            "type": Schema(type=OpenAPIType.STRING, const=event.name),
            "timestamp": Schema(type=OpenAPIType.STRING, format="date-time"),  # type: ignore[arg-type]
            "tenant_id": Schema(type=OpenAPIType.STRING, format="uuid"),  # type: ignore[arg-type]
            "resource": resource,
            "data": data,
        },
        required=["id", "type", "timestamp", "tenant_id", "resource", "data"],
    )


def openapi_webhooks() -> dict[str, PathItem]:
    """One OpenAPI 3.1 ``webhooks`` entry per event type."""
    headers = [
        Parameter(name=name, param_in="header", required=True, description=text, schema=_STRING)
        for name, text in _HEADERS
    ]
    return {
        event.name: PathItem(
            post=Operation(
                summary=event.summary,
                description="Signed per Standard Webhooks; at least once, in no set order.",
                parameters=headers,  # type: ignore[arg-type]
                request_body=RequestBody(
                    content={"application/json": OpenAPIMediaType(schema=_payload(event))},
                    required=True,
                ),
                responses={
                    "2XX": OpenAPIResponse(description="Received; anything else is retried"),
                    "410": OpenAPIResponse(description="Gone: the endpoint is disabled"),
                },
            )
        )
        for event in CATALOGUE
    }
