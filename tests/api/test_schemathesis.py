"""Schemathesis against the OpenAPI schema of REST API v1 (issue 14 item 4, security R31).

The schema is drf-spectacular's; every operation is called through the WSGI application (no
server, no network) with generated data — valid (positive) and invalid (negative) — a bounded
number of examples each, once per scope (read; read+referral-outcome) and once with another
organisation's token (project B's Belastingdienst client against project A). The checks: no
server error, status code, content type and body conform to the schema, invalid data is
rejected (4xx) and authentication is never ignored (the same call without or with a wrong
token: 401).

Path parameters are the world's real objects (project A's slug, its visit and referral), so
that the calls reach the data rather than stop at 404; the generated ones are checked too.
"""

from __future__ import annotations

import json

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

EXAMPLES = 4  # per operation, generation mode and path-parameter choice: the suite stays quick
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# (label, which project's client, role in tests/api/world.py CLIENT_ROLES)
RUNS = [
    ("scope read", "own", "projectleider"),
    ("scope read+referral-outcome", "own", "behandelaar"),
    ("another organisation", "other", "behandelaar"),
]


@pytest.fixture(scope="module")
def document():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw, renderer_context={}))


def _schema(document: dict, token: str):
    """The schema, calling the WSGI application, with the client's token as its auth."""
    # The REST API for partner systems only: the tablet's sync endpoints (/controle/…, session
    # and CSRF, no tokens) are in the same schema and have their own tests
    # (tests/controls/test_tablet_sync.py).
    public = json.loads(json.dumps(document))
    public["paths"] = {p: v for p, v in public["paths"].items() if p.startswith("/api/v1/")}
    loaded = schemathesis.openapi.from_dict(public)
    loaded.app = WSGIHandler()

    @loaded.auth(refresh_interval=None)
    class ClientToken:
        def get(self, case, context):
            return token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return loaded


@pytest.fixture
def same_connection():
    """The WSGI handler closes 'old' connections around each request, which would end the test's
    transaction; Django's own test client switches that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _real_parameters(operation, world) -> dict:
    mp = world.own
    real = {"slug": mp.project.slug}
    if "/visits/{pk}/" in operation.path:
        real["pk"] = mp.extra["visit"].pk
    elif "/referrals/{pk}/" in operation.path:
        real["pk"] = mp.extra["referral_started"].pk
    names = {p.name for p in operation.path_parameters}
    return {key: value for key, value in real.items() if key in names}


def _run(operation, mode, path_parameters: dict | None) -> int:
    calls = []
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters=path_parameters, auth_storage=operation.schema.auth
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        case.call_and_validate(checks=CHECKS)
        calls.append(case)

    call()
    return len(calls)


@pytest.mark.parametrize(("label", "which", "role"), RUNS, ids=[r[0] for r in RUNS])
def test_schemathesis(document, world, same_connection, label, which, role):
    _account, token = getattr(world, which).extra["api"][role]
    schema = _schema(document, token)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11, [op.label for op in operations]
    calls = 0
    positive, negative = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
    for operation in operations:
        real = _real_parameters(operation, world)
        # Valid and invalid data on the real objects; invalid data on generated paths too.
        for mode, parameters in ((positive, real), (negative, real), (negative, None)):
            calls += _run(operation, mode, parameters or None)
    assert calls >= len(operations) * 3 * EXAMPLES, label
