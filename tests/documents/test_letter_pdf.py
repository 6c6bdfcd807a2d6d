# ruff: noqa: RUF001 - Chinese test texts use full-width punctuation on purpose
"""The PDF letter: text, window-envelope placement, tables, pagination, CJK faces."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import pypdf
import pytest
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from arplatform.documents._cjk import NO_LINE_END, NO_LINE_START, break_cjk_lines
from arplatform.documents.letter import PAGE_HEIGHT, Letter, render_letter_pdf
from arplatform.plugins.contracts.common import Address
from arplatform.plugins.contracts.notification import SenderIdentity

TEXT_WIDTH = (210 - 25 - 20) * mm

SENDER = SenderIdentity(
    name="Nordhafen Maschinenbau GmbH",
    email="ar@nordhafen.example",
    phone="+49 40 1234567",
    postal=Address(lines=("Hafenstrasse 12",), postal_code="20457", city="Hamburg", country="DE"),
)
LYON = Address(lines=("4 rue du Pont",), postal_code="69002", city="Lyon", country="FR")
TABLE_BODY = """Dear Sir or Madam,

our records show the following invoices as overdue:

Invoice          Due date      Amount    Interest
INV-2025-0042    2025-04-02    1,225.00      12.40
INV-2025-0043    2025-04-09      310.00       1.02
Total                          1,535.00      13.42

Please pay by 23 April 2025.

Kind regards,
Accounts receivable"""


def english_letter(**changes: object) -> Letter:
    letter = Letter(
        sender=SENDER,
        recipient_name="Brasserie du Pont SARL",
        recipient_address=LYON,
        date_line="Hamburg, 9 April 2025",
        subject="Payment reminder: invoice INV-2025-0042",
        body=TABLE_BODY,
        language="en",
    )
    return replace(letter, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Run:
    """A run of text as drawn: page index, text, baseline start (x) and height from the top."""

    page: int
    text: str
    x: float
    top: float


def text_runs(pdf: bytes) -> list[Run]:
    runs: list[Run] = []
    for index, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages):

        def visit(text, cm, tm, _font, _size, index=index):  # type: ignore[no-untyped-def]
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append(Run(index, text.strip(), x, PAGE_HEIGHT - y))

        page.extract_text(visitor_text=visit)
    return runs


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/"))
    return names


def run_with(runs: list[Run], text: str) -> Run:
    matches = [run for run in runs if run.text == text]
    assert matches, f"{text!r} not drawn; drawn: {[r.text for r in runs]}"
    return matches[0]


def test_letter_shows_every_part_in_reading_order() -> None:
    (text,) = page_texts(render_letter_pdf(english_letter()))
    expected = [
        "Nordhafen Maschinenbau GmbH",
        "Hafenstrasse 12",
        "ar@nordhafen.example",
        "Brasserie du Pont SARL",
        "4 rue du Pont",
        "69002 Lyon",
        "FRANCE",
        "Hamburg, 9 April 2025",
        "Payment reminder: invoice INV-2025-0042",
        "Dear Sir or Madam,",
        "INV-2025-0043",
        "Please pay by 23 April 2025.",
        "Accounts receivable",
    ]
    positions = [text.index(part) for part in expected]
    assert positions == sorted(positions)
    assert "/1" not in text  # a one-page letter is not numbered


def test_address_sits_in_the_envelope_window() -> None:
    runs = text_runs(render_letter_pdf(english_letter()))
    # DIN 5008 form B address zone: 20-105 mm from the left, 62.7-90 mm from the top.
    for line in ("Brasserie du Pont SARL", "4 rue du Pont", "69002 Lyon", "FRANCE"):
        run = run_with(runs, line)
        assert 20 * mm <= run.x <= 30 * mm
        assert 62.7 * mm < run.top < 90 * mm
    return_line = next(r for r in runs if r.text.startswith("Nordhafen Maschinenbau GmbH ·"))
    assert 45 * mm < return_line.top < 62.7 * mm
    assert run_with(runs, "Payment reminder: invoice INV-2025-0042").top > 90 * mm


def test_domestic_address_has_no_country_line() -> None:
    munich = Address(lines=("Leopoldstrasse 1",), postal_code="80802", city="München", country="DE")
    (text,) = page_texts(render_letter_pdf(english_letter(recipient_address=munich)))
    assert "80802 München" in text
    assert "GERMANY\n" not in text.split("80802 München", 1)[1]


def test_table_amount_columns_are_right_aligned() -> None:
    runs = text_runs(render_letter_pdf(english_letter()))

    def right_edge(text: str) -> float:
        return run_with(runs, text).x + stringWidth(text, "Helvetica", 10.5)

    assert right_edge("1,225.00") == pytest.approx(right_edge("310.00"), abs=0.01)
    assert right_edge("1,225.00") == pytest.approx(right_edge("1,535.00"), abs=0.01)
    assert right_edge("12.40") == pytest.approx(right_edge("13.42"), abs=0.01)
    invoice = run_with(runs, "INV-2025-0042")
    assert run_with(runs, "Total").x == pytest.approx(invoice.x)
    assert run_with(runs, "1,225.00").top == pytest.approx(invoice.top)


def test_identifier_column_stays_left_aligned() -> None:
    body = "Invoice          Amount\nINV-2025-0042    EUR 1,225.00"
    runs = text_runs(render_letter_pdf(english_letter(body=body)))
    assert run_with(runs, "Invoice").x == pytest.approx(run_with(runs, "INV-2025-0042").x)
    amount_end = run_with(runs, "EUR 1,225.00").x + stringWidth("EUR 1,225.00", "Helvetica", 10.5)
    header_end = run_with(runs, "Amount").x + stringWidth("Amount", "Helvetica-Bold", 10.5)
    assert amount_end == pytest.approx(header_end, abs=0.01)


def test_long_letter_is_paginated_and_numbered() -> None:
    paragraphs = [f"Paragraph {n}: " + "the invoice remains unpaid. " * 12 for n in range(1, 41)]
    pdf = render_letter_pdf(english_letter(body="\n\n".join(paragraphs)))
    pages = page_texts(pdf)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"{number}/{len(pages)}" in text
    assert "Payment reminder" in pages[0]
    assert "Paragraph 1:" in pages[0]
    assert "Paragraph 40:" in pages[-1]
    body = "".join(pages)
    positions = [body.index(f"Paragraph {n}:") for n in range(1, 41)]
    assert positions == sorted(positions)


def test_output_is_deterministic() -> None:
    assert render_letter_pdf(english_letter()) == render_letter_pdf(english_letter())


CHINESE_BODY = (
    "尊敬的客户：\n\n我们注意到以下发票已逾期未付，请您尽快安排付款。"
    + "如您已付款，请忽略本函；如有疑问，请与我们的应收账款部门联系，谢谢合作。" * 6
    + "\n\n此致\n敬礼"
)


def chinese_letter(language: str) -> Letter:
    return english_letter(
        recipient_name="上海浦东贸易有限公司",
        subject="付款提醒：发票 INV-2025-0042 已逾期",
        body=CHINESE_BODY,
        language=language,
    )


@pytest.mark.parametrize(
    ("language", "face"), [("zh-Hans", "STSong-Light"), ("zh-Hant", "MSung-Light")]
)
def test_chinese_letter_uses_cjk_face_and_wraps_lines(language: str, face: str) -> None:
    pdf = render_letter_pdf(chinese_letter(language))
    assert face in font_names(pdf)
    assert "Helvetica" not in font_names(pdf)
    (text,) = page_texts(pdf)
    assert "上海浦东贸易有限公司" in text
    assert "付款提醒：发票 INV-2025-0042 已逾期" in text
    body_lines = [
        run.text for run in text_runs(pdf) if "谢谢合作" in run.text or "联系" in run.text
    ]
    assert len(body_lines) >= 3  # the long paragraph was wrapped
    for line in body_lines:
        assert stringWidth(line, face, 10.5) <= TEXT_WIDTH
        assert line[0] not in NO_LINE_START
        assert line[-1] not in NO_LINE_END


def test_english_letter_to_a_chinese_name_switches_to_a_cjk_face() -> None:
    pdf = render_letter_pdf(english_letter(recipient_name="上海浦东贸易有限公司"))
    assert "STSong-Light" in font_names(pdf)
    assert "上海浦东贸易有限公司" in page_texts(pdf)[0]


def test_cjk_breaking_keeps_punctuation_and_latin_words() -> None:
    text = "发票 INV-2025-0042（金额 EUR 1,225.00）已于2025年4月2日到期，" * 4
    lines = break_cjk_lines(text, "Helvetica", 10, 120)
    assert len(lines) > 3
    for line in lines:
        assert line[0] not in NO_LINE_START
        assert line[-1] not in NO_LINE_END
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert any("INV-2025-0042" in line for line in lines)
