"""The claimant's phone form, built from a questionnaire version."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote_to_bytes
from typing import Any, Iterable, Optional, Sequence

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRF
from wtforms import (BooleanField, EmailField, HiddenField, RadioField, SelectChoice,
                     SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.validators import (AnyOf, Email, InputRequired, Length, Optional as Opt,
                                ValidationError)

from ..models import COMMENT_MAX
from ..models.questionnaires import NEED, RATING, TRIPS, YES_NO
from ..services.catalogue import parse_version
from ..services.catalogue.snapshot import ItemLike, QuestionnaireLike, ServiceLike
from ..services.intake.responses import ContactDetails
from ..services.intake.consent import REPLY, WORDINGS, fingerprint

NOT_APPLICABLE = "na"
SCALE_LABELS = {
    "1": _l("Very dissatisfied"),
    "2": _l("Dissatisfied"),
    "3": _l("Neutral"),
    "4": _l("Satisfied"),
    "5": _l("Very satisfied"),
}
#: The answers of each kind of item, then the "not applicable" answer it offers.
KIND_CHOICES = {
    RATING: SCALE_LABELS,
    YES_NO: {"1": _l("Yes"), "2": _l("No")},
    TRIPS: {"1": _l("Once"), "2": _l("2 times"), "3": _l("3 times"),
            "4": _l("4 or more")},
    NEED: {"1": _l("Yes"), "2": _l("No")},
}
NOT_APPLICABLE_LABELS = {
    RATING: _l("I did not experience this"),
    YES_NO: _l("Not sure"),
    TRIPS: _l("Not sure"),
    #: Stored as None: out of the coverage indicator's denominator.
    NEED: _l("I did not need it"),
}
FIXED_FIELDS = {"csrf_token", "submission_id", "lang", "version", "service", "comment",
                "reasons", "contact_consent", "contact_name", "contact_phone", "contact_email"}
#: Fields that may be sent more than once (one value per ticked box).
MULTIPLE = {"reasons"}


#: WTForms has no Vietnamese catalogue: every message a claimant can see is our own.
TOO_LONG = _l("At most %(max)d characters, please.")
NOT_SHOWN = _l("Please choose one of the answers shown.")


def choice_field(label, choices: list[SelectChoice], validators: list) -> RadioField:
    """A radio group whose "not one of the choices" message is translated."""
    return RadioField(label, choices=choices, validate_choice=False, validators=[
        *validators, AnyOf([choice.value for choice in choices], message=NOT_SHOWN)])


def item_field_name(code: str) -> str:
    return f"q_{code}"


class CheckboxesField(SelectMultipleField):
    """Tick boxes for several choices (the reasons for a low rating)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def submission_token(submission_id: str) -> str:
    """The form's token: the time and a signature of the submission id with the app's
    key and that time.

    It stands where a session-bound CSRF token would: a post is accepted only with a
    token this server issued for that very submission id, within
    ``WTF_CSRF_TIME_LIMIT`` (a stale one keeps the answers and asks to send again). It
    needs no session, so claimants get no cookie and the page no server-side state.
    The id itself is not repeated in the token (the post carries it): itsdangerous's
    ``TimestampSigner`` signs ``<id>.<time>`` and the token is ``<time>.<signature>``."""
    signed = _signer().sign(submission_id).decode("ascii")
    return signed[len(submission_id) + 1:]


def _signers() -> tuple[str, TimestampSigner, URLSafeTimedSerializer]:
    """(the key, the app's signer of submission ids, a serializer with the same key and
    salt), made once per secret key."""
    key = str(current_app.config["SECRET_KEY"])
    cached = current_app.extensions.get(SIGNER)
    if cached is None or cached[0] != key:
        cached = current_app.extensions[SIGNER] = (
            key, TimestampSigner(key, salt=TOKEN_SALT),
            URLSafeTimedSerializer(key, salt=TOKEN_SALT))
    return cached


def _signer() -> TimestampSigner:
    return _signers()[1]


def _serializer() -> URLSafeTimedSerializer:
    """Signs whole values (the status page's request form; earlier submission tokens)."""
    return _signers()[2]


SIGNER = "survey.submission_signer"


TOKEN_SALT = "survey-submission"


def token_matches(token: str, submission_id: str) -> bool:
    """True when ``token`` is :func:`submission_token` of ``submission_id`` and not older
    than ``WTF_CSRF_TIME_LIMIT``: the one rule of the form's CSRF check. Tokens of the
    earlier format (the id serialized and signed whole, same key and salt) are still
    taken, so that forms open when this release was installed can be sent."""
    limit = current_app.config["WTF_CSRF_TIME_LIMIT"]
    token = token or ""
    try:
        return _signer().unsign(f"{submission_id}.{token}", max_age=limit) == \
            submission_id.encode()
    except BadData:
        pass
    if token.count(".") != 2:
        return False
    try:
        return _serializer().loads(token, max_age=limit) == submission_id
    except BadData:
        return False


class SubmissionTokenCsrf(CSRF):
    """WTForms' CSRF hook, checking :func:`submission_token` against the posted id."""

    def setup_form(self, form):
        self.form = form
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field) -> str:
        submission_id = self.form.submission_id.data
        return submission_token(submission_id) if submission_id else ""

    def validate_csrf_token(self, form, field) -> None:
        if not token_matches(field.data or "", form.submission_id.data):
            raise ValidationError(_l("The form has expired."))


class BaseSurveyForm(FlaskForm):
    class Meta:
        csrf_class = SubmissionTokenCsrf

    submission_id = HiddenField()
    lang = HiddenField()
    #: The questionnaire version the page showed, so that answers go with the questions
    #: asked even when a new version is published while the claimant is answering.
    version = HiddenField()
    comment = TextAreaField(_l("Anything else you would like to tell us? (optional)"),
                            validators=[Opt(), Length(max=COMMENT_MAX, message=TOO_LONG)])
    #: Never pre-ticked; its label is the informed wording's (services/intake/consent.py).
    contact_consent = BooleanField(WORDINGS[REPLY].agree, default=False)
    contact_name = StringField(_l("Name (optional)"),
                               validators=[Opt(), Length(max=120, message=TOO_LONG)])
    contact_phone = StringField(_l("Phone number"),
                                validators=[Opt(), Length(max=40, message=TOO_LONG)])
    contact_email = EmailField(_l("Email"), validators=[Opt(), Length(max=200, message=TOO_LONG),
                                                         Email(message=_l("Invalid email."))])

    def validate_contact_phone(self, field) -> None:
        digits = [c for c in field.data or "" if c.isdigit()]
        if field.data and not 8 <= len(digits) <= 15:
            raise ValidationError(_l("Please enter a valid phone number."))

    def validate_contact_consent(self, field) -> None:
        given = any((self.contact_name.data or "").strip() or (f.data or "").strip()
                    for f in (self.contact_phone, self.contact_email))
        if given and not field.data:
            raise ValidationError(
                _l("Tick the box if you want a reply; otherwise leave the contact fields empty."))
        if field.data and not ((self.contact_phone.data or "").strip()
                               or (self.contact_email.data or "").strip()):
            raise ValidationError(_l("Give a phone number or an email so that we can reply."))

    def contact_details(self, locale: str = "vi", days: int = 30) -> Optional[ContactDetails]:
        """The contact given, with the version and fingerprint of the consent wording
        shown in ``locale`` (``days``: retention after closing, as the page said)."""
        if not self.contact_consent.data:
            return None
        return ContactDetails(name=(self.contact_name.data or "").strip(),
                              phone=(self.contact_phone.data or "").strip(),
                              email=(self.contact_email.data or "").strip(),
                              purpose=REPLY, consent_version=WORDINGS[REPLY].version,
                              consent_sha256=fingerprint(REPLY, locale, days))

    def error_list(self, items: Sequence[ItemLike]) -> list[tuple[str, Any, Any]]:
        """(field name, short label, first message) of every error, in page order, for
        the summary at the top of the form."""
        names = (["service"] + [item_field_name(item.code) for item in items]
                 + ["reasons", "comment", "contact_consent", "contact_name", "contact_phone",
                    "contact_email"])
        short = {"contact_consent": _l("Reply"), "comment": _l("Comment")}
        return [(name, short.get(name, self[name].label.text), self.errors[name][0])
                for name in names if name in self.errors and name in self]

    def answers(self, items: Sequence[ItemLike]) -> dict[str, Optional[int]]:
        """Item code → the stored value or None (not applicable) for the items asked;
        items left blank are left out."""
        result: dict[str, Optional[int]] = {}
        for item in items:
            value = getattr(self, item_field_name(item.code)).data
            if value == NOT_APPLICABLE:
                result[item.code] = None
            elif value:
                result[item.code] = int(value)
        return result


def item_choices(item: ItemLike) -> list[SelectChoice]:
    """The answers offered for an item: its kind's values, then "not applicable" unless
    the item is required."""
    return kind_choices(item.kind, item.required)


def kind_choices(kind: str, required: bool) -> list[SelectChoice]:
    choices = [SelectChoice(value, label) for value, label in KIND_CHOICES[kind].items()]
    if not required:
        choices.append(SelectChoice(NOT_APPLICABLE, NOT_APPLICABLE_LABELS[kind]))
    return choices


@lru_cache(maxsize=None)
def choice_values(kind: str, required: bool) -> frozenset[str]:
    """The values of :func:`item_choices` for items of this kind (on every post)."""
    return frozenset(choice.value for choice in kind_choices(kind, required))


def build_survey_form(questionnaire: QuestionnaireLike, services: Sequence[ServiceLike],
                      locale: str, items: Sequence[ItemLike], submission_id: str,
                      fixed_service: bool = False, **kwargs) -> BaseSurveyForm:
    """The form for one claimant: one radio group per item asked (``items``, drawn for
    ``submission_id``), one for the service and tick boxes for the reasons. The class
    is built once per distinct set of questions, labels and choices (:func:`form_class`).
    """
    form = form_class(questionnaire, services, locale, items, fixed_service)(**kwargs)
    if form.submission_id.data != submission_id:  # a new page: sign its new id
        form.submission_id.data = submission_id
        form.csrf_token.current_token = submission_token(submission_id)
    form.version.data = str(questionnaire.version)
    return form


#: Form classes already built, by everything that shapes them (bounded: see form_class).
_CLASSES: dict[tuple, type[BaseSurveyForm]] = {}
_CLASSES_MAX = 256


def form_class(questionnaire: QuestionnaireLike, services: Sequence[ServiceLike], locale: str,
               items: Sequence[ItemLike], fixed_service: bool) -> type[BaseSurveyForm]:
    """The form class for these questions and choices, built on first use."""
    reasons = tuple((r["code"], r.get(locale) or r["vi"])
                    for r in questionnaire.definition.get("reasons", []))
    key = (locale, fixed_service, reasons,
           tuple((i.code, i.text(locale), i.kind, i.required) for i in items),
           () if fixed_service else tuple((s.code, s.name(locale)) for s in services))
    cls = _CLASSES.get(key)
    if cls is None:
        if len(_CLASSES) >= _CLASSES_MAX:
            _CLASSES.clear()
        cls = _CLASSES[key] = _make_class(items, services, locale, reasons, fixed_service)
    return cls


def _make_class(items: Sequence[ItemLike], services: Sequence[ServiceLike], locale: str,
                reasons: tuple[tuple[str, str], ...],
                fixed_service: bool) -> type[BaseSurveyForm]:
    class SurveyForm(BaseSurveyForm):
        pass

    for item in items:
        validators = ([InputRequired(message=_l("Please choose an answer."))]
                      if item.required else [Opt()])
        setattr(SurveyForm, item_field_name(item.code),
                choice_field(item.text(locale), item_choices(item), validators))
    if not fixed_service:
        SurveyForm.service = choice_field(
            _l("Which service did you use today?"),
            [SelectChoice(s.code, s.name(locale)) for s in services],
            [InputRequired(message=_l("Please choose the service you used."))])
    SurveyForm.reasons = CheckboxesField(
        _l("If something was not good, what was it? Tap one or more."),
        choices=[SelectChoice(code, label) for code, label in reasons],
        validate_choice=False,
        validators=[Opt(), AnyOfEach([code for code, _label in reasons])])
    return SurveyForm


class AnyOfEach:
    """Every ticked value is one of ``values`` (WTForms' AnyOf checks one value)."""

    def __init__(self, values: list[str]):
        self.values = set(values)

    def __call__(self, form, field) -> None:
        if any(value not in self.values for value in field.data or ()):
            raise ValidationError(NOT_SHOWN)


@dataclass(frozen=True)
class QuickPost:
    """What a claimant's post gives when :func:`quick_accept` accepts it: the same as the
    bound form's ``answers()``, ``service.data``, ``comment.data`` and ``reasons.data``."""

    answers: dict[str, Optional[int]]
    service: Optional[str]
    comment: str
    reasons: list[str]


def quick_accept(formdata, items: Sequence[ItemLike], services: Sequence[ServiceLike],
                 reason_codes: Iterable[str], fixed_service: bool) -> Optional[QuickPost]:
    """The claimant's post, checked without building and binding the form, in the common
    case only: a valid token, every required item answered with one of its choices, the
    service one of those shown, known reasons, a comment within the limit, and no contact
    details (the consent rules and the e-mail and phone checks are the form's alone).

    Returns None whenever it does not accept, which is not a refusal: the caller then
    lets the form decide (and render its errors). What it accepts, the form accepts with
    the same data: ``tests/public/test_quick_accept.py`` checks that on random posts.
    Call it after :func:`tampering_errors` found nothing."""
    if "contact_consent" in formdata or any(
            formdata.get(name, "") for name in ("contact_name", "contact_phone",
                                                "contact_email")):
        return None
    if not token_matches(formdata.get("csrf_token", ""), formdata.get("submission_id", "")):
        return None
    comment = formdata.get("comment", "")
    if len(comment) > COMMENT_MAX:
        return None
    answers: dict[str, Optional[int]] = {}
    for item in items:
        value = formdata.get(item_field_name(item.code), "")
        if value == "":
            if item.required:
                return None
            continue
        if value == NOT_APPLICABLE and not item.required:
            answers[item.code] = None
        elif value in KIND_CHOICES[item.kind]:
            answers[item.code] = int(value)
        else:
            return None
    service = None
    if not fixed_service:
        service = formdata.get("service", "")
        if not any(s.code == service for s in services):
            return None
    reasons = formdata.getlist("reasons")
    known = set(reason_codes)
    if any(code not in known for code in reasons):
        return None
    return QuickPost(answers, service, comment, reasons)


def allowed_fields(items: Sequence[ItemLike]) -> set[str]:
    return FIXED_FIELDS | {item_field_name(item.code) for item in items}


def body_is_utf8(body: bytes) -> bool:
    """True when a urlencoded body decodes as UTF-8 (werkzeug keeps bad bytes silently)."""
    try:
        unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def tampering_errors(formdata, questionnaire: QuestionnaireLike, items: Sequence[ItemLike],
                     services: Sequence[ServiceLike], fixed_service: bool) -> list[str]:
    """Field names whose raw value a browser showing our form (with ``items``) could not
    have sent."""
    bad: list[str] = []
    allowed = allowed_fields(items) - ({"service"} if fixed_service else set())
    for key in formdata.keys():
        values = formdata.getlist(key)
        if key not in allowed or (len(values) > 1 and key not in MULTIPLE) or any(
                "\ufffd" in v or "\x00" in v for v in values):
            bad.append(key)
    for item in items:
        value = formdata.get(item_field_name(item.code))
        if value not in (None, "") and value not in choice_values(item.kind, item.required):
            bad.append(item_field_name(item.code))
    known_reasons = {r["code"] for r in questionnaire.definition.get("reasons", [])}
    if any(value not in known_reasons for value in formdata.getlist("reasons")):
        bad.append("reasons")
    service = formdata.get("service")
    if not fixed_service and service not in (None, "") and service not in {
            s.code for s in services}:
        bad.append("service")
    try:
        uuid.UUID(formdata.get("submission_id", ""))
    except ValueError:
        bad.append("submission_id")
    if "version" in formdata and parse_version(formdata.get("version")) is None:
        bad.append("version")
    return sorted(set(bad))
