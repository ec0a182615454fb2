"""The inbox's settings: the Complaints Law's deadlines by default, per-category
overrides, and malformed configuration refused."""
from __future__ import annotations

import datetime as dt

import pytest

from survey.models import CaseCategory
from survey.services.inbox.settings import LAW_2011, Deadlines, settings_from


def test_defaults_follow_the_complaints_law():
    settings = settings_from({"SECRET_KEY": "k"})
    assert (LAW_2011.accept, LAW_2011.resolve, LAW_2011.complex) == (10, 30, 45)
    assert settings.deadlines_for(CaseCategory.attitude) == LAW_2011
    assert settings.low_rating == 2 and settings.secret == b"k" and settings.due_soon == 3


def test_categories_and_the_default_can_be_configured():
    settings = settings_from({"INBOX_DEADLINES": {
        "default": {"accept": 5, "resolve": 15, "complex": 20},
        "attitude": {"accept": 2, "resolve": 5, "complex": 10}},
        "INBOX_LOW_RATING": 3, "INBOX_DAYS_OFF": ["2027-02-11"]})
    assert settings.deadlines_for(CaseCategory.attitude) == Deadlines(2, 5, 10)
    assert settings.deadlines_for(CaseCategory.benefit) == Deadlines(5, 15, 20)
    assert settings.deadlines_for(None) == Deadlines(5, 15, 20)
    assert settings.low_rating == 3 and settings.days_off == {dt.date(2027, 2, 11)}


@pytest.mark.parametrize("config", [
    {"INBOX_LOW_RATING": 6},
    {"INBOX_DEADLINES": {"gossip": {"accept": 1}}},
    {"INBOX_DEADLINES": {"default": {"accept": 40, "resolve": 30}}},
    {"INBOX_DEADLINES": ["default"]},
    {"INBOX_DAYS_OFF": ["tomorrow"]},
])
def test_malformed_settings_are_refused(config):
    with pytest.raises(ValueError):
        settings_from(config)
