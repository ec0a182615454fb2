"""Responses over several quarters for the trend tests (shared, built once).

NA's counters get responses in 2025-Q1, Q2, Q4 and 2026-Q1–Q3 (none in 2025-Q3 or
before 2025), on several days each, satisfaction rising from about 55 % to 90 % with a
dip in 2026-Q1. Each day has its own level (days differ more than chance), so that the
clustered standard errors exceed the simple ones and n* < n.
"""
from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest

from survey.models import Channel

from ..conftest import SHARED_DATA

UTC = dt.timezone.utc
COUNTERS = ["NA-VINH-Q1", "NA-VINH-Q2", "NA-DEMO1-Q1"]
#: Quarter → share of satisfied answers aimed at (2025-Q3: no responses at all).
PLAN = {(2025, 1): 0.55, (2025, 2): 0.62, (2025, 4): 0.72, (2026, 1): 0.40,
        (2026, 2): 0.86, (2026, 3): 0.92}
DAYS = 4
PER_DAY = 4


def build_series(session) -> dict[tuple[int, int], int]:
    """Store the responses; returns quarter → number of responses."""
    from survey.services import catalogue
    from survey.services.intake.responses import NewResponse, submit_response

    questionnaire = catalogue.current_questionnaire(session)
    units = [catalogue.unit_by_code(session, code) for code in COUNTERS]
    rnd = random.Random(2026)
    counts: dict[tuple[int, int], int] = {}
    for (year, quarter), share in PLAN.items():
        for unit in units:
            for day in range(DAYS):
                day_share = min(max(share + rnd.uniform(-0.25, 0.25), 0.0), 1.0)
                when = dt.datetime(year, 3 * quarter - 2, 5 + 15 * day // 2, 3, tzinfo=UTC)
                when += dt.timedelta(days=30 * (day % 2))
                for _ in range(PER_DAY):
                    value = 5 if rnd.random() < day_share else 2
                    answers = {c: value for c in questionnaire.item_codes()}
                    submit_response(session, NewResponse(
                        id=uuid.uuid4(), unit=unit, questionnaire=questionnaire,
                        channel=Channel.qr, locale="vi", answers=answers, service=None,
                        submitted_at=when))
                    counts[(year, quarter)] = counts.get((year, quarter), 0) + 1
    return counts


#: Built once and shared by consecutive tests that use ``series`` (see tests/conftest.py).
SHARED_DATA["trend_series"] = build_series


@pytest.fixture
def series(demo, shared_data) -> dict[tuple[int, int], int]:
    """Responses in six of the eight quarters 2024-Q4 … 2026-Q3 (see the module)."""
    return shared_data("trend_series")
