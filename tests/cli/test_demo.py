"""``flask survey seed-demo`` and ``demo-responses``: what a newcomer is told to open and run."""
from __future__ import annotations

from survey.models import Unit


def test_seed_demo_loads_once_and_prints_the_urls_to_open(app, runner, count_rows):
    first = runner.invoke(args=["survey", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Đã nạp dữ liệu mẫu" in first.output
    units = count_rows(Unit)
    assert units >= 6
    for label, url in [("Trang chủ:", "http://survey.test/"),
                       ("Khảo sát mẫu (điện thoại):", "http://survey.test/s/NA-VINH/Q1"),
                       ("Kiosk tại quầy:", "http://survey.test/kiosk/")]:
        assert any(line.startswith(label) and line.endswith(url)
                   for line in first.output.splitlines()), (label, first.output)
    # Every printed page exists.
    client = app.test_client()
    for line in first.output.splitlines():
        if "http://survey.test/" in line:
            path = line.split("http://survey.test", 1)[1]
            with client.get(path) as reply:
                assert reply.status_code == 200, path

    hint = ".venv/bin/flask --app wsgi survey kiosk add --unit NA-VINH-Q3 --name 'Quầy 3'"
    assert first.output.splitlines()[-1].endswith(hint)

    again = runner.invoke(args=["survey", "seed-demo"])
    assert again.exit_code == 0 and "không nạp dữ liệu mẫu" in again.output.lower()
    assert count_rows(Unit) == units


def test_demo_responses_hint_runs_from_the_project_root(runner, demo):
    result = runner.invoke(args=["survey", "demo-responses", "--count", "20"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        ".venv/bin/flask --app wsgi survey index --period 2026 --unit NA --by unit")


def test_hints_quote_their_arguments():
    from survey.cli.hints import SURVEY_COMMAND, command

    assert SURVEY_COMMAND == ".venv/bin/flask --app wsgi survey"
    assert command("kiosk", "add", "--name", "Quầy 3") == \
        f"{SURVEY_COMMAND} kiosk add --name 'Quầy 3'"
