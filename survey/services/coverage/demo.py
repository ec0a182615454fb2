"""A year of plausible monthly coverage counts for the demo centre and branches, so that
the coverage page of a fresh demo is filled (``flask survey seed-demo``)."""
from __future__ import annotations

import datetime as dt
import random
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Unit, utcnow
from ...timeutil import local_date
from ..audit import CLI
from .counts import DEMO, REPORTING_KINDS, CoverageRow, StoreSummary, store_rows

#: Allowance applicants a month: the centre itself, and each demo branch.
APPLICANTS = {"centre": (700, 950), "branch": (160, 260)}


def last_full_months(today: dt.date, count: int = 12) -> list[str]:
    """The ``count`` months before ``today``'s month, oldest first."""
    months, year, month = [], today.year, today.month
    for _i in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(f"{year}-{month:02d}")
    return months[::-1]


def _counts(rng: random.Random, kind: str) -> dict[str, int]:
    applicants = rng.randint(*APPLICANTS[kind])
    counselling_asked = round(applicants * rng.uniform(0.85, 0.97))
    # Nearly everyone who asks is counselled; a busy month misses a few.
    counselled = counselling_asked - (rng.randint(1, 4) if rng.random() < 0.25 else 0)
    referral_asked = round(applicants * rng.uniform(0.30, 0.42))
    referred = round(referral_asked * rng.uniform(0.78, 0.93))
    placed = round(referred * rng.uniform(0.52, 0.70))
    training = round(applicants * rng.uniform(0.025, 0.06))
    return {"applicants": applicants, "counselling_asked": counselling_asked,
            "counselled": max(counselled, 0), "referral_asked": referral_asked,
            "referred": referred, "placed": placed, "training_supported": training}


def add_demo_coverage(session: Session, seed: int = 2269,
                      now: Optional[dt.datetime] = None) -> StoreSummary:
    """Store the last twelve full months of counts for every active centre and branch.
    Flushes; the caller commits."""
    rng = random.Random(seed)
    months = last_full_months(local_date(now or utcnow()))
    units = session.scalars(sa.select(Unit).where(Unit.active).order_by(Unit.code))
    rows = [CoverageRow(month, unit.id, unit.code, _counts(rng, unit.kind.value))
            for unit in units if unit.kind in REPORTING_KINDS for month in months]
    return store_rows(session, rows, DEMO, CLI)
