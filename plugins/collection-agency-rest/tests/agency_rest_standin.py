"""A stand-in collection agency API on 127.0.0.1 for the ``agency-rest`` tests.

It stores cases, answers a repeated ``Idempotency-Key`` with the same
``case_ref``, checks the bearer token, records every request, and can be told
to answer the next requests with an error or after a delay.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

PREFIX = "/v1"


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class ScriptedAnswer:
    """An answer given instead of the normal one (``status`` None: answer normally)."""

    status: int | None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


class StandInAgency:
    """The agency's state and behaviour; ``url`` is what the client's ``base_url`` is."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.cases: dict[str, dict[str, Any]] = {}
        self.received: list[ReceivedRequest] = []
        self.conflict_on_repeat = False
        self._refs_by_key: dict[str, str] = {}
        self._script: deque[ScriptedAnswer] = deque()
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    def start(self) -> StandInAgency:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def answer_next(self, *answers: ScriptedAnswer) -> None:
        """Give these answers to the next requests, in order, then behave normally."""
        self._script.extend(answers)

    def set_state(self, case_ref: str, state: str, **fields: Any) -> None:
        self.cases[case_ref].update(state=state, **fields)

    def handle(self, request: ReceivedRequest) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Status, JSON body and extra headers of the answer to ``request``."""
        with self._lock:
            self.received.append(request)
            scripted = self._script.popleft() if self._script else None
        if scripted is not None:
            time.sleep(scripted.delay_seconds)
            if scripted.status is not None:
                return scripted.status, scripted.body or {}, scripted.headers
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {"code": "unauthorized", "detail": "unknown API key"}, {}
        with self._lock:
            return (*self._route(request), {})

    def _route(self, request: ReceivedRequest) -> tuple[int, dict[str, Any]]:
        if request.method == "POST" and request.path == f"{PREFIX}/cases":
            return self._hand_over(request)
        if request.method == "GET" and request.path.startswith(f"{PREFIX}/cases/"):
            ref = unquote(request.path.removeprefix(f"{PREFIX}/cases/"))
            case = self.cases.get(ref)
            if case is None:
                return 404, {"code": "not_found", "detail": f"no case {ref}"}
            return 200, {key: value for key, value in case.items() if key != "request"}
        return 404, {"code": "not_found", "detail": "no such route"}

    def _hand_over(self, request: ReceivedRequest) -> tuple[int, dict[str, Any]]:
        key = request.headers.get("idempotency-key")
        if not key:
            return 400, {"code": "missing_idempotency_key"}
        existing = self._refs_by_key.get(key)
        if existing is not None and self.conflict_on_repeat:
            return 409, {"code": "already_exists", "detail": "case exists", "case_ref": existing}
        if existing is not None:
            return 200, {"case_ref": existing, "accepted": True, "detail": "already received"}
        ref = f"AG-{len(self.cases) + 1:05d}"
        self._refs_by_key[key] = ref
        self.cases[ref] = {"case_ref": ref, "state": "received", "request": request.json()}
        return 201, {"case_ref": ref, "accepted": True, "detail": None}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has hung up before a delayed answer: expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(agency: StandInAgency) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = ReceivedRequest(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            status, body, headers = agency.handle(request)
            payload = json.dumps(body).encode()
            self.send_response(HTTPStatus(status))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler
