"""Dunning notice templates: shipped wording, Babel formatting, HTML, overrides, sandbox."""

# Chinese text uses full-width punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arplatform.dunning.notice import NoticeContext, NoticeParty
from arplatform.dunning.sandbox import MAX_OUTPUT_CHARS
from arplatform.dunning.templates import (
    CHANNELS,
    LANGUAGES,
    SAMPLE_CONTEXT,
    TEMPLATE_NAMES,
    RenderedNotice,
    TemplateError,
    babel_locale,
    notice_language,
    render_notice,
    validate_template,
)

CREDITOR = SAMPLE_CONTEXT.creditor.name
DEBTOR = SAMPLE_CONTEXT.debtor.name
INVOICES = ("INV-2025-0142", "INV-2025-0157")

# Written out by hand, not computed with Babel: what a reader of each language expects.
LINE_AMOUNT = {"en": "€1,234.50", "zh-Hans": "€1,234.50", "zh-Hant": "€1,234.50"}
DUE_DATE = {"en": "February 7, 2025", "zh-Hans": "2025年2月7日", "zh-Hant": "2025年2月7日"}
TOTAL_DUE = "€3,137.65"  # 3,034.50 open + 23.15 interest + 80.00 compensation
TOTAL_OPEN = "€3,034.50"


def pre_due(context: NoticeContext = SAMPLE_CONTEXT) -> NoticeContext:
    lines = tuple(
        dataclasses.replace(line, days_overdue=-5, interest=Decimal(0)) for line in context.lines
    )
    return dataclasses.replace(
        context,
        template="pre_due_reminder",
        lines=lines,
        total_interest=Decimal(0),
        fixed_compensation=Decimal(0),
        next_step=None,
        next_step_on=None,
    )


def body(context: NoticeContext, *, language: str = "en", template: str = "reminder") -> str:
    return render_notice(context, template=template, channel="letter", language=language).text


SHOULD_OVERRIDE = """\
{% block subject %}Invoices for {{ debtor.name }} ({{ reference }}){% endblock %}
{% block body %}
Hello {{ debtor.name }}, {{ creditor.name }} here.
{{ parts.line_items() }}
Total {{ total_due|money(currency) }} by {{ pay_by|date }}; {{ lines|length|number }} lines.
{% endblock %}
{% block sms %}{{ creditor.name }}: pay {{ total_due|money(currency) }}{% endblock %}
"""


# --- shipped templates -----------------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_every_shipped_notice_names_parties_invoices_and_amounts(
    template: str, language: str, channel: str
) -> None:
    context = pre_due() if template == "pre_due_reminder" else SAMPLE_CONTEXT
    notice = render_notice(context, template=template, channel=channel, language=language)

    assert isinstance(notice, RenderedNotice)
    assert SAMPLE_CONTEXT.reference in notice.subject
    for text in (CREDITOR, DEBTOR, *INVOICES, SAMPLE_CONTEXT.reference):
        assert text in notice.text
    if channel == "sms":
        total = TOTAL_OPEN if template == "pre_due_reminder" else TOTAL_DUE
        assert total in notice.text
        assert len(notice.text) < 300
        assert "\n" not in notice.text
        assert notice.html is None
    else:
        assert LINE_AMOUNT[language] in notice.text
        assert DUE_DATE[language] in notice.text
        assert "{{" not in notice.text and "{%" not in notice.text
        assert "\n\n\n" not in notice.text
        assert (notice.html is not None) is (channel == "email")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATE_NAMES[1:])
def test_overdue_notices_list_interest_totals_payment_and_contact(
    template: str, language: str
) -> None:
    text = body(SAMPLE_CONTEXT, language=language, template=template)

    for amount in ("€12.30", "€10.85", "€23.15", "€80.00", TOTAL_OPEN, TOTAL_DUE):
        assert amount in text
    assert "DE44 5001 0517 5407 3249 31" in text
    assert "Anna Berger" in text
    assert {"en": "March 28, 2025", "zh-Hans": "2025年3月28日", "zh-Hant": "2025年3月28日"}[
        language
    ] in text
    assert {"en": "instalment 2", "zh-Hans": "（第2期）", "zh-Hant": "（第2期）"}[language] in text
    assert {"en": "35 days overdue", "zh-Hans": "已逾期35天", "zh-Hant": "已逾期35天"}[
        language
    ] in text
    for street in ("Speicherstraße 12", "20457 Hamburg", "Mill Lane", "M4 6WX Manchester"):
        assert street in text


@pytest.mark.parametrize(
    ("language", "falls_due"),
    [("en", "falls due on February 7, 2025"), ("zh-Hans", "将于2025年2月7日到期"),
     ("zh-Hant", "將於2025年2月7日到期")],
)  # fmt: skip
def test_pre_due_reminder_is_a_friendly_falls_due_note(language: str, falls_due: str) -> None:
    text = body(pre_due(), language=language, template="pre_due_reminder")

    assert falls_due in text
    assert "overdue" not in text and "逾期" not in text
    assert "collection agency" not in text and "legal" not in text


@pytest.mark.parametrize(
    ("action", "sentence"),
    [
        ("formal_notice", "we will send you a formal notice."),
        ("legal_letter", "we will refer the matter to our legal advisers."),
        ("agency_handoff", "we will pass the claim to a collection agency"),
        ("internal_review", "your account will be reviewed by our credit team"),
        ("credit_hold", "we will put your account on hold and suspend further deliveries"),
        ("something_custom", "we will take the next step of our collection procedure."),
    ],
)
def test_next_step_is_phrased_per_action_with_its_date(action: str, sentence: str) -> None:
    context = dataclasses.replace(SAMPLE_CONTEXT, next_step=action, next_step_on=date(2025, 4, 4))

    text = body(context)

    assert f"If the total is still unpaid on April 4, 2025, {sentence}" in text


def test_next_step_without_a_date_and_without_a_step() -> None:
    undated = dataclasses.replace(SAMPLE_CONTEXT, next_step="credit_hold", next_step_on=None)
    assert "If the total remains unpaid, we will put your account on hold" in body(undated)

    for language in LANGUAGES:
        text = body(dataclasses.replace(SAMPLE_CONTEXT, next_step=None), language=language)
        assert "If the total" not in text and "如截至" not in text and "如上述款项" not in text
        assert "April 4, 2025" not in text and "2025年4月4日" not in text


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_chinese_next_step_is_phrased_in_the_script(language: str) -> None:
    text = body(SAMPLE_CONTEXT, language=language)
    expected = {
        "zh-Hans": "如截至2025年4月4日我司仍未收到上述款项，我司将委托法律顾问处理此事。",
        "zh-Hant": "如截至2025年4月4日本公司仍未收到上述款項，本公司將委請法律顧問處理本案。",
    }
    assert expected[language] in text


def test_agency_handoff_states_the_referral_date_once() -> None:
    context = dataclasses.replace(SAMPLE_CONTEXT, next_step="agency_handoff")

    text = body(context, template="agency_handoff")

    assert "pass this claim to a collection agency on April 4, 2025." in text
    assert "If the total is still unpaid" not in text


def test_optional_parts_are_left_out_when_empty() -> None:
    sparse = dataclasses.replace(
        SAMPLE_CONTEXT,
        debtor=NoticeParty(name="Lotus Import Ltd"),
        fixed_compensation=Decimal(0),
        payment_instructions=None,
        contact=None,
    )

    text = body(sparse, template="formal_notice")

    assert "Fixed compensation" not in text and "€80.00" not in text
    assert "How to pay" not in text and "Anna Berger" not in text
    assert "Mill Lane" not in text
    assert "Total now due: €3,057.65" in text  # open + interest only


def test_babel_formats_amounts_and_dates_per_locale() -> None:
    yuan = dataclasses.replace(SAMPLE_CONTEXT, currency="CNY")
    taiwan_dollars = dataclasses.replace(SAMPLE_CONTEXT, currency="TWD")

    assert "CN¥1,234.50" in body(yuan, language="en")
    assert "¥1,234.50" in body(yuan, language="zh-CN")
    assert "CN¥" not in body(yuan, language="zh-CN")
    assert "NT$1,234.50" in body(taiwan_dollars, language="en")
    assert "NT$" not in body(taiwan_dollars, language="zh-TW")
    assert "$1,234.50" in body(taiwan_dollars, language="zh-TW")
    assert "NT$1,234.50" in body(taiwan_dollars, language="zh-HK")
    assert "February 7, 2025" in body(SAMPLE_CONTEXT, language="en-GB")


def test_sms_stays_short_with_many_invoices() -> None:
    line = SAMPLE_CONTEXT.lines[0]
    many = tuple(dataclasses.replace(line, invoice_number=f"INV-2025-{n:04d}") for n in range(12))
    context = dataclasses.replace(SAMPLE_CONTEXT, lines=many)

    for template in TEMPLATE_NAMES:
        for language in LANGUAGES:
            sms = render_notice(context, template=template, channel="sms", language=language)
            assert len(sms.text) < 300
            assert "INV-2025-0002" in sms.text and "INV-2025-0003" not in sms.text
    en = render_notice(context, template="reminder", channel="sms", language="en").text
    assert "and 9 more" in en


# --- HTML --------------------------------------------------------------------------------


def test_html_escapes_customer_data_and_loads_nothing_external() -> None:
    evil = dataclasses.replace(
        SAMPLE_CONTEXT,
        debtor=NoticeParty(name="<b>Evil & Co</b>", address_lines=('<img src="x">',)),
        contact='<a href="https://phish.example">us</a>',
    )

    notice = render_notice(evil, template="reminder", channel="email", language="en")

    assert notice.html is not None
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in notice.html
    assert "<b>" not in notice.html and "<img" not in notice.html and "<a " not in notice.html
    assert "<b>Evil & Co</b>" in notice.text  # plain text is not escaped
    for external in ("<script", "<link", "url(", 'src="', 'href="'):
        assert external not in notice.html
    assert '<html lang="en">' in notice.html
    assert "<li>Invoice INV-2025-0142" in notice.html
    assert f"<title>{notice.subject}</title>" in notice.html


def test_html_carries_the_language_of_the_notice() -> None:
    notice = render_notice(SAMPLE_CONTEXT, template="reminder", channel="email", language="zh-MO")
    assert notice.html is not None and '<html lang="zh-Hant">' in notice.html


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40
    )
    .map(str.strip)
    .filter(bool)
)
def test_any_customer_name_is_escaped_in_html(name: str) -> None:
    from markupsafe import escape

    context = dataclasses.replace(SAMPLE_CONTEXT, debtor=NoticeParty(name=name))
    notice = render_notice(context, template="formal_notice", channel="email", language="en")

    assert notice.html is not None
    assert str(escape(name)) in notice.html
    assert name in notice.text


# --- languages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "language", "locale"),
    [
        ("en", "en", "en"), ("en-GB", "en", "en"), ("en_US", "en", "en"),
        ("zh", "zh-Hans", "zh_Hans_CN"), ("zh-Hans", "zh-Hans", "zh_Hans_CN"),
        ("zh-CN", "zh-Hans", "zh_Hans_CN"), ("zh-SG", "zh-Hans", "zh_Hans_CN"),
        ("zh-Hans-HK", "zh-Hans", "zh_Hans_CN"),
        ("zh-Hant", "zh-Hant", "zh_Hant_TW"), ("zh-TW", "zh-Hant", "zh_Hant_TW"),
        ("zh_Hant_TW", "zh-Hant", "zh_Hant_TW"), ("zh-HK", "zh-Hant", "zh_Hant_HK"),
        ("zh-MO", "zh-Hant", "zh_Hant_HK"), ("zh-Hant-HK", "zh-Hant", "zh_Hant_HK"),
        ("de-DE", "en", "en"), ("", "en", "en"), ("klingon", "en", "en"),
    ],
)  # fmt: skip
def test_language_tags_map_to_templates_and_locales(tag: str, language: str, locale: str) -> None:
    assert notice_language(tag) == language
    assert babel_locale(tag) == locale


def test_unknown_language_falls_back_to_english() -> None:
    assert "Dear Lotus Import Ltd" in body(SAMPLE_CONTEXT, language="fr-FR")


def test_unknown_template_or_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="template 'dunning_poem'"):
        render_notice(SAMPLE_CONTEXT, template="dunning_poem", channel="email", language="en")
    with pytest.raises(ValueError, match="channel 'fax'"):
        render_notice(SAMPLE_CONTEXT, template="reminder", channel="fax", language="en")


# --- overrides ---------------------------------------------------------------------------


def test_an_override_renders_with_the_shipped_macros_and_filters() -> None:
    email = render_notice(
        SAMPLE_CONTEXT, template="reminder", channel="email", language="en",
        override=SHOULD_OVERRIDE,
    )  # fmt: skip
    sms = render_notice(
        SAMPLE_CONTEXT, template="reminder", channel="sms", language="en", override=SHOULD_OVERRIDE
    )

    assert email.subject == "Invoices for Lotus Import Ltd (DN-2025-000731)"
    assert "Hello Lotus Import Ltd, Hanseatic Components GmbH here." in email.text
    assert "- Invoice INV-2025-0157, instalment 2" in email.text
    assert "Total €3,137.65 by March 28, 2025; 2 lines." in email.text
    assert sms.text == "Hanseatic Components GmbH: pay €3,137.65"


def test_an_override_uses_the_locale_and_macros_of_the_customer_language() -> None:
    notice = render_notice(
        SAMPLE_CONTEXT, template="reminder", channel="letter", language="zh-TW",
        override=SHOULD_OVERRIDE,
    )  # fmt: skip
    assert "- 發票 INV-2025-0157（第2期）" in notice.text
    assert "by 2025年3月28日" in notice.text


def test_an_override_without_sms_block_texts_its_subject() -> None:
    source = "{% block subject %}Pay {{ reference }}{% endblock %}{% block body %}x{% endblock %}"
    sms = render_notice(
        SAMPLE_CONTEXT, template="reminder", channel="sms", language="en", override=source
    )
    assert sms.text == "Pay DN-2025-000731"


def test_a_broken_override_fails_render_with_template_error() -> None:
    source = (
        "{% block subject %}x{% endblock %}{% block body %}{{ debtor.shoe_size }}{% endblock %}"
    )
    with pytest.raises(TemplateError, match="shoe_size"):
        render_notice(
            SAMPLE_CONTEXT, template="reminder", channel="email", language="en", override=source
        )


# --- validation --------------------------------------------------------------------------


def shipped_sources() -> list[tuple[str, str]]:
    folder = files("arplatform.dunning").joinpath("templates")
    return [
        (language, folder.joinpath(language, f"{name}.j2").read_text(encoding="utf-8"))
        for language in LANGUAGES
        for name in TEMPLATE_NAMES
    ]


@pytest.mark.parametrize(("language", "source"), shipped_sources())
def test_every_shipped_template_passes_validation(language: str, source: str) -> None:
    validate_template(source, language=language)


def test_a_valid_override_passes_validation() -> None:
    validate_template(SHOULD_OVERRIDE)


def blocks(body_source: str) -> str:
    return (
        "{% block subject %}Hello{% endblock %}\n{% block body %}"
        + body_source
        + ("{% endblock %}")
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (blocks("\n{% if %}"), "Syntax error on line 3"),
        (blocks("{% for line in lines %}"), "Syntax error"),
        ("{% block subject %}Hello{% endblock %}", r"must define \{% block body %\}"),
        ("just text", r"\{% block subject %\} and \{% block body %\}"),
        (blocks("\n\n{{ customer_name }}"), "Unknown variable 'customer_name' on line 4"),
        (blocks("{% if next_step %}{{ nxt }}{% endif %}"), "Unknown variable 'nxt'"),
        (blocks("\n{{ debtor.nmae }}"), r"Unknown variable or attribute \(line 3\).*'nmae'"),
        (blocks("{{ lines[0].due }}"), "has no attribute 'due'"),
        (blocks("{% if contact %}{{ contact.phone }}{% endif %}"), "has no attribute 'phone'"),
        (blocks("{{ ''.__class__.__mro__ }}"), "Not allowed.*'__class__'"),
        (blocks("{{ lines.__class__ }}"), "Not allowed.*'__class__'"),
        (blocks("{{ creditor.__init__.__globals__ }}"), "Not allowed"),
        (blocks("{{ extra.clear() }}"), "Not allowed"),
        (blocks("{% for i in range(10**7) %}x{% endfor %}"), "range.. is limited to 1000"),
        (
            blocks(
                "{% for i in range(999) %}{% for j in range(999) %}0123456789{% endfor %}"
                "{% endfor %}"
            ),
            f"longer than {MAX_OUTPUT_CHARS} characters",
        ),
        (blocks("{{ 'x' * 10**9 }}"), "would exceed"),
        (blocks("{{ ('x' * 99999) * 99999 }}"), "would exceed"),
        (blocks("{{ '%999999999s' % 1 }}"), "format width"),
        (blocks("{{ '%*s'|format(99, 1) }}"), "format width"),
        (blocks("{{ '{:>999999999}'.format(1) }}"), "format width"),
        (blocks("{{ 'x'.ljust(999999999) }}"), "too large"),
        (blocks("{{ 'x'|center(999999999) }}"), "too large"),
        (blocks("{{ 10**100000 }}"), "power"),
        (blocks("{% include '../notice.py' %}"), "Only the shipped templates"),
        (blocks("{{ lipsum(100000) }}"), "Unknown variable 'lipsum'"),
        (blocks("{{ total_open / 0 }}"), "failed to render"),
        ("x" * 70_000, "longer than 64000 characters"),
    ],
)
def test_validation_rejects_with_a_clear_message(source: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        validate_template(source)


def test_validation_renders_both_with_and_without_optional_fields() -> None:
    uses_contact_line = blocks("{{ contact.upper() }}")  # fails only when contact is None
    with pytest.raises(TemplateError, match="upper"):
        validate_template(uses_contact_line)
