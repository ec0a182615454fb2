"""``flask survey token create|list|revoke``: times in Vietnam time, never ISO stamps."""
from __future__ import annotations

import datetime as dt

from survey.services.devices import tokens


def test_list_prints_last_use_in_vietnam_time(runner, db):
    used, _token = tokens.create_api_token(db.session, "sync")
    tokens.create_api_token(db.session, "never")
    used.last_used_at = dt.datetime(2026, 8, 10, 18, 5, tzinfo=dt.timezone.utc)
    db.session.commit()
    lines = runner.invoke(args=["survey", "token", "list"]).output.splitlines()
    by_name = {line.split("\t")[1]: line for line in lines}
    # 18:05 UTC on 10 August is 01:05 on 11 August in Vietnam (UTC+7).
    assert by_name["sync"].endswith("\tdùng lần cuối 01:05 11/08/2026")
    assert by_name["never"].endswith("\tdùng lần cuối -")
    assert "2026-08-10T" not in "\n".join(lines)
