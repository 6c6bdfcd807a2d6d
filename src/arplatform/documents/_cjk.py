# ruff: noqa: RUF001, RUF002 - this module is about full-width punctuation
"""Line breaking for Chinese, Japanese and Korean text with the basic kinsoku rules.

CJK text has no spaces: a line may break between any two ideographs, but not
before closing punctuation (，。、）」...) nor after opening punctuation (（「...).
reportlab's own CJK wrapping misses the full-width comma and colon, so body
text is broken here and handed to reportlab as finished lines. Runs of Latin
letters and digits (invoice numbers, amounts) stay whole unless a single one is
wider than the line.
"""

from __future__ import annotations

import re

from reportlab.pdfbase.pdfmetrics import stringWidth

__all__ = ["break_cjk_lines"]

NO_LINE_START = frozenset(
    "，。、；：！？）］｝〕〉》」』】〙〗〟’”｠»…‥・ー"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    ",.;:!?)]}%"
)
NO_LINE_END = frozenset("（［｛〔〈《「『【〘〖〝‘“｟«([{")
_TOKEN = re.compile(r"\s+|[^\s\u2e80-\uffff]+|.", re.DOTALL)
_TOLERANCE = 0.01  # points; keeps reportlab from re-breaking a line we measured as fitting


def break_cjk_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Break ``text`` (one line, no newlines) into lines at most ``width`` points wide."""
    tokens = [" " if token.isspace() else token for token in _TOKEN.findall(text.strip())]
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for token in _split_oversized(tokens, font, size, width):
        token_width = stringWidth(token, font, size)
        if used + token_width <= width - _TOLERANCE or not current:
            current.append(token)
            used += token_width
            continue
        cut = _break_point(current, token)
        lines.append("".join(current[:cut]).rstrip())
        current = _lstrip([*current[cut:], token])
        used = _width(current, font, size)
    if current:
        lines.append("".join(current).rstrip())
    return [line for line in lines if line] or [""]


def _break_point(current: list[str], following: str) -> int:
    """Where in ``current`` the next line starts, moving back over forbidden breaks."""
    for cut in range(len(current), 0, -1):
        after = current[cut] if cut < len(current) else following
        before = current[cut - 1]
        if after[0] not in NO_LINE_START and before[-1] not in NO_LINE_END:
            return cut
    return len(current)  # no allowed break on the whole line: break where it overflows


def _split_oversized(tokens: list[str], font: str, size: float, width: float) -> list[str]:
    pieces: list[str] = []
    for token in tokens:
        while len(token) > 1 and stringWidth(token, font, size) > width:
            end = len(token) - 1
            while end > 1 and stringWidth(token[:end], font, size) > width:
                end -= 1
            pieces.append(token[:end])
            token = token[end:]
        pieces.append(token)
    return pieces


def _width(tokens: list[str], font: str, size: float) -> float:
    return float(stringWidth("".join(tokens), font, size))


def _lstrip(tokens: list[str]) -> list[str]:
    while tokens and tokens[0] == " ":
        tokens = tokens[1:]
    return tokens
