"""Benchmark: the dashboard's overview for a whole province against one plain GROUP BY.

    .venv/bin/python bench/dashboard.py                        # 1,000,000 responses, both
    .venv/bin/python bench/dashboard.py --db sqlite --responses 200000
    .venv/bin/python bench/dashboard.py --quick                # 20,000, SQLite (make bench)
    .venv/bin/python bench/dashboard.py --coverage-items       # + v3's two coverage items

Builds a database (SQLite file, or ``survey_bench_<pid>`` on PostgreSQL, created and
dropped) with a province of 30 centres, the synthetic 15-item questionnaire of
bench/analysis.py, ``--responses`` responses in the quarter 2026-Q3 and a tenth as many
in 2026-Q2 (the overview shows the change since the previous quarter). Then, in the same
run, best of ``--repeat``:

* **overview**: ``GET /admin/dashboard?unit=BENCH&period=2026-Q3`` by a signed-in
  administrator through the Flask test client, the aggregate cache emptied first: both
  index tables (this quarter and the previous one), reliability rules, the data
  version, the funnel plot and the headline chart drawn by matplotlib, the HTML;
* **overview, cached**: the same request again (only the data version is read);
* **baseline**: ``SELECT unit_id, item_code, value, COUNT(*) … GROUP BY`` over the
  answers of the quarter's valid responses (one query).

Target: overview ≤ 2 × baseline. The build is not measured. Figures: docs/performance.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402

from analysis import questionnaire_definition  # noqa: E402
from submit_load import POSTGRESQL_URL, PostgresDatabase  # noqa: E402
from survey import create_app  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.models import Answer, Response, ResponseStatus, User  # noqa: E402
from survey.services import accounts, audit, catalogue  # noqa: E402
from survey.services.intake.responses import answer_bits, fact_values  # noqa: E402
from survey.services.reporting.periods import parse_period  # noqa: E402

UNITS = 30
PROVINCE = "BENCH"
PERIOD, PREVIOUS = "2026-Q3", "2026-Q2"
PAGE = f"/admin/dashboard?unit={PROVINCE}&period={PERIOD}&lang=en"


def make_app(url: str, folder: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "INSTANCE_PATH": str(folder), "TESTING": True})


#: ``--coverage-items``: questionnaire v3's two claimant-reported coverage items.
COVERAGE_ITEMS = ("cov_counselling", "cov_referral")


def definition(coverage: bool) -> dict:
    """The synthetic questionnaire, with v3's coverage items when ``coverage``."""
    found = questionnaire_definition()
    if coverage:
        v3 = json.loads((Path(__file__).resolve().parent.parent / "survey" / "data"
                         / "questionnaire_v3.json").read_text(encoding="utf-8"))
        found["items"] += [item for item in v3["items"] if item["code"] in COVERAGE_ITEMS]
    return found


def build(app, responses: int, seed: int = 2026, coverage: bool = False) -> None:
    """Schema, units, questionnaire, an administrator and the synthetic responses."""
    with app.app_context():
        db.create_all()
        catalogue.load_services(db.session)
        questionnaire = catalogue.load_questionnaire(db.session, definition(coverage))
        rows = [{"code": PROVINCE, "parent": None, "kind": "province", "vi": "Tỉnh bench"}]
        rows += [{"code": f"{PROVINCE}-{u:02d}", "parent": PROVINCE, "kind": "centre",
                  "vi": f"Đơn vị {u:02d}"} for u in range(1, UNITS + 1)]
        catalogue.load_units(db.session, rows)
        accounts.create_user(db.session, "bench@example.org", "admin", PROVINCE, audit.CLI)
        db.session.commit()
        unit_ids = [catalogue.unit_by_code(db.session, r["code"]).id for r in rows[1:]]
        codes = questionnaire.item_codes()
        rng = np.random.default_rng(seed)
        connection = db.engine.raw_connection()
        try:
            postgres = db.engine.dialect.name == "postgresql"
            if not postgres:
                connection.cursor().execute("PRAGMA synchronous = OFF")
            for period, count in ((PERIOD, responses), (PREVIOUS, max(responses // 10, 1))):
                for start in range(0, count, 50_000):
                    batch = generate(rng, min(50_000, count - start), unit_ids, codes,
                                     questionnaire, period)
                    (copy_postgres if postgres else insert_sqlite)(connection, *batch)
            connection.commit()
        finally:
            connection.close()


def generate(rng, size: int, unit_ids: list[int], codes: list[str], questionnaire,
             period: str) -> tuple[list, list]:
    """(response rows, answer rows): a unit effect and a respondent mood, so that answers
    correlate as real ones do; about 5 % "not applicable". Each response carries its
    ``answer_bits`` and ``fact_values`` as the intake computes them."""
    quarter = parse_period(period)
    seconds = int((quarter.end_utc - quarter.start_utc).total_seconds()) - 1
    units = rng.integers(0, len(unit_ids), size)
    mood = 3.9 + 0.3 * np.sin(units) + rng.normal(0, 0.7, size)
    values = np.clip(np.rint(mood[:, None] + rng.normal(0, 0.6, (size, len(codes)))), 1, 5)
    missing = rng.random((size, len(codes))) < 0.05
    # A coverage item (kind need): yes 1, no 2, or "I did not need it" (None).
    needs = rng.choice(np.array([1, 1, 1, 2, 0]), (size, len(codes)))
    offsets = rng.integers(0, seconds, size)
    channels = rng.choice(["qr", "receipt", "kiosk", "web"], size)
    start = quarter.start_utc.replace(tzinfo=None)
    responses, answers = [], []
    for i in range(size):
        rid = uuid.UUID(int=int(rng.integers(0, 2**62)) << 64 | int(rng.integers(0, 2**62)))
        moment = start + dt.timedelta(seconds=int(offsets[i]))
        given = {code: (int(needs[i, j]) or None) if code in COVERAGE_ITEMS
                 else None if missing[i, j] else int(values[i, j])
                 for j, code in enumerate(codes)}
        responses.append((rid, unit_ids[units[i]], str(channels[i]), questionnaire.id, moment,
                          answer_bits(questionnaire, given), fact_values(questionnaire, given)))
        answers.extend((rid, code, value) for code, value in given.items())
    return responses, answers


def insert_sqlite(connection, responses: list, answers: list) -> None:
    cursor = connection.cursor()
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    cursor.executemany(
        "INSERT INTO responses (id, unit_id, service_id, channel, questionnaire_id, locale, "
        "submitted_at, received_at, status, partial, answer_bits, fact_values) "
        "VALUES (?,?,NULL,?,?,'vi',?,?,'valid',0,?,?)",
        [(r.hex, u, c, q, m.strftime(stamp), m.strftime(stamp), bits, facts)
         for r, u, c, q, m, bits, facts in responses])
    cursor.executemany("INSERT INTO answers (response_id, item_code, value) VALUES (?,?,?)",
                       [(r.hex, code, value) for r, code, value in answers])


def copy_postgres(connection, responses: list, answers: list) -> None:
    cursor = connection.cursor()
    with cursor.copy("COPY responses (id, unit_id, channel, questionnaire_id, locale, "
                     "submitted_at, received_at, status, partial, answer_bits, "
                     "fact_values) FROM STDIN") as copy:
        for r, u, c, q, m, bits, facts in responses:
            copy.write_row((r, u, c, q, "vi", m, m, "valid", False, bits, facts))
    with cursor.copy("COPY answers (response_id, item_code, value) FROM STDIN") as copy:
        for row in answers:
            copy.write_row(row)
    cursor.execute("ANALYZE responses")
    cursor.execute("ANALYZE answers")


def baseline(app) -> int:
    """One plain GROUP BY over the quarter's answers."""
    quarter = parse_period(PERIOD)
    with app.app_context():
        query = (sa.select(Response.unit_id, Answer.item_code, Answer.value, sa.func.count())
                 .join(Response, Response.id == Answer.response_id)
                 .where(Response.status == ResponseStatus.valid,
                        Response.submitted_at >= quarter.start_utc,
                        Response.submitted_at < quarter.end_utc)
                 .group_by(Response.unit_id, Answer.item_code, Answer.value))
        return len(db.session.execute(query).all())


def signed_in_client(app):
    from survey.admin.session import SEEN_AT, SIGNED_IN_AT

    with app.app_context():
        user_id = db.session.scalar(sa.select(User).filter_by(
            email="bench@example.org")).get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session[SIGNED_IN_AT] = session[SEEN_AT] = time.time()
    return client


def overview(app, client, cached: bool) -> int:
    if not cached:
        app.extensions.pop("dashboard_cache", None)
    reply = client.get(PAGE)
    assert reply.status_code == 200, reply.get_data(as_text=True)[:2000]
    with client.session_transaction() as session:  # stay within the idle timeout
        from survey.admin.session import SEEN_AT
        session[SEEN_AT] = time.time()
    return len(reply.data)


def best(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    fastest, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest, result


def run_on(label: str, url: str, folder: Path, responses: int, repeat: int,
           coverage: bool = False) -> dict:
    app = make_app(url, folder)
    start = time.perf_counter()
    build(app, responses, coverage=coverage)
    print(f"[{label}] built {responses:,} + {max(responses // 10, 1):,} responses in "
          f"{time.perf_counter() - start:.0f} s (not measured)", flush=True)
    client = signed_in_client(app)
    overview(app, client, cached=False)  # warm-up: imports (scipy, matplotlib), templates
    page, size = best(lambda: overview(app, client, cached=False), repeat)
    again, _ = best(lambda: overview(app, client, cached=True), repeat)
    base, groups = best(lambda: baseline(app), repeat)
    with app.app_context():
        db.engine.dispose()
    print(f"[{label}] overview {page:.2f} s ({size / 1024:.0f} KiB of HTML), cached "
          f"{again:.2f} s, baseline GROUP BY {base:.2f} s ({groups} groups); ratio "
          f"overview / baseline {page / base:.2f} (target ≤ 2)", flush=True)
    return {"overview": page, "cached": again, "baseline": base}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="20,000 responses on SQLite")
    parser.add_argument("--coverage-items", action="store_true",
                        help="add questionnaire v3's two coverage items (read from the "
                             "answers by the overview's coverage panel)")
    parser.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                        help="a database on the server where survey_bench_<pid> is created "
                             "(default: $SURVEY_BENCH_POSTGRESQL_URL or %(default)s)")
    args = parser.parse_args(argv)
    if args.quick:
        args.responses, args.db, args.repeat = 20_000, "sqlite", 2
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.db in ("sqlite", "both"):
            results["SQLite"] = run_on("SQLite", f"sqlite:///{folder / 'bench.sqlite'}",
                                       folder, args.responses, args.repeat,
                                       args.coverage_items)
        if args.db in ("postgresql", "both"):
            database = PostgresDatabase(args.postgresql_url)
            database.create()
            try:
                results["PostgreSQL"] = run_on("PostgreSQL", database.url, folder,
                                               args.responses, args.repeat,
                                               args.coverage_items)
            finally:
                database.drop()
    out = io.StringIO()
    out.write(f"\n| {args.responses:,} responses | overview (s) | cached (s) | GROUP BY (s) "
              "| ratio |\n|---|---|---|---|---|\n")
    for label, r in results.items():
        out.write(f"| {label} | {r['overview']:.2f} | {r['cached']:.2f} | {r['baseline']:.2f} "
                  f"| {r['overview'] / r['baseline']:.2f} |\n")
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
