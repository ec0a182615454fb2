"""bench/dashboard.py on a few thousand responses, so that the harness cannot rot: it
builds, serves the overview (uncached and cached), runs the baseline and prints the row
of figures for docs/performance.md."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "dashboard.py"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_dashboard", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]
    sys.path.remove(str(BENCH.parent))


def test_a_small_run_prints_the_overview_against_the_baseline(bench, capsys):
    assert bench.main(["--db", "sqlite", "--responses", "3000", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "built 3,000 + 300 responses" in out
    row = re.search(r"^\| SQLite \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", out, re.M)
    assert row, out
    overview, cached, baseline, ratio = map(float, row.groups())
    assert overview > 0 and baseline > 0
    # The table rounds the times to 0.01 s: the ratio lies within what they allow.
    low, high = (overview - 0.005) / (baseline + 0.005), (overview + 0.005) / (baseline - 0.005)
    assert low - 0.01 <= ratio <= high + 0.01, (ratio, low, high)
    # The page was served (its size is printed).
    assert re.search(r"overview [\d.]+ s \((\d+) KiB of HTML\)", out)


def test_the_synthetic_quarter_is_where_the_overview_looks(bench):
    import numpy as np

    from types import SimpleNamespace

    questionnaire = SimpleNamespace(id=7, definition={"items": [{"code": "a"}, {"code": "b"}]})
    responses, answers = bench.generate(np.random.default_rng(1), 50, [1, 2], ["a", "b"],
                                        questionnaire, bench.PERIOD)
    period = bench.parse_period(bench.PERIOD)
    start, end = (period.start_utc.replace(tzinfo=None), period.end_utc.replace(tzinfo=None))
    assert all(start <= moment < end for *_rest, moment, _bits, _facts in responses)
    assert len(answers) == 100 and {value for *_r, value in answers} <= {None, 1, 2, 3, 4, 5}
    # Each response carries the bits of its own answers (a at bit 0, b at bit 1).
    given = {}
    for rid, code, value in answers:
        given.setdefault(rid, {})[code] = value
    for rid, *_rest, bits, facts in responses:
        assert facts == 0  # no facts in this questionnaire
        a, b = given[rid]["a"], given[rid]["b"]
        assert bits & 1 == (a is not None) and bits >> 1 & 1 == (b is not None)
        assert bits >> 30 & 1 == (a is not None and a >= 4)


def test_coverage_items_carry_their_fact_values(bench):
    import numpy as np
    from types import SimpleNamespace

    questionnaire = SimpleNamespace(id=7, definition={"items": [
        {"code": "a"}, {"code": "cov_counselling", "kind": "need"}]})
    responses, answers = bench.generate(np.random.default_rng(2), 60, [1], ["a",
                                        "cov_counselling"], questionnaire, bench.PERIOD)
    given = {rid: value for rid, code, value in answers if code == "cov_counselling"}
    stored = {rid: facts for rid, *_rest, facts in responses}
    assert {given[rid] for rid in given} == {1, 2, None}  # yes, no, no need
    for rid, facts in stored.items():
        assert facts == (7 if given[rid] is None else given[rid])
