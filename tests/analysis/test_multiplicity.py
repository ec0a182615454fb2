"""Benjamini–Hochberg adjustment of a comparison table's verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from survey.analysis import AnalysisError, proportion_interval, target_verdict
from survey.analysis.multiplicity import adjust_verdicts, benjamini_hochberg


def test_matches_r_p_adjust():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.5), "BH")
    #    0.025 0.050 0.050 0.025 0.500
    got = benjamini_hochberg([0.01, 0.04, 0.03, 0.005, 0.5])
    assert got == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.5], abs=1e-12)


def test_nan_is_not_a_test_and_input_is_checked():
    got = benjamini_hochberg([0.01, math.nan, 0.02])
    assert math.isnan(got[1]) and got[0] == pytest.approx(0.02) and got[2] == pytest.approx(0.02)
    assert benjamini_hochberg([]) == []
    with pytest.raises(AnalysisError):
        benjamini_hochberg([1.2])


def test_chance_verdicts_among_many_on_target_cells_are_removed():
    """40 counters exactly on target: unadjusted, some are 'not met' by chance."""
    rng = np.random.default_rng(2269)
    n = 200
    raw = [target_verdict(proportion_interval(int(rng.binomial(n, 0.9)), n), 0.9)
           for _ in range(400)]
    chance = sum(v.verdict == "not_met" for v in raw)
    assert chance > 0
    adjusted = adjust_verdicts(raw)
    assert sum(v.verdict == "not_met" for v in adjusted) < chance
    assert all(v.verdict in ("inconclusive", "not_met") for v in adjusted)


def test_a_clear_cell_keeps_its_verdict_and_insufficient_stays():
    cells = [target_verdict(proportion_interval(99, 100), 0.85),
             target_verdict(proportion_interval(3, 4), 0.85),
             target_verdict(proportion_interval(60, 100), 0.85)]
    adjusted = adjust_verdicts(cells)
    assert [v.verdict for v in adjusted] == ["met", "insufficient", "not_met"]
    assert adjusted[0].p_value >= cells[0].p_value
