"""``flask survey users ...`` and ``flask survey audit``; the privileged commands that
already existed write to the audit log too."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, Grant, Role, User
from survey.services import accounts
from survey.services.catalogue import read_data


@pytest.fixture
def english(app):
    app.config["CLI_LANG"] = "en"


def run(runner, *args: str):
    return runner.invoke(args=["survey", *args])


def test_create_prints_a_working_link_on_the_last_line(runner, client, db, demo, english):
    result = run(runner, "users", "create", "--email", "Boss@Example.org", "--role", "admin",
                 "--unit", "na")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "User boss@example.org created: admin of NA."
    assert lines[-1].startswith("http://survey.test/admin/password/")
    token = lines[-1].rsplit("/", 1)[1]
    assert accounts.valid_link(db.session, token) is not None
    assert client.get(lines[-1].removeprefix("http://survey.test")).status_code == 200
    user = db.session.scalar(sa.select(User))
    assert [(g.role, g.unit.code) for g in user.grants] == [(Role.admin, "NA")]


def test_create_refuses_bad_input_with_a_message_and_writes_nothing(runner, db, demo,
                                                                     english, count_rows):
    result = run(runner, "users", "create", "--email", "nope", "--role", "viewer",
                 "--unit", "XX-NOWHERE")
    assert result.exit_code == 1
    assert "e-mail address" in result.output and "XX-NOWHERE" in result.output
    assert "Traceback" not in result.output
    assert count_rows(User) == 0 and count_rows(AuditEvent) == 0
    assert run(runner, "users", "create", "--email", "a@example.org", "--role", "boss",
               "--unit", "NA").exit_code == 2  # click refuses the role itself


def test_reset_prints_a_new_link_and_the_old_one_stops(runner, db, demo, english):
    first = run(runner, "users", "create", "--email", "a@example.org", "--role", "viewer",
                "--unit", "NA").output.strip().splitlines()[-1]
    second = run(runner, "users", "reset", "--email", "A@example.org")
    assert second.exit_code == 0, second.output
    link = second.output.strip().splitlines()[-1]
    assert link != first and link.startswith("http://survey.test/admin/password/")
    assert accounts.valid_link(db.session, first.rsplit("/", 1)[1]) is None
    assert accounts.valid_link(db.session, link.rsplit("/", 1)[1]) is not None
    assert run(runner, "users", "reset", "--email", "nobody@example.org").exit_code == 1


def test_grant_revoke_list_deactivate_activate(runner, db, demo, english):
    run(runner, "users", "create", "--email", "boss@example.org", "--role", "admin", "--unit", "NA")
    run(runner, "users", "create", "--email", "m@example.org", "--role", "viewer", "--unit", "NA")
    granted = run(runner, "users", "grant", "--email", "m@example.org", "--role", "manager",
                  "--unit", "NA-VINH")
    assert granted.exit_code == 0 and "manager of NA-VINH granted" in granted.output
    assert run(runner, "users", "grant", "--email", "m@example.org", "--role", "manager",
               "--unit", "NA-VINH").exit_code == 1  # already granted
    listing = run(runner, "users", "list").output
    assert "m@example.org\tpassword not set\tviewer@NA, manager@NA-VINH\t" in listing
    revoked = run(runner, "users", "revoke", "--email", "m@example.org", "--role", "viewer",
                  "--unit", "NA")
    assert revoked.exit_code == 0
    assert run(runner, "users", "revoke", "--email", "m@example.org", "--role", "viewer",
               "--unit", "NA").exit_code == 1
    assert [g.role for g in db.session.scalars(sa.select(Grant).join(User).filter(
        User.email == "m@example.org"))] == [Role.manager]
    assert run(runner, "users", "deactivate", "--email", "m@example.org").exit_code == 0
    assert "m@example.org\tdeactivated\t" in run(runner, "users", "list").output
    assert run(runner, "users", "activate", "--email", "m@example.org").exit_code == 0
    last_admin = run(runner, "users", "deactivate", "--email", "boss@example.org")
    assert last_admin.exit_code == 1 and "last administrator" in last_admin.output


def test_audit_prints_the_log_filtered(runner, db, demo, english):
    run(runner, "users", "create", "--email", "a@example.org", "--role", "viewer", "--unit", "NA")
    run(runner, "token", "create", "--name", "sync")
    lines = run(runner, "audit").output.strip().splitlines()
    assert [line.split("\t")[2] for line in lines] == [
        "user.created", "grant.added", "auth.password_link", "token.created"]
    assert lines[1].split("\t")[1] == "cli" and lines[1].split("\t")[5] == "NA"
    assert json.loads(lines[1].split("\t")[6])["role"] == "viewer"
    only = run(runner, "audit", "--action", "token.created").output.strip().splitlines()
    assert len(only) == 1 and "\ttoken.created\t" in only[0]
    assert run(runner, "audit", "--since", "2099-01-01").output.strip() == "No audit events match."
    assert run(runner, "audit", "--since", "01/12/2026").exit_code == 2


def test_existing_privileged_commands_are_audited(runner, db, demo, english, tmp_path):
    added = run(runner, "kiosk", "add", "--unit", "NA-VINH-Q3", "--name", "Quầy 3")
    code = added.output.strip().splitlines()[-1]
    device_id = run(runner, "kiosk", "list").output.split("\t")[0]
    run(runner, "kiosk", "revoke", device_id)
    created = run(runner, "token", "create", "--name", "sync").output.strip().splitlines()
    token, token_id = created[-1], re.search(r"#(\d+)", created[0]).group(1)
    assert run(runner, "token", "revoke", token_id).exit_code == 0
    definition = read_data("questionnaire_v1.json")
    definition["version"] = 7
    path = tmp_path / "q7.json"
    path.write_text(json.dumps(definition), "utf-8")
    assert run(runner, "questionnaire", "load", str(path)).exit_code == 0
    assert run(runner, "questionnaire", "load", str(path)).exit_code == 0  # unchanged: no event
    served = tmp_path / "served.csv"
    served.write_text("period,unit,service,count\n2026-Q3,NA-VINH,,120\n", "utf-8")
    assert run(runner, "served", "import", str(served)).exit_code == 0, "served"
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_label) for e in events] == [
        ("kiosk.added", "cli"), ("kiosk.revoked", "cli"), ("token.created", "cli"),
        ("token.revoked", "cli"), ("questionnaire.published", "cli"), ("served.imported", "cli")]
    assert events[-2].detail["version"] == 7 and events[-1].detail["inserted"] == 1
    logged = json.dumps([e.detail for e in events]) + "".join(
        str(e.object_id) for e in events)
    assert code.replace(" ", "") not in logged and token not in logged
