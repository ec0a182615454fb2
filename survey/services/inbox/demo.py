"""Demo feedback for a first look (``flask survey seed-demo`` on an empty database): a
dozen comments at the demo reception point NA-DEMO1, their cases in every status, one
with contact details (given under the current consent wording) and a request to delete
them, an approved quote, and NA-DEMO1's public "what we did" page with three actions."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import (Answer, Case, CaseCategory, CaseKind, CaseStatus, Channel, Comment,
                       Contact, Response, utcnow)
from ...timeutil import local_date
from .. import catalogue
from ..audit import CLI
from ..intake.consent import REPLY, VERSION, fingerprint
from ..intake.responses import answer_bits, fact_values
from .handling import change_status, set_category
from .openness import add_action, set_quote, set_published
from .opening import open_cases
from .requests import open_request
from .settings import InboxSettings

UNIT = "NA-DEMO1"
#: (days ago, counter, overall rating, comment, category, status, contact?, quote?)
FEEDBACK = [
    (2, "Q1", 2, "Phải chờ gần hai tiếng mới đến lượt.", CaseCategory.waiting,
     CaseStatus.new, True, False),
    (3, "Q2", 1, "Cán bộ nói chuyện cộc lốc, không hướng dẫn gì.", CaseCategory.attitude,
     CaseStatus.in_progress, False, False),
    (5, "Q1", 3, "Thủ tục nhiều giấy tờ, nên có bảng hướng dẫn rõ hơn.",
     CaseCategory.procedure, CaseStatus.replied, False, False),
    (8, "Q1", 2, "Đã ba tháng chưa nhận được trợ cấp.", CaseCategory.benefit,
     CaseStatus.in_progress, False, False),
    (12, "Q2", 2, "Phòng chờ nóng, không đủ ghế ngồi.", CaseCategory.facilities,
     CaseStatus.closed, False, False),
    (15, "Q1", 5, "Chị cán bộ quầy 1 rất nhiệt tình, cảm ơn Trung tâm.", None,
     CaseStatus.closed, False, True),
    (20, "Q2", 2, "Xếp hàng lâu quá.", CaseCategory.waiting, CaseStatus.closed, False, True),
    (26, "Q1", 4, "asdfgh", None, CaseStatus.no_action, False, False),
    (33, "Q1", 2, "Không biết nộp hồ sơ ở quầy nào.", CaseCategory.procedure,
     CaseStatus.new, False, False),
    (41, "Q2", 3, "Nên có số thứ tự qua điện thoại.", CaseCategory.waiting,
     CaseStatus.replied, False, False),
]
ACTIONS = [
    (3, "Mở thêm quầy tiếp nhận thứ hai vào sáng thứ Hai và thứ Ba (dữ liệu minh họa)."),
    (10, "Dán bảng hướng dẫn hồ sơ hưởng trợ cấp thất nghiệp ở phòng chờ (dữ liệu minh họa)."),
    (18, "Lắp thêm hai quạt và mười ghế ở phòng chờ (dữ liệu minh họa)."),
]


def _respond(session: Session, row: tuple, questionnaire, service, now: dt.datetime,
             days_kept: int) -> uuid.UUID:
    days, counter, overall, text, _category, _status, contact, _quote = row
    at = now - dt.timedelta(days=days, hours=2)
    response = Response(id=uuid.uuid4(), unit=catalogue.unit_by_code(session, f"{UNIT}-{counter}"),
                        service=service, channel=Channel.qr, questionnaire=questionnaire,
                        locale="vi", submitted_at=at, received_at=at,
                        answer_bits=answer_bits(questionnaire, {"overall": overall}),
                        fact_values=fact_values(questionnaire, {"overall": overall}))
    response.answers = [Answer(item_code="overall", value=overall)]
    response.comment = Comment(body=text)
    session.add(response)
    session.flush()
    if contact:
        session.add(Contact(response_id=response.id, name="Nguyễn Văn Minh (minh họa)",
                            phone="0900000000", purpose=REPLY, consented_at=at,
                            consent_version=VERSION,
                            consent_sha256=fingerprint(REPLY, "vi", days_kept)))
    return response.id


def _handle(session: Session, case: Case, row: tuple, settings: InboxSettings) -> None:
    _days, _counter, _overall, _text, category, status, _contact, quote = row
    if category is not None:
        set_category(session, case, category, False, CLI, settings)
    path = {CaseStatus.in_progress: [CaseStatus.in_progress],
            CaseStatus.replied: [CaseStatus.in_progress, CaseStatus.replied],
            CaseStatus.closed: [CaseStatus.in_progress, CaseStatus.closed]}.get(status, [])
    for step in path:
        change_status(session, case, step, CLI)
    if status is CaseStatus.no_action:
        change_status(session, case, status, CLI, reason="Không có nội dung")
    if quote:
        set_quote(session, case, True, CLI)


def add_demo_feedback(session: Session, settings: InboxSettings, days_kept: int = 30,
                      now: Optional[dt.datetime] = None) -> int:
    """Store the demo feedback and its handling; returns the number of cases
    (``days_kept``: contact retention after closing, as the consent wording says).
    Flushes."""
    now = now or utcnow()
    unit = catalogue.unit_by_code(session, UNIT)
    assert unit is not None  # seeded just before
    questionnaire = catalogue.current_questionnaire(session)
    service = catalogue.active_services(session)[0]
    ids = [_respond(session, row, questionnaire, service, now, days_kept) for row in FEEDBACK]
    open_cases(session, settings, now=now, full=True)
    cases = {case.response_id: case for case in session.scalars(
        sa.select(Case).where(Case.response_id.in_(ids), Case.kind == CaseKind.feedback))}
    for response_id, row in zip(ids, FEEDBACK):
        _handle(session, cases[response_id], row, settings)
    open_request(session, cases[ids[0]], CaseKind.data_erasure, settings, now)
    set_published(session, unit, True, CLI)
    for days, text in ACTIONS:
        add_action(session, unit, local_date(now) - dt.timedelta(days=days), text, CLI)
    session.flush()
    return len(cases) + 1
