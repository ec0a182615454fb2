"""The inbox's settings, read once from the app's configuration into plain data.

==========================  =======================================================
``SURVEY_INBOX_LOW_RATING``  a rating at or below it opens a case (default 2; 0: never)
``SURVEY_INBOX_DEADLINES``   JSON, category → ``{"accept": 10, "resolve": 30,
                             "complex": 45}`` in working days; ``"default"`` for all
``SURVEY_INBOX_DUE_SOON``    working days before a deadline when a case shows as due
                             soon (default 3)
``SURVEY_INBOX_DAYS_OFF``    JSON list of extra days off (``"2027-02-11"``) announced
                             by the government beyond the public holidays
==========================  =======================================================
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ...models import CaseCategory
from .workdays import MAX_DAYS


@dataclass(frozen=True)
class Deadlines:
    """Working days from receipt: to accept a case, to reply, to reply when complex.

    Defaults follow the Complaints Law 2011 (Art. 27: accepted within 10 days; Art. 28:
    resolved within 30 days, 45 when complex)."""

    accept: int = 10
    resolve: int = 30
    complex: int = 45

    def __post_init__(self) -> None:
        if not 0 <= self.accept <= self.resolve <= self.complex <= MAX_DAYS:
            raise ValueError("deadlines must satisfy 0 <= accept <= resolve <= complex "
                             f"<= {MAX_DAYS}")


LAW_2011 = Deadlines()


@dataclass(frozen=True)
class InboxSettings:
    """What opening and handling cases need to know besides the database."""

    #: The app's secret key: reference codes are derived with it.
    secret: bytes = b""
    low_rating: int = 2
    #: Category value (or ``"default"``) → its deadlines.
    deadlines: Mapping[str, Deadlines] = field(default_factory=dict)
    due_soon: int = 3
    days_off: frozenset[dt.date] = frozenset()

    def deadlines_for(self, category: Optional[CaseCategory]) -> Deadlines:
        """The category's deadlines, else the default ones, else the law's."""
        if category is not None and category.value in self.deadlines:
            return self.deadlines[category.value]
        return self.deadlines.get("default", LAW_2011)


def _deadlines(raw: Any) -> dict[str, Deadlines]:
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError("INBOX_DEADLINES must map a category to its deadlines")
    known = {c.value for c in CaseCategory} | {"default"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"INBOX_DEADLINES: unknown categories {', '.join(unknown)}")
    return {name: Deadlines(**{k: int(v) for k, v in dict(value).items()})
            for name, value in raw.items()}


def settings_from(config: Mapping[str, Any]) -> InboxSettings:
    """The settings in a Flask config (or any mapping); raises ``ValueError`` when one
    is malformed (a deployment mistake, reported as such)."""
    secret = config.get("SECRET_KEY") or ""
    low = int(config.get("INBOX_LOW_RATING", 2))
    if not 0 <= low <= 5:
        raise ValueError("INBOX_LOW_RATING must be between 0 and 5")
    return InboxSettings(
        secret=secret if isinstance(secret, bytes) else str(secret).encode(),
        low_rating=low, deadlines=_deadlines(config.get("INBOX_DEADLINES")),
        due_soon=int(config.get("INBOX_DUE_SOON", 3)),
        days_off=frozenset(dt.date.fromisoformat(str(day))
                           for day in config.get("INBOX_DAYS_OFF") or ()))
