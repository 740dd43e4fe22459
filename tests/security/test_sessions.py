"""R11 sessions, the parts tests/core/test_auth.py does not already prove.

test_auth.py proves: a new key at login and again after OTP, logout kills the server session
(old cookie → login), a deactivated person's session dies. Here: idle timeout and absolute
lifetime configured *and* enforced, and the cookie flags of a real login.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone as real_timezone

import pytest

from tests.factories import UserFactory, login_verified, otp_device_for
from wijkaanpak.core.middleware import SESSION_STARTED_KEY

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def person(gemeente_a):
    return UserFactory(username="sessie", organisation=gemeente_a)


class _ShiftedClock:
    """`django.utils.timezone` for the session backends, with the clock moved forward."""

    def __init__(self):
        self.offset = timedelta()

    def now(self):
        return real_timezone.now() + self.offset

    def __getattr__(self, name):
        return getattr(real_timezone, name)


@pytest.fixture
def clock(monkeypatch):
    shifted = _ShiftedClock()
    monkeypatch.setattr("django.contrib.sessions.backends.base.timezone", shifted)
    monkeypatch.setattr("django.contrib.sessions.backends.db.timezone", shifted)
    return shifted


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("login"))


def test_lifetimes_are_configured_within_the_rule():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"  # server-side
    assert 0 < settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # the age is an *idle* timeout
    assert 0 < settings.SESSION_ABSOLUTE_LIFETIME <= 12 * 60 * 60
    assert not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE or settings.SESSION_COOKIE_AGE <= 1800


def test_idle_timeout_is_enforced_and_activity_extends_it(client, person, clock):
    login_verified(client, person)
    url = reverse("projects:list")
    assert client.get(url).status_code == 200
    key = client.session.session_key
    remaining = Session.objects.get(session_key=key).expire_date - real_timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(seconds=settings.SESSION_COOKIE_AGE)

    clock.offset = timedelta(minutes=29)  # idle for 29 minutes: still in
    assert client.get(url).status_code == 200
    clock.offset = timedelta(minutes=58)  # 29 more minutes after that request: still in
    assert client.get(url).status_code == 200
    clock.offset = timedelta(minutes=58 + 31)  # 31 idle minutes: out
    assert _is_login_redirect(client.get(url))


def test_absolute_lifetime_is_enforced_whatever_the_activity(client, person):
    login_verified(client, person)
    url = reverse("projects:list")
    assert client.get(url).status_code == 200
    session = client.session
    assert abs(session[SESSION_STARTED_KEY] - time.time()) < 60  # stamped at the first request
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    session[SESSION_STARTED_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_LIFETIME + 120
    session.save()
    assert client.get(url).status_code == 200  # 11 h 58 min into the shift: still in

    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_LIFETIME - 1
    session.save()
    assert _is_login_redirect(client.get(url))
    assert not Session.objects.filter(session_key=cookie).exists()  # flushed on the server
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert _is_login_redirect(client.get(url))


def test_login_cookie_flags(client, person):
    otp_device_for(person)
    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": person.username, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) <= 30 * 60
    # Secure is on in production (tests/security/test_production_settings.py); the test
    # settings switch it off only because the test client speaks plain HTTP.
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] is True and csrf["samesite"] == "Lax"
