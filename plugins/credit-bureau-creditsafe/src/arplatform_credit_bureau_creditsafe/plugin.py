"""Registration hook of the ``creditsafe`` credit bureau (entry point ``arplatform``)."""

from __future__ import annotations

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.credit_bureau import CreditBureau
from arplatform_credit_bureau_creditsafe.bureau import CreditsafeBureau


@hookimpl
def arplatform_register_credit_bureaus() -> list[type[CreditBureau]]:
    """Offer the Creditsafe Connect client."""
    return [CreditsafeBureau]
