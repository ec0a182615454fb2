"""The data model; import from here."""
from .audit import AppendOnlyError, AuditEvent, Outcome
from .coverage import CoverageCount
from .devices import ApiToken, KioskDevice
from .inbox import (DATA_REQUESTS, FINISHED, Case, CaseCategory, CaseEvent, CaseEventKind,
                    CaseHistoryError, CaseKind, CaseStatus, InboxSync, OutboxChannel, OutboxMessage, OutboxState)
from .openness import ACTION_MAX, FeedbackAction, FeedbackPage
from .questionnaires import (ImmutableQuestionnaireError, Questionnaire, QuestionnaireItem,
                             QuestionnaireStatus)
from .receipts import ReceiptCode, ServedCount
from .reports import JobKind, JobStatus, ReportFile, ReportJob, ReportStatus, ReportVersion
from .responses import (COMMENT_MAX, Answer, Channel, Comment, Contact, Response,
                        ResponseReason, ResponseStatus)
from .types import UTCDateTime, utcnow
from .units import CatalogueStamp, Service, Unit, UnitKind
from .users import Grant, PasswordPurpose, PasswordToken, Role, User

__all__ = [
    "ACTION_MAX", "DATA_REQUESTS", "CaseKind", "FeedbackAction", "FeedbackPage",
    "AppendOnlyError", "AuditEvent", "Case", "CaseCategory", "CaseEvent", "CaseEventKind",
    "CaseHistoryError", "CaseStatus", "FINISHED", "InboxSync", "OutboxChannel", "OutboxMessage",
    "OutboxState", "Grant", "Outcome", "PasswordPurpose", "PasswordToken",
    "Role", "User",
    "COMMENT_MAX", "Answer", "ApiToken", "Channel", "Comment", "Contact", "CoverageCount",
    "ImmutableQuestionnaireError", "KioskDevice", "Questionnaire", "QuestionnaireItem",
    "QuestionnaireStatus", "ReceiptCode", "JobKind", "JobStatus", "ReportFile", "ReportJob", "ReportStatus", "ReportVersion", "Response", "ResponseReason", "ResponseStatus",
    "CatalogueStamp", "Service", "ServedCount", "Unit", "UnitKind", "UTCDateTime", "utcnow",
]
