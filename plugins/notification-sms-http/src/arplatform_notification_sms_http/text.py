"""What goes into an SMS: the phone number in E.164 form and the text, cut to size."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ELLIPSIS", "e164", "truncate"]

ELLIPSIS = "…"
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_PUNCTUATION = re.compile(r"[\s().\-/]")
_ZWJ = "\u200d"  # zero-width joiner: glues the characters on both sides into one
_JOINERS = frozenset((_ZWJ, "\ufe0e", "\ufe0f"))  # and the two variation selectors
_SKIN_TONES = frozenset(chr(code) for code in range(0x1F3FB, 0x1F400))


def e164(number: str) -> str | None:
    """``number`` as ``+<digits>``, or ``None`` if it is not an international number.

    Spaces, dots, dashes, slashes and brackets are dropped and a leading
    ``00`` is read as ``+``; national numbers (``0151 ...``) are refused, as
    the country they belong to is unknown here.
    """
    compact = _PUNCTUATION.sub("", number)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if _E164.fullmatch(compact) else None


def truncate(text: str, max_length: int) -> str:
    """``text`` cut to at most ``max_length`` characters, ending in "…" when cut.

    The cut never separates a character from the combining marks, joiners or
    variation selectors that follow it, so no half letter or half emoji is sent.
    """
    if len(text) <= max_length:
        return text
    if max_length <= 1:
        return text[:max_length]
    cut = max_length - len(ELLIPSIS)
    while cut > 0 and (_continues_previous(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


def _continues_previous(char: str) -> bool:
    return unicodedata.combining(char) != 0 or char in _JOINERS or char in _SKIN_TONES
