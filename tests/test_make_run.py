"""``make run``: the public URL (printed, and put in every QR code) follows HOST and PORT.

The recipe runs with ``FLASK`` replaced by a shell that echoes the URL each command
would see, and without its install steps (``-o``), so nothing is installed or served.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Stands in for ``.venv/bin/flask --app wsgi``: prints the URL and the command.
ECHO_FLASK = """FLASK=sh -c 'echo "url=$$SURVEY_PUBLIC_URL cmd=$$*"' flask"""


def make_run(*args: str, env: dict[str, str] | None = None) -> list[str]:
    if shutil.which("make") is None:
        pytest.fail("make is missing")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SURVEY_", "MAKE"))}
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", "install", "-o", "translations", "run",
         ECHO_FLASK, *args], cwd=ROOT, env={**clean, **(env or {})},
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def urls_seen(lines: list[str]) -> dict[str, str]:
    """The command (``db``, ``survey``, ``run``) → the public URL it was given."""
    found = {}
    for line in lines:
        if line.startswith("url="):
            url, command = line[len("url="):].split(" cmd=", 1)
            found[command.split()[0]] = url
    return found


def test_public_url_follows_host_and_port():
    lines = make_run("PORT=5101", "HOST=192.168.1.20")
    assert urls_seen(lines) == {"db": "http://192.168.1.20:5101",
                                "survey": "http://192.168.1.20:5101",
                                "run": "http://192.168.1.20:5101"}
    assert "Serving on http://192.168.1.20:5101/  (Ctrl+C to stop)" in lines
    assert "cmd=run --host 192.168.1.20 --port 5101" in lines[-1]


def test_default_is_the_local_address():
    assert set(urls_seen(make_run()).values()) == {"http://127.0.0.1:5000"}


@pytest.mark.parametrize("how", ["environment", "command line"])
def test_survey_public_url_wins(how):
    public = "https://khaosat.example.vn"
    if how == "environment":
        lines = make_run("PORT=5101", env={"SURVEY_PUBLIC_URL": public})
    else:
        lines = make_run("PORT=5101", f"SURVEY_PUBLIC_URL={public}")
    assert set(urls_seen(lines).values()) == {public}
    assert f"Serving on {public}/  (Ctrl+C to stop)" in lines
    assert "cmd=run --host 127.0.0.1 --port 5101" in lines[-1]
