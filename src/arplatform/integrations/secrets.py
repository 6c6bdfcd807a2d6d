"""Provider secrets encrypted at rest (Fernet; several keys allow rotation)."""

from __future__ import annotations

from typing import Any

import msgspec
from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBox:
    """Encrypts with the first key, decrypts with any: rotate by prepending a new key."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ValueError("at least one secrets key is required")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def seal(self, secrets: dict[str, Any]) -> str:
        return self._fernet.encrypt(msgspec.json.encode(secrets)).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        try:
            plain = self._fernet.decrypt(sealed.encode())
        except InvalidToken:
            raise ValueError("the secrets cannot be decrypted with the configured keys") from None
        opened: dict[str, Any] = msgspec.json.decode(plain)
        return opened

    def rotate(self, sealed: str) -> str:
        """Re-encrypt with the current first key."""
        return self._fernet.rotate(sealed.encode()).decode()
