"""Notification channel ``smtp``: e-mail through the tenant's SMTP relay.

The provider class is ``arplatform_notification_smtp.channel.SmtpChannel``;
``arplatform_notification_smtp.plugin`` registers it with the core.
"""
