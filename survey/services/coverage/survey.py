"""The claimant-reported coverage indicators: what claimants of the matching services
answered to the optional ``need`` items ("Were you counselled free of charge when you
needed it?": yes / no / I did not need it).

Each indicator is the share of "yes" among those who answered yes or no ("I did not
need it" is stored as ``None`` and left out of the denominator; a skipped item stores
nothing). It is estimated exactly as the index's fact indicators: valid responses of the
period in the unit's subtree, strata = units weighted by their served counts, primary
sampling units = unit × local day, a ratio estimator with its linearized variance and
logit interval (:func:`survey.services.reporting.index.index_table` with ``by=fact``
and ``facts="coverage"``; docs/methodology.md). The NCHS rules of
:mod:`survey.services.reporting.reliability` decide what is shown; the verdict follows
the index's rule (met when the one-sided lower bound reaches the target, not met when
the upper bound is below it, else inconclusive; no verdict under the minimum n).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Answer, Response, Unit
from ..accounts.scope import subtree_ids
from ..reporting.periods import Period
from ..reporting.reliability import Assessment, Reason, Reliability, assess
from .indicators import SURVEY_INDICATORS, Indicator


@dataclass(frozen=True)
class SurveyFigure:
    """One claimant-reported indicator in a unit's subtree and period.

    ``yes``, ``no`` and ``no_need`` are the answers counted (unweighted); ``estimate``,
    ``se``, ``low``, ``high``, ``df``, ``method`` and ``deff`` are the design-based
    figure (NaN estimate: nobody answered yes or no); ``verdict`` is a code of
    :class:`~.report.CoverageVerdict`."""

    indicator: Indicator
    yes: int
    no: int
    no_need: int
    estimate: float
    se: float
    low: float
    high: float
    df: Optional[int]
    method: str
    deff: Optional[float]
    weighted: bool
    target: Optional[float]
    verdict: str
    assessment: Assessment

    @property
    def n(self) -> int:
        """Claimants who answered yes or no: the denominator."""
        return self.yes + self.no

    @property
    def shown(self) -> bool:
        return self.assessment.shown and not math.isnan(self.estimate)


def answer_counts(session: Session, period: Period, unit: Unit
                  ) -> dict[str, dict[Optional[int], int]]:
    """Item code → stored value (1 yes, 2 no, ``None`` no need) → valid answers of the
    period in ``unit``'s subtree, for the survey indicators' items."""
    from ..reporting.aggregates import period_filter

    from ...models import Questionnaire
    from ...models.questionnaires import fact_codes
    from ...models.responses import FACT_NONE, MAX_FACTS, fact_slot

    members = sorted(subtree_ids(session, [unit.id]))
    codes = [indicator.item for indicator in SURVEY_INDICATORS]
    found: dict[str, dict[Optional[int], int]] = {code: {} for code in codes}
    where = period_filter(period, members)
    # From the values stored on the responses (Response.fact_values) …
    stored = session.execute(
        sa.select(Response.questionnaire_id, sa.func.coalesce(Response.fact_values, -1),
                  sa.func.count())
        .where(*where).group_by(Response.questionnaire_id, Response.fact_values)).all()
    slots = {qid: {code: i for i, code in enumerate(fact_codes(definition))}
             for qid, definition in session.execute(
                 sa.select(Questionnaire.id, Questionnaire.definition).where(
                     Questionnaire.id.in_({row[0] for row in stored})))}
    unstored = False
    for qid, values, count in stored:
        if values < 0 or len(slots[qid]) > MAX_FACTS:
            unstored = True
            continue
        for code in codes:
            if code in slots[qid]:
                value = fact_slot(values, slots[qid][code])
                if value:
                    key = None if value == FACT_NONE else value
                    found[code][key] = found[code].get(key, 0) + count
    if unstored:  # … and from the answers of the responses stored without them
        rows = session.execute(
            sa.select(Answer.item_code, Answer.value, sa.func.count())
            .join(Response, Response.id == Answer.response_id)
            .where(*where, Response.fact_values.is_(None), Answer.item_code.in_(codes))
            .group_by(Answer.item_code, Answer.value))
        for code, answer, count in rows:
            found[code][answer] = found[code].get(answer, 0) + count
    return found


def survey_verdict(row: Any, yes: int, no: int, target: Optional[float], level: float,
                   min_n: int, assessment: Assessment) -> str:
    """The index's verdict rule for one figure (a code of ``CoverageVerdict``).

    A target of 100 % is the limit of that rule: no sample proves that everyone was
    served (the lower bound stays below 100 %), and the upper bound of any estimate under
    100 % is below it, so the verdict is *not met* as soon as one claimant answers "no"
    and *inconclusive* otherwise."""
    from ...analysis import target_verdict

    if yes + no == 0 or math.isnan(row.estimate):
        return "no_data"
    if not assessment.shown:
        return "suppressed"
    if target is None:
        return "no_target"
    if yes + no < max(min_n, 1):
        return "insufficient"
    if target >= 1:
        return "not_met" if no else "inconclusive"
    return target_verdict(row, target, level, min_n).verdict


def survey_figures(session: Session, period: Period, unit: Unit,
                   targets: Optional[Mapping[str, Mapping]] = None,
                   options: Optional[Mapping[str, Any]] = None) -> list[SurveyFigure]:
    """Every indicator of :data:`SURVEY_INDICATORS` for ``unit``'s subtree in ``period``.

    ``targets``: the configured coverage targets (default: the plan's); ``options``: the
    index's settings (:func:`survey.services.reporting.index.configured`: ``min_n``,
    ``min_answers``, ``fpc``, ``receipts_for_all``; its ``targets`` are the index's own
    and are not used here)."""
    from ..reporting.index import Breakdown, IndexQuery, index_table

    settings = {key: value for key, value in dict(options or {}).items()
                if key in ("min_n", "min_answers", "fpc", "receipts_for_all", "level")}
    table = index_table(session, IndexQuery(period.code, unit.code, by=Breakdown.FACT,
                                            facts="coverage", fdr=False, total=False,
                                            **settings))
    rows = {row.key: row for row in table.rows}
    counts = answer_counts(session, period, unit)
    figures = []
    for indicator in SURVEY_INDICATORS:
        answered = counts[indicator.item]
        yes, no, no_need = answered.get(1, 0), answered.get(2, 0), answered.get(None, 0)
        row = rows.get(indicator.item)
        target = indicator.target(period, targets)
        if row is None or yes + no == 0:
            assessment = Assessment(Reliability.SUPPRESSED, (Reason.NO_DATA,))
            figures.append(SurveyFigure(indicator, yes, no, no_need, math.nan, math.nan,
                                        math.nan, math.nan, None, "logit", None, False,
                                        target, "no_data", assessment))
            continue
        assessment = assess(row.n, row.estimate, row.se, row.low, row.high, row.df)
        verdict = survey_verdict(row, yes, no, target, table.level, table.min_n, assessment)
        figures.append(SurveyFigure(
            indicator, yes, no, no_need, row.estimate, row.se, row.low, row.high, row.df,
            row.method.value, row.deff, row.weighted, target, verdict, assessment))
    return figures
