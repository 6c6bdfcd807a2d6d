"""Build the RFC 5322 message for an ``OutgoingMessage``.

Who the mail is from:

- The envelope sender (``MAIL FROM``, where bounces go) is always the
  integration's ``from_address``: the mailbox the relay lets this tenant use.
- The ``From`` header is ``from_address`` with the tenant's name as display
  name, and replies go to the tenant (``Reply-To``: ``sender.reply_to``, else
  ``sender.email``). With ``use_sender_address`` and a ``sender.email``, the
  ``From`` header is the tenant's own address instead (its domain must then
  authorise the relay: SPF/DKIM), and ``Reply-To`` is ``sender.reply_to`` if set.

The ``Message-ID`` is derived from the core's ``message_id``, so a message
sent twice carries the same id and mail clients show it once.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import string
from dataclasses import dataclass
from email.message import EmailMessage

from arplatform.plugins.contracts.common import Attachment
from arplatform.plugins.contracts.notification import AddressKind, OutgoingMessage

__all__ = ["Envelope", "compose", "message_id_header"]

# RFC 5322 "atext" without "=" (our escape character) and "." (a dot-atom may
# not start or end with one, nor repeat it).
_ATEXT = frozenset(string.ascii_letters + string.digits + "!#$%&'*+/?^_`{|}~-")


@dataclass(frozen=True, slots=True)
class Envelope:
    """The composed message and the SMTP envelope it travels in."""

    message: EmailMessage
    mail_from: str
    recipients: tuple[str, ...]
    message_id: str


def compose(message: OutgoingMessage, *, from_address: str, use_sender_address: bool) -> Envelope:
    """The e-mail for ``message``; raises ``ValueError`` for an address that cannot be used."""
    email_message = EmailMessage(policy=email.policy.SMTP)
    author = _author_address(message, from_address, use_sender_address)
    recipients = tuple(
        (_one_line(r.name or ""), r.address or "")
        for r in message.recipients
        if r.kind == AddressKind.EMAIL and r.address
    )
    if not recipients:
        raise ValueError("the message has no e-mail recipient")
    message_id = message_id_header(message.message_id, author)
    email_message["From"] = email.utils.formataddr((_one_line(message.sender.name), author))
    email_message["To"] = ", ".join(email.utils.formataddr(pair) for pair in recipients)
    reply_to = _reply_to(message, author)
    if reply_to:
        email_message["Reply-To"] = reply_to
    email_message["Subject"] = _one_line(message.subject)
    email_message["Date"] = email.utils.format_datetime(dt.datetime.now(dt.UTC))
    email_message["Message-ID"] = message_id
    _set_body(email_message, message)
    if message.locale:  # after the body: setting content drops Content-* headers
        email_message["Content-Language"] = _one_line(message.locale)
    return Envelope(
        message=email_message,
        mail_from=from_address,
        recipients=tuple(address for _, address in recipients),
        message_id=message_id,
    )


def message_id_header(message_id: str, author: str) -> str:
    """``<{message_id}@{domain of author}>``, with characters a msg-id cannot hold escaped.

    Escaping is reversible (``=`` plus the UTF-8 byte in hex), so distinct
    ids stay distinct.
    """
    local = "".join(
        char if char in _ATEXT else "".join(f"={byte:02X}" for byte in char.encode())
        for char in message_id
    )
    domain = author.rpartition("@")[2].strip(" <>") or "localhost"
    return f"<{local}@{domain}>"


def _author_address(message: OutgoingMessage, from_address: str, use_sender: bool) -> str:
    if use_sender and message.sender.email:
        return message.sender.email
    return from_address


def _reply_to(message: OutgoingMessage, author: str) -> str | None:
    sender = message.sender
    reply_to = sender.reply_to or sender.email
    if not reply_to or reply_to == author:
        return None
    return email.utils.formataddr((_one_line(sender.name), reply_to))


def _set_body(email_message: EmailMessage, message: OutgoingMessage) -> None:
    email_message.set_content(message.text_body, charset="utf-8")
    if message.html_body:
        email_message.add_alternative(message.html_body, subtype="html", charset="utf-8")
    for attachment in message.attachments:
        _attach(email_message, attachment)


def _attach(email_message: EmailMessage, attachment: Attachment) -> None:
    maintype, _, subtype = attachment.media_type.partition("/")
    if not maintype or not subtype:
        maintype, subtype = "application", "octet-stream"
    email_message.add_attachment(
        attachment.content,
        maintype=maintype,
        subtype=subtype,
        filename=_one_line(attachment.filename),
    )


def _one_line(text: str) -> str:
    # A header value with a line break would be rejected (or worse, inject a
    # header); names and subjects come from tenants' data and templates.
    return " ".join(text.split())
