"""Shared test helpers: the reference data set and tolerance rules."""

from __future__ import annotations

import csv
import math
from pathlib import Path

DATA = Path(__file__).parent / "data" / "composite_example.csv"
ITEMS = ("a1", "a2", "b1", "b2", "b3", "c1", "c2")
DIMENSIONS = {"A": ["a1", "a2"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2"]}


def load_example() -> tuple[dict[str, list[int | None]], list[str], dict[str, int]]:
    """(answers by item, stratum per respondent, served count per stratum) of the CSV."""
    with DATA.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    answers = {item: [int(row[item]) if row[item] else None for row in rows] for item in ITEMS}
    strata = [row["stratum"] for row in rows]
    served = {row["stratum"]: int(row["N"]) for row in rows}
    return answers, strata, served


def matches(actual: float, expected: str) -> bool:
    """True if ``actual`` reproduces the reference value written as ``expected``.

    Tolerance: half a unit of the last digit shown, but no tighter than 1e-8
    (values printed with 10 decimals; R's logit and xlogit differ by ~1e-9).
    """
    decimals = len(expected.split(".")[1]) if "." in expected else 0
    tolerance = max(0.5 * 10.0**-decimals, 1e-8)
    return math.isclose(actual, float(expected), rel_tol=0.0, abs_tol=tolerance + 1e-12)
