"""The claimant's post checked without binding the form (``quick_accept``): whatever it
accepts, the form accepts with the same data — on random posts, valid and not."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey.forms.survey_form import (build_survey_form, item_choices, item_field_name,
                                      quick_accept, submission_token, tampering_errors)
from survey.models import COMMENT_MAX
from survey.services.catalogue import snapshot
from survey.services.intake.sampling import asked_items

TEXT = st.text(alphabet=st.sampled_from("ab ỷ\t@.0123456789+"), max_size=12)


@st.composite
def posts(draw, submission_id, items, services, reasons, token_for):
    """A post as a browser showing the form could send it, give or take a field."""
    data: list[tuple[str, str]] = [("submission_id", submission_id)]
    token = draw(st.sampled_from(["valid"] * 6 + ["other", "garbage", "missing"]))
    if token == "valid":
        data.append(("csrf_token", token_for(submission_id)))
    elif token == "other":
        data.append(("csrf_token", token_for(str(uuid.uuid4()))))
    elif token == "garbage":
        data.append(("csrf_token", "x.y.z"))
    for item in items:
        values = [c.value for c in item_choices(item)]
        value = draw(st.sampled_from(values * 4 + ["", None]))
        if value is not None:
            data.append((item_field_name(item.code), value))
    service = draw(st.sampled_from([s.code for s in services] * 2 + ["", None]))
    if service is not None:
        data.append(("service", service))
    for code in draw(st.lists(st.sampled_from(reasons), max_size=3, unique=True)):
        data.append(("reasons", code))
    comment = draw(st.one_of(st.none(), TEXT, st.just(" " * 3),
                             st.just("x" * (COMMENT_MAX + 1)),
                             st.just(" " * (COMMENT_MAX + 1))))
    if comment is not None:
        data.append(("comment", comment))
    if draw(st.integers(0, 4)) == 0:
        data.append(("contact_consent", draw(st.sampled_from(["y", "", "false"]))))
    for name in ("contact_name", "contact_phone", "contact_email"):
        value = draw(st.one_of(st.none(), st.none(), st.just(""), st.just(""), st.just("  "),
                               TEXT))
        if value is not None:
            data.append((name, value))
    data.append(("lang", draw(st.sampled_from(["vi", "en", ""]))))
    return data


@pytest.mark.parametrize("version", ["questionnaire_v2", "questionnaire_v3"])
def test_what_the_quick_check_accepts_the_form_accepts_with_the_same_data(
        app, request, version):
    request.getfixturevalue(version)  # v3: the coverage items (kind "need") too
    with app.test_request_context("/"):
        from survey.extensions import current_session
        cat = snapshot.current(current_session())
    questionnaire = cat.current
    services = cat.active_services
    reasons = [r["code"] for r in questionnaire.definition.get("reasons", [])]
    seen = {"accepted": 0, "form_only": 0, "refused": 0}

    def token_for(submission_id: str) -> str:
        with app.test_request_context("/"):
            return submission_token(submission_id)

    @settings(max_examples=400, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(st.data())
    def check(data):
        submission_id = str(uuid.UUID(int=data.draw(st.integers(0, 2**128 - 1))))
        post = data.draw(posts(submission_id, asked_items(questionnaire, submission_id),
                               services, reasons, token_for))
        with app.test_request_context("/s/NA-VINH/Q1", method="POST", data=MultiDict(post)):
            from flask import request
            items = asked_items(questionnaire, submission_id)
            if tampering_errors(request.form, questionnaire, items, cat.services, False):
                return
            quick = quick_accept(request.form, items, services, reasons, False)
            form = build_survey_form(questionnaire, services, "vi", items, submission_id)
            valid = form.validate()
            if quick is None:
                seen["form_only" if valid else "refused"] += 1
                return
            seen["accepted"] += 1
            kinds = {item.kind for item in items if item.code in quick.answers}
            seen.setdefault("kinds", set()).update(kinds)
            assert valid, form.errors
            assert quick.answers == form.answers(items)
            assert quick.service == form.service.data
            assert quick.comment == (form.comment.data or "")
            assert list(quick.reasons) == list(form.reasons.data or ())
            assert form.contact_details() is None

    check()
    # Both ways were taken: the quick check is used, and it leaves cases to the form.
    assert seen["accepted"] > 20 and seen["form_only"] > 0, seen
    # Every kind of item the version has went through the quick check accepted.
    assert seen["kinds"] == {item.kind for item in questionnaire.items}, seen
