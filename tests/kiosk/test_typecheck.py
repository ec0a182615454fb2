"""The kiosk's JavaScript passes the TypeScript checker (JSDoc types, strict).

TypeScript comes from npm into the virtualenv (``make kiosk-typecheck-deps``, which
``make test`` runs): ``<venv>/node/node_modules/.bin/tsc``. Only a machine without
Node.js skips this; Node.js without that install fails, saying how to install it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KIOSK = ROOT / "kiosk"
TSC = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "tsc"
#: The page's modules (DOM) and the service worker (its own global scope).
PROJECTS = {"page": KIOSK / "tsconfig.json", "service worker": KIOSK / "tsconfig.sw.json"}


def tsc(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(TSC), "--noEmit", "--pretty", "false", "-p", str(project)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def checker() -> Path:
    if shutil.which("node") is None:
        message = "Node.js is not installed: the kiosk's type check needs it (and npm)"
        if os.environ.get("CI"):  # make test installs it; in CI a missing check is a failure
            pytest.fail(message + "; make system-deps installs nodejs and npm")
        pytest.skip(message)
    if not TSC.exists():
        pytest.fail(f"TypeScript is missing at {TSC}: run `make kiosk-typecheck-deps` "
                    f"(npm install --prefix {TSC.parents[2]} typescript@5)")
    return TSC


@pytest.mark.parametrize("name", PROJECTS)
def test_kiosk_javascript_type_checks(checker, name):
    result = tsc(PROJECTS[name])
    assert result.returncode == 0, f"tsc ({name}):\n{result.stdout}{result.stderr}"


def test_every_page_module_asks_for_the_check():
    """``// @ts-check`` first, so editors check each module as it is edited, too."""
    modules = sorted((KIOSK / "js").glob("*.js"))
    assert len(modules) >= 7
    unchecked = [m.name for m in modules if not m.read_text(encoding="utf-8").startswith(
        "// @ts-check\n")]
    assert unchecked == []


def test_the_check_catches_a_type_error(checker, tmp_path):
    """The check is not vacuous: a copy of the kiosk with one wrong type fails it."""
    copy = tmp_path / "kiosk"
    shutil.copytree(KIOSK, copy, ignore=shutil.ignore_patterns("*.md", "*.sh", "*.service"))
    util = copy / "js" / "util.js"
    util.write_text(util.read_text(encoding="utf-8") +
                    '\n/** @type {number} */\nexport const wrong = "not a number";\n',
                    encoding="utf-8")
    result = tsc(copy / "tsconfig.json")
    assert result.returncode != 0 and "TS2322" in result.stdout, result.stdout
