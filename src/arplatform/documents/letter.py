"""Business letters as PDF: letterhead, window-envelope address, subject, body.

The page follows DIN 5008 form B on A4, so the folded letter shows its
address through the window of a DL, C6/5 or C5 window envelope (window
20 mm from the left edge): the address field is 85 x 45 mm, 20 mm from the
left and 45 mm from the top, with the sender's return line at the foot of its
upper zone. Fold marks sit at 105 mm and 210 mm, the punch mark at 148.5 mm.
Continuation pages carry the text from the top; a letter of more than one page
is numbered "1/2", "2/2" at the foot. The output is byte-for-byte
deterministic for equal input.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from arplatform.documents._body import BodyStyle, body_flowables, text_paragraph
from arplatform.documents._fonts import FontSet, font_set_for
from arplatform.plugins.contracts.common import Address
from arplatform.plugins.contracts.notification import SenderIdentity

__all__ = ["Letter", "render_letter_pdf"]

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT_MARGIN = 25 * mm
RIGHT_MARGIN = 20 * mm
BOTTOM_MARGIN = 22 * mm
CONTINUATION_TOP = 20 * mm
SUBJECT_TOP = 98.5 * mm
ADDRESS_LEFT = 20 * mm + 5 * mm  # the field starts at 20 mm; text is inset by 5 mm
ADDRESS_WIDTH = 80 * mm
RETURN_LINE_BASELINE = (45 + 17.7 - 2) * mm
ADDRESS_ZONE_TOP = (45 + 17.7) * mm
ADDRESS_ZONE_HEIGHT = 27.3 * mm
INFO_BLOCK_LEFT = 125 * mm
INFO_BLOCK_TOP = 50 * mm
FOLD_MARKS = (105 * mm, 210 * mm)
PUNCH_MARK = 148.5 * mm
BODY_SIZE = 10.5
BODY_LEADING = 14.5
ADDRESS_SIZE = 10.0
ADDRESS_MAX_LINES = 6
_FAKE_BOLD_STROKE = 0.035  # of the font size: a stroke that reads as bold, not smeared


@dataclass(frozen=True, slots=True)
class Letter:
    """What a letter says; every string is final text, nothing is formatted here.

    ``sender`` makes the letterhead (name, postal address, e-mail, phone) and
    the return line in the window. ``date_line`` is printed as given (e.g.
    "Hamburg, 9 April 2025"). ``body`` is plain text: paragraphs separated by
    blank lines; lines whose columns are separated by two or more spaces form
    tables (see ``arplatform.documents._body``). ``language`` is a BCP 47 tag
    ("en", "zh-Hans", "zh-Hant", ...): it picks the face (Chinese, Japanese and
    Korean letters are set in CJK fonts with CJK line breaking) and the
    language of a foreign destination's country name on CJK letters.
    """

    sender: SenderIdentity
    recipient_name: str
    recipient_address: Address | None
    date_line: str
    subject: str
    body: str
    language: str = "en"


def render_letter_pdf(letter: Letter) -> bytes:
    """Render ``letter`` as an A4 PDF and return the file's bytes."""
    fonts = font_set_for(letter.language, _all_text(letter))
    content, pages = _render(letter, fonts, total_pages=None)
    if pages == 1:
        return content
    # The page count is known only after a first layout; numbering does not
    # change the layout, so the second pass yields the same pages.
    return _render(letter, fonts, total_pages=pages)[0]


def _all_text(letter: Letter) -> str:
    sender, address = letter.sender, letter.recipient_address
    parts = [sender.name, letter.recipient_name, letter.date_line, letter.subject, letter.body]
    for postal in (sender.postal, address):
        if postal is not None:
            parts.extend((*postal.lines, postal.city or "", postal.region or ""))
    return "\n".join(parts)


def _render(letter: Letter, fonts: FontSet, *, total_pages: int | None) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    pages = _LetterPages(letter, fonts, total_pages)
    text_width = PAGE_WIDTH - LEFT_MARGIN - RIGHT_MARGIN
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        invariant=1,
        title=letter.subject,
        author=letter.sender.name,
        creator="arplatform",
        lang=letter.language,
        # Otherwise every page names Helvetica, even in a letter set in a CJK face.
        initialFontName=fonts.regular,
    )
    document.addPageTemplates(
        [
            PageTemplate(
                id="first",
                frames=[_frame("first", SUBJECT_TOP, text_width)],
                onPage=pages.draw_first,
                autoNextPageTemplate="later",
            ),
            PageTemplate(
                id="later",
                frames=[_frame("later", CONTINUATION_TOP, text_width)],
                onPage=pages.draw_later,
            ),
        ]
    )
    style = BodyStyle(fonts=fonts, size=BODY_SIZE, leading=BODY_LEADING, width=text_width)
    document.build([_subject(letter.subject, style), *body_flowables(letter.body, style)])
    return buffer.getvalue(), document.page


def _frame(frame_id: str, top: float, width: float) -> Frame:
    height = PAGE_HEIGHT - top - BOTTOM_MARGIN
    return Frame(
        LEFT_MARGIN,
        BOTTOM_MARGIN,
        width,
        height,
        id=frame_id,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )


def _subject(subject: str, style: BodyStyle) -> Flowable:
    paragraph = text_paragraph(subject.splitlines() or [""], style, bold=True)
    paragraph.style.spaceAfter = style.leading
    return _FakeBold(paragraph, style.size) if style.fonts.cjk else paragraph


class _FakeBold(Flowable):  # type: ignore[misc]  # reportlab ships no types
    """Draws a paragraph filled and stroked: bold for faces that have no bold cut."""

    def __init__(self, paragraph: Paragraph, size: float) -> None:
        super().__init__()
        self._paragraph = paragraph
        self._size = size

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        width, height = self._paragraph.wrap(availWidth, availHeight)
        self.width, self.height = width, height
        return width, height

    def getSpaceAfter(self) -> float:
        return float(self._paragraph.getSpaceAfter())

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts = self._paragraph.split(availWidth, availHeight)
        return [_FakeBold(part, self._size) for part in parts]

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(self._size * _FAKE_BOLD_STROKE)
        # Text render mode is graphics state, so it holds for the paragraph's
        # text objects and is undone by restoreState.
        canvas.addLiteral("2 Tr")
        self._paragraph.drawOn(canvas, 0, 0)
        canvas.restoreState()


class _LetterPages:
    """The fixed parts of the pages, drawn by reportlab's page callbacks."""

    def __init__(self, letter: Letter, fonts: FontSet, total_pages: int | None) -> None:
        self._letter = letter
        self._fonts = fonts
        self._total_pages = total_pages

    def draw_first(self, canvas: Canvas, _document: BaseDocTemplate) -> None:
        canvas.saveState()
        self._letterhead(canvas)
        self._return_line(canvas)
        self._recipient(canvas)
        self._draw(canvas, INFO_BLOCK_LEFT, INFO_BLOCK_TOP + 4 * mm, self._letter.date_line, 10)
        _marks(canvas)
        self._page_number(canvas)
        canvas.restoreState()

    def draw_later(self, canvas: Canvas, _document: BaseDocTemplate) -> None:
        canvas.saveState()
        self._page_number(canvas)
        canvas.restoreState()

    def _letterhead(self, canvas: Canvas) -> None:
        sender = self._letter.sender
        self._draw(canvas, LEFT_MARGIN, 18 * mm, sender.name, 15, bold=True)
        postal = _address_lines(sender.postal, None, self._letter.language, self._fonts)
        self._draw(canvas, LEFT_MARGIN, 24 * mm, "  ·  ".join(postal), 8.5)
        contact = [value for value in (sender.phone, sender.email) if value]
        self._draw(canvas, LEFT_MARGIN, 28.5 * mm, "  ·  ".join(contact), 8.5)
        canvas.setLineWidth(0.4)
        canvas.line(
            LEFT_MARGIN, PAGE_HEIGHT - 32 * mm, PAGE_WIDTH - RIGHT_MARGIN, PAGE_HEIGHT - 32 * mm
        )

    def _return_line(self, canvas: Canvas) -> None:
        letter = self._letter
        # The country is left out when the letter stays in it, to keep the line legible.
        recipient_country = letter.recipient_address.country if letter.recipient_address else None
        postal = _address_lines(
            letter.sender.postal, recipient_country, letter.language, self._fonts
        )
        text = " · ".join([letter.sender.name, *postal])
        size = self._fitting_size(text, 7.0, 5.0)
        self._draw(canvas, ADDRESS_LEFT, RETURN_LINE_BASELINE, text, size)

    def _recipient(self, canvas: Canvas) -> None:
        letter = self._letter
        sender_country = letter.sender.postal.country if letter.sender.postal else None
        name = [letter.recipient_name] if letter.recipient_name.strip() else []
        lines = [
            *name,
            *_address_lines(letter.recipient_address, sender_country, letter.language, self._fonts),
        ]
        leading = min(ADDRESS_SIZE * 1.2, ADDRESS_ZONE_HEIGHT / max(len(lines), ADDRESS_MAX_LINES))
        size = min(ADDRESS_SIZE, leading / 1.2)
        for index, line in enumerate(lines):
            top = ADDRESS_ZONE_TOP + size + index * leading
            self._draw(canvas, ADDRESS_LEFT, top, line, self._fitting_size(line, size, 7.0))

    def _fitting_size(self, text: str, size: float, smallest: float) -> float:
        """``size``, or less down to ``smallest``, so that ``text`` fits the window's width."""
        while size > smallest and stringWidth(text, self._fonts.regular, size) > ADDRESS_WIDTH:
            size -= 0.25
        return size

    def _page_number(self, canvas: Canvas) -> None:
        if self._total_pages is None or self._total_pages < 2:
            return
        label = f"{canvas.getPageNumber()}/{self._total_pages}"
        canvas.setFont(self._fonts.regular, 8.5)
        canvas.drawRightString(PAGE_WIDTH - RIGHT_MARGIN, 12 * mm, label)

    def _draw(
        self, canvas: Canvas, left: float, top: float, text: str, size: float, *, bold: bool = False
    ) -> None:
        """Draw one line of ``text`` with its baseline ``top`` below the page's top edge."""
        if not text:
            return
        canvas.setFont(self._fonts.bold if bold else self._fonts.regular, size)
        fake_bold = bold and self._fonts.cjk
        if fake_bold:
            canvas.setLineWidth(size * _FAKE_BOLD_STROKE)
        canvas.drawString(left, PAGE_HEIGHT - top, text, mode=2 if fake_bold else None)


def _marks(canvas: Canvas) -> None:
    canvas.setLineWidth(0.3)
    for position in (*FOLD_MARKS, PUNCH_MARK):
        length = 8 * mm if position == PUNCH_MARK else 5 * mm
        canvas.line(3 * mm, PAGE_HEIGHT - position, 3 * mm + length, PAGE_HEIGHT - position)


def _address_lines(
    address: Address | None, home_country: str | None, language: str, fonts: FontSet
) -> list[str]:
    """Street lines, locality line(s), then the country unless it is ``home_country``."""
    if address is None:
        return []
    lines = [line for line in address.lines if line.strip()]
    lines.extend(_locality_lines(address))
    if address.country != home_country:
        lines.append(_country_name(address.country, language, fonts))
    return lines


def _locality_lines(address: Address) -> list[str]:
    code, city, region = address.postal_code or "", address.city or "", address.region or ""
    if address.country in ("GB", "IE"):
        # UK and Irish addresses put the post town and the postcode on lines of their own.
        return [line for line in (city.upper(), region, code) if line]
    if address.country in ("US", "CA", "AU"):
        return [" ".join(part for part in (city, region, code) if part)]
    locality = " ".join(part for part in (code, city) if part)
    return [line for line in (locality, region) if line]


def _country_name(code: str, language: str, fonts: FontSet) -> str:
    # Latin letters name the country in English (understood by every post);
    # CJK letters in their own script, which their face can always show.
    tag = language if fonts.cjk else "en"
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en")
    return str(locale.territories.get(code, code)).upper()
