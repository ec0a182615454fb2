"""Synthetic responses for the demo units, so that a newcomer sees a real index.

With them, served counts consistent with the responses, so that response rates show.
"""
from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import Channel, QuestionnaireItem, Response, ResponseStatus, Unit, UnitKind, utcnow
from ...models.questionnaires import NEED, RATING, TRIPS, YES_NO
from ...timeutil import local_date
from .. import catalogue
from ..errors import ServiceError
from ..intake.responses import NewResponse, submit_response
from ..intake.sampling import asked_items
from ..reporting.served import import_served_csv

#: Only these demo counters receive synthetic responses: never a real unit.
DEMO_PREFIX = "NA-DEMO"
#: Latent moods of respondents; with the rating noise about 85 % of answers are 4 or 5,
#: close to the targets, so that verdicts and intervals are worth looking at.
MOODS = (5.0, 4.9, 4.8, 4.7, 4.6, 4.5, 4.3, 3.0)
#: Share of the claimants served who answer, drawn once per demo counter from this range.
RESPONSE_RATES = (0.25, 0.45)
#: Number of trips (1, 2, 3, 4 or more) and how often each is answered.
TRIP_WEIGHTS = (0.62, 0.25, 0.09, 0.04)


def demo_counters(session: Session) -> list[Unit]:
    return list(session.scalars(
        sa.select(Unit).where(Unit.code.startswith(DEMO_PREFIX), Unit.kind == UnitKind.counter)
        .order_by(Unit.code)))


def _answer(rng: random.Random, mood: float) -> int:
    """A 1–5 rating around a respondent's overall mood (a latent 1–5 score)."""
    return max(1, min(5, round(rng.gauss(mood, 0.7))))


def _item_answer(rng: random.Random, item: QuestionnaireItem, mood: float
                 ) -> tuple[bool, Optional[int]]:
    """(answered, value) for one asked item; ``None`` is "not applicable"."""
    roll = rng.random()
    if item.kind == RATING:
        if roll < 0.08:
            return True, None
        return (True, _answer(rng, mood)) if roll < 0.80 else (False, None)
    if roll < 0.05:
        return True, None  # "I do not remember"
    if item.kind == YES_NO:  # yes (1) is the bad answer, rarer among the satisfied
        return True, 1 if rng.random() < (0.03 if mood >= 4 else 0.15) else 2
    if item.kind == TRIPS:
        return True, rng.choices((1, 2, 3, 4), weights=TRIP_WEIGHTS)[0]
    return False, None


#: Coverage items (kind ``need``) in the demo: item code → (share who did not need it,
#: share of "yes" among those who did for a satisfied / a dissatisfied claimant).
NEED_PROFILES = {"cov_counselling": (0.35, 0.97, 0.80), "cov_referral": (0.25, 0.88, 0.65)}


def _need_answers(items, service: Optional[str], mood: float, seed: int
                  ) -> dict[str, Optional[int]]:
    """Plausible answers to the coverage items asked of a claimant of ``service``
    (about one in ten skipped; ``None``: "I did not need it"). A generator of their own
    (``seed``), so that adding these items leaves the other demo answers as they were."""
    rng = random.Random(seed)
    answers: dict[str, Optional[int]] = {}
    for item in items:
        if item.kind != NEED or (item.services and service not in item.services):
            continue
        no_need, happy, unhappy = NEED_PROFILES.get(item.code, (0.3, 0.9, 0.7))
        roll = rng.random()
        if roll < 0.10:
            continue
        if roll < 0.10 + 0.90 * no_need:
            answers[item.code] = None
        else:
            answers[item.code] = 1 if rng.random() < (happy if mood >= 4 else unhappy) else 2
    return answers


def add_demo_responses(session: Session, count: int, days: int = 180, seed: int = 2269,
                       now: Optional[dt.datetime] = None) -> int:
    """Store ``count`` synthetic responses at the demo counters over the last ``days``.

    Each respondent is asked what the current questionnaire asks them (one item per
    dimension when it samples items). Answers are correlated within a respondent (one
    latent mood per person), about one in twelve ratings is "not applicable", and about
    a quarter of the items are skipped, as on real phones. Returns how many were stored.
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
        response_id = uuid.uuid4()
        mood = rng.choice(MOODS)
        answers: dict[str, Optional[int]] = {"overall": _answer(rng, mood)}
        asked = asked_items(questionnaire, str(response_id))
        for item in asked:
            if item.code in answers or item.kind == NEED:  # overall: answered above
                continue
            answered, value = _item_answer(rng, item, mood)
            if answered:
                answers[item.code] = value
        unit = rng.choice(counters)
        locale = "vi" if rng.random() < 0.93 else "en"
        service = rng.choice(services)
        answers.update(_need_answers(asked, service.code, mood, response_id.int))
        submit_response(session, NewResponse(
            id=response_id, unit=unit, questionnaire=questionnaire,
            channel=Channel.qr, locale=locale, answers=answers, service=service,
            submitted_at=now - dt.timedelta(seconds=rng.uniform(0, days * 86400))))
    return count


def demo_served_counts(session: Session, seed: int = 2269) -> dict[tuple[str, str], int]:
    """Claimants served at each demo counter, consistent with its valid responses:
    (period code, unit code) → count, for every month, quarter and year with responses.

    Each counter answers for a share of the people it served drawn once from
    :data:`RESPONSE_RATES`, so its count is its responses divided by that share. A
    quarter or a year counts the months of the demo period only: a count for a whole
    year would make its months before the demo period look unanswered.
    """
    rng = random.Random(seed)
    counters = {unit.id: unit for unit in demo_counters(session)}
    rates = {unit_id: rng.uniform(*RESPONSE_RATES) for unit_id in counters}
    rows = session.execute(sa.select(Response.unit_id, Response.submitted_at).where(
        Response.unit_id.in_(list(counters)), Response.status == ResponseStatus.valid))
    answered = Counter((unit_id, local_date(moment).replace(day=1)) for unit_id, moment in rows)
    served: Counter[tuple[str, str]] = Counter()
    for (unit_id, month), n in answered.items():
        count = max(n, round(n / rates[unit_id]))
        code = counters[unit_id].code
        for period in (f"{month:%Y-%m}", f"{month.year}-Q{(month.month - 1) // 3 + 1}",
                       str(month.year)):
            served[(period, code)] += count
    return dict(served)


def import_demo_served(session: Session, seed: int = 2269) -> int:
    """Import :func:`demo_served_counts` as a served-count CSV would be (replacing the
    demo counters' earlier counts for the same periods); returns how many rows. Flushes."""
    counts = demo_served_counts(session, seed)
    lines = ["period,unit,service,count"] + [
        f"{period},{unit},,{count}" for (period, unit), count in sorted(counts.items())]
    import_served_csv(session, "\n".join(lines).encode())
    return len(counts)


def add_demo_stuffing(session: Session, now: Optional[dt.datetime] = None) -> int:
    """A scripted stuffing episode at the first demo counter, for the data-quality view:
    a few posts over the per-client limit (stored flagged, as the form does), and a
    burst of identical "very satisfied" answers within minutes, flagged by the scan
    (:mod:`survey.services.quality.scan`). Returns how many responses are flagged."""
    from ..intake.ratelimit import RATE_CLIENT
    from ..intake.responses import store_responses
    from ..quality.scan import scan
    from ..reporting.periods import parse_period

    counters = demo_counters(session)
    if not counters:
        return 0
    now = now or utcnow()
    questionnaire = catalogue.current_questionnaire(session)

    def very_satisfied(response_id: uuid.UUID) -> dict[str, Optional[int]]:
        return {item.code: 5 for item in asked_items(questionnaire, str(response_id))
                if item.kind == RATING}

    ids = [uuid.uuid4() for _ in range(36)]
    burst = [NewResponse(id=rid, unit=counters[0], questionnaire=questionnaire,
                         channel=Channel.qr, locale="vi", answers=very_satisfied(rid),
                         submitted_at=now - dt.timedelta(minutes=30, seconds=4 * i))
             for i, rid in enumerate(ids[:30])]
    over = [NewResponse(id=rid, unit=counters[0], questionnaire=questionnaire,
                        channel=Channel.qr, locale="vi", answers=very_satisfied(rid),
                        submitted_at=now - dt.timedelta(hours=3, seconds=5 * i),
                        status=ResponseStatus.flagged, status_reason=RATE_CLIENT)
            for i, rid in enumerate(ids[30:])]
    store_responses(session, burst + over)
    found = scan(session, parse_period(local_date(burst[0].submitted_at or now)
                                       .strftime("%Y-%m")))
    return len(over) + sum(found.flagged.values())
#: The dashboard's demo: per demo counter, (responses per quarter, mood shift in the
#: oldest quarter, shift gained per quarter). NA-DEMO1-Q1 improves quarter after
#: quarter (a trend); NA-DEMO2-Q1 stays low (a unit below the target); NA-DEMO1-Q2
#: gets a handful (too few responses for a verdict).
DASHBOARD_PROFILES = {"NA-DEMO1-Q1": (160, -0.7, 0.22), "NA-DEMO1-Q2": (6, 0.0, 0.0),
                      "NA-DEMO2-Q1": (110, -0.5, 0.0)}
#: Quarters of demo data, the current one included.
DASHBOARD_QUARTERS = 5


def add_dashboard_demo(session: Session, seed: int = 2269,
                       now: Optional[dt.datetime] = None) -> int:
    """Responses at the demo counters over the last :data:`DASHBOARD_QUARTERS` quarters
    (:data:`DASHBOARD_PROFILES`), and served counts to go with them, so that the
    dashboard shows a trend, a unit below the target and one with too few responses.
    Returns how many responses were stored. Flushes."""
    from ..reporting.trend import containing, shifted

    rng, now = random.Random(seed), now or utcnow()
    counters = {unit.code: unit for unit in demo_counters(session)}
    questionnaire = catalogue.current_questionnaire(session)
    services = catalogue.active_services(session)
    today = local_date(now)
    current = containing(today.year, today.month, "quarter")
    stored = 0
    for age in range(DASHBOARD_QUARTERS - 1, -1, -1):
        quarter = shifted(current, age)
        start = quarter.start_utc
        end = min(quarter.end_utc, now)
        step = DASHBOARD_QUARTERS - 1 - age
        for code, (per_quarter, shift, gain) in DASHBOARD_PROFILES.items():
            unit = counters.get(code)
            if unit is None:
                continue
            count = per_quarter if age else max(1, per_quarter * 2 // 3)
            for _ in range(count):
                _store_demo(session, rng, unit, questionnaire, services,
                            start + (end - start) * rng.random(), shift + gain * step)
                stored += 1
    import_demo_served(session, seed)
    return stored


def _store_demo(session: Session, rng: random.Random, unit: Unit, questionnaire, services,
                moment: dt.datetime, shift: float) -> None:
    response_id = uuid.uuid4()
    mood = min(5.0, rng.choice(MOODS) + shift)
    answers: dict[str, Optional[int]] = {"overall": _answer(rng, mood)}
    asked = asked_items(questionnaire, str(response_id))
    for item in asked:
        if item.code not in answers and item.kind != NEED:
            answered, value = _item_answer(rng, item, mood)
            if answered:
                answers[item.code] = value
    channel = Channel.kiosk if rng.random() < 0.3 else Channel.qr
    codes = [r["code"] for r in questionnaire.definition.get("reasons", [])]
    low = channel == Channel.kiosk and (answers["overall"] or 5) <= 3 and codes
    flagged = channel == Channel.kiosk and rng.random() < 0.04
    locale = "vi" if rng.random() < 0.93 else "en"
    service = rng.choice(services)
    answers.update(_need_answers(asked, service.code, mood, response_id.int))
    submit_response(session, NewResponse(
        id=response_id, unit=unit, questionnaire=questionnaire, channel=channel,
        locale=locale, answers=answers,
        service=service, submitted_at=moment,
        reasons=rng.sample(codes, rng.randint(1, 2)) if low else (),
        status=ResponseStatus.flagged if flagged else ResponseStatus.valid,
        status_reason="too_fast" if flagged else None))
