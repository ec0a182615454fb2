"""Rough timings of the pure analysis library (not a test; run by hand).

    PYTHONPATH=. .venv/bin/python bench/analysis_pure.py

Compares the per-respondent route (composite_index) with the sufficient-statistics
route (composite_from_sums) that the services layer feeds from SQL aggregates.
"""

from __future__ import annotations

import time

import numpy as np

from survey.analysis import composite_from_sums, composite_index, sums_from_answers


def synthetic(n: int, units: int, items: int, seed: int = 1):  # type: ignore[no-untyped-def]
    """Random answers (10 % not applicable), unit labels and served counts."""
    rng = np.random.default_rng(seed)
    values = rng.choice([1, 2, 3, 4, 5], size=(n, items), p=[0.03, 0.04, 0.08, 0.45, 0.40]).astype(
        float
    )
    values[rng.random((n, items)) < 0.1] = np.nan
    answers = {f"q{j}": values[:, j].tolist() for j in range(items)}
    labels = rng.integers(0, units, size=n).tolist()
    served = {u: int(np.sum(np.array(labels) == u)) * 5 + 1 for u in range(units)}
    return answers, labels, served


def timed(label: str, func):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = func()
    print(f"{label:<42} {time.perf_counter() - start:8.3f} s")
    return value


def main() -> None:
    answers, labels, served = synthetic(n=100_000, units=200, items=20)
    dims = {
        "A": [f"q{j}" for j in range(7)],
        "B": [f"q{j}" for j in range(7, 14)],
        "C": [f"q{j}" for j in range(14, 20)],
    }
    direct = timed(
        "composite_index, 100k respondents", lambda: composite_index(answers, dims, labels, served)
    )
    sums = timed(
        "sums_from_answers (stand-in for SQL)", lambda: sums_from_answers(answers, labels, served)
    )
    via = timed(
        "composite_from_sums, 200 units x 20 items", lambda: composite_from_sums(sums, dims)
    )
    print(
        f"estimate {direct.estimate:.10f} vs {via.estimate:.10f}; "
        f"SE {direct.se:.3e} vs {via.se:.3e}"
    )


if __name__ == "__main__":
    main()
