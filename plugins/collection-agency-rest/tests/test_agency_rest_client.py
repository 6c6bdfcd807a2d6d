"""``agency-rest`` against a stand-in agency API on 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import socket
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from agency_rest_standin import ScriptedAnswer, StandInAgency
from arplatform_collection_agency_rest.agency import (
    AgencyConfig,
    AgencySecrets,
    RestCollectionAgency,
)

from arplatform.plugins.contracts.collection_agency import CaseState, CaseStatus, HandoverReceipt
from arplatform.plugins.contracts.common import (
    Money,
    PermanentProviderError,
    ProviderAuthenticationError,
    TransientProviderError,
)
from arplatform.testing import samples
from arplatform.testing.conformance import CollectionAgencyConformance

API_KEY = "ak-test-4f1c9e"
SAMPLE_PDF_BASE64 = "JVBERi0xLjQKJSVFT0YK"


def make_agency(base_url: str, api_key: str = API_KEY, **config: Any) -> RestCollectionAgency:
    """Build the provider the way the core does, from JSON-like config and secrets."""
    return RestCollectionAgency(
        msgspec.convert({"base_url": base_url, "timeout_seconds": 5, **config}, AgencyConfig),
        msgspec.convert({"api_key": api_key}, AgencySecrets),
    )


@pytest.fixture
def standin() -> Iterator[StandInAgency]:
    agency = StandInAgency(API_KEY).start()
    yield agency
    agency.stop()


@pytest.fixture
async def agency(standin: StandInAgency) -> AsyncIterator[RestCollectionAgency]:
    provider = make_agency(standin.url)
    yield provider
    await provider.aclose()


class TestAgencyRestConformance(CollectionAgencyConformance):
    provider_class = RestCollectionAgency
    config = {"base_url": "https://api.agency.example/v1", "timeout_seconds": 5}
    secrets = {"api_key": API_KEY}

    @pytest.fixture(autouse=True)
    def _use_standin(self, standin: StandInAgency) -> None:
        self.standin_url = standin.url

    def make_provider(self) -> RestCollectionAgency:
        # ``config`` above is the sample the kit checks strictness on; the
        # calls go to this test's stand-in instead.
        return make_agency(self.standin_url)


async def test_hand_over_posts_the_case_as_json(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    receipt = await agency.hand_over(samples.collection_case())

    assert receipt == HandoverReceipt(case_ref="AG-00001", accepted=True, detail=None)
    [request] = standin.received
    assert (request.method, request.path) == ("POST", "/v1/cases")
    assert request.headers["idempotency-key"] == "case-conformance-1"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["content-type"] == "application/json"
    body = request.json()
    eur = "EUR"
    assert body["case_id"] == "case-conformance-1"
    assert body["total"] == {"amount": "1277.40", "currency": eur}
    assert body["interest"] == {"amount": "12.40", "currency": eur}
    assert body["fees"] == {"amount": "40.00", "currency": eur}
    assert body["invoices"] == [
        {
            "invoice_number": "INV-2025-0042",
            "issue_date": "2025-03-03",
            "due_date": "2025-04-02",
            "amount": {"amount": "1225.00", "currency": eur},
            "outstanding": {"amount": "1225.00", "currency": eur},
        }
    ]
    assert body["dunning_history"] == [
        {"sent_on": "2025-04-09", "level": "reminder", "channel": "email"},
        {"sent_on": "2025-04-23", "level": "legal_letter", "channel": "letter"},
    ]
    assert body["documents"] == [
        {
            "filename": "INV-2025-0042.pdf",
            "media_type": "application/pdf",
            "content": SAMPLE_PDF_BASE64,
        }
    ]
    assert base64.b64decode(SAMPLE_PDF_BASE64) == b"%PDF-1.4\n%%EOF\n"
    assert body["disputed"] is False
    assert body["creditor"]["vat_id"] == "DE123456789"
    assert body["debtor"]["name"] == "Brasserie du Pont SARL"
    assert body["debtor"]["address"]["postal_code"] == "69002"


async def test_handing_over_twice_keeps_one_case(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    first = await agency.hand_over(samples.collection_case())
    again = await agency.hand_over(samples.collection_case())
    other = await agency.hand_over(samples.collection_case(case_id="case-2"))

    assert again.case_ref == first.case_ref
    assert other.case_ref != first.case_ref
    assert sorted(standin.cases) == sorted({first.case_ref, other.case_ref})


async def test_conflict_with_existing_ref_returns_that_ref(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    standin.conflict_on_repeat = True
    first = await agency.hand_over(samples.collection_case())

    again = await agency.hand_over(samples.collection_case())

    assert again == HandoverReceipt(
        case_ref=first.case_ref, accepted=True, detail="case was already handed over"
    )


async def test_conflict_without_ref_is_permanent(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    standin.answer_next(ScriptedAnswer(409, {"code": "locked", "detail": "debtor locked"}))

    with pytest.raises(PermanentProviderError) as caught:
        await agency.hand_over(samples.collection_case())

    assert caught.value.code == "locked"
    assert "debtor locked" in caught.value.message


async def test_server_error_is_transient_and_the_retry_succeeds(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    standin.answer_next(ScriptedAnswer(500, {"detail": "database down"}))

    with pytest.raises(TransientProviderError) as caught:
        await agency.hand_over(samples.collection_case())
    receipt = await agency.hand_over(samples.collection_case())

    assert caught.value.code == "http_500"
    assert caught.value.retry_after is None
    assert list(standin.cases) == [receipt.case_ref]
    keys = [request.headers["idempotency-key"] for request in standin.received]
    assert keys == ["case-conformance-1", "case-conformance-1"]


@pytest.mark.parametrize("status", [408, 429, 502, 503])
async def test_retryable_status_is_transient_with_retry_after(
    agency: RestCollectionAgency, standin: StandInAgency, status: int
) -> None:
    standin.answer_next(ScriptedAnswer(status, headers={"Retry-After": "7"}))

    with pytest.raises(TransientProviderError) as caught:
        await agency.case_status("AG-00001")

    assert caught.value.retry_after == 7.0
    assert caught.value.code == f"http_{status}"


async def test_refused_api_key_is_an_authentication_error(standin: StandInAgency) -> None:
    agency = make_agency(standin.url, api_key="ak-revoked")
    try:
        with pytest.raises(ProviderAuthenticationError) as caught:
            await agency.hand_over(samples.collection_case())
        with pytest.raises(ProviderAuthenticationError):
            await agency.case_status("AG-00001")
    finally:
        await agency.aclose()

    assert caught.value.code == "unauthorized"
    assert standin.cases == {}
    assert "ak-revoked" not in str(caught.value)


async def test_forbidden_is_an_authentication_error(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    standin.answer_next(ScriptedAnswer(403, {"detail": "tenant suspended"}))

    with pytest.raises(ProviderAuthenticationError):
        await agency.case_status("AG-00001")


async def test_unknown_case_ref_is_permanent(agency: RestCollectionAgency) -> None:
    with pytest.raises(PermanentProviderError) as caught:
        await agency.case_status("AG-99999")

    assert type(caught.value) is PermanentProviderError
    assert caught.value.code == "unknown_case"


async def test_case_ref_is_one_path_segment(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    with pytest.raises(PermanentProviderError):
        await agency.case_status("../admin x")

    assert standin.received[-1].path == "/v1/cases/..%2Fadmin%20x"


async def test_rejected_case_is_permanent_with_the_agency_code(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    detail = "debtor country not served"
    standin.answer_next(ScriptedAnswer(422, {"code": "unsupported_country", "detail": detail}))

    with pytest.raises(PermanentProviderError) as caught:
        await agency.hand_over(samples.collection_case())

    assert type(caught.value) is PermanentProviderError
    assert caught.value.code == "unsupported_country"
    assert caught.value.message == f"agency hand-over failed with HTTP 422: {detail}"


async def test_unreadable_answer_is_permanent(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    standin.answer_next(ScriptedAnswer(201, {"reference": "AG-1"}))

    with pytest.raises(PermanentProviderError) as caught:
        await agency.hand_over(samples.collection_case())

    assert caught.value.code == "invalid_response"


async def test_status_maps_state_and_amounts(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    ref = (await agency.hand_over(samples.collection_case())).case_ref
    standin.set_state(
        ref,
        "partly_collected",
        collected={"amount": "500.10", "currency": "EUR"},
        agency_fees={"amount": "45.50", "currency": "EUR"},
        updated_at="2025-06-01T09:30:00Z",
        detail="instalment 1 of 3",
    )

    status = await agency.case_status(ref)

    assert status == CaseStatus(
        case_ref=ref,
        state=CaseState.PARTLY_COLLECTED,
        collected=Money(amount=Decimal("500.10"), currency="EUR"),
        agency_fees=Money(amount=Decimal("45.50"), currency="EUR"),
        updated_at=dt.datetime(2025, 6, 1, 9, 30, tzinfo=dt.UTC),
        detail="instalment 1 of 3",
    )
    assert standin.received[-1].path == f"/v1/cases/{ref}"


async def test_unknown_agency_state_reads_as_in_progress(
    agency: RestCollectionAgency, standin: StandInAgency
) -> None:
    ref = (await agency.hand_over(samples.collection_case())).case_ref
    standin.set_state(ref, "with_bailiff")

    status = await agency.case_status(ref)

    assert status.state == CaseState.IN_PROGRESS
    assert status.detail == "agency state 'with_bailiff'"


async def test_time_out_is_transient(standin: StandInAgency) -> None:
    agency = make_agency(standin.url, timeout_seconds=0.2)
    standin.answer_next(ScriptedAnswer(None, delay_seconds=1.0))
    try:
        with pytest.raises(TransientProviderError) as caught:
            await agency.case_status("AG-00001")
    finally:
        await agency.aclose()

    assert caught.value.code == "timeout"


async def test_unreachable_agency_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    agency = make_agency(f"http://127.0.0.1:{port}/v1")
    try:
        with pytest.raises(TransientProviderError) as caught:
            await agency.hand_over(samples.collection_case())
    finally:
        await agency.aclose()

    assert caught.value.code == "network"


async def test_base_url_with_trailing_slash(standin: StandInAgency) -> None:
    agency = make_agency(standin.url + "/")
    try:
        await agency.hand_over(samples.collection_case())
    finally:
        await agency.aclose()

    assert standin.received[-1].path == "/v1/cases"


@pytest.mark.parametrize(
    "config",
    [
        {"base_url": "ftp://agency.example/v1"},
        {"base_url": "agency.example/v1"},
        {"base_url": "https://"},
        {"base_url": "https://agency.example/v1?tenant=1"},
        {"base_url": "https://agency.example:99999/v1"},
        {"base_url": "https://agency.example", "timeout_seconds": 0},
        {"base_url": "https://agency.example", "timeout_seconds": 30},
        {"base_url": "https://agency.example", "verify_tls": "no"},
    ],
)
def test_invalid_config_is_rejected(config: dict[str, Any]) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(config, AgencyConfig)


def test_valid_config_has_safe_defaults() -> None:
    config = msgspec.convert({"base_url": "https://agency.example/v1"}, AgencyConfig)

    assert (config.timeout_seconds, config.verify_tls) == (20.0, True)
