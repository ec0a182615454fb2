"""Benchmark: the quarterly report (XLSX) of a whole province against the same figures.

    .venv/bin/python bench/report_export.py                     # 1,000,000 responses
    .venv/bin/python bench/report_export.py --quick             # 20,000 (make bench)
    .venv/bin/python bench/report_export.py --db bench.sqlite   # reuse a built file

The database is the one of bench/analysis.py (30 units under one province, 8 quarters
2025–2026, 15 items in 5 dimensions, built by bulk insert; not measured). In the same
run it measures:

* **figures**: every ``index_table`` and ``trend_table`` call the report makes (per unit
  its dimensions, items and services; the units, the previous quarter, the channels,
  8 quarters and 12 months of trend), recorded from one report build and replayed —
  the figures the dashboard shows, computed the same way;
* **report**: ``build_report`` (those calls plus the answer counts, reliability,
  suppression across sheets, feedback counts) and ``write_xlsx``.

Time is wall-clock (best of ``--repeat``). Memory: the peak of Python allocations
during the report (``tracemalloc``, separate run) and the process's peak resident set
(``ru_maxrss``: SQLite, numpy and XlsxWriter included). Figures: docs/performance.md.
"""
from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey.extensions import db  # noqa: E402


def _analysis():
    spec = importlib.util.spec_from_file_location("bench_analysis", ROOT / "bench" / "analysis.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


analysis = _analysis()
PERIOD = "2026-Q4"


def record_calls(app) -> list[tuple[Callable, tuple, dict]]:
    """The index and trend calls one report build makes, to replay as the baseline."""
    from survey.services.reports import build

    calls: list[tuple[Callable, tuple, dict]] = []
    originals = {"index_table": build.index_table, "trend_table": build.trend_table}

    def recorder(name: str) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append((originals[name], args[1:], kwargs))
            return originals[name](*args, **kwargs)
        return call

    build.index_table, build.trend_table = recorder("index_table"), recorder("trend_table")
    try:
        report_run(app)
    finally:
        build.index_table = originals["index_table"]  # type: ignore[assignment]
        build.trend_table = originals["trend_table"]  # type: ignore[assignment]
    return calls


def report_run(app) -> bytes:
    from survey.services.reporting.index import configured
    from survey.services.reports import files
    from survey.services.reports.build import ReportQuery, build_report
    from survey.services.reports.model import Header

    with app.app_context():
        report = build_report(db.session, ReportQuery(PERIOD, analysis.PROVINCE,
                                                      configured(app.config)))
        return files.render(report, Header(version=1, status="bench"), "xlsx")


def figures_run(app, calls) -> int:
    with app.app_context():
        return len([fn(db.session, *args, **kwargs) for fn, args, kwargs in calls])


def best_of(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(app, repeat: int) -> dict[str, Any]:
    calls = record_calls(app)
    figures_time, _ = best_of(lambda: figures_run(app, calls), repeat)
    report_time, content = best_of(lambda: report_run(app), repeat)
    tracemalloc.start()
    report_run(app)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return {"calls": len(calls), "figures": figures_time, "report": report_time,
            "bytes": len(content), "peak": peak, "rss": rss}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 responses, one repeat")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--db", type=Path, help="SQLite file to (re)use")
    args = parser.parse_args(argv)
    responses, repeat = (20_000, 1) if args.quick else (args.responses, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.sqlite"
        if not path.exists():
            start = time.perf_counter()
            analysis.build(path, responses)
            print(f"built {responses:,} responses in {time.perf_counter() - start:.1f} s "
                  f"(not measured): {path}")
        app = analysis.make_app(path)
        with app.app_context():
            in_quarter = db.session.execute(db.text(
                "SELECT COUNT(*) FROM responses WHERE submitted_at >= '2026-09-30 17:00'"
            )).scalar()
        result = measure(app, repeat)
    print(f"report of {analysis.PROVINCE} for {PERIOD}: {in_quarter:,} responses in the "
          f"quarter, {responses:,} in the database (the trend reads all 8 quarters)")
    print(f"{'':10}{'time (s)':>10}")
    print(f"{'figures':10}{result['figures']:10.2f}   ({result['calls']} index/trend calls)")
    print(f"{'report':10}{result['report']:10.2f}   (XLSX {result['bytes']:,} bytes)")
    print(f"ratio report / figures (time): {result['report'] / result['figures']:.2f} "
          f"(target ≤ 3)")
    print(f"peak Python allocations during the report: {result['peak'] / 2**20:.1f} MiB; "
          f"peak resident set of the process: {result['rss'] / 2**20:.1f} MiB (target ≤ 500)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
