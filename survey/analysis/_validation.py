"""Input checks shared by the analysis modules.

Every impossible input raises :class:`AnalysisError` (a ``ValueError``) with an
English message naming the offending argument, so callers can catch one class.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np


class AnalysisError(ValueError):
    """Raised for input that no statistic can be computed from (x > n, N_h < n_h, ...)."""


def check_level(level: float, name: str = "level") -> float:
    """Return ``level`` as a float after checking 0 < level < 1."""
    if isinstance(level, bool) or not isinstance(level, Real):
        raise AnalysisError(f"{name} must be a number strictly between 0 and 1, got {level!r}")
    value = float(level)
    if not 0.0 < value < 1.0:
        raise AnalysisError(f"{name} must be strictly between 0 and 1, got {level!r}")
    return value


def check_count(value: Any, name: str) -> int:
    """Return ``value`` as a non-negative int; integral floats (4.0) are accepted."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise AnalysisError(f"{name} must be a non-negative integer count, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number != math.floor(number):
        raise AnalysisError(f"{name} must be a whole number, got {value!r}")
    if number < 0:
        raise AnalysisError(f"{name} must not be negative, got {value!r}")
    return int(number)


def check_counts(values: Sequence[Any], name: str) -> np.ndarray:
    """Return a sequence of non-negative whole counts as an int64 array."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise AnalysisError(f"{name} must be a sequence of counts, got {values!r}")
    return np.array([check_count(v, f"{name}[{i}]") for i, v in enumerate(values)], dtype=np.int64)


def check_x_le_n(x: np.ndarray, n: np.ndarray, x_name: str = "x", n_name: str = "n") -> None:
    """Raise unless ``x`` and ``n`` have equal length and x_i <= n_i everywhere."""
    if x.shape != n.shape:
        raise AnalysisError(
            f"{x_name} and {n_name} must have the same length ({len(x)} != {len(n)})"
        )
    bad = np.flatnonzero(x > n)
    if bad.size:
        i = int(bad[0])
        raise AnalysisError(f"{x_name}[{i}] = {x[i]} exceeds {n_name}[{i}] = {n[i]}")


def check_population(value: Any, responses: int, name: str) -> float:
    """Return a served count N_h as float after checking it is finite and >= n_h."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise AnalysisError(f"{name} must be a finite number of people served, got {value!r}")
    number = float(value)
    if number < responses:
        raise AnalysisError(
            f"{name} = {value!r} is smaller than the {responses} responses in that stratum; "
            "served counts must be at least the number of responses"
        )
    return number


def check_probability(value: Any, name: str, *, open_interval: bool = True) -> float:
    """Return ``value`` as a float in (0, 1) (or [0, 1] when ``open_interval`` is False)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise AnalysisError(f"{name} must be a number between 0 and 1, got {value!r}")
    number = float(value)
    inside = 0.0 < number < 1.0 if open_interval else 0.0 <= number <= 1.0
    if not inside:
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise AnalysisError(f"{name} must be {bounds}, got {value!r}")
    return number
