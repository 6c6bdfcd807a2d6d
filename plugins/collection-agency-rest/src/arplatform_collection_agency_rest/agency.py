"""``RestCollectionAgency``: the collection agency contract over the agency's REST API.

``POST {base_url}/cases`` hands a case over with the core's ``case_id`` as
``Idempotency-Key``; ``GET {base_url}/cases/{case_ref}`` reads its status.
Every request carries ``Authorization: Bearer <api_key>``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar
from urllib.parse import quote, urlsplit

import httpx
import msgspec

from arplatform.plugins.contracts.collection_agency import (
    CaseStatus,
    CollectionCase,
    HandoverReceipt,
)
from arplatform.plugins.contracts.common import PermanentProviderError, Settings
from arplatform_collection_agency_rest.errors import (
    error_body,
    error_for_response,
    error_for_transport,
)
from arplatform_collection_agency_rest.wire import decode_receipt, decode_status, encode_case

__all__ = ["AgencyConfig", "AgencySecrets", "RestCollectionAgency"]

# The core cancels a provider call after 30 s; our own time-out stays below it
# so the tenant sees "timed out" instead of a cancelled job.
MAX_HTTP_TIMEOUT_SECONDS = 25.0


class AgencyConfig(Settings, frozen=True, kw_only=True):
    """Where the agency's API lives and how patiently to wait for it."""

    base_url: Annotated[
        str, msgspec.Meta(description="Root of the agency API, e.g. https://api.agency.example/v1")
    ]
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=MAX_HTTP_TIMEOUT_SECONDS)] = 20.0
    verify_tls: bool = True

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("base_url must be an http:// or https:// URL with a host")
        if parts.query or parts.fragment:
            raise ValueError("base_url must not have a query or fragment")
        _ = parts.port  # raises ValueError for a port that is not a number in range


class AgencySecrets(Settings, frozen=True, kw_only=True):
    """The tenant's API key at the agency, sent as a bearer token."""

    api_key: Annotated[str, msgspec.Meta(min_length=1)]


class RestCollectionAgency:
    """Hands cases to a collection agency's REST API and follows their status."""

    key: ClassVar[str] = "agency-rest"
    kind: ClassVar[str] = "collection_agency"
    display_name: ClassVar[str] = "Collection agency (REST API)"
    # Typed as in the contract: a narrower ClassVar type would not match it.
    Config: ClassVar[type[msgspec.Struct]] = AgencyConfig
    Secrets: ClassVar[type[msgspec.Struct] | None] = AgencySecrets

    def __init__(self, config: AgencyConfig, secrets: AgencySecrets) -> None:
        self._config = config
        self._secrets = secrets
        self._base_url = config.base_url.rstrip("/")
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"RestCollectionAgency(base_url={self._base_url!r})"

    async def hand_over(self, case: CollectionCase) -> HandoverReceipt:
        """Create the case at the agency, or get back the one made for ``case.case_id``."""
        response = await self._request(
            "POST",
            "/cases",
            action="hand-over",
            content=encode_case(case),
            headers={"Content-Type": "application/json", "Idempotency-Key": case.case_id},
        )
        if response.is_success:
            return decode_receipt(response.content)
        existing_ref = error_body(response).case_ref if response.status_code == 409 else None
        if existing_ref:
            return HandoverReceipt(
                case_ref=existing_ref, accepted=True, detail="case was already handed over"
            )
        raise error_for_response(response, "hand-over")

    async def case_status(self, case_ref: str) -> CaseStatus:
        """The case's state and amounts; an unknown ``case_ref`` is a permanent error."""
        if not case_ref:
            raise PermanentProviderError("case_ref is empty", code="unknown_case")
        path = f"/cases/{quote(case_ref, safe='')}"
        response = await self._request("GET", path, action="status")
        if response.is_success:
            return decode_status(response.content)
        if response.status_code == 404:
            raise PermanentProviderError(
                f"the agency knows no case {case_ref!r}", code="unknown_case"
            )
        raise error_for_response(response, "status")

    async def aclose(self) -> None:
        """Close the HTTP connections, if any were opened."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _request(
        self,
        method: str,
        path: str,
        *,
        action: str,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            return await self._client().request(
                method, self._base_url + path, content=content, headers=headers
            )
        except httpx.TransportError as exc:
            raise error_for_transport(exc, action) from exc

    def _client(self) -> httpx.AsyncClient:
        # Created on first use so that building the provider does no I/O
        # (loading the CA bundle) and a provider never used needs no closing.
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=self._config.timeout_seconds,
                verify=self._config.verify_tls,
                headers={
                    "Authorization": f"Bearer {self._secrets.api_key}",
                    "Accept": "application/json",
                },
                follow_redirects=False,
            )
        return self._http
