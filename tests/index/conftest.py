"""Fixtures for the index tests: a small tree, seeded responses, raw-answer references."""
from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Optional

import pytest

import numpy as np

from survey.analysis import ClusterSums, StratumSums, clustered_composite
from survey.analysis.composite import answer_matrices
from survey.models import Channel
from survey.timeutil import local_date

from ..conftest import SHARED_DATA

UTC = dt.timezone.utc
#: Inside 2026-Q3 in Vietnam time (and in UTC).
IN_Q3 = dt.datetime(2026, 8, 10, 3, 0, tzinfo=UTC)


@dataclass
class Stored:
    """What was stored, kept per respondent to recompute with composite_index."""

    units: list[str] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    services: list[Optional[str]] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    #: Local calendar day of each response (with its unit: the PSU).
    days: list[dt.date] = field(default_factory=list)


def composite_keys(questionnaire) -> dict[str, list[str]]:
    """dimension → item codes of a questionnaire version (the overall item has none)."""
    return questionnaire.dimension_map()


def reference(stored: Stored, questionnaire, strata_of=None, served=None, keep=None,
              min_answers: int = 5, items: bool = False):
    """The clustered design on the raw per-respondent answers that were stored, by the
    rules of docs/methodology.md, computed here from scratch: PSU = (unit, local day);
    stratum = ``strata_of(unit)`` (default: the unit itself); ``served`` maps the counted
    strata to N_h, weight N_h/n_h; uncounted strata weigh ΣN/Σn of the counted ones;
    nothing counted: unweighted. ``items``: each rated item on its own (item rows)."""
    dims = composite_keys(questionnaire)
    if items:
        dims = {code: [code] for code in questionnaire.item_codes()}
    codes = [c for codes in dims.values() for c in codes]
    rows = [i for i in range(len(stored.answers)) if keep is None or keep(i)]
    answers = {c: [stored.answers[i].get(c) for i in rows] for c in codes}
    satisfied, answered = answer_matrices(answers, codes)
    strata = [(strata_of or (lambda u: u))(stored.units[i]) for i in rows]
    psus = [(stored.units[i], stored.days[i]) for i in rows]
    clusters = ClusterSums.from_answers(satisfied, answered, strata, psus, codes)
    n_h = {h: strata.count(h) for h in dict.fromkeys(strata)}
    weights = None
    served = {h: big_n for h, big_n in (served or {}).items() if h in n_h}
    if served:
        average = sum(served.values()) / sum(n_h[h] for h in served)
        weights = {h: served[h] / n if h in served else average for h, n in n_h.items()}
    member = np.array(strata, dtype=object)
    elements = {h: StratumSums.from_indicators(satisfied[member == h], answered[member == h])
                for h in n_h}
    return clustered_composite(clusters, dims, weights, elements=elements, min_answers=min_answers)


TREE = ["NA", "NA-VINH", "NA-VINH-Q1", "NA-VINH-Q2", "NA-DEMO1-Q1", "NA-DC"]


def add_second_centre(session) -> None:
    """NA-DC, a centre under NA, unless it is there already (under ``seeded``)."""
    from survey.models import Unit, UnitKind
    from survey.services import catalogue

    if catalogue.unit_by_code(session, "NA-DC") is None:
        session.add(Unit(code="NA-DC", parent=catalogue.unit_by_code(session, "NA"),
                         kind=UnitKind.centre, name_vi="Trung tâm Diễn Châu",
                         name_en="Trung tâm Diễn Châu"))
        session.flush()


def seed_responses(session) -> Stored:
    """~120 responses in 2026-Q3 spread over four units, services and channels, stored
    through the service layer (the same ones every time: a fixed random seed)."""
    from survey.services import catalogue
    from survey.services.intake.responses import NewResponse, submit_response

    add_second_centre(session)
    questionnaire = catalogue.current_questionnaire(session)
    units = {code: catalogue.unit_by_code(session, code) for code in TREE}
    rnd = random.Random(7)
    services = catalogue.active_services(session)
    stored = Stored()
    plan = [("NA-VINH-Q1", 45), ("NA-VINH-Q2", 30), ("NA-DEMO1-Q1", 25), ("NA-DC", 20)]
    for code, count in plan:
        for _ in range(count):
            answers = {c: rnd.choice([None, 2, 3, 4, 4, 5, 5, 5])
                       for c in questionnaire.item_codes()}
            answers["overall"] = rnd.choice([3, 4, 5])
            service = rnd.choice(services[:3])
            channel = rnd.choice(list(Channel))
            submitted = IN_Q3 + dt.timedelta(hours=rnd.randint(0, 500))
            submit_response(session, NewResponse(
                id=uuid.uuid4(), unit=units[code], questionnaire=questionnaire,
                channel=channel, locale="vi", answers=answers, service=service,
                submitted_at=submitted))
            stored.days.append(local_date(submitted))
            stored.units.append(code)
            stored.answers.append(answers)
            stored.services.append(service.code)
            stored.channels.append(channel.value)
    return stored


#: Built once and shared by consecutive tests that use ``seeded`` (see tests/conftest.py).
SHARED_DATA["seeded"] = seed_responses


@pytest.fixture
def tree(demo, db):
    """NA → NA-VINH → counters Q1–Q3 and the demo branches, plus a second centre."""
    from survey.services import catalogue

    add_second_centre(db.session)
    db.session.commit()
    return {code: catalogue.unit_by_code(db.session, code) for code in TREE}


@pytest.fixture
def seeded(tree, shared_data) -> Stored:
    """~120 responses in 2026-Q3 spread over four units, services and channels."""
    return shared_data("seeded")


@pytest.fixture
def english(app):
    """Render lazy strings in English outside a request (as the CLI does)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
