"""``CreditsafeBureau``: the credit bureau contract over the Creditsafe Connect API.

``search_company`` calls ``GET /companies`` with the registration number,
then the VAT number, then the name (with postal code and city), stopping at
the first search that finds something. ``fetch_report`` orders the company
credit report with ``GET /companies/{connectId}``, which the tenant pays for.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Annotated, ClassVar, TypeVar
from urllib.parse import quote, urlsplit

import msgspec

from arplatform.plugins.contracts.common import (
    PermanentProviderError,
    Settings,
    TransientProviderError,
)
from arplatform.plugins.contracts.credit_bureau import (
    CompanyMatch,
    CompanyQuery,
    CompanyRef,
    CreditReport,
)
from arplatform_credit_bureau_creditsafe.mapping import MappingError, company_match, credit_report
from arplatform_credit_bureau_creditsafe.transport import MAX_CALL_SECONDS, ConnectTransport
from arplatform_credit_bureau_creditsafe.wire import ReportResponse, SearchResponse

__all__ = ["CreditsafeBureau", "CreditsafeConfig", "CreditsafeSecrets"]

T = TypeVar("T")
_LOOPBACK_NAMES = frozenset({"localhost"})


class CreditsafeConfig(Settings, frozen=True, kw_only=True):
    """Where Connect lives, how long to wait and how much to read."""

    base_url: Annotated[
        str,
        msgspec.Meta(description="https://connect.creditsafe.com/v1 (or the sandbox's URL)"),
    ] = "https://connect.creditsafe.com/v1"
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=MAX_CALL_SECONDS)] = 10.0
    max_response_bytes: Annotated[int, msgspec.Meta(ge=1024, le=50_000_000)] = 5_000_000
    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=5)] = 3
    language: Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2}$")] = "en"
    # German law requires a reason for viewing; 1 is "credit decisioning".
    german_reason_code: Annotated[int, msgspec.Meta(ge=1, le=9)] = 1

    def __post_init__(self) -> None:
        _check_base_url(self.base_url)


class CreditsafeSecrets(Settings, frozen=True, kw_only=True):
    """The tenant's Connect API user; exchanged for a one-hour token."""

    username: Annotated[str, msgspec.Meta(min_length=1)]
    password: Annotated[str, msgspec.Meta(min_length=1)]


class CreditsafeBureau:
    """Company search and credit reports from Creditsafe Connect."""

    key: ClassVar[str] = "creditsafe"
    kind: ClassVar[str] = "credit_bureau"
    display_name: ClassVar[str] = "Creditsafe (Connect API)"
    # Typed as in the contract: a narrower ClassVar type would not match it.
    Config: ClassVar[type[msgspec.Struct]] = CreditsafeConfig
    Secrets: ClassVar[type[msgspec.Struct] | None] = CreditsafeSecrets
    supports_monitoring: ClassVar[bool] = False

    def __init__(self, config: CreditsafeConfig, secrets: CreditsafeSecrets) -> None:
        self._config = config
        self._transport = ConnectTransport(
            base_url=config.base_url,
            timeout_seconds=config.timeout_seconds,
            max_response_bytes=config.max_response_bytes,
            max_attempts=config.max_attempts,
            username=secrets.username,
            password=secrets.password,
        )

    def __repr__(self) -> str:
        return f"CreditsafeBureau(base_url={self._config.base_url!r})"

    async def search_company(self, query: CompanyQuery) -> list[CompanyMatch]:
        """Best matches first; searches by id before name, ``[]`` when nothing matches."""
        base = {"countries": query.country, "pageSize": str(query.max_results)}
        searches: list[tuple[dict[str, str], bool]] = []
        if query.registration_id:
            searches.append(({"regNo": query.registration_id}, True))
        if query.vat_id:
            searches.append(({"vatNo": query.vat_id}, True))
        if query.name:
            by_name = {"name": query.name}
            if query.postal_code:
                by_name["postCode"] = query.postal_code
            if query.city:
                by_name["city"] = query.city
            searches.append((by_name, False))
        if not searches:
            raise PermanentProviderError(
                "a company search needs a name, registration id or VAT id", code="invalid_query"
            )
        for criteria, exact_id in searches:
            companies = await self._search({**base, **criteria})
            if companies.companies:
                return [
                    company_match(company, query.country, exact_id)
                    for company in companies.companies[: query.max_results]
                ]
        return []

    async def fetch_report(self, ref: CompanyRef) -> CreditReport:
        """Order the credit report of ``ref``; an unknown connectId is a permanent error."""
        if not ref.provider_company_id:
            raise PermanentProviderError("the company reference is empty", code="unknown_company")
        params = {"language": self._config.language}
        if ref.country == "DE":
            params["customData"] = f"de_reason_code::{self._config.german_reason_code}"
        path = f"/companies/{quote(ref.provider_company_id, safe='')}"
        try:
            body = await self._transport.get(path, params, action="report")
        except PermanentProviderError as exc:
            if exc.code == "http_404":
                raise PermanentProviderError(
                    f"Creditsafe knows no company {ref.provider_company_id!r}",
                    code="unknown_company",
                ) from exc
            raise
        response = _decode(body, ReportResponse, "report")
        try:
            return credit_report(ref, response.report, dt.datetime.now(dt.UTC).date())
        except MappingError as exc:
            raise PermanentProviderError(
                f"Creditsafe report is unusable: {exc}", code="invalid_response"
            ) from exc

    async def aclose(self) -> None:
        """Close the HTTP connections, if any were opened."""
        await self._transport.aclose()

    async def _search(self, params: dict[str, str]) -> SearchResponse:
        try:
            body = await self._transport.get("/companies", params, action="search")
        except PermanentProviderError as exc:
            if exc.code == "http_404":  # some countries answer "no results" with 404
                return SearchResponse()
            raise
        return _decode(body, SearchResponse, "search")


def _decode(body: bytes, shape: type[T], action: str) -> T:
    """Decode a whole answer or nothing: never a half-read report."""
    try:
        return msgspec.json.decode(body, type=shape)
    except msgspec.ValidationError as exc:
        raise PermanentProviderError(
            f"Creditsafe {action} answer does not have the documented shape: {exc}",
            code="invalid_response",
        ) from exc
    except msgspec.DecodeError as exc:
        # Not JSON at all (cut off, an HTML error page from a proxy): may pass.
        raise TransientProviderError(
            f"Creditsafe {action} answer is not valid JSON: {exc}", code="malformed_response"
        ) from exc


def _check_base_url(base_url: str) -> None:
    """HTTPS only; plain HTTP is accepted for a loopback stand-in in tests."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme == "http" and not _is_loopback(host):
        raise ValueError("base_url must use https:// (http:// only for a loopback test server)")
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError("base_url must be an https:// URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("base_url must not have credentials, a query or a fragment")
    _ = parts.port  # raises ValueError for a port that is not a number in range


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
