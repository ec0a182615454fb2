"""The stratified cluster design (reference §2b, §4.4): R ``survey`` values reproduced."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from survey.analysis import AnalysisError, ClusterSums, clustered_composite, sums_from_answers
from survey.analysis.composite import answer_matrices

from .helpers import DIMENSIONS, ITEMS, matches

DATA = Path(__file__).parent / "data" / "cluster_example.csv"


def load_clusters():
    with DATA.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    answers = {item: [int(row[item]) if row[item] else None for row in rows] for item in ITEMS}
    strata = [row["stratum"] for row in rows]
    psus = [row["psu"] for row in rows]
    served = {row["stratum"]: int(row["N"]) for row in rows}
    return answers, strata, psus, served


@pytest.fixture(scope="module")
def example():
    answers, strata, psus, served = load_clusters()
    satisfied, answered = answer_matrices(answers, ITEMS)
    clusters = ClusterSums.from_answers(satisfied, answered, strata, psus, ITEMS)
    n_h = {s: strata.count(s) for s in served}
    weights = {s: served[s] / n_h[s] for s in served}
    elements = sums_from_answers(answers, strata).strata
    return clustered_composite(clusters, DIMENSIONS, weights,
                               elements=elements)


REFERENCE = {  # §4.4: estimate, SE clustered, logit interval, SE with each response its own PSU
    None: ("0.8488151923", "0.0128062885", "0.8209426422", "0.8730201201", "0.0080791727"),
    "A": ("0.8572714245", "0.0162224017", "0.8210758106", "0.8871511849", "0.0141186781"),
    "B": ("0.8393437637", "0.0150699122", "0.8063515551", "0.8676377094", "0.0119332408"),
    "C": ("0.8498303886", "0.0194451818", "0.8059561398", "0.8851975149", "0.0143624481"),
    "a1": ("0.8595510167", "0.0238463102", "0.8038543522", "0.9013727347", "0.0192931421"),
}


def test_example_has_a_lonely_stratum():
    _answers, strata, psus, _served = load_clusters()
    per_stratum = {s: {p for t, p in zip(strata, psus) if t == s} for s in set(strata)}
    assert sorted(len(v) for v in per_stratum.values())[0] == 1
    assert sum(len(v) for v in per_stratum.values()) == 39


@pytest.mark.parametrize("key", list(REFERENCE))
def test_matches_r_survey_with_clusters_no_fpc_and_lonely_adjust(example, key):
    result = example if key is None else (
        example.items["a1"] if key == "a1" else example.dimensions[key])
    estimate, se, low, high, element_se = REFERENCE[key]
    assert matches(result.estimate, estimate) and matches(result.se, se)
    assert matches(result.low, low) and matches(result.high, high)
    assert result.df == 35 and result.method == "logit" and result.weighted
    assert matches(result.se / result.deff ** 0.5, element_se)


def test_design_effect_of_the_composite(example):
    assert matches(example.deff, "2.5125388478")


def test_certainty_ignores_the_lonely_stratum_and_is_narrower():
    answers, strata, psus, served = load_clusters()
    satisfied, answered = answer_matrices(answers, ITEMS)
    clusters = ClusterSums.from_answers(satisfied, answered, strata, psus, ITEMS)
    weights = {s: served[s] / strata.count(s) for s in served}
    adjust = clustered_composite(clusters, DIMENSIONS, weights)
    certainty = clustered_composite(clusters, DIMENSIONS, weights, lonely="certainty")
    assert certainty.estimate == adjust.estimate and certainty.se < adjust.se


def test_one_psu_per_response_is_the_element_design():
    """With every response its own PSU the cluster formula is the stratified one."""
    answers, strata, _psus, served = load_clusters()
    satisfied, answered = answer_matrices(answers, ITEMS)
    own = [str(i) for i in range(len(strata))]
    clusters = ClusterSums.from_answers(satisfied, answered, strata, own, ITEMS)
    weights = {s: served[s] / strata.count(s) for s in served}
    result = clustered_composite(clusters, DIMENSIONS, weights,
                                 elements=sums_from_answers(answers, strata).strata)
    assert result.deff == pytest.approx(1.0, abs=1e-12)
    assert matches(result.se, "0.0080791727") and result.df == len(strata) - 4


def test_bad_input_is_refused():
    ones = np.ones((2, 1))
    with pytest.raises(AnalysisError):
        ClusterSums.from_answers(ones, ones, ["a", "b"], ["p", "p"], ["x"])  # PSU in 2 strata
    with pytest.raises(AnalysisError):
        ClusterSums(("x",), ("a",), np.array([1.0]), np.array([[2.0]]), np.array([[1.0]]))
    clusters = ClusterSums.from_answers(ones, ones, ["a", "a"], ["p", "q"], ["x"])
    with pytest.raises(AnalysisError):
        clustered_composite(clusters, {"X": ["x"]}, {"b": 1.0})
    with pytest.raises(AnalysisError):
        clustered_composite(clusters, {"X": ["x"]}, lonely="remove")
