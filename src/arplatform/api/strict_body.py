"""Request bodies are decoded strictly: ``0`` is not ``false`` and ``"1"`` is not ``1``.

Litestar converts request bodies leniently; the published schema is strict, so
a body the schema refuses must be refused here too. The body is converted a
second time, strictly, against the handler's ``data`` type, with JSON Schema's
one leniency: a float with no fraction is an integer.
"""

from __future__ import annotations

import weakref
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler

from arplatform.api.idempotency import idempotency_before_request

#: Per handler function, not per handler: a handler belongs to one app (and keeps it
#: alive), its function is the module's, shared by every app built in the process
#: (weak: a handler made per app, such as Litestar's OPTIONS handler, goes with its app).
_BODY_TYPES: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _body_type(handler: HTTPRouteHandler) -> Any:
    # A controller's handler is a method bound to the app's controller instance.
    function = getattr(handler.fn, "__func__", handler.fn)
    try:
        return _BODY_TYPES[function]
    except KeyError:
        pass
    data = handler.parsed_fn_signature.parameters.get("data")
    annotation = data.annotation if data is not None else None
    is_struct = isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)
    _BODY_TYPES[function] = annotation if is_struct else None
    return _BODY_TYPES[function]


async def check_body_strictly(request: Request[Any, Any, Any]) -> None:
    """Refuse (400) a JSON body that only lenient conversion would accept."""
    body_type = _body_type(request.route_handler)
    if body_type is None:
        return
    raw = await request.body()
    if not raw:
        return
    try:
        document = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return  # not JSON at all: the lenient decoder reports it in its own words
    try:
        msgspec.convert(_integral_floats_as_ints(document), body_type, strict=True)
    except msgspec.ValidationError as exc:
        message, _, path = str(exc).partition(" - at `$.")
        field = path.rstrip("`") or "body"
        raise ValidationException(extra=[{"key": field, "message": message}]) from None


def _integral_floats_as_ints(value: Any) -> Any:
    """JSON Schema counts ``30.0`` as an integer; strict decoding would not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    return value


async def before_request(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """The app's hook: strict bodies first, then idempotent replays."""
    await check_body_strictly(request)
    return await idempotency_before_request(request)
