"""``flask survey flags scan|list|restore`` and the demo's stuffing episode."""
from __future__ import annotations

import sqlalchemy as sa

from survey.models import AuditEvent, Channel, Response, ResponseStatus, utcnow
from survey.models.responses import RESTORED
from survey.timeutil import local_date


def test_seed_demo_fills_the_data_quality_view(runner, db, count_rows):
    result = runner.invoke(args=["survey", "seed-demo"])
    assert result.exit_code == 0, result.output
    # (the demo's other responses are valid, or kiosk answers flagged too fast)
    reasons = db.session.execute(sa.select(Response.status_reason, sa.func.count())
                                 .where(Response.channel == Channel.qr,
                                        Response.status_reason.is_not(None))
                                 .group_by(Response.status_reason)).all()
    assert dict(reasons) == {"burst_rate": 30, "rate_client": 6}
    assert "36" in result.output
    listed = runner.invoke(args=["survey", "flags", "list", "--lang", "en"])
    assert listed.exit_code == 0, listed.output
    month = local_date(utcnow()).strftime("%Y-%m")
    if "flagged: 36" not in listed.output:  # the episode began in last month's last hour
        listed = runner.invoke(args=["survey", "flags", "list", "--lang", "en", "--period",
                                     local_date(utcnow()).strftime("%Y")])
    assert "flagged: 36" in listed.output and "NA-DEMO1-Q1\t30\tBurst" in listed.output, month

    rid = db.session.scalar(sa.select(Response.id).where(
        Response.status_reason == "burst_rate").limit(1))
    restored = runner.invoke(args=["survey", "flags", "restore", str(rid), "--lang", "en"])
    assert restored.exit_code == 0 and "Restored" in restored.output
    response = db.session.get(Response, rid, populate_existing=True)
    assert (response.status, response.status_reason) == (ResponseStatus.valid, RESTORED)
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="response.restored"))
    assert event.actor_label == "cli" and event.object_id == str(rid)

    # A second scan flags nothing: neither the flagged nor the restored one.
    again = runner.invoke(args=["survey", "flags", "scan", "--lang", "en"])
    assert again.exit_code == 0 and "Flagged now: 0" in again.output
    assert count_rows(AuditEvent) >= 1


def test_restore_refuses_bad_input(runner, db, demo):
    bad = runner.invoke(args=["survey", "flags", "restore", "nope"])
    assert bad.exit_code == 1 and "nope" in bad.output
    unknown = runner.invoke(args=["survey", "flags", "restore",
                                  "00000000-0000-0000-0000-000000000000"])
    assert unknown.exit_code == 1
    wrong = runner.invoke(args=["survey", "flags", "scan", "--period", "2026-13"])
    assert wrong.exit_code == 1 and "2026-13" in wrong.output
