"""Registration hook of the ``letter-pdf`` notification channel (entry point ``arplatform``)."""

from __future__ import annotations

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.notification import NotificationChannel
from arplatform_notification_letter_pdf.channel import PdfLetterChannel


@hookimpl
def arplatform_register_notification_channels() -> list[type[NotificationChannel]]:
    """Offer the PDF letter channel."""
    return [PdfLetterChannel]
