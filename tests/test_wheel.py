"""The wheel is the whole app: installed on its own, away from the checkout, it migrates
a database, seeds the demo, serves the phone form in Vietnamese and the kiosk app.

Slow (it builds and installs the wheel, about 10 s) but part of ``make test``.
"""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from survey.kiosk.routes import CLIENT_DIR, SERVED_SUFFIXES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
#: What the wheel is built from (what an sdist holds); .mo files are left behind on
#: purpose: the build must compile them itself.
SOURCES = ("pyproject.toml", "setup.cfg", "setup.py", "MANIFEST.in", "README.md",
           "survey", "migrations", "kiosk", "docs")
CLEAN = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "build", "*.egg-info")
APP = ["-m", "flask", "--app", "survey:create_app"]
#: A tiny production-like server on a free port; it prints the port once listening.
SERVE = ("from werkzeug.serving import make_server; from survey import create_app; "
         "server = make_server('127.0.0.1', 0, create_app()); "
         "print(server.port, flush=True); server.serve_forever()")


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(arg) for arg in args], capture_output=True, text=True,
                            timeout=120, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built offline (no build isolation: the test extra brings setuptools, the app babel)
    from a clean copy of the sources, so the checkout gets no build/ folder."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=CLEAN)
        else:
            shutil.copy2(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--no-index", "-q", "-w", work / "dist", source)
    (built,) = (work / "dist").glob("bhtn_survey-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A new, empty venv with only the wheel installed in it. The app's dependencies are
    borrowed from the test venv through a .pth file: a folder listed there is searched
    for modules but its own .pth files are not run, so the checkout's editable install
    (a .pth file and its finder) stays invisible."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", home)
    python = home / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
                   .stdout.strip())
    borrowed = [path for path in site.getsitepackages() if not (Path(path) / "survey").exists()]
    (purelib / "borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "-q", wheel)
    return home


@pytest.fixture(scope="module")
def env(venv, tmp_path_factory) -> dict:
    """An environment away from the checkout: only this venv, a fresh instance folder."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SURVEY_", "FLASK_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["SURVEY_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    return env


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("elsewhere")


def test_the_wheel_holds_migrations_kiosk_app_and_compiled_translations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    versions = {f"survey/_migrations/versions/{path.name}"
                for path in (ROOT / "migrations" / "versions").glob("*.py")}
    assert versions and versions <= names
    assert {"survey/_migrations/env.py", "survey/_migrations/alembic.ini",
            "survey/_migrations/script.py.mako"} <= names
    # The kiosk's web app, exactly what the server would serve from the checkout.
    kiosk = {name for name in names if name.startswith("survey/_kiosk/")}
    assert kiosk == {f"survey/_kiosk/{path.relative_to(CLIENT_DIR).as_posix()}"
                     for path in CLIENT_DIR.rglob("*")
                     if path.is_file() and path.suffix in SERVED_SUFFIXES}
    assert {"survey/_kiosk/index.html", "survey/_kiosk/sw.js", "survey/_kiosk/js/app.js"} <= kiosk
    assert {"survey/translations/vi/LC_MESSAGES/messages.mo",
            "survey/translations/en/LC_MESSAGES/messages.mo",
            "survey/templates/public/survey.html", "survey/data/questionnaire_v1.json",
            "survey/templates/admin/base.html", "survey/templates/admin/_admin.css",
            "survey/admin/common_passwords.txt"} <= names
    assert not [name for name in names if name.endswith(("kiosk-launcher.sh", ".service", ".md"))
                and name != "survey/_docs/methodology.md"]
    assert "survey/_docs/methodology.md" in names  # the admin's methodology page
    assert {name.split("/")[0] for name in names if not name.startswith("survey/")} == {
        f"bhtn_survey-{wheel.name.split('-')[1]}.dist-info"}


def test_the_installed_wheel_runs_on_its_own(venv, env, elsewhere):
    python = venv / "bin" / "python"
    where = run(python, "-c", "import survey, survey.resources as r; print(survey.__file__); "
                "print(r.migrations_dir()); print(r.kiosk_client_dir())",
                cwd=elsewhere, env=env).stdout.split()
    package = Path(where[0]).parent
    assert package.is_relative_to(venv) and package.parent.name == "site-packages"
    assert where[1:] == [str(package / "_migrations"), str(package / "_kiosk")]

    run(python, *APP, "db", "upgrade", cwd=elsewhere, env=env)
    seeded = run(python, *APP, "survey", "seed-demo", cwd=elsewhere, env=env)
    assert "Đã nạp dữ liệu minh họa" in seeded.stdout + seeded.stderr
    assert (Path(env["SURVEY_INSTANCE_PATH"]) / "survey.sqlite").exists()
    assert not (elsewhere / "instance").exists() and not (ROOT / "survey" / "_kiosk").exists()

    server = subprocess.Popen([str(python), "-c", SERVE], cwd=elsewhere, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        port = int(server.stdout.readline())
        base = f"http://127.0.0.1:{port}"

        def get(path: str) -> tuple[int, str]:
            try:
                with urllib.request.urlopen(base + path, timeout=20) as reply:
                    return reply.status, reply.read().decode()
            except urllib.error.HTTPError as error:
                error.close()
                return error.code, ""

        status, form = get("/s/NA-VINH/Q1")
        assert status == 200
        # From the compiled catalog, not the questionnaire's data.
        assert "Khoảng một phút, không cần ghi tên." in form and ">Gửi<" in form
        status, page = get("/kiosk/")
        assert status == 200 and 'src="/kiosk/js/app.js"' in page
        status, worker = get("/kiosk/sw.js")
        assert status == 200 and '"/kiosk/js/app.js"' in worker.splitlines()[0]
        assert get("/kiosk/js/app.js")[0] == 200
        assert get("/admin/sign-in")[0] == 200
        for private in ("/kiosk/kiosk-launcher.sh", "/kiosk/bhtn-kiosk.service",
                        "/kiosk/README.md"):
            assert get(private)[0] == 404, private
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
