"""Time in Vietnam: the one place that knows the time zone and how people read a time.

Everything is stored in UTC; periods, receipt expiry dates and anything printed for a
person are local (Asia/Ho_Chi_Minh, UTC+7 all year, no daylight saving).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Optional

ZONE = "Asia/Ho_Chi_Minh"


@lru_cache(maxsize=1)
def local_tz() -> dt.tzinfo:
    """Vietnam's time zone (no daylight saving, so a fixed offset is a safe fallback)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(ZONE)
    except Exception:  # pragma: no cover - systems without tz data
        return dt.timezone(dt.timedelta(hours=7))


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date in Vietnam at the aware instant ``moment``."""
    return moment.astimezone(local_tz()).date()


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The UTC instant at which ``day`` begins in Vietnam."""
    local = dt.datetime(day.year, day.month, day.day, tzinfo=local_tz())
    return local.astimezone(dt.timezone.utc)


def format_local(moment: Optional[dt.datetime], empty: str = "-") -> str:
    """``HH:MM DD/MM/YYYY`` in Vietnam's time, as people there write it; naive = UTC."""
    if moment is None:
        return empty
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(local_tz()).strftime("%H:%M %d/%m/%Y")


def format_date(day: dt.date) -> str:
    """``DD/MM/YYYY``."""
    return day.strftime("%d/%m/%Y")
