"""Registration hook of the ``smtp`` notification channel (entry point ``arplatform``)."""

from __future__ import annotations

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.notification import NotificationChannel
from arplatform_notification_smtp.channel import SmtpChannel


@hookimpl
def arplatform_register_notification_channels() -> list[type[NotificationChannel]]:
    """Offer the SMTP e-mail channel."""
    return [SmtpChannel]
