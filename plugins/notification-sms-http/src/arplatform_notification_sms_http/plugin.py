"""Registration hook of the ``sms-http`` notification channel (entry point ``arplatform``)."""

from __future__ import annotations

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.notification import NotificationChannel
from arplatform_notification_sms_http.channel import HttpSmsChannel


@hookimpl
def arplatform_register_notification_channels() -> list[type[NotificationChannel]]:
    """Offer the HTTP SMS gateway channel."""
    return [HttpSmsChannel]
