"""``SmtpChannel`` against a real SMTP server (aiosmtpd) on 127.0.0.1.

The server runs in its own thread; plain, STARTTLS and implicit TLS variants
use a CA and a server certificate for 127.0.0.1 made by the test.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from arplatform_notification_smtp.channel import SmtpChannel, SmtpConfig, SmtpSecrets
from arplatform_notification_smtp.compose import message_id_header
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from arplatform.plugins.contracts.common import (
    Attachment,
    PermanentProviderError,
    ProviderAuthenticationError,
    TransientProviderError,
)
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
    Recipient,
    SenderIdentity,
)
from arplatform.testing.conformance import NotificationChannelConformance

HOST = "127.0.0.1"
USERNAME, PASSWORD = "nordhafen", "s3cret-relay-password"
WRONG_PASSWORD = "not-the-password"  # noqa: S105
PDF_BYTES = b"%PDF-1.4\n" + bytes(range(256)) + b"\n%%EOF\n"


# --- certificates -----------------------------------------------------------------


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[str, ec.EllipticCurvePrivateKey]
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    is_ca = subject == issuer[0]
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer[0])]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()),
            critical=False,
        )
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
    return builder.sign(issuer[1], hashes.SHA256())


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    folder = tmp_path_factory.mktemp("smtp-tls")
    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_cert = _certificate("arplatform test CA", ca_key, ("arplatform test CA", ca_key))
    server_cert = _certificate(HOST, server_key, ("arplatform test CA", ca_key))
    files = TlsFiles(ca=folder / "ca.pem", cert=folder / "server.pem", key=folder / "server.key")
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


# --- the stand-in relay -----------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    over_tls: bool
    login: bytes | None


@dataclass
class Relay:
    """aiosmtpd handler: refuses nobody@ (550) and busy@ (451), keeps everything else."""

    port: int = 0
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if address.startswith("busy@"):
            return "451 4.3.0 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data if session.authenticated else None
        over_tls = session.ssl is not None or server.transport.get_extra_info("ssl_object")
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, bool(over_tls), login)
        )
        return "250 2.0.0 queued"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USERNAME.encode(),
        PASSWORD.encode(),
    )
    # handled=False: aiosmtpd itself answers 535 to a refused login.
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def start_relay() -> Iterator[Callable[..., Relay]]:
    controllers: list[Controller] = []

    def start(**smtp_options: Any) -> Relay:
        relay = Relay(port=_free_port())
        controller = Controller(relay, hostname=HOST, port=relay.port, **smtp_options)
        controller.start()
        controllers.append(controller)
        return relay

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def plain_relay(start_relay: Callable[..., Relay]) -> Relay:
    return start_relay()


def channel(relay_port: int, secrets: SmtpSecrets | None = None, **config: Any) -> SmtpChannel:
    settings = {
        "host": HOST,
        "port": relay_port,
        "security": "none",
        "from_address": "dunning@relay.example",
        "timeout_seconds": 5,
        **config,
    }
    return SmtpChannel(msgspec.convert(settings, SmtpConfig), secrets)


def reminder(*addresses: str, message_id: str = "msg-2025-0042") -> OutgoingMessage:
    return OutgoingMessage(
        message_id=message_id,
        sender=SenderIdentity(
            name="Nordhafen Maschinenbau GmbH",
            email="ar@nordhafen.example",
            reply_to="accounts@nordhafen.example",
        ),
        recipients=tuple(
            Recipient(kind=AddressKind.EMAIL, name="上海浦东贸易有限公司", address=a)
            for a in addresses
        ),
        subject="付款提醒：发票 INV-2025-0042",  # noqa: RUF001 - Chinese punctuation on purpose
        text_body="Invoice INV-2025-0042 of EUR 1,225.00 is overdue.\n发票已逾期。",
        html_body="<p>Invoice <b>INV-2025-0042</b> is overdue.</p>",
        attachments=(
            Attachment(
                filename="INV-2025-0042.pdf", media_type="application/pdf", content=PDF_BYTES
            ),
        ),
        locale="zh-Hans",
    )


# --- behaviour --------------------------------------------------------------------


async def test_plain_send_delivers_a_complete_message(plain_relay: Relay) -> None:
    result = await channel(plain_relay.port).send(reminder("buyer@shanghai.example"))

    assert result == DeliveryResult(
        status=DeliveryStatus.SENT, provider_message_id="<msg-2025-0042@relay.example>"
    )
    (received,) = plain_relay.received
    assert received.mail_from == "dunning@relay.example"
    assert received.rcpt_tos == ["buyer@shanghai.example"]
    mail = received.message
    assert mail["Subject"] == "付款提醒：发票 INV-2025-0042"  # noqa: RUF001
    assert mail["From"].addresses[0].display_name == "Nordhafen Maschinenbau GmbH"
    assert mail["From"].addresses[0].addr_spec == "dunning@relay.example"
    assert mail["Reply-To"].addresses[0].addr_spec == "accounts@nordhafen.example"
    assert mail["To"].addresses[0].display_name == "上海浦东贸易有限公司"
    assert mail["Message-ID"] == "<msg-2025-0042@relay.example>"
    assert mail["Date"].datetime.tzinfo is not None
    assert mail["Content-Language"] == "zh-Hans"
    text, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text is not None and "发票已逾期。" in text.get_content()
    assert html is not None and "<b>INV-2025-0042</b>" in html.get_content()
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "INV-2025-0042.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF_BYTES


async def test_text_only_message_is_not_multipart(plain_relay: Relay) -> None:
    message = msgspec.structs.replace(
        reminder("buyer@shanghai.example"), html_body=None, attachments=()
    )
    await channel(plain_relay.port).send(message)
    mail = plain_relay.received[0].message
    assert mail.get_content_type() == "text/plain"
    assert "Invoice INV-2025-0042" in mail.get_content()


async def test_sender_address_as_from_when_allowed(plain_relay: Relay) -> None:
    result = await channel(plain_relay.port, use_sender_address=True).send(
        reminder("buyer@shanghai.example")
    )
    mail = plain_relay.received[0].message
    assert mail["From"].addresses[0].addr_spec == "ar@nordhafen.example"
    assert mail["Reply-To"].addresses[0].addr_spec == "accounts@nordhafen.example"
    assert result.provider_message_id == "<msg-2025-0042@nordhafen.example>"
    assert plain_relay.received[0].mail_from == "dunning@relay.example"


async def test_starttls_with_login(start_relay: Callable[..., Relay], tls_files: TlsFiles) -> None:
    relay = start_relay(
        tls_context=tls_files.server_context(),
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticate,
    )
    smtp = channel(
        relay.port,
        SmtpSecrets(username=USERNAME, password=PASSWORD),
        security="starttls",
        ca_file=str(tls_files.ca),
    )
    result = await smtp.send(reminder("buyer@shanghai.example"))
    assert result.status == DeliveryStatus.SENT
    (received,) = relay.received
    assert received.over_tls
    assert received.login == USERNAME.encode()
    assert received.message["Subject"] == "付款提醒：发票 INV-2025-0042"  # noqa: RUF001


async def test_implicit_tls(start_relay: Callable[..., Relay], tls_files: TlsFiles) -> None:
    relay = start_relay(ssl_context=tls_files.server_context())
    smtp = channel(relay.port, security="tls", ca_file=str(tls_files.ca))
    result = await smtp.send(reminder("buyer@shanghai.example"))
    assert result.status == DeliveryStatus.SENT
    assert relay.received[0].over_tls
    assert relay.received[0].message.get_body(("html",)) is not None


async def test_wrong_password_is_an_authentication_error(
    start_relay: Callable[..., Relay], tls_files: TlsFiles
) -> None:
    relay = start_relay(
        tls_context=tls_files.server_context(), auth_required=True, authenticator=_authenticate
    )
    smtp = channel(
        relay.port,
        SmtpSecrets(username=USERNAME, password=WRONG_PASSWORD),
        security="starttls",
        ca_file=str(tls_files.ca),
    )
    with pytest.raises(ProviderAuthenticationError) as caught:
        await smtp.send(reminder("buyer@shanghai.example"))
    assert WRONG_PASSWORD not in str(caught.value)
    assert relay.received == []


async def test_untrusted_certificate_is_refused(
    start_relay: Callable[..., Relay], tls_files: TlsFiles
) -> None:
    relay = start_relay(ssl_context=tls_files.server_context())
    with pytest.raises(PermanentProviderError) as caught:
        await channel(relay.port, security="tls").send(reminder("buyer@shanghai.example"))
    assert caught.value.code == "tls_certificate"
    assert relay.received == []


async def test_permanent_recipient_refusal_fails_the_delivery(plain_relay: Relay) -> None:
    result = await channel(plain_relay.port).send(reminder("nobody@shanghai.example"))
    assert result.status == DeliveryStatus.FAILED
    assert result.detail is not None and "550" in result.detail
    assert "nobody@shanghai.example" in result.detail
    assert plain_relay.received == []


async def test_temporary_recipient_refusal_is_retried(plain_relay: Relay) -> None:
    with pytest.raises(TransientProviderError) as caught:
        await channel(plain_relay.port).send(reminder("busy@shanghai.example"))
    assert "451" in caught.value.message


async def test_partly_refused_recipients_still_sent(plain_relay: Relay) -> None:
    result = await channel(plain_relay.port).send(
        reminder("buyer@shanghai.example", "nobody@shanghai.example")
    )
    assert result.status == DeliveryStatus.SENT
    assert result.detail is not None and "nobody@shanghai.example" in result.detail
    assert plain_relay.received[0].rcpt_tos == ["buyer@shanghai.example"]


async def test_server_down_is_transient() -> None:
    with pytest.raises(TransientProviderError) as caught:
        await channel(_free_port()).send(reminder("buyer@shanghai.example"))
    assert caught.value.code == "network"


async def test_repeated_send_delivers_once(plain_relay: Relay) -> None:
    smtp = channel(plain_relay.port)
    first = await smtp.send(reminder("buyer@shanghai.example"))
    second = await smtp.send(reminder("buyer@shanghai.example"))
    assert first == second
    assert len(plain_relay.received) == 1


def test_message_id_escapes_what_a_msg_id_cannot_hold() -> None:
    assert message_id_header("a b.c=d", "x@mail.example") == "<a=20b=2Ec=3Dd@mail.example>"
    assert message_id_header("01J9Z-ABC", "x@mail.example") == "<01J9Z-ABC@mail.example>"


def test_password_without_username_is_rejected() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"password": "x"}, SmtpSecrets)


# --- conformance kit --------------------------------------------------------------


class TestSmtpChannelConformance(NotificationChannelConformance):
    """The kit's checks, sending over STARTTLS with a login to a relay started per test."""

    provider_class = SmtpChannel
    config = {"host": HOST, "from_address": "dunning@relay.example"}
    secrets = {"username": USERNAME, "password": PASSWORD}

    @pytest.fixture(autouse=True)
    def _relay(self, start_relay: Callable[..., Relay], tls_files: TlsFiles) -> None:
        self.relay = start_relay(
            tls_context=tls_files.server_context(),
            require_starttls=True,
            auth_required=True,
            authenticator=_authenticate,
        )
        self.ca_file = str(tls_files.ca)

    def make_provider(self) -> SmtpChannel:
        config = {**self.config, "port": self.relay.port, "ca_file": self.ca_file}
        return SmtpChannel(
            msgspec.convert(config, SmtpConfig), msgspec.convert(self.secrets, SmtpSecrets)
        )

    def recipient(self) -> Recipient:
        return Recipient(
            kind=AddressKind.EMAIL, name="Brasserie du Pont", address="compta@pont.example"
        )

    def check_delivered(self, message: Any, result: DeliveryResult) -> None:
        (received,) = self.relay.received
        assert received.rcpt_tos == ["compta@pont.example"]
        assert received.message["Message-ID"] == result.provider_message_id
        assert received.message["Subject"] == message.subject
