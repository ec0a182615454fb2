"""bench/inbox_list.py on a few cases, so that the harness cannot rot: every filter's page
answers 200, each COUNT(*) agrees with the list's total and the table is printed. No
timing is asserted."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "inbox_list.py"


def test_a_quick_run_checks_every_filter(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("SURVEY_DATABASE_URL", None)
    done = subprocess.run([sys.executable, str(BENCH), "--cases", "300", "--runs", "1"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 10  # the header and one line per filter
    assert "checks: all passed" in done.stdout and "FAILED" not in done.stdout
    assert "## sqlite: 300 cases" in done.stdout
