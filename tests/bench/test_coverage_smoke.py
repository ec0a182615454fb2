"""bench/coverage.py on a handful of quarters, so that the simulation study cannot rot."""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "coverage.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_coverage", BENCH)
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses resolve string annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_a_simulated_quarter_looks_like_the_brief(bench):
    scenario = bench.Scenario("check", "base with planned missingness", planned=True)
    layout = bench.Layout.of(scenario.units)
    quarter = bench.simulate(layout, scenario, np.random.default_rng(1))
    assert layout.served.min() == 30 and layout.served.max() == 3000
    shares = (quarter.answers >= 4).mean(axis=0)
    assert np.all((shares > 0.78) & (shares < 0.94))
    truth = bench.composite_of(shares)
    assert abs(truth - bench.superpopulation(layout, range(len(layout.units)))) < 0.02
    assert 0.2 < quarter.responded.mean() < 0.6
    # Planned missingness: per dimension, one item unasked for about half the claimants.
    assert abs((~quarter.asked).sum(axis=1).mean() - 2.5) < 0.1


def test_everyone_responding_reproduces_the_truth_exactly(bench):
    """The truth is the composite of all claimants served: a census must return it."""
    scenario = bench.Scenario("census", "everyone responds", response=1.0, response_sd=0.0)
    results = bench.run_scenario(scenario, reps=2, seed=5)["province"]
    assert results.n == [sum(u.served for u in bench.PROVINCE)] * 2
    for truth, old, new in zip(results.truth, results.old.est, results.new.est):
        assert math.isclose(old, truth, abs_tol=1e-12)
        assert math.isclose(new, truth, abs_tol=1e-12)
    # OLD's FPC makes a census exact; NEW (no FPC) still reports sampling error.
    assert results.old.low == results.old.est and results.old.high == results.old.est
    assert all(se > 0 for se in results.new.se)


def test_quick_run_prints_the_tables_and_rewrites_only_the_marked_block(bench, tmp_path, capsys):
    docs = tmp_path / "methodology.md"
    docs.write_text(f"intro\n{bench.BEGIN}\nold table\n{bench.END}\noutro\n", encoding="utf-8")
    argv = ["--reps", "2", "--comparison-reps", "1", "--only", "lonely-psu,comparison",
            "--write-docs", "--docs", str(docs)]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "| lonely-psu | mobile point |" in out
    assert "| NEW | finite-population truth |" in out
    text = docs.read_text(encoding="utf-8")
    assert text.startswith("intro\n" + bench.BEGIN + "\nSeed ")
    assert text.endswith(bench.END + "\noutro\n") and "old table" not in text


def test_old_and_new_share_the_point_estimate(bench):
    scenario = next(s for s in bench.SCENARIOS if s.name == "one-response")
    for row in bench.run_scenario(scenario, reps=2, seed=3).values():
        assert np.allclose(row.old.est, row.new.est, rtol=0, atol=1e-12)
        assert all(n >= 1 for n in row.n)
