"""Every hook has a section in the plugin guide, and every hook section is a real hook."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from arplatform.plugins import hookspecs
from arplatform.plugins.contracts import CONTRACTS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def hook_names() -> set[str]:
    return {
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, f"{hookspecs.PROJECT_NAME}_spec")
    }


def documented_hooks() -> set[str]:
    headings = re.findall(r"^## (\S+)\s*$", GUIDE.read_text(encoding="utf-8"), re.MULTILINE)
    return {heading for heading in headings if heading.startswith("arplatform_")}


def test_every_hook_has_a_section_in_the_guide() -> None:
    missing = hook_names() - documented_hooks()
    assert not missing, f"add a '## <hook>' section to docs/plugins.md for: {sorted(missing)}"


def test_every_hook_section_is_a_real_hook() -> None:
    unknown = documented_hooks() - hook_names()
    assert not unknown, f"docs/plugins.md documents hooks that do not exist: {sorted(unknown)}"


def test_every_hook_has_a_contract_and_a_docstring() -> None:
    assert {spec.hook for spec in CONTRACTS.values()} == hook_names()
    for name in hook_names():
        assert inspect.getdoc(getattr(hookspecs, name)), f"{name} needs a docstring"
