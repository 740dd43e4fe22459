"""Login, second factor (setup and verify), session rotation, lockout (security R8, R9, R11)."""

from django.conf import settings
from django.urls import reverse

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def test_person_without_device_sets_one_up(client, person):
    _login(client, person.username)
    response = client.get(reverse("otp-verify"))
    assert response.status_code == 302 and response.url == reverse("otp-setup")

    response = client.get(reverse("otp-setup"))
    assert response.status_code == 200
    body = response.content.decode()
    device = TOTPDevice.objects.get(user=person)
    assert not device.confirmed
    assert 'src="data:image/svg+xml;base64,' in body
    assert "otpauth://totp/Wijkaanpak%3Ainlogger?secret=" in body
    # Reloading keeps the same device (the QR code stays valid).
    client.get(reverse("otp-setup"))
    assert TOTPDevice.objects.filter(user=person).count() == 1

    response = client.post(reverse("otp-setup"), {"token": "000000"})
    assert response.status_code == 200 and response.context["form"].errors["token"] == [OTP_INVALID]
    key_before = client.session.session_key

    device.refresh_from_db()
    # Throttled (R9): right after a wrong code, even the right one is refused for a while.
    response = client.post(reverse("otp-setup"), {"token": totp_now(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    device.throttle_reset()  # the throttle delay has passed
    response = client.post(reverse("otp-setup"), {"token": totp_now(device)})

    assert response.status_code == 302 and response.url == reverse("projects:start")
    device.refresh_from_db()
    assert device.confirmed
    assert client.session.session_key != key_before
    assert client.get(reverse("projects:list")).status_code == 200


def test_person_with_device_cannot_add_another(client, person):
    otp_device_for(person)
    _login(client, person.username)
    response = client.get(reverse("otp-setup"))
    assert response.status_code == 302 and response.url == reverse("otp-verify")
    response = client.post(reverse("otp-setup"), {"token": "123456"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=person).count() == 1


def test_otp_setup_needs_password_login(client):
    response = client.get(reverse("otp-setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


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
