"""``flask survey kiosk add|list|revoke``."""
from __future__ import annotations


def test_add_prints_code_alone_on_last_line_then_list_and_revoke(runner, client, demo):
    result = runner.invoke(args=["survey", "kiosk", "add", "--unit", "NA-VINH-Q3",
                                 "--name", "Quầy 3"])
    assert result.exit_code == 0, result.output
    code = result.output.strip().splitlines()[-1]
    assert code.replace(" ", "").isdigit() and len(code.replace(" ", "")) == 10
    reply = client.post("/api/v1/kiosk/pair", json={"code": code})
    assert reply.status_code == 200
    token = reply.get_json()["token"]

    listing = runner.invoke(args=["survey", "kiosk", "list"])
    assert "NA-VINH-Q3" in listing.output and "\tđã ghép nối\t" in listing.output
    assert token not in listing.output
    device_id = listing.output.split("\t")[0]

    revoked = runner.invoke(args=["survey", "kiosk", "revoke", device_id])
    assert revoked.exit_code == 0
    assert "Đã thu hồi máy khảo sát" in revoked.output
    assert "\tđã thu hồi\t" in runner.invoke(args=["survey", "kiosk", "list"]).output
    reply = client.post("/api/v1/responses", json={"responses": []},
                        headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 401


def test_add_for_unknown_unit_fails_cleanly(runner, demo):
    result = runner.invoke(args=["survey", "kiosk", "add", "--unit", "XX-1", "--name", "A"])
    assert result.exit_code != 0
    assert "XX-1" in result.output


def test_revoke_unknown_kiosk_fails_cleanly(runner, demo):
    result = runner.invoke(args=["survey", "kiosk", "revoke", "999"])
    assert result.exit_code != 0


def test_list_marks_kiosks_out_of_contact(app, runner, demo, db):
    import datetime as dt

    from survey.models import utcnow
    from survey.services.devices import kiosks

    app.config["KIOSK_HEARTBEAT_SECONDS"] = 600
    quiet, fresh = (kiosks.add_device(db.session, "NA-VINH-Q3", name)[0] for name in "AB")
    ages = {quiet: dt.timedelta(hours=5, minutes=10), fresh: dt.timedelta(minutes=12)}
    for device, ago in ages.items():
        device.paired_at = device.last_seen_at = utcnow() - ago
        device.pairing_code_hash = device.pairing_expires_at = None
        device.token_hash = f"{device.name}-hash"
    db.session.commit()
    lines = runner.invoke(args=["survey", "kiosk", "list"]).output.splitlines()
    by_name = {line.split("\t")[2]: line for line in lines}
    assert "\tđã ghép nối\t" in by_name["A"] and "\tđã ghép nối\t" in by_name["B"]
    assert "MẤT LIÊN LẠC 5 giờ" in by_name["A"]
    assert "MẤT LIÊN LẠC" not in by_name["B"]  # 12 min: within three heartbeats


def test_times_are_vietnam_time(runner, demo, db):
    import datetime as dt
    import re

    from survey.services.devices import kiosks

    added = runner.invoke(args=["survey", "kiosk", "add", "--unit", "NA-VINH-Q3", "--name", "C"])
    assert re.search(r"hết hạn lúc \d\d:\d\d \d\d/\d\d/\d{4}:\n", added.output), added.output
    assert "UTC" not in added.output
    device = kiosks.list_devices(db.session)[0]
    device.last_seen_at = dt.datetime(2026, 8, 10, 18, 5, tzinfo=dt.timezone.utc)
    db.session.commit()
    listing = runner.invoke(args=["survey", "kiosk", "list"]).output
    assert "\tliên lạc lần cuối 01:05 11/08/2026" in listing and "2026-08-10T" not in listing
