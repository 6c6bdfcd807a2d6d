"""The plugin package in the guide's "A plugin package from scratch" passes its conformance kit.

The files are extracted from docs/plugins.md as written and their tests run in
a fresh pytest process with the package's ``src`` on ``PYTHONPATH``.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

from arplatform.testing.conformance import NotificationChannelConformance

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
SECTION = "## A plugin package from scratch"
PACKAGE_FILES = {
    "pyproject.toml",
    "src/arplatform_notification_acme/__init__.py",
    "src/arplatform_notification_acme/channel.py",
    "src/arplatform_notification_acme/plugin.py",
    "tests/test_acme_conformance.py",
}
# A line naming a file in backticks and ending with ":", then its fenced block.
FILE_BLOCK = re.compile(r"^`([^`\n]+)`:\n\n```[\w-]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def skeleton_files(guide: str) -> dict[str, str]:
    """Each file of the section as ``{relative path: content}``."""
    start = guide.index(f"\n{SECTION}\n")
    end = guide.find("\n## ", start + len(SECTION))
    section = guide[start : end if end != -1 else len(guide)]
    return {path: content for path, content in FILE_BLOCK.findall(section)}


def conformance_test_names() -> list[str]:
    return [
        name
        for name, _ in inspect.getmembers(NotificationChannelConformance, inspect.isfunction)
        if name.startswith("test_")
    ]


def test_the_guide_holds_the_whole_package() -> None:
    files = skeleton_files(GUIDE.read_text(encoding="utf-8"))

    assert set(files) == PACKAGE_FILES


def test_the_package_passes_the_conformance_kit(tmp_path: Path) -> None:
    for relative, content in skeleton_files(GUIDE.read_text(encoding="utf-8")).items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "src"), *_pythonpath()])}

    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "tests"), "-p", "no:cacheprovider", "-v"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for name in conformance_test_names():
        assert re.search(rf"::TestAcmeOutboxChannel::{name} PASSED", output), (name, output)
    summary = re.search(r"=+ (\d+) passed in ", output)
    assert summary is not None, output
    assert int(summary.group(1)) > len(conformance_test_names()), "the guide's own test ran too"


def _pythonpath() -> list[str]:
    existing = os.environ.get("PYTHONPATH", "")
    return [entry for entry in existing.split(os.pathsep) if entry]
