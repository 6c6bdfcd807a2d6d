"""Notification channel ``letter-pdf``: printable PDF letters in a print room's drop folder.

The provider class is ``arplatform_notification_letter_pdf.channel.PdfLetterChannel``;
``arplatform_notification_letter_pdf.plugin`` registers it with the core.
"""
