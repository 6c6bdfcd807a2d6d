"""``PdfLetterChannel``: each message becomes a printable letter in a drop folder.

The letter is rendered by ``arplatform.documents.letter`` (DIN 5008 window
envelope layout): letterhead from the sender, the postal recipient's address,
the subject and the plain-text body, in the message's language. The file is
``<message_id>.pdf`` (``<message_id>-to<n>.pdf`` per recipient when a message
has several postal recipients); the message's PDF attachments are written next
to it as ``<message_id>-<n>-<filename>``, before the letter, so the letter's
arrival means its enclosures are there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Annotated, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from arplatform.documents.letter import Letter, render_letter_pdf
from arplatform.plugins.contracts.common import (
    PermanentProviderError,
    Settings,
    TransientProviderError,
)
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
    Recipient,
)
from arplatform_notification_letter_pdf.drop_folder import (
    DropFolder,
    attachment_file_name,
    letter_file_stem,
)

__all__ = ["PdfLetterChannel", "PdfLetterConfig"]

PDF_MEDIA_TYPE = "application/pdf"


class PdfLetterConfig(Settings, frozen=True, kw_only=True):
    """The print room's drop folder, and the time zone the letters are dated in."""

    directory: Annotated[
        str, msgspec.Meta(min_length=1, description="Absolute path of the drop folder")
    ]
    time_zone: Annotated[str, msgspec.Meta(description="IANA time zone for the letter's date")] = (
        "UTC"
    )

    def __post_init__(self) -> None:
        if not Path(self.directory).is_absolute():
            raise ValueError("directory must be an absolute path")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc


class PdfLetterChannel:
    """Renders messages as PDF letters into the print room's drop folder."""

    key: ClassVar[str] = "letter-pdf"
    kind: ClassVar[str] = "notification_channel"
    display_name: ClassVar[str] = "Printed letter (PDF to print room)"
    address_kinds: ClassVar[frozenset[AddressKind]] = frozenset({AddressKind.POSTAL})
    Config: ClassVar[type[msgspec.Struct]] = PdfLetterConfig
    Secrets: ClassVar[type[msgspec.Struct] | None] = None

    def __init__(self, config: PdfLetterConfig, secrets: None = None) -> None:
        self._config = config
        self._folder = DropFolder(Path(config.directory))

    def __repr__(self) -> str:
        return f"PdfLetterChannel(directory={self._config.directory!r})"

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        """Write the letter (once per ``message_id``); ``failed`` if no recipient has an address."""
        # Rendering and file writes block; keep them off the event loop.
        try:
            return await asyncio.to_thread(self._deliver, message)
        except PermissionError as exc:
            raise PermanentProviderError(
                f"no permission to write to the drop folder: {exc.filename}", code="permission"
            ) from exc
        except (NotADirectoryError, FileExistsError) as exc:  # a file where the folder should be
            raise PermanentProviderError(
                f"the drop folder is not a folder: {exc.filename}", code="not_a_folder"
            ) from exc
        except OSError as exc:  # folder not mounted, disk full...: may pass
            raise TransientProviderError(
                f"could not write to the drop folder: {exc.strerror or exc}", code="io"
            ) from exc

    def _deliver(self, message: OutgoingMessage) -> DeliveryResult:
        stem = letter_file_stem(message.message_id)
        recipients = [r for r in message.recipients if r.kind == AddressKind.POSTAL]
        addressed = [r for r in recipients if r.postal is not None]
        names = _letter_names(stem, len(addressed))
        if self._folder.was_sent(stem):
            return _sent(names, "already delivered")
        if not addressed:
            return DeliveryResult(
                status=DeliveryStatus.FAILED, detail="no recipient with a postal address"
            )
        self._write_enclosures(stem, message)
        date_line = self._date_line(message)
        for name, recipient in zip(names, addressed, strict=True):
            letter = _letter(message, recipient, date_line)
            self._folder.write(name, render_letter_pdf(letter))
        self._folder.mark_sent(stem)
        skipped = len(recipients) - len(addressed)
        return _sent(names, f"{skipped} recipient(s) without postal address" if skipped else None)

    def _write_enclosures(self, stem: str, message: OutgoingMessage) -> None:
        pdfs = [a for a in message.attachments if a.media_type == PDF_MEDIA_TYPE]
        for number, attachment in enumerate(pdfs, start=1):
            self._folder.write(
                attachment_file_name(stem, number, attachment.filename), attachment.content
            )

    def _date_line(self, message: OutgoingMessage) -> str:
        today = dt.datetime.now(ZoneInfo(self._config.time_zone)).date()
        language = message.locale or "en"
        try:
            locale = Locale.parse(language, sep="-")
        except (UnknownLocaleError, ValueError):
            locale = Locale.parse("en")
        date = format_date(today, format="long", locale=locale)
        city = message.sender.postal.city if message.sender.postal else None
        # Chinese, Japanese and Korean letters carry the date alone.
        if city and locale.language not in ("zh", "ja", "ko"):
            return f"{city}, {date}"
        return date


def _letter(message: OutgoingMessage, recipient: Recipient, date_line: str) -> Letter:
    return Letter(
        sender=message.sender,
        recipient_name=recipient.name or "",
        recipient_address=recipient.postal,
        date_line=date_line,
        subject=message.subject,
        body=message.text_body,
        language=message.locale or "en",
    )


def _letter_names(stem: str, count: int) -> list[str]:
    if count <= 1:
        return [f"{stem}.pdf"]
    return [f"{stem}-to{n}.pdf" for n in range(1, count + 1)]


def _sent(names: list[str], detail: str | None) -> DeliveryResult:
    return DeliveryResult(
        status=DeliveryStatus.SENT, provider_message_id=",".join(names), detail=detail
    )
