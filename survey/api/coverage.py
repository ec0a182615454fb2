"""``GET /api/v1/coverage`` (the plan's coverage indicators of a unit) and ``PUT
/api/v1/coverage`` (the case software pushes its monthly counts), API token required.

A ``PUT`` is idempotent per unit and month: sending a month again replaces it, and each
row that changes is written to the audit log with its values before and after."""
from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal, Mapping, Optional

from flask import current_app, g, jsonify
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, WithJsonSchema, field_validator
from sqlalchemy.exc import IntegrityError

from ..extensions import current_session
from ..services.audit import Actor
from ..services.coverage import configured_targets, coverage_report, store_rows
from ..services.coverage.counts import API, check_rows
from ..services.errors import NotFound, ServiceError
from ..services.reporting.index import configured
from ..services.reporting.tables import ReportRow, ReportTable
from . import bp
from .auth import require_api_token
from .errors import ApiProblem, field_error
from .openapi import ok, operation, problems
from .schemas import (N_, Code, RequestSchema, UnitQuery, _period_code, described,
                      parse_body, parse_query)

#: Most rows in one request (a year of every centre and branch of a large province).
MAX_ROWS = 2000


class CoverageParameters(UnitQuery):
    model_config = described(N_("Query string of GET /coverage."), extra="ignore")

    period: str = Field(max_length=20, examples=["2026-Q3"], description=N_(
        "Reporting period: a month (2026-09), a quarter (2026-Q3) or a year (2026)."))
    unit: Code = Field(examples=["NA"], description=N_(
        "Unit code; the counts of every centre and branch in its subtree are summed."))

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str) -> str:
        return _period_code(value)


class CoverageRowIn(BaseModel):
    """Documentation only: the service checks rows one by one (see ``CoverageBatch``)."""

    model_config = described(N_("One reporting unit's counts for one month."),
                             extra="forbid")

    month: str = Field(examples=["2026-09"], description=N_("The month, YYYY-MM."))
    unit: str = Field(examples=["NA-VINH"], description=N_(
        "Code of a centre or a branch (the case software's counts belong to one)."))
    applicants: int = Field(ge=0, description=N_("Allowance applicants in the month."))
    counselling_asked: int = Field(ge=0, description=N_("People who asked for counselling."))
    counselled: int = Field(ge=0, description=N_(
        "Of them, people counselled (at most counselling_asked)."))
    referral_asked: int = Field(ge=0, description=N_(
        "People who asked to be referred to a job."))
    referred: int = Field(ge=0, description=N_(
        "Of them, people referred (at most referral_asked)."))
    placed: int = Field(ge=0, description=N_(
        "Of those referred, people who found work through the referral (at most referred)."))
    training_supported: int = Field(ge=0, description=N_(
        "Allowance applicants given vocational training support (at most applicants)."))


class CoverageBatch(RequestSchema):
    model_config = described(N_("Monthly counts from the case software; all or nothing."),
                             strict=True, extra="ignore")
    #: Described in the OpenAPI document, though checked by the service row by row.
    documents: ClassVar[tuple[type[BaseModel], ...]] = (CoverageRowIn,)
    field_messages: ClassVar[Mapping[str, Any]] = {
        "rows": _l('The body must have a "rows" list of 1–%(max)s rows. Nothing was saved.',
                   max=MAX_ROWS)}

    rows: Annotated[list[Any], Field(min_length=1, max_length=MAX_ROWS), WithJsonSchema({
        "type": "array", "items": {"$ref": "#/components/schemas/CoverageRowIn"},
        "minItems": 1, "maxItems": MAX_ROWS,
        "description": N_("The rows; a unit's month may appear once."),
    })]


class CoverageStored(BaseModel):
    model_config = described(N_("What the request changed."))

    inserted: int = Field(description=N_("Months not stored before."))
    updated: int = Field(description=N_("Months stored before whose counts changed "
                                        "(each change is audited)."))
    unchanged: int = Field(description=N_("Months sent again with the same counts."))


class CoverageRowOut(BaseModel):
    model_config = described(N_("One indicator; shares are in [0, 1], missing figures null."))

    key: str = Field(description=N_("Indicator code."))
    label: str
    source: Literal["admin", "survey"] = Field(description=N_(
        "admin: exact counts from the case software; survey: claimants' answers."))
    definition: str
    numerator: Optional[int] = Field(description=N_(
        "admin: the exact count; survey: claimants answering yes (null when the figure "
        "is suppressed)."))
    denominator: int = Field(description=N_(
        "admin: the exact count; survey: claimants answering yes or no."))
    share: Optional[float] = Field(description=N_(
        "survey: the design-based (weighted) estimate, null when suppressed."))
    low: Optional[float] = Field(description=N_(
        "Null for exact counts; survey: lower end of the interval (confidence level 95%)."))
    high: Optional[float] = Field(description=N_(
        "Null for exact counts; survey: upper end of the interval (confidence level 95%)."))
    target: Optional[float] = Field(description=N_(
        "Target in force in the period's year; null when the indicator has none."))
    verdict: str = Field(description=N_(
        "met, not_met, incomplete (some unit-months missing), no_data or no_target; "
        "survey rows also inconclusive, insufficient (under the minimum sample) or "
        "suppressed."))
    verdict_label: str
    complete: bool = Field(description=N_(
        "Whether every active centre and branch of the subtree sent every month "
        "(always true for survey rows)."))
    expected: int = Field(description=N_("Unit-months expected (0 for survey rows)."))
    reported: int = Field(description=N_("Unit-months received (0 for survey rows)."))
    no_need: Optional[int] = Field(description=N_(
        "survey: claimants answering “I did not need it” (out of the denominator); null "
        "for admin rows."))
    reliability: Optional[str] = Field(description=N_(
        "survey: reliable, flagged or suppressed (NCHS rules, as the index); null for "
        "admin rows."))
    reliability_reasons: list[str] = Field(description=N_(
        "survey: why flagged or suppressed (small_n_eff, wide_interval, relative_width, "
        "few_df, no_data)."))


class MissingOut(BaseModel):
    model_config = described(N_("A month a reporting unit has not sent."))

    unit: str
    month: str


class CoverageReport(BaseModel):
    model_config = described(N_("The plan's coverage indicators of a unit's subtree in a "
                                "period."))

    period: str
    unit: str
    unit_label: str
    months: list[str]
    complete: bool
    missing: list[MissingOut]
    updated_at: Optional[str] = Field(json_schema_extra={"format": "date-time"},
                                      description=N_("When the counts last changed (UTC)."))
    rows: list[CoverageRowOut]
    notes: list[str]


def _number(value: Optional[float]) -> Optional[float]:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def coverage_row_json(row: ReportRow) -> dict[str, Any]:
    """One indicator row as plain JSON."""
    low, high = row["interval"] or (None, None)
    return {"key": row["key"], "label": str(row["label"]), "source": row["source"].value,
            "definition": str(row["definition"]), "numerator": row["numerator"],
            "denominator": row["denominator"], "share": _number(row["share"]),
            "low": _number(low), "high": _number(high), "target": row["target"],
            "verdict": row["verdict"].value, "verdict_label": str(row["verdict"].label),
            "complete": row["complete"], "expected": row["expected"],
            "reported": row["reported"], "no_need": row["no_need"],
            "reliability": row["reliability"],
            "reliability_reasons": (row["reasons"] or "").split(", ")
            if row["reasons"] else []}


def coverage_json(report: ReportTable) -> dict[str, Any]:
    """The coverage report table as JSON (``flask survey coverage --format json`` too)."""
    meta = report.meta
    updated = meta["updated_at"]
    return {"period": meta["period"].code, "unit": meta["unit"],
            "unit_label": meta["unit_label"], "months": list(meta["months"]),
            "complete": meta["complete"],
            "missing": [{"unit": unit, "month": month} for unit, month in meta["missing"]],
            "updated_at": updated.isoformat() if updated else None,
            "rows": [coverage_row_json(row) for row in report.rows],
            "notes": [str(note.text) for note in report.notes if not note.rule]}


@bp.get("/coverage")
@operation(_l("The plan's coverage indicators of a unit in a period"), tag="coverage",
           description=_l("Counselling, job referral, placement and training support from "
                          "the case software's monthly counts: exact shares, a completeness "
                          "flag, and a verdict against the year's target only when no month "
                          "is missing. Beside each, never mixed with it, the same indicator "
                          "as claimants report it in the survey (source survey): a weighted "
                          "share with its interval (confidence level 95%), the number answering “I did not "
                          "need it”, the NCHS reliability and the index's verdict rule."),
           query=CoverageParameters, replies=[ok(CoverageReport, _l("The indicators."))])
@require_api_token
def coverage():
    """?period=2026-Q3&unit=NA[&lang=en]"""
    params = parse_query(CoverageParameters, session=current_session())
    try:
        report = coverage_report(current_session(), params.period, params.unit,
                                 targets=configured_targets(current_app.config),
                                 locale=str(get_locale() or "vi"),
                                 options=configured(current_app.config))
    except NotFound as exc:
        raise ApiProblem("validation_failed", str(exc.message),
                         fields=field_error("unit", "unknown_unit", exc.message)) from None
    return jsonify(coverage_json(report))


@bp.put("/coverage")
@operation(_l("Send monthly coverage counts"), tag="coverage",
           description=_l("Each row is a centre's or a branch's counts for one month. A "
                          "month sent again replaces the stored one (each change is audited). "
                          "All or nothing: one bad row and nothing is saved."),
           body=CoverageBatch,
           replies=[ok(CoverageStored, _l("The counts were stored.")), problems("conflict")])
@require_api_token
def put_coverage():
    batch = parse_body(CoverageBatch, session=current_session())
    session = current_session()
    try:
        rows = check_rows(session, ((f"/rows/{i}", row if isinstance(row, Mapping) else {})
                                    for i, row in enumerate(batch.rows)),
                          lambda first: _l("repeats %(row)s", row=first))
        summary = store_rows(session, rows, API, Actor(None, f"api:{g.api_token.name}"))
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise ApiProblem("validation_failed", _("Some rows are not valid. Nothing was saved."),
                         fields={where: [(getattr(m, "code", "invalid_row"), str(m))
                                         for m in messages]
                                 for where, messages in exc.errors.items()}) from None
    except IntegrityError:  # another request stored the same month meanwhile
        session.rollback()
        raise ApiProblem("conflict", _("The same months were being stored by another "
                                       "request. Nothing was saved; send them again.")) from None
    return jsonify(inserted=summary.inserted, updated=summary.updated,
                   unchanged=summary.unchanged)
