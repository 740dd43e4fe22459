"""REST client tokens (issue 14, security R12): hashed, expiring, revocable at once, bound to
one organisation, no session credential, no page login, every call logged, throttled."""

from datetime import timedelta
from io import StringIO

from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import pytest

from partners.models import ApiClient, User
from partners.selectors import api_token_hash
from partners.services import (
    API_CLIENT_NOT_ADMINISTRATOR,
    api_client_issue,
    api_client_revoke,
)
from tests.api.world import bearer
from wijkaanpak.core.exceptions import NotPermitted
from wijkaanpak.core.models import Event, ProcessingLogEntry

pytestmark = pytest.mark.django_db

PROJECTS = "/api/v1/projects/"


def _code(response) -> str:
    return response.json()["code"]


def test_without_a_token_401_with_a_bearer_challenge(client, world):
    response = client.get(PROJECTS)
    assert response.status_code == 401
    assert _code(response) == "niet_geauthenticeerd"
    assert response.json()["detail"] == "Geen geldig token meegestuurd."
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer een twee", "Bearer onbekend-token", "Token abc", "Bearer é"]
)
def test_unknown_or_malformed_tokens_are_refused(client, world, header):
    response = client.get(PROJECTS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert _code(response) in {"token_ongeldig", "niet_geauthenticeerd"}


def test_a_token_is_stored_only_as_its_hash_and_shown_once(world):
    account, token = world.own.extra["api"]["behandelaar"]
    client = account.api_client
    assert client.token_hash == api_token_hash(token) != token
    assert client.token_prefix == token[:8]
    stored = [
        str(value)
        for row in ApiClient.objects.values()
        for value in row.values()
        if value is not None
    ]
    stored += [str(e.data) for e in Event.objects.filter(kind="api_client_issued")]
    assert not any(token in value for value in stored)
    assert not account.has_usable_password()
    assert account.is_api_client and account.organisation == client.organisation


def test_expired_token_401(api, world):
    client, account = api("behandelaar")
    assert client.get(PROJECTS).status_code == 200
    ApiClient.objects.filter(account=account).update(expires_at=timezone.now())
    response = client.get(PROJECTS)
    assert response.status_code == 401 and _code(response) == "token_ongeldig"


def test_revoked_token_401_on_the_very_next_call(api, world):
    client, account = api("behandelaar")
    assert client.get(PROJECTS).status_code == 200
    events = Event.objects.filter(kind="api_client_revoked").count()
    api_client_revoke(actor=None, client=account.api_client, reason="Koppeling gestopt")
    response = client.get(PROJECTS)
    assert response.status_code == 401 and _code(response) == "token_ongeldig"
    assert Event.objects.filter(kind="api_client_revoked").count() == events + 1


def test_deactivated_account_401(api, world):
    client, account = api("behandelaar")
    User.objects.filter(pk=account.pk).update(is_active=False)
    assert client.get(PROJECTS).status_code == 401


def test_only_functional_administrators_issue_and_revoke(world):
    person = world.people["projectleider"]
    with pytest.raises(NotPermitted, match=API_CLIENT_NOT_ADMINISTRATOR):
        api_client_issue(
            actor=person,
            organisation=person.organisation,
            name="Eigen koppeling",
            scope="read",
            expires_at=timezone.now() + timedelta(days=1),
        )
    account, _token = world.own.extra["api"]["analist"]
    with pytest.raises(NotPermitted):
        api_client_revoke(actor=person, client=account.api_client)


def test_a_verified_session_is_no_credential_for_the_api(client, world):
    world.log_in(client, world.people["projectleider"])
    assert client.get(reverse("projects:list")).status_code == 200
    response = client.get(PROJECTS)
    assert response.status_code == 401 and _code(response) == "niet_geauthenticeerd"


def test_a_client_account_cannot_use_the_pages(client, world):
    account, _token = world.own.extra["api"]["projectleider"]
    response = client.post(reverse("login"), {"username": account.username, "password": "x" * 20})
    assert response.status_code == 200  # the login form again, with its error
    assert "_auth_user_id" not in client.session
    client.force_login(account)  # even with a session made by hand
    response = client.get(reverse("projects:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_another_organisations_token_sees_nothing_of_project_a(api, world):
    """Project B's Belastingdienst client: project A, its referrals: 404; not in the list."""
    a = world.own
    client, _account = api("behandelaar", mp=world.other)
    slugs = [p["slug"] for p in client.get(PROJECTS).json()["results"]]
    assert slugs == [world.other.project.slug]
    for url in (
        f"{PROJECTS}{a.project.slug}/",
        f"{PROJECTS}{a.project.slug}/referrals/",
        f"{PROJECTS}{a.project.slug}/referrals/{a.extra['referral'].pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404 and _code(response) == "niet_gevonden", url
    response = client.post(
        f"{PROJECTS}{a.project.slug}/referrals/{a.extra['referral'].pk}/outcome/",
        {"outcome": "geen_overtreding"},
    )
    assert response.status_code == 404


def test_the_second_partner_organisation_sees_only_its_own_referral(api, world):
    a = world.own
    client, _account = api("behandelaar_second")
    listed = client.get(f"{PROJECTS}{a.project.slug}/referrals/").json()["results"]
    assert [r["id"] for r in listed] == [a.extra["referral_elsewhere"].pk]
    url = f"{PROJECTS}{a.project.slug}/referrals/{a.extra['referral'].pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url + "outcome/", {"outcome": "geen_overtreding"}).status_code == 404


def test_wrong_scope_the_write_is_not_found_and_nothing_changes(api, world):
    a = world.own
    referral = a.extra["referral_started"]
    client, _account = api("behandelaar_read")  # same role, read-only scope
    url = f"{PROJECTS}{a.project.slug}/referrals/{referral.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url + "outcome/", {"outcome": "geen_overtreding"})
    assert response.status_code == 404 and _code(response) == "niet_gevonden"
    referral.refresh_from_db()
    assert referral.status == "in_behandeling"


def test_every_call_writes_the_processing_log_with_the_client_as_actor(api, world):
    client, account = api("adviseur")
    last = ProcessingLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert client.get(PROJECTS).status_code == 200
    assert client.get(f"{PROJECTS}{world.own.project.slug}/").status_code == 200
    entries = list(ProcessingLogEntry.objects.filter(id__gt=last).order_by("id"))
    assert [e.name for e in entries] == ["api_v1_projects", "api_v1_project"]
    for entry in entries:
        assert entry.actor_id == account.pk
        assert entry.actor_label == account.username
        assert entry.organisation_label == "VNG Naleving"
        assert entry.action == "api_read"
    assert entries[1].project_id == world.own.project.pk


def test_last_used_is_recorded(api, world):
    client, account = api("inspecteur")
    assert client.get(PROJECTS).status_code == 200
    account.api_client.refresh_from_db()
    assert account.api_client.last_used_at is not None


def test_throttled_per_client(api, world, settings):
    settings.WIJKAANPAK_API_THROTTLE_RATE = "3/min"
    cache.clear()
    client, _account = api("analist")
    assert [client.get(PROJECTS).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(PROJECTS)
    assert response.status_code == 429
    assert _code(response) == "te_veel_verzoeken"
    assert "probeer het over" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    other, _ = api("inspecteur")  # another client has its own counter
    assert other.get(PROJECTS).status_code == 200
    cache.clear()


def test_management_commands_issue_once_and_revoke(world):
    out = StringIO()
    call_command(
        "api_client_issue",
        organisation="UWV",
        name="Regionaal datateam",
        scope="read",
        days=30,
        stdout=out,
    )
    token = out.getvalue().strip().splitlines()[-1]
    client = ApiClient.objects.get(name="Regionaal datateam")
    assert client.token_hash == api_token_hash(token) and client.scope == "read"
    call_command("api_client_revoke", organisation="UWV", name="Regionaal datateam", stdout=out)
    client.refresh_from_db()
    assert client.revoked_at is not None


def test_admin_issues_with_the_token_shown_once_and_revokes(client, world):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory, login_verified, otp_device_for

    admin = UserFactory(username="beheerder", organisation=world.organisations["gemeente_a"])
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    admin.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_apiclient", "view_apiclient"])
    )
    otp_device_for(admin)
    login_verified(client, admin)
    url = reverse("admin:partners_apiclient_add")
    assert client.get(url).status_code == 200
    expires = timezone.localtime() + timedelta(days=60)
    response = client.post(
        url,
        {
            "organisation": world.organisations["uwv"].pk,
            "name": "Suwinet-koppeling",
            "scope": "read_referral_outcome",
            "expires_at_0": expires.strftime("%d-%m-%Y"),
            "expires_at_1": expires.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 200
    issued = response.context["issued"]
    assert issued.token in response.content.decode()
    assert issued.client.token_hash == api_token_hash(issued.token)
    assert issued.client.created_by == admin
    assert client.get(PROJECTS, **bearer(issued.token)).status_code == 200
    response = client.post(
        reverse("admin:partners_apiclient_changelist"),
        {"action": "revoke", "_selected_action": [issued.client.pk]},
    )
    assert response.status_code == 302
    issued.client.refresh_from_db()
    assert issued.client.revoked_at is not None
    client.logout()
    assert client.get(PROJECTS, **bearer(issued.token)).status_code == 401
