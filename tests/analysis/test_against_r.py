"""Every interval method against R ``survey`` on random data (reference §2, §2b, §3, §4.4).

Random data sets (fixed seed) with strata of very different sizes — one with a single
response, one with a single PSU —, counter × day PSUs with cluster effects, 7 items in
3 dimensions with not-applicable answers and one item left unasked for about half the
respondents (planned missingness), weights w = N_h/n_h. One ``Rscript`` run
(``r/reference.R``, which documents how to run it by hand) computes, for all data sets
at once, the composite, each dimension and each item under three designs, which must
agree with :mod:`survey.analysis` to 1e-6 absolute in estimate, SE, interval bounds,
degrees of freedom and (clustered) design effect:

``clustered``
    ``svydesign(ids = ~psu, strata = ~stratum, weights = ~w)``, no FPC, lonely PSU
    ``"adjust"``; the design effect against ``ids = ~1`` with the same strata and weights,
    also ``"adjust"`` (so the single-response stratum is centred on the grand mean, as
    ``clustered._element_variance`` does) — vs :func:`clustered_composite` with
    ``elements=`` from :func:`sums_from_answers`.
``fpc``
    ``svydesign(ids = ~1, strata = ~stratum, weights = ~w, fpc = ~N)``, lonely PSU
    ``"certainty"`` (the single-response stratum contributes 0, as
    :func:`composite_index` does) — vs ``composite_index(answers, DIMENSIONS, strata,
    served)``.
``unweighted``
    ``svydesign(ids = ~1)``: one stratum, no weights, no FPC, df = n − 1 — vs
    ``composite_index(answers, DIMENSIONS)``.

Without ``Rscript`` (or the survey package) the comparisons skip locally but FAIL when
the environment variable ``CI`` is set (``make system-deps`` installs both).

``python -m tests.analysis.test_against_r`` runs the comparison and prints the largest
difference per design and quantity; ``--write FILE`` only writes the data sets.
"""

from __future__ import annotations

import csv
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from survey.analysis import ClusterSums, clustered_composite, composite_index, sums_from_answers
from survey.analysis.composite import answer_matrices

from .helpers import DIMENSIONS, ITEMS
from .rscript import require_reference, run_reference_script

pytestmark = pytest.mark.r_survey

SEED = 20250611
DATASETS = 6
TOLERANCE = 1e-6  # absolute, on every figure
DESIGNS = ("clustered", "fpc", "unweighted")
QUANTITIES = ("composite", *DIMENSIONS, *ITEMS)
FIELDS = ("estimate", "se", "low", "high", "df", "deff")

#: Latent-scale cut points of the answers 1|2, 2|3, 3|4, 4|5 (4–5 ⇔ latent > −0.5).
CUTS = np.array([-2.0, -1.2, -0.5, 0.3])
#: SD of the PSU (counter × day) effect per data set: from none to strong clustering.
PSU_SD = (0.0, 0.3, 0.6, 0.9, 0.5, 1.2)


# --------------------------------------------------------------------------- data


def _stratum_plan(rng: np.random.Generator, index: int) -> list[tuple[str, int, list[int]]]:
    """(label, N_h, responses per PSU) for each stratum of one data set."""
    plan: list[tuple[str, list[int]]] = [
        ("single-response", [1]),
        ("single-psu", [int(rng.integers(4, 25))]),
        ("two-psus", list(rng.integers(1, 4, size=2))),
        ("small", list(rng.integers(1, 7, size=int(rng.integers(3, 8))))),
    ]
    for k in range(int(rng.integers(1, 3))):
        plan.append((f"medium-{k}", list(rng.integers(2, 16, size=int(rng.integers(8, 20))))))
    for k in range(int(rng.integers(1, 3))):
        plan.append((f"large-{k}", list(rng.integers(5, 31, size=int(rng.integers(20, 45))))))
    strata = []
    for label, sizes in plan:
        n_h = int(sum(sizes))
        # Every other data set has its "small" stratum fully enumerated (FPC factor 0).
        census = label == "small" and index % 2 == 0
        served = n_h if census else int(math.ceil(n_h * rng.uniform(1.2, 40.0)))
        strata.append((f"{index}-{label}", served, [int(s) for s in sizes]))
    return strata


def make_dataset(rng: np.random.Generator, index: int) -> list[dict[str, object]]:
    """One random data set: one dict per response (answers None = not applicable)."""
    rows: list[dict[str, object]] = []
    psu_sd = PSU_SD[index % len(PSU_SD)]
    item_shift = rng.normal(0.0, 0.4, size=len(ITEMS))
    for stratum, served, sizes in _stratum_plan(rng, index):
        stratum_shift = rng.normal(1.0, 0.4)
        counters, days = max(1, len(sizes) // 6 + 1), 31
        cells = rng.choice(counters * days, size=len(sizes), replace=False)
        n_h = sum(sizes)
        for cell, size in zip(cells, sizes):
            psu = f"{stratum}/counter-{cell // days + 1}/day-{cell % days + 1:02d}"
            psu_shift = rng.normal(0.0, psu_sd) if psu_sd else 0.0
            person = rng.normal(0.0, 1.0, size=(size, 1))
            latent = (stratum_shift + psu_shift + person + item_shift
                      + rng.normal(0.0, 0.8, size=(size, len(ITEMS))))
            answers = (np.digitize(latent, CUTS) + 1).astype(object)
            answers[rng.random(answers.shape) < 0.06] = None  # not applicable
            for values in answers:
                row = {"dataset": f"d{index}", "stratum": stratum, "psu": psu,
                       "N": served, "w": served / n_h}
                row.update(zip(ITEMS, values.tolist()))
                rows.append(row)
    planned = ITEMS[index % len(ITEMS)]  # asked of a random half only
    unasked = rng.random(len(rows)) < 0.5
    for row, skip in zip(rows, unasked):
        if skip:
            row[planned] = None
    c2_not_applicable = rng.random(len(rows)) < 0.2
    for row, skip in zip(rows, c2_not_applicable):
        if skip:
            row["c2"] = None
    # Two respondents who skipped every item (they still count in n_h).
    for i in rng.choice(np.flatnonzero([r["stratum"].endswith("large-0") for r in rows]), 2,
                        replace=False):
        rows[i].update(dict.fromkeys(ITEMS))
    order = rng.permutation(len(rows))  # nothing may depend on the order of the rows
    return [rows[i] for i in order]


def make_datasets(seed: int = SEED, count: int = DATASETS) -> list[list[dict[str, object]]]:
    rng = np.random.default_rng(seed)
    return [make_dataset(rng, index) for index in range(count)]


def write_csv(datasets: list[list[dict[str, object]]], path: Path) -> None:
    columns = ["dataset", "stratum", "psu", "N", "w", *ITEMS]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for rows in datasets:
            for row in rows:
                # repr() of a float round-trips: R reads the very weights used here.
                writer.writerow(["" if row[c] is None else repr(row[c]) if c == "w" else row[c]
                                 for c in columns])


# --------------------------------------------------------------------------- ours


def ours(rows: list[dict[str, object]]) -> dict[str, object]:
    """design → CompositeResult from survey.analysis for one data set."""
    answers = {item: [row[item] for row in rows] for item in ITEMS}
    strata = [row["stratum"] for row in rows]
    psus = [row["psu"] for row in rows]
    served = {row["stratum"]: row["N"] for row in rows}
    n_h = Counter(strata)
    weights = {s: served[s] / n_h[s] for s in served}
    satisfied, answered = answer_matrices(answers, ITEMS)
    clusters = ClusterSums.from_answers(satisfied, answered, strata, psus, ITEMS)
    return {
        "clustered": clustered_composite(clusters, DIMENSIONS, weights,
                                         elements=sums_from_answers(answers, strata).strata),
        "fpc": composite_index(answers, DIMENSIONS, strata, served),
        "unweighted": composite_index(answers, DIMENSIONS),
    }


def pick(result, quantity: str):
    if quantity == "composite":
        return result
    return result.dimensions[quantity] if quantity in DIMENSIONS else result.items[quantity]


# --------------------------------------------------------------------------- R


def run_reference(workdir: Path, datasets) -> tuple[dict, str] | str:
    """(R figures keyed (dataset, design, quantity), versions), or why R is unavailable."""
    source, target = workdir / "datasets.csv", workdir / "r_results.csv"
    write_csv(datasets, source)
    return run_reference_script(source, target)


def differences(mine, theirs: dict, design: str) -> dict[str, float]:
    """field → |ours − R| for one data set, design and quantity (R's svyratio too)."""
    diff = {}
    for field in FIELDS:
        if field == "deff" and design != "clustered":
            continue
        a, b = getattr(mine, field), theirs[field]
        diff[field] = math.inf if a is None or b is None else abs(float(a) - b)
    if theirs.get("ratio_se") is not None:
        diff["svyratio estimate"] = abs(mine.estimate - theirs["ratio_estimate"])
        diff["svyratio se"] = abs(mine.se - theirs["ratio_se"])
    return diff


def largest_differences(datasets, table) -> dict[tuple[str, str], dict[str, float]]:
    """(design, quantity) → field → the largest |ours − R| over all data sets."""
    worst: dict[tuple[str, str], dict[str, float]] = {}
    for rows in datasets:
        name = rows[0]["dataset"]
        for design, result in ours(rows).items():
            for quantity in QUANTITIES:
                diff = differences(pick(result, quantity), table[name, design, quantity], design)
                slot = worst.setdefault((design, quantity), {})
                for field, value in diff.items():
                    slot[field] = max(slot.get(field, 0.0), value)
    return worst


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def datasets():
    return make_datasets()


@pytest.fixture(scope="module")
def r_run(datasets, tmp_path_factory):
    return run_reference(tmp_path_factory.mktemp("r_survey"), datasets)


def reference(r_run) -> dict:
    """R's table; without R a failure when CI is set, otherwise a skip."""
    return require_reference(r_run)


def test_random_data_have_the_edge_cases(datasets):
    """The designs R must agree on include what the formulas treat specially."""
    assert len(datasets) == DATASETS
    for rows in datasets:
        n_h = Counter(row["stratum"] for row in rows)
        psus = {s: {row["psu"] for row in rows if row["stratum"] == s} for s in n_h}
        assert min(n_h.values()) == 1 and max(n_h.values()) >= 300
        assert any(len(p) == 1 and n_h[s] > 1 for s, p in psus.items())  # a lonely PSU
        assert max(len(p) for p in psus.values()) >= 20
        assert sum(all(row[i] is None for i in ITEMS) for row in rows) >= 2
        unasked = {i: sum(row[i] is None for row in rows) / len(rows) for i in ITEMS}
        assert 0.4 < max(unasked.values()) < 0.65  # planned missingness
        assert all(value > 0.0 for value in unasked.values())
        assert all(row["N"] >= n_h[row["stratum"]] for row in rows)
        for item in ITEMS:  # every item answered, none unanimous: all intervals are logit
            answered = [row[item] for row in rows if row[item] is not None]
            assert 0 < sum(v >= 4 for v in answered) < len(answered)
    censuses = 0
    for rows in datasets:
        n_h = Counter(row["stratum"] for row in rows)
        censuses += len({row["stratum"] for row in rows if row["N"] == n_h[row["stratum"]] > 1})
    assert censuses >= 1  # a fully enumerated stratum (FPC factor 0)


@pytest.mark.parametrize("dataset", range(DATASETS), ids=lambda i: f"d{i}")
@pytest.mark.parametrize("design", DESIGNS)
def test_matches_r_survey(datasets, r_run, design, dataset):
    table = reference(r_run)
    rows = datasets[dataset]
    result = ours(rows)[design]
    mismatches = []
    for quantity in QUANTITIES:
        mine, theirs = pick(result, quantity), table[rows[0]["dataset"], design, quantity]
        assert mine.method == "logit", (quantity, mine.method)
        for field, diff in differences(mine, theirs, design).items():
            if not diff <= TOLERANCE:
                mine_value = getattr(mine, field, None) if " " not in field else None
                mismatches.append(f"{quantity} {field}: ours {mine_value!r}, R {theirs!r}, "
                                  f"|diff| {diff:.3g}")
    assert not mismatches, f"{design} d{dataset} vs R ({r_run[1]}):\n" + "\n".join(mismatches)


def test_degrees_of_freedom_follow_the_design(datasets, r_run):
    """PSUs − strata (clustered), n − H (fpc), n − 1 (unweighted), as R's degf()."""
    table = reference(r_run)
    for rows in datasets:
        name = rows[0]["dataset"]
        strata = {row["stratum"] for row in rows}
        psus = {row["psu"] for row in rows}
        expected = {"clustered": len(psus) - len(strata), "fpc": len(rows) - len(strata),
                    "unweighted": len(rows) - 1}
        for design, df in expected.items():
            assert table[name, design, "composite"]["df"] == df
            assert ours(rows)[design].df == df


# --------------------------------------------------------------------------- by hand


def main(argv: list[str]) -> int:
    data = make_datasets()
    if argv[:1] == ["--write"] and len(argv) == 2:
        write_csv(data, Path(argv[1]))
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        run = run_reference(Path(tmp), data)
    if isinstance(run, str):
        print(run, file=sys.stderr)
        return 1
    table, versions = run
    print(versions)
    for (design, quantity), worst in largest_differences(data, table).items():
        print(f"{design:10} {quantity:9}", "  ".join(f"{f} {v:.2e}" for f, v in worst.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
