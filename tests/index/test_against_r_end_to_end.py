"""End to end against R ``survey``: every figure of ``flask survey index --format json``
and of ``GET /api/v1/index`` recomputed from the raw database rows.

Three random data sets (fixed seeds) are stored through the service layer: the demo
tree (NA → NA-VINH → counters and branches, plus NA-DC), responses on 10–20 local days
of 2026-Q3, several per counter-day, answers 1–5 with each item skipped at random
(planned missingness), served counts imported for NA-VINH and its counter NA-VINH-Q1
(as a quarter or as three months; in one data set for NA and a deeper counter too)
and never for NA-DC, whose responses all fall on one day (a lonely PSU). Noise the
index must ignore: flagged and excluded responses, responses just outside the quarter
in Vietnam's time, served counts for one service or another period.

The test reads back the valid responses of the quarter and their answers and derives
every design fact itself, by the rules of the stratified cluster design:

* a row covers the responses of a subtree (the total: the scope's; a ``by=unit`` row:
  a child's; "X (own responses)": the scope unit's own); dimension and item rows the
  whole scope;
* stratum: going up from the response's unit, but not above the row's root, the first
  unit with an imported served count for the period (all services); none → the
  response's own unit (an uncounted stratum);
* N_h = that unit's count minus the counts of the nearest counted units below it;
  weight N_h/n_h; in an uncounted stratum ΣN_h/Σn_h over the row's counted strata;
  no counted stratum → weights 1;
* PSU = unit × local date (Asia/Ho_Chi_Minh, UTC+7);
* items with fewer than ``MIN_ANSWERS`` (SURVEY_MIN_ITEM_ANSWERS) answers in the row stay
  out of their dimension, a
  dimension with no item left stays out of the composite.

One ``Rscript`` run per data set (``tests/analysis/r/reference.R``, design "clustered":
``svydesign(ids = ~psu, strata = ~stratum, weights = ~w)``, lonely PSU "adjust", no FPC,
the design effect against ``ids = ~1``) gives every row; the CLI's and the API's
estimate, se, low, high, df and deff must agree to 1e-6 absolute (only the estimate and
df where the interval falls back to Clopper–Pearson: estimate 0 or 1, or df < 1; R
refuses a design with a single PSU outright and gives only those). The harness
itself is checked against :func:`survey.analysis.clustered_composite` on the very rows
written for R, independently of the app.

Without ``Rscript`` (or the survey package) the R comparisons skip locally but FAIL when
the environment variable ``CI`` is set.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest
import sqlalchemy as sa

import survey
from survey.analysis import ClusterSums, clustered_composite, sums_from_answers
from survey.analysis.composite import answer_matrices
from tests.analysis.rscript import require_reference, run_reference_script

from ..conftest import SHARED_DATA

pytestmark = pytest.mark.r_survey

PERIOD = "2026-Q3"
UTC = dt.timezone.utc
VIETNAM = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh: no daylight saving
FIRST_DAY, LAST_DAY = dt.date(2026, 7, 1), dt.date(2026, 9, 30)
START_UTC = dt.datetime(2026, 7, 1, tzinfo=VIETNAM).astimezone(UTC)
END_UTC = dt.datetime(2026, 10, 1, tzinfo=VIETNAM).astimezone(UTC)
MONTHS = ("2026-07", "2026-08", "2026-09")
MIN_ANSWERS = 5
TOLERANCE = 1e-6
FIELDS = ("estimate", "se", "low", "high", "df", "deff")
COMPOSITE_DIMENSIONS = ("access", "procedure", "staff", "result", "feedback")
#: (scope, by) of every table compared; the total row is compared in each.
TABLES = (("NA", "unit"), ("NA", "dimension"), ("NA", "item"), ("NA-VINH", "unit"))

_QUESTIONNAIRE = json.loads((Path(survey.__file__).parent / "data" / "questionnaire_v1.json")
                            .read_text(encoding="utf-8"))
#: item code → its dimension (None for ``overall``), in questionnaire order.
ITEM_DIMENSION: dict[str, Optional[str]] = {
    item["code"]: item["dimension"] for item in _QUESTIONNAIRE["items"]}
ITEMS = tuple(ITEM_DIMENSION)

#: Latent-scale cut points of the answers 1|2, 2|3, 3|4, 4|5 (4–5 ⇔ latent > −0.5).
CUTS = np.array([-2.0, -1.2, -0.5, 0.3])


# --------------------------------------------------------------------------- data plan


@dataclass(frozen=True)
class Dataset:
    """One random data set: responses per unit and which units get served counts."""

    seed: int
    #: unit → (number of days with responses, fewest and most responses per day).
    units: dict[str, tuple[int, tuple[int, int]]]
    #: unit → "quarter" or "months": how its all-services count is imported.
    counted: dict[str, str]
    #: extra rows the all-services index must ignore: (period, unit, service?, count).
    ignored: tuple[tuple[str, str, bool, int], ...] = ()
    #: SD of the PSU (counter × day) effect on the latent scale.
    psu_sd: float = 0.5

    @property
    def name(self) -> str:
        return f"seed{self.seed}"


COMMON = {"NA-VINH-Q1": (8, (2, 6)), "NA-VINH-Q2": (6, (1, 5)), "NA-DEMO1-Q1": (5, (1, 5)),
          "NA-DEMO1-Q2": (3, (1, 4)), "NA-DEMO2-Q1": (3, (3, 5)), "NA-VINH": (3, (1, 3)),
          "NA-DC": (1, (9, 14)), "NA": (4, (3, 5))}
DATASETS = (
    Dataset(20260701, COMMON | {"NA-VINH-Q3": (4, (1, 4))},
            {"NA-VINH": "quarter", "NA-VINH-Q1": "quarter"},
            ignored=(("2026-Q3", "NA-DC", True, 400), ("2026-Q2", "NA-DC", False, 400)),
            psu_sd=0.4),
    # NA-VINH-Q3 has no responses: its row has no figure.
    Dataset(20260815, COMMON, {"NA-VINH": "months", "NA-VINH-Q1": "quarter"},
            ignored=(("2026-07", "NA-DC", False, 100),), psu_sd=0.9),
    # NA counted too (NA-DC falls in NA's stratum in the total), and a deeper counter;
    # NA-VINH-Q3 with too few answers for any dimension: no composite in its row.
    Dataset(20260930, COMMON | {"NA-VINH-Q3": (1, (2, 4))},
            {"NA": "quarter", "NA-VINH": "quarter", "NA-VINH-Q1": "months",
             "NA-DEMO1-Q2": "quarter"}, psu_sd=0.6),
)


def _parents(session) -> dict[str, Optional[str]]:
    from survey.models import Unit

    rows = session.execute(sa.select(Unit.id, Unit.code, Unit.parent_id)).all()
    code = {row.id: row.code for row in rows}
    return {row.code: code.get(row.parent_id) for row in rows}


def _subtree(parents: dict[str, Optional[str]], root: str) -> set[str]:
    found = {root}
    while True:
        more = {u for u, p in parents.items() if p in found} - found
        if not more:
            return found
        found |= more


def _local_moment(rng: np.random.Generator, day: dt.date) -> dt.datetime:
    """A moment on ``day`` in Vietnam's time: office hours, or late in the evening /
    just after midnight (a different UTC date), as a kiosk left on would record."""
    if rng.random() < 0.8:
        minutes = int(rng.integers(7 * 60, 17 * 60))
    elif rng.random() < 0.5:
        minutes = int(rng.integers(22 * 60, 24 * 60))
    else:
        minutes = int(rng.integers(0, 90))
    return dt.datetime(day.year, day.month, day.day, tzinfo=VIETNAM) + dt.timedelta(
        minutes=minutes, seconds=int(rng.integers(0, 60)))


def _answers(rng: np.random.Generator, shift: float, skip: dict[str, float]) -> dict:
    latent = shift + rng.normal(0.0, 1.0) + rng.normal(0.0, 0.8, size=len(ITEMS))
    values = (np.digitize(latent, CUTS) + 1).tolist()
    answers: dict[str, Optional[int]] = {}
    for code, value in zip(ITEMS, values):
        required = code == "overall"
        answers[code] = int(value) if required or rng.random() >= skip[code] else None
    return answers


def build(dataset: Dataset, session) -> dict[str, Any]:
    """Store ``dataset`` through the service layer: responses, noise, served counts."""
    from survey.models import Channel, ResponseStatus
    from survey.services import catalogue
    from survey.services.intake.responses import NewResponse, submit_response
    from survey.services.reporting.served import import_served_csv

    from .conftest import add_second_centre

    add_second_centre(session)
    rng = np.random.default_rng(dataset.seed)
    questionnaire = catalogue.current_questionnaire(session)
    services = catalogue.active_services(session)
    skip = {code: float(rng.uniform(0.2, 0.4)) for code in ITEMS}
    skip.update(feedback_1=0.5, feedback_2=0.55)  # the least asked
    all_days = [FIRST_DAY + dt.timedelta(days=d) for d in range((LAST_DAY - FIRST_DAY).days + 1)]
    middle = rng.choice(len(all_days) - 2, size=int(rng.integers(8, 17)), replace=False) + 1
    pool = [FIRST_DAY, LAST_DAY] + [all_days[int(i)] for i in sorted(middle)]

    def store(unit_code: str, moment: dt.datetime, answers: dict,
              status=ResponseStatus.valid) -> None:
        submit_response(session, NewResponse(
            id=uuid.UUID(int=int(rng.integers(0, 2**62)) << 64 | int(rng.integers(0, 2**62))),
            unit=catalogue.unit_by_code(session, unit_code), questionnaire=questionnaire,
            channel=list(Channel)[int(rng.integers(0, len(Channel)))], locale="vi",
            answers=answers, service=services[int(rng.integers(0, min(3, len(services))))],
            submitted_at=moment.astimezone(UTC), status=status))

    planned: Counter[str] = Counter()
    for unit_code, (days, (low, high)) in dataset.units.items():
        shift = float(rng.normal(1.0, 0.4))
        chosen = [FIRST_DAY, LAST_DAY] if unit_code == "NA-VINH-Q1" else []
        others = [d for d in pool if d not in chosen]
        chosen += [others[int(i)] for i in rng.choice(len(others), days - len(chosen),
                                                      replace=False)]
        for day in chosen:
            psu_shift = float(rng.normal(0.0, dataset.psu_sd))
            for _ in range(int(rng.integers(low, high + 1))):
                moment = _local_moment(rng, day)
                if day == LAST_DAY and moment.hour < 7:
                    moment = moment.replace(hour=23)  # stay inside the quarter
                store(unit_code, moment, _answers(rng, shift + psu_shift, skip))
                planned[unit_code] += 1
    # Noise: all-1 answers that would pull every figure down if they were counted.
    ones = {code: 1 for code in ITEMS}
    for status in (ResponseStatus.flagged, ResponseStatus.excluded):
        store("NA-VINH-Q1", dt.datetime(2026, 8, 3, 10, tzinfo=VIETNAM), ones, status)
    store("NA-VINH-Q1", dt.datetime(2026, 6, 30, 23, 50, tzinfo=VIETNAM), ones)  # Q2
    store("NA-VINH-Q2", dt.datetime(2026, 10, 1, 0, 10, tzinfo=VIETNAM), ones)  # Q4 (UTC 30/9)

    # Served counts: generous multiples of the responses of each stratum, deepest first.
    parents = _parents(session)

    def depth(unit: Optional[str]) -> int:
        return 0 if unit is None else 1 + depth(parents[unit])

    counts: dict[str, int] = {}
    for unit_code in sorted(dataset.counted, key=lambda u: -depth(u)):
        inside = _subtree(parents, unit_code)
        below = [u for u in counts if u in inside and u != unit_code]
        nearest = [u for u in below if not any(u in _subtree(parents, v) and u != v
                                               for v in below)]
        covered = set().union(*(_subtree(parents, u) for u in nearest)) if nearest else set()
        rest = sum(n for u, n in planned.items() if u in inside and u not in covered)
        counts[unit_code] = sum(counts[u] for u in nearest) + int(
            math.ceil(max(rest, 1) * rng.uniform(2.0, 15.0)))
    lines = ["period,unit,service,count"]
    for unit_code, how in dataset.counted.items():
        if how == "quarter":
            lines.append(f"{PERIOD},{unit_code},,{counts[unit_code]}")
        else:
            first, second = counts[unit_code] // 3, counts[unit_code] // 4
            for month, part in zip(MONTHS, (first, second, counts[unit_code] - first - second)):
                lines.append(f"{month},{unit_code},,{part}")
    for period, unit_code, one_service, count in dataset.ignored:
        lines.append(f"{period},{unit_code},{services[0].code if one_service else ''},{count}")
    import_served_csv(session, ("\n".join(lines) + "\n").encode())
    return {"planned": sum(planned.values()), "noise": 4, "counts": counts}


for _dataset in DATASETS:
    SHARED_DATA[f"r_e2e_{_dataset.name}"] = (lambda d: lambda session: build(d, session))(_dataset)


# --------------------------------------------------------------------------- raw rows


@dataclass(frozen=True)
class Raw:
    """One valid response of the quarter as stored."""

    unit: str
    submitted_at: dt.datetime
    answers: dict[str, Optional[int]]

    @property
    def day(self) -> dt.date:
        return self.submitted_at.astimezone(VIETNAM).date()


@dataclass
class Stored:
    """Everything read back from the database."""

    responses: list[Raw]
    parents: dict[str, Optional[str]]
    counts: dict[str, int]  # imported all-services count for the quarter, per unit
    all_responses: int


def read_back(session) -> Stored:
    """The raw rows: valid responses submitted in the quarter (local time), their
    answers, the unit tree and the all-services served counts of the quarter."""
    from survey.models import Answer, Response, ResponseStatus, ServedCount, Unit

    in_period = (Response.status == ResponseStatus.valid, Response.submitted_at >= START_UTC,
                 Response.submitted_at < END_UTC)
    rows = session.execute(sa.select(Response.id, Unit.code, Response.submitted_at)
                           .join(Unit, Response.unit_id == Unit.id).where(*in_period)).all()
    answers: dict[Any, dict[str, Optional[int]]] = {row.id: {} for row in rows}
    for response_id, code, value in session.execute(
            sa.select(Answer.response_id, Answer.item_code, Answer.value)
            .join(Response, Answer.response_id == Response.id).where(*in_period)):
        answers[response_id][code] = value
    responses = [Raw(row.code, row.submitted_at.astimezone(UTC),
                     {code: answers[row.id].get(code) for code in ITEMS}) for row in rows]
    imported: dict[tuple[str, str], int] = {}
    for period, code, count in session.execute(
            sa.select(ServedCount.period, Unit.code, ServedCount.count)
            .join(Unit, ServedCount.unit_id == Unit.id)
            .where(ServedCount.service_id.is_(None))):
        imported[period, code] = count
    counts = {}
    for code in {code for _period, code in imported}:
        if (PERIOD, code) in imported:
            counts[code] = imported[PERIOD, code]
        elif all((month, code) in imported for month in MONTHS):
            counts[code] = sum(imported[month, code] for month in MONTHS)
    total = session.scalar(sa.select(sa.func.count()).select_from(Response))
    return Stored(responses, _parents(session), counts, total)


# --------------------------------------------------------------------------- design facts


@dataclass
class Design:
    """One report row as an R data set: its responses with stratum, PSU and weight,
    and the items of each dimension that have enough answers in it."""

    name: str
    root: str
    responses: list[Raw]
    stratum: list[str] = field(default_factory=list)
    psu: list[str] = field(default_factory=list)
    weight: dict[str, float] = field(default_factory=dict)
    counted: set[str] = field(default_factory=set)
    dimensions: dict[str, list[str]] = field(default_factory=dict)
    items: list[str] = field(default_factory=list)  # every item answered at least once

    def answers(self, items) -> dict[str, list[Optional[int]]]:
        return {code: [r.answers[code] for r in self.responses] for code in items}


def _nearest_counted_below(stored: Stored, unit: str) -> list[str]:
    found, stack = [], [u for u, p in stored.parents.items() if p == unit]
    while stack:
        current = stack.pop()
        if current in stored.counts:
            found.append(current)
        else:
            stack.extend(u for u, p in stored.parents.items() if p == current)
    return found


def design(stored: Stored, name: str, root: str, members: set[str]) -> Design:
    """Strata, PSUs, weights and item lists of the row covering ``members``."""
    row = Design(name, root, [r for r in stored.responses if r.unit in members])
    for response in row.responses:
        current: Optional[str] = response.unit
        while current is not None and current not in stored.counts and current != root:
            current = stored.parents[current]
        if current is not None and current in stored.counts:
            row.stratum.append(f"counted:{current}")
            row.counted.add(current)
        else:
            row.stratum.append(f"uncounted:{response.unit}")
        row.psu.append(f"{response.unit}/{response.day.isoformat()}")
    n_h = Counter(row.stratum)
    big_n = {f"counted:{u}": stored.counts[u] - sum(
        stored.counts[b] for b in _nearest_counted_below(stored, u)) for u in row.counted}
    assert all(big_n[h] >= n_h[h] for h in big_n), "served count below its responses"
    mean = sum(big_n.values()) / sum(n_h[h] for h in big_n) if big_n else 1.0
    row.weight = {h: big_n[h] / n_h[h] if h in big_n else mean for h in n_h}
    answered = {code: sum(r.answers[code] is not None for r in row.responses) for code in ITEMS}
    for dimension in COMPOSITE_DIMENSIONS:
        kept = [c for c, d in ITEM_DIMENSION.items() if d == dimension and answered[c] >= MIN_ANSWERS]
        if kept:
            row.dimensions[dimension] = kept
    row.items = [code for code in ITEMS if answered[code] > 0]
    return row


@dataclass
class Expected:
    """Where each JSON row's figures are in R's table."""

    designs: dict[str, Design]
    #: (scope, by) → [(JSON key, R data set or None if the row has no responses, quantity)]
    tables: dict[tuple[str, str], list[tuple[str, Optional[str], str]]]


def expected_rows(stored: Stored) -> Expected:
    designs: dict[str, Design] = {}

    def row(root: str, own: bool) -> Optional[str]:
        name = f"{'own' if own else 'subtree'}:{root}"
        if name not in designs:
            members = {root} if own else _subtree(stored.parents, root)
            designs[name] = design(stored, name, root, members)
        return name if designs[name].responses else None

    tables: dict[tuple[str, str], list[tuple[str, Optional[str], str]]] = {}
    for scope, by in TABLES:
        entries = [("total", row(scope, False), "composite")]
        if by == "unit":
            own = row(scope, True)
            if own is not None:
                entries.append((scope, own, "composite"))
            for child in sorted(u for u, p in stored.parents.items() if p == scope):
                entries.append((child, row(child, False), "composite"))
        elif by == "dimension":
            entries += [(d, row(scope, False), d) for d in COMPOSITE_DIMENSIONS]
        else:
            entries += [(code, row(scope, False), code) for code in ITEMS]
        tables[scope, by] = entries
    return Expected(designs, tables)


def write_r_input(designs: dict[str, Design], source: Path, items: Path) -> None:
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "stratum", "psu", "w", *ITEMS])
        for row in designs.values():
            for response, stratum, psu in zip(row.responses, row.stratum, row.psu):
                # repr() of a float round-trips: R reads the very weights used here.
                writer.writerow([row.name, stratum, psu, repr(row.weight[stratum])]
                                + ["" if response.answers[c] is None else response.answers[c]
                                   for c in ITEMS])
    with items.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "dimension", "item"])
        for row in designs.values():
            if not row.responses:
                continue
            in_dimension = set()
            for dimension, codes in row.dimensions.items():
                writer.writerows([row.name, dimension, code] for code in codes)
                in_dimension.update(codes)
            writer.writerows([row.name, "", code] for code in row.items
                             if code not in in_dimension)


# --------------------------------------------------------------------------- fixtures


#: dataset name → (Stored, Expected, R run): built once per data set (the database
#: content is the same in every test of its class: a shared layer).
_CACHE: dict[str, tuple[Stored, Expected, Any]] = {}


def prepared(dataset: Dataset, db, tmp_path_factory) -> tuple[Stored, Expected, Any]:
    if dataset.name not in _CACHE:
        stored = read_back(db.session)
        expected = expected_rows(stored)
        workdir = tmp_path_factory.mktemp(f"r_e2e_{dataset.name}")
        source, items = workdir / "responses.csv", workdir / "items.csv"
        write_r_input({k: v for k, v in expected.designs.items() if v.responses}, source, items)
        run = run_reference_script(source, workdir / "r_results.csv", items, ["clustered"])
        _CACHE[dataset.name] = (stored, expected, run)
    return _CACHE[dataset.name]


@pytest.fixture
def api_token(db):
    from survey.services.devices import tokens

    _row, token = tokens.create_api_token(db.session, "r-end-to-end")
    db.session.commit()
    return token


# --------------------------------------------------------------------------- comparison


def fallback(want: dict) -> bool:
    """Clopper–Pearson instead of logit: estimate 0 or 1, or df < 1."""
    return want["estimate"] <= 0.0 or want["estimate"] >= 1.0 or want["df"] < 1


def mismatches(got: dict, want: Optional[dict]) -> list[str]:
    """What differs between a JSON row and R's figures (None: no figure expected)."""
    key = got.get("key")
    if want is None:
        return [] if got.get("estimate") is None else [
            f"{key}: estimate {got['estimate']!r}, but the row has no figure by the rules"]
    problems = []
    for name in FIELDS:
        if fallback(want) and name not in ("estimate", "df"):
            continue  # Clopper–Pearson: only the estimate (and df) are comparable
        if name not in got:
            problems.append(f"{key} {name}: missing from the JSON (R {want[name]!r})")
            continue
        mine, theirs = got[name], want[name]
        if mine is None or theirs is None:
            if mine is not theirs:
                problems.append(f"{key} {name}: JSON {mine!r}, R {theirs!r}")
        elif not abs(float(mine) - theirs) <= TOLERANCE:
            problems.append(f"{key} {name}: JSON {mine!r}, R {theirs!r}, "
                            f"|diff| {abs(float(mine) - theirs):.3g}")
    return problems


def compare_table(body: dict, expected: Expected, table: dict, scope: str, by: str) -> None:
    rows = {row["key"]: row for row in body["rows"]} | {"total": body["total"]}
    entries = expected.tables[scope, by]
    keys = {key for key, _name, _quantity in entries}
    problems = [f"rows {sorted(set(rows) - keys)} in the JSON are not expected"] \
        if set(rows) - keys else []
    for key, name, quantity in entries:
        if key not in rows:
            problems.append(f"{key}: no such row in the JSON")
            continue
        want = None if name is None else table.get((name, "clustered", quantity))
        problems += mismatches(rows[key], want)
    assert not problems, f"{scope} by {by} vs R ({len(problems)}):\n" + "\n".join(problems)


def cli_json(runner, scope: str, by: str) -> dict:
    result = runner.invoke(args=["survey", "index", "--period", PERIOD, "--unit", scope,
                                 "--by", by, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def api_json(client, token: str, scope: str, by: str) -> dict:
    res = client.get(f"/api/v1/index?period={PERIOD}&unit={scope}&by={by}",
                     headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.get_data(as_text=True)
    return res.json


def python_figures(row: Design) -> dict[str, Any]:
    """quantity → DesignEstimate from survey.analysis.clustered_composite on the very
    rows written for R (composite and dimensions; each item as a dimension of its own)."""
    items = row.items
    answers = row.answers(items)
    satisfied, answered = answer_matrices(answers, items)
    clusters = ClusterSums.from_answers(satisfied, answered, row.stratum, row.psu, items)
    elements = sums_from_answers(answers, row.stratum).strata
    figures: dict[str, Any] = {}
    if row.dimensions:
        result = clustered_composite(clusters, row.dimensions, row.weight, elements=elements)
        figures["composite"] = result
        figures.update(result.dimensions)
    singles = clustered_composite(clusters, {code: [code] for code in items}, row.weight,
                                  elements=elements)
    figures.update(singles.items)
    return figures


# --------------------------------------------------------------------------- tests


class _EndToEnd:
    """The tests of one data set; subclasses name the data set (a shared layer)."""

    dataset: Dataset

    @pytest.fixture
    def data(self, db, tmp_path_factory, layer):
        return prepared(self.dataset, db, tmp_path_factory)

    def test_data_have_the_edge_cases(self, data, layer):
        stored, expected, _run = data
        responses = stored.responses
        assert len(responses) == layer["planned"]
        assert stored.all_responses == layer["planned"] + layer["noise"]  # noise left out
        days = {r.day for r in responses}
        assert 10 <= len(days) <= 20 and {FIRST_DAY, LAST_DAY} <= days
        assert any(r.day != r.submitted_at.date() for r in responses)  # PSU by local date
        psus = Counter((r.unit, r.day) for r in responses)
        assert max(psus.values()) >= 4 and sum(n >= 2 for n in psus.values()) >= 10
        assert len({r.day for r in responses if r.unit == "NA-DC"}) == 1
        assert "NA-DC" not in stored.counts and {"NA-VINH", "NA-VINH-Q1"} <= set(stored.counts)
        for code in ITEMS[1:]:  # planned missingness (overall is required)
            skipped = sum(r.answers[code] is None for r in responses) / len(responses)
            assert 0.15 < skipped < 0.65, (code, skipped)
        total = expected.designs["subtree:NA"]
        strata = {h: {p for s, p in zip(total.stratum, total.psu) if s == h}
                  for h in set(total.stratum)}
        assert total.counted and len(strata) >= 3
        if "NA" not in stored.counts:  # NA-DC its own stratum, one PSU: lonely
            assert len(strata["uncounted:NA-DC"]) == 1 and len(total.psu) > 1
            assert total.weight["uncounted:NA-DC"] == total.weight["uncounted:NA"] > 1
        else:  # NA-DC within NA's counted stratum; in its own row, weights 1
            assert "counted:NA" in strata and "uncounted:NA-DC" not in strata
            assert set(expected.designs["subtree:NA-DC"].weight.values()) == {1.0}
        rows = [d for d in expected.designs.values() if d.responses]
        assert any(not d.counted for d in rows)  # a row with weights 1
        assert any(len(d.dimensions) < len(COMPOSITE_DIMENSIONS)
                   or any(len(c) < len([i for i in ITEMS if ITEM_DIMENSION[i] == dim])
                          for dim, c in d.dimensions.items()) for d in rows)  # the minimum bites
        assert all(set(d.items) == set(ITEMS) for d in rows if d.root in ("NA", "NA-VINH"))
        q3 = expected.designs["subtree:NA-VINH-Q3"]
        if "NA-VINH-Q3" not in self.dataset.units:  # a row without responses
            assert not q3.responses
        elif self.dataset.units["NA-VINH-Q3"][0] == 1:  # too few answers for any dimension
            assert q3.responses and not q3.dimensions

    def test_harness_matches_clustered_composite(self, data):
        """R's figures for every row data set equal survey.analysis.clustered_composite
        on the same exported rows: the harness is right independently of the app."""
        _stored, expected, run = data
        table = require_reference(run)
        problems = []
        for row in expected.designs.values():
            if not row.responses:
                assert not any(name == row.name for name, _d, _q in table)
                continue
            ours = python_figures(row)
            theirs = {q: v for (name, _d, q), v in table.items() if name == row.name}
            assert set(theirs) == set(ours), (row.name, sorted(set(theirs) ^ set(ours)))
            for quantity, mine in ours.items():
                want = theirs[quantity]
                got = {name: getattr(mine, name) for name in FIELDS} | {"key": quantity}
                problems += [f"{row.name} {p}" for p in mismatches(got, want)]
                if quantity in ITEMS and want["ratio_estimate"] is not None:
                    assert abs(want["ratio_estimate"] - want["estimate"]) <= 1e-9
                    assert abs(want["ratio_se"] - want["se"]) <= 1e-9
        assert not problems, "\n".join(problems)

    @pytest.mark.parametrize("scope,by", TABLES, ids=[f"{s}-{b}" for s, b in TABLES])
    def test_cli_json_matches_r(self, data, runner, scope, by):
        _stored, expected, run = data
        table = require_reference(run)
        compare_table(cli_json(runner, scope, by), expected, table, scope, by)

    @pytest.mark.parametrize("scope,by", TABLES, ids=[f"{s}-{b}" for s, b in TABLES])
    def test_api_matches_r(self, data, client, api_token, scope, by):
        _stored, expected, run = data
        table = require_reference(run)
        compare_table(api_json(client, api_token, scope, by), expected, table, scope, by)


class TestSeed20260701(_EndToEnd):
    dataset = DATASETS[0]

    @pytest.fixture
    def layer(self, demo, r_e2e_seed20260701):
        return r_e2e_seed20260701


class TestSeed20260815(_EndToEnd):
    dataset = DATASETS[1]

    @pytest.fixture
    def layer(self, demo, r_e2e_seed20260815):
        return r_e2e_seed20260815


class TestSeed20260930(_EndToEnd):
    dataset = DATASETS[2]

    @pytest.fixture
    def layer(self, demo, r_e2e_seed20260930):
        return r_e2e_seed20260930


@pytest.fixture
def r_e2e_seed20260701(shared_data):
    return shared_data("r_e2e_seed20260701")


@pytest.fixture
def r_e2e_seed20260815(shared_data):
    return shared_data("r_e2e_seed20260815")


@pytest.fixture
def r_e2e_seed20260930(shared_data):
    return shared_data("r_e2e_seed20260930")
