"""Pure statistics for the satisfaction index (numpy/scipy only, no Flask, no database).

Formulas and reference values: ``docs/statistics-reference.md``. Usable from a
notebook::

    from survey.analysis import proportion_interval, composite_index, target_verdict
    r = proportion_interval(50, 57, method="wilson")
    target_verdict(r, 0.85).verdict

Modules: :mod:`.proportions` (single and stratified shares), :mod:`.composite`
(composite index from per-respondent answers), :mod:`.sums` (the same from
per-stratum sums computed in SQL), :mod:`.clustered` (counter-day clusters), :mod:`.verdict` (target verdicts),
:mod:`.monitoring` (trend test, p-chart), :mod:`.planning` (sample size),
:mod:`.reliability` (Cronbach's alpha), :mod:`.disclosure` (suppression),
:mod:`.design` (result type and interval conventions).

All modules import each other relatively, so this package also loads on its own
(e.g. as a top-level ``analysis`` package) without the Flask app package.
"""

from ._validation import AnalysisError
from .clustered import ClusterSums, clustered_composite, element_composite
from .composite import composite_index
from .design import CompositeResult, DesignEstimate
from .disclosure import Suppression, suppress
from .multiplicity import adjust_verdicts, benjamini_hochberg
from .monitoring import PChart, TrendResult, p_chart, trend_test
from .planning import SampleSize, power_sample_size, sample_size, slovin
from .proportions import ProportionInterval, proportion_interval, stratified_proportion
from .reliability import AlphaResult, cronbach_alpha, feldt_interval
from .sums import CompositeSums, StratumSums, composite_from_sums, sums_from_answers
from .verdict import Verdict, target_verdict

__all__ = [
    "adjust_verdicts",
    "benjamini_hochberg",
    "AlphaResult",
    "AnalysisError",
    "ClusterSums",
    "CompositeResult",
    "CompositeSums",
    "DesignEstimate",
    "PChart",
    "ProportionInterval",
    "SampleSize",
    "StratumSums",
    "Suppression",
    "TrendResult",
    "Verdict",
    "clustered_composite",
    "element_composite",
    "composite_from_sums",
    "composite_index",
    "cronbach_alpha",
    "feldt_interval",
    "p_chart",
    "proportion_interval",
    "sample_size",
    "power_sample_size",
    "slovin",
    "stratified_proportion",
    "sums_from_answers",
    "suppress",
    "target_verdict",
    "trend_test",
]
