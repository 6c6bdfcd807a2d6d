"""Conformance test bases: subclass one per provider in your plugin's test suite.

Example::

    from arplatform.testing.conformance import NotificationChannelConformance

    class TestSmsGateway(NotificationChannelConformance):
        provider_class = SmsGateway
        config = {"base_url": "http://127.0.0.1:8025"}
        secrets = {"api_token": "test-token"}

        def recipient(self) -> Recipient:
            return Recipient(kind=AddressKind.PHONE, address="+4915112345678")

Every ``test_*`` method runs under plain pytest; async calls run in one event
loop per test. Override ``make_provider`` to inject a stand-in server's URL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, TypeVar

import msgspec
import pytest

from arplatform.plugins.contracts import Kind
from arplatform.plugins.contracts.collection_agency import CaseStatus, HandoverReceipt
from arplatform.plugins.contracts.common import Party
from arplatform.plugins.contracts.credit_bureau import (
    CompanyMatch,
    CompanyQuery,
    CreditReport,
    MonitoringAlert,
)
from arplatform.plugins.contracts.credit_insurer import (
    ClaimStatus,
    CoverDecision,
    DeclarationReceipt,
)
from arplatform.plugins.contracts.einvoice import (
    EInvoiceDocument,
    IssueSeverity,
    RenderedInvoice,
    TransmissionReceipt,
)
from arplatform.plugins.contracts.notification import DeliveryResult, DeliveryStatus, Recipient
from arplatform.testing import samples
from arplatform.testing.checks import (
    ConformanceError,
    check_dto,
    check_provider_class,
    check_registered,
    check_secrets_not_exposed,
    check_settings,
)

__all__ = [
    "CollectionAgencyConformance",
    "CreditBureauConformance",
    "CreditInsurerConformance",
    "EInvoiceFormatConformance",
    "NotificationChannelConformance",
    "ProviderConformance",
]

T = TypeVar("T")


class ProviderConformance:
    """Checks every provider kind shares. Set the class attributes in your subclass.

    ``plugin`` is the module or object holding your ``@hookimpl``; leave it
    ``None`` to check the installed ``arplatform`` entry points instead.
    """

    kind: ClassVar[Kind]
    provider_class: ClassVar[type[Any]]
    config: ClassVar[Mapping[str, Any]] = {}
    secrets: ClassVar[Mapping[str, Any] | None] = None
    plugin: ClassVar[object | None] = None

    def make_provider(self) -> Any:
        """Build the provider the way the core does: validated config and secrets."""
        cls = self.provider_class
        config = msgspec.convert(dict(self.config), cls.Config)
        secrets_type = getattr(cls, "Secrets", None)
        secrets = (
            None
            if secrets_type is None
            else msgspec.convert(dict(self.secrets or {}), secrets_type)
        )
        return cls(config, secrets)

    def run(self, scenario: Callable[[Any], Awaitable[T]]) -> T:
        """Run ``scenario(provider)`` in a fresh event loop, then ``aclose`` the provider."""

        async def main() -> T:
            provider = self.make_provider()
            try:
                return await scenario(provider)
            finally:
                aclose = getattr(provider, "aclose", None)
                if aclose is not None:
                    await aclose()

        return asyncio.run(main())

    def test_provider_class(self) -> None:
        check_provider_class(self.provider_class, self.kind)

    def test_config_is_strict(self) -> None:
        check_settings(self.provider_class.Config, self.config)

    def test_secrets_are_strict(self) -> None:
        secrets_type = getattr(self.provider_class, "Secrets", None)
        if secrets_type is None:
            # Nothing to be strict about; but secrets handed to such a provider
            # would be stored and never used, so the kit must not be given any.
            assert not self.secrets, "the provider declares no Secrets but the kit sets some"
            return
        check_settings(secrets_type, self.secrets or {})

    def test_secrets_not_exposed(self) -> None:
        check_secrets_not_exposed(self.make_provider(), self.secrets)

    def test_registered_via_hook(self) -> None:
        check_registered(self.provider_class, self.kind, self.plugin)


class CreditBureauConformance(ProviderConformance):
    """Override ``company_query`` with a query your bureau (or stand-in) answers."""

    kind: ClassVar[Kind] = "credit_bureau"

    def company_query(self) -> CompanyQuery:
        raise NotImplementedError("override company_query() to return a query with a hit")

    def test_search_and_fetch_report(self) -> None:
        async def scenario(bureau: Any) -> None:
            matches = await bureau.search_company(self.company_query())
            _expect(isinstance(matches, list) and matches, "search_company() found nothing")
            for match in matches:
                check_dto(match, CompanyMatch)
            report = check_dto(await bureau.fetch_report(matches[0].ref), CreditReport)
            if report.valid_until is not None:
                _expect(report.valid_until >= report.report_date, "valid_until < report_date")

        self.run(scenario)

    def test_monitoring(self) -> None:
        """A bureau that monitors watches a company, reports alerts and stops; one that does
        not says so with ``supports_monitoring = False``, and the core never asks it to."""
        supports = self.provider_class.supports_monitoring
        _expect(isinstance(supports, bool), "supports_monitoring must be True or False")
        if not supports:
            return

        async def scenario(bureau: Any) -> None:
            matches = await bureau.search_company(self.company_query())
            await bureau.start_monitoring(matches[0].ref)
            await bureau.start_monitoring(matches[0].ref)  # idempotent
            since = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
            alerts = await bureau.poll_alerts(since)
            _expect(isinstance(alerts, list), "poll_alerts() must return a list")
            for alert in alerts:
                check_dto(alert, MonitoringAlert)
            await bureau.stop_monitoring(matches[0].ref)

        self.run(scenario)


class EInvoiceFormatConformance(ProviderConformance):
    """Override ``invoice`` to use your own document, ``recipient`` to test ``transmit``."""

    kind: ClassVar[Kind] = "einvoice_format"

    def invoice(self) -> EInvoiceDocument:
        return samples.einvoice_document()

    def recipient(self) -> Party:
        return self.invoice().buyer

    def test_render_then_validate(self) -> None:
        async def scenario(fmt: Any) -> None:
            rendered = check_dto(await fmt.render(self.invoice()), RenderedInvoice)
            _expect(rendered.content != b"", "render() produced no content")
            _expect(rendered.filename != "", "render() produced no filename")
            _expect(rendered.media_type == fmt.media_type, "media_type differs from the class's")
            issues = await fmt.validate(rendered.content)
            errors = [i for i in issues if i.severity == IssueSeverity.ERROR]
            _expect(not errors, f"the rendered sample does not validate: {errors}")

        self.run(scenario)

    def test_validate_reports_garbage(self) -> None:
        async def scenario(fmt: Any) -> None:
            issues = await fmt.validate(b"\x00 this is not an invoice")
            _expect(
                any(i.severity == IssueSeverity.ERROR for i in issues),
                "validate() accepted garbage; it must return an error issue, not raise",
            )

        self.run(scenario)

    def test_transmit(self) -> None:
        if not self.provider_class.supports_transmission:
            pytest.skip("provider does not transmit")

        async def scenario(fmt: Any) -> None:
            rendered = await fmt.render(self.invoice())
            check_dto(await fmt.transmit(rendered, self.recipient()), TransmissionReceipt)

        self.run(scenario)


class NotificationChannelConformance(ProviderConformance):
    """Override ``recipient``; override ``check_delivered`` to look at your fake carrier."""

    kind: ClassVar[Kind] = "notification_channel"

    def recipient(self) -> Recipient:
        raise NotImplementedError("override recipient() to return an address you can observe")

    def check_delivered(self, message: Any, result: DeliveryResult) -> None:
        """Assert the carrier received ``message``; the default trusts ``result``."""

    def test_recipient_kind_is_supported(self) -> None:
        kind = self.recipient().kind
        _expect(kind in self.provider_class.address_kinds, f"{kind} not in address_kinds")

    def test_send(self) -> None:
        message = samples.outgoing_message(self.recipient())

        async def scenario(channel: Any) -> DeliveryResult:
            return check_dto(await channel.send(message), DeliveryResult)

        result = self.run(scenario)
        _expect(
            result.status in (DeliveryStatus.SENT, DeliveryStatus.QUEUED),
            f"send() failed: {result.detail}",
        )
        self.check_delivered(message, result)


class CreditInsurerConformance(ProviderConformance):
    """Cover, overdue and claim round trips on ``arplatform.testing.samples``."""

    kind: ClassVar[Kind] = "credit_insurer"

    def test_request_and_poll_cover(self) -> None:
        async def scenario(insurer: Any) -> None:
            decision = check_dto(
                await insurer.request_cover(samples.cover_request()), CoverDecision
            )
            polled = check_dto(await insurer.poll_cover(decision.job_ref), CoverDecision)
            _expect(polled.job_ref == decision.job_ref, "poll_cover() answered another job")

        self.run(scenario)

    def test_declare_overdue(self) -> None:
        async def scenario(insurer: Any) -> None:
            receipt = await insurer.declare_overdue(samples.overdue_declaration())
            check_dto(receipt, DeclarationReceipt)

        self.run(scenario)

    def test_claim_round_trip(self) -> None:
        async def scenario(insurer: Any) -> None:
            submitted = check_dto(await insurer.submit_claim(samples.claim()), ClaimStatus)
            status = check_dto(await insurer.claim_status(submitted.claim_ref), ClaimStatus)
            _expect(
                status.claim_ref == submitted.claim_ref, "claim_status() answered another claim"
            )

        self.run(scenario)


class CollectionAgencyConformance(ProviderConformance):
    """Hands the sample case over twice (must be idempotent) and reads its status."""

    kind: ClassVar[Kind] = "collection_agency"

    def test_hand_over_and_status(self) -> None:
        async def scenario(agency: Any) -> None:
            case = samples.collection_case()
            receipt = check_dto(await agency.hand_over(case), HandoverReceipt)
            again = check_dto(await agency.hand_over(case), HandoverReceipt)
            _expect(again.case_ref == receipt.case_ref, "handing over twice made two cases")
            status = check_dto(await agency.case_status(receipt.case_ref), CaseStatus)
            _expect(status.case_ref == receipt.case_ref, "case_status() answered another case")

        self.run(scenario)


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise ConformanceError(message)
