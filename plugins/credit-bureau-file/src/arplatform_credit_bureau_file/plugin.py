"""Registration hook of the ``bureau-file`` credit bureau (entry point ``arplatform``)."""

from __future__ import annotations

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.credit_bureau import CreditBureau
from arplatform_credit_bureau_file.bureau import FileCreditBureau


@hookimpl
def arplatform_register_credit_bureaus() -> list[type[CreditBureau]]:
    """Offer the file-delivered credit reports."""
    return [FileCreditBureau]
