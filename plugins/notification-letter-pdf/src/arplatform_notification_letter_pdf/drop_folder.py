"""Writing into the print room's drop folder: atomic files and a record of what was sent.

Print-room software picks up ``*.pdf`` files and often moves them away, so
the existence of a letter file cannot tell whether a message was delivered.
Each delivered message leaves an empty marker in the hidden ``.sent``
sub-folder instead; temporary files are hidden too and never end in ``.pdf``.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import quote

__all__ = ["DropFolder", "attachment_file_name", "letter_file_stem"]

SENT_MARKERS = ".sent"
_UNSAFE_IN_NAME = re.compile(r"[^\w.-]+")


def letter_file_stem(message_id: str) -> str:
    """``message_id`` as a file name stem: percent-encoded, so distinct ids stay distinct."""
    stem = quote(message_id, safe="-_")
    return stem.replace(".", "%2E") if stem.startswith(".") else stem


def attachment_file_name(stem: str, number: int, filename: str) -> str:
    """``<stem>-<number>-<filename>``, the filename reduced to safe characters."""
    safe = _UNSAFE_IN_NAME.sub("_", Path(filename).name).lstrip(".") or "attachment.pdf"
    return f"{stem}-{number}-{safe}"


class DropFolder:
    """The folder letters are written to; created on first write."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def was_sent(self, stem: str) -> bool:
        """Whether the message with this file stem was delivered before."""
        return (self.directory / SENT_MARKERS / stem).exists()

    def mark_sent(self, stem: str) -> None:
        """Record that the message with this file stem is delivered."""
        self.write(f"{SENT_MARKERS}/{stem}", b"")

    def write(self, name: str, content: bytes) -> Path:
        """Write ``content`` to ``name`` so that readers see the whole file or nothing."""
        target = self.directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        try:
            with temporary.open("xb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            temporary.replace(target)
        finally:
            temporary.unlink(missing_ok=True)
        return target
