"""The dashboard's sample-size planner: how many responses a unit needs next quarter to
tell an expected index from the target with a given power
(:func:`survey.analysis.power_sample_size`, times the design effect seen this period)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from flask_babel import lazy_gettext as _l

from ..errors import ServiceError
from .dashboard import Overview
from .periods import Period
from .trend import shifted

_NUMBER = re.compile(r"^\s*(\d{1,3}(?:[.,]\d{1,2})?)\s*%?\s*$")


@dataclass(frozen=True)
class Plan:
    expected: float
    target: float
    power: float
    level: float
    deff: float
    #: Responses needed next quarter (None: the expected index equals the target).
    n: Optional[int]
    #: Responses this period, to compare with.
    current: int
    next_period: Period


def percent(text: Optional[str], name: Any, default: float, low: float = 1,
            high: float = 99) -> float:
    """"88", "88,5" or "88.5 %" → 0.885; ``default`` when empty; ServiceError otherwise."""
    if text is None or not text.strip():
        return default
    match = _NUMBER.match(text)
    value = float(match.group(1).replace(",", ".")) if match else math.nan
    if not low <= value <= high:
        raise ServiceError(_l("%(name)s must be a percentage from %(low)s to %(high)s, such "
                              "as 88 or 88,5.", name=name, low=int(low), high=int(high)))
    return value / 100


def plan(expected: Optional[str], target: Optional[str], power: Optional[str],
         view: Overview, settings: Mapping[str, Any]) -> Plan:
    """The plan for the overview's scope: defaults are this period's index, the target
    in force and 80 % power; the design effect is the one seen this period (at least 1)."""
    from ...analysis import power_sample_size

    table = view.table
    now = view.total.estimate
    p = percent(expected, _l("The expected index"),
                round(now, 3) if now is not None and 0.01 <= now <= 0.99 else 0.88)
    t = percent(target, _l("The target"), table.target)
    beta = percent(power, _l("The power"), 0.8, 50, 99)
    deff = table.total.deff if table.total.deff and math.isfinite(table.total.deff) else 1.0
    deff = max(deff, 1.0)
    needed = None if abs(p - t) < 1e-9 else power_sample_size(p, t, beta, table.level, deff)
    after = shifted(table.period, -1) if table.period.kind == "quarter" else \
        shifted(_quarter_of(table.period), -1)
    return Plan(p, t, beta, table.level, deff, needed, table.total.responses, after)


def _quarter_of(period: Period) -> Period:
    from .trend import containing

    return containing(period.last_day.year, period.last_day.month, "quarter")
