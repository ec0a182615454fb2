"""The dashboard's aggregates, cached per (scope, period, data version).

A cached table is reused while the *data version* of what it was computed from is
unchanged: for one unit subtree and one time range, the catalogue stamp (units,
services, questionnaires), the number of responses submitted in the range in the
subtree and the number flagged or excluded (by status and reason), and the served
counts and receipt codes of the subtree. A new response at a counter changes the version of that counter's subtree
and its ancestors' only: the tables of other offices stay cached. Reading the version is
a few indexed counts, far cheaper than the aggregates.

The cache lives in each worker's memory (a few dozen tables, least recently used out
first); it holds numbers and labels, never a response.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, Optional, Sequence, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import CatalogueStamp, ReceiptCode, Response, ResponseStatus, ServedCount

T = TypeVar("T")
#: Statuses counted apart, as ``IN`` (not ``!= valid``): both databases then seek them on
#: the status index; SQLite would otherwise read every response of the period through
#: the index on unit and time (0.39 s at 100,000 responses; 0.1 ms this way).
NOT_VALID = [status for status in ResponseStatus if status is not ResponseStatus.valid]


def data_version(session: Session, members: Optional[Sequence[int]], start: dt.datetime,
                 end: dt.datetime) -> tuple:
    """What the figures of the units ``members`` (None: every unit) between ``start``
    and ``end`` depend on; equal versions give equal figures.

    Responses are counted twice, each time on an index: all of them (the index on
    unit and submission time covers the count, no row is read), and those not valid,
    by status and reason (the index on the status: only the few flagged or excluded
    rows are read). A new response changes the first; flagging or excluding one
    changes the second."""
    def within(column: Any) -> list[Any]:
        return [] if members is None else [column.in_(list(members))]

    stamp = session.scalar(sa.select(CatalogueStamp.stamp).where(CatalogueStamp.id == 1))
    window = [Response.submitted_at >= start, Response.submitted_at < end,
              *within(Response.unit_id)]
    every = session.scalar(sa.select(sa.func.count()).select_from(Response).where(*window))
    flagged = tuple(sorted(
        (str(getattr(status, "value", status)), str(reason), count)
        for status, reason, count in session.execute(
            sa.select(Response.status, Response.status_reason, sa.func.count())
            .where(Response.status.in_(NOT_VALID), *window)
            .group_by(Response.status, Response.status_reason))))
    served = tuple(session.execute(
        sa.select(sa.func.count(), sa.func.sum(ServedCount.count),
                  sa.func.max(ServedCount.imported_at))
        .where(*within(ServedCount.unit_id))).one())
    receipts = session.scalar(sa.select(sa.func.count()).select_from(ReceiptCode).where(
        ReceiptCode.issued_on >= start.date() - dt.timedelta(days=1),
        ReceiptCode.issued_on <= end.date(), *within(ReceiptCode.unit_id)))
    return (stamp, every, flagged, tuple(str(v) for v in served), receipts)


class AggregateCache:
    """A small least-recently-used map: key → (data version, value)."""

    def __init__(self, size: int = 64):
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], T]) -> T:
        """The value cached under ``key`` for ``version``, or ``compute()`` stored."""
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[0] == version:
                self._items.move_to_end(key)
                self.hits += 1
                return found[1]
        value = compute()
        with self._lock:
            self.misses += 1
            self._items[key] = (version, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
