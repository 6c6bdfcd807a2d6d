"""Font choice for letters: a Latin face, or a CJK face for Chinese, Japanese, Korean.

The CJK faces are reportlab's CID fonts (Adobe's Asian font packs): the PDF
names them and the viewer supplies the glyphs, so no font file is shipped or
embedded. They have no bold cut; bold text is drawn filled and stroked instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

__all__ = ["FontSet", "font_set_for"]

SIMPLIFIED_CHINESE_FONT = "STSong-Light"
TRADITIONAL_CHINESE_FONT = "MSung-Light"
JAPANESE_FONT = "HeiseiMin-W3"
KOREAN_FONT = "HYSMyeongJo-Medium"

_TRADITIONAL_REGIONS = frozenset({"tw", "hk", "mo"})
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True, slots=True)
class FontSet:
    """The faces a letter is set in; ``cjk`` switches on CJK line breaking and fake bold."""

    regular: str
    bold: str
    cjk: bool


LATIN = FontSet(regular="Helvetica", bold="Helvetica-Bold", cjk=False)


def font_set_for(language: str, text: str) -> FontSet:
    """The faces for a letter in ``language`` (a BCP 47 tag) whose text is ``text``.

    A non-CJK letter that still carries CJK characters (a Chinese customer
    name in an English letter) gets a CJK face too, since Helvetica has no
    such glyphs; the CID faces also cover ASCII.
    """
    face = _face_for_language(language) or _face_for_text(text)
    if face is None:
        return LATIN
    _register(face)
    return FontSet(regular=face, bold=face, cjk=True)


def _face_for_language(language: str) -> str | None:
    subtags = [part.lower() for part in language.replace("_", "-").split("-") if part]
    if not subtags:
        return None
    primary, rest = subtags[0], subtags[1:]
    if primary == "zh":
        traditional = "hant" in rest or bool(_TRADITIONAL_REGIONS.intersection(rest))
        if "hans" in rest:
            traditional = False
        return TRADITIONAL_CHINESE_FONT if traditional else SIMPLIFIED_CHINESE_FONT
    return {"ja": JAPANESE_FONT, "ko": KOREAN_FONT}.get(primary)


def _face_for_text(text: str) -> str | None:
    if _HANGUL.search(text):
        return KOREAN_FONT
    if _KANA.search(text):
        return JAPANESE_FONT
    if _CJK.search(text):
        return SIMPLIFIED_CHINESE_FONT
    return None


def _register(face: str) -> None:
    # Registration is process-wide in reportlab; done on first use so that
    # importing this module stays free of side effects.
    if face not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(face))
