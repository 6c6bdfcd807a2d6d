"""Translate SMTP failures into delivery results and the core's provider errors.

Reply codes 4xx are temporary by definition (RFC 5321), so they and every
network failure or time-out are retried. A 5xx refusal of the recipients or
of the message content is a failed delivery; a 5xx refusal of our own sender
address or of the credentials is a configuration problem of the integration.
"""

from __future__ import annotations

import ssl

import aiosmtplib

from arplatform.plugins.contracts.common import (
    PermanentProviderError,
    ProviderAuthenticationError,
    ProviderError,
    TransientProviderError,
)
from arplatform.plugins.contracts.notification import DeliveryResult, DeliveryStatus

__all__ = ["error_for_exception", "refused_recipients_result"]

_MAX_DETAIL_CHARS = 300


def refused_recipients_result(
    refusals: list[aiosmtplib.SMTPRecipientRefused],
) -> DeliveryResult:
    """All recipients were refused: failed for good if every refusal is 5xx, else retry."""
    detail = "; ".join(_describe(r.code, f"{r.recipient}: {r.message}") for r in refusals)
    if any(refusal.code < 500 for refusal in refusals):
        raise TransientProviderError(f"recipients deferred: {detail}", code="smtp_4xx")
    return DeliveryResult(status=DeliveryStatus.FAILED, detail=f"recipients refused: {detail}")


def error_for_exception(exc: Exception) -> ProviderError | DeliveryResult:
    """The provider error to raise (or the failed result to return) for an SMTP failure."""
    if isinstance(exc, ssl.SSLCertVerificationError) or _caused_by_certificate(exc):
        return PermanentProviderError(
            f"the SMTP server's TLS certificate was not accepted: {exc}", code="tls_certificate"
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _error_for_response(exc)
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return PermanentProviderError(
            f"the SMTP server does not support: {exc}", code="smtp_config"
        )
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return TransientProviderError("the SMTP server timed out", code="timeout")
    return TransientProviderError(
        f"could not talk to the SMTP server: {type(exc).__name__}: {exc}", code="network"
    )


def _error_for_response(exc: aiosmtplib.SMTPResponseException) -> ProviderError | DeliveryResult:
    detail = _describe(exc.code, exc.message)
    if exc.code < 500:
        return TransientProviderError(f"SMTP server deferred: {detail}", code="smtp_4xx")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return ProviderAuthenticationError(f"SMTP login refused: {detail}", code=f"smtp_{exc.code}")
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return DeliveryResult(status=DeliveryStatus.FAILED, detail=f"message refused: {detail}")
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return PermanentProviderError(
            f"sender address {exc.sender} refused: {detail}", code=f"smtp_{exc.code}"
        )
    return PermanentProviderError(f"SMTP server refused: {detail}", code=f"smtp_{exc.code}")


def _caused_by_certificate(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _describe(code: int, message: str) -> str:
    return f"{code} {' '.join(message.split())}"[:_MAX_DETAIL_CHARS]
