"""Writers of a report's sheets (:class:`survey.services.reports.model.Sheet`): XLSX, a
zip of CSV files, and PDF from HTML. Each writer only lays the data out; the same sheets
give the same bytes (fixed timestamps, stable order).

XLSX is written with XlsxWriter rather than openpyxl: it streams rows to disk in
``constant_memory`` mode (memory stays flat with the number of rows), sets the document's
creation date from a parameter and stamps every zip member 1980-01-01, so identical data
give byte-identical files; openpyxl keeps the whole workbook in memory and stamps the
current time. openpyxl is used by the tests to read the files back.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from typing import Any, Optional, Sequence

#: Fixed document date (the files say nothing about when they were written: ThongTin
#: and the audit log do).
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: A text cell starting with one of these could be run as a formula by a spreadsheet.
RISKY = ("=", "+", "-", "@", "\t", "\r")


def risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(RISKY)


def write_xlsx(sheets: Sequence[Any], title: str = "") -> bytes:
    """The workbook: per sheet a Vietnamese header row and a row of column codes (both
    frozen), the data, then the notes; percent cells numeric with a percent format;
    column widths; A4 landscape, one page wide, header rows repeated on every page."""
    import xlsxwriter

    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        book = xlsxwriter.Workbook(out, {"constant_memory": True, "tmpdir": tmp})
        book.set_properties({"title": title, "created": FIXED_TIME, "author": "",
                             "company": ""})
        formats = _formats(book)
        for sheet in sheets:
            _worksheet(book, sheet, formats)
        book.close()
    return out.getvalue()


def _formats(book: Any) -> dict[str, Any]:
    return {
        "head": book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                 "bg_color": "#DCE6F1", "border": 1}),
        "code": book.add_format({"italic": True, "font_color": "#595959", "border": 1}),
        "percent": book.add_format({"num_format": "0.0%"}),
        "count": book.add_format({"num_format": "#,##0"}),
        "number": book.add_format({"num_format": "0.0##"}),
        "text": book.add_format({}),
        "quoted": book.add_format({"quote_prefix": True}),
        "note": book.add_format({"italic": True}),
    }


def _worksheet(book: Any, sheet: Any, formats: dict[str, Any]) -> None:
    ws = book.add_worksheet(sheet.name)
    for col, column in enumerate(sheet.columns):
        ws.set_column(col, col, column.width)
    ws.set_row(0, 45)
    for col, column in enumerate(sheet.columns):
        ws.write_string(0, col, column.label, formats["head"])
    for col, column in enumerate(sheet.columns):
        ws.write_string(1, col, column.code, formats["code"])
    row = 2
    for values in sheet.rows:
        for col, (column, value) in enumerate(zip(sheet.columns, values)):
            _cell(ws, row, col, column.kind, value, formats)
        row += 1
    row += 1
    for note in sheet.notes:
        ws.write_string(row, 0, note, formats["quoted"] if risky(note) else formats["note"])
        row += 1
    ws.freeze_panes(2, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 1)
    ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    ws.set_header(f"&L&\"-,Bold\"{_escape(sheet.title)}")
    ws.set_footer("&R&P / &N")


def _escape(text: str) -> str:
    return text.replace("&", "&&")


def _cell(ws: Any, row: int, col: int, kind: str, value: Any, formats: dict[str, Any]) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        value = str(value).lower()
    if isinstance(value, (int, float)) and kind in ("percent", "count", "number"):
        ws.write_number(row, col, value, formats[kind])
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value)
    else:
        text = str(value)
        ws.write_string(row, col, text, formats["quoted"] if risky(text) else formats["text"])


def csv_text(value: Any) -> str:
    """One CSV cell: numbers with a dot, nothing for no value, and a text that a
    spreadsheet could take for a formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return "'" + text if risky(text) else text


def write_csv(sheet: Any) -> bytes:
    """One sheet as CSV: UTF-8 with BOM (so that Excel shows Vietnamese), comma-separated,
    CRLF, a row of Vietnamese headers then a row of column codes, then the data."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(c.label) for c in sheet.columns])
    writer.writerow([c.code for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([csv_text(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def write_csv_zip(sheets: Sequence[Any]) -> bytes:
    """A zip with ``<NN>_<Sheet>.csv`` per sheet, in order, every member dated 1980-01-01."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, sheet in enumerate(sheets, start=1):
            info = zipfile.ZipInfo(f"{number:02d}_{sheet.name}.csv", ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, write_csv(sheet))
    return out.getvalue()


class PdfUnavailable(RuntimeError):
    """Neither WeasyPrint nor Chromium can make a PDF on this machine."""


def write_pdf(html: str, base_url: Optional[str] = None) -> bytes:
    """A PDF from print HTML with WeasyPrint (deterministic: no dates in the file; fonts
    from the system). Raises :class:`PdfUnavailable` when WeasyPrint or its libraries
    (Pango) are missing."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: libpango missing
        raise PdfUnavailable(str(exc)) from exc
    document = weasyprint.HTML(string=html, base_url=base_url)
    return document.write_pdf(uncompressed_pdf=False)
