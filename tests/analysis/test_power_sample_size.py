"""power_sample_size: responses to tell a share from a target (one-sided, with power)."""
from __future__ import annotations

import math

import pytest
from scipy import stats

from survey.analysis import AnalysisError, power_sample_size


def test_the_reference_value():
    # ((1.644854 · √(0.9 · 0.1) + 0.841621 · √(0.85 · 0.15)) / 0.05)² = 252.16 → 253
    assert power_sample_size(0.85, 0.90) == 253


def test_the_design_effect_multiplies_and_power_grows_it():
    assert power_sample_size(0.85, 0.90, deff=2.0) == math.ceil(2 * 252.1551)
    assert power_sample_size(0.85, 0.90, power=0.9) > 253


def test_the_planned_n_gives_the_power_it_promises():
    # At n, the one-sided test at 5 % rejects "p = 0.90" with probability ≈ 80 % when p = 0.85.
    n = power_sample_size(0.85, 0.90)
    z = stats.norm.isf(0.05)
    cut = 0.90 - z * math.sqrt(0.9 * 0.1 / n)
    power = stats.norm.cdf((cut - 0.85) / math.sqrt(0.85 * 0.15 / n))
    assert 0.80 <= power < 0.81


@pytest.mark.parametrize("args", [(0.9, 0.9), (1.2, 0.9), (0.85, 0.9, 1.0), (0.85, 0.9, 0.8, 0.4)])
def test_bad_arguments_are_refused(args):
    with pytest.raises(AnalysisError):
        power_sample_size(*args)
