"""The sufficient-statistics route reproduces the per-respondent route exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from survey.analysis import (
    AnalysisError,
    CompositeSums,
    DesignEstimate,
    StratumSums,
    composite_from_sums,
    composite_index,
    sums_from_answers,
)

from .helpers import DIMENSIONS, ITEMS, load_example

FIELDS = ("estimate", "se", "low", "high")


def assert_same(
    a: DesignEstimate, b: DesignEstimate, rel: float = 1e-12, abs_: float = 1e-14
) -> None:
    """Same estimate, SE and interval to 1e-12 (NaN equals NaN), same df, n, method."""
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=rel, abs_tol=abs_), (
            name,
            x,
            y,
        )
    assert (a.df, a.n, a.method, a.weighted, a.census) == (
        b.df,
        b.n,
        b.method,
        b.weighted,
        b.census,
    )


def assert_same_composite(a, b) -> None:  # type: ignore[no-untyped-def]
    assert_same(a, b)
    assert a.dimensions.keys() == b.dimensions.keys() and a.items.keys() == b.items.keys()
    for key in a.dimensions:
        assert_same(a.dimensions[key], b.dimensions[key])
    for key in a.items:
        assert_same(a.items[key], b.items[key])
    assert (a.excluded_items, a.excluded_dimensions) == (b.excluded_items, b.excluded_dimensions)


@pytest.mark.parametrize("weighted", [True, False])
def test_example_sums_equal_answers(weighted: bool) -> None:
    answers, strata, served = load_example()
    served_or_none = served if weighted else None
    direct = composite_index(answers, DIMENSIONS, strata, served_or_none)
    via_sums = composite_from_sums(sums_from_answers(answers, strata, served_or_none), DIMENSIONS)
    assert_same_composite(direct, via_sums)


def test_dimension_subset_and_single_item_from_same_sums() -> None:
    answers, strata, served = load_example()
    sums = sums_from_answers(answers, strata, served)
    full = composite_from_sums(sums, DIMENSIONS)
    only_b = composite_from_sums(sums, {"B": DIMENSIONS["B"]})
    assert_same(only_b, full.dimensions["B"])
    item = composite_from_sums(sums, {"b2": ["b2"]})
    assert math.isclose(item.estimate, full.items["b2"].estimate, rel_tol=1e-15)
    assert math.isclose(item.se, full.items["b2"].se, rel_tol=1e-12)
    assert item.df == 262


def test_from_pair_counts_matches_sql_shape() -> None:
    """Counts per ordered item pair (as a self-join of answers gives them) rebuild the
    same sums."""
    answers, strata, served = load_example()
    expected = sums_from_answers(answers, strata, served)
    rebuilt: dict[str, StratumSums] = {}
    for key in expected.strata:
        rows_of = [i for i, s in enumerate(strata) if s == key]
        pairs: dict[tuple[str, str], list[int]] = {}
        for i in rows_of:
            given = [(item, answers[item][i]) for item in ITEMS if answers[item][i] is not None]
            for j, vj in given:  # self-join of the response's non-NULL answers
                for k, vk in given:
                    cell = pairs.setdefault((j, k), [0, 0, 0])
                    cell[0] += vj >= 4 and vk >= 4
                    cell[1] += vj >= 4
                    cell[2] += 1
        rows = [(j, k, *c) for (j, k), c in pairs.items()]
        rebuilt[key] = StratumSums.from_pair_counts(ITEMS, len(rows_of), served[key], rows)
        for name in ("y", "r", "yy", "yr", "rr"):
            np.testing.assert_array_equal(
                getattr(rebuilt[key], name), getattr(expected.strata[key], name)
            )
    result = composite_from_sums(CompositeSums(ITEMS, rebuilt), DIMENSIONS)
    assert math.isclose(result.se, 0.0072576046, abs_tol=1e-10)


def test_unknown_served_pools_strata() -> None:
    answers, strata, served = load_example()
    partial = dict(served)
    partial["3"] = None  # type: ignore[assignment]
    pooled = composite_from_sums(sums_from_answers(answers, strata, partial), DIMENSIONS)
    assert_same(pooled, composite_index(answers, DIMENSIONS))


def test_pooling_with_add() -> None:
    answers, strata, _ = load_example()
    sums = sums_from_answers(answers, strata)
    total = sums.strata["1"] + sums.strata["2"] + sums.strata["3"]
    assert total.n == 265 and total.N is None
    assert_same(
        composite_from_sums(CompositeSums(ITEMS, {"all": total}), DIMENSIONS),
        composite_index(answers, DIMENSIONS),
    )


def test_inconsistent_sums_are_rejected() -> None:
    k = 2
    ok = dict(
        n=3,
        N=10,
        y=np.array([1, 1]),
        r=np.array([2, 3]),
        yy=np.array([[1, 0], [0, 1]]),
        yr=np.array([[1, 1], [0, 1]]),
        rr=np.array([[2, 2], [2, 3]]),
    )
    StratumSums(**ok)
    with pytest.raises(AnalysisError, match="symmetric"):
        StratumSums(**{**ok, "rr": np.array([[2, 1], [2, 3]])})
    with pytest.raises(AnalysisError, match="r <= n"):
        StratumSums(**{**ok, "n": 2})
    with pytest.raises(AnalysisError, match="smaller than"):
        StratumSums(**{**ok, "N": 2})
    with pytest.raises(AnalysisError, match="shape"):
        StratumSums(**{**ok, "yy": np.zeros((k, k + 1))})
    with pytest.raises(AnalysisError, match="not in items"):
        StratumSums.from_pair_counts(["a"], 1, None, [("a", "b", 0, 0, 1)])
    with pytest.raises(AnalysisError, match="expected 3"):
        CompositeSums(("a", "b", "c"), {"u": StratumSums(**ok)})
