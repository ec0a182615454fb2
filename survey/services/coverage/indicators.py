"""The plan's coverage indicators (Decision 2269/QĐ-TTg and Nghệ An's plan): one registry.

Each indicator is a share ``numerator / denominator`` with a source (``admin``: exact
counts from the case software; ``survey``: what claimants report, an estimate), a
direction and targets by milestone year. A period is judged against the target of the
first milestone at or after its year (as the satisfaction index); an indicator without
targets (training support: "a rising share") is shown without a verdict.

Targets come from configuration (``SURVEY_COVERAGE_TARGETS``, JSON: indicator code →
milestone year → share), which replaces the defaults below indicator by indicator.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Mapping, Optional

from flask_babel import lazy_gettext as _l

from ..reporting.periods import Period


class Source(StrEnum):
    ADMIN = "admin"    #: counts from the BHTN case software: exact, no interval
    SURVEY = "survey"  #: reported by claimants in the survey: an estimate with its interval

    @property
    def label(self) -> Any:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {Source.ADMIN: _l("case software"), Source.SURVEY: _l("survey")}


class Direction(StrEnum):
    HIGHER = "higher"  #: more is better; met when the share reaches the target


@dataclass(frozen=True)
class Indicator:
    """One indicator; ``numerator`` and ``denominator`` name count fields of
    :class:`survey.models.CoverageCount` for the admin source."""

    code: str
    name: Any
    numerator: str
    denominator: str
    source: Source
    #: Milestone year → target share (empty: no target, no verdict).
    targets: Mapping[int, float]
    direction: Direction = Direction.HIGHER
    #: What the numerator and denominator count, for people.
    definition: Any = ""
    #: A short name for column headers.
    short: Any = ""
    #: Survey source: the questionnaire item (kind ``need``) whose answers it counts.
    item: str = ""
    #: Survey source: the code of the administrative indicator it is shown beside (and
    #: whose configured targets it follows unless configured itself).
    pairs: str = ""

    def target(self, period: Period,
               configured: Optional[Mapping[str, Mapping]] = None) -> Optional[float]:
        """The target in force in the period's year, or ``None`` when there is none."""
        configured = configured or {}
        targets = configured.get(self.code, configured.get(self.pairs, self.targets))
        milestones = sorted((int(year), float(share)) for year, share in targets.items())
        if not milestones:
            return None
        for year, share in milestones:
            if period.year <= year:
                return share
        return milestones[-1][1]


INDICATORS: tuple[Indicator, ...] = (
    Indicator("counselling", _l("Counselled free of charge when they asked"), "counselled",
              "counselling_asked", Source.ADMIN, {2025: 1.0},
              definition=_l("people counselled / people who asked for counselling"),
              short=_l("Counselled")),
    Indicator("referral", _l("Referred to a job free of charge when they asked"), "referred",
              "referral_asked", Source.ADMIN, {2025: 0.80, 2030: 0.90},
              definition=_l("people referred / people who asked for a job referral"),
              short=_l("Referred")),
    Indicator("placement", _l("Found work through the referral"), "placed", "referred",
              Source.ADMIN, {2025: 0.60, 2030: 0.70},
              definition=_l("people placed through a referral / people referred"),
              short=_l("Placed")),
    Indicator("training", _l("Allowance applicants supported to train"),
              "training_supported", "applicants", Source.ADMIN, {},
              definition=_l("people supported to train / allowance applicants"),
              short=_l("Trained")),
)

#: The claimant-reported side: optional questionnaire items (kind ``need``: yes / no /
#: "I did not need it") asked of the claimants of the matching services. The share of
#: "yes" among those who answered yes or no, estimated with the index's design.
SURVEY_INDICATORS: tuple[Indicator, ...] = (
    Indicator("counselling_survey",
              _l("Counselled free of charge when they needed it (claimants' answers)"),
              "yes", "yes + no", Source.SURVEY, {2025: 1.0},
              definition=_l("claimants answering yes / those answering yes or no (\"I did "
                            "not need it\" left out)"),
              short=_l("Counselled (survey)"), item="cov_counselling", pairs="counselling"),
    Indicator("referral_survey",
              _l("Referred to a job free of charge when they needed it (claimants' "
                 "answers)"),
              "yes", "yes + no", Source.SURVEY, {2025: 0.80, 2030: 0.90},
              definition=_l("claimants answering yes / those answering yes or no (\"I did "
                            "not need it\" left out)"),
              short=_l("Referred (survey)"), item="cov_referral", pairs="referral"),
)

BY_CODE = {indicator.code: indicator for indicator in INDICATORS + SURVEY_INDICATORS}
#: Questionnaire item code → its survey indicator.
BY_ITEM = {indicator.item: indicator for indicator in SURVEY_INDICATORS}


def configured_targets(config: Mapping[str, Any]) -> dict[str, Mapping]:
    """``SURVEY_COVERAGE_TARGETS`` (indicator code → milestone year → share), checked:
    an unknown code or a share outside [0, 1] is a configuration mistake."""
    targets = dict(config.get("COVERAGE_TARGETS") or {})
    for code, milestones in targets.items():
        if code not in BY_CODE:
            raise ValueError(f"SURVEY_COVERAGE_TARGETS: unknown indicator {code!r}")
        for year, share in dict(milestones).items():
            int(year)
            if not 0 <= float(share) <= 1:
                raise ValueError(f"SURVEY_COVERAGE_TARGETS: {code} {year}: share {share!r}")
    return targets
