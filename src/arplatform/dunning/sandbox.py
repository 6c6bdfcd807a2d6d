"""The sandbox notice templates render in: the immutable Jinja2 sandbox with caps.

Undefined names and attributes fail (``StrictUndefined``); ``range`` is capped at
:data:`MAX_RANGE`; string/list repetition, ``%``/``format`` widths, numeric arguments
of string methods and filters, and every intermediate and final text are capped at
:data:`MAX_OUTPUT_CHARS`. CPU time of a pathological override (nested empty loops) is
not bounded here: run override previews in a worker with a time limit.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.filters import do_format
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["MAX_OUTPUT_CHARS", "MAX_RANGE", "NoticeSandbox", "guard_filter", "limited_range"]

MAX_OUTPUT_CHARS = 100_000  # of any rendered block and of any intermediate value
MAX_RANGE = 1_000  # items of range(); a notice has a few dozen lines at most
_MAX_FORMAT_WIDTH = 1_000  # width/precision in "%20s" or "{:>20}"
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d*)(?:\.(\*|\d*))?")


def limited_range(*args: int) -> range:
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


def guard_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter: cap its numeric arguments and the size of what it returns."""
    skip = 2 if hasattr(func, "jinja_pass_arg") else 1  # context/env, then the value

    @wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _check_numbers([*args[skip:], *kwargs.values()])
        if func is do_format:
            _check_printf(args[0])
        return _check_size(func(*args, **kwargs))

    return guarded


class NoticeSandbox(ImmutableSandboxedEnvironment):
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
