"""The admin menu: one line per screen, shown to those who hold its permission."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .permissions import AUTHENTICATED, can


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    permission: str
    label: Any


#: In the order shown. A new screen adds its line here.
MENU = [
    MenuItem("admin.home", AUTHENTICATED, _l("Home")),
    # What managers watch and report,
    MenuItem("admin.dashboard", "index.read", _l("Dashboard")),
    MenuItem("admin.reports", "reports.read", _l("Reports")),
    MenuItem("admin.coverage", "coverage.read", _l("Coverage targets")),
    MenuItem("admin.quality", "quality.review", _l("Data quality")),
    # what claimants said,
    MenuItem("admin.inbox", "inbox.read", _l("Feedback inbox")),
    MenuItem("admin.feedback_pages", "feedback_page.manage", _l("Public feedback pages")),
    # the service points and their equipment,
    MenuItem("admin.units", "index.read", _l("Units")),
    MenuItem("admin.kiosks", "kiosks.manage", _l("Kiosks")),
    MenuItem("admin.print", "posters.print", _l("Posters and slips")),
    MenuItem("admin.served", "served.import", _l("Served counts")),
    MenuItem("admin.questionnaires", "questionnaires.read", _l("Questionnaires")),
    # and the administrator's screens.
    MenuItem("admin.tokens", "tokens.manage", _l("API tokens")),
    MenuItem("admin.users", "users.manage", _l("Users")),
    MenuItem("admin.audit", "audit.read", _l("Audit log")),
]


def menu_items() -> list[tuple[MenuItem, bool]]:
    """The signed-in user's items, each with whether it is the current page."""
    if not current_user.is_authenticated:
        return []
    current = request.endpoint or ""
    return [(item, current == item.endpoint or current.startswith(item.endpoint + "_"))
            for item in MENU if item.permission == AUTHENTICATED or can(item.permission)]
