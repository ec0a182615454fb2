"""The feedback inbox: cases opened after the fact for comments, low ratings and
requests to be contacted (:mod:`.opening`), handled by the rules (:mod:`.handling`),
read apart (:mod:`.queries`), with reference codes (:mod:`.codes`) and deadlines in
Vietnam's working days (:mod:`.workdays`, :mod:`.settings`)."""
from .codes import display_code, reference_code
from .opening import open_cases
from .settings import Deadlines, InboxSettings, settings_from

__all__ = ["Deadlines", "InboxSettings", "display_code", "open_cases", "reference_code",
           "settings_from"]
