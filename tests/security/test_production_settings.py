"""R24 production settings, imported in a fresh interpreter with only the environment that
production provides (`make test` runs `check --deploy` on top of this)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from django.conf import settings
settings.INSTALLED_APPS  # force the import of the settings module
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
    "SESSION_COOKIE_SAMESITE": settings.SESSION_COOKIE_SAMESITE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "X_FRAME_OPTIONS": settings.X_FRAME_OPTIONS,
    "SECURE_CONTENT_TYPE_NOSNIFF": settings.SECURE_CONTENT_TYPE_NOSNIFF,
    "SECURE_REFERRER_POLICY": settings.SECURE_REFERRER_POLICY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "OTP_REQUIRED": settings.OTP_REQUIRED,
    "SECRET_KEY_LENGTH": len(settings.SECRET_KEY),
}))
"""


def _production_env(**overrides) -> dict:
    # Start from an empty environment, so nothing of the test run (DJANGO_SECRET_KEY,
    # DJANGO_SECURE_COOKIES=false, DJANGO_DEBUG…) leaks into the import.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "wijkaanpak.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "wijkaanpak.example",
        "DATABASE_URL": "postgres://wijkaanpak@db.example:5432/wijkaanpak",
        "WIJKAANPAK_MASTER_KEY": "not-used-by-this-probe",
        "WIJKAANPAK_ORGANISATION_NAME": "Gemeente Voorbeeldstad",
        "WIJKAANPAK_CONTACT_EMAIL": "wijkaanpak@voorbeeldstad.example",
        "WIJKAANPAK_PRIVACY_EMAIL": "privacy@voorbeeldstad.example",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def _probe(env: dict, code: str = PROBE) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with only `env` (tests/core/test_site_pages.py runs
    the demo's settings this way)."""
    return subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_are_hardened():
    result = _probe(_production_env())
    assert result.returncode == 0, result.stderr[-2000:]
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True and values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"]
    assert values["ALLOWED_HOSTS"] == ["wijkaanpak.example"]
    assert values["OTP_REQUIRED"] is True


def test_production_ignores_switches_meant_for_the_demo():
    """Secure cookies, DEBUG off and the second factor cannot be switched off by environment."""
    result = _probe(
        _production_env(
            DJANGO_SECURE_COOKIES="false", DJANGO_DEBUG="true", WIJKAANPAK_OTP_REQUIRED="false"
        )
    )
    assert result.returncode == 0, result.stderr[-2000:]
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["DEBUG"] is False
    assert values["OTP_REQUIRED"] is True


def test_production_fails_fast_without_secret_key():
    result = _probe(_production_env(DJANGO_SECRET_KEY=None))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_fails_fast_without_allowed_hosts():
    result = _probe(_production_env(DJANGO_ALLOWED_HOSTS=None))
    assert result.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_fails_fast_without_the_organisation_and_where_to_turn():
    """The header, the privacy statement and the contact page name them (issue 9 item 8)."""
    for name in (
        "WIJKAANPAK_ORGANISATION_NAME",
        "WIJKAANPAK_CONTACT_EMAIL",
        "WIJKAANPAK_PRIVACY_EMAIL",
    ):
        result = _probe(_production_env(**{name: None}))
        assert result.returncode != 0 and name in result.stderr, name
