"""The one write (issue 14): the outcome of a referral addressed to the client's organisation,
through the follow-up services; server-set keys are ignored (R4); errors carry the services'
Dutch reasons and stable codes."""

import pytest

from controls.models import Referral, ReferralOutcome
from controls.services.referrals import AMOUNT_REQUIRED, NOT_FROM_STATUS, VERSION_CHANGED
from tests.factories import log_subject
from wijkaanpak.core.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db

FOREIGN = {
    "id": 999999,
    "status": "teruggelegd",
    "project": "ander-project",
    "organisation": "Belastingdienst",
    "recorded_by": 1,
    "kind": "zorg",
    "closed_at": "2020-01-01T00:00:00Z",
}


def _url(world, key: str) -> str:
    mp = world.own
    return f"/api/v1/projects/{mp.project.slug}/referrals/{mp.extra[key].pk}/outcome/"


def test_outcome_from_verzonden_with_foreign_keys_ignored(api, world):
    referral = world.own.extra["referral"]
    client, account = api("behandelaar")
    last = ProcessingLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.post(
        _url(world, "referral"),
        {"outcome": "terugvordering", "amount": "1250.50", **FOREIGN},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == referral.pk and body["status"] == "afgehandeld"
    assert body["outcome"]["kind"] == "terugvordering" and body["outcome"]["amount"] == "1250.50"
    referral.refresh_from_db()
    assert (referral.status, referral.kind, referral.project_id) == (
        "afgehandeld",
        "handhaving",
        world.own.project.pk,
    )
    assert referral.handled_by == account and referral.received_at is not None
    outcome = ReferralOutcome.objects.get(referral=referral)
    assert outcome.recorded_by == account
    assert not Referral.objects.filter(pk=999999).exists()
    entry = ProcessingLogEntry.objects.filter(id__gt=last, name="api_v1_referral_outcome").get()
    assert entry.actor_id == account.pk and entry.action == "api_write"
    assert log_subject(entry) == world.own.extra["visit"].address_key


def test_outcome_errors_say_why_with_a_stable_code(api, world):
    client, _account = api("behandelaar")
    url = _url(world, "referral_started")
    response = client.post(url, {"outcome": "verzonnen"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "ongeldige_invoer" and "outcome" in response.json()["fields"]
    response = client.post(url, {"outcome": "boete"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "niet_mogelijk",
        "detail": AMOUNT_REQUIRED,
        "field": "amount",
    }
    response = client.post(url, "{niet json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "ongeldig_verzoek"
    response = client.post(
        url, {"outcome": "geen_overtreding", "version": 99}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json() == {"code": "ongeldige_overgang", "detail": VERSION_CHANGED}
    assert client.post(url, {"outcome": "geen_overtreding"}).status_code == 200
    response = client.post(url, {"outcome": "geen_overtreding"})
    assert response.status_code == 409
    assert response.json()["detail"] == NOT_FROM_STATUS.format(status="afgehandeld")
