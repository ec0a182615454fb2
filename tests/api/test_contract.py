"""The API against its own OpenAPI description, with a property-based fuzzer
(schemathesis): no server error, and every answer documented (status, content type,
headers, body schema)."""
from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from survey.io import qr
from survey.services.devices import kiosks, tokens

from ..conftest import make_test_app

#: Generated cases per operation (the examples and coverage phases add their own): about
#: 530 requests in all, ~25 s on 2 shared cores.
MAX_EXAMPLES = 50
#: Server errors, and answers against the description. (negative_data_rejection is left
#: out: operations without declared query parameters ignore unknown ones rather than
#: refusing them, e.g. ``POST /responses?x=1`` with a valid body is accepted.)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_headers_conformance,
          checks.response_schema_conformance]


@pytest.fixture
def cheap_qr(monkeypatch):
    """Up to 1000 codes per request: their QR codes alone would take seconds."""
    monkeypatch.setattr(qr, "qr_svg", lambda data, *args, **kwargs: "<svg></svg>")


@pytest.fixture
def credentials(db, demo, cheap_qr):
    _row, api_token = tokens.create_api_token(db.session, "contract")
    _device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "Contract")
    _device, kiosk_token = kiosks.pair_device(db.session, code)
    db.session.commit()
    return {"apiToken": api_token, "kioskToken": kiosk_token}


def load_schema():
    """The description as served by an app of its own: it needs no database, and
    schemathesis's fixture-based loader does not work with pytest 9. Each case is then
    sent to the test's ``app`` (demo data, tokens)."""
    with tempfile.TemporaryDirectory(prefix="contract-") as instance:
        app = make_test_app(f"sqlite:///{instance}/unused.sqlite", instance)
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = load_schema()


@schema.parametrize()
# Derandomized and without an example database: the same cases on every machine and run.
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_matches_its_description(case, app, credentials):
    """Every operation, with demo data and a valid token where one is needed."""
    security = case.operation.definition.raw.get("security") or []
    headers = {"Accept-Encoding": "identity"}  # the WSGI transport does not gunzip
    for requirement in security:
        for name in requirement:
            headers["Authorization"] = f"Bearer {credentials[name]}"
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
