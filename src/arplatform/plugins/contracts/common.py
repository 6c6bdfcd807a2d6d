"""Building blocks shared by every provider contract: DTO base, money, parties, errors.

Everything a provider receives or returns is a frozen msgspec struct defined in
``arplatform.plugins.contracts``. Providers never see ORM objects, database
sessions or HTTP requests, so they can be tested without the core running.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Protocol

import msgspec

__all__ = [
    "Address",
    "Attachment",
    "ConfigurationError",
    "CountryCode",
    "CurrencyCode",
    "Dto",
    "Money",
    "Party",
    "PermanentProviderError",
    "PluginRegistrationError",
    "Provider",
    "ProviderAuthenticationError",
    "ProviderError",
    "ProviderNotFound",
    "Settings",
    "TransientProviderError",
]

CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
CountryCode = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")
]


class Dto(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every DTO exchanged with providers: immutable, keyword-only, strict."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Convenient base for a provider's ``Config`` and ``Secrets`` structs.

    Using it is optional; what the core requires is a frozen struct that
    rejects unknown fields (a typo in a tenant's config must fail loudly).
    """


class Money(Dto, frozen=True, kw_only=True):
    """An amount in one currency; never a float."""

    amount: Decimal
    currency: CurrencyCode


class Address(Dto, frozen=True, kw_only=True):
    """A postal address; ``lines`` holds street, building, P.O. box, in order."""

    lines: tuple[str, ...] = ()
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: CountryCode


class Party(Dto, frozen=True, kw_only=True):
    """A company or person as providers see it (buyer, seller, debtor, creditor).

    ``registration_id`` is the company register number, ``vat_id`` the VAT
    number with country prefix, ``electronic_address`` an e-invoicing endpoint
    such as ``0088:5790000435975`` (scheme:identifier).
    """

    name: str
    country: CountryCode
    address: Address | None = None
    vat_id: str | None = None
    registration_id: str | None = None
    email: str | None = None
    phone: str | None = None
    electronic_address: str | None = None
    contact_name: str | None = None


class Attachment(Dto, frozen=True, kw_only=True):
    """A document carried with a message, claim or case hand-over."""

    filename: str
    media_type: str
    content: bytes


class ProviderError(Exception):
    """Base of every error a provider raises on purpose.

    Anything else a provider raises is treated like a transient error, but
    is also logged as a defect in the provider.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TransientProviderError(ProviderError):
    """The call may succeed later (time-out, HTTP 5xx/429, network): the core retries.

    ``retry_after`` (seconds) is a hint the core honours as a minimum delay.
    """

    def __init__(
        self, message: str, *, code: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentProviderError(ProviderError):
    """Retrying cannot help (rejected input, unknown reference): the core does not retry."""


class ProviderAuthenticationError(PermanentProviderError):
    """Credentials were refused; the core marks the tenant's integration as needing attention."""


class ConfigurationError(ValueError):
    """A tenant's config or secrets do not fit the provider's ``Config``/``Secrets``."""


class ProviderNotFound(LookupError):
    """No provider with that key is registered for that kind."""


class PluginRegistrationError(RuntimeError):
    """A plugin returned an invalid provider class, or two plugins claim the same key."""


class Provider(Protocol):
    """What every provider class has, whatever its kind.

    ``key`` is unique within its kind and stable forever (tenants store it);
    it matches ``^[a-z0-9][a-z0-9_.-]{1,63}$``. ``kind`` names the contract
    (``"credit_bureau"`` ...). ``Config`` is a frozen msgspec struct with
    ``forbid_unknown_fields=True``; ``Secrets`` is one too, or ``None`` when the
    provider needs no credentials. The core builds the instance with
    ``cls(config, secrets)`` for one tenant's integration and awaits its methods.
    A provider holding connections may define ``async def aclose(self)``; the
    core awaits it when it discards the instance.
    """

    key: ClassVar[str]
    kind: ClassVar[str]
    display_name: ClassVar[str]
    Config: ClassVar[type[msgspec.Struct]]
    Secrets: ClassVar[type[msgspec.Struct] | None]

    def __init__(self, config: Any, secrets: Any) -> None: ...
