"""survey/analysis must stay a pure library: no Flask, SQLAlchemy or Werkzeug."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "survey" / "analysis"
FORBIDDEN = {"flask", "sqlalchemy", "werkzeug", "flask_sqlalchemy"}

# Load survey/analysis as a top-level package named "analysis" so that the parent
# survey/__init__.py (the Flask app factory) is never executed.
PROBE = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location(
    "analysis", {str(PACKAGE / "__init__.py")!r}, submodule_search_locations=[{str(PACKAGE)!r}]
)
module = importlib.util.module_from_spec(spec)
sys.modules["analysis"] = module
spec.loader.exec_module(module)
assert module.proportion_interval(50, 57).method == "wilson"
print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r}))
"""


def test_standalone_import_pulls_in_no_web_framework() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, cwd=PACKAGE
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_modules_use_only_relative_internal_imports() -> None:
    """Absolute imports of survey.* would load the Flask app package."""
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            roots = {name.split(".")[0] for name in names}
            assert not roots & (FORBIDDEN | {"survey"}), f"{path.name} imports {names}"
            assert roots <= {
                "__future__",
                "math",
                "numbers",
                "collections",
                "dataclasses",
                "typing",
                "numpy",
                "scipy",
            }, f"{path.name} imports {names}"
