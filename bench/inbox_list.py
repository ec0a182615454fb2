"""The feedback inbox's list with many cases: each filter's page against a plain COUNT(*).

    .venv/bin/python bench/inbox_list.py                  # SQLite, 100 000 cases, 5 runs
    .venv/bin/python bench/inbox_list.py --db postgresql  # the same on PostgreSQL
    .venv/bin/python bench/inbox_list.py --quick          # 2 000 cases, 2 runs (make bench)

A fresh database (SQLite in a temporary folder; PostgreSQL in ``survey_bench_<pid>``,
created and dropped) is migrated with the app's migrations and seeded with the demo
units; then ``--cases`` responses at the demo units (received over the last year, a
third with a comment, words drawn from real-sounding complaints) and a case for each,
inserted in bulk with varied status, category, assignee and deadline, as
``flask survey inbox sync`` would have opened them.

For each filter of the list, in the same process and run: the whole page as an
administrator opens it (``GET /admin/inbox?...`` through the test client: the look for
new responses, the count, the page of 50, the kiosk reasons, the template), the list
query alone (``list_cases``) and, as the baseline, ``SELECT COUNT(*) FROM cases`` with
the very same WHERE. Median of ``--runs`` after one warm-up. Reported: the three times
and the ratios page / count and list / count. Exit status 1 if a page is not 200 or a
count differs from the list's total.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The admin database of bench/submit_load.py's PostgreSQL runs.
POSTGRESQL_URL = os.environ.get("SURVEY_BENCH_POSTGRESQL_URL",
                                "postgresql+psycopg://root@127.0.0.1:5432/postgres")
WORDS = ["phải chờ quá lâu", "cán bộ nhiệt tình", "thủ tục rườm rà", "chậm trả trợ cấp",
         "không có chỗ ngồi", "hướng dẫn chưa rõ", "quầy đông người", "nhân viên thân thiện",
         "giấy tờ bị trả lại", "điện thoại không ai nghe", "mong được giải quyết sớm"]
#: (label, query string): the filters a handler uses, alone and together.
FILTERS = [
    ("all", ""),
    ("status = new", "status=new"),
    ("unit = NA-DEMO1 (subtree)", "unit=NA-DEMO1"),
    ("category = waiting", "category=waiting"),
    ("assignee = nobody", "assignee=none"),
    ("overdue", "overdue=y"),
    ("received in one month", "since={month_start}&until={month_end}"),
    ("text 'chờ'", "q=ch%E1%BB%9D"),
    ("status + unit + overdue", "status=in_progress&unit=NA-DEMO1&overdue=y"),
    ("page 40 of all", "page=40"),
]


def make_app(url: str):
    from survey import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": False,
                       "WTF_CSRF_ENABLED": False, "PUBLIC_URL": "http://localhost"})


def prepare(app) -> None:
    """Migrate and seed the demo units, services and questionnaires."""
    from flask_migrate import upgrade

    from survey.extensions import db
    from survey.services import catalogue

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        catalogue.seed_demo(db.session)
        db.session.commit()


def fill(app, count: int, seed: int = 14) -> None:
    """``count`` responses at the demo counters and a case for each, in bulk."""
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import (Case, CaseCategory, CaseStatus, Comment, InboxSync, Response,
                               utcnow)
    from survey.services import accounts, audit, catalogue
    from survey.services.catalogue.demo import demo_counters
    from survey.services.inbox.codes import reference_code

    rng = random.Random(seed)
    with app.app_context():
        session = db.session
        units = [u.id for u in demo_counters(session)]
        services = list(session.scalars(sa.select(catalogue.Service.id)))
        questionnaire = catalogue.current_questionnaire(session).id
        handlers = []
        for i in range(5):
            user, _token = accounts.create_user(session, f"h{i}@bench.example", "handler",
                                                "NA-DEMO1", audit.CLI)
            handlers.append(user.id)
        session.flush()
        now = utcnow()
        statuses = [CaseStatus.new] * 3 + [CaseStatus.in_progress] * 3 + [
            CaseStatus.replied, CaseStatus.closed, CaseStatus.closed, CaseStatus.no_action]
        for start in range(0, count, 10_000):
            responses, comments, cases = [], [], []
            for _ in range(start, min(count, start + 10_000)):
                rid = uuid.uuid4()
                received = now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
                unit = rng.choice(units)
                responses.append({"id": rid, "unit_id": unit, "service_id": rng.choice(services),
                                  "channel": "qr", "questionnaire_id": questionnaire,
                                  "locale": "vi", "submitted_at": received,
                                  "received_at": received, "status": "valid",
                                  "partial": False})
                has_comment = rng.random() < 0.35
                if has_comment:
                    comments.append({"response_id": rid, "body": ", ".join(
                        rng.sample(WORDS, 2)).capitalize() + "."})
                status = rng.choice(statuses)
                day = received.date()
                accept, resolve = day + dt.timedelta(days=14), day + dt.timedelta(days=42)
                due = accept if status is CaseStatus.new else (
                    resolve if status is CaseStatus.in_progress else None)
                finished = status in (CaseStatus.closed, CaseStatus.no_action)
                cases.append({
                    "response_id": rid, "reference": reference_code(rid, "bench"),
                    "unit_id": unit, "service_id": responses[-1]["service_id"],
                    "has_comment": has_comment, "low_rating": not has_comment,
                    "wants_contact": False, "lowest_rating": 2, "status": status,
                    "status_reason": "spam" if status is CaseStatus.no_action else None,
                    "assignee_id": rng.choice([None, None, *handlers]),
                    "category": rng.choice([None, *CaseCategory]), "complex": False,
                    "received_at": received, "opened_at": received, "updated_at": received,
                    "accept_due": accept, "resolve_due": resolve, "due_on": due,
                    "closed_at": received if finished else None})
            session.execute(sa.insert(Response), responses)
            if comments:
                session.execute(sa.insert(Comment), comments)
            session.execute(sa.insert(Case), cases)
        session.add(InboxSync(id=1, scanned_until=now))
        admin, _token = accounts.create_user(session, "admin@bench.example", "admin", "NA",
                                             audit.CLI)
        session.commit()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("ANALYZE"))
            session.commit()
        else:
            session.execute(sa.text("ANALYZE"))


def median_ms(run: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = run()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def measure(app, runs: int) -> bool:
    """Print one line per filter; returns whether every check passed."""
    import sqlalchemy as sa

    from survey.admin.session import SEEN_AT, SIGNED_IN_AT
    from survey.extensions import db
    from survey.models import Case, User
    from survey.services.accounts.scope import Scope
    from survey.services.inbox.queries import _filtered, list_cases
    from survey.timeutil import local_date

    client = app.test_client()
    ok = True
    with app.app_context():
        admin = db.session.scalar(sa.select(User).filter_by(email="admin@bench.example"))
        with client.session_transaction() as cookie:
            cookie["_user_id"] = admin.get_id()
            cookie["_fresh"] = True
            cookie[SIGNED_IN_AT] = cookie[SEEN_AT] = time.time()
    today = local_date(dt.datetime.now(dt.timezone.utc))
    month_end = today - dt.timedelta(days=60)
    values = {"month_start": (month_end - dt.timedelta(days=30)).isoformat(),
              "month_end": month_end.isoformat()}
    print(f"| filter | page ms | list ms | COUNT(*) ms | page / count | list / count | found |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for label, query in FILTERS:
        query = query.format(**values)

        def page():
            # Signed in again for each request: the session keeps a last-seen time.
            with client.session_transaction() as cookie:
                cookie[SEEN_AT] = time.time()
            return client.get(f"/admin/inbox?{query}")

        page_ms, answer = median_ms(page, runs)
        if answer.status_code != 200:
            print(f"{label}: HTTP {answer.status_code} -> FAILED")
            ok = False
            continue
        with app.test_request_context(f"/admin/inbox?{query}"):
            from survey.admin.inbox import _filter, _filter_form
            from flask import g
            everything = Scope(everything=True)
            g._login_user, g.scope = admin, everything  # as @requires leaves them
            wanted = _filter(_filter_form())
            session = db.session
            list_ms, listed = median_ms(lambda: list_cases(
                session, everything, wanted, today, page=int(
                    dict(p.split("=") for p in query.split("&") if p).get("page", 1))), runs)
            counted_query = _filtered(session, sa.select(sa.func.count()).select_from(Case),
                                      everything, wanted, today)
            count_ms, counted = median_ms(lambda: session.scalar(counted_query), runs)
        if counted != listed.total:
            print(f"{label}: COUNT {counted} != list total {listed.total} -> FAILED")
            ok = False
        worst = max(worst, page_ms)
        print(f"| {label} | {page_ms:.1f} | {list_ms:.1f} | {count_ms:.1f} | "
              f"{page_ms / max(count_ms, 0.01):.1f} | {list_ms / max(count_ms, 0.01):.1f} | "
              f"{listed.total} |")
    print(f"slowest page: {worst:.1f} ms")
    return ok


def run(db: str, cases: int, runs: int) -> bool:
    from survey.extensions import db as flask_db

    with tempfile.TemporaryDirectory() as folder:
        if db == "sqlite":
            url, drop = f"sqlite:///{folder}/bench.db", None
        else:
            import sqlalchemy as sa

            name = f"survey_bench_{os.getpid()}"
            admin = sa.create_engine(POSTGRESQL_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = POSTGRESQL_URL.rsplit("/", 1)[0] + f"/{name}"

            def drop() -> None:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        try:
            app = make_app(url)
            prepare(app)
            start = time.perf_counter()
            fill(app, cases)
            print(f"\n## {db}: {cases} cases (filled in {time.perf_counter() - start:.1f} s), "
                  f"median of {runs} runs, Python {sys.version.split()[0]}")
            ok = measure(app, runs)
            with app.app_context():
                flask_db.engine.dispose()
            return ok
        finally:
            if drop is not None:
                drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 000 cases, 2 runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.runs = 2_000, 2
    targets = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    ok = all([run(target, args.cases, args.runs) for target in targets])
    print("checks: all passed" if ok else "checks: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
