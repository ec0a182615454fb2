"""Data quality: responses flagged as suspect (too fast, over a rate limit, a burst),
left out of verdicts until a manager restores them.

Flags live on the response itself (``status`` = ``flagged`` with a ``status_reason``
code); :mod:`.scan` finds bursts after the fact, :mod:`.review` lists and restores.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ...models.responses import RESTORED
from ..devices.kiosks import TOO_FAST
from ..intake.ratelimit import RATE_CLIENT, RATE_UNIT

#: Many responses in one hour at one counter, beyond its usual rate (:mod:`.scan`).
BURST_RATE = "burst_rate"
#: The same answers many times within minutes at one counter (:mod:`.scan`).
BURST_PATTERN = "burst_pattern"

#: Every reason a response is flagged for, as a manager reads it.
REASONS: dict[str, Any] = {
    TOO_FAST: _l("Kiosk: answered too soon after the previous response"),
    RATE_CLIENT: _l("Phone: too many posts from one client address"),
    RATE_UNIT: _l("Phone: too many posts at this counter within an hour"),
    BURST_RATE: _l("Burst: far more responses in one hour than this counter receives"),
    BURST_PATTERN: _l("Burst: the same answers many times within minutes"),
}

__all__ = ["BURST_PATTERN", "BURST_RATE", "REASONS", "RESTORED", "RATE_CLIENT", "RATE_UNIT",
           "TOO_FAST"]
