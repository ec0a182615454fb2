"""A report's files: XLSX, CSV (zip) and PDF, from its figures and its sign-off header.
The same figures and header give the same bytes."""
from __future__ import annotations

import hashlib
from typing import Any

from babel.numbers import format_decimal
from flask import render_template
from flask_babel import force_locale

from ...io import reports as writers
from ..errors import ServiceError
from .info import all_sheets
from .model import COUNT, NUMBER, PERCENT, Header, Report, Sheet, file_name

FORMATS = ("xlsx", "csv", "pdf")
EXTENSIONS = {"xlsx": "xlsx", "csv": "zip", "pdf": "pdf"}
MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "application/zip", "pdf": "application/pdf"}


def render(report: Report, header: Header, fmt: str) -> bytes:
    """The file in ``fmt`` (``xlsx``, ``csv`` or ``pdf``)."""
    sheets = all_sheets(report, header)
    if fmt == "xlsx":
        return writers.write_xlsx(sheets, title=_title(report))
    if fmt == "csv":
        return writers.write_csv_zip(sheets)
    if fmt == "pdf":
        try:
            return writers.write_pdf(print_html(report, header, sheets))
        except writers.PdfUnavailable as exc:
            from flask_babel import lazy_gettext as _l
            raise ServiceError(_l("PDF cannot be made on this server: WeasyPrint or its "
                                  "Pango library is missing (%(error)s). Download the XLSX "
                                  "instead.", error=str(exc)[:200])) from exc
    raise ServiceError("format")


def name_of(report: Report, version: int, fmt: str) -> str:
    return file_name(report.unit, report.period, version, EXTENSIONS[fmt])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _title(report: Report) -> str:
    return f"BHTN – {report.unit} – {report.period}"


def cell_text(value: Any, kind: str) -> str:
    """A value as printed, in Vietnamese: "86,5 %", "1.234", "—" for nothing."""
    if value is None or value == "":
        return "—" if kind in (PERCENT, COUNT, NUMBER) else ""
    if kind == PERCENT and isinstance(value, (int, float)):
        return format_decimal(100 * value, format="#,##0.0", locale="vi") + " %"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_decimal(value, format="#,##0", locale="vi")
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.0##", locale="vi")
    return str(value)


def _printed(sheet: Sheet) -> dict[str, Any]:
    return {"name": sheet.name, "title": sheet.title, "columns": sheet.columns,
            "rows": [[(cell_text(v, c.kind), c.kind) for c, v in zip(sheet.columns, row)]
                     for row in sheet.rows],
            "notes": sheet.notes}


def print_html(report: Report, header: Header, sheets: list[Sheet]) -> str:
    """The print HTML: a cover page for signature, then every sheet as a table."""
    with force_locale("vi"):
        return render_template("reports/print.html", report=report, header=header,
                               sheets=[_printed(s) for s in sheets])
