"""``SmtpChannel``: the notification channel contract over SMTP.

One connection per ``send``: connect (implicit TLS or STARTTLS as
configured), log in when credentials are set, hand the message over, quit.
See ``compose`` for the From/Reply-To/Message-ID rules.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import aiosmtplib
import msgspec

from arplatform.plugins.contracts.common import PermanentProviderError, Settings
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
)
from arplatform_notification_smtp.compose import Envelope, compose
from arplatform_notification_smtp.errors import error_for_exception, refused_recipients_result

__all__ = ["SmtpChannel", "SmtpConfig", "SmtpSecrets"]

# The core cancels a provider call after 30 s; each SMTP step times out
# sooner so the tenant sees which step hung.
MAX_SMTP_TIMEOUT_SECONDS = 25.0
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
EmailAddress = Annotated[str, msgspec.Meta(pattern=r"^[^@\s<>]+@[^@\s<>]+$")]


class SmtpConfig(Settings, frozen=True, kw_only=True):
    """The tenant's SMTP relay and the address it may send as."""

    host: Annotated[str, msgspec.Meta(min_length=1, description="SMTP relay host name")]
    port: Port = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    from_address: Annotated[
        EmailAddress, msgspec.Meta(description="Envelope sender, and From unless overridden")
    ]
    use_sender_address: Annotated[
        bool, msgspec.Meta(description="Use the tenant's own e-mail address as From")
    ] = False
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=MAX_SMTP_TIMEOUT_SECONDS)] = 20.0
    validate_certs: bool = True
    ca_file: Annotated[
        str | None, msgspec.Meta(description="PEM bundle of CAs to trust instead of the system's")
    ] = None


class SmtpSecrets(Settings, frozen=True, kw_only=True):
    """SMTP login; leave both empty for a relay that needs none (e.g. by IP allow-list)."""

    username: str | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        if self.password is not None and self.username is None:
            raise ValueError("a password needs a username")


class SmtpChannel:
    """Sends messages as e-mail through an SMTP relay."""

    key: ClassVar[str] = "smtp"
    kind: ClassVar[str] = "notification_channel"
    display_name: ClassVar[str] = "E-mail (SMTP)"
    address_kinds: ClassVar[frozenset[AddressKind]] = frozenset({AddressKind.EMAIL})
    Config: ClassVar[type[msgspec.Struct]] = SmtpConfig
    Secrets: ClassVar[type[msgspec.Struct] | None] = SmtpSecrets

    def __init__(self, config: SmtpConfig, secrets: SmtpSecrets | None) -> None:
        self._config = config
        self._secrets = secrets or SmtpSecrets()
        # The relay cannot tell us whether it already took a message; within
        # one provider instance (one job) a repeated send is answered from here.
        self._sent: dict[str, DeliveryResult] = {}

    def __repr__(self) -> str:
        config = self._config
        return (
            f"SmtpChannel(host={config.host!r}, port={config.port}, security={config.security!r})"
        )

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        """Hand ``message`` to the relay; ``failed`` when it refuses it for good."""
        if message.message_id in self._sent:
            return self._sent[message.message_id]
        try:
            envelope = compose(
                message,
                from_address=self._config.from_address,
                use_sender_address=self._config.use_sender_address,
            )
        except ValueError as exc:
            raise PermanentProviderError(str(exc), code="invalid_message") from exc
        result = await self._deliver(envelope)
        if result.status == DeliveryStatus.SENT:
            self._sent[message.message_id] = result
        return result

    async def _deliver(self, envelope: Envelope) -> DeliveryResult:
        try:
            async with self._client() as smtp:
                refused, _reply = await smtp.send_message(
                    envelope.message,
                    sender=envelope.mail_from,
                    recipients=list(envelope.recipients),
                )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return refused_recipients_result(exc.recipients)
        except (aiosmtplib.SMTPException, OSError) as exc:
            outcome = error_for_exception(exc)
            if isinstance(outcome, DeliveryResult):
                return outcome
            raise outcome from exc
        detail = None
        if refused:
            detail = "some recipients refused: " + "; ".join(
                f"{address}: {response.code} {response.message}"
                for address, response in refused.items()
            )
        return DeliveryResult(
            status=DeliveryStatus.SENT, provider_message_id=envelope.message_id, detail=detail
        )

    def _client(self) -> aiosmtplib.SMTP:
        config = self._config
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=self._secrets.username,
            password=self._secrets.password,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            validate_certs=config.validate_certs,
            cert_bundle=config.ca_file,
            timeout=config.timeout_seconds,
        )
