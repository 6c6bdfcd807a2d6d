#!/usr/bin/env python3
"""The two commands of a fresh clone: ``python3 dev.py run`` and ``python3 dev.py test``.

Both create ``.venv`` on first use and (re)install the project whenever its
``pyproject.toml`` files change; nothing else needs installing by hand.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".arplatform-installed"


def _requirements_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted([ROOT / "pyproject.toml", *ROOT.glob("plugins/*/pyproject.toml")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _run(*command: str | Path, env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(part) for part in command], cwd=ROOT, env=env)  # noqa: S603


def ensure_environment() -> None:
    """Create the virtualenv and install the project with its test tools, once per change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before the venv exists
        sys.exit(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]})")
    if not (BIN / "python").exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = _requirements_digest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("Installing arplatform and its dependencies into .venv …", flush=True)
    pip = [BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    plugins = [f"-e{path.parent}" for path in sorted(ROOT.glob("plugins/*/pyproject.toml"))]
    if _run(*pip, "--upgrade", "pip") != 0 or _run(*pip, "-e", ".[test]", *plugins) != 0:
        sys.exit("Installation failed; see the messages above.")
    STAMP.write_text(digest)


def run(args: list[str]) -> int:
    """Migrate the embedded SQLite database, create the demo tenant once, serve on :8000."""
    return _run(BIN / "arplatform", "demo", *args)


def test(args: list[str]) -> int:
    """Lint, format check, type check, then the whole pytest suite."""
    linted = ("src", "tests", "plugins", "migrations", "bench", "dev.py")
    plugin_sources = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("plugins/*/src"))
    checks = [
        (BIN / "ruff", "check", *linted),
        (BIN / "ruff", "format", "--check", *linted),
        (BIN / "mypy", "src", *plugin_sources),
    ]
    for check in checks:
        print("$", " ".join(str(part) for part in check[1:]), flush=True)
        if _run(*check) != 0:
            return 1
    return _run(BIN / "python", "-m", "pytest", *args)


def main() -> int:
    verbs = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in verbs:
        print(__doc__)
        return 2
    ensure_environment()
    return verbs[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
