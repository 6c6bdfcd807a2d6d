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

Limits: undefined names and attributes fail (``StrictUndefined``); ``range`` is capped at
:data:`MAX_RANGE`; string/list repetition, ``%``/``format`` widths, numeric arguments
of string methods and filters, and every intermediate and final text are capped at
:data:`MAX_OUTPUT_CHARS`. CPU time of a pathological override (nested empty loops) is
not bounded here: run override previews in a worker with a time limit.
"""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache, wraps
from importlib.resources import files
from typing import Any

import jinja2
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.filters import do_format
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import escape

from arplatform.dunning.notice import NoticeContext, NoticeLine, NoticeParty

TEMPLATE_NAMES: tuple[str, ...] = (
    "pre_due_reminder",
    "reminder",
    "formal_notice",
    "legal_letter",
    "agency_handoff",
)
LANGUAGES: tuple[str, ...] = ("en", "zh-Hans", "zh-Hant")
CHANNELS: tuple[str, ...] = ("email", "letter", "sms")

MAX_OUTPUT_CHARS = 100_000  # of any rendered block and of any intermediate value
MAX_SOURCE_CHARS = 64_000  # of an override's source
MAX_RANGE = 1_000  # items of range(); a notice has a few dozen lines at most
_MAX_FORMAT_WIDTH = 1_000  # width/precision in "%20s" or "{:>20}"

_REQUIRED_BLOCKS = ("subject", "body")
_HANT_REGIONS = {"tw", "hk", "mo"}
_HK_REGIONS = {"hk", "mo"}
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d*)(?:\.(\*|\d*))?")


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


# --- the sandbox -------------------------------------------------------------------------


def _limited_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() is limited to {MAX_RANGE} items in notice templates.")
    return numbers


def _check_size(value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict) and len(value) > MAX_OUTPUT_CHARS:
        raise SecurityError(f"A value in the template exceeds {MAX_OUTPUT_CHARS} characters.")
    return value


def _check_numbers(values: Iterable[Any]) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_OUTPUT_CHARS:
            raise SecurityError(f"The number {value} is too large for this operation.")


def _check_growth(operator: str, left: Any, right: Any) -> None:
    """Refuse ``seq * n`` and ``seq + seq`` whose result would pass the size limit."""
    sizes = [len(x) if isinstance(x, str | list | tuple) else x for x in (left, right)]
    if not any(isinstance(x, str | list | tuple) for x in (left, right)):
        return
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in sizes):
        return
    result = sizes[0] * sizes[1] if operator == "*" else sizes[0] + sizes[1]
    if result > MAX_OUTPUT_CHARS:
        raise SecurityError(f"A value in the template would exceed {MAX_OUTPUT_CHARS} characters.")


def _check_printf(fmt: Any) -> None:
    if not isinstance(fmt, str):
        return
    for match in _PRINTF_SPEC.finditer(fmt):
        for size in match.groups():
            if size == "*" or (size and int(size) > _MAX_FORMAT_WIDTH):
                raise SecurityError("A format width in the template is too large.")


def _check_str_format(fmt: str) -> None:
    for _, _, spec, _ in string.Formatter().parse(fmt):
        numbers = re.findall(r"\d+", spec or "")
        if "{" in (spec or "") or any(int(n) > _MAX_FORMAT_WIDTH for n in numbers):
            raise SecurityError("A format width in the template is too large.")


def _guard_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter: cap its numeric arguments and the size of what it returns."""
    skip = 2 if hasattr(func, "jinja_pass_arg") else 1  # context/env, then the value

    @wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _check_numbers([*args[skip:], *kwargs.values()])
        if func is do_format:
            _check_printf(args[0])
        return _check_size(func(*args, **kwargs))

    return guarded


class _NoticeSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with caps on the operations that can blow up output."""

    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator in ("*", "+"):
            _check_growth(operator, left, right)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left).bit_length() * right > 4_096:
                raise SecurityError("A power in the template is too large.")
        elif operator == "%":
            _check_printf(left)
        return _check_size(super().call_binop(context, operator, left, right))

    def call(self, context: jinja2.runtime.Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(obj, "__self__", None), str):
            _check_numbers([*args, *kwargs.values()])
        return _check_size(super().call(context, obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        sandboxed = super().wrap_str_format(value)
        if sandboxed is None:
            return None
        _check_str_format(value.__self__)
        return sandboxed


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
def _environment(language: str, locale: str) -> _NoticeSandbox:
    """The sandbox for one template language and Babel locale (built on first use)."""
    env = _NoticeSandbox(
        loader=jinja2.FunctionLoader(_load_shipped(language)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.pop("lipsum", None)  # generates text of any size
    env.globals["range"] = _limited_range
    env.filters = {name: _guard_filter(f) for name, f in env.filters.items()}
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


def _variables(context: NoticeContext, env: _NoticeSandbox) -> dict[str, Any]:
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


def _check_names(source: str, env: _NoticeSandbox) -> None:
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
