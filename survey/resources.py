"""Where the folders that live at the top of the checkout are found at run time.

``migrations/`` (Alembic), ``kiosk/`` (the kiosk's web app) and ``docs/methodology.md``
(the admin's methodology page) stay at the top of the repository; building the wheel
copies them into the package as ``survey/_migrations``, ``survey/_kiosk`` and
``survey/_docs`` (see ``setup.py``). An installed wheel finds them there; a
checkout or an editable install, which has no such copies, uses the top-level folders.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: The checkout's top folder, when running from source or an editable install.
CHECKOUT = Path(__file__).resolve().parent.parent

#: Packaged name (inside ``survey``) -> folder at the top of the checkout.
BUNDLED = {"_migrations": "migrations", "_kiosk": "kiosk", "_docs": "docs"}


def _bundled(name: str) -> Path:
    # Wheels are always unpacked on disk, so the package's files are plain paths.
    packaged = Path(str(files("survey") / name))
    return packaged if packaged.is_dir() else CHECKOUT / BUNDLED[name]


def migrations_dir() -> Path:
    """The Alembic folder (``env.py``, ``versions/``) Flask-Migrate runs."""
    return _bundled("_migrations")


def kiosk_client_dir() -> Path:
    """The kiosk's web app served under ``/kiosk/`` (``index.html``, ``sw.js``, ...)."""
    return _bundled("_kiosk")


def methodology_path() -> Path:
    """docs/methodology.md, which the methodology page of the admin shows."""
    return _bundled("_docs") / "methodology.md"
