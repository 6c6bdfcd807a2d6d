"""The tenant's own profile, as its staff read and change it."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from msgspec import UNSET, UnsetType

from arplatform.api.types import Email, Name, StrictStruct


class TenantOut(msgspec.Struct, frozen=True, kw_only=True):
    """The supplier the credentials belong to.

    ``contact_email`` receives the platform's operational notices (for example
    a webhook endpoint disabled after days of failures).
    """

    id: uuid.UUID
    name: str
    country: str
    currency: str
    timezone: str
    locale: str
    rounding: str
    contact_email: str | None
    created_at: datetime


class TenantUpdate(StrictStruct, kw_only=True):
    """The fields to change; the country, currency and rounding are fixed at creation."""

    name: Name | UnsetType = UNSET
    contact_email: Email | UnsetType | None = UNSET
