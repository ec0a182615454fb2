"""Progress of a long report step, told to whoever waits for it (a background job's
status page). A callback ``progress(percent, step, detail)``: ``percent`` 0–100 of the
step that calls it, ``step`` a code the status page translates (:data:`STEPS`),
``detail`` plain facts (a unit code, a sheet name), never translated."""
from __future__ import annotations

from typing import Callable

from flask_babel import lazy_gettext as _l

Progress = Callable[[int, str, str], None]

#: Step codes and what the status page says of them (``%(detail)s``: the facts).
STEPS = {
    "queued": _l("Waiting for its turn"),
    "reading": _l("Reading the data"),
    "units": _l("Computing the figures of every unit"),
    "unit": _l("Computing the figures of unit %(detail)s"),
    "channels": _l("Computing the channels and hiding small figures"),
    "sheet": _l("Writing sheet %(detail)s"),
    "saving": _l("Saving the version"),
    "xlsx": _l("Writing the XLSX file"),
    "csv": _l("Writing the CSV files"),
    "pdf": _l("Writing the PDF file"),
    "freezing": _l("Freezing the files"),
    "done": _l("Finished"),
    "failed": _l("Stopped"),
}


def nothing(percent: int, step: str, detail: str = "") -> None:
    """No one is waiting (the command line, the tests)."""


def scaled(progress: Progress, low: int, high: int) -> Progress:
    """``progress`` with 0–100 mapped onto ``low``–``high``: a part of a longer job."""
    def told(percent: int, step: str, detail: str = "") -> None:
        progress(low + (high - low) * max(0, min(100, percent)) // 100, step, detail)
    return told


def describe(step: str, detail: str) -> str:
    """What the status page says of a step, in the current language."""
    text = str(STEPS.get(step, STEPS["reading"]))
    return text % {"detail": detail} if "%(detail)s" in text else text
