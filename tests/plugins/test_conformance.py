"""The conformance kit passes on well-formed providers and fails on broken ones."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.collection_agency import (
    CaseState,
    CaseStatus,
    CollectionCase,
    HandoverReceipt,
)
from arplatform.plugins.contracts.common import Money, Party, Settings
from arplatform.plugins.contracts.credit_bureau import (
    CommonRating,
    CompanyMatch,
    CompanyQuery,
    CompanyRef,
    CreditReport,
    MonitoringAlert,
)
from arplatform.plugins.contracts.credit_insurer import (
    Claim,
    ClaimState,
    ClaimStatus,
    CoverDecision,
    CoverDecisionCode,
    CoverRequest,
    DeclarationReceipt,
    OverdueDeclaration,
)
from arplatform.plugins.contracts.einvoice import (
    EInvoiceDocument,
    IssueSeverity,
    RenderedInvoice,
    TransmissionReceipt,
    TransmissionStatus,
    ValidationIssue,
)
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
    Recipient,
)
from arplatform.testing import checks, samples
from arplatform.testing.conformance import (
    CollectionAgencyConformance,
    CreditBureauConformance,
    CreditInsurerConformance,
    EInvoiceFormatConformance,
    NotificationChannelConformance,
)

REF = CompanyRef(provider_company_id="FR-303265045", country="FR")


class Token(Settings, frozen=True, kw_only=True):
    token: str


class NoConfig(Settings, frozen=True, kw_only=True):
    pass


class Bureau:
    key = "test-bureau"
    kind = "credit_bureau"
    display_name = "Test bureau"
    supports_monitoring = True
    Config = NoConfig
    Secrets = Token

    def __init__(self, config: NoConfig, secrets: Token) -> None:
        self.config, self._secrets = config, secrets

    async def search_company(self, query: CompanyQuery) -> list[CompanyMatch]:
        return [CompanyMatch(ref=REF, name="Brasserie du Pont SARL", confidence=Decimal("0.9"))]

    async def fetch_report(self, ref: CompanyRef) -> CreditReport:
        return CreditReport(
            ref=ref,
            name="Brasserie du Pont SARL",
            report_date=dt.date(2025, 3, 1),
            valid_until=dt.date(2025, 6, 1),
            score=72,
            rating=CommonRating.B,
            recommended_limit=Money(amount=Decimal(40000), currency="EUR"),
        )

    async def start_monitoring(self, ref: CompanyRef) -> None:
        pass

    async def stop_monitoring(self, ref: CompanyRef) -> None:
        pass

    async def poll_alerts(self, since: dt.datetime) -> list[MonitoringAlert]:
        return []


class Format:
    key = "test-xml"
    kind = "einvoice_format"
    display_name = "Test XML"
    format_key = "urn:test:xml"
    media_type = "application/xml"
    supports_transmission = True
    Config = NoConfig
    Secrets = None

    def __init__(self, config: NoConfig, secrets: None) -> None:
        pass

    async def render(self, invoice: EInvoiceDocument) -> RenderedInvoice:
        xml = f"<Invoice><ID>{invoice.invoice_number}</ID></Invoice>".encode()
        return RenderedInvoice(content=xml, media_type=self.media_type, filename="invoice.xml")

    async def validate(self, content: bytes) -> list[ValidationIssue]:
        if content.startswith(b"<Invoice>"):
            return []
        return [ValidationIssue(severity=IssueSeverity.ERROR, message="not an invoice")]

    async def transmit(self, rendered: RenderedInvoice, recipient: Party) -> TransmissionReceipt:
        return TransmissionReceipt(status=TransmissionStatus.ACCEPTED, transmission_id="t-1")


class Channel:
    key = "test-mail"
    kind = "notification_channel"
    display_name = "Test mail"
    address_kinds = frozenset({AddressKind.EMAIL})
    Config = NoConfig
    Secrets = Token
    outbox: ClassVar[list[OutgoingMessage]] = []

    def __init__(self, config: NoConfig, secrets: Token) -> None:
        self._secrets = secrets

    def __repr__(self) -> str:
        return "Channel(secrets=***)"

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.outbox.append(message)
        return DeliveryResult(status=DeliveryStatus.SENT, provider_message_id=message.message_id)


class Insurer:
    key = "test-insurer"
    kind = "credit_insurer"
    display_name = "Test insurer"
    Config = NoConfig

    def __init__(self, config: NoConfig, secrets: None) -> None:
        pass

    async def request_cover(self, request: CoverRequest) -> CoverDecision:
        return CoverDecision(job_ref="job-1", decision=CoverDecisionCode.STILL_INVESTIGATING)

    async def poll_cover(self, job_ref: str) -> CoverDecision:
        amount = Money(amount=Decimal(30000), currency="EUR")
        return CoverDecision(
            job_ref=job_ref, decision=CoverDecisionCode.PARTLY_APPROVED, approved_amount=amount
        )

    async def declare_overdue(self, declaration: OverdueDeclaration) -> DeclarationReceipt:
        return DeclarationReceipt(insurer_reference="ovd-1", accepted=True)

    async def submit_claim(self, claim: Claim) -> ClaimStatus:
        return ClaimStatus(claim_ref="claim-1", state=ClaimState.SUBMITTED)

    async def claim_status(self, claim_ref: str) -> ClaimStatus:
        return ClaimStatus(claim_ref=claim_ref, state=ClaimState.UNDER_REVIEW)


class Agency:
    key = "test-agency"
    kind = "collection_agency"
    display_name = "Test agency"
    Config = NoConfig

    def __init__(self, config: NoConfig, secrets: None) -> None:
        self.cases: dict[str, str] = {}

    async def hand_over(self, case: CollectionCase) -> HandoverReceipt:
        ref = self.cases.setdefault(case.case_id, f"agency-{len(self.cases) + 1}")
        return HandoverReceipt(case_ref=ref, accepted=True)

    async def case_status(self, case_ref: str) -> CaseStatus:
        return CaseStatus(case_ref=case_ref, state=CaseState.RECEIVED)


class TestPlugin:
    __test__ = False

    @hookimpl
    def arplatform_register_credit_bureaus(self) -> list[type[Any]]:
        return [Bureau]

    @hookimpl
    def arplatform_register_einvoice_formats(self) -> list[type[Any]]:
        return [Format]

    @hookimpl
    def arplatform_register_notification_channels(self) -> list[type[Any]]:
        return [Channel]

    @hookimpl
    def arplatform_register_credit_insurers(self) -> list[type[Any]]:
        return [Insurer]

    @hookimpl
    def arplatform_register_collection_agencies(self) -> list[type[Any]]:
        return [Agency]


PLUGIN = TestPlugin()
SECRETS = {"token": "s3cr3t-token"}


class TestBureauConformance(CreditBureauConformance):
    provider_class = Bureau
    secrets = SECRETS
    plugin = PLUGIN

    def company_query(self) -> CompanyQuery:
        return CompanyQuery(country="FR", name="Brasserie du Pont")


class TestFormatConformance(EInvoiceFormatConformance):
    provider_class = Format
    plugin = PLUGIN


class TestChannelConformance(NotificationChannelConformance):
    provider_class = Channel
    secrets = SECRETS
    plugin = PLUGIN

    def recipient(self) -> Recipient:
        return Recipient(kind=AddressKind.EMAIL, address="compta@brasserie-du-pont.example")

    def check_delivered(self, message: Any, result: DeliveryResult) -> None:
        assert Channel.outbox[-1] == message


class TestInsurerConformance(CreditInsurerConformance):
    provider_class = Insurer
    plugin = PLUGIN


class TestAgencyConformance(CollectionAgencyConformance):
    provider_class = Agency
    plugin = PLUGIN


class LaxConfig(msgspec.Struct):
    token: str = ""


def test_check_provider_class_lists_problems() -> None:
    broken = type("Broken", (Channel,), {"key": "Bad Key", "send": lambda self, m: None})
    with pytest.raises(checks.ConformanceError) as excinfo:
        checks.check_provider_class(broken, "notification_channel")
    assert "key 'Bad Key'" in str(excinfo.value)
    assert "send() must be declared with 'async def'" in str(excinfo.value)


def test_check_settings_rejects_lax_struct() -> None:
    with pytest.raises(checks.ConformanceError, match="accepts unknown fields"):
        checks.check_settings(LaxConfig, {})
    with pytest.raises(checks.ConformanceError, match="rejects the sample"):
        checks.check_settings(Token, {"token": 1})


def test_check_settings_rejects_mutable_struct() -> None:
    mutable = msgspec.defstruct("Mutable", [("token", str)], forbid_unknown_fields=True)
    with pytest.raises(checks.ConformanceError, match="frozen=True"):
        checks.check_settings(mutable, {"token": "x"})


def test_check_dto_applies_contract_constraints() -> None:
    report = CreditReport(ref=REF, name="X", report_date=dt.date(2025, 1, 1), score=150)
    with pytest.raises(checks.ConformanceError, match="<= 100"):
        checks.check_dto(report, CreditReport)
    with pytest.raises(checks.ConformanceError, match="expected CreditReport"):
        checks.check_dto({"name": "X"}, CreditReport)
    bad_currency = Money(amount=Decimal(1), currency="euro")
    with pytest.raises(checks.ConformanceError, match="currency"):
        checks.check_dto(bad_currency, Money)


def test_check_secrets_not_exposed() -> None:
    class Leaky(Channel):
        def __repr__(self) -> str:
            return f"Leaky({self._secrets!r})"

    with pytest.raises(checks.ConformanceError, match="secret 'token'"):
        checks.check_secrets_not_exposed(
            Leaky(NoConfig(), Token(token="s3cr3t")), {"token": "s3cr3t"}
        )


def test_check_registered_fails_for_unregistered_class() -> None:
    other = type("Other", (Agency,), {"key": "other-agency"})
    with pytest.raises(checks.ConformanceError, match="is not registered"):
        checks.check_registered(other, "collection_agency", PLUGIN)


def test_samples_are_valid_dtos() -> None:
    checks.check_dto(samples.einvoice_document(), EInvoiceDocument)
    checks.check_dto(samples.collection_case(), CollectionCase)
    checks.check_dto(samples.claim(), Claim)
    recipient = Recipient(kind=AddressKind.POSTAL, postal=samples.buyer().address)
    checks.check_dto(samples.outgoing_message(recipient), OutgoingMessage)


BROKEN_SUITE = """
import msgspec
from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.notification import (
    AddressKind, DeliveryResult, DeliveryStatus, Recipient,
)
from arplatform.testing.conformance import NotificationChannelConformance


class Config(msgspec.Struct):
    url: str = ""


class Broken:
    key = "Broken Channel"
    kind = "notification_channel"
    display_name = "Broken"
    address_kinds = frozenset({AddressKind.PHONE})
    Config = Config

    def __init__(self, config, secrets):
        pass

    async def send(self, message):
        return DeliveryResult(status=DeliveryStatus.FAILED, detail="carrier down")


class Plugin:
    @hookimpl
    def arplatform_register_notification_channels(self):
        return [Broken]


class TestBroken(NotificationChannelConformance):
    provider_class = Broken
    plugin = Plugin()

    def recipient(self):
        return Recipient(kind=AddressKind.EMAIL, address="a@example.com")
"""


def test_kit_reports_broken_provider_under_plain_pytest(tmp_path: Path) -> None:
    (tmp_path / "test_broken_channel.py").write_text(textwrap.dedent(BROKEN_SUITE))
    report = tmp_path / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=120,
    )
    outcomes = {
        case.get("name"): ("failed" if case.find("failure") is not None else "passed")
        for case in ET.parse(report).getroot().iter("testcase")
    }
    assert outcomes == {
        "test_provider_class": "failed",
        "test_config_is_strict": "failed",
        "test_secrets_not_exposed": "passed",
        "test_registered_via_hook": "failed",
        "test_recipient_kind_is_supported": "failed",
        "test_send": "failed",
        "test_secrets_are_strict": "passed",
    }
