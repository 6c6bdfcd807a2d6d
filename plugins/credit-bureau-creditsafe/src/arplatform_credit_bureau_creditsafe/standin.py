"""A stand-in Creditsafe Connect API on 127.0.0.1: a test double, never used in production.

It serves the documented shapes of ``POST /authenticate``, ``GET /companies``
(search) and ``GET /companies/{connectId}`` (credit report), checks the bearer
token, records every request, and can be told to misbehave. The plugin's own
tests use it, and so do the core's assessment tests and partners who want to
see the provider work end to end::

    async with CreditsafeStandin() as standin:
        connect_id = standin.add_company(name="Brasserie du Pont SARL", country="FR",
                                         reg_no="41234567800012", rating="B", score=62)
        config = {"base_url": standin.base_url, "timeout_seconds": 2}
        secrets = {"username": standin.username, "password": standin.password}
        ...
        standin.fail_next(500)            # or "timeout", "malformed", "redirect", "oversized"
        assert standin.count("GET", f"/companies/{connect_id}") == 1

``requests`` lists ``(method, path)`` with the path relative to ``base_url``
and without the query, e.g. ``("GET", "/companies")``.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from arplatform_credit_bureau_creditsafe import standin_shapes as shapes

__all__ = ["PREFIX", "CreditsafeStandin", "Fault", "ReceivedRequest"]

PREFIX = "/v1"
Fault = int | Literal["timeout", "malformed", "redirect", "oversized"]
Endpoint = Literal["any", "authenticate", "search", "report"]


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the stand-in saw it; ``path`` is relative to ``base_url``."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def endpoint(self) -> Endpoint:
        if self.path == "/authenticate":
            return "authenticate"
        return "search" if self.path == "/companies" else "report"


@dataclass
class _ScriptedFault:
    fault: Fault
    endpoint: Endpoint
    retry_after: str | None = None


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True


class CreditsafeStandin:
    """The Connect API's state and behaviour; use as a (sync or async) context manager.

    ``slow_seconds`` is how long a ``"timeout"`` fault waits before answering;
    ``oversized_bytes`` how big an ``"oversized"`` body is (sent without a
    ``Content-Length``, so a client must cap the stream itself).
    """

    def __init__(
        self,
        *,
        username: str = "standin-user@example.com",
        password: str = "standin-password",  # noqa: S107 - a test double's fixed login
        slow_seconds: float = 3.0,
        oversized_bytes: int = 3_000_000,
    ) -> None:
        self.username = username
        self.password = password
        self.slow_seconds = slow_seconds
        self.oversized_bytes = oversized_bytes
        self.received: list[ReceivedRequest] = []
        self.companies: dict[str, dict[str, Any]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self._tokens: set[str] = set()
        self._token_ids = itertools.count(1)
        self._faults: deque[_ScriptedFault] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._started = False

    # -- lifecycle ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The ``base_url`` to configure the ``creditsafe`` provider with."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    def start(self) -> CreditsafeStandin:
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._started:
            self._stopping.set()
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._started = False

    def __enter__(self) -> CreditsafeStandin:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> CreditsafeStandin:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------

    @property
    def requests(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every request received, in order."""
        with self._lock:
            return [(r.method, r.path) for r in self.received]

    def count(self, method: str, path: str) -> int:
        """How many ``method path`` requests arrived (path relative to ``base_url``)."""
        return self.requests.count((method, path))

    def report_count(self) -> int:
        """How many credit reports were ordered (the calls a tenant pays for)."""
        with self._lock:
            return sum(1 for r in self.received if r.endpoint == "report")

    def fail_next(
        self,
        fault: Fault,
        *,
        times: int = 1,
        endpoint: Endpoint = "any",
        retry_after: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``fault`` instead.

        ``fault`` is an HTTP status (e.g. 500, 429), ``"timeout"`` (answer after
        ``slow_seconds``), ``"malformed"`` (a body that is not JSON),
        ``"redirect"`` (302 to http://169.254.169.254/) or ``"oversized"``.
        ``endpoint`` picks the requests: ``"any"`` means any except
        ``/authenticate``, so scripted faults hit searches and reports.
        """
        with self._lock:
            for _ in range(times):
                self._faults.append(_ScriptedFault(fault, endpoint, retry_after))

    def expire_tokens(self) -> None:
        """Invalidate every issued token, as after the one-hour expiry."""
        with self._lock:
            self._tokens.clear()

    def add_company(
        self,
        *,
        name: str,
        country: str = "DE",
        reg_no: str | None = None,
        vat_no: str | None = None,
        connect_id: str | None = None,
        city: str | None = None,
        postal_code: str | None = None,
        street: str | None = None,
        rating: str | None = "B",
        score: int | None = 62,
        credit_limit: Decimal | None = Decimal("50000"),
        currency: str = "EUR",
        dbt: int | None = None,
        ccjs: Iterable[Mapping[str, Any]] = (),
        financials: Iterable[Mapping[str, Any]] = (),
        report: dict[str, Any] | None = None,
    ) -> str:
        """Add a company the search finds and whose report can be ordered; returns its id.

        ``ccjs`` items are ``{"ccjDate", "ccjAmount", "court", "caseNumber",
        "ccjStatus"}``; ``financials`` items ``{"yearEndDate", "revenue",
        "profitAfterTax", "totalShareholdersEquity"}``. ``report`` replaces the
        generated ``report`` object entirely (to serve any shape).
        """
        with self._lock:
            connect_id = connect_id or f"{country}-X-{len(self.companies) + 1:06d}"
        address = shapes.address(street, postal_code, city)
        entry = shapes.search_entry(connect_id, name, country, reg_no, vat_no, address)
        built = shapes.report(
            connect_id,
            name,
            country,
            reg_no,
            vat_no,
            address,
            rating=shapes.rating(rating, score, credit_limit, currency),
            dbt=dbt,
            ccjs=[dict(ccj) for ccj in ccjs],
            financials=[shapes.statement(f, currency) for f in financials],
        )
        with self._lock:
            self.companies[connect_id] = entry
            self.reports[connect_id] = report if report is not None else built
        return connect_id

    # -- request handling --------------------------------------------------

    def _handle(self, request: ReceivedRequest) -> _Answer:
        with self._lock:
            self.received.append(request)
            fault = self._take_fault(request.endpoint)
        if fault is not None:
            answer = self._fault_answer(fault)
            if answer is not None:
                return answer
        if request.endpoint == "authenticate":
            return self._authenticate(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        with self._lock:
            known = token in self._tokens
        if not known:
            return _json(401, {"message": "Invalid token"})
        if request.method != "GET":
            return _json(405, {"message": "Method not allowed"})
        if request.endpoint == "search":
            return self._search(request.query)
        return self._report(unquote(request.path.removeprefix("/companies/")))

    def _take_fault(self, endpoint: Endpoint) -> _ScriptedFault | None:
        for fault in self._faults:
            wanted = fault.endpoint
            if wanted == endpoint or (wanted == "any" and endpoint != "authenticate"):
                self._faults.remove(fault)
                return fault
        return None

    def _fault_answer(self, scripted: _ScriptedFault) -> _Answer | None:
        fault = scripted.fault
        if fault == "timeout":
            # Answer normally, but only after the client should have given up.
            self._stopping.wait(self.slow_seconds)
            return None
        if fault == "malformed":
            return _Answer(200, b'{"companies": [{"id": "GB-0-1", "name": ', {})
        if fault == "redirect":
            return _Answer(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
        if fault == "oversized":
            body = b'{"padding": "' + b"x" * self.oversized_bytes + b'"}'
            return _Answer(200, body, {}, content_length=False)
        headers = {"Retry-After": scripted.retry_after} if scripted.retry_after else {}
        return _json(int(fault), {"message": f"scripted HTTP {fault}"}, headers)

    def _authenticate(self, request: ReceivedRequest) -> _Answer:
        try:
            body = json.loads(request.body)
        except ValueError:
            return _json(400, {"message": "Invalid request body"})
        if body != {"username": self.username, "password": self.password}:
            return _json(401, {"message": "Invalid username or password"})
        token = f"standin-token-{next(self._token_ids)}"
        with self._lock:
            self._tokens.add(token)
        return _json(200, {"token": token})

    def _search(self, query: dict[str, str]) -> _Answer:
        countries = {c.strip().upper() for c in query.get("countries", "").split(",") if c}
        if not countries:
            return _json(400, {"message": "countries is required"})
        with self._lock:
            entries = [e for e in self.companies.values() if e["country"] in countries]
        hits = [e for e in entries if _matches(e, query)]
        page_size = int(query.get("pageSize", "10"))
        return _json(200, {"totalSize": len(hits), "companies": hits[:page_size]})

    def _report(self, connect_id: str) -> _Answer:
        with self._lock:
            report = self.reports.get(connect_id)
        if report is None:
            return _json(404, {"message": "Company not found", "details": connect_id})
        return _json(200, {"correlationId": f"corr-{connect_id}", "report": report})


def _matches(entry: dict[str, Any], query: dict[str, str]) -> bool:
    if "regNo" in query:
        return bool(entry["regNo"]) and entry["regNo"] == query["regNo"]
    if "vatNo" in query:
        return query["vatNo"] in entry["vatNo"]
    if "name" in query:
        return query["name"].casefold() in entry["name"].casefold()
    return False


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> _Answer:
    return _Answer(status, json.dumps(body).encode(), headers or {})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (time-out, size cap) hangs up mid-answer: expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(standin: CreditsafeStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = ReceivedRequest(
                method=self.command,
                path=url.path.removeprefix(PREFIX) or "/",
                query={k: v[-1] for k, v in parse_qs(url.query).items()},
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            answer = standin._handle(request)
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            if answer.content_length:
                self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler
