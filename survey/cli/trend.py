"""``flask survey trend``: a unit's index over its last periods, with the trend test and
the p-chart, as text, JSON or CSV.

The table is built in :mod:`survey.services.reporting.trend`; the writers are in
:mod:`.output` (``--format json`` writes exactly what ``GET /api/v1/trend`` returns).
"""
from __future__ import annotations

from typing import Optional

import click
from flask import current_app

from ..extensions import current_session
from ..services.reporting.index import configured
from ..services.reporting.trend import (DEFAULT_PERIODS, KINDS, MAX_PERIODS, TrendQuery,
                                        check_every, trend_report, trend_table)
from .errors import service_errors
from .locale import cli_language, lang_option
from .output import emit, format_option


@click.command("trend")
@click.option("--unit", required=True, help="Unit code of the scope, e.g. NA.")
@click.option("--to", "to", required=True,
              help="Last period of the series: 2026-Q3 (quarter), 2026-09 (month) or 2026.")
@click.option("--periods", type=int, default=None,
              help=f"How many periods, 1–{MAX_PERIODS} (default: 8 quarters, 12 months, "
                   "5 years).")
@click.option("--every", type=click.Choice(KINDS), default=None,
              help="Kind of period of the series (default: that of --to).")
@click.option("--level", type=float, default=0.95, show_default=True)
@click.option("--min-n", type=int, default=None,
              help="Fewer responses than this get no verdict (default: SURVEY_MIN_N, 10).")
@format_option()
@lang_option()
@service_errors
def trend_command(unit: str, to: str, periods: Optional[int], every: Optional[str],
                  level: float, min_n: Optional[int], fmt: str, lang: Optional[str]) -> None:
    """Print a unit's satisfaction index over its last periods, with the trend test
    (Cochran–Armitage) and p-chart control limits."""
    locale = lang or cli_language()
    kind = check_every(every, to)
    settings = configured(current_app.config)
    configured_min_n, targets = settings.pop("min_n"), settings.pop("targets")
    query = TrendQuery(unit, to, DEFAULT_PERIODS[kind] if periods is None else periods, kind,
                       level, configured_min_n if min_n is None else min_n, locale, targets,
                       settings)
    table = trend_table(current_session(), query)
    from ..api.trend import trend_json

    emit(trend_report(table), fmt, locale, lambda _report: trend_json(table))
