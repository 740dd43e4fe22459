"""Security events (security R22): login success and failure, second-factor failure, lockout,
every 404 on a protected object, and grants; none carries a password or token."""

import json

from django.conf import settings
from django.urls import reverse

import pytest

from projects.constants import Role
from projects.services import role_end, role_grant
from tests.factories import UserFactory, otp_device_for
from wijkaanpak.core import security_events
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def person(gemeente_a):
    return UserFactory(username="inlogger", organisation=gemeente_a)


def _login(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def _events(kind):
    return list(Event.objects.filter(kind=kind).order_by("id"))


def test_login_success_and_failure_are_recorded_without_the_password(client, person):
    otp_device_for(person)
    _login(client, "inlogger\r\nvervalst: ja", "geheim-wachtwoord-1")
    _login(client, person.username)
    [failed] = _events(security_events.LOGIN_FAILED)
    assert failed.data["username"] == "inlogger\\x0d\\x0avervalst: ja"  # CR/LF encoded
    [succeeded] = _events(security_events.LOGIN_SUCCEEDED)
    assert succeeded.actor == person
    stored = json.dumps([e.data for e in Event.objects.all()])
    assert "geheim-wachtwoord-1" not in stored and PASSWORD not in stored


def test_second_factor_failure_is_recorded(client, person):
    otp_device_for(person)
    _login(client, person.username)
    client.post(reverse("otp-verify"), {"token": "000000"})
    [event] = _events(security_events.OTP_FAILED)
    assert event.actor == person and "000000" not in json.dumps(event.data)


def test_lockout_is_recorded(client, person):
    otp_device_for(person)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, person.username, "wrong-password-123")
    assert _login(client, person.username).status_code == 429
    events = _events(security_events.LOCKED_OUT)
    assert events and events[0].data["username"] == person.username
    assert len(_events(security_events.LOGIN_FAILED)) >= settings.AXES_FAILURE_LIMIT


def test_a_404_on_a_protected_object_is_recorded(
    client, verified_client, project_a, projectleider_b
):
    verified_client(projectleider_b)
    url = reverse("projects:detail", kwargs={"slug": project_a.slug})
    assert client.get(url).status_code == 404
    [event] = _events(security_events.NOT_FOUND)
    assert event.actor == projectleider_b
    assert event.data["url_name"] == "projects:detail" and event.data["path"] == url
    # A path that matches no route is not about an object.
    assert client.get("/bestaat-niet/").status_code == 404
    assert len(_events(security_events.NOT_FOUND)) == 1


def test_a_404_of_the_api_is_recorded(rf, projectleider_b, project_a):
    from django.http import Http404
    from django.urls import resolve

    from wijkaanpak.core.api import exception_handler

    url = f"/api/v1/projects/{project_a.slug}/"
    request = rf.get(url)
    request.user = projectleider_b
    request.resolver_match = resolve(url)
    assert exception_handler(Http404(), {"request": request}).status_code == 404
    [event] = _events(security_events.NOT_FOUND)
    assert event.actor == projectleider_b and event.data["path"] == url


def test_grants_and_revocations_are_recorded(project_a, projectleider_a, gemeente_a):
    person = UserFactory(username="nieuw_lid", organisation=gemeente_a)
    role = role_grant(actor=projectleider_a, project=project_a, person=person, role=Role.ANALIST)
    role_end(actor=projectleider_a, project_role=role)
    kinds = [e.kind for e in Event.objects.filter(object_id=str(role.pk)).order_by("id")]
    assert kinds == ["role_granted", "role_ended"]
    assert set(security_events.GRANT_KINDS) >= set(kinds)


def test_log_safe_encodes_control_characters():
    assert security_events.log_safe("a\nb\x1b[31m") == "a\\x0ab\\x1b[31m"
    assert len(security_events.log_safe("x" * 500)) == 150
