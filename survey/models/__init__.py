"""The data model; import from here."""
from .audit import AppendOnlyError, AuditEvent, Outcome
from .devices import ApiToken, KioskDevice
from .questionnaires import (ImmutableQuestionnaireError, Questionnaire, QuestionnaireItem,
                             QuestionnaireStatus)
from .receipts import ReceiptCode, ServedCount
from .responses import (COMMENT_MAX, Answer, Channel, Comment, Contact, Response,
                        ResponseReason, ResponseStatus)
from .types import UTCDateTime, utcnow
from .units import CatalogueStamp, Service, Unit, UnitKind
from .users import Grant, PasswordPurpose, PasswordToken, Role, User

__all__ = [
    "AppendOnlyError", "AuditEvent", "Grant", "Outcome", "PasswordPurpose", "PasswordToken",
    "Role", "User",
    "COMMENT_MAX", "Answer", "ApiToken", "Channel", "Comment", "Contact",
    "ImmutableQuestionnaireError", "KioskDevice", "Questionnaire", "QuestionnaireItem",
    "QuestionnaireStatus", "ReceiptCode", "Response", "ResponseReason", "ResponseStatus",
    "CatalogueStamp", "Service", "ServedCount", "Unit", "UnitKind", "UTCDateTime", "utcnow",
]
