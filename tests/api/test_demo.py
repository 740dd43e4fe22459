"""The demo's REST client (issue 14): UWV, read + referral outcome, a behandelaar in the demo
project; its token printed once by the build, working against the API; a second run issues
nothing and prints no token."""

from io import StringIO

import pytest

from partners.models import ApiClient
from projects import api_demo, demo
from projects.constants import Phase
from tests.api.world import bearer

pytestmark = pytest.mark.django_db


def test_demo_client_token_printed_once_and_working(client):
    demo.build(stdout=StringIO())
    out = StringIO()
    api_demo.build(stdout=out)
    lines = out.getvalue().split()
    issued = ApiClient.objects.get(name=api_demo.DEMO_CLIENT_NAME)
    assert issued.organisation.name == "UWV" and issued.scope == "read_referral_outcome"
    token = next(word for word in lines if len(word) >= 40)
    response = client.get("/api/v1/projects/", **bearer(token))
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["results"]] == [
        demo.DEMO_PROJECT_SLUGS[Phase.DATA_UITVRAAG]
    ]
    again = StringIO()
    api_demo.build(stdout=again)
    assert token not in again.getvalue()
    assert ApiClient.objects.filter(name=api_demo.DEMO_CLIENT_NAME).count() == 1
