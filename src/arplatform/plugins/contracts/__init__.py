"""Provider contracts: one module per kind, plus the table the registry validates against."""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from arplatform.plugins.contracts import (
    collection_agency,
    common,
    credit_bureau,
    credit_insurer,
    einvoice,
    notification,
)

__all__ = [
    "CONTRACTS",
    "KEY_PATTERN",
    "ContractSpec",
    "Kind",
    "collection_agency",
    "common",
    "credit_bureau",
    "credit_insurer",
    "einvoice",
    "notification",
]

Kind = Literal[
    "credit_bureau",
    "einvoice_format",
    "notification_channel",
    "credit_insurer",
    "collection_agency",
]

KEY_PATTERN: Final = r"^[a-z0-9][a-z0-9_.-]{1,63}$"


@dataclass(frozen=True)
class ContractSpec:
    """How the registry checks a provider class of one kind.

    ``attributes`` are extra class attributes and their expected type;
    ``optional_methods`` maps a boolean capability flag to the coroutine
    methods the class must have when the flag is true.
    """

    kind: Kind
    hook: str
    protocol: type
    module: types.ModuleType
    methods: tuple[str, ...]
    attributes: Mapping[str, type] = field(default_factory=dict)
    optional_methods: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


CONTRACTS: Final[Mapping[Kind, ContractSpec]] = {
    "credit_bureau": ContractSpec(
        kind="credit_bureau",
        hook="arplatform_register_credit_bureaus",
        protocol=credit_bureau.CreditBureau,
        module=credit_bureau,
        methods=("search_company", "fetch_report"),
        attributes={"supports_monitoring": bool},
        optional_methods={
            "supports_monitoring": ("start_monitoring", "stop_monitoring", "poll_alerts")
        },
    ),
    "einvoice_format": ContractSpec(
        kind="einvoice_format",
        hook="arplatform_register_einvoice_formats",
        protocol=einvoice.EInvoiceFormat,
        module=einvoice,
        methods=("render", "validate"),
        attributes={"format_key": str, "media_type": str, "supports_transmission": bool},
        optional_methods={"supports_transmission": ("transmit",)},
    ),
    "notification_channel": ContractSpec(
        kind="notification_channel",
        hook="arplatform_register_notification_channels",
        protocol=notification.NotificationChannel,
        module=notification,
        methods=("send",),
        attributes={"address_kinds": frozenset},
    ),
    "credit_insurer": ContractSpec(
        kind="credit_insurer",
        hook="arplatform_register_credit_insurers",
        protocol=credit_insurer.CreditInsurer,
        module=credit_insurer,
        methods=("request_cover", "poll_cover", "declare_overdue", "submit_claim", "claim_status"),
    ),
    "collection_agency": ContractSpec(
        kind="collection_agency",
        hook="arplatform_register_collection_agencies",
        protocol=collection_agency.CollectionAgency,
        module=collection_agency,
        methods=("hand_over", "case_status"),
    ),
}
