"""docs/architecture.md is generated from the code and must describe what is there."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_architecture_doc_is_up_to_date():
    result = subprocess.run([sys.executable, "tools/architecture.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_analysis_imports_nothing_else_of_the_app():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import architecture
    finally:
        sys.path.pop(0)
    assert architecture.imports().get("analysis", set()) == set()
