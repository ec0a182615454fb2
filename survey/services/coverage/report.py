"""The coverage indicators of a unit's subtree in a period, as plain figures and as a
:class:`~survey.services.reporting.tables.ReportTable` for every writer (CLI, API, the
admin page; the dashboard panel and the report's sheet ChiTieu2269 take the same table).

Administrative figures are exact sums of the monthly counts of the reporting units
(centres and branches) in the subtree: no interval. They are *complete* when every
active reporting unit of the subtree sent every month of the period; only complete
figures get a verdict, and a target is met when the share reaches it exactly.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any, Mapping, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import CoverageCount, Unit
from ...models.coverage import COUNT_FIELDS
from ..accounts.scope import subtree_ids
from ..errors import NotFound
from ..reporting.periods import Period, parse_period
from ..reporting.tables import Column, Figure, Kind, Note, ReportRow, ReportTable
from .counts import REPORTING_KINDS
from .indicators import BY_CODE, INDICATORS, Indicator
from .survey import SurveyFigure, survey_figures

#: At most this many missing unit-months are named in a row (the rest are counted).
MISSING_NAMED = 6


class CoverageVerdict(StrEnum):
    """A coverage figure's verdict against the target of its year."""

    MET = "met"
    NOT_MET = "not_met"
    #: Some reporting unit did not send some month: no verdict on a partial sum.
    INCOMPLETE = "incomplete"
    #: Nobody in the denominator (nobody asked): no share.
    NO_DATA = "no_data"
    NO_TARGET = "no_target"
    #: Survey figures (the index's rule): the interval straddles the target.
    INCONCLUSIVE = "inconclusive"
    #: Survey figures: fewer answers than the minimum sample: no verdict.
    INSUFFICIENT = "insufficient"
    #: Survey figures: too unreliable to show (NCHS): no figure, no verdict.
    SUPPRESSED = "suppressed"

    @property
    def label(self) -> Any:
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    CoverageVerdict.MET: _l("met"),
    CoverageVerdict.NOT_MET: _l("not met"),
    CoverageVerdict.INCOMPLETE: _l("data incomplete"),
    CoverageVerdict.NO_DATA: _l("no data"),
    CoverageVerdict.NO_TARGET: _l("no target"),
    CoverageVerdict.INCONCLUSIVE: _l("not enough evidence to conclude"),
    CoverageVerdict.INSUFFICIENT: _l("sample too small"),
    CoverageVerdict.SUPPRESSED: _l("suppressed (too unreliable to show)"),
}


@dataclass(frozen=True)
class Counts:
    """Summed counts of a subtree over some months, and which unit-months are missing."""

    totals: Mapping[str, int]
    #: (unit code, month) of every expected report that did not arrive, sorted.
    missing: tuple[tuple[str, str], ...]
    expected: int
    reported: int
    #: When the newest of the summed rows was stored (``None``: no row).
    updated_at: Optional[dt.datetime]

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class CoverageFigure:
    """One indicator's figure: exact for the admin source."""

    indicator: Indicator
    numerator: int
    denominator: int
    share: Optional[float]
    target: Optional[float]
    verdict: CoverageVerdict
    counts: Counts


def months_of(period: Period) -> list[str]:
    """The month codes of a period (a month: itself)."""
    if period.kind == "month":
        return [period.code]
    return [month for part in period.parts() for month in months_of(part)]


def _subtree(session: Session, unit: Unit) -> tuple[list[int], list[Unit]]:
    """The ids of ``unit``'s subtree, and its units expected to report (active centres
    and branches)."""
    members = sorted(subtree_ids(session, [unit.id]))
    units = session.scalars(sa.select(Unit).where(Unit.id.in_(members)))
    return members, [u for u in units if u.active and u.kind in REPORTING_KINDS]


def _rows(session: Session, members: list[int], months: list[str]) -> list[CoverageCount]:
    return list(session.scalars(sa.select(CoverageCount).where(
        CoverageCount.unit_id.in_(members), CoverageCount.month.in_(months))))


def _summed(rows: list[CoverageCount], expected: list[Unit], months: list[str]) -> Counts:
    totals = {name: sum(getattr(row, name) for row in rows) for name in COUNT_FIELDS}
    sent = {(row.unit_id, row.month) for row in rows}
    missing = sorted((u.code, month) for u in expected for month in months
                     if (u.id, month) not in sent)
    newest = max((row.updated_at for row in rows), default=None)
    return Counts(totals, tuple(missing), len(expected) * len(months), len(rows), newest)


def subtree_counts(session: Session, unit: Unit, months: list[str]) -> Counts:
    """Sum the rows of ``unit``'s subtree over ``months``; every active centre or branch
    in it is expected to have sent each month."""
    members, expected = _subtree(session, unit)
    return _summed(_rows(session, members, months), expected, months)


def verdict(share: Optional[Fraction], target: Optional[float],
            complete: bool) -> CoverageVerdict:
    """Exact counts: met when the share reaches the target, compared as fractions (so
    that 100 % means every single person)."""
    if share is None:
        return CoverageVerdict.NO_DATA
    if not complete:
        return CoverageVerdict.INCOMPLETE
    if target is None:
        return CoverageVerdict.NO_TARGET
    return (CoverageVerdict.MET if share >= Fraction(str(target))
            else CoverageVerdict.NOT_MET)


def figures(counts: Counts, period: Period,
            targets: Optional[Mapping[str, Mapping]] = None) -> list[CoverageFigure]:
    """Every administrative indicator of :data:`INDICATORS` from ``counts``."""
    result = []
    for indicator in INDICATORS:
        numerator = counts.totals[indicator.numerator]
        denominator = counts.totals[indicator.denominator]
        exact = Fraction(numerator, denominator) if denominator else None
        target = indicator.target(period, targets)
        result.append(CoverageFigure(
            indicator, numerator, denominator, float(exact) if exact is not None else None,
            target, verdict(exact, target, counts.complete), counts))
    return result


def _unit(session: Session, code: str) -> Unit:
    unit = session.scalar(sa.select(Unit).filter_by(code=code.strip().upper()))
    if unit is None:
        raise NotFound(_l("Unknown unit code %(code)s.", code=repr(code)))
    return unit


COLUMNS = (
    Column("key", _l("Key"), Kind.TEXT),
    Column("label", _l("Indicator"), Kind.TEXT),
    Column("numerator", _l("Numerator"), Kind.COUNT),
    Column("denominator", _l("Denominator"), Kind.COUNT),
    Column("share", _l("Share"), Kind.PERCENT),
    Column("target", _l("Target"), Kind.PERCENT),
    Column("verdict", _l("Verdict"), Kind.CODE),
    Column("data", _l("Data"), Kind.TEXT),
    Column("interval", _l("Confidence interval"), Kind.INTERVAL, detail=True),
    Column("source", _l("Source"), Kind.CODE, detail=True),
    Column("definition", _l("Definition"), Kind.TEXT, detail=True),
    Column("numerator_field", _l("Numerator field"), Kind.TEXT, detail=True),
    Column("denominator_field", _l("Denominator field"), Kind.TEXT, detail=True),
    Column("complete", _l("Complete"), Kind.FLAG, detail=True),
    Column("expected", _l("Unit-months expected"), Kind.COUNT, detail=True),
    Column("reported", _l("Unit-months reported"), Kind.COUNT, detail=True),
    Column("missing", _l("Missing unit-months"), Kind.TEXT, detail=True),
    Column("no_need", _l("Answered “I did not need it”"), Kind.COUNT, detail=True),
    Column("reliability", _l("Reliability (NCHS)"), Kind.TEXT, detail=True),
    Column("reasons", _l("Reliability reasons"), Kind.TEXT, detail=True),
    Column("df", _l("Degrees of freedom"), Kind.COUNT, detail=True),
    Column("deff", _l("Design effect"), Kind.RATIO, detail=True),
    Column("method", _l("Interval method"), Kind.TEXT, detail=True),
)


def missing_text(counts: Counts) -> str:
    """``NA-DEMO2 2026-08, …`` (the first few) and how many more."""
    named = ", ".join(f"{code} {month}" for code, month in counts.missing[:MISSING_NAMED])
    rest = len(counts.missing) - MISSING_NAMED
    return named + (str(_l(" and %(n)s more", n=rest)) if rest > 0 else "")


def _data_text(counts: Counts) -> Any:
    if counts.complete:
        return _l("complete")
    return _l("%(missing)s of %(expected)s unit-months missing",
              missing=len(counts.missing), expected=counts.expected)


def _row(figure: CoverageFigure) -> ReportRow:
    indicator, counts = figure.indicator, figure.counts
    return ReportRow({
        "key": indicator.code, "label": indicator.name, "numerator": figure.numerator,
        "denominator": figure.denominator, "share": figure.share, "target": figure.target,
        "verdict": figure.verdict, "data": _data_text(counts), "interval": None,
        "source": indicator.source, "definition": indicator.definition,
        "numerator_field": indicator.numerator, "denominator_field": indicator.denominator,
        "complete": counts.complete, "expected": counts.expected,
        "reported": counts.reported, "missing": missing_text(counts) or None,
        "no_need": None, "reliability": None, "reasons": None, "df": None, "deff": None,
        "method": None,
    })


def _survey_data_text(figure: SurveyFigure) -> Any:
    """What people read in the "Data" cell of a survey row."""
    if figure.n == 0:
        return _l("survey: nobody answered yes or no; %(no_need)s did not need it",
                  no_need=figure.no_need)
    if not figure.shown:
        return _l("survey: %(n)s answers, %(no_need)s did not need it; too unreliable to "
                  "show", n=figure.n, no_need=figure.no_need)
    text = _l("survey: %(n)s answers, %(no_need)s did not need it; 95 %% interval "
              "%(low)s–%(high)s %%", n=figure.n, no_need=figure.no_need,
              low=Figure(figure.low), high=Figure(figure.high))
    if figure.assessment.status.value == "flagged":
        return _l("%(text)s (unreliable: read with care)", text=text)
    return text


def _survey_row(figure: SurveyFigure) -> ReportRow:
    """A claimant-reported figure; what the NCHS rules suppress is ``None``."""
    indicator, shown = figure.indicator, figure.shown
    return ReportRow({
        "key": indicator.code, "label": indicator.name,
        "numerator": figure.yes if shown else None, "denominator": figure.n,
        "share": figure.estimate if shown else None, "target": figure.target,
        "verdict": CoverageVerdict(figure.verdict), "data": _survey_data_text(figure),
        "interval": (figure.low, figure.high) if shown else None,
        "source": indicator.source, "definition": indicator.definition,
        "numerator_field": indicator.item, "denominator_field": indicator.item,
        "complete": True, "expected": 0, "reported": 0, "missing": None,
        "no_need": figure.no_need, "reliability": figure.assessment.status.value,
        "reasons": ", ".join(r.value for r in figure.assessment.reasons) or None,
        "df": figure.df if shown else None, "deff": figure.deff if shown else None,
        "method": figure.method if shown else None,
    })


def _side_by_side(admin: list[ReportRow], survey: list[ReportRow]) -> list[ReportRow]:
    """Each survey row right after the administrative row of the same indicator."""
    after = {row["key"]: row for row in survey}
    ordered: list[ReportRow] = []
    for row in admin:
        ordered.append(row)
        ordered += [after.pop(code) for code in list(after)
                    if BY_CODE[code].pairs == row["key"]]
    return ordered + list(after.values())


def coverage_report(session: Session, period: str | Period, unit: str, *,
                    targets: Optional[Mapping[str, Mapping]] = None,
                    locale: str = "vi",
                    options: Optional[Mapping[str, Any]] = None) -> ReportTable:
    """The plan's coverage indicators for ``unit``'s subtree in ``period``.

    ``period`` is a code (``2026-09``, ``2026-Q3``, ``2026``) or a :class:`Period`;
    ``unit`` a unit code (:class:`NotFound` if unknown); ``targets`` the configured ones
    (:func:`.indicators.configured_targets`; default: the plan's); ``locale`` the
    language of the unit's name; ``options`` the index's settings for the survey rows
    (:func:`survey.services.reporting.index.configured`). The caller checks that the
    viewer may see ``unit``.

    Returns a :class:`ReportTable` with one row per indicator (no total row): the
    administrative ones, each followed by its claimant-reported counterpart (``source``
    ``survey``; :mod:`.survey`), never mixed. For a survey row ``numerator`` is the
    claimants answering yes (``None`` when suppressed), ``denominator`` those answering
    yes or no, ``share`` the design-based estimate (weighted, so not always
    numerator / denominator; ``None`` when suppressed), ``interval`` its 95 % interval,
    ``no_need`` those answering "I did not need it", ``reliability`` (``reliable``,
    ``flagged``, ``suppressed``) and ``reasons`` the NCHS rules, ``df``, ``deff``,
    ``method``; the completeness keys do not apply (``complete`` true, ``expected`` and
    ``reported`` 0). Row keys:
    ``key`` (indicator code), ``label``, ``numerator``, ``denominator`` (exact counts),
    ``share`` (in [0, 1]; ``None`` when the denominator is 0), ``target`` (``None``: no
    target), ``verdict`` (:class:`CoverageVerdict`), ``data`` (completeness for people),
    ``interval`` (always ``None`` for counts), ``source``, ``definition``,
    ``numerator_field``, ``denominator_field``, ``complete``, ``expected`` and
    ``reported`` (unit-months), ``missing`` (the first missing unit-months, or ``None``).
    ``meta``: ``period`` (:class:`Period`), ``unit``, ``unit_label``, ``months``,
    ``complete``, ``missing`` (every missing (unit code, month)), ``updated_at`` (newest
    row stored, UTC, or ``None``).
    """
    period = parse_period(period) if isinstance(period, str) else period
    scope = _unit(session, unit)
    months = months_of(period)
    counts = subtree_counts(session, scope, months)
    admin = [_row(figure) for figure in figures(counts, period, targets)]
    survey = [_survey_row(figure)
              for figure in survey_figures(session, period, scope, targets, options)]
    rows = _side_by_side(admin, survey)
    notes = [Note(_l("Counts from the case software are exact: they carry no interval. A "
                     "verdict is given only when every centre and branch sent every month "
                     "of the period; a target is met when the share reaches it."),
                  rule=True),
             Note(_l("Rows marked “claimants' answers” come from the survey, shown beside "
                     "the case software's figure and never added to it: the share of "
                     "“yes” among claimants of the matching services who answered yes or "
                     "no (“I did not need it” is left out), estimated with its interval "
                     "(confidence level 95%) as the satisfaction index is. “Met” means the lower bound "
                     "reaches the target, “not met” that the upper bound is below it; a "
                     "100 % target is not met as soon as one claimant answers no, and "
                     "cannot be shown met by a sample."), rule=True)]
    if counts.missing:
        notes.append(Note(_l("Missing: %(list)s.", list=missing_text(counts))))
    if counts.updated_at is not None:
        notes.append(Note(_l("Counts last updated %(date)s (UTC).",
                             date=counts.updated_at.strftime("%Y-%m-%d %H:%M"))))
    title = _l("Coverage targets of the plan (Decision 2269/QĐ-TTg): %(unit)s (%(code)s), "
               "period %(period)s", unit=scope.name(locale), code=scope.code, period=period.code)
    meta = {"period": period, "unit": scope.code, "unit_label": scope.name(locale),
            "months": months, "complete": counts.complete, "missing": counts.missing,
            "updated_at": counts.updated_at}
    return ReportTable(title, COLUMNS, rows, None, notes, meta)


def coverage_trend(session: Session, to: str | Period, unit: str, *, months: int = 12,
                   targets: Optional[Mapping[str, Mapping]] = None,
                   locale: str = "vi") -> ReportTable:
    """Month by month, the ``months`` months ending with the last month of ``to``: each
    indicator's share for ``unit``'s subtree (row keys: ``month``, one key per indicator
    code, ``complete``). A month with missing reports shows its partial shares with
    ``complete`` false."""
    period = parse_period(to) if isinstance(to, str) else to
    scope = _unit(session, unit)
    columns = (Column("month", _l("Month"), Kind.TEXT),
               *(Column(i.code, i.short, Kind.PERCENT) for i in INDICATORS),
               Column("complete", _l("Complete"), Kind.FLAG))
    members, expected = _subtree(session, scope)
    wanted = months_ending(period, months)
    by_month: dict[str, list[CoverageCount]] = {month: [] for month in wanted}
    for stored in _rows(session, members, wanted):
        by_month[stored.month].append(stored)
    rows = []
    for month in wanted:
        counts = _summed(by_month[month], expected, [month])
        values: dict[str, Any] = {"month": month, "complete": counts.complete}
        for figure in figures(counts, parse_period(month), targets):
            values[figure.indicator.code] = figure.share
        rows.append(ReportRow(values))
    title = _l("Coverage month by month: %(unit)s (%(code)s), to %(period)s",
               unit=scope.name(locale), code=scope.code, period=period.code)
    return ReportTable(title, columns, rows, None, [], {"period": period, "unit": scope.code})


def months_ending(period: Period, count: int) -> list[str]:
    """``count`` month codes, oldest first, ending with the period's last month."""
    year, month = period.last_day.year, period.last_day.month
    found = []
    for _i in range(count):
        found.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]
