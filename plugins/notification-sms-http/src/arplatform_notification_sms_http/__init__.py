"""Notification channel ``sms-http``: text messages through a generic HTTP SMS gateway.

The provider class is ``arplatform_notification_sms_http.channel.HttpSmsChannel``;
``arplatform_notification_sms_http.plugin`` registers it with the core.
"""
