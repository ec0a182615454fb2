"""``flask survey index``: the satisfaction index as an aligned text table.

The table itself is built once in :mod:`survey.services.reporting.tables` (the API writes
the same table as JSON); this module only lays it out: every column as wide as its
longest cell (names are never cut), numbers in the output language's format
(86.2 % / 86,2 %), one footnote per mark.
"""
from __future__ import annotations

import unicodedata
from typing import Optional

import click
from flask import current_app

from ..extensions import current_session
from ..services.reporting.index import BREAKDOWNS, Breakdown, IndexQuery, index_table
from ..services.reporting.tables import (Column, Kind, ReportRow, ReportTable, format_value,
                                         index_report)
from .errors import service_errors
from .locale import cli_language, lang_option

#: Kinds of column aligned to the right (numbers).
NUMERIC = {Kind.COUNT, Kind.PERCENT, Kind.INTERVAL, Kind.NUMBER}


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: combining marks take none, wide signs two."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def row_cells(row: ReportRow, columns: tuple[Column, ...], locale: str) -> list[str]:
    """The printed cells of one row, marks (``*``) included."""
    return [format_value(row[c.key], c.kind, locale) + row.marks.get(c.key, "")
            for c in columns]


def render_text(table: ReportTable, locale: str) -> str:
    """The table as aligned plain text; labels and notes in the active locale, numbers
    in ``locale``'s format."""
    columns = table.shown
    headers = [str(c.label) for c in columns]
    body = [row_cells(row, columns, locale) for row in table.rows]
    total = [row_cells(table.total, columns, locale)] if table.total else []
    widths = [max(text_width(line[i]) for line in [headers] + body + total)
              for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        padded = []
        for cell, width, column in zip(cells, widths, columns):
            pad = " " * (width - text_width(cell))
            padded.append(pad + cell if column.kind in NUMERIC else cell + pad)
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [str(table.title), "", line(headers), rule] + [line(cells) for cells in body]
    if total:
        out += [rule, line(total[0])]
    out.append("")
    out += [f"{note.mark} {note.text}" if note.mark else str(note.text) for note in table.notes]
    return "\n".join(out)


@click.command("index")
@click.option("--period", required=True, help="2026-09 (month), 2026-Q3 (quarter) or 2026.")
@click.option("--unit", required=True, help="Unit code of the scope, e.g. NA.")
@click.option("--by", "by", type=click.Choice(BREAKDOWNS), default="unit", show_default=True)
@click.option("--target", type=float, help="Target share, e.g. 0.9 (default: the year's).")
@click.option("--level", type=float, default=0.95, show_default=True)
@click.option("--min-n", type=int, default=None,
              help="Fewer responses than this get no verdict (default: SURVEY_MIN_N, 10).")
@lang_option()
@service_errors
def index_command(period: str, unit: str, by: str, target: Optional[float], level: float,
                  min_n: Optional[int], lang: Optional[str]) -> None:
    """Print the satisfaction index with intervals and target verdicts."""
    locale = lang or cli_language()
    query = IndexQuery(period, unit, Breakdown(by), target, level,
                       current_app.config["MIN_N"] if min_n is None else min_n, locale,
                       current_app.config["TARGETS"])
    click.echo(render_text(index_report(index_table(current_session(), query)), locale))
