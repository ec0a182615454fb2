"""``flask survey index``: the satisfaction index as text, JSON or CSV.

The table itself is built once in :mod:`survey.services.reporting.tables`; the writers
are in :mod:`.output` (``--format json`` writes exactly what ``GET /api/v1/index`` returns).
"""
from __future__ import annotations

from typing import Optional

import click
from flask import current_app

from ..extensions import current_session
from ..services.reporting.index import (BREAKDOWNS, Breakdown, IndexQuery, configured,
                                        index_table)
from ..services.reporting.tables import index_report
from .errors import service_errors
from .locale import cli_language, lang_option
from .output import emit, format_option


@click.command("index")
@click.option("--period", required=True,
              help="2026-09 (month), 2026-Q3 (quarter), 2026 or a range of days "
                   "2026-07-15..2026-08-31 (Vietnam time, at most three years).")
@click.option("--unit", required=True, help="Unit code of the scope, e.g. NA.")
@click.option("--by", "by", type=click.Choice(BREAKDOWNS), default="unit", show_default=True)
@click.option("--target", type=float, help="Target share, e.g. 0.9 (default: the year's).")
@click.option("--level", type=float, default=0.95, show_default=True)
@click.option("--min-n", type=int, default=None,
              help="Fewer responses than this get no verdict (default: SURVEY_MIN_N, 10).")
@click.option("--depth", type=click.IntRange(1, 6), default=1, show_default=True,
              help="With --by unit: levels of units below the scope (2: offices and their "
                   "counters).")
@click.option("--fdr/--no-fdr", default=None,
              help="Adjust the rows' verdicts for multiple comparisons (Benjamini–Hochberg); "
                   "default: on for --by unit, off otherwise.")
@click.option("--verified", is_flag=True,
              help="Count only verified responses: those given with a receipt code or on a "
                   "kiosk (phone responses by QR code left out).")
@format_option()
@lang_option()
@service_errors
def index_command(period: str, unit: str, by: str, target: Optional[float], level: float,
                  min_n: Optional[int], depth: int, fdr: Optional[bool], verified: bool, fmt: str,
                  lang: Optional[str]) -> None:
    """Print the satisfaction index with intervals and target verdicts."""
    locale = lang or cli_language()
    settings = configured(current_app.config)
    if min_n is not None:
        settings["min_n"] = min_n
    query = IndexQuery(period, unit, Breakdown(by), target, level, locale=locale, fdr=fdr,
                       depth=depth, verified=verified, **settings)
    from ..api.index import report_json

    emit(index_report(index_table(current_session(), query)), fmt, locale, report_json)
