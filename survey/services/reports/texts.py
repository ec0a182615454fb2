"""The words of the report: column headers (with their stable codes), notes, labels.

Called while the report is built under ``force_locale("vi")``: the ministry's format is
Vietnamese; the English msgids keep the catalog complete.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..reporting.reliability import (MAX_RELATIVE_WIDTH, MAX_WIDTH, MIN_DF, MIN_EFFECTIVE_N,
                                     Assessment, Reason, Reliability, assess)
from .model import CODE, COUNT, NUMBER, PERCENT, TEXT, Column

MONTH_REFUSED = _l("A report covers a quarter (such as 2026-Q3) or a year (such as 2026), "
                   "not a month.")


def unknown_unit(code: Any) -> Any:
    return _l("Unknown unit code %(code)s.", code=repr(code))


REASONS = {
    Reason.NO_DATA: _l("no data"),
    Reason.SMALL_EFFECTIVE_N: _l("effective sample under 30"),
    Reason.WIDE_INTERVAL: _l("interval 30 points wide or more"),
    Reason.RELATIVE_WIDTH: _l("interval wider than 130 percent of the figure"),
    Reason.FEW_DF: _l("fewer than 8 degrees of freedom"),
    Reason.PARENT: _l("hidden with the row above it"),
    Reason.COMPLEMENT: _l("hidden to protect another hidden figure"),
    Reason.SOLE_CHILD: _l("hidden with its only sub-row"),
}


def reliability(assessment: Assessment) -> str:
    """"reliable", "use with caution: …" or "hidden: …"."""
    reasons = "; ".join(str(REASONS[r]) for r in assessment.reasons)
    if assessment.status is Reliability.RELIABLE:
        return _("reliable")
    if assessment.status is Reliability.FLAGGED:
        return _("use with caution: %(reasons)s", reasons=reasons)
    return _("hidden: %(reasons)s", reasons=reasons)


def point_assessment(point: Any) -> Assessment:
    return assess(point.n, point.estimate, point.se, point.low, point.high, None)


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _tail() -> list[Column]:
    return [Column("reliability", _("Reliability"), TEXT, 30),
            Column("suppressed", _("Suppressed"), TEXT, 8)]


def _shares(verdict: bool = True) -> list[Column]:
    columns = [Column("pct", _("Share satisfied"), PERCENT, 10),
               Column("ci_low", _("Lower bound of the 95 percent interval"), PERCENT, 10),
               Column("ci_high", _("Upper bound of the 95 percent interval"), PERCENT, 10)]
    if verdict:
        columns.append(Column("verdict", _("Verdict"), TEXT, 22))
    return columns


def summary_columns() -> list[Column]:
    return [Column("unit_code", _("Unit code"), CODE, 14),
            Column("unit_name", _("Unit"), TEXT, 36),
            Column("level", _("Level"), COUNT, 6),
            Column("served", _("Claimants served (N)"), COUNT, 12),
            Column("invited", _("Invited (receipt codes issued)"), COUNT, 12),
            Column("responses", _("Valid responses (n)"), COUNT, 10),
            Column("response_rate", _("Response rate"), PERCENT, 10),
            Column("index", _("Satisfaction index"), PERCENT, 11),
            Column("ci_low", _("Lower bound of the 95 percent interval"), PERCENT, 10),
            Column("ci_high", _("Upper bound of the 95 percent interval"), PERCENT, 10),
            Column("method", _("Method"), TEXT, 22),
            Column("weighted", _("Weighted"), TEXT, 8),
            Column("target", _("Target"), PERCENT, 8),
            Column("verdict", _("Verdict"), TEXT, 22),
            Column("change", _("Change from the previous period (points)"), PERCENT, 12),
            *_tail()]


def breakdown_columns(code: str, label: str, unit: bool = True) -> list[Column]:
    head = [Column("unit_code", _("Unit code"), CODE, 14),
            Column("unit_name", _("Unit"), TEXT, 30)] if unit else []
    return head + [Column(f"{code}_code", _("Code"), CODE, 12),
                   Column(f"{code}_name", label, TEXT, 34),
                   Column("n", "n", COUNT, 8), *_shares(), *_tail()]


def item_columns() -> list[Column]:
    return [Column("unit_code", _("Unit code"), CODE, 14),
            Column("unit_name", _("Unit"), TEXT, 26),
            Column("item_code", _("Code"), CODE, 10),
            Column("item_name", _("Criterion"), TEXT, 40),
            Column("dimension_code", _("Dimension"), CODE, 10),
            *[Column(f"n_{v}", _("Answers %(value)s", value=v), COUNT, 6) for v in range(1, 6)],
            Column("n_na", _("Not applicable"), COUNT, 8),
            Column("n", "n", COUNT, 7),
            Column("pct", _("Share satisfied (4+5)"), PERCENT, 10),
            Column("pct_dissatisfied", _("Share dissatisfied (1+2)"), PERCENT, 10),
            Column("ci_low", _("Lower bound of the 95 percent interval"), PERCENT, 10),
            Column("ci_high", _("Upper bound of the 95 percent interval"), PERCENT, 10),
            *_tail()]


def trend_columns() -> list[Column]:
    return [Column("series", _("Series"), CODE, 9), Column("period", _("Period"), CODE, 9),
            Column("n", "n", COUNT, 8), Column("pct", _("Satisfaction index"), PERCENT, 10),
            Column("ci_low", _("Lower bound of the 95 percent interval"), PERCENT, 10),
            Column("ci_high", _("Upper bound of the 95 percent interval"), PERCENT, 10),
            Column("pchart_low", _("p-chart lower limit"), PERCENT, 10),
            Column("pchart_high", _("p-chart upper limit"), PERCENT, 10),
            Column("out_of_control", _("Out of control"), TEXT, 9), *_tail()]


def feedback_columns() -> list[Column]:
    return [Column("group", _("Group"), CODE, 12), Column("code", _("Code"), CODE, 14),
            Column("label", _("Content"), TEXT, 44), Column("value", _("Value"), NUMBER, 10)]


def coverage_columns() -> list[Column]:
    return [Column("indicator_code", _("Code"), CODE, 14),
            Column("indicator_name", _("Indicator"), TEXT, 44),
            Column("definition", _("Numerator / denominator"), TEXT, 44),
            Column("numerator", _("Numerator"), COUNT, 11),
            Column("denominator", _("Denominator"), COUNT, 11),
            Column("value", _("Value"), PERCENT, 10), Column("target", _("Target"), PERCENT, 10),
            Column("verdict", _("Verdict"), CODE, 16),
            Column("complete", _("Data complete"), TEXT, 10),
            Column("missing", _("Missing unit-months"), TEXT, 40),
            Column("source", _("Source"), CODE, 10),
            Column("low", _("Interval (95%): low"), PERCENT, 10),
            Column("high", _("Interval (95%): high"), PERCENT, 10),
            Column("no_need", _("Answered “I did not need it”"), COUNT, 12),
            Column("reliability", _("Reliability (NCHS)"), CODE, 12)]


def suppression_notes() -> list[str]:
    return [_("A share is hidden (blank, marked x) when its effective sample is under "
              "%(n)s or its interval is %(w)s points wide or more, and a second share is "
              "hidden where the first could otherwise be worked out from the totals. "
              "“Use with caution”: the interval is wider than %(r)s %% of the figure or "
              "has fewer than %(df)s degrees of freedom (NCHS standards).",
              n=MIN_EFFECTIVE_N, w=round(MAX_WIDTH * 100), r=round(MAX_RELATIVE_WIDTH * 100),
              df=MIN_DF)]


def summary_notes() -> list[str]:
    return [_("Shares are numbers between 0 and 1 shown as percentages; the change is in "
              "percentage points and is left blank when either figure is hidden.")
            ] + suppression_notes()


def method_notes(units: Any) -> list[tuple[str, str]]:
    return [
        (_("Satisfaction index"), _(
            "Share of answers 4 or 5 (satisfied or very satisfied) of each criterion; the "
            "mean of the criteria gives each of the five SIPAS dimensions and the mean of "
            "the dimensions gives the index. Not comparable with 0–100 mean-score indices.")),
        (_("Responses"), _("Valid responses submitted in the period (Vietnam time); "
                           "flagged and excluded responses never count.")),
        (_("Weighting"), _("Weighted by the claimants served in each unit (N_h/n_h) when "
                           "the served counts are imported; otherwise unweighted.")),
        (_("Interval"), _("95 percent logit interval from a design-based (linearised) "
                          "variance, with counter × day clusters in unit strata; "
                          "Clopper–Pearson when the share is 0 or 1.")),
        (_("Verdict"), _("Met: the one-sided 95 %% lower bound is at or above the target; "
                         "not met: the upper bound is below it; otherwise not enough "
                         "evidence. Under %(n)s responses: no verdict. Unit rows are "
                         "adjusted for multiple comparisons (Benjamini–Hochberg).",
                         n=units.min_n)),
        (_("Targets"), _("85 percent to 2025 and 90 percent to 2030 (provincial plan implementing "
                         "Decision 2269/QĐ-TTg).")),
        (_("Suppression and reliability"), suppression_notes()[0]),
        (_("Privacy"), _("The report holds counts and shares only: no answer of a single "
                         "person, no comment and no contact details.")),
        (_("Legal bases"), _(
            "Decision 1001/QĐ-BNV (2023) on measuring satisfaction with public services; "
            "Employment Law 74/2025/QH15 and Decree 374/2025/NĐ-CP on unemployment "
            "insurance; Decision 2269/QĐ-TTg; Law 91/2025/QH15 on personal data "
            "protection.")),
        (_("Method in full"), _("docs/methodology.md and docs/reports.md of the software.")),
    ]
