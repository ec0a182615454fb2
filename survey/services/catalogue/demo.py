"""Synthetic responses for the demo units, so that a newcomer sees a real index."""
from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import Channel, Unit, UnitKind, utcnow
from .. import catalogue
from ..errors import ServiceError
from ..intake.responses import NewResponse, submit_response

#: Only these demo counters receive synthetic responses: never a real unit.
DEMO_PREFIX = "NA-DEMO"
#: Latent moods of respondents; with the rating noise about 85 % of answers are 4 or 5,
#: close to the targets, so that verdicts and intervals are worth looking at.
MOODS = (5.0, 4.9, 4.8, 4.7, 4.6, 4.5, 4.3, 3.0)


def demo_counters(session: Session) -> list[Unit]:
    return list(session.scalars(
        sa.select(Unit).where(Unit.code.startswith(DEMO_PREFIX), Unit.kind == UnitKind.counter)
        .order_by(Unit.code)))


def _answer(rng: random.Random, mood: float) -> int:
    """A 1–5 rating around a respondent's overall mood (a latent 1–5 score)."""
    return max(1, min(5, round(rng.gauss(mood, 0.7))))


def add_demo_responses(session: Session, count: int, days: int = 180, seed: int = 2269,
                       now: Optional[dt.datetime] = None) -> int:
    """Store ``count`` synthetic responses at the demo counters over the last ``days``.

    Answers are correlated within a respondent (one latent mood per person), about
    one in twelve dimension answers is "not applicable", and about a quarter of the
    items are skipped, as on real phones. Returns how many were stored.
    """
    counters = demo_counters(session)
    if not counters:
        raise ServiceError(_l("There are no demo counters: run “flask survey seed-demo” on an "
                              "empty database first."))
    if not 1 <= count <= 100_000:
        raise ServiceError(_l("The count must be between 1 and 100000."))
    questionnaire = catalogue.current_questionnaire(session)
    services = catalogue.active_services(session)
    rng, now = random.Random(seed), now or utcnow()
    for _ in range(count):
        mood = rng.choice(MOODS)
        answers: dict[str, Optional[int]] = {"overall": _answer(rng, mood)}
        for item in questionnaire.items[1:]:
            roll = rng.random()
            if roll < 0.08:
                answers[item.code] = None
            elif roll < 0.80:
                answers[item.code] = _answer(rng, mood)
        submit_response(session, NewResponse(
            id=uuid.uuid4(), unit=rng.choice(counters), questionnaire=questionnaire,
            channel=Channel.qr, locale="vi" if rng.random() < 0.93 else "en",
            answers=answers, service=rng.choice(services),
            submitted_at=now - dt.timedelta(seconds=rng.uniform(0, days * 86400))))
    return count
