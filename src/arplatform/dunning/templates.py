"""Dunning notice templates: rendering a :class:`NoticeContext` into subject, text and HTML.

Shipped templates live in ``dunning/templates/<language>/<name>.j2`` for every name in
:data:`TEMPLATE_NAMES` and language in :data:`LANGUAGES`. Each file defines the Jinja
blocks ``subject`` (one line), ``body`` (plain text for e-mail and letters) and ``sms``
(one short text). Shared wording (party blocks, invoice lines, totals, what happens next,
payment and contact, sign-off) is in the language's ``_parts.j2`` as macros.

Template variables: every field of :class:`NoticeContext` by name (``reference``,
``creditor``, ``debtor``, ``lines``, ``total_open``, ``next_step`` ...), ``total_due``
(open + interest + fixed compensation) and ``parts``, the shipped macros of the notice's
language (``{{ parts.line_items() }}``). Filters, formatted by Babel for the customer's
locale: ``money(amount, currency)``, ``date(d)`` (long format) and ``number(n)``.

Tenant overrides use the same block structure (``subject`` and ``body`` required, ``sms``
optional: it falls back to ``subject``). Decision: an override cannot reach the
filesystem. It renders in an :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment`
whose loader serves only the shipped files of the notice's language, so
``{% import "_parts.j2" as p %}`` works but there is nothing else to load; the macros are
anyway passed in as ``parts``. Blocks are rendered one by one, so an override must define
its blocks itself (``{% extends %}`` brings none of the parent's blocks in).

Limits: see :mod:`arplatform.dunning.sandbox`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from typing import Any

import jinja2
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from markupsafe import escape

from arplatform.dunning.notice import NoticeContext, NoticeLine, NoticeParty
from arplatform.dunning.sandbox import (
    MAX_OUTPUT_CHARS,
    NoticeSandbox,
    guard_filter,
    limited_range,
)

TEMPLATE_NAMES: tuple[str, ...] = (
    "pre_due_reminder",
    "reminder",
    "formal_notice",
    "legal_letter",
    "agency_handoff",
)
LANGUAGES: tuple[str, ...] = ("en", "zh-Hans", "zh-Hant")
CHANNELS: tuple[str, ...] = ("email", "letter", "sms")

MAX_SOURCE_CHARS = 64_000  # of an override's source

_REQUIRED_BLOCKS = ("subject", "body")
_HANT_REGIONS = {"tw", "hk", "mo"}
_HK_REGIONS = {"hk", "mo"}


class TemplateError(ValueError):
    """A notice template that cannot be used; the message is meant for the tenant."""


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    """A notice ready for a channel: ``html`` is set for e-mail only."""

    subject: str
    text: str
    html: str | None


# --- languages ---------------------------------------------------------------------------


def _subtags(tag: str) -> list[str]:
    return [part.lower() for part in tag.replace("_", "-").split("-") if part]


def notice_language(tag: str) -> str:
    """The shipped template language ("en", "zh-Hans" or "zh-Hant") for a BCP 47 tag.

    Unknown languages fall back to "en".
    """
    parts = _subtags(tag)
    if not parts or parts[0] != "zh":
        return "en"
    if "hant" in parts or ("hans" not in parts and _HANT_REGIONS & set(parts[1:])):
        return "zh-Hant"
    return "zh-Hans"


def babel_locale(tag: str) -> str:
    """The Babel locale that formats amounts and dates for a BCP 47 tag."""
    language = notice_language(tag)
    if language == "zh-Hans":
        return "zh_Hans_CN"
    if language == "zh-Hant":
        return "zh_Hant_HK" if _HK_REGIONS & set(_subtags(tag)[1:]) else "zh_Hant_TW"
    return "en"


def _filters(locale: str) -> dict[str, Callable[..., str]]:
    def money(amount: Decimal, currency: str) -> str:
        return str(format_currency(amount, currency, locale=locale))

    def long_date(day: date) -> str:
        return str(format_date(day, "long", locale=locale))

    def number(value: Decimal | int) -> str:
        return str(format_decimal(value, locale=locale))

    return {"money": money, "date": long_date, "number": number}


def _load_shipped(language: str) -> Callable[[str], str | None]:
    folder = files("arplatform.dunning").joinpath("templates", language)

    def load(name: str) -> str | None:
        if "/" in name or "\\" in name or not name.endswith(".j2"):
            return None
        resource = folder.joinpath(name)
        return resource.read_text(encoding="utf-8") if resource.is_file() else None

    return load


@lru_cache(maxsize=16)
def _environment(language: str, locale: str) -> NoticeSandbox:
    """The sandbox for one template language and Babel locale (built on first use)."""
    env = NoticeSandbox(
        loader=jinja2.FunctionLoader(_load_shipped(language)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.pop("lipsum", None)  # generates text of any size
    env.globals["range"] = limited_range
    env.filters = {name: guard_filter(f) for name, f in env.filters.items()}
    env.filters.update(_filters(locale))
    return env


@lru_cache(maxsize=64)
def _compile_override(language: str, locale: str, source: str) -> jinja2.Template:
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateError(f"The template is longer than {MAX_SOURCE_CHARS} characters.")
    try:
        template = _environment(language, locale).from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"Syntax error on line {exc.lineno}: {exc.message}") from exc
    missing = [name for name in _REQUIRED_BLOCKS if name not in template.blocks]
    if missing:
        names = " and ".join(f"{{% block {name} %}}" for name in missing)
        raise TemplateError(f"The template must define {names}.")
    return template


# --- rendering ---------------------------------------------------------------------------


def _variables(context: NoticeContext, env: NoticeSandbox) -> dict[str, Any]:
    variables = {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
    variables["total_due"] = (
        context.total_open + context.total_interest + context.fixed_compensation
    )
    variables["parts"] = env.get_template("_parts.j2").make_module(variables)
    return variables


def _error_line(exc: BaseException, template: jinja2.Template) -> int | None:
    line = None
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_globals.get("__jinja_template__") is template:
            line = template.get_corresponding_lineno(traceback.tb_lineno)
        traceback = traceback.tb_next
    return line


def _describe(exc: BaseException, template: jinja2.Template, block: str) -> str:
    line = _error_line(exc, template)
    where = f"line {line}" if line else f"block {block!r}"
    if isinstance(exc, SecurityError):
        return f"Not allowed in a notice template ({where}): {exc}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"Only the shipped templates of the notice's language can be loaded ({where})."
    if isinstance(exc, jinja2.UndefinedError):
        return f"Unknown variable or attribute ({where}): {exc}"
    return f"The template failed to render ({where}): {exc}"


_RENDER_ERRORS = (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError)


def _render_block(template: jinja2.Template, block: str, variables: dict[str, Any]) -> str:
    """Render one block, stopping as soon as the output passes the size limit."""
    pieces: list[str] = []
    size = 0
    try:
        for piece in template.blocks[block](template.new_context(variables)):
            size += len(piece)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateError(
                    f"The rendered {block!r} is longer than {MAX_OUTPUT_CHARS} characters."
                )
            pieces.append(piece)
    except TemplateError:
        raise
    except _RENDER_ERRORS as exc:
        raise TemplateError(_describe(exc, template, block)) from exc
    return "".join(pieces)


def _tidy(text: str) -> str:
    """Plain text: no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _html_block(paragraph: str) -> str:
    lines = paragraph.split("\n")
    if all(line.startswith("- ") for line in lines):
        items = "".join(f"<li>{escape(line[2:])}</li>\n" for line in lines)
        return f"<ul>\n{items}</ul>"
    return "<p>" + "<br>\n".join(str(escape(line)) for line in lines) + "</p>"


def _to_html(subject: str, text: str, language: str) -> str:
    """The e-mail's HTML part: the escaped text, no scripts, images or external links."""
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    body = "\n".join(_html_block(p) for p in paragraphs)
    style = "font-family:sans-serif;font-size:16px;line-height:1.5;color:#111;max-width:40em"
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(subject)}</title>\n</head>\n"
        f'<body>\n<main style="{style}">\n{body}\n</main>\n</body>\n</html>\n'
    )


def _check_choice(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"Unknown {what} {value!r}; expected one of {', '.join(allowed)}.")


def render_notice(
    context: NoticeContext,
    *,
    template: str,
    channel: str,
    language: str,
    override: str | None = None,
) -> RenderedNotice:
    """Render a notice for a channel in the customer's language.

    ``language`` is the customer's BCP 47 tag: it picks the shipped templates
    (:func:`notice_language`) and the Babel locale (:func:`babel_locale`). ``override``
    is a tenant's template source used instead of the shipped ``template``.
    Raises :class:`TemplateError` when the override cannot be compiled or rendered.
    """
    _check_choice(template, TEMPLATE_NAMES, "template")
    _check_choice(channel, CHANNELS, "channel")
    shipped_language = notice_language(language)
    env = _environment(shipped_language, babel_locale(language))
    if override is None:
        compiled = env.get_template(f"{template}.j2")
    else:
        compiled = _compile_override(shipped_language, babel_locale(language), override)
    variables = _variables(context, env)
    subject = _one_line(_render_block(compiled, "subject", variables))
    if channel == "sms":
        sms_block = "sms" if "sms" in compiled.blocks else "subject"
        return RenderedNotice(
            subject, _one_line(_render_block(compiled, sms_block, variables)), None
        )
    text = _tidy(_render_block(compiled, "body", variables))
    html = _to_html(subject, text, shipped_language) if channel == "email" else None
    return RenderedNotice(subject, text, html)


# --- validation --------------------------------------------------------------------------

_CREDITOR = NoticeParty(
    "Hanseatic Components GmbH", ("Speicherstraße 12",), "20457", "Hamburg", "Germany",
    email="receivables@hanseatic-components.example", phone="+49 40 1234567",
    vat_number="DE123456789",
)  # fmt: skip
_DEBTOR = NoticeParty(
    "Lotus Import Ltd", ("Unit 5, Riverside Park", "Mill Lane"), "M4 6WX", "Manchester",
    "United Kingdom", email="accounts@lotus-import.example",
)  # fmt: skip
_LINES = (
    NoticeLine("INV-2025-0142", None, date(2025, 1, 8), date(2025, 2, 7), 35,
               Decimal("1234.50"), Decimal("1234.50"), Decimal("12.30")),
    NoticeLine("INV-2025-0157", 2, date(2025, 1, 20), date(2025, 2, 19), 23,
               Decimal("2000.00"), Decimal("1800.00"), Decimal("10.85")),
)  # fmt: skip

SAMPLE_CONTEXT = NoticeContext(
    reference="DN-2025-000731", template="formal_notice", level_name="Formal notice",
    actions=("send_notice", "charge_interest"), notice_date=date(2025, 3, 14),
    pay_by=date(2025, 3, 28), currency="EUR", creditor=_CREDITOR, debtor=_DEBTOR,
    lines=_LINES, total_open=Decimal("3034.50"), total_interest=Decimal("23.15"),
    fixed_compensation=Decimal("80.00"), next_step="legal_letter",
    next_step_on=date(2025, 4, 4),
    payment_instructions="IBAN DE44 5001 0517 5407 3249 31, BIC INGDDEFFXXX",
    contact="Anna Berger, +49 40 1234567, receivables@hanseatic-components.example",
    extra={"customer_number": "C-10442"},
)  # fmt: skip
"""A realistic notice (two overdue invoices, one an instalment): validates overrides
and serves API previews."""

_SPARSE_SAMPLE = dataclasses.replace(
    SAMPLE_CONTEXT,
    debtor=NoticeParty(name="Lotus Import Ltd"),
    fixed_compensation=Decimal(0),
    next_step=None,
    next_step_on=None,
    payment_instructions=None,
    contact=None,
)


def _check_names(source: str, env: NoticeSandbox) -> None:
    known = {f.name for f in dataclasses.fields(NoticeContext)} | {"total_due", "parts"}
    tree = env.parse(source)
    unknown = meta.find_undeclared_variables(tree) - known - set(env.globals)
    if unknown:
        first = min(
            (node.lineno, node.name) for node in tree.find_all(nodes.Name) if node.name in unknown
        )
        raise TemplateError(
            f"Unknown variable {first[1]!r} on line {first[0]}. "
            f"Available: {', '.join(sorted(known))}."
        )


def validate_template(source: str, *, language: str = "en") -> None:
    """Check a tenant's template source; raise :class:`TemplateError` saying what is wrong.

    Compiles it, requires the ``subject`` and ``body`` blocks, rejects unknown variable
    names, then renders every block for each channel against :data:`SAMPLE_CONTEXT`
    and a sparse variant of it (optional fields empty), which finds unknown attributes,
    sandbox violations and output over :data:`MAX_OUTPUT_CHARS`.
    """
    shipped_language = notice_language(language)
    _compile_override(shipped_language, babel_locale(language), source)
    _check_names(source, _environment(shipped_language, babel_locale(language)))
    for context in (SAMPLE_CONTEXT, _SPARSE_SAMPLE):
        for channel in CHANNELS:
            render_notice(
                context,
                template=context.template,
                channel=channel,
                language=language,
                override=source,
            )
