"""Translation upkeep: ``python tools/i18n.py update|check|apply FILE.json|compile``.

- update: extract messages from code and templates, merge into vi and en catalogs,
  and fill the en catalog (English is the source language of msgids).
- apply FILE.json: merge ``{"English msgid": "Vietnamese text"}`` into the vi catalog.
- check: list untranslated or fuzzy entries; exit 1 if any.
- compile: build the .mo files the app loads.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "survey" / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("vi", "en")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True,
                   cwd=ROOT)


def load(locale: str):
    with po_path(locale).open("rb") as fh:
        return read_po(fh, locale=locale)


def save(locale: str, catalog) -> None:
    with po_path(locale).open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True,
                 include_previous=False)


def update() -> None:
    pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(POT),
            "--no-location", "--sort-output", "--project", "bhtn-survey", "--omit-header", ".")
    for locale in LOCALES:
        command = "update" if po_path(locale).exists() else "init"
        extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []
        pybabel(command, "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, *extra)
    catalog = load("en")
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
    save("en", catalog)


def apply(path: str) -> None:
    catalog = load("vi")
    pairs = json.loads(Path(path).read_text("utf-8"))
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in pairs:
            value = pairs[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
    save("vi", catalog)


def untranslated(locale: str) -> list[str]:
    missing = []
    for message in load(locale):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def check() -> int:
    status = 0
    for locale in LOCALES:
        for msgid in untranslated(locale):
            print(f"{locale}: untranslated: {msgid!r}")
            status = 1
    return status


def compile_catalogs() -> None:
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "apply":
        apply(sys.argv[2])
    elif command == "compile":
        compile_catalogs()
    else:
        sys.exit(check())
