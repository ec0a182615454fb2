"""bench/submit_load.py end to end on SQLite for a few seconds, so that the harness cannot
rot: both servers start on a migrated, seeded database, the claimants' forms are
accepted, and every row check passes; and the row check itself, on made-up rows. No
timing is asserted."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "submit_load.py"


@pytest.mark.slow
def test_a_short_run_stores_every_acknowledged_submission_once(tmp_path):
    argv = [sys.executable, str(BENCH), "--db", "sqlite", "--seconds", "1", "--rounds", "2",
            "--clients", "2", "--warmup", "0"]
    # Its own process group, so that a hung run's gunicorn servers go with it.
    bench = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "TMPDIR": str(tmp_path)},
                             start_new_session=True)
    try:
        out, _ = bench.communicate(timeout=120)
    finally:
        if bench.poll() is None:
            os.killpg(bench.pid, signal.SIGKILL)
            bench.wait()
    assert bench.returncode == 0, out[-4000:]
    checks = [line for line in out.splitlines() if line.strip().startswith("rows:")]
    assert len(checks) == 4 and all(line.endswith("-> ok") for line in checks), out
    assert all(" 0 lost, 0 doubled, 0 incomplete, 0 earlier changed" in line for line in checks)
    assert "| submissions/s |" in out and "ratio app / bare, submissions/s:" in out
    assert "| errors (no 303) | 0 | 0 | |" in out
    assert "row checks: all passed" in out


@pytest.fixture
def harness(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH.parent))
    import load_client
    import submit_load

    yield submit_load, load_client
    for name in ("submit_load", "load_client"):
        sys.modules.pop(name, None)


def test_the_row_check_catches_lost_doubled_and_incomplete_rows(harness):
    submit_load, load_client = harness
    ids = [str(uuid.UUID(int=i)) for i in range(1, 7)]
    load = load_client.Load(outcomes=[
        load_client.Outcome(0.1, True, ids[0], 9),   # stored once: fine
        load_client.Outcome(0.1, True, ids[1], 9),   # lost
        load_client.Outcome(0.1, True, ids[2], 9),   # one answer missing
        load_client.Outcome(0.1, True, ids[3], 9),   # an answer too many
        load_client.Outcome(0.1, False, ids[4], 9, "TimeoutError"),  # stored, no 303: allowed
    ])
    before = {"old": 9}
    after = {"old": 10, uuid.UUID(ids[0]).hex: 9, uuid.UUID(ids[2]).hex: 8,
             uuid.UUID(ids[3]).hex: 10, uuid.UUID(ids[4]).hex: 9, uuid.UUID(ids[5]).hex: 9}
    check = submit_load.check_rows(before, after, load)
    assert (check.lost, check.incomplete, check.changed, check.unacknowledged_stored) == (
        1, 1, 1, 1)
    assert check.doubled == 2  # ids[3]'s extra answer, and ids[5] that nobody submitted
    assert not check.ok and str(check).endswith("FAILED")
    assert submit_load.check_rows({}, {uuid.UUID(ids[0]).hex: 9},
                                  load_client.Load(outcomes=load.outcomes[:1])).ok
