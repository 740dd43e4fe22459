"""R10 password policy: at least 12 characters, long passphrases welcome, common passwords
refused, and no composition rules. Checked through the configured validators (what the admin's
password forms use) and, for the long passphrase, through a real login."""

from django.contrib.auth.password_validation import (
    get_default_password_validators,
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.urls import reverse

import pytest

from tests.factories import UserFactory, otp_device_for

pytestmark = pytest.mark.django_db

PASSPHRASE_64 = "de paarse fiets staat al sinds dinsdag tegen de lantaarnpaal bij de gracht"


@pytest.fixture
def person(gemeente_a):
    return UserFactory(
        username="wachtwoord", first_name="Anna", last_name="Jansen", organisation=gemeente_a
    )


def refusals(password, user) -> list[str]:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        return [e.code for e in error.error_list]
    return []


def test_eleven_characters_refused_twelve_accepted(person):
    assert refusals("tulpenveld7", person) == ["password_too_short"]
    assert refusals("paarsfietsje", person) == []


def test_long_passphrases_accepted_and_usable_for_login(client, person):
    assert len(PASSPHRASE_64) >= 64
    assert refusals(PASSPHRASE_64, person) == []
    assert refusals(PASSPHRASE_64 * 3, person) == []  # no maximum that truncates a passphrase
    person.set_password(PASSPHRASE_64 * 2)
    person.save()
    otp_device_for(person)
    response = client.post(
        reverse("login"), {"username": person.username, "password": PASSPHRASE_64 * 2}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "common", ["qwerty123456", "123456qwerty", "1q2w3e4r5t6y", "telechargement"]
)
def test_common_passwords_refused(person, common):
    assert len(common) >= 12  # refused for being common, not for being short
    assert refusals(common, person) == ["password_too_common"]


@pytest.mark.parametrize(
    "password",
    ["paarsfietsje", "839201746153", "PAARSFIETSJE", "paars fietsje", "ééntweedrievier"],
)
def test_no_composition_rules(person, password):
    """Lower case only, digits only, upper case only, spaces, accents: all fine at 12+."""
    assert refusals(password, person) == []


def test_help_text_states_the_minimum():
    assert "12" in " ".join(str(text) for text in password_validators_help_texts())


def test_only_the_intended_validators():
    names = {type(v).__name__ for v in get_default_password_validators()}
    assert {"MinimumLengthValidator", "CommonPasswordValidator"} <= names
    assert "NumericPasswordValidator" not in names  # a composition rule (ASVS 6.2.5)
