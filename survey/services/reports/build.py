"""The sheets of the quarterly (``2026-Q3``) and annual (``2026``) report as data, from
the same report tables as every other figure of the product
(:func:`~survey.services.reporting.index.index_table`,
:func:`~survey.services.reporting.trend.trend_table`).

Only aggregates: no answer, no comment, no contact detail. Every share carries the NCHS
reliability of :mod:`survey.services.reporting.reliability`, and a suppressed share (with
its interval, verdict and change) is left blank in every sheet, after secondary
suppression across the sheets (:mod:`.protection`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import Session

from ...models import Answer, Questionnaire, QuestionnaireItem, Response
from ..errors import NotFound, ServiceError
from ..reporting.index import CHANNELS, Breakdown, IndexQuery, IndexRow, IndexTable, index_table
from ..reporting.periods import Period, parse_period
from ..reporting.reliability import Assessment, Reliability, Reason, assess_row
from ..reporting.served import issued_table
from ..reporting.strata import UnitTree
from ..reporting.trend import TrendQuery, shifted, trend_table
from . import texts
from .model import CODE, COUNT, FLAG, NUMBER, PERCENT, TEXT, Column, Report, Sheet
from .progress import Progress, nothing
from .protection import Protection

#: The data sheets, in order (ThongTin comes first in the files, from the header).
SHEETS = ("TongHop", "YeuTo", "TieuChi", "DichVu", "KenhThuThap", "XuHuong", "GopY_PhanAnh",
          "ChiTieu2269", "GhiChu")
SUPPRESSED_MARK = "x"


@dataclass(frozen=True)
class ReportQuery:
    """``period``: ``2026-Q3`` (quarterly) or ``2026`` (annual); ``unit``: the scope's
    code; ``options``: :class:`IndexQuery` settings from the configuration
    (:func:`~survey.services.reporting.index.configured`)."""

    period: str
    unit: str
    options: Mapping[str, Any] = field(default_factory=dict)


def check_period(text: str) -> Period:
    """A quarter or a year; a month is refused (the report is quarterly or annual)."""
    period = parse_period(text)
    if period.kind == "month":
        raise ServiceError(texts.MONTH_REFUSED)
    return period


def build_report(session: Session, query: ReportQuery,
                 progress: Optional[Progress] = None) -> Report:
    """Every data sheet of the report of ``query.unit`` for ``query.period``, in
    Vietnamese; each step is told to ``progress`` (:mod:`.progress`). Raises
    :class:`ServiceError` for a bad period and :class:`NotFound` for an unknown unit."""
    period = check_period(query.period)
    tell = progress or nothing
    tell(0, "reading", query.unit or "")
    tree = UnitTree.load(session)
    scope = tree.by_code(query.unit or "")
    if scope is None:
        raise NotFound(texts.unknown_unit(query.unit))
    with force_locale("vi"):
        return _Builder(session, period, tree, scope.id, dict(query.options), tell).report()


def _depth(tree: UnitTree, root: int) -> int:
    def down(unit: int) -> int:
        return 1 + max((down(c) for c in tree.children.get(unit, ())), default=0)
    return max(1, min(6, down(root) - 1))


def _share(value: Optional[float]) -> Optional[float]:
    return None if value is None or not math.isfinite(value) else round(value, 6)


def _fraction(value: Any) -> Optional[float]:
    """A share that may be exact (a Fraction), as the float the sheets hold."""
    return None if value is None else _share(float(value))


class _Builder:
    def __init__(self, session: Session, period: Period, tree: UnitTree, root: int,
                 options: dict[str, Any], progress: Progress = nothing):
        self.session, self.period, self.tree, self.root = session, period, tree, root
        self.progress = progress
        self.options = {k: v for k, v in options.items() if k != "locale"}
        self.code = tree.nodes[root].code
        self.protection = Protection()
        self.rows: dict[Any, IndexRow] = {}

    def index(self, unit: str, by: Breakdown, period: Optional[str] = None,
              depth: int = 1) -> IndexTable:
        return index_table(self.session, IndexQuery(period or self.period.code, unit, by,
                                                    locale="vi", depth=depth, **self.options))

    def figure(self, key: Any, row: IndexRow, n: Optional[int] = None) -> None:
        self.rows[key] = row
        self.protection.add(key, row.responses if n is None else n, assess_row(row))

    def report(self) -> Report:
        self.progress(2, "units", "")
        units = self.index(self.code, Breakdown.UNIT, depth=_depth(self.tree, self.root))
        parents = self._unit_rows(units)
        real = [(key, code) for key, code in parents["units"]]
        per_unit = {}
        for done, (_key, code) in enumerate(real):  # most of the time goes here
            self.progress(10 + 50 * done // len(real), "unit",
                          f"{code} ({done + 1}/{len(real)})")
            per_unit[code] = {by: self.index(code, by) for by in
                              (Breakdown.DIMENSION, Breakdown.ITEM, Breakdown.SERVICE)}
        self.progress(60, "channels", "")
        item_dims = self._item_dimensions()
        for _key, code in real:
            self._per_unit_figures(code, per_unit[code], item_dims)
        channels = self.index(self.code, Breakdown.CHANNEL)
        for row in channels.rows:
            self.figure(("channel", row.key), row)
        self.protection.tree([(("channel", r.key), ("index", self.code))
                              for r in channels.rows] + [(("index", self.code), None)])
        self._unit_trees(parents["parent"], per_unit, item_dims)
        final = self.protection.run()
        previous = self._previous(units)
        steps: list[tuple[str, int, Any]] = [
            ("TongHop", 66, lambda: self._summary(units, parents, final, previous)),
            ("YeuTo", 68, lambda: self._dimensions(real, per_unit, final)),
            ("TieuChi", 70, lambda: self._items(real, per_unit, final, item_dims)),
            ("DichVu", 72, lambda: self._services(real, per_unit, final)),
            ("KenhThuThap", 74, lambda: self._channels(channels, final)),
            ("XuHuong", 75, self._trend),  # 20 index tables: the second-longest step
            ("GopY_PhanAnh", 94, self._feedback),
            ("ChiTieu2269", 96, self._coverage),
            ("GhiChu", 98, lambda: self._notes(units)),
        ]
        sheets = []
        for name, percent, make in steps:
            self.progress(percent, "sheet", name)
            sheets.append(make())
        report = Report(self.code, self.tree.nodes[self.root].name("vi"), self.period.code,
                        self.period.first_day.strftime("%d/%m/%Y"),
                        self.period.last_day.strftime("%d/%m/%Y"),
                        self.period.kind == "year", self._versions(), sheets)
        if report.annual:
            from .narrative import narrative
            report.narrative = narrative(report, units)
        return report

    # --- figures and trees -----------------------------------------------------------

    def _unit_rows(self, units: IndexTable) -> dict[str, Any]:
        """Keys of TongHop's rows, each row's parent row and the real units (not the
        "own responses" rows) that get the per-unit sheets."""
        self.figure(("index", self.code), units.total)
        parent: dict[Any, Any] = {("index", self.code): None}
        real = [(("index", self.code), self.code)]
        stack = [("index", self.code)]
        for row in units.rows:
            own = row.key.endswith(":own") or row.key == self.code
            key = ("own", row.key) if own else ("index", row.key)
            self.figure(key, row)
            del stack[row.level:]
            parent[key] = stack[-1]
            if not own:
                stack.append(key)
                real.append((key, row.key))
        self.protection.tree(list(parent.items()))
        return {"parent": parent, "units": real, "keys": list(parent)[1:]}

    def _per_unit_figures(self, code: str, tables: Mapping[Breakdown, IndexTable],
                          item_dims: Mapping[str, Optional[str]]) -> None:
        dims = tables[Breakdown.DIMENSION]
        for row in dims.rows:
            self.figure(("dim", code, row.key), row)
        self.protection.tree([(("dim", code, r.key), ("index", code)) for r in dims.rows]
                             + [(("index", code), None)])
        items = tables[Breakdown.ITEM]
        for row in items.rows:
            self.figure(("item", code, row.key), row, n=row.n)
        self.protection.tree(
            [(("item", code, r.key), ("dim", code, item_dims.get(r.key)))
             for r in items.rows if item_dims.get(r.key)]
            + [(("dim", code, d), None) for d in {item_dims.get(r.key) for r in items.rows}
               if d])
        services = tables[Breakdown.SERVICE]
        for row in services.rows:
            self.figure(("service", code, row.key), row)
        self.protection.tree([(("service", code, r.key), ("index", code))
                              for r in services.rows] + [(("index", code), None)])

    def _unit_trees(self, parent: Mapping[Any, Any], per_unit: Mapping[str, Any],
                    item_dims: Mapping[str, Optional[str]]) -> None:
        """The same dimension, item or service across the tree of units."""
        unit_parent = {key[1]: (p[1] if p else None) for key, p in parent.items()
                       if key[0] == "index"}
        keys: set[tuple[str, str]] = set()
        for tables in per_unit.values():
            keys |= {("dim", r.key) for r in tables[Breakdown.DIMENSION].rows}
            keys |= {("item", r.key) for r in tables[Breakdown.ITEM].rows}
            keys |= {("service", r.key) for r in tables[Breakdown.SERVICE].rows}
        for kind, code in sorted(keys):
            self.protection.tree([((kind, unit, code), (kind, up, code) if up else None)
                                  for unit, up in unit_parent.items()])

    def _item_dimensions(self) -> dict[str, Optional[str]]:
        from ..reporting import aggregates  # numpy: loaded with the first report

        where = aggregates.period_filter(self.period, self.tree.subtree(self.root))
        qids = aggregates.answered_questionnaires(self.session, where)
        rows = self.session.execute(sa.select(QuestionnaireItem.code, QuestionnaireItem.dimension)
                                    .where(QuestionnaireItem.questionnaire_id.in_(qids))
                                    .order_by(QuestionnaireItem.questionnaire_id))
        return {code: dim for code, dim in rows}

    def _versions(self) -> list[str]:
        from ..reporting import aggregates

        where = aggregates.period_filter(self.period, self.tree.subtree(self.root))
        versions = self.session.scalars(
            sa.select(Questionnaire.version).where(Questionnaire.id.in_(
                sa.select(Response.questionnaire_id).where(*where).distinct()))
            .order_by(Questionnaire.version))
        return [str(v) for v in versions]

    def _previous(self, units: IndexTable) -> dict[str, Optional[float]]:
        """Last quarter's (last year's) index of each unit, where it is shown."""
        before = shifted(self.period, -1)
        try:
            table = self.index(self.code, Breakdown.UNIT, before.code, depth=_depth(
                self.tree, self.root))
        except ServiceError:
            return {}
        shown: dict[str, Optional[float]] = {}
        protection = Protection()
        protection.add(("t",), table.total.responses, assess_row(table.total))
        parents: list[tuple[Any, Any]] = [(("t",), None)]
        stack: list[Any] = [("t",)]
        for row in table.rows:
            protection.add(("r", row.key), row.responses, assess_row(row))
            del stack[row.level:]
            parents.append((("r", row.key), stack[-1]))
            stack.append(("r", row.key))
        protection.tree(parents)
        final = protection.run()
        if final[("t",)].shown:
            shown["__total__"] = table.total.estimate
        for row in table.rows:
            if final[("r", row.key)].shown:
                shown[row.key] = row.estimate
        return shown

    # --- the sheets --------------------------------------------------------------------

    def _shares(self, key: Any, final: Mapping[Any, Assessment],
                verdict: bool = True) -> list[Any]:
        """pct, low, high[, verdict], reliability, suppressed for one figure."""
        row, status = self.rows[key], final[key]
        shown = status.shown and row.n > 0 and math.isfinite(row.estimate)
        cells: list[Any] = [_share(row.estimate) if shown else None,
                            _share(row.low) if shown else None,
                            _share(row.high) if shown else None]
        if verdict:
            cells.append(str(row.verdict.label) if shown else None)
        return cells + [texts.reliability(status), SUPPRESSED_MARK if not status.shown else ""]

    def _summary(self, units: IndexTable, parents: Mapping[str, Any],
                 final: Mapping[Any, Assessment], previous: Mapping[str, Optional[float]]
                 ) -> Sheet:
        issued = issued_table(self.session, self.period)
        sheet = Sheet("TongHop", _("Summary by unit"), texts.summary_columns())
        rows = [(("index", self.code), units.total, 0, self.code)] + [
            (key, row, row.level, row.key) for key, row in zip(parents["keys"], units.rows)]
        for key, row, level, code in rows:
            unit_code = code.split(":")[0]
            if key[0] == "own":  # a unit's own responses, apart from its sub-units
                code = f"{unit_code}:own"
            node = self.tree.by_code(unit_code)
            members = ([] if node is None else [node.id] if key[0] == "own"
                       else self.tree.subtree(node.id))
            invited = sum(issued.get((m, None), 0) for m in members)
            status = final[key]
            before = previous.get("__total__" if level == 0 else row.key)
            change = (round(row.estimate - before, 6) if status.shown and before is not None
                      and math.isfinite(row.estimate) and math.isfinite(before) else None)
            shares = self._shares(key, final)
            name = str(row.label) if level else units.unit_label
            sheet.rows.append([
                code, name, level, row.served, invited or None, row.responses,
                _share(row.response_rate), shares[0], shares[1], shares[2],
                str(row.method.label) if shares[0] is not None else None,
                texts.yes_no(row.weighted), units.target, shares[3], change,
                shares[4], shares[5]])
        sheet.notes = [str(n) for n in units.notes] + texts.summary_notes()
        return sheet

    def _dimensions(self, real: list[tuple[Any, str]], per_unit: Mapping[str, Any],
                    final: Mapping[Any, Assessment]) -> Sheet:
        sheet = Sheet("YeuTo", _("The five SIPAS dimensions by unit"),
                      texts.breakdown_columns("dimension", _("Dimension")))
        for _key, code in real:
            table = per_unit[code][Breakdown.DIMENSION]
            for row in table.rows:
                sheet.rows.append([code, self._name(code), row.key, str(row.label), row.n,
                                   *self._shares(("dim", code, row.key), final)])
        sheet.notes = texts.suppression_notes()
        return sheet

    def _items(self, real: list[tuple[Any, str]], per_unit: Mapping[str, Any],
               final: Mapping[Any, Assessment], item_dims: Mapping[str, Optional[str]]
               ) -> Sheet:
        sheet = Sheet("TieuChi", _("Criteria by unit"), texts.item_columns())
        counts = self._answer_counts()
        for _key, code in real:
            found = self.tree.by_code(code)
            members = self.tree.subtree(found.id) if found else []
            for row in per_unit[code][Breakdown.ITEM].rows:
                key = ("item", code, row.key)
                shares = self._shares(key, final, verdict=False)
                by_value = [sum(counts.get((m, row.key, v), 0) for m in members)
                            for v in (1, 2, 3, 4, 5, None)]
                answered = sum(by_value[:5])
                hidden = not final[key].shown
                dissatisfied = (round((by_value[0] + by_value[1]) / answered, 6)
                                if answered and not hidden else None)
                sheet.rows.append([code, self._name(code), row.key, str(row.label),
                                   item_dims.get(row.key) or "",
                                   *([None] * 6 if hidden else by_value), row.n,
                                   shares[0], dissatisfied, shares[1], shares[2],
                                   shares[3], shares[4]])
        sheet.notes = [_("The share satisfied is the design-based share of answers 4 or 5 "
                         "(weighted where served counts are known); the share dissatisfied "
                         "is the plain share of answers 1 or 2 among the counts shown.")
                       ] + texts.suppression_notes()
        return sheet

    def _answer_counts(self) -> dict[tuple[int, str, Optional[int]], int]:
        from ..reporting import aggregates

        where = aggregates.period_filter(self.period, self.tree.subtree(self.root))
        rows = self.session.execute(
            sa.select(Response.unit_id, Answer.item_code, Answer.value, sa.func.count())
            .join(Answer, Answer.response_id == Response.id).where(*where)
            .group_by(Response.unit_id, Answer.item_code, Answer.value))
        return {(unit, item, value): count for unit, item, value, count in rows}

    def _services(self, real: list[tuple[Any, str]], per_unit: Mapping[str, Any],
                  final: Mapping[Any, Assessment]) -> Sheet:
        sheet = Sheet("DichVu", _("BHTN services by unit"),
                      texts.breakdown_columns("service", _("Service")))
        for _key, code in real:
            for row in per_unit[code][Breakdown.SERVICE].rows:
                sheet.rows.append([code, self._name(code), row.key, str(row.label), row.n,
                                   *self._shares(("service", code, row.key), final)])
        sheet.notes = texts.suppression_notes()
        return sheet

    def _channels(self, table: IndexTable, final: Mapping[Any, Assessment]) -> Sheet:
        sheet = Sheet("KenhThuThap", _("Collection channels"),
                      texts.breakdown_columns("channel", _("Channel"), unit=False))
        for row in table.rows:
            sheet.rows.append([row.key, str(CHANNELS[row.key]), row.n,
                               *self._shares(("channel", row.key), final)])
        sheet.notes = [_("The channels draw different respondents (a QR code at the counter, "
                         "a code on the receipt, a kiosk, the web): do not compare channels "
                         "directly.")] + texts.suppression_notes()
        return sheet

    def _trend(self) -> Sheet:
        sheet = Sheet("XuHuong", _("Trend: the last 8 quarters and 12 months"),
                      texts.trend_columns())
        year = self.period.year
        last_q = f"{year}-Q4" if self.period.kind == "year" else self.period.code
        last_m = f"{self.period.last_day.year}-{self.period.last_day.month:02d}"
        options = {k: v for k, v in self.options.items() if k not in ("min_n", "targets")}
        for every, to, count in (("quarter", last_q, 8), ("month", last_m, 12)):
            table = trend_table(self.session, TrendQuery(
                self.code, to, count, every, locale="vi",
                min_n=self.options.get("min_n", 10), targets=self.options.get("targets"),
                index_options=options))
            for point in table.points:
                status = texts.point_assessment(point)
                shown = status.shown
                sheet.rows.append([
                    every, point.period.code, point.n,
                    _share(point.estimate) if shown else None,
                    _share(point.low) if shown else None, _share(point.high) if shown else None,
                    _share(point.lower), _share(point.upper),
                    texts.yes_no(point.out_of_control) if shown else None,
                    texts.reliability(status), "" if shown else SUPPRESSED_MARK])
        sheet.notes = [_("p-chart limits (3 sigma) on effective sample sizes n* = p(1−p)/SE²; "
                         "a point outside them is out of control.")] + texts.suppression_notes()
        return sheet

    def _feedback(self) -> Sheet:
        from .feedback import feedback_sheet
        return feedback_sheet(self.session, self.period, self.tree.subtree(self.root))

    def _coverage(self) -> Sheet:
        """The plan's coverage indicators of the reporting unit, from the case software's
        monthly counts (survey/services/coverage): exact, no interval, a verdict only
        when every centre and branch sent every month."""
        from flask import current_app

        from ..coverage import coverage_report
        from ..coverage.indicators import configured_targets

        table = coverage_report(self.session, self.period, self.code,
                                targets=configured_targets(current_app.config), locale="vi",
                                options=self.options)
        sheet = Sheet("ChiTieu2269", _("Coverage indicators of Decision 2269/QĐ-TTg"),
                      texts.coverage_columns())
        for row in table.rows:
            low, high = row["interval"] or (None, None)
            sheet.rows.append([
                row["key"], str(row["label"]), str(row["definition"]), row["numerator"],
                row["denominator"], _fraction(row["share"]), _fraction(row["target"]),
                row["verdict"].value, texts.yes_no(bool(row["complete"])),
                str(row["missing"] or ""), row["source"].value, _fraction(low),
                _fraction(high), row["no_need"], row["reliability"] or ""])
        sheet.notes = [_("Exact counts from the case software (people who asked, were "
                         "counselled, referred, placed, supported to train), summed over the "
                         "unit's centres and branches: no sampling, so no interval. A verdict "
                         "is given only when every centre and branch sent every month of the "
                         "period; the survey's index is never mixed with these figures."),
                       _("Rows with source “survey” are what claimants of the matching "
                         "services answered in the survey (yes / no / I did not need it), "
                         "each beside the case software's figure of the same indicator and "
                         "never added to it: the weighted share of “yes” among those who "
                         "answered yes or no, with its interval (confidence level 95%), estimated and judged as "
                         "the satisfaction index (docs/coverage.md). A suppressed figure is "
                         "blank.")]
        return sheet

    def _notes(self, units: IndexTable) -> Sheet:
        sheet = Sheet("GhiChu", _("Definitions and method"), [
            Column("topic", _("Topic"), TEXT, 28),
            Column("explanation", _("Explanation"), TEXT, 110)])
        sheet.rows = [[topic, text] for topic, text in texts.method_notes(units)]
        return sheet

    def _name(self, code: str) -> str:
        node = self.tree.by_code(code)
        return node.name("vi") if node else code


__all__ = ["ReportQuery", "build_report", "check_period", "SHEETS", "Reliability", "Reason",
           "CODE", "COUNT", "FLAG", "NUMBER", "PERCENT"]
