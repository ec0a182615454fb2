"""ThongTin, the first sheet: who reports what to whom, the sign-off and the digest of
the data sheets. Built from the stored figures and the version's sign-off, so that the
files of a version are always the same bytes for the same state."""
from __future__ import annotations

from flask_babel import force_locale, gettext as _

from .model import CODE, TEXT, Column, Header, Report, Sheet


def info_sheet(report: Report, header: Header) -> Sheet:
    """The key–value sheet ThongTin, in Vietnamese."""
    with force_locale("vi"):
        kind = _("annual") if report.annual else _("quarterly")
        rows = [
            ("unit", _("Reporting unit"), f"{report.unit_name} ({report.unit})"),
            ("receiver", _("Receiving body"), header.receiver),
            ("report_kind", _("Report"), kind),
            ("period", _("Period"), report.period),
            ("period_start", _("From (Vietnam time)"), report.first_day),
            ("period_end", _("To (Vietnam time)"), report.last_day),
            ("questionnaires", _("Questionnaire versions"), ", ".join(report.questionnaires)),
            ("version", _("Report version"), f"v{header.version}"),
            ("status", _("Report status"), header.status),
            ("prepared_by", _("Prepared by"), header.prepared_by),
            ("approved_by", _("Approved by"), header.approved_by),
            ("sent_on", _("Sent on"), header.sent_on),
            ("approved_on", _("Approved on"), header.approved_on),
            ("sha256", _("SHA-256 of the data sheets"), report.figures_sha256()),
            ("software", _("Software version"), header.software),
            *header.extra,
        ]
        return Sheet("ThongTin", _("Report information"), [
            Column("field", _("Field code"), CODE, 16), Column("label", _("Item"), TEXT, 30),
            Column("value", _("Value"), TEXT, 70)], [list(r) for r in rows])


def all_sheets(report: Report, header: Header) -> list[Sheet]:
    """ThongTin, the narrative (annual) and the data sheets, in the files' order."""
    sheets = [info_sheet(report, header)]
    if report.annual:
        with force_locale("vi"):
            sheets.append(Sheet("NhanXet", _("Annual narrative"),
                                [Column("paragraph", _("Narrative"), TEXT, 120)],
                                [[p] for p in report.narrative]))
    return sheets + report.sheets
