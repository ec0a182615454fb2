"""bench/report_export.py on a small database, so that the benchmark cannot rot."""
from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import openpyxl
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "report_export.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_report_export", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_the_report_and_its_figures_are_measured(bench, tmp_path):
    path = tmp_path / "bench.sqlite"
    bench.analysis.build(path, 3000)
    app = bench.analysis.make_app(path)
    calls = bench.record_calls(app)
    assert len(calls) == 31 * 3 + 1 + 1 + 1 + 2  # per unit ×3, units, previous, channels, trend
    assert bench.figures_run(app, calls) == len(calls)
    book = openpyxl.load_workbook(io.BytesIO(bench.report_run(app)))
    assert book["TongHop"]["A3"].value == "BENCH"
    assert book["TongHop"].max_row >= 2 + 31
    result = bench.measure(app, 1)
    assert result["figures"] > 0 and result["report"] > 0 and result["peak"] > 0


def test_main_prints_the_ratio(bench, tmp_path, capsys):
    path = tmp_path / "b.sqlite"
    bench.analysis.build(path, 1500)
    assert bench.main(["--db", str(path), "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "ratio report / figures (time):" in out and "peak resident set" in out
