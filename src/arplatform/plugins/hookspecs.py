"""The pluggy contract between the core and plugins.

Every hook here is a registration hook: the core calls it once at start-up,
without arguments, and the plugin returns the provider *classes* it offers.
The core instantiates a class per tenant integration and awaits its methods
itself; hooks never do I/O and are never async.
"""

from __future__ import annotations

from typing import Final

import pluggy

from arplatform.plugins.contracts.collection_agency import CollectionAgency
from arplatform.plugins.contracts.credit_bureau import CreditBureau
from arplatform.plugins.contracts.credit_insurer import CreditInsurer
from arplatform.plugins.contracts.einvoice import EInvoiceFormat
from arplatform.plugins.contracts.notification import NotificationChannel

__all__ = [
    "PROJECT_NAME",
    "arplatform_register_collection_agencies",
    "arplatform_register_credit_bureaus",
    "arplatform_register_credit_insurers",
    "arplatform_register_einvoice_formats",
    "arplatform_register_notification_channels",
    "hookimpl",
    "hookspec",
]

PROJECT_NAME: Final = "arplatform"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def arplatform_register_credit_bureaus() -> list[type[CreditBureau]]:
    """Return the credit bureau provider classes this plugin offers.

    Each class implements ``arplatform.plugins.contracts.credit_bureau.CreditBureau``
    (and ``MonitoringCreditBureau`` when ``supports_monitoring`` is true) and has
    ``kind = "credit_bureau"``. Called once at start-up; return ``[]`` to offer none.
    """
    raise NotImplementedError


@hookspec
def arplatform_register_einvoice_formats() -> list[type[EInvoiceFormat]]:
    """Return the e-invoice format provider classes this plugin offers.

    Each class implements ``arplatform.plugins.contracts.einvoice.EInvoiceFormat``
    (and ``TransmittingEInvoiceFormat`` when ``supports_transmission`` is true)
    and has ``kind = "einvoice_format"``. Called once at start-up.
    """
    raise NotImplementedError


@hookspec
def arplatform_register_notification_channels() -> list[type[NotificationChannel]]:
    """Return the notification channel provider classes this plugin offers.

    Each class implements
    ``arplatform.plugins.contracts.notification.NotificationChannel`` and has
    ``kind = "notification_channel"``. Called once at start-up.
    """
    raise NotImplementedError


@hookspec
def arplatform_register_credit_insurers() -> list[type[CreditInsurer]]:
    """Return the credit insurer provider classes this plugin offers.

    Each class implements
    ``arplatform.plugins.contracts.credit_insurer.CreditInsurer`` and has
    ``kind = "credit_insurer"``. Called once at start-up.
    """
    raise NotImplementedError


@hookspec
def arplatform_register_collection_agencies() -> list[type[CollectionAgency]]:
    """Return the collection agency provider classes this plugin offers.

    Each class implements
    ``arplatform.plugins.contracts.collection_agency.CollectionAgency`` and has
    ``kind = "collection_agency"``. Called once at start-up.
    """
    raise NotImplementedError
