"""``survey.cli.errors.service_errors``: one clean failure for every command."""
from __future__ import annotations

import click
import pytest
from flask_babel import force_locale

from survey.cli.errors import error_lines, service_errors
from survey.cli.locale import lang_option
from survey.extensions import db as _db
from survey.models import ApiToken, ServedCount
from survey.services.devices import tokens
from survey.services.errors import NotFound, ServiceError


def half_writing_command(error: Exception) -> click.Command:
    """Writes (flushes) an API token, then fails with ``error``."""
    @click.command("half")
    @lang_option()
    @service_errors
    def half(lang):
        tokens.create_api_token(_db.session, "half-written")
        raise error
    return half


def test_service_error_is_a_message_exit_1_and_a_rollback(runner, db, count_rows):
    failing = half_writing_command(NotFound("No such thing."))
    result = runner.invoke(failing, args=[])
    assert result.exit_code == 1
    assert result.stderr == "No such thing.\n" and result.stdout == ""
    assert "Traceback" not in result.output and "Error:" not in result.output
    assert not isinstance(result.exception, ServiceError)  # handled, not propagated
    assert count_rows(ApiToken) == 0  # nothing half-written


def test_per_line_errors_follow_the_message_in_the_command_language(runner, db, count_rows):
    error = ServiceError("The file has errors; nothing was imported.",
                         {"12": ["count must be a whole number"], "3": ["unknown unit", "bad"],
                          "": ["The file is not UTF-8."], "count": ["out_of_range"]})
    result = runner.invoke(half_writing_command(error), args=["--lang", "en"])
    assert result.exit_code == 1 and count_rows(ApiToken) == 0
    assert result.stderr.splitlines() == [
        "The file has errors; nothing was imported. Errors: 4.",
        "The file is not UTF-8.",
        "Line 3: unknown unit; bad",
        "Line 12: count must be a whole number",
    ]  # lines in order; field keys (for the API) are not repeated
    vietnamese = runner.invoke(half_writing_command(error), args=["--lang", "vi"])
    assert "Dòng 3: unknown unit; bad" in vietnamese.stderr
    assert "Số lỗi: 4." in vietnamese.stderr


def test_error_lines_without_file_errors_is_the_message(app):
    with force_locale("en"):
        assert error_lines(ServiceError("Bad.", {"unit": ["inactive"]})) == ["Bad."]


def test_other_failures_roll_back_too_and_keep_their_exit_code(runner, db, count_rows):
    usage = runner.invoke(half_writing_command(click.BadParameter("nope")), args=[])
    assert usage.exit_code == 2 and "nope" in usage.output
    assert count_rows(ApiToken) == 0
    crash = runner.invoke(half_writing_command(RuntimeError("bug")), args=[])
    assert crash.exit_code == 1 and isinstance(crash.exception, RuntimeError)
    assert count_rows(ApiToken) == 0


def test_real_commands_fail_cleanly(runner, demo, db, tmp_path, count_rows):
    bad = tmp_path / "served.csv"
    bad.write_text("period,unit,count\n2026-Q3,NA-VINH,10\n2026-Q3,XX,1\n", "utf-8")
    served = runner.invoke(args=["survey", "served", "import", str(bad), "--lang", "en"])
    assert served.exit_code == 1 and count_rows(ServedCount) == 0
    assert served.stderr.splitlines() == [
        "The file has errors; nothing was imported. Errors: 1.",
        "Line 3: unknown unit code 'XX'"]
    for args in (["token", "revoke", "999"], ["kiosk", "revoke", "999"],
                 ["kiosk", "add", "--unit", "XX-1", "--name", "A"],
                 ["demo-responses", "--count", "0"]):
        result = runner.invoke(args=["survey", *args])
        assert result.exit_code == 1, args
        assert result.stderr.strip() and "Traceback" not in result.output, args
        assert "Error:" not in result.output, args


@pytest.mark.parametrize("content", ["{not json", '{"version": 9}', "[1, 2]"])
def test_a_file_that_is_not_a_questionnaire_fails_cleanly(runner, demo, tmp_path, content):
    path = tmp_path / "q.json"
    path.write_text(content, "utf-8")
    result = runner.invoke(args=["survey", "questionnaire", "load", str(path)])
    assert result.exit_code == 1 and "Không nạp được bảng hỏi" in result.stderr
    assert "Traceback" not in result.output
