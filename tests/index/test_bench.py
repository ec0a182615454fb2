"""bench/analysis.py's core on a tiny database, so that the benchmark cannot rot."""
from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "analysis.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_analysis", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_core_on_a_tiny_database(tmp_path, capsys):
    bench = load_bench()
    path = tmp_path / "bench.sqlite"
    bench.build(path, 400)
    app = bench.make_app(path)
    tables = bench.index_run(app)
    baseline = bench.baseline_run(app)
    assert len(tables) == len(bench.QUARTERS) == 8
    assert sum(t.total.responses for t in tables) == 400
    assert all(len(t.rows) == bench.UNITS for t in tables)
    # The baseline sees the same answers: 15 per response, in the same quarters.
    assert sum(row[-1] for row in baseline) == 400 * bench.ITEMS
    per_quarter = {q: 0 for q in bench.QUARTERS}
    for row in baseline:
        per_quarter[row[1]] += row[-1]
    assert [per_quarter[q] // bench.ITEMS for q in bench.QUARTERS] == [
        t.total.responses for t in tables]
    assert bench.main(["--db", str(path), "--repeat", "1"]) == 0
    assert "ratio index / baseline" in capsys.readouterr().out
