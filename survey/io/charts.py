"""The dashboard's charts as accessible inline SVG, drawn by matplotlib's SVG backend.

matplotlib is imported inside :func:`_canvas` only: workers must not load it at start
(tests/test_lazy_imports.py). No pyplot (no global figure state, safe in threads); text
stays text in the SVG (``svg.fonttype = none``), in Noto Sans, which has every
Vietnamese letter. :func:`accessible` gives the root element ``role="img"``, a
``<title>`` and a ``<desc>`` named by ``aria-labelledby``; each chart in the page also
has its data in a table beside it.

Every function takes plain numbers (shares in [0, 1]) and already translated labels.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence

#: Colours with at least 4.5:1 contrast on white.
BLUE, GREEN, RED, GREY, AMBER = "#0b4f8a", "#0b6e3a", "#a4000f", "#4a545e", "#8a5300"
BAND = "#9cc3e6"


@dataclass(frozen=True)
class Labels:
    """What the chart is, for screen readers (``title``, ``desc``) and its axes."""

    title: str
    desc: str
    x: str = ""
    y: str = ""


def _canvas(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=72)
    FigureCanvasSVG(figure)
    return figure, figure.add_subplot()


def _style() -> Any:
    return {"svg.fonttype": "none", "font.family": ["Noto Sans", "DejaVu Sans"],
            "font.size": 11, "axes.edgecolor": GREY, "axes.labelcolor": "#1b1f24",
            "xtick.color": "#1b1f24", "ytick.color": "#1b1f24", "axes.spines.top": False,
            "axes.spines.right": False}


def _render(figure: Any, chart_id: str, labels: Labels) -> str:
    import matplotlib

    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": chart_id}):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None},
                       bbox_inches="tight")
    return accessible(out.getvalue(), chart_id, labels)


_ROOT = re.compile(r"<svg\b([^>]*)>", re.S)


def accessible(svg: str, chart_id: str, labels: Labels) -> str:
    """The SVG document as an element to inline: no XML prologue, ``role="img"``,
    ``aria-labelledby`` naming a ``<title>`` and a ``<desc>``, no fixed size."""
    from markupsafe import escape

    start = svg.find("<svg")
    body = svg[start:]
    match = _ROOT.match(body)
    assert match is not None
    attributes = re.sub(r'\s(width|height)="[^"]*"', "", match.group(1))
    head = (f'<svg{attributes} role="img" class="chart" id="{chart_id}" '
            f'aria-labelledby="{chart_id}-t {chart_id}-d">'
            f'<title id="{chart_id}-t">{escape(labels.title)}</title>'
            f'<desc id="{chart_id}-d">{escape(labels.desc)}</desc>')
    return head + body[match.end():]


def _percent_axis(axes: Any, low: float, high: float) -> None:
    from matplotlib.ticker import FuncFormatter

    axes.set_ylim(low, high)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{100 * v:g} %"))


def _targets(axes: Any, targets: Sequence[tuple[str, float]], vertical: bool = False) -> None:
    for (label, share), style in zip(targets, ("--", ":", "-.")):
        line = axes.axvline if vertical else axes.axhline
        line(share, color=AMBER, linestyle=style, linewidth=1.4, label=label)


def _bounds(values: Sequence[Optional[float]], targets: Sequence[tuple[str, float]]) -> tuple[float, float]:
    """A share axis that shows every value and target, at least 20 points tall."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    finite += [share for _label, share in targets]
    low = max(0.0, math.floor((min(finite, default=0.6) - 0.03) * 20) / 20)
    high = min(1.0, math.ceil((max(finite, default=1.0) + 0.02) * 20) / 20)
    if high - low < 0.2:
        low = max(0.0, high - 0.2)
    return low, high


def _legend_below(axes, rotated: bool) -> None:
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3 if rotated else -0.14),
                fontsize=9, frameon=False, ncol=4)


def headline(chart_id: str, labels: Labels, estimate: float, low: float, high: float,
             targets: Sequence[tuple[str, float]]) -> str:
    """The index as a point on its interval band, on a 0–100 % scale with the targets."""
    import matplotlib

    with matplotlib.rc_context(_style()):
        figure, axes = _canvas(9.0, 1.2)
        axes.axvspan(low, high, color=BAND, label=labels.desc.split(":")[0])
        axes.plot([estimate], [0.5], "o", color=BLUE, markersize=10)
        _targets(axes, targets, vertical=True)
        axes.set_xlim(*_bounds([low, high, estimate], targets))
        axes.set_ylim(0, 1)
        axes.set_yticks([])
        axes.spines["left"].set_visible(False)
        from matplotlib.ticker import FuncFormatter

        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{100 * v:g} %"))
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=3, frameon=False,
                    fontsize=10)
        return _render(figure, chart_id, labels)


def funnel(chart_id: str, labels: Labels, centre: float,
           points: Sequence[tuple[str, float, float, int]],
           limits: dict[float, tuple[list, list]], n_grid: Sequence[float],
           limit_labels: dict[float, str], centre_label: str) -> str:
    """Units as points (label, n*, index, outside) around the scope's index, with the
    control limits of each level drawn over ``n_grid``."""
    import matplotlib

    with matplotlib.rc_context(_style()):
        figure, axes = _canvas(8.0, 4.6)
        axes.axhline(centre, color=BLUE, linewidth=1.4, label=centre_label)
        for (level, (low, high)), style in zip(sorted(limits.items()), ("--", ":")):
            axes.plot(n_grid, low, style, color=GREY, linewidth=1.2, label=limit_labels[level])
            axes.plot(n_grid, high, style, color=GREY, linewidth=1.2)
        colours = {0: GREEN, 1: AMBER, 2: RED}
        markers = {0: "o", 1: "s", 2: "D"}
        for label, n, share, outside in points:
            axes.plot([n], [share], markers[outside], color=colours[outside], markersize=8)
            axes.annotate(label, (n, share), textcoords="offset points", xytext=(6, 4),
                          fontsize=9)
        axes.set_xscale("log")
        axes.set_xlim(min(n_grid), max(n_grid))
        values = [share for _l, _n, share, _o in points] + [centre]
        lowest = min([v for lows, _h in limits.values() for v in lows[-len(n_grid) // 3:]]
                     + values)
        _percent_axis(axes, *_bounds(values + [lowest], []))
        axes.set_xlabel(labels.x)
        axes.set_ylabel(labels.y)
        axes.legend(loc="lower right", fontsize=9, frameon=False)
        return _render(figure, chart_id, labels)


def trend(chart_id: str, labels: Labels, periods: Sequence[str],
          estimates: Sequence[Optional[float]], lows: Sequence[Optional[float]],
          highs: Sequence[Optional[float]], targets: Sequence[tuple[str, float]],
          band_label: str, line_label: str) -> str:
    """The index per period with its interval as a band and the target lines; periods
    without a shown figure leave a gap."""
    import matplotlib

    def gaps(values: Sequence[Optional[float]]) -> list[float]:
        return [math.nan if v is None else v for v in values]

    with matplotlib.rc_context(_style()):
        figure, axes = _canvas(8.0, 3.6)
        x = list(range(len(periods)))
        axes.fill_between(x, gaps(lows), gaps(highs), color=BAND, label=band_label)
        axes.plot(x, gaps(estimates), "o-", color=BLUE, label=line_label)
        _targets(axes, targets)
        axes.set_xticks(x, periods, rotation=45 if len(periods) > 8 else 0, fontsize=9)
        _percent_axis(axes, *_bounds(list(lows) + list(highs), targets))
        axes.set_ylabel(labels.y)
        _legend_below(axes, len(periods) > 8)
        return _render(figure, chart_id, labels)


def p_chart(chart_id: str, labels: Labels, periods: Sequence[str],
            shares: Sequence[Optional[float]], lower: Sequence[Optional[float]],
            upper: Sequence[Optional[float]], out: Sequence[bool], centre: float,
            names: dict[str, str]) -> str:
    """Shares on effective counts with the centre line and per-period 3-sigma limits;
    points outside the limits drawn as red diamonds."""
    import matplotlib

    def gaps(values: Sequence[Optional[float]]) -> list[float]:
        return [math.nan if v is None else v for v in values]

    with matplotlib.rc_context(_style()):
        figure, axes = _canvas(8.0, 3.6)
        x = list(range(len(periods)))
        axes.step(x, gaps(upper), where="mid", color=GREY, linestyle="--",
                  label=names["limits"])
        axes.step(x, gaps(lower), where="mid", color=GREY, linestyle="--")
        if math.isfinite(centre):
            axes.axhline(centre, color=BLUE, linewidth=1.2, label=names["centre"])
        axes.plot(x, gaps(shares), "o-", color=BLUE, label=names["share"])
        flagged = [(i, s) for i, (s, o) in enumerate(zip(shares, out)) if o and s is not None]
        if flagged:
            axes.plot([i for i, _s in flagged], [s for _i, s in flagged], "D", color=RED,
                      markersize=11, label=names["out"])
        axes.set_xticks(x, periods, rotation=45 if len(periods) > 8 else 0, fontsize=9)
        _percent_axis(axes, *_bounds(list(shares) + list(lower) + list(upper), []))
        axes.set_ylabel(labels.y)
        _legend_below(axes, len(periods) > 8)
        return _render(figure, chart_id, labels)
