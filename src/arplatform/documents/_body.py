"""The letter body as reportlab flowables: wrapped paragraphs and aligned tables.

Bodies are plain text. Paragraphs are separated by blank lines; a single
line break inside a paragraph is kept (closing formulas, signatures). Two or
more consecutive lines whose columns are separated by runs of at least two
spaces are read as a table, whatever the characters' widths: each line is cut
at those runs into cells, so a table aligned by character count still lines up
in a proportional or CJK face. A row with fewer cells than the widest row keeps
its first cell in the first column and puts the others in the last columns
(``Total  1,237.40`` under an amount column). Lines made of ``-``/``=`` only,
next to table rows, become rules.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from arplatform.documents._cjk import break_cjk_lines
from arplatform.documents._fonts import FontSet

__all__ = ["BodyStyle", "body_flowables", "text_paragraph"]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_CELL_GAP = re.compile(r"\S(?: {2,}|\t+)\S")
_CELL_SPLIT = re.compile(r" {2,}|\t+")
_RULE = re.compile(r"[-=_\u2500\u2501]{3,}")
# An ISO currency code before or after the amount, or a currency sign, and spaces.
_CURRENCY_MARKS = re.compile(r"^[A-Z]{3}\s+|\s+[A-Z]{3}$|[€$£¥₩元円]|\s")
_NUMERIC = re.compile(r"[-+\u2212(]?\d[\d.,'\u2019/:\-]*\)?%?")
_COLUMN_GAP = 12.0
MIN_TABLE_ROWS = 2


@dataclass(frozen=True, slots=True)
class BodyStyle:
    """Face and size of the body; ``width`` is the text column's width in points."""

    fonts: FontSet
    size: float
    leading: float
    width: float

    def paragraph(
        self, *, bold: bool = False, align: int = TA_LEFT, broken: bool = False
    ) -> ParagraphStyle:
        """A paragraph style in this face.

        CJK faces break lines between any characters, unless the text comes
        already ``broken`` into lines that fit (reportlab's CJK breaking is
        slow and would only find the same breaks).
        """
        return ParagraphStyle(
            name=f"body-{'bold' if bold else 'regular'}-{align}",
            fontName=self.fonts.bold if bold else self.fonts.regular,
            fontSize=self.size,
            leading=self.leading,
            alignment=align,
            wordWrap="CJK" if self.fonts.cjk and not broken else None,
        )


class _LineKind(enum.Enum):
    TEXT = "text"
    ROW = "row"
    RULE = "rule"


def body_flowables(body: str, style: BodyStyle) -> list[Flowable]:
    """Paragraphs and tables of ``body``, each followed by a paragraph gap."""
    flowables: list[Flowable] = []
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    for block in _PARAGRAPH_BREAK.split(text):
        lines = [line.rstrip() for line in block.split("\n")]
        for kind, run in _runs(lines):
            if kind is _LineKind.ROW:
                flowables.append(_table(run, style))
            elif any(line.strip() for line in run):
                flowables.append(text_paragraph(run, style))
        flowables.append(Spacer(1, style.leading * 0.6))
    return flowables


def _classify(line: str) -> _LineKind:
    stripped = line.strip()
    if _RULE.fullmatch(stripped):
        return _LineKind.RULE
    return _LineKind.ROW if _CELL_GAP.search(stripped) else _LineKind.TEXT


def _runs(lines: list[str]) -> list[tuple[_LineKind, list[str]]]:
    """Split a block into table runs (ROW) and text runs (TEXT), in order."""
    kinds = [_classify(line) for line in lines]
    runs: list[tuple[_LineKind, list[str]]] = []
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and kinds[end] is not _LineKind.TEXT:
            end += 1
        rows = sum(1 for kind in kinds[start:end] if kind is _LineKind.ROW)
        if rows >= MIN_TABLE_ROWS:
            runs.append((_LineKind.ROW, lines[start:end]))
            start = end
            continue
        end = max(end, start + 1)
        if runs and runs[-1][0] is _LineKind.TEXT:
            runs[-1][1].extend(lines[start:end])
        else:
            runs.append((_LineKind.TEXT, lines[start:end]))
        start = end
    return runs


def text_paragraph(lines: list[str], style: BodyStyle, *, bold: bool = False) -> Paragraph:
    """A paragraph keeping the given line breaks and wrapping each line to the text column."""
    face = style.fonts.bold if bold else style.fonts.regular
    wrapped: list[str] = []
    for line in lines:
        text = " ".join(line.split())
        if style.fonts.cjk:
            wrapped.extend(break_cjk_lines(text, face, style.size, style.width))
        else:
            wrapped.append(text)
    markup = "<br/>".join(escape(line) for line in wrapped)
    return Paragraph(markup, style.paragraph(bold=bold, broken=style.fonts.cjk))


def _is_numeric(cell: str) -> bool:
    return bool(cell) and _NUMERIC.fullmatch(_CURRENCY_MARKS.sub("", cell)) is not None


def _table(lines: list[str], style: BodyStyle) -> Table:
    rows: list[list[str]] = []
    rules_below: list[int] = []  # row index a rule follows; -1 = above the first row
    for line in lines:
        if _classify(line) is _LineKind.RULE:
            rules_below.append(len(rows) - 1)
        else:
            rows.append(_CELL_SPLIT.split(line.strip()))
    width = max(len(row) for row in rows)
    grid = [[row[0], *[""] * (width - len(row)), *row[1:]] for row in rows]
    has_header = not any(_is_numeric(cell) for cell in grid[0]) and any(
        _is_numeric(cell) for row in grid[1:] for cell in row
    )
    numeric = _numeric_columns(grid[1:] if has_header else grid, width)
    cells = [
        [
            _cell(text, style, bold=has_header and r == 0, right=numeric[c])
            for c, text in enumerate(row)
        ]
        for r, row in enumerate(grid)
    ]
    table = Table(
        cells,
        colWidths=_column_widths(grid, style, bold_first_row=has_header),
        hAlign="LEFT",
        repeatRows=1 if has_header else 0,
    )
    table.setStyle(_table_style(rules_below, has_header))
    return table


def _numeric_columns(rows: list[list[str]], width: int) -> list[bool]:
    columns = []
    for c in range(width):
        filled = [row[c] for row in rows if row[c]]
        columns.append(bool(filled) and all(_is_numeric(cell) for cell in filled))
    return columns


def _cell(text: str, style: BodyStyle, *, bold: bool, right: bool) -> Paragraph:
    return Paragraph(escape(text), style.paragraph(bold=bold, align=TA_RIGHT if right else TA_LEFT))


def _column_widths(grid: list[list[str]], style: BodyStyle, *, bold_first_row: bool) -> list[float]:
    """Each column as wide as its widest cell, shrunk proportionally to fit the text column."""
    natural = []
    for c in range(len(grid[0])):
        widest = max(
            stringWidth(
                row[c],
                style.fonts.bold if bold_first_row and r == 0 else style.fonts.regular,
                style.size,
            )
            for r, row in enumerate(grid)
        )
        # +1 pt: the paragraph in a cell wraps when its text is exactly as wide as the cell.
        natural.append(widest + 1.0 + (_COLUMN_GAP if c > 0 else 0.0))
    total = sum(natural)
    if total <= style.width:
        return natural
    return [w * style.width / total for w in natural]


def _table_style(rules_below: list[int], has_header: bool) -> TableStyle:
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("LEFTPADDING", (1, 0), (-1, -1), _COLUMN_GAP),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
    if has_header:
        commands.append(("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black))
    for row in rules_below:
        if row < 0:
            commands.append(("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black))
        else:
            commands.append(("LINEBELOW", (0, row), (-1, row), 0.5, colors.black))
    return TableStyle(commands)
