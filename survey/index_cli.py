"""``flask survey index`` and ``flask survey served import``: the index for the IT officer."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from .cli_locale import cli_language, lang_option
from .extensions import db
from .services.errors import ServiceError
from .services.reporting.index import BREAKDOWNS, VERDICTS, IndexRow, IndexTable, index_table
from .services.reporting.served import import_served_csv


def percent(value: Optional[float], digits: int = 1) -> str:
    """0.8841 → "88.4"; missing or NaN → "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{100 * value:.{digits}f}"


def _shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def format_row(row: IndexRow) -> list[str]:
    """The printed cells of one row (also used by tests to compare with the API)."""
    has_data = not math.isnan(row.estimate)
    interval = f"{percent(row.low)}–{percent(row.high)}" if has_data else "—"
    rate = f"{percent(row.response_rate)} %" if row.response_rate is not None else "—"
    served = f"{row.served:,}" if row.served is not None else "—"
    method = row.method + ("" if row.weighted else "*")
    return [row.key, _shorten(str(row.label)), str(row.n), percent(row.estimate), interval,
            method, str(VERDICTS[row.verdict]), served, rate]


def render_table(table: IndexTable) -> str:
    """The table as aligned plain text in the current (forced) locale."""
    title = _("Satisfaction index (%% satisfied or very satisfied): %(unit)s (%(code)s), "
              "period %(period)s, target %(target)s %%",
              unit=table.unit_label, code=table.unit_code, period=table.period.code,
              target=percent(table.target, 0))
    headers = [_("Key"), _("Name"), "n", _("Index %"),
               _("%(level)s %% interval", level=percent(table.level, 0)), _("Method"),
               _("Verdict"), _("Served"), _("Response rate")]
    body = [format_row(row) for row in table.rows] + [format_row(table.total)]
    widths = [max(len(line[i]) for line in [headers] + body) for i in range(len(headers))]
    numeric = {2, 3, 4, 7, 8}

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [title, "", line(headers), rule] + [line(b) for b in body[:-1]]
    out += [rule, line(body[-1]), ""]
    if not all(row.weighted for row in table.rows + [table.total]):
        out.append(_("* unweighted: not every unit in the row has a served count."))
    out.append(_("Verdicts use one-sided %(level)s %% bounds; fewer than %(min_n)s responses "
                 "get no verdict.", level=percent(table.level, 0), min_n=table.min_n))
    out += [str(note) for note in table.notes]
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
def index_command(period: str, unit: str, by: str, target: Optional[float], level: float,
                  min_n: int, lang: Optional[str]) -> None:
    """Print the satisfaction index with intervals and target verdicts."""
    lang = lang or cli_language()
    with force_locale(lang):
        try:
            table = index_table(db.session, period, unit, by, target, level=level,
                                min_n=current_app.config["MIN_N"] if min_n is None else min_n,
                                locale=lang, targets=current_app.config["TARGETS"])
        except ServiceError as exc:
            raise click.ClickException(str(exc.message)) from exc
        click.echo(render_table(table))


served_cli = AppGroup("served", help="Served counts (claimants served per period and unit).")


@served_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@lang_option()
def import_served(path: Path, lang: Optional[str]) -> None:
    """Import served counts from a CSV file: period, unit, service (blank = all), count."""
    with force_locale(lang or cli_language()):
        try:
            summary = import_served_csv(db.session, path.read_bytes())
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(_error_text(exc)) from exc
        db.session.commit()
        click.echo(_("Served counts imported: %(inserted)s new, %(updated)s changed, "
                     "%(unchanged)s unchanged.", inserted=summary.inserted,
                     updated=summary.updated, unchanged=summary.unchanged))


def _error_text(exc: ServiceError) -> str:
    lines = [str(exc.message)]
    for line, messages in exc.errors.items():
        text = "; ".join(str(m) for m in messages)
        lines.append(_("Line %(line)s: %(errors)s", line=line, errors=text))
    return "\n".join(lines)

