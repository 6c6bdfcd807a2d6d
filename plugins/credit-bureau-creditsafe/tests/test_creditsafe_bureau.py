"""``creditsafe`` against the stand-in Connect API on 127.0.0.1 (documented shapes, faults)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from arplatform_credit_bureau_creditsafe import plugin
from arplatform_credit_bureau_creditsafe.bureau import (
    CreditsafeBureau,
    CreditsafeConfig,
    CreditsafeSecrets,
)
from arplatform_credit_bureau_creditsafe.standin import CreditsafeStandin

from arplatform.plugins.contracts.common import (
    Money,
    PermanentProviderError,
    ProviderAuthenticationError,
    TransientProviderError,
)
from arplatform.plugins.contracts.credit_bureau import (
    CommonRating,
    CompanyQuery,
    CompanyRef,
    LegalEventType,
)
from arplatform.testing.conformance import CreditBureauConformance

REG_NO = "41234567800012"


def make_bureau(standin: CreditsafeStandin, **config: Any) -> CreditsafeBureau:
    """Build the provider the way the core does, from JSON-like config and secrets."""
    return CreditsafeBureau(
        msgspec.convert(
            {"base_url": standin.base_url, "timeout_seconds": 2, **config}, CreditsafeConfig
        ),
        msgspec.convert(
            {"username": standin.username, "password": standin.password}, CreditsafeSecrets
        ),
    )


def add_brasserie(standin: CreditsafeStandin, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "name": "Brasserie du Pont SARL",
        "country": "FR",
        "reg_no": REG_NO,
        "vat_no": "FR12412345678",
        "street": "12 Quai Saint-Antoine",
        "postal_code": "69002",
        "city": "Lyon",
        "rating": "C",
        "score": 41,
        "credit_limit": Decimal("25000.456"),
        "dbt": 23,
        "ccjs": [
            {
                "ccjDate": "2025-02-03T00:00:00Z",
                "ccjAmount": 1234.5,
                "court": "Tribunal de commerce de Lyon",
                "caseNumber": "2025-0042",
                "ccjStatus": "Judgment",
            }
        ],
        "financials": [
            {
                "yearEndDate": "2023-12-31T00:00:00Z",
                "revenue": 1100000,
                "profitAfterTax": -5000,
                "totalShareholdersEquity": 250000,
            },
            {
                "yearEndDate": "2024-12-31T00:00:00Z",
                "revenue": 1200000,
                "profitAfterTax": 45000.25,
                "totalShareholdersEquity": 300000,
            },
        ],
    }
    return standin.add_company(**{**fields, **overrides})


@pytest.fixture
def standin() -> Iterator[CreditsafeStandin]:
    with CreditsafeStandin(slow_seconds=2.0, oversized_bytes=300_000) as server:
        yield server


@pytest.fixture
async def bureau(standin: CreditsafeStandin) -> AsyncIterator[CreditsafeBureau]:
    provider = make_bureau(standin)
    yield provider
    await provider.aclose()


class TestCreditsafeConformance(CreditBureauConformance):
    provider_class = CreditsafeBureau
    config = {"base_url": "https://connect.sandbox.creditsafe.com/v1", "timeout_seconds": 5}
    secrets = {"username": "api-user@example.com", "password": "s3cret-passw0rd"}
    plugin = plugin

    @pytest.fixture(autouse=True)
    def _use_standin(self, standin: CreditsafeStandin) -> None:
        add_brasserie(standin)
        self.standin = standin

    def make_provider(self) -> CreditsafeBureau:
        # ``config`` above is the sample the kit checks strictness on; the
        # calls go to this test's stand-in instead.
        return make_bureau(self.standin)

    def company_query(self) -> CompanyQuery:
        return CompanyQuery(country="FR", registration_id=REG_NO)


class TestEntryPoint(TestCreditsafeConformance):
    """The installed package registers the provider through the entry point too."""

    plugin = None


async def test_search_by_registration_number(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    connect_id = add_brasserie(standin)

    [match] = await bureau.search_company(CompanyQuery(country="FR", registration_id=REG_NO))

    assert match.ref == CompanyRef(provider_company_id=connect_id, country="FR")
    assert match.name == "Brasserie du Pont SARL"
    assert match.vat_id == "FR12412345678"
    assert match.confidence == Decimal(1)
    assert match.address is not None and match.address.city == "Lyon"
    assert standin.requests == [("POST", "/authenticate"), ("GET", "/companies")]
    search = standin.received[1]
    assert search.query == {"countries": "FR", "pageSize": "10", "regNo": REG_NO}
    assert search.headers["authorization"] == "Bearer standin-token-1"


async def test_search_falls_back_from_ids_to_name(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    add_brasserie(standin)
    query = CompanyQuery(
        country="FR", name="brasserie du pont", registration_id="999", vat_id="FR00", city="Lyon"
    )

    [match] = await bureau.search_company(query)

    assert match.confidence is None  # found by name only
    searches = [r.query for r in standin.received if r.path == "/companies"]
    assert [set(q) - {"countries", "pageSize"} for q in searches] == [
        {"regNo"},
        {"vatNo"},
        {"name", "city"},
    ]


async def test_search_without_hit_is_empty(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    add_brasserie(standin)
    assert await bureau.search_company(CompanyQuery(country="DE", registration_id=REG_NO)) == []


async def test_report_maps_the_documented_fields(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    connect_id = add_brasserie(standin)

    report = await bureau.fetch_report(CompanyRef(provider_company_id=connect_id, country="FR"))

    assert report.name == "Brasserie du Pont SARL"
    assert report.report_date == dt.datetime.now(dt.UTC).date()
    assert report.registration_id == REG_NO
    assert report.vat_id == "FR12412345678"
    assert report.rating == CommonRating.C
    assert report.provider_score == "41"
    assert report.score == 40  # 41 on Creditsafe's 1-100 scale
    assert report.recommended_limit == Money(amount=Decimal("25000.46"), currency="EUR")
    assert report.payment_behaviour is not None
    assert report.payment_behaviour.days_beyond_terms == Decimal(23)
    [judgment] = report.legal_events
    assert judgment.type == LegalEventType.JUDGMENT
    assert judgment.event_date == dt.date(2025, 2, 3)
    assert judgment.amount == Money(amount=Decimal("1234.50"), currency="EUR")
    assert judgment.court_or_registry == "Tribunal de commerce de Lyon"
    latest, previous = report.financials
    assert latest.fiscal_year_end == dt.date(2024, 12, 31)
    assert latest.net_income == Money(amount=Decimal("45000.25"), currency="EUR")
    assert previous.net_income == Money(amount=Decimal("-5000.00"), currency="EUR")
    assert report.address is not None and report.address.lines == ("12 Quai Saint-Antoine",)
    assert report.founded == dt.date(2004, 3, 1)
    assert report.provider_ids["connect_id"] == connect_id
    [order] = [r for r in standin.received if r.endpoint == "report"]
    assert order.query == {"language": "en"}


async def test_german_report_sends_the_reason_code(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    connect_id = standin.add_company(name="Gasthaus Adler GmbH", country="DE", reg_no="HRB 1")

    await bureau.fetch_report(CompanyRef(provider_company_id=connect_id, country="DE"))

    [order] = [r for r in standin.received if r.endpoint == "report"]
    assert order.query["customData"] == "de_reason_code::1"


async def test_unrated_company_has_no_rating_score_or_limit(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    connect_id = standin.add_company(name="Neu GmbH", rating="X", score=None, credit_limit=None)

    report = await bureau.fetch_report(CompanyRef(provider_company_id=connect_id, country="DE"))

    assert (report.rating, report.score, report.recommended_limit) == (None, None, None)


async def test_unknown_company_is_permanent(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    with pytest.raises(PermanentProviderError) as raised:
        await bureau.fetch_report(CompanyRef(provider_company_id="FR-X-404", country="FR"))
    assert raised.value.code == "unknown_company"
    assert standin.report_count() == 1


async def test_token_is_reused_and_renewed_after_expiry(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")

    await bureau.fetch_report(ref)
    await bureau.fetch_report(ref)
    standin.expire_tokens()
    await bureau.fetch_report(ref)

    assert standin.count("POST", "/authenticate") == 2
    assert standin.report_count() == 4  # the 401 answer, then the repeat


async def test_refused_credentials(standin: CreditsafeStandin) -> None:
    bureau = CreditsafeBureau(
        msgspec.convert({"base_url": standin.base_url}, CreditsafeConfig),
        CreditsafeSecrets(username=standin.username, password="wrong"),  # noqa: S106
    )
    with pytest.raises(ProviderAuthenticationError):
        await bureau.search_company(CompanyQuery(country="FR", name="Brasserie"))
    await bureau.aclose()
    assert standin.requests == [("POST", "/authenticate")]


async def test_server_error_is_retried(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")
    standin.fail_next(503)

    report = await bureau.fetch_report(ref)

    assert report.rating == CommonRating.C
    assert standin.report_count() == 2


async def test_persistent_server_error_is_transient_after_bounded_retries(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")
    standin.fail_next(500, times=5)

    with pytest.raises(TransientProviderError) as raised:
        await bureau.fetch_report(ref)

    assert raised.value.code == "http_500"
    assert standin.report_count() == 3  # max_attempts


async def test_long_retry_after_is_handed_to_the_core(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")
    standin.fail_next(429, retry_after="120")

    with pytest.raises(TransientProviderError) as raised:
        await bureau.fetch_report(ref)

    assert raised.value.retry_after == 120
    assert standin.report_count() == 1


async def test_short_retry_after_is_honoured(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")
    standin.fail_next(429, retry_after="1")
    started = time.monotonic()

    await bureau.fetch_report(ref)

    assert time.monotonic() - started >= 1.0
    assert standin.report_count() == 2


async def test_one_time_out_is_retried(standin: CreditsafeStandin) -> None:
    bureau = make_bureau(standin, timeout_seconds=0.3)
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")
    standin.fail_next("timeout")

    report = await bureau.fetch_report(ref)
    await bureau.aclose()

    assert report.name == "Brasserie du Pont SARL"
    assert standin.report_count() == 2


async def test_repeated_time_outs_give_a_transient_error(standin: CreditsafeStandin) -> None:
    bureau = make_bureau(standin, timeout_seconds=0.3)
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")
    standin.fail_next("timeout", times=3)
    started = time.monotonic()

    with pytest.raises(TransientProviderError) as raised:
        await bureau.fetch_report(ref)
    await bureau.aclose()

    assert raised.value.code == "timeout"
    assert time.monotonic() - started < 2.0  # never waits for the slow answers
    assert standin.report_count() == 3


async def test_malformed_json_gives_no_report(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")
    standin.fail_next("malformed")

    with pytest.raises(TransientProviderError) as raised:
        await bureau.fetch_report(ref)

    assert raised.value.code == "malformed_response"


async def test_report_of_the_wrong_shape_is_permanent(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    nameless = standin.add_company(name="x", report={"creditScore": {}})
    wrong_type = standin.add_company(name="y", report={"financialStatements": "none"})

    for connect_id in (nameless, wrong_type):
        with pytest.raises(PermanentProviderError) as raised:
            await bureau.fetch_report(CompanyRef(provider_company_id=connect_id, country="DE"))
        assert raised.value.code == "invalid_response"


async def test_oversized_answer_is_cut_off(standin: CreditsafeStandin) -> None:
    bureau = make_bureau(standin, max_response_bytes=100_000)
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")
    standin.fail_next("oversized")

    with pytest.raises(PermanentProviderError) as raised:
        await bureau.fetch_report(ref)
    await bureau.aclose()

    assert raised.value.code == "response_too_large"
    assert standin.report_count() == 1


async def test_redirect_is_never_followed(
    bureau: CreditsafeBureau, standin: CreditsafeStandin
) -> None:
    ref = CompanyRef(provider_company_id=add_brasserie(standin), country="FR")
    standin.fail_next("redirect")

    with pytest.raises(PermanentProviderError) as raised:
        await bureau.fetch_report(ref)

    assert raised.value.code == "redirect"
    assert standin.requests == [
        ("POST", "/authenticate"),
        ("GET", f"/companies/{ref.provider_company_id}"),
    ]


@pytest.mark.parametrize(
    "base_url",
    [
        "http://connect.creditsafe.com/v1",
        "http://169.254.169.254/v1",
        "https://user:pw@connect.creditsafe.com/v1",
        "https://connect.creditsafe.com/v1?x=1",
        "ftp://connect.creditsafe.com",
    ],
)
def test_config_refuses_unsafe_base_urls(base_url: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"base_url": base_url}, CreditsafeConfig)


@pytest.mark.parametrize(
    "base_url", ["https://connect.sandbox.creditsafe.com/v1", "http://127.0.0.1:8080/v1"]
)
def test_config_accepts_https_and_loopback(base_url: str) -> None:
    assert msgspec.convert({"base_url": base_url}, CreditsafeConfig).base_url == base_url
