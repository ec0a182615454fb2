"""bench/kiosk_ingest.py end to end on SQLite for a few seconds, so that the harness cannot
rot: both servers take the kiosks' batches, every row check passes and a re-sent batch
comes back as duplicates; and, on made-up data, the bare endpoint's item check and the
kiosk row check. No timing is asserted."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "kiosk_ingest.py"


@pytest.mark.slow
def test_a_short_run_stores_every_accepted_response_once(tmp_path):
    argv = [sys.executable, str(BENCH), "--db", "sqlite", "--seconds", "1", "--rounds", "1",
            "--clients", "2", "--warmup", "0", "--batches", "10,50"]
    # Its own process group, so that a hung run's gunicorn servers go with it.
    bench = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "TMPDIR": str(tmp_path)},
                             start_new_session=True)
    try:
        out, _ = bench.communicate(timeout=180)
    finally:
        if bench.poll() is None:
            os.killpg(bench.pid, signal.SIGKILL)
            bench.wait()
    assert bench.returncode == 0, out[-4000:]
    checks = [line for line in out.splitlines() if line.strip().startswith("rows:")]
    assert len(checks) == 4 and all(line.endswith("-> ok") for line in checks), out
    assert all(" 0 lost, 0 doubled, 0 incomplete, 0 earlier changed" in line for line in checks)
    for size in (10, 50):
        assert f"ratio app / bare, responses/s, batches of {size}:" in out
    assert out.count("| errors (failed batches, refused items) | 0 | 0 |  |") == 2, out
    resent = [line for line in out.splitlines() if line.strip().startswith("re-send")]
    assert len(resent) == 2 and all("0 accepted, 50 duplicates, 0 rejected; rows unchanged -> ok"
                                    in line for line in resent), out
    assert "row checks: all passed" in out


@pytest.fixture
def harness(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH.parent))
    import bare_app
    import kiosk_ingest
    import load_client

    yield kiosk_ingest, bare_app, load_client
    for name in ("kiosk_ingest", "submit_load", "load_client", "bare_app"):
        sys.modules.pop(name, None)


def test_the_bare_endpoint_refuses_what_the_app_refuses(harness):
    _kiosk_ingest, bare_app, _load_client = harness
    store = SimpleNamespace(version=2, services={"ui_apply": 1}, required={"overall"},
                            values={"overall": (1, 2, 3, 4, 5), "fact_money": (1, 2)},
                            reasons={"long_wait"})
    now = dt.datetime(2026, 12, 3, 6, 0)
    good = {"id": str(uuid.uuid4()), "questionnaire_version": 2, "service": "ui_apply",
            "submitted_at": "2026-12-03T12:00:00+07:00", "locale": "vi",
            "answers": {"overall": 3, "fact_money": 2}, "reasons": ["long_wait"]}
    assert bare_app.check_item(store, good, now) == (uuid.UUID(good["id"]), {})
    bad = {"id": "x", "submitted_at": "2026-12-03T12:00:00", "questionnaire_version": 1,
           "service": "nope", "locale": "fr", "answers": {"overall": None, "fact_money": 3,
                                                         "other": 1}, "reasons": ["nope"]}
    sid, errors = bare_app.check_item(store, bad, now)
    assert sid is None and set(errors) == {
        "id", "submitted_at", "questionnaire_version", "service", "locale", "answers.overall",
        "answers.fact_money", "answers.other", "reasons"}
    future = {**good, "submitted_at": "2026-12-03T13:30:00+07:00"}  # 30 min ahead
    assert bare_app.check_item(store, future, now)[1] == {"submitted_at": ["out_of_range"]}


def test_the_kiosk_row_check_catches_a_row_of_another_device(harness):
    kiosk_ingest, _bare_app, _load_client = harness
    kiosk = SimpleNamespace(token="t")
    ids = [str(uuid.UUID(int=i)) for i in range(1, 4)]
    batch = kiosk_ingest.Batch(0.1, kiosk, [(sid, 9, 2) for sid in ids], status=200,
                               accepted=set(ids))
    row = (9, 2, 7, "kiosk", "valid")
    after = {uuid.UUID(ids[0]).hex: row, uuid.UUID(ids[1]).hex: (9, 2, 8, "kiosk", "valid"),
             uuid.UUID(ids[2]).hex: (9, 0, 7, "kiosk", "valid")}
    check = kiosk_ingest.check_batches({}, after, [batch], {"t": 7})
    assert check.rows.ok and check.wrong == 2 and not check.ok
    assert str(check).endswith("2 with wrong device/channel/status/reasons -> FAILED")
    lost = kiosk_ingest.check_batches({}, {uuid.UUID(ids[0]).hex: row}, [batch], {"t": 7})
    assert lost.rows.lost == 2 and not lost.ok
