"""Prometheus metrics at /metrics: requests and latencies by endpoint, the survey's own
counters, and apps built again and again without registering anything twice."""
from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from survey import metrics
from survey.services.devices import kiosks
from tests.conftest import make_test_app


def samples(client) -> dict[tuple[str, frozenset], float]:
    res = client.get("/metrics")
    assert res.status_code == 200 and res.mimetype == "text/plain"
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(res.get_data(as_text=True))
            for s in family.samples}


def value(found, name: str, **labels) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_endpoint(client):
    before = samples(client)
    for _ in range(3):
        client.get("/healthz")
    after = samples(client)
    labels = {"endpoint": "health.healthz", "method": "GET", "status": "200"}
    assert value(after, "survey_http_requests_total", **labels) - \
        value(before, "survey_http_requests_total", **labels) == 3
    assert value(after, "survey_http_request_duration_seconds_count",
                 endpoint="health.healthz") >= 3


def test_unknown_paths_share_one_label(client):
    client.get(f"/nowhere/{uuid.uuid4()}")
    found = samples(client)
    assert value(found, "survey_http_requests_total", endpoint="unmatched", method="GET",
                 status="404") >= 1
    assert not any("nowhere" in str(labels) for _name, labels in found)


def test_counter_functions(client):
    before = samples(client)
    metrics.submission_stored("qr")
    metrics.submission_stored("kiosk", 0)  # nothing
    metrics.submission_flagged("too_fast: 2 s after the previous one", 2)
    after = samples(client)
    assert value(after, "survey_submissions_stored_total", channel="qr") - \
        value(before, "survey_submissions_stored_total", channel="qr") == 1
    assert value(after, "survey_submissions_flagged_total", reason="too_fast") - \
        value(before, "survey_submissions_flagged_total", reason="too_fast") == 2


def test_kiosk_upload_counts_batch_stored_and_flagged(client, db, questionnaire):
    _device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "K")
    _device, token = kiosks.pair_device(db.session, code)
    db.session.commit()
    before = samples(client)
    items = [{"id": str(uuid.uuid4()), "questionnaire_version": questionnaire.version,
              "service": "ui_apply", "submitted_at": f"2026-11-20T09:00:0{n}+07:00",
              "locale": "vi", "answers": {c: 5 for c in questionnaire.item_codes()}}
             for n in range(2)]  # one second apart: the second is too fast
    res = client.post("/api/v1/responses", json={"responses": items},
                      headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200 and len(res.get_json()["accepted"]) == 2, res.get_json()
    after = samples(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)
    assert grew("survey_kiosk_uploads_total") == 1
    assert grew("survey_submissions_stored_total", channel="kiosk") == 2
    assert sum(v - value(before, n, **dict(l)) for (n, l), v in after.items()
               if n == "survey_submissions_flagged_total") == 1


def test_many_apps_register_nothing_twice(tmp_path):
    for n in range(3):
        app = make_test_app(f"sqlite:///{tmp_path / f'{n}.sqlite'}", tmp_path / str(n))
        assert app.test_client().get("/metrics").status_code == 200


def test_multiprocess_mode_adds_up_every_worker(tmp_path, monkeypatch):
    """Two processes' counter files in PROMETHEUS_MULTIPROC_DIR are summed by /metrics."""
    folder = tmp_path / "prom"
    folder.mkdir()
    script = ("from survey import metrics\n"
              "metrics.submission_stored('receipt', 2)\n")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PATH": "/usr/bin:/bin"}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], check=True, env=env,
                       cwd=Path(__file__).resolve().parents[1])
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    body, _type = metrics.exposition()
    found = {(s.name, frozenset(s.labels.items())): s.value
             for f in text_string_to_metric_families(body.decode()) for s in f.samples}
    assert value(found, "survey_submissions_stored_total", channel="receipt") == 4
