"""Build steps setup.cfg cannot express; everything else is declared in setup.cfg.

Building the wheel (not an editable install, which uses the checkout as it is):

- copies ``migrations/`` and the kiosk's web app ``kiosk/`` from the top of the checkout
  into the package as ``survey/_migrations`` and ``survey/_kiosk``
  (``survey/resources.py`` finds them there);
- compiles the translation catalogs (``.po``) into the ``.mo`` files Flask-Babel loads.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: The kiosk's web app: the files survey/kiosk/routes.py serves (SERVED_SUFFIXES). Anything
#: else in kiosk/ (type-check settings, ...) stays out; so does the device set-up, which
#: lives in deploy/kiosk/.
KIOSK_SUFFIXES = {".html", ".js", ".css", ".svg", ".png", ".webmanifest", ".ico"}
#: Top-level folder -> (where it goes inside the package, as in survey/resources.py,
#: which of its files).
BUNDLED = {
    "migrations": ("survey/_migrations", lambda path: path.suffix not in {".pyc", ".pyo"}),
    "kiosk": ("survey/_kiosk", lambda path: path.suffix in KIOSK_SUFFIXES),
    # The admin's methodology page shows it (survey/admin/methodology.py).
    "docs": ("survey/_docs", lambda path: path.name == "methodology.md"),
}


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        build_lib = Path(self.build_lib)
        for source, (target, wanted) in BUNDLED.items():
            shutil.rmtree(build_lib / target, ignore_errors=True)
            copy_files(HERE / source, build_lib / target, wanted)
        compile_catalogs(build_lib / "survey" / "translations")


def copy_files(source: Path, target: Path, wanted) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        hidden = any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
        if path.is_file() and not hidden and wanted(path):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)


def compile_catalogs(root: Path) -> None:
    """What ``pybabel compile`` does: fuzzy entries are left out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(root.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildPy})
