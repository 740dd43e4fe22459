"""Login, second factor (verify), session rotation, lockout (security R8, R9, R11).

Setting up a second factor (only through an enrolment link) is in test_enrolment.py.
"""

from django.conf import settings
from django.urls import reverse

import pytest

from tests.factories import UserFactory, otp_device_for, totp_now
from wijkaanpak.core.auth_views import OTP_INVALID

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def person(gemeente_a):
    return UserFactory(username="inlogger", organisation=gemeente_a)


def _login(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_rotates_session_key_and_requires_second_factor(client, person):
    otp_device_for(person)
    client.get(reverse("login"))
    client.session.save()
    key_before = client.session.session_key

    response = _login(client, person.username)

    assert response.status_code == 302
    assert client.session.session_key != key_before
    # Password only: every page sends the person to the OTP step.
    response = client.get(reverse("projects:list"))
    assert response.status_code == 302 and response.url == reverse("otp-verify")


def test_otp_verify_then_replay_refused(client, person):
    device = otp_device_for(person)
    _login(client, person.username)
    key_after_password = client.session.session_key
    token = totp_now(device)

    response = client.post(reverse("otp-verify"), {"token": token})

    assert response.status_code == 302 and response.url == reverse("projects:start")
    assert client.session.session_key != key_after_password  # rotated again after the 2nd factor
    assert client.get(reverse("projects:list")).status_code == 200

    # The same code in a new login is refused (replay), and the page says why beside the field.
    client.post(reverse("logout"))
    _login(client, person.username)
    response = client.post(reverse("otp-verify"), {"token": token})
    assert response.status_code == 200
    assert OTP_INVALID in response.content.decode()
    assert client.get(reverse("projects:list")).status_code == 302


def test_otp_verify_wrong_code(client, person):
    otp_device_for(person)
    _login(client, person.username)
    response = client.post(reverse("otp-verify"), {"token": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["token"] == [OTP_INVALID]


def test_lockout_refuses_even_the_right_password(client, person):
    otp_device_for(person)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _login(client, person.username, "wrong-password-123")
        assert "_auth_user_id" not in client.session
    response = _login(client, person.username)
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("projects:list")).status_code == 302


def test_logout_invalidates_the_session(client, person, verified_client):
    verified_client(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("projects:list")).status_code == 200
    client.post(reverse("logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = client.get(reverse("projects:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_deactivated_person_is_logged_out(client, person, verified_client):
    verified_client(person)
    person.is_active = False
    person.save()
    response = client.get(reverse("projects:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_password_rules_speak_dutch():
    from django.contrib.auth.password_validation import (
        password_validators_help_texts,
        validate_password,
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        validate_password("kort-1")
    assert error.value.messages == [
        "Dit wachtwoord is te kort: het moet ten minste 12 tekens bevatten."
    ]
    assert "Uw wachtwoord moet ten minste 12 tekens bevatten." in password_validators_help_texts()
