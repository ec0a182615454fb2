"""The CLI language: Vietnamese by default, English with SURVEY_CLI_LANG=en (CLI_LANG),
a command's own --lang winning; machine-read lines unchanged in both."""
from __future__ import annotations

import re

from survey.extensions import db as _db

from tests.conftest import make_test_app

TOKEN_VI = r"Đã tạo API token #\d+ 'sync'\. Hãy lưu lại ngay; token sẽ không hiển thị lại:"
TOKEN_EN = r"API token #\d+ 'sync' created\. Store it now; it is not shown again:"


def test_token_create_in_vietnamese_then_english(app, db, runner):
    vi = runner.invoke(args=["survey", "token", "create", "--name", "sync"])
    assert vi.exit_code == 0, vi.output
    *text, token = vi.output.strip().splitlines()
    assert len(text) == 1 and re.fullmatch(TOKEN_VI, text[0])
    assert token.startswith("svy_") and " " not in token

    app.config["CLI_LANG"] = "en"
    en = runner.invoke(args=["survey", "token", "create", "--name", "sync"])
    assert en.exit_code == 0, en.output
    *text, token = en.output.strip().splitlines()
    assert len(text) == 1 and re.fullmatch(TOKEN_EN, text[0])
    assert token.startswith("svy_") and " " not in token
    listing = runner.invoke(args=["survey", "token", "list"]).output
    assert "\tactive\tlast used -" in listing and "đang hoạt động" not in listing


def test_command_lang_option_wins_over_cli_language(app, demo, runner, tmp_path):
    bad = tmp_path / "units.csv"
    bad.write_bytes(b"code,parent_code,kind,name_vi\nHT-Z,,counter,Z\n")
    app.config["CLI_LANG"] = "en"
    english = runner.invoke(args=["survey", "units", "import", str(bad)])
    assert "Line 2: column parent_code" in english.output and "Dòng" not in english.output
    vietnamese = runner.invoke(args=["survey", "units", "import", str(bad), "--lang", "vi"])
    assert "Dòng 2: cột parent_code" in vietnamese.output and "Line" not in vietnamese.output


def test_environment_variable_chooses_the_language(monkeypatch, tmp_path):
    def revoke_missing(env: str | None) -> str:
        if env is None:
            monkeypatch.delenv("SURVEY_CLI_LANG", raising=False)
        else:
            monkeypatch.setenv("SURVEY_CLI_LANG", env)
        app = make_test_app(f"sqlite:///{tmp_path}/cli.sqlite", tmp_path / env_name(env))
        with app.app_context():
            _db.create_all()
        result = app.test_cli_runner().invoke(args=["survey", "token", "revoke", "999"])
        with app.app_context():
            _db.engine.dispose()
        assert result.exit_code != 0
        return result.output

    assert "Không có API token nào có id 999." in revoke_missing(None)
    assert "Không có API token nào có id 999." in revoke_missing("vi")
    assert "No API token with id 999." in revoke_missing("en")
    refused = revoke_missing("fr")
    assert "SURVEY_CLI_LANG" in refused and "'fr'" in refused


def env_name(env: str | None) -> str:
    return f"instance-{env or 'default'}"
