"""GopY_PhanAnh: what claimants' feedback was about and how it was handled, as counts
only (no text, no contact), from the feedback inbox's cases received in the period."""
from __future__ import annotations

import statistics
from typing import Any, Sequence

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import Case, CaseCategory, CaseEvent, CaseEventKind, CaseStatus
from ...timeutil import local_date
from ..reporting.periods import Period
from .model import Sheet
from .texts import feedback_columns

STATUSES = {CaseStatus.new: _l("New"), CaseStatus.in_progress: _l("In progress"),
            CaseStatus.replied: _l("Replied"), CaseStatus.closed: _l("Closed"),
            CaseStatus.no_action: _l("No action needed")}
CATEGORIES = {CaseCategory.procedure: _l("Procedure"), CaseCategory.attitude: _l("Staff attitude"),
              CaseCategory.waiting: _l("Waiting time"),
              CaseCategory.benefit: _l("Benefit payment"),
              CaseCategory.facilities: _l("Facilities"), CaseCategory.other: _l("Other")}


def feedback_sheet(session: Session, period: Period, units: Sequence[int]) -> Sheet:
    """Counts by category and by status, replies on time and late, the median days to
    reply and the replies sent, for cases received in ``period`` in ``units``."""
    where = [Case.unit_id.in_(list(units)), Case.received_at >= period.start_utc,
             Case.received_at < period.end_utc]
    cases = session.execute(sa.select(Case.id, Case.category, Case.status, Case.received_at,
                                      Case.replied_at, Case.resolve_due).where(*where)).all()
    sheet = Sheet("GopY_PhanAnh", _("Feedback and complaints (counts only)"),
                  feedback_columns())
    rows: list[list[Any]] = [["total", "all", _("Cases received"), len(cases)]]
    for category, label in CATEGORIES.items():
        rows.append(["category", category.value, str(label),
                     sum(1 for c in cases if c.category is category)])
    rows.append(["category", "none", _("Not yet classified"),
                 sum(1 for c in cases if c.category is None)])
    for status, label in STATUSES.items():
        rows.append(["status", status.value, str(label),
                     sum(1 for c in cases if c.status is status)])
    replied = [c for c in cases if c.replied_at is not None]
    on_time = sum(1 for c in replied if local_date(c.replied_at) <= c.resolve_due)
    days = [(local_date(c.replied_at) - local_date(c.received_at)).days for c in replied]
    replies = session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).join(Case).where(
        *where, CaseEvent.kind == CaseEventKind.reply)) or 0
    rows += [["reply", "on_time", _("Replied on time"), on_time],
             ["reply", "late", _("Replied late"), len(replied) - on_time],
             ["reply", "median_days", _("Median days to reply"),
              statistics.median(days) if days else None],
             ["action", "replies_sent", _("Replies sent to claimants"), replies]]
    sheet.rows = rows
    sheet.notes = [_("Cases of the feedback inbox received in the period (Vietnam time). "
                     "On time: replied by the deadline of the case's category.")]
    return sheet
