"""The REST API tests run on the access matrix's world (projects A and B, two partner
organisations each, referrals to both, a REST client per role: tests/api/world.py), built
once per module and rolled back afterwards; each test runs in a savepoint of it."""

import pytest

from tests.access_setup import matrix_world
from tests.api.world import bearer


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with matrix_world(django_db_blocker) as built:
        yield built


@pytest.fixture
def api(client, world):
    """`api(role, mp=None)`: the test client sending the token of `role`'s client (project A,
    or `mp`); returns (client, account)."""

    def as_client(role: str, mp=None):
        account, token = (mp or world.own).extra["api"][role]
        client.defaults.update(bearer(token))
        return client, account

    return as_client
