# ruff: noqa: ASYNC240 - tests inspect the drop folder directly, blocking is fine here
"""``PdfLetterChannel`` writing real PDF letters into a temporary drop folder."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pypdf
import pytest
from arplatform_notification_letter_pdf.channel import PdfLetterChannel, PdfLetterConfig
from arplatform_notification_letter_pdf.drop_folder import letter_file_stem

from arplatform.plugins.contracts.common import (
    Address,
    Attachment,
    PermanentProviderError,
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

ENCLOSURE = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
SENDER = SenderIdentity(
    name="Nordhafen Maschinenbau GmbH",
    email="ar@nordhafen.example",
    postal=Address(lines=("Hafenstrasse 12",), postal_code="20457", city="Hamburg", country="DE"),
)
LYON = Recipient(
    kind=AddressKind.POSTAL,
    name="Brasserie du Pont SARL",
    postal=Address(lines=("4 rue du Pont",), postal_code="69002", city="Lyon", country="FR"),
)


def channel(directory: Path, **config: Any) -> PdfLetterChannel:
    return PdfLetterChannel(
        msgspec.convert({"directory": str(directory), **config}, PdfLetterConfig)
    )


def letter_message(*recipients: Recipient, **changes: Any) -> OutgoingMessage:
    message = OutgoingMessage(
        message_id="msg-letter-1",
        sender=SENDER,
        recipients=recipients or (LYON,),
        subject="Payment reminder: invoice INV-2025-0042",
        text_body="Dear Sir or Madam,\n\ninvoice INV-2025-0042 of EUR 1,225.00 is overdue.",
        attachments=(
            Attachment(
                filename="INV-2025-0042.pdf", media_type="application/pdf", content=ENCLOSURE
            ),
            Attachment(filename="statement.csv", media_type="text/csv", content=b"a,b\n"),
            Attachment(
                filename="../../etc/terms.pdf", media_type="application/pdf", content=b"%PDF"
            ),
        ),
        locale="en",
    )
    return msgspec.structs.replace(message, **changes)


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def visible_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))


async def test_writes_the_letter_and_its_pdf_enclosures(tmp_path: Path) -> None:
    drop = tmp_path / "print-room" / "inbox"
    result = await channel(drop, time_zone="Europe/Berlin").send(letter_message())

    assert result == DeliveryResult(
        status=DeliveryStatus.SENT, provider_message_id="msg-letter-1.pdf"
    )
    assert visible_files(drop) == [
        "msg-letter-1-1-INV-2025-0042.pdf",
        "msg-letter-1-2-terms.pdf",
        "msg-letter-1.pdf",
    ]
    assert (drop / "msg-letter-1-1-INV-2025-0042.pdf").read_bytes() == ENCLOSURE
    text = pdf_text(drop / "msg-letter-1.pdf")
    today = dt.datetime.now(ZoneInfo("Europe/Berlin")).date()
    for expected in (
        "Nordhafen Maschinenbau GmbH",
        "Brasserie du Pont SARL",
        "4 rue du Pont",
        "69002 Lyon",
        "FRANCE",
        f"Hamburg, {today:%B} {today.day}, {today.year}",
        "Payment reminder: invoice INV-2025-0042",
        "invoice INV-2025-0042 of EUR 1,225.00 is overdue.",
    ):
        assert expected in text


async def test_same_message_is_written_once(tmp_path: Path) -> None:
    provider = channel(tmp_path)
    first = await provider.send(letter_message())
    (tmp_path / "msg-letter-1.pdf").unlink()  # the print room took it away
    second = await channel(tmp_path).send(letter_message())
    assert second.status == DeliveryStatus.SENT
    assert second.provider_message_id == first.provider_message_id
    assert "msg-letter-1.pdf" not in visible_files(tmp_path)


async def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    await channel(tmp_path).send(letter_message())
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".partial")]
    assert leftovers == []
    assert (tmp_path / ".sent" / "msg-letter-1").exists()


async def test_chinese_letter(tmp_path: Path) -> None:
    message = letter_message(
        subject="付款提醒：发票 INV-2025-0042",  # noqa: RUF001 - Chinese punctuation on purpose
        text_body="尊敬的客户：\n\n发票 INV-2025-0042 已逾期，请尽快付款。",  # noqa: RUF001
        locale="zh-Hans",
    )
    await channel(tmp_path).send(message)
    path = tmp_path / "msg-letter-1.pdf"
    assert b"STSong-Light" in path.read_bytes()
    text = pdf_text(path)
    assert "付款提醒：发票 INV-2025-0042" in text  # noqa: RUF001
    assert "年" in text and "月" in text  # the date is written the Chinese way


async def test_one_letter_per_postal_recipient(tmp_path: Path) -> None:
    munich = Recipient(
        kind=AddressKind.POSTAL,
        name="Biergarten Isar GmbH",
        postal=Address(lines=("Isarweg 3",), postal_code="80538", city="München", country="DE"),
    )
    result = await channel(tmp_path).send(letter_message(LYON, munich, attachments=()))
    assert result.provider_message_id == "msg-letter-1-to1.pdf,msg-letter-1-to2.pdf"
    assert "Brasserie du Pont SARL" in pdf_text(tmp_path / "msg-letter-1-to1.pdf")
    assert "Biergarten Isar GmbH" in pdf_text(tmp_path / "msg-letter-1-to2.pdf")


async def test_recipient_without_address_fails(tmp_path: Path) -> None:
    nowhere = Recipient(kind=AddressKind.POSTAL, name="Unknown Ltd")
    result = await channel(tmp_path).send(letter_message(nowhere))
    assert result.status == DeliveryStatus.FAILED
    assert visible_files(tmp_path) == []


async def test_message_id_cannot_escape_the_folder(tmp_path: Path) -> None:
    drop = tmp_path / "inbox"
    result = await channel(drop).send(letter_message(message_id="../../evil", attachments=()))
    assert result.provider_message_id == "%2E%2E%2F%2E%2E%2Fevil.pdf"
    assert visible_files(tmp_path) == ["inbox"]
    assert (drop / "%2E%2E%2F%2E%2E%2Fevil.pdf").exists()
    assert letter_file_stem(".hidden") == "%2Ehidden"


async def test_a_file_where_the_folder_should_be_is_a_permanent_error(tmp_path: Path) -> None:
    # Unwritable for every user, root included (unlike a folder without write permission).
    (tmp_path / "inbox").write_text("not a folder")
    with pytest.raises(PermanentProviderError) as raised:
        await channel(tmp_path / "inbox").send(letter_message())
    assert raised.value.code == "not_a_folder"


def test_config_needs_an_absolute_directory_and_a_known_zone() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"directory": "relative/inbox"}, PdfLetterConfig)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"directory": "/srv/inbox", "time_zone": "Mars/Olympus"}, PdfLetterConfig)


class TestPdfLetterChannelConformance(NotificationChannelConformance):
    """The kit's checks, writing into a fresh temporary folder."""

    provider_class = PdfLetterChannel
    config = {"directory": "/srv/print-room/inbox", "time_zone": "Europe/Berlin"}

    @pytest.fixture(autouse=True)
    def _drop_folder(self, tmp_path: Path) -> None:
        self.directory = tmp_path / "inbox"

    def make_provider(self) -> PdfLetterChannel:
        return channel(self.directory, time_zone="Europe/Berlin")

    def recipient(self) -> Recipient:
        return LYON

    def check_delivered(self, message: Any, result: DeliveryResult) -> None:
        assert result.provider_message_id == "msg-conformance-1.pdf"
        assert message.subject in pdf_text(self.directory / "msg-conformance-1.pdf")
        enclosure = self.directory / "msg-conformance-1-1-INV-2025-0042.pdf"
        assert enclosure.read_bytes() == message.attachments[0].content
