"""Integration and provider bodies. Secrets are accepted, never returned."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from arplatform.api.types import StrictStruct


class ProviderKind(StrEnum):
    CREDIT_BUREAU = "credit_bureau"
    EINVOICE_FORMAT = "einvoice_format"
    NOTIFICATION_CHANNEL = "notification_channel"
    CREDIT_INSURER = "credit_insurer"
    COLLECTION_AGENCY = "collection_agency"


ProviderKey = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$")]
Config = Annotated[dict[str, Any], msgspec.Meta(max_length=100)]
Secrets = Annotated[
    dict[str, Annotated[str, msgspec.Meta(max_length=4096)]], msgspec.Meta(max_length=20)
]
Priority = Annotated[int, msgspec.Meta(ge=0, le=1000)]


class IntegrationCreate(StrictStruct):
    kind: ProviderKind
    provider: ProviderKey
    config: Config = {}
    secrets: Secrets | None = None
    enabled: bool = True
    priority: Priority = 100


class IntegrationUpdate(StrictStruct):
    """Only the fields present change; ``secrets`` replaces all secrets when given."""

    config: Config | UnsetType = UNSET
    secrets: Secrets | UnsetType | None = UNSET
    enabled: bool | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET


class IntegrationOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: str
    provider: str
    enabled: bool
    priority: int
    config: dict[str, Any]
    secret_fields: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class ProviderOut(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    key: str
    display_name: str
    plugin: str
    distribution: str | None
    version: str | None
    config_schema: dict[str, Any]
    secret_fields: list[str]
