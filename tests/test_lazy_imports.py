"""Starting the app and serving the phone form load neither numpy nor scipy: they are
only for computing the index, and importing them took over half of the app's start-up
(every worker, every CLI command)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# In a fresh interpreter, so that what other tests imported does not count.
SCRIPT = """
import json, sys
from survey import create_app
from survey.extensions import db
from survey.services import catalogue

folder = sys.argv[1]
app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/lazy.sqlite",
                  "SECRET_KEY": "test", "INSTANCE_PATH": folder})
with app.app_context():
    db.create_all()
    catalogue.seed_demo(db.session)
    db.session.commit()
page = app.test_client().get("/s/NA-VINH/Q1")
print(json.dumps({"status": page.status_code,
                  "loaded": sorted(m for m in ("numpy", "scipy", "matplotlib")
                            if m in sys.modules)}))
"""


def test_app_and_phone_form_load_no_numpy_or_scipy(tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200  # the form was really served
    assert seen["loaded"] == []
