"""The annual report's narrative in Vietnamese, filled from the figures of the sheets
(editable on /admin/reports before sign-off)."""
from __future__ import annotations

from typing import Any, Optional

from babel.numbers import format_decimal
from flask_babel import gettext as _

from ..reporting.index import IndexTable, VerdictCode
from .model import Report


def pct(share: Optional[float]) -> str:
    """0.8623 → "86,2 %" (Vietnamese)."""
    if share is None:
        return "—"
    return format_decimal(100 * share, format="#,##0.0", locale="vi") + " %"


def narrative(report: Report, units: IndexTable) -> list[str]:
    """Five paragraphs: the index against the 2025 and 2030 targets, the biggest changes,
    the units below target, what claimants raised most and what was done about it."""
    summary = report.sheet("TongHop").records()
    total = summary[0]
    paragraphs = [_index_paragraph(report, total)]
    changes = sorted((r for r in summary[1:] if r["change"] is not None),
                     key=lambda r: -abs(r["change"]))[:3]
    if changes:
        paragraphs.append(_("The biggest changes from the previous year: %(list)s.",
                            list="; ".join(f"{r['unit_name']} ({_signed(r['change'])})"
                                           for r in changes)))
    else:
        paragraphs.append(_("No unit's change from the previous year can be stated (no "
                            "comparable figure for the previous year)."))
    below = [r["unit_name"] for r in summary[1:]
             if r["verdict"] == str(VerdictCode.NOT_MET.label)]
    paragraphs.append(_("Units below the target: %(list)s.", list=", ".join(below))
                      if below else _("No unit is shown to be below the target."))
    feedback = report.sheet("GopY_PhanAnh").records()
    top = sorted((r for r in feedback if r["group"] == "category" and r["value"]),
                 key=lambda r: -r["value"])[:3]
    paragraphs.append(_("What claimants raised most: %(list)s.",
                        list="; ".join(f"{r['label']} ({r['value']})" for r in top))
                      if top else _("No feedback case was received in the year."))
    by_code = {r["code"]: r["value"] for r in feedback}
    paragraphs.append(_("Actions taken: %(replies)s replies sent to claimants; %(on_time)s "
                        "cases replied on time and %(late)s late.",
                        replies=by_code.get("replies_sent", 0),
                        on_time=by_code.get("on_time", 0), late=by_code.get("late", 0)))
    return paragraphs


def _index_paragraph(report: Report, total: dict[str, Any]) -> str:
    if total["index"] is None:
        return _("The satisfaction index of %(unit)s for %(year)s cannot be published: too "
                 "few responses for a reliable figure (%(n)s valid responses).",
                 unit=report.unit_name, year=report.period, n=total["responses"])
    low, high = total["ci_low"], total["ci_high"]
    against = []
    for year, target in (("2025", 0.85), ("2030", 0.90)):
        if low >= target:
            against.append(_("above the %(year)s target of %(target)s", year=year,
                             target=pct(target)))
        elif high < target:
            against.append(_("below the %(year)s target of %(target)s", year=year,
                             target=pct(target)))
        else:
            against.append(_("not distinguishable from the %(year)s target of %(target)s",
                             year=year, target=pct(target)))
    return _("The satisfaction index of %(unit)s for %(year)s is %(index)s (95 %% interval "
             "%(low)s–%(high)s, %(n)s valid responses): %(against)s.",
             unit=report.unit_name, year=report.period, index=pct(total["index"]),
             low=pct(low), high=pct(high), n=total["responses"], against="; ".join(against))


def _signed(change: float) -> str:
    text = format_decimal(100 * change, format="+#,##0.0;-#,##0.0", locale="vi")
    return _("%(points)s points", points=text)
