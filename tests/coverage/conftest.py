"""Helpers for the coverage tests: CSV lines and rows of counts."""
from __future__ import annotations

import pytest

from survey.models.coverage import COUNT_FIELDS

HEADER = "month,unit," + ",".join(COUNT_FIELDS)
#: Reporting units of the demo tree (centre and branches; NA is the province).
REPORTERS = ("NA-VINH", "NA-DEMO1", "NA-DEMO2")


def line(month: str, unit: str, applicants=100, counselling_asked=90, counselled=90,
         referral_asked=40, referred=32, placed=20, training_supported=4) -> str:
    return ",".join(str(v) for v in (month, unit, applicants, counselling_asked, counselled,
                                     referral_asked, referred, placed, training_supported))


def csv(*lines: str) -> bytes:
    return ("\n".join((HEADER,) + lines) + "\n").encode()


def row(month: str, unit: str, **counts) -> dict:
    values = dict(zip(["month", "unit", *COUNT_FIELDS], line(month, unit, **counts).split(",")))
    return {key: (int(value) if key in COUNT_FIELDS else value) for key, value in values.items()}


@pytest.fixture
def english(app):
    from flask_babel import force_locale

    with force_locale("en"):
        yield
