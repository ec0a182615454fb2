"""Benchmark: the quarterly satisfaction-index table against a plain GROUP BY.

    .venv/bin/python bench/analysis.py                      # 1,000,000 responses
    .venv/bin/python bench/analysis.py --responses 100000   # quick run

Builds a SQLite file with synthetic responses (30 units under one province,
8 quarters of 2025–2026, a synthetic 15-item questionnaire in 5 dimensions, about
5 % "not applicable"), then measures in the same run:

* **index**: ``index_table(IndexQuery(period, province, by="unit"))`` for each quarter — every
  unit × quarter × dimension + composite with SEs, logit intervals and verdicts;
* **baseline**: ``SELECT unit, quarter, item, value, COUNT(*) … GROUP BY`` over the
  same answers (one query, quarters from the same local-time boundaries).

Time is wall-clock (``time.perf_counter``), best of ``--repeat`` runs. Memory is the
peak of Python-level allocations (``tracemalloc``, numpy included; SQLite's own C
buffers are not seen), measured in a separate run so tracing does not slow the
timed one. The build is not measured. Figures: docs/performance.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey import create_app  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.services import catalogue  # noqa: E402
from survey.services.reporting.index import IndexQuery, index_table  # noqa: E402
from survey.services.reporting.periods import parse_period  # noqa: E402

UNITS, ITEMS, DIMENSIONS = 30, 15, 5
QUARTERS = [f"{year}-Q{q}" for year in (2025, 2026) for q in range(1, 5)]
PROVINCE = "BENCH"
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite


#: The composite's five SIPAS dimensions (an item of another dimension is not in it).
DIMENSION_CODES = ("access", "procedure", "staff", "result", "feedback")


def questionnaire_definition() -> dict:
    """A synthetic 15-item version (3 items in each of the 5 SIPAS dimensions)."""
    dims = [{"code": code, "vi": f"Yếu tố {d}", "en": f"Dimension {d}"}
            for d, code in enumerate(DIMENSION_CODES[:DIMENSIONS], start=1)]
    items = [{"code": f"d{1 + i // 3}_{1 + i % 3}", "dimension": DIMENSION_CODES[i // 3],
              "vi": f"Tiêu chí {i + 1}", "en": f"Item {i + 1}"} for i in range(ITEMS)]
    return {"version": 900, "title": {"vi": "Bench", "en": "Bench"},
            "scale": {}, "dimensions": dims, "items": items, "reasons": []}


def build(path: Path, responses: int, seed: int = 2026) -> None:
    """Create the database file with ``responses`` synthetic responses (bulk insert)."""
    app = make_app(path)
    with app.app_context():
        db.create_all()
        catalogue.load_services(db.session)
        questionnaire = catalogue.load_questionnaire(db.session, questionnaire_definition())
        rows = [{"code": PROVINCE, "parent": None, "kind": "province", "vi": "Tỉnh bench"}]
        rows += [{"code": f"{PROVINCE}-{u:02d}", "parent": PROVINCE, "kind": "centre",
                  "vi": f"Đơn vị {u:02d}"} for u in range(1, UNITS + 1)]
        catalogue.load_units(db.session, rows)
        db.session.commit()
        unit_ids = [catalogue.unit_by_code(db.session, r["code"]).id for r in rows[1:]]
        codes = questionnaire.item_codes()
        raw = db.engine.raw_connection()
        try:
            _insert(raw, questionnaire.id, unit_ids, codes, responses, seed)
            raw.commit()
        finally:
            raw.close()


def _insert(raw, questionnaire_id: int, unit_ids: list[int], codes: list[str],
            responses: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cursor = raw.cursor()
    cursor.execute("PRAGMA synchronous = OFF")
    batch = 50_000
    for start in range(0, responses, batch):
        size = min(batch, responses - start)
        units = rng.integers(0, len(unit_ids), size)
        quarter = rng.integers(0, len(QUARTERS), size)
        # A unit effect and a respondent mood, so answers correlate like real ones.
        mood = 3.9 + 0.3 * np.sin(units) + rng.normal(0, 0.7, size)
        values = np.clip(np.rint(mood[:, None] + rng.normal(0, 0.6, (size, len(codes)))), 1, 5)
        missing = rng.random((size, len(codes))) < 0.05
        ids = [f"{start + i:032x}" for i in range(size)]
        times = [_moment(int(q), int(s)).strftime(SQLITE_TIME)
                 for q, s in zip(quarter, rng.integers(0, 89 * 86400, size))]
        channels = rng.choice(["qr", "receipt", "kiosk", "web"], size)
        cursor.executemany(
            "INSERT INTO responses (id, unit_id, service_id, channel, questionnaire_id, locale,"
            " submitted_at, received_at, status, partial) VALUES (?,?,NULL,?,?,'vi',?,?,"
            "'valid',0)",
            [(ids[i], unit_ids[units[i]], str(channels[i]), questionnaire_id, times[i],
              times[i]) for i in range(size)])
        cursor.executemany(
            "INSERT INTO answers (response_id, item_code, value) VALUES (?,?,?)",
            [(ids[i], code, None if missing[i, j] else int(values[i, j]))
             for i in range(size) for j, code in enumerate(codes)])


def _moment(quarter: int, second: int) -> dt.datetime:
    period = parse_period(QUARTERS[quarter])
    return (period.start_utc + dt.timedelta(seconds=second)).replace(tzinfo=None)


def make_app(path: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench",
                       "INSTANCE_PATH": str(path.parent / "instance"), "TESTING": True})


def index_run(app) -> list:
    """The full quarterly table through the service layer."""
    from flask_babel import force_locale

    with app.app_context(), force_locale("en"):
        return [index_table(db.session, IndexQuery(quarter, PROVINCE, by="unit", locale="en"))
                for quarter in QUARTERS]


def baseline_query() -> str:
    """SELECT unit, quarter, item, value, COUNT(*) … GROUP BY, local-time quarters."""
    whens = " ".join(
        f"WHEN r.submitted_at < '{parse_period(q).end_utc.strftime(SQLITE_TIME)}' THEN '{q}'"
        for q in QUARTERS)
    return (f"SELECT r.unit_id, CASE {whens} END AS quarter, a.item_code, a.value, COUNT(*) "
            "FROM answers a JOIN responses r ON r.id = a.response_id "
            "WHERE r.status = 'valid' GROUP BY 1, 2, 3, 4")


def baseline_run(app) -> list:
    with app.app_context():
        return db.session.execute(db.text(baseline_query())).all()


def measure(run: Callable, app, repeat: int) -> tuple[float, int, object]:
    """(best wall time in s, tracemalloc peak in bytes, last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run(app)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    run(app)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak, result


def summary(tables: list) -> tuple[int, int]:
    """(cells with an estimate, unit × quarter rows) — a sanity check of the output."""
    rows = [row for table in tables for row in table.rows]
    return sum(1 for row in rows if row.estimate == row.estimate), len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--db", type=Path, help="SQLite file to (re)use")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.sqlite"
        if not path.exists():
            start = time.perf_counter()
            build(path, args.responses)
            print(f"built {args.responses:,} responses in {time.perf_counter() - start:.1f} s "
                  f"(not measured): {path}")
        app = make_app(path)
        index_time, index_peak, tables = measure(index_run, app, args.repeat)
        base_time, base_peak, base_rows = measure(baseline_run, app, args.repeat)
        cells, rows = summary(tables)
        print(f"index table: {rows} unit × quarter rows ({cells} with data), each with "
              f"composite + {DIMENSIONS} dimensions")
        print(f"baseline:    {len(base_rows):,} (unit, quarter, item, value) counts")
        print(f"{'':12}{'time (s)':>10}{'peak MiB':>10}")
        print(f"{'index':12}{index_time:10.2f}{index_peak / 2**20:10.1f}")
        print(f"{'baseline':12}{base_time:10.2f}{base_peak / 2**20:10.1f}")
        print(f"ratio index / baseline (time): {index_time / base_time:.2f} (target ≤ 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
